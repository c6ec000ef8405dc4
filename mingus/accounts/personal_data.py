"""Personal data requests: export everything of one person, or erase them.

Which tables hold a person's data is found from the models (every relation to
the user model), and what erasure does to each is written down once, in
:data:`ERASURE_POLICY`. A table that refers to users but has no policy stops
both services (:class:`PolicyMissing`), so a table added later cannot be
forgotten silently.

The export runs under row-level security as the person themselves
(:func:`mingus.scope.user_scope`): even a wrong filter could not return someone
else's row. The erasure runs with staff reach in one transaction: either
everything in the policy happens, the audit entries about the person are
pseudonymised and the erasure is recorded, or nothing does.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Value
from django.utils import timezone

from finance.key_rotation import ENCRYPTED_COLUMNS
from mingus import crypto
from mingus.accounts.models import User
from mingus.scope import staff_scope, user_scope
from ops import audit
from ops.audit import record_event
from ops.models import AuditSource

EXPORT_FORMAT = "mingus-personal-data-export/1"
# Never exported: the password hash is a secret about the account, not data of the person.
ACCOUNT_FIELDS_NOT_EXPORTED = frozenset({"password"})


class Erasure(enum.StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class TablePolicy:
    """What happens to one table's rows of a person, and why."""

    erase: Erasure
    reason: str
    export: bool = True
    # Anonymise: columns set to NULL besides the reference to the person, and
    # URL columns cut to their path (query strings and fragments carry ids and tokens).
    clear: tuple[str, ...] = ()
    url_path_only: tuple[str, ...] = ()


_OWN = "The person's own data; nothing obliges us to keep it."

# Keyed by "table.column" of every column that refers to a user. The account
# row itself (`users`) is deleted last; its many-to-many rows (groups,
# permissions) go with it. `audit_logs.user_id` is deliberately no foreign key:
# audit entries are pseudonymised, never deleted (ops.audit.pseudonymise_user_entries).
ERASURE_POLICY: dict[str, TablePolicy] = {
    "user_profiles.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "subscriptions.user_id": TablePolicy(
        Erasure.DELETE,
        "Billing records the law keeps (invoices, payments) are kept by the payment processor (Stripe), "
        "not here; the subscription state is the person's own data.",
    ),
    "encrypted_financial_profiles.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "user_income_due_dates.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "user_expense_due_dates.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "daily_cashflow.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "important_dates.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "user_goals.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "user_health_checkins.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "health_correlations.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "career_profiles.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "income_comparisons.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "alerts.user_id": TablePolicy(
        Erasure.DELETE, "Alerts about the person (and their notifications, which may name the recipient)."
    ),
    "alert_subscriptions.user_id": TablePolicy(Erasure.DELETE, _OWN),
    "bi_users.user_id": TablePolicy(Erasure.DELETE, "A profile of the person (segment, value, churn risk)."),
    "cohort_memberships.user_id": TablePolicy(Erasure.DELETE, "Membership describes the person."),
    "error_logs.user_id": TablePolicy(
        Erasure.DELETE, "Free-text messages and tracebacks may quote the person's data and cannot be scrubbed reliably."
    ),
    "analytics_events.user_id": TablePolicy(
        Erasure.ANONYMISE,
        "Kept for aggregate product statistics (KPIs): the link to the person, the session id that ties "
        "events together, and the free-form properties are removed; page URLs keep only their path.",
        clear=("session_id", "properties"),
        url_path_only=("page_url",),
    ),
    "api_response_times.user_id": TablePolicy(
        Erasure.ANONYMISE,
        "Kept for performance history; only the link to the person is removed (the rest is endpoint and timing).",
    ),
    "reports.created_by_id": TablePolicy(
        Erasure.ANONYMISE,
        "A staff-authored report definition belongs to the business; only its authorship is removed. "
        "Not exported: staff work product, not data about the person.",
        export=False,
    ),
    "django_admin_log.user_id": TablePolicy(
        Erasure.DELETE,
        "Django's admin change history of a staff member goes with the account (its foreign key cascades); "
        "the audit trail keeps the record of what they did. Not exported: it describes other people's records.",
        export=False,
    ),
}


class PolicyMissing(Exception):
    """A table refers to users but :data:`ERASURE_POLICY` does not say what to do with it."""


class UndecryptableData(Exception):
    """A value of the person's could not be decrypted, so the export would be incomplete."""


@dataclass(frozen=True)
class UserReference:
    model: type[models.Model]
    field: models.Field

    @property
    def key(self) -> str:
        return f"{self.model._meta.db_table}.{self.field.column}"

    @property
    def policy(self) -> TablePolicy:
        return ERASURE_POLICY[self.key]


@dataclass
class ErasureReport:
    """What an erasure did, table by table (counts of rows; deletions include cascades)."""

    user_id: str
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    audit_pseudonymisation: object = None

    def as_audit_details(self) -> dict:
        return {"deleted": self.deleted, "anonymised": self.anonymised}


def user_references() -> list[UserReference]:
    """Every column of every model that refers to the user model, each with its policy.

    Raises :class:`PolicyMissing` if one has no entry in :data:`ERASURE_POLICY`.
    """
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    references = [
        UserReference(model=model, field=model_field)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if model_field.is_relation and model_field.related_model is user_model
    ]
    references.sort(key=lambda reference: reference.key)
    missing = [reference.key for reference in references if reference.key not in ERASURE_POLICY]
    if missing:
        raise PolicyMissing(
            f"No erasure policy for {', '.join(missing)}: add them to ERASURE_POLICY in {__name__} "
            "(delete or anonymise, with the reason)."
        )
    return references


