"""rollback_import: remove exactly the rows one import run inserted, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mingus.db_roles import runs_as_owner
from ops.legacy import ids
from ops.legacy.deferred_indexes import rebuild_indexes
from ops.legacy.mapping import load_order
from ops.models import AuditLog, AuditSource, ImportRun, ImportStatus, LegacyExtra, QuarantinedRow


class RollbackFailed(Exception):
    """The run cannot be rolled back; nothing was changed."""


@dataclass
class RollbackResult:
    run_id: str
    deleted: dict[str, int]
    placeholders_deleted: int
    quarantined_deleted: int
    extras_deleted: int
    indexes_built_again: list[str]


@runs_as_owner
def rollback_import(*, run_id, actor: str | None = None) -> RollbackResult:
    """Delete the rows ``run_id`` inserted (by the UUID ranges its chunks recorded).

    Rows the run found already present, rows inserted by other runs and rows
    created by the app are untouched. Everything happens in one transaction:
    if rows created since then still reference an imported row, the rollback
    fails with the constraint that stopped it and changes nothing. Indexes a
    killed run had deferred are then built again.
    """
    try:
        run = ImportRun.objects.get(pk=run_id)
    except (ImportRun.DoesNotExist, ValueError) as exc:
        raise RollbackFailed(f"no import run {run_id}") from exc
    if run.status == ImportStatus.ROLLED_BACK:
        raise RollbackFailed(f"run {run_id} was already rolled back")
    if run.status == ImportStatus.RUNNING and run.finished_at is None and _is_import_running():
        raise RollbackFailed("an import is running right now; roll back once it has stopped")

    ranges: dict[tuple[str, str, str], list[list[int]]] = {}
    for chunk in run.chunks.all().only("source_file", "source_table", "target_table", "inserted_rowids"):
        key = (chunk.source_file, chunk.source_table, chunk.target_table or LegacyExtra._meta.db_table)
        ranges.setdefault(key, []).extend(chunk.inserted_rowids)
    # Children before parents, users last.
    position = {(m.source_file, m.source_table): i for i, m in enumerate(load_order())}
    keys = sorted(ranges, key=lambda k: position.get((k[0], k[1]), len(position)), reverse=True)

    deleted: dict[str, int] = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A run killed outright may have left tables without their deferred indexes. Built
            # first: each of the run's ranges below is then deleted through its primary key.
            try:
                indexes = rebuild_indexes(run_id=run.pk)
            except IntegrityError as exc:
                raise RollbackFailed(
                    f"an index run {run_id} deferred cannot be built again; nothing was deleted ({exc})"
                ) from exc
            extras = LegacyExtra.objects.filter(run=run).delete()[0]
            for source_file, source_table, target in keys:
                key = (source_file, source_table, target)
                bounds = [ids.uuid_bounds(source_file, source_table, first, last) for first, last in ranges[key]]
                if target == AuditLog._meta.db_table:
                    # The audit log is append-only: its retention function removes the run's
                    # legacy entries (and records that it did, for verify_audit).
                    cursor.execute(
                        "SELECT mingus_audit_remove_legacy(%s::uuid[], %s::uuid[])",
                        [[low for low, _ in bounds], [high for _, high in bounds]],
                    )
                    count = cursor.fetchone()[0]
                else:
                    count = 0
                    for low, high in bounds:
                        cursor.execute(f'DELETE FROM "{target}" WHERE id BETWEEN %s AND %s', [low, high])  # noqa: S608
                        count += cursor.rowcount
                deleted[f"{source_file}:{source_table}"] = count
            placeholders = [ids.user_uuid(i) for i in (run.report or {}).get("placeholders_created", [])]
            cursor.execute("DELETE FROM users WHERE id = ANY(%s) AND legacy_status = 'placeholder'", [placeholders])
            placeholders_deleted = cursor.rowcount
            quarantined = QuarantinedRow.objects.filter(run=run).delete()[0]
            ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.ROLLED_BACK, finished_at=timezone.now())
            AuditLog.objects.create(
                action="legacy_import_rollback",
                actor=actor,
                source=AuditSource.SHELL,
                entity_type="ImportRun",
                entity_id=str(run.pk),
                details={
                    "deleted": deleted,
                    "placeholders_deleted": placeholders_deleted,
                    "indexes_built_again": indexes,
                },
            )
    except IntegrityError as exc:
        raise RollbackFailed(
            f"rows created since the import still reference rows of run {run_id}; nothing was deleted ({exc})"
        ) from exc
    return RollbackResult(
        run_id=str(run.pk),
        deleted=deleted,
        placeholders_deleted=placeholders_deleted,
        quarantined_deleted=quarantined,
        extras_deleted=extras,
        indexes_built_again=indexes,
    )


def _is_import_running() -> bool:
    from ops.legacy.importer import import_lock_held

    return import_lock_held()
