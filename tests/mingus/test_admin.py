"""Every admin page renders for a superuser, with a bounded number of queries and no N+1."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mingus.accounts.models import User
from mingus.db import DOMAIN_APPS
from tests.factories import make_row as _make

REGISTERED = sorted((m for m in admin.site._registry if m._meta.app_label in DOMAIN_APPS), key=lambda m: m._meta.label)
# Values the generic factory cannot guess (constraints across fields).
# The request scope (mingus/scope.py) costs one query per request in production and
# three inside the test transaction (read the outer scope, set, restore).
SCOPE_QUERIES = 3
MAX_CHANGELIST_QUERIES = 12 + SCOPE_QUERIES
MAX_CHANGE_PAGE_QUERIES = 15 + SCOPE_QUERIES


@pytest.fixture
def staff_client(client, db):
    superuser = User.objects.create_superuser(email="admin@example.com", password=None)
    client.force_login(superuser)
    return client, superuser


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_renders_with_bounded_queries_and_no_n_plus_one(staff_client, model):
    client, superuser = staff_client
    _make(model, superuser)
    with CaptureQueriesContext(connection) as one_row:
        response = client.get(_changelist(model))
    assert response.status_code == 200
    assert len(one_row) <= MAX_CHANGELIST_QUERIES, [q["sql"] for q in one_row]

    for _ in range(4):
        _make(model, superuser)
    with CaptureQueriesContext(connection) as five_rows:
        response = client.get(_changelist(model))
    assert response.status_code == 200
    assert len(five_rows) == len(one_row), "query count grows with rows: N+1"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_change_page_renders_with_bounded_queries(staff_client, model):
    client, superuser = staff_client
    obj = superuser if model is User else _make(model, superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(queries) <= MAX_CHANGE_PAGE_QUERIES, [q["sql"] for q in queries]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_search_and_filters_render(staff_client, model):
    client, superuser = staff_client
    _make(model, superuser)
    model_admin = admin.site._registry[model]
    if model_admin.search_fields:
        assert client.get(_changelist(model), {"q": "nothing-matches-this"}).status_code == 200


def test_every_domain_model_is_registered():
    from django.apps import apps

    missing = [m._meta.label for m in apps.get_models() if m._meta.app_label in DOMAIN_APPS and m not in REGISTERED]
    assert missing == []


def test_financial_profile_admin_shows_neither_plaintext_nor_token(staff_client):
    from finance.models import EncryptedFinancialProfile

    client, superuser = staff_client
    profile = EncryptedFinancialProfile(user=superuser)
    profile.encrypt({"net_worth": "987654.32"})
    profile.save()
    for url in (
        _changelist(EncryptedFinancialProfile),
        reverse("admin:finance_encryptedfinancialprofile_change", args=[profile.pk]),
    ):
        body = client.get(url).content.decode()
        assert "987654.32" not in body
        assert profile.encrypted_data[:40] not in body


def test_big_table_changelist_uses_the_planner_estimate_not_count(staff_client):
    from finance.models import DailyCashflow

    client, superuser = staff_client
    DailyCashflow.objects.create(user=superuser, date=datetime.date(2025, 1, 1))
    with connection.cursor() as cursor:
        # Pretend the table is huge: the changelist must trust the estimate.
        # Only the owner (a superuser here) may ANALYZE it or touch the catalog.
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("ANALYZE daily_cashflow")
        cursor.execute("UPDATE pg_class SET reltuples = 5000000 WHERE oid = 'daily_cashflow'::regclass")
        cursor.execute("SET LOCAL ROLE mingus_staff")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_changelist(DailyCashflow))
    assert response.status_code == 200
    assert not any("COUNT(*)" in q["sql"].upper() and "daily_cashflow" in q["sql"] for q in queries)
    assert "5000000" in response.content.decode().replace(",", "")
