from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from mingus.db import UUIDModel, choices_check
from ops.audit_triggers import RefuseAuditChanges, StampAuditRow


class AuditSource(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    TASK = "task", "Celery task"
    IMPORT = "import", "Import"
    SHELL = "shell", "Shell / command"
    LEGACY = "legacy", "Legacy app"


class AuditLog(UUIDModel):
    """One audited event: a row change or an application event.

    ``user_id`` is deliberately not a foreign key: audit entries outlive the
    accounts they mention and must never be touched by a cascade.
    """

    created_at = models.DateTimeField(default=timezone.now)
    user_id = models.UUIDField(null=True, blank=True, help_text="The person the entry is about.")
    actor = models.TextField(null=True, blank=True, help_text="Who acted: staff user, user, task or import run.")
    action = models.CharField(max_length=50)
    source = models.CharField(max_length=20, null=True, blank=True, choices=AuditSource.choices)
    entity_type = models.CharField(max_length=64, null=True, blank=True)
    entity_id = models.CharField(max_length=64, null=True, blank=True)
    changes = models.JSONField(null=True, blank=True)
    details = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, null=True, blank=True)
    # Set by the database, never by the writer (the stamp_row trigger refuses any
    # other value): the writing transaction, which sealing ranges over, and the
    # roles it ran as.
    txid = models.BigIntegerField(
        db_default=RawSQL("pg_current_xact_id()::text::bigint", []),
        editable=False,
        help_text="Writing transaction (pg_current_xact_id); seals cover ranges of it.",
    )
    db_role = models.TextField(
        db_default=RawSQL("current_user", []), editable=False, help_text="Database role that wrote the entry."
    )
    db_login = models.TextField(
        db_default=RawSQL("session_user", []), editable=False, help_text="Database login of that session."
    )

    class Meta:
        db_table = "audit_logs"
        constraints = [choices_check("source", AuditSource, name="audit_logs_source_valid")]
        indexes = [
            # Entries arrive in time and transaction order: a BRIN index serves the
            # retention purge (created_at) and sealing (txid ranges) at a fraction of
            # a b-tree's cost per insert. Listings page by the time-ordered primary key.
            # Every index here is paid by every audited row change (see bench/audit_bench.py).
            BrinIndex(fields=["created_at", "txid"], name="audit_logs_created_txid_brin"),
            models.Index(fields=["user_id", "created_at"], name="audit_logs_user_created_idx"),
            # A row's history: entity ids are UUIDs, nearly unique across tables, so the
            # id alone finds it; a (type, id) key costs more per insert for no selectivity.
            models.Index(fields=["entity_id"], name="audit_logs_entity_id_idx"),
        ]
        triggers = [
            RefuseAuditChanges(
                name="append_only",
                # Only the retention functions of migration ops 0004 set these markers.
                allowed={"DELETE": ("purge", "legacy_rollback"), "UPDATE": ("pseudonymise",)},
            ),
            StampAuditRow(name="stamp_row"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type or ''} {self.entity_id or ''}".strip()


class AuditSeal(UUIDModel):
    """A seal over the audit entries of one range of transaction ids (see :mod:`ops.audit_seal`).

    ``rows`` holds, sorted by entry id, one 40-byte record per entry: the id
    (16 bytes), ``created_at`` in microseconds since the epoch (8 bytes, signed
    big-endian) and the first 16 bytes of the entry's HMAC-SHA256 (128-bit tag).
    ``amendments`` has the same layout for earlier entries the pseudonymisation
    path changed within this range. ``mac`` chains the seal to the one before.
    Append-only, like the audit log.
    """

    number = models.PositiveIntegerField(unique=True, help_text="1, 2, 3... with no gaps.")
    created_at = models.DateTimeField(default=timezone.now)
    txid_from = models.BigIntegerField(help_text="First transaction id covered (inclusive).")
    txid_to = models.BigIntegerField(help_text="End of the range (exclusive): every transaction below it had ended.")
    row_count = models.PositiveIntegerField()
    amended_count = models.PositiveIntegerField(default=0)
    rows = models.BinaryField()
    amendments = models.BinaryField(default=bytes)
    key_id = models.CharField(max_length=16, help_text="Fingerprint of the AUDIT_SEAL_KEY that made the MACs.")
    previous_mac = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_seals"
        constraints = [
            models.CheckConstraint(condition=models.Q(txid_to__gt=models.F("txid_from")), name="audit_seals_range"),
        ]
        triggers = [RefuseAuditChanges(name="append_only", allowed={})]

    def __str__(self) -> str:
        return f"Seal {self.number}: transactions {self.txid_from}..{self.txid_to - 1}, {self.row_count} entries"