def resolve_user(*, identifier: str) -> User:
    """The account named by its id or its email (case-insensitive); raises ``User.DoesNotExist``."""
    try:
        return User.objects.get(pk=uuid.UUID(identifier))
    except ValueError:
        return User.objects.get(email__iexact=identifier.strip())


def export_user_data(*, user_id: uuid.UUID | str, actor: str, source: str = AuditSource.SHELL) -> dict:
    """Everything of one person as JSON-ready data: the account (no password hash) and their rows.

    Runs as that person under row-level security; financial profiles are
    decrypted (it is their data), and a value that cannot be decrypted stops the
    export (:class:`UndecryptableData`) instead of leaving a hole. Recorded in the
    audit trail as ``export_user_data`` with the row counts.
    """
    user_id = uuid.UUID(str(user_id))
    references = [reference for reference in user_references() if reference.policy.export]
    with user_scope(user_id, actor=actor, source=source):
        account = User.objects.get(pk=user_id)
        exported_account = {
            **{
                model_field.column: _jsonable(model_field.value_from_object(account))
                for model_field in User._meta.concrete_fields
                if model_field.name not in ACCOUNT_FIELDS_NOT_EXPORTED
            },
            "groups": sorted(account.groups.values_list("name", flat=True)),
        }
        tables = {
            reference.model._meta.db_table: [_export_row(row) for row in _rows_of(reference, user_id=user_id)]
            for reference in references
        }
        record_event(
            action="export_user_data",
            user_id=user_id,
            entity_type=User._meta.db_table,
            entity_id=str(user_id),
            details={"rows": {table: len(rows) for table, rows in tables.items()}},
        )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "user_id": str(user_id),
        "account": exported_account,
        "tables": tables,
    }


def preview_erasure(*, user_id: uuid.UUID | str) -> list[tuple[UserReference, int]]:
    """How many rows of each table the erasure of ``user_id`` would touch (for confirmations)."""
    with staff_scope():
        return [(reference, _rows_of(reference, user_id=user_id).count()) for reference in user_references()]


def erase_user(*, user_id: uuid.UUID | str, actor: str, source: str = AuditSource.SHELL) -> ErasureReport:
    """Erase one person: their rows deleted or anonymised per :data:`ERASURE_POLICY`, then the account.

    The audit entries about them are pseudonymised (not deleted) and the
    erasure is recorded as ``erase_user`` with the counts and the user id only,
    never the email. One transaction with staff reach: all or nothing.
    """
    user_id = uuid.UUID(str(user_id))
    references = user_references()
    report = ErasureReport(user_id=str(user_id))
    with staff_scope(actor=actor, source=source):
        account = User.objects.select_for_update().get(pk=user_id)
        identifiers = [
            value
            for value in (account.email, account.legacy_email, account.phone, account.first_name, account.last_name)
            if value
        ]
        # Anonymise first: the account's deletion would otherwise cascade into rows meant to be kept.
        for reference in references:
            rows = _rows_of(reference, user_id=user_id)
            if reference.policy.erase is Erasure.ANONYMISE:
                report.anonymised[reference.key] = rows.update(**_anonymised_values(reference))
        for reference in references:
            if reference.policy.erase is Erasure.DELETE:
                _, per_model = _rows_of(reference, user_id=user_id).delete()
                _add_counts(report.deleted, per_model)
        _, per_model = User.objects.filter(pk=user_id).delete()
        _add_counts(report.deleted, per_model)
        # Recorded before the pseudonymisation, so that it covers this entry and
        # the trigger entries of the deletions above like every older one.
        record_event(
            action="erase_user",
            user_id=user_id,
            entity_type=User._meta.db_table,
            entity_id=str(user_id),
            details=report.as_audit_details(),
        )
        report.audit_pseudonymisation = audit.pseudonymise_user_entries(user_id=user_id, identifiers=identifiers)
    return report


def _rows_of(reference: UserReference, *, user_id) -> models.QuerySet:
    # _base_manager: no custom manager may hide rows from an export or an erasure.
    return reference.model._base_manager.filter(**{reference.field.attname: user_id}).order_by("pk")


def _export_row(row: models.Model) -> dict:
    encrypted = {column for label, column in ENCRYPTED_COLUMNS if label == row._meta.label}
    exported = {}
    for model_field in row._meta.concrete_fields:
        value = model_field.value_from_object(row)
        if model_field.name in encrypted:
            try:
                exported[model_field.column.removeprefix("encrypted_")] = crypto.decrypt_json(value)
            except crypto.DecryptionError as exc:
                raise UndecryptableData(
                    f"{row._meta.db_table} row {row.pk} cannot be decrypted with FIELD_ENCRYPTION_KEYS; "
                    "the export would be incomplete."
                ) from exc
            continue
        exported[model_field.column] = _jsonable(value)
    return exported


def _jsonable(value):
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _anonymised_values(reference: UserReference) -> dict:
    policy = reference.policy
    values = {reference.field.attname: None, **dict.fromkeys(policy.clear)}
    for column in policy.url_path_only:
        values[column] = _url_path(column)
    return values


def _url_path(column: str) -> models.Func:
    """SQL for the part of a URL before its first ``?`` or ``#``."""
    return models.Func(models.F(column), Value("[?#].*$"), Value(""), function="regexp_replace")


def _add_counts(into: dict[str, int], per_model: dict[str, int]) -> None:
    for label, count in per_model.items():
        if count:
            table = apps.get_model(label)._meta.db_table if "." in label else label
            into[table] = into.get(table, 0) + count
