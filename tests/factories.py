"""Rows of any model with valid values, for tests that cover every model at once."""

import datetime
import itertools
import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone

from mingus.accounts.models import User

_seal_numbers = itertools.count(1)
# Callables are called per row.
OVERRIDES = {
    "ops.ImportChunk": {"rows_read": 4},
    "ops.AuditSeal": {"number": lambda: next(_seal_numbers), "txid_from": 0, "txid_to": 1},
}


def _value_for(field, owner):
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        if field.related_model is User:
            return owner
        return make_row(field.related_model, owner)
    if isinstance(field, models.EmailField):
        return f"{uuid.uuid4().hex}@example.com"
    if isinstance(field, models.BinaryField):
        return b"\x00\xff"
    if isinstance(field, models.JSONField):
        return {"k": [1, 2]}
    if isinstance(field, models.DecimalField):
        return Decimal("12.34")
    if isinstance(field, models.FloatField):
        return 0.5
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date(2025, 1, 1) + datetime.timedelta(days=uuid.uuid4().int % 3000)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    text = f"v{uuid.uuid4().hex}"
    return text[: field.max_length] if field.max_length else text


def make_row(model, owner, *, one_to_one_owner=None):
    """Create a row of ``model``; foreign keys to users point at ``owner``."""
    if model is User:
        return User.objects.create_user(email=f"{uuid.uuid4().hex}@example.com", password=None)
    values = {}
    for field in model._meta.concrete_fields:
        # Columns the database fills (audit_logs.txid, db_role, db_login) are left to it.
        if field.primary_key or field.name in ("password", "last_login") or field.has_db_default():
            continue
        if isinstance(field, models.OneToOneField) and field.related_model is User:
            values[field.name] = one_to_one_owner or make_row(User, None)
            continue
        values[field.name] = _value_for(field, owner)
    values.update({k: v() if callable(v) else v for k, v in OVERRIDES.get(model._meta.label, {}).items()})
    return model.objects.create(**values)
