"""Building blocks shared by every model of the unified schema."""

from __future__ import annotations

import os
import time
import uuid

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


def choices_check(field: str, choices: type[models.TextChoices], *, name: str) -> models.CheckConstraint:
    """CHECK that ``field`` holds one of ``choices`` (or NULL)."""
    constraint = models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}) | models.Q(**{f"{field}__isnull": True}),
        name=name,
    )
    allowed = frozenset(choices.values)
    # The same rule as a Python predicate, so bulk paths can check rows before they reach the database.
    constraint.python_check = (field, lambda value: value is None or value in allowed)
    return constraint


def range_check(field: str, *, low=None, high=None, name: str) -> models.CheckConstraint:
    """CHECK that ``field`` is within [low, high] (either bound optional) or NULL."""
    condition = models.Q()
    if low is not None:
        condition &= models.Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= models.Q(**{f"{field}__lte": high})
    constraint = models.CheckConstraint(condition=condition | models.Q(**{f"{field}__isnull": True}), name=name)
    constraint.python_check = (
        field,
        lambda value: value is None or ((low is None or value >= low) and (high is None or value <= high)),
    )
    return constraint
