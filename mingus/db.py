"""Building blocks shared by every model of the unified schema."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import models

# The apps of the unified schema (the legacy data's home); Django's and third-party apps are not.
DOMAIN_APPS = ("accounts", "finance", "health", "career", "ops")


def quote_identifier(name: str) -> str:
    """``name`` as an SQL identifier (PostgreSQL or SQLite), safe whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7).

    New rows land at the right-hand edge of the primary-key index instead of at
    random pages, which keeps inserts into the big tables cheap. The 12 rand_a
    bits hold the fraction of the millisecond (RFC 9562 method 3, as
    PostgreSQL's uuidv7() and ops migration 0005's mingus_uuid7() do), so ids
    made one after another in the same millisecond still sort in order.
    """
    stamp = time.time_ns() * 4096 // 1_000_000  # Unix time in units of 1/4096 ms
    millis, fraction = stamp >> 12, stamp & 0xFFF
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= fraction << 64  # rand_a: sub-millisecond time
    value |= 0b10 << 62  # variant
    value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)


class MoneyField(models.DecimalField):
    """Exact money: numeric(14, 2), never float."""

    def __init__(self, *args, **kwargs):
        kwargs["max_digits"] = 14
        kwargs["decimal_places"] = 2
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_digits"], kwargs["decimal_places"]
        return name, path, args, kwargs


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)

    class Meta:
        abstract = True


class UserOwnedModel(UUIDModel):
    """A row that belongs to exactly one person (row-level security keys on user_id)."""

    # No single-column index: each model declares a composite index led by
    # user_id that serves both the per-user lookups and its own range scans.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)

    class Meta:
        abstract = True


class PythonCheckedConstraint(models.CheckConstraint):
    """A CHECK constraint that also carries the same rule as a Python predicate.

    ``python_check`` is ``(field name, predicate)``; bulk paths (the importer's
    fast path) test rows with it before they reach the database. Django clones
    every constraint of a concrete model's Meta (to fill in ``%(class)s``), and
    a clone is rebuilt from ``deconstruct()``, so :meth:`clone` carries the
    predicate over. Migrations see a plain ``CheckConstraint``.
    """

    def __init__(self, *, python_check: tuple[str, Callable[[object], bool]], **kwargs):
        super().__init__(**kwargs)
        self.python_check = python_check

    def deconstruct(self):
        _, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs

    def clone(self) -> PythonCheckedConstraint:
        _, args, kwargs = self.deconstruct()
        return type(self)(*args, python_check=self.python_check, **kwargs)


def choices_check(field: str, choices: type[models.TextChoices], *, name: str) -> PythonCheckedConstraint:
    """CHECK that ``field`` holds one of ``choices`` (or NULL)."""
    allowed = frozenset(choices.values)

    def one_of(value) -> bool:
        return value is None or value in allowed

    one_of.allowed = allowed  # the same rule as data, for the import's C encoder (ops/legacy/row_codec.py)
    return PythonCheckedConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}) | models.Q(**{f"{field}__isnull": True}),
        name=name,
        python_check=(field, one_of),
    )


def range_check(field: str, *, low=None, high=None, name: str) -> PythonCheckedConstraint:
    """CHECK that ``field`` is within [low, high] (either bound optional) or NULL."""
    condition = models.Q()
    if low is not None:
        condition &= models.Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= models.Q(**{f"{field}__lte": high})

    def within(value) -> bool:
        if value is None:
            return True
        if value != value:  # NaN: PostgreSQL sorts it above every number
            return high is None
        return (low is None or value >= low) and (high is None or value <= high)

    within.bounds = (low, high)  # the same rule as data, for the import's C encoder (ops/legacy/row_codec.py)
    return PythonCheckedConstraint(
        condition=condition | models.Q(**{f"{field}__isnull": True}), name=name, python_check=(field, within)
    )


def not_empty_check(field: str, *, name: str) -> PythonCheckedConstraint:
    """CHECK that ``field`` is not the empty string (NULL passes; NOT NULL is the column's business)."""
    return PythonCheckedConstraint(
        condition=~models.Q(**{field: ""}), name=name, python_check=(field, lambda value: value != "")
    )
