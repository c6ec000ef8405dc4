"""Bookkeeping of legacy imports: runs, their chunks, quarantined rows, kept extras, deferred indexes."""

from django.db import models
from django.utils import timezone

from mingus.db import UUIDModel, choices_check


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class ImportRun(UUIDModel):
    """One execution of ``import_sqlite`` over a directory of legacy files.

    A run killed half-way is resumed by the next ``import_sqlite`` over the
    same files (same checksums): it continues with the chunks not yet done.
    """

    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    source_dir = models.TextField()
    source_checksums = models.JSONField(default=dict, help_text="SHA-256 of each consistent source copy.")
    backup_path = models.TextField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    started_by = models.TextField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per phase.")
    report = models.JSONField(default=dict, blank=True, help_text="Per-table counts and policy figures.")
    error = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "ops_import_runs"
        ordering = ["-started_at"]
        constraints = [choices_check("status", ImportStatus, name="ops_import_runs_status_valid")]

    def __str__(self) -> str:
        return f"Import {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class ImportChunk(UUIDModel):
    """A committed slice of one legacy table: rows with rowid in [rowid_from, rowid_to].

    Written in the same transaction as the rows it moved, so after a crash
    the chunks present are exactly the work that is done.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="chunks")
    source_file = models.CharField(max_length=100)
    source_table = models.CharField(max_length=100)
    target_table = models.CharField(max_length=100, null=True, blank=True)
    rowid_from = models.BigIntegerField()
    rowid_to = models.BigIntegerField()
    rows_read = models.IntegerField(default=0)
    rows_inserted = models.IntegerField(default=0)
    rows_present = models.IntegerField(default=0, help_text="Already imported by an earlier run; left as is.")
    rows_quarantined = models.IntegerField(default=0)
    rows_skipped = models.IntegerField(default=0)
    inserted_rowids = models.JSONField(default=list, help_text="Inserted legacy rowids as [first, last] ranges.")
    notes = models.JSONField(default=dict, blank=True, help_text="Counts of documented normalisations.")
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ops_import_chunks"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "source_file", "source_table", "rowid_from"], name="ops_import_chunks_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    rows_read=models.F("rows_inserted")
                    + models.F("rows_present")
                    + models.F("rows_quarantined")
                    + models.F("rows_skipped")
                ),
                name="ops_import_chunks_rows_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_file}:{self.source_table} [{self.rowid_from}, {self.rowid_to}]"


class QuarantinedRow(UUIDModel):
    """A legacy row that could not be imported, kept complete and lossless for staff.

    ``original`` holds every column as ``[name, storage class, value]``: text
    as text (base64 if it holds NUL), integers as numbers, reals as their
    exact repr, blobs as base64.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="quarantined_rows")
    source_file = models.CharField(max_length=100)
    source_table = models.CharField(max_length=100)
    source_rowid = models.BigIntegerField()
    original = models.JSONField()
    reason_code = models.CharField(max_length=40)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "ops_quarantined_rows"
        constraints = [
            models.UniqueConstraint(
                fields=["source_file", "source_table", "source_rowid"], name="ops_quarantined_rows_once"
            ),
        ]
        indexes = [models.Index(fields=["run", "reason_code"], name="ops_quarantine_run_reason_idx")]

    def __str__(self) -> str:
        return f"{self.source_file}:{self.source_table} #{self.source_rowid}: {self.reason_code}"


class LegacyExtra(UUIDModel):
    """Values from legacy columns or tables the contract does not know, kept rather than dropped."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="extras")
    source_file = models.CharField(max_length=100)
    source_table = models.CharField(max_length=100)
    source_rowid = models.BigIntegerField()
    target_table = models.CharField(max_length=100, null=True, blank=True)
    target_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(help_text="Column name → [storage class, value], as in quarantined rows.")

    class Meta:
        db_table = "ops_legacy_extras"
        constraints = [
            models.UniqueConstraint(
                fields=["source_file", "source_table", "source_rowid"], name="ops_legacy_extras_once"
            ),
        ]
        indexes = [models.Index(fields=["target_table", "target_id"], name="ops_legacy_extras_target_idx")]

    def __str__(self) -> str:
        return f"{self.source_file}:{self.source_table} #{self.source_rowid}"


class DeferredIndex(UUIDModel):
    """An index an import dropped to load a table faster, until it is built again.

    A plain secondary index, or the primary key of a table that no foreign key
    points at (``index_name`` is then the constraint's name, which its index shares).

    The record is written in the transaction that drops the index and deleted in
    the one that builds it again, so a record exists exactly while its index is
    missing: after a killed run, the next import or ``rollback_import`` rebuilds it.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="deferred_indexes")
    table_name = models.CharField(max_length=100)
    index_name = models.CharField(max_length=100, unique=True)
    definition = models.TextField(
        help_text="What builds it again: pg_get_indexdef() of an index, ALTER TABLE ... ADD CONSTRAINT of a key."
    )
    dropped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ops_import_deferred_indexes"

    def __str__(self) -> str:
        return f"{self.index_name} on {self.table_name}"
