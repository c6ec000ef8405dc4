"""CHECK constraints that carry their rule as a Python predicate too (the importer's fast path checks rows with it)."""

import math
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, models

from mingus.db import PythonCheckedConstraint, range_check
from ops.legacy.mapping import TABLE_MAPPINGS


def test_every_check_constraint_of_an_imported_model_keeps_its_python_predicate():
    # Django clones Meta constraints when it builds a model; a predicate lost there sends the
    # table down the slow stage path of the importer without anyone noticing.
    checks = [
        constraint
        for mapping in TABLE_MAPPINGS
        for constraint in apps.get_model(mapping.model)._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    ]
    assert len(checks) >= 39
    assert [c.name for c in checks if getattr(c, "python_check", None) is None] == []


def test_a_cloned_constraint_keeps_its_predicate_and_migrations_see_a_plain_check_constraint():
    constraint = range_check("score", low=0, high=1, name="score_0_1")
    clone = constraint.clone()
    path, _, kwargs = clone.deconstruct()
    assert isinstance(clone, PythonCheckedConstraint)
    assert clone.python_check[1](2) is False and clone.python_check[1](1) is True
    assert path == "django.db.models.CheckConstraint"
    assert "python_check" not in kwargs
    assert clone == constraint


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [*(None, -1, 0, 0.5, 1, 1.000001, -0.0, math.inf, -math.inf, math.nan), Decimal("1.01"), Decimal("NaN")],
)
def test_range_predicate_agrees_with_postgresql(value):
    _, within = range_check("score", low=0, high=1, name="score_0_1").python_check
    cast = "numeric" if isinstance(value, Decimal) else "float8"
    with connection.cursor() as cursor:
        # A CHECK passes unless its condition is false (NULL passes).
        cursor.execute(f"SELECT (%s::{cast} >= 0 AND %s::{cast} <= 1) IS NOT FALSE", [value, value])
        allowed_by_postgresql = cursor.fetchone()[0]
    assert within(value) is allowed_by_postgresql


@pytest.mark.django_db
@pytest.mark.parametrize("value", [None, "", " ", "a@x.com", " a@x.com", "a@x.com ", "\ta@x.com", "a@x.com\n", "a b@x"])
def test_trimmed_email_predicate_agrees_with_postgresql(value):
    from mingus.accounts.models import email_trimmed_not_empty

    with connection.cursor() as cursor:
        cursor.execute("SELECT (NOT (%s::text = '') AND %s::text = btrim(%s::text)) IS NOT FALSE", [value] * 3)
        allowed_by_postgresql = cursor.fetchone()[0]
    assert email_trimmed_not_empty(value) is allowed_by_postgresql
