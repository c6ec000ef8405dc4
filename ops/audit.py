"""Application events in the audit trail, and its retention path.

Row changes are recorded by triggers (:mod:`ops.audit_triggers`); sealing and
verification live in :mod:`ops.audit_seal`. The audit log is append-only: the
only changes anyone can make go through the retention functions of migration
ops 0004, which these services call and which record an entry of their own.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connections

from mingus.scope import current_scope, staff_scope
from ops.models import AuditLog, AuditSource

# The database itself refuses to purge entries younger than this (mingus_audit_purge()).
RETENTION_FLOOR_DAYS = 365


class AuditRetentionRefused(ValueError):
    """A purge asked for entries younger than the minimum retention age."""


def record_event(
    *,
    action: str,
    actor: str | None = None,
    source: str | None = None,
    user_id: uuid.UUID | str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    details: dict | None = None,
    ip_address: str | None = None,
    request_id: str | None = None,
    using: str = "default",
) -> AuditLog:
    """Append one application event (login, export, reveal, key rotation, import run...).

    Actor, source and request id default to the transaction's audit context
    (see :mod:`mingus.scope`), so an event recorded inside a request or task
    carries the same labels as the row changes its triggers record.
    """
    context = current_scope(using=using)
    if context["source"] not in AuditSource.values:
        context["source"] = None  # a label must never make the write fail the source CHECK
    request_id = request_id if request_id is not None else context["request_id"]
    return AuditLog.objects.using(using).create(
        action=action,
        actor=actor if actor is not None else context["actor"],
        source=source if source is not None else context["source"],
        user_id=user_id,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
        ip_address=ip_address,
        request_id=request_id[:64] if request_id else None,
    )


def purge_audit_logs(*, older_than_days: int, using: str = "default") -> int:
    """Delete the audit entries older than ``older_than_days`` days; return how many.

    Refused below ``AUDIT_RETENTION_DAYS`` (and, in the database, below
    :data:`RETENTION_FLOOR_DAYS` whatever the setting). The purge records an
    ``audit_purge`` entry with its cut-off, which ``verify_audit`` uses to tell
    purged entries from deleted ones. Needs staff reach (EXECUTE is granted to
    ``mingus_staff`` only).
    """
    minimum = max(settings.AUDIT_RETENTION_DAYS, RETENTION_FLOOR_DAYS)
    if older_than_days < minimum:
        raise AuditRetentionRefused(
            f"audit entries are kept at least {minimum} days; refusing to purge those younger than "
            f"{older_than_days} days"
        )
    with staff_scope(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT mingus_audit_purge(%s)", [older_than_days])
        return cursor.fetchone()[0]


def pseudonymise_user_entries(*, user_id: uuid.UUID | str, identifiers: list[str], using: str = "default") -> int:
    """Pseudonymise one person's audit entries (GDPR erasure); return how many entries changed.

    Their entries get a fresh random pseudonym as ``user_id`` and lose their IP
    address; the user id and ``identifiers`` (email, phone, names...) are
    replaced by the pseudonym, as whole words and case-insensitively, in actor,
    entity id, changes and details. Identifiers that single a person out (an
    email address, a phone number: an ``@`` or five digits) are also scrubbed in
    other entries, such as those where the person acted; names only in the
    person's own entries, since the same name may be someone else's. The
    function records an ``audit_pseudonymise`` entry listing the ids it changed,
    which ``verify_audit`` accepts as such. Needs staff reach.
    """
    cleaned = sorted({value.strip() for value in identifiers if value and len(value.strip()) >= 2})
    distinctive = [value for value in cleaned if _singles_out(value)]
    personal = [value for value in cleaned if not _singles_out(value)]
    with staff_scope(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT mingus_audit_pseudonymise(%s::uuid, %s::text[], %s::text[])",
            [str(uuid.UUID(str(user_id))), distinctive, personal],
        )
        return cursor.fetchone()[0]


def _singles_out(identifier: str) -> bool:
    return "@" in identifier or sum(character.isdigit() for character in identifier) >= 5
