"""import_sqlite: move the five legacy SQLite files into the unified schema, losing nothing.

How a run goes (README "Importing the legacy data" has the policies):

1. Back up the sources (compressed, with a manifest) and take consistent
   snapshots to read from; the source files are never opened for writing.
2. Plan: every table of every file, known to the contract or not, is cut into
   chunks of ``batch_size`` rowids. Email variants and orphaned user ids are
   decided here, once, so every process applies the same policy.
3. Load: chunks run in worker processes (both cores). A chunk converts its
   rows in Python (``convert.py``), COPYs them in binary into a temporary
   stage table, then one set-based statement moves the rows that satisfy
   every constraint of the target into it. Rows that fail a conversion, a
   CHECK, NOT NULL, a foreign key or a unique key go to quarantine, complete
   and lossless, with the reason. The chunk's bookkeeping row is written in
   the same transaction, so a killed run resumes exactly where it stopped.
4. Verify the count identity per table (read = inserted + already present +
   quarantined + skipped, and read = the source's own count) and fail loudly
   if it does not hold; write one audit entry for the run.

Row ids are deterministic (``ids.py``), so a second run over the same files
finds every row already present and changes nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import multiprocessing
import os
import queue
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.utils import timezone

from mingus.db import quote_identifier as _quote
from mingus.db_roles import runs_as_owner
from mingus.fernet_ring import FernetRing
from mingus.gc_freeze import long_lived_objects_frozen
from ops.legacy import ids, row_codec
from ops.legacy.convert import (
    EmailDecision,
    ImportContext,
    JsonText,
    RowConverter,
    describe_value,
    use_converted_values,
)
from ops.legacy.deferred_indexes import defer_indexes, deferred_tables, keyless_tables, rebuild_indexes
from ops.legacy.mapping import LEGACY_FILES, TableMapping, get_mapping
from ops.legacy.snapshot_rows import (
    UndecodableText,
    open_reader,
    open_snapshot,
    read_rows,
    rowid_bounds,
    rows_by_rowid,
)
from ops.legacy.sqlite_backup import BackupError, backup_legacy_dir, sha256_file, snapshot_legacy_dir
from ops.legacy.transforms import TransformError, decode_text
from ops.models import AuditLog, AuditSource, ImportChunk, ImportRun, ImportStatus, LegacyExtra

logger = logging.getLogger(__name__)

USERS_KEY = "mingus.db:users"
PLACEHOLDER_CREATED_AT = datetime(1970, 1, 1, tzinfo=UTC)
_LOCK_KEY = 0x4D494E47  # "MING": one import at a time per database
# zstd level of the backup every import takes first: level 1 compresses the scale-100 sources to
# 57.9 MB in 0.5 s of the run, level 3 (backup_sqlite's default) to 54.1 MB in 0.8 s.
_BACKUP_LEVEL = 1
_EXTRAS_COLUMNS = ["id", "run_id", "source_file", "source_table", "source_rowid", "target_table", "target_id", "data"]
_EXTRAS_TYPES = ["uuid", "uuid", "text", "text", "int8", "text", "uuid", "jsonb"]


class ImportFailed(Exception):
    """An import that cannot start or did not add up; the message says why."""


class ImportBusy(ImportFailed):
    pass


@dataclass
class TablePlan:
    source_file: str
    source_table: str
    columns: list[str]
    row_count: int
    min_rowid: int | None
    max_rowid: int | None
    mapping: TableMapping | None
    target_table: str
    depends_on: set[str] = field(default_factory=set)
    units: list[tuple[int, int]] = field(default_factory=list)
    # Units of a table with unique keys besides the id run one after another, in
    # rowid order, so the first legacy row of a duplicate pair always wins.
    sequential: bool = True

    @property
    def key(self) -> str:
        return f"{self.source_file}:{self.source_table}"


@dataclass
class UnitResult:
    key: str
    rowid_from: int
    rowid_to: int
    read: int = 0
    inserted: int = 0
    present: int = 0
    quarantined: int = 0
    skipped: int = 0
    seconds: float = 0.0
    began: float = field(default_factory=time.monotonic, repr=False)


@dataclass
class ImportResult:
    run_id: uuid.UUID | None
    dry_run: bool
    report: dict
    resumed: bool = False


ProgressCallback = Callable[[str, dict], None]


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


@long_lived_objects_frozen()
@runs_as_owner
def import_legacy_dir(
    *,
    directory: Path,
    dry_run: bool = False,
    only: list[str] | None = None,
    batch_size: int = 50_000,
    workers: int | None = None,
    cache_cutoff: datetime | None = None,
    started_by: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import the legacy files in ``directory``; see the module docstring.

    ``only`` limits the run to some tables (``users``, ``mingus.db:users`` or
    a target table name); ``dry_run`` does all the work in one transaction and
    rolls it back. Raises :class:`ImportFailed` with a clear message when the
    import cannot start or its counts do not add up.
    """
    directory = Path(directory).resolve()
    progress = progress or (lambda event, data: None)
    _check_sources(directory)
    if batch_size < 1:
        raise ImportFailed("--batch-size must be at least 1")
    # One worker per core: the work is Python-bound, and a third worker on two cores
    # measured no faster (scale 100: 28.2 s load either way) while holding another ~170 MB.
    workers = max(1, workers or os.cpu_count() or 1)
    timings: dict[str, float] = {}
    started = time.monotonic()

    work_dir = Path(settings.VAR_DIR) / "imports" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    backup_path = None
    # Taken first: a second import is refused before it copies anything.
    lock = _acquire_lock()
    scans = _UserScans(only=only)
    counts = None
    try:
        if not dry_run:
            progress("phase", {"name": "backup"})
            # The run reads the very copies the backup was made from: one consistent moment,
            # checked by integrity_check, and their SHA-256 and row counts are in the manifest.
            # With worker processes ahead, the scans over every user start on those copies
            # while the backup checks and compresses them.
            backup = backup_legacy_dir(
                directory=directory,
                destination=Path(settings.LEGACY_BACKUP_DIR),
                keep_snapshot=work_dir / "snapshot",
                on_snapshot=scans.start if workers > 1 else None,
                level=_BACKUP_LEVEL,
            )
            backup_path, snapshot = backup.path, backup.snapshot
            checksums = {item.name: item.sha256 for item in sorted(backup.files, key=lambda item: item.name)}
            counts = {item.name: item.row_counts for item in backup.files}
            timings["backup"] = time.monotonic() - started
        else:
            progress("phase", {"name": "snapshot"})
            snapshot = snapshot_legacy_dir(directory=directory, destination=work_dir / "snapshot")
            checksums = {name: sha256_file(path) for name, path in sorted(snapshot.items())}
            timings["snapshot"] = time.monotonic() - started
    except BackupError as exc:
        scans.close()
        _release_lock(lock)
        shutil.rmtree(work_dir, ignore_errors=True)
        raise ImportFailed(f"cannot read the legacy files, nothing was imported: {exc}") from exc

    try:
        cutoff = cache_cutoff or datetime.now(UTC)
        run, resumed = _start_run(
            directory=directory,
            checksums=checksums,
            backup_path=backup_path,
            options={"only": only or [], "batch_size": batch_size, "cache_cutoff": cutoff.isoformat()},
            started_by=started_by,
            dry_run=dry_run,
        )
        if resumed:
            cutoff = datetime.fromisoformat(run.options["cache_cutoff"])
            batch_size = run.options["batch_size"]
        progress("run", {"run_id": str(run.id), "resumed": resumed})
        try:
            report = _execute(
                run=run,
                snapshot=snapshot,
                counts=counts,
                scans=scans,
                only=only,
                batch_size=batch_size,
                workers=1 if dry_run else workers,
                cutoff=cutoff,
                dry_run=dry_run,
                progress=progress,
                timings=timings,
                started=started,
            )
        except _DryRunDone as done:
            return ImportResult(run_id=None, dry_run=True, report=done.report)
        except BaseException as exc:
            if not dry_run:
                _fail_run(run, exc)
                _restore_indexes(run)
            raise
        return ImportResult(run_id=run.id, dry_run=False, report=report, resumed=resumed)
    finally:
        scans.close()
        _release_lock(lock)
        shutil.rmtree(work_dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Run lifecycle
# --------------------------------------------------------------------------------------------


class _DryRunDone(Exception):
    def __init__(self, report: dict):
        super().__init__("dry run finished")
        self.report = report


def _check_sources(directory: Path) -> None:
    if not directory.is_dir():
        raise ImportFailed(f"{directory} is not a directory")
    missing = [name for name in LEGACY_FILES if not (directory / name).is_file()]
    if missing:
        raise ImportFailed(f"{directory} lacks {', '.join(missing)}; nothing was imported")


def _acquire_lock() -> psycopg.Connection:
    """A session advisory lock on a connection of its own, held for the whole run."""
    params = connection.get_connection_params()
    lock_connection = psycopg.connect(**params, autocommit=True)
    if not lock_connection.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY]).fetchone()[0]:
        lock_connection.close()
        raise ImportBusy("another import is running against this database; wait for it to finish")
    return lock_connection


def _release_lock(lock_connection: psycopg.Connection) -> None:
    lock_connection.close()


def import_lock_held() -> bool:
    """Whether some session holds the import lock (an import is running)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted)",
            [_LOCK_KEY],
        )
        return cursor.fetchone()[0]


def _start_run(*, directory, checksums, backup_path, options, started_by, dry_run) -> tuple[ImportRun, bool]:
    if not dry_run:
        unfinished = (
            ImportRun.objects.filter(status__in=[ImportStatus.RUNNING, ImportStatus.FAILED], source_checksums=checksums)
            .order_by("-started_at")
            .first()
        )
        if unfinished is not None and unfinished.options.get("only", []) == options["only"]:
            unfinished.status = ImportStatus.RUNNING
            unfinished.error = None
            unfinished.heartbeat_at = timezone.now()
            unfinished.save(update_fields=["status", "error", "heartbeat_at"])
            return unfinished, True
    run = ImportRun(
        source_dir=str(directory),
        source_checksums=checksums,
        backup_path=str(backup_path) if backup_path else None,
        options={**options, "dry_run": dry_run},
        started_by=started_by,
        heartbeat_at=timezone.now(),
    )
    if not dry_run:
        run.save()
    return run, False


def _fail_run(run: ImportRun, exc: BaseException) -> None:
    connections.close_all()  # the failure may have left the connection unusable
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.FAILED,
        error=f"{type(exc).__name__}: {exc}"[:2000],
        finished_at=timezone.now(),
    )


def _restore_indexes(run: ImportRun) -> None:
    """After a failure: the indexes the run deferred are built again before it stops (best effort)."""
    try:
        rebuild_indexes(run_id=run.id)
    except Exception:
        # The next import_sqlite or rollback_import builds them (their records remain).
        logger.exception("the indexes import run %s deferred could not be built again now", run.id)


def _execute(
    *, run, snapshot, counts, scans, only, batch_size, workers, cutoff, dry_run, progress, timings, started
) -> dict:
    context = ImportContext(legacy_keyring=_legacy_keyring(), cache_cutoff_epoch=cutoff.timestamp())
    plans = _plan(snapshot=snapshot, only=only, batch_size=batch_size, counts=counts)
    context.email_policy, orphans = scans.result(snapshot=snapshot)
    timings["plan"] = time.monotonic() - started - sum(timings.values())
    progress("plan", {"tables": [(p.key, p.row_count) for p in plans.values()]})

    global _STATE
    _STATE = _WorkerState(run=run, snapshot=snapshot, plans=plans, context=context, dry_run=dry_run)
    load_started = time.monotonic()
    if dry_run:
        with transaction.atomic():
            run.save()
            _run_units(plans=plans, run=run, orphans=orphans, workers=1, progress=progress)
            timings["load"] = time.monotonic() - load_started
            report = _finish(run=run, plans=plans, timings=timings, dry_run=True, indexes=[])
            raise _DryRunDone(report)
    # Tables load without their deferrable indexes (all of an empty table's, the plain ones of a
    # table holding few rows; see deferred_indexes), built again as each is loaded. Any still
    # missing are built first: a killed run's, this one's if it resumes a killed attempt (its
    # tables now hold rows, which its chunks look up by primary key).
    rebuild_indexes()
    incoming: Counter[str] = Counter()
    for plan in plans.values():
        if plan.mapping is not None and plan.row_count:
            incoming[plan.target_table] += plan.row_count
    defer_indexes(run=run, tables=dict(sorted(incoming.items())))
    deferred = deferred_tables(run_id=run.id)
    _STATE.keyless = frozenset(keyless_tables(run_id=run.id))
    indexes = _run_units(plans=plans, run=run, orphans=orphans, workers=workers, progress=progress, deferred=deferred)
    timings["load"] = time.monotonic() - load_started
    return _finish(run=run, plans=plans, timings=timings, dry_run=False, indexes=indexes)


class _UserScans:
    """The plan's two scans over every user: the email policy and the deleted users' ids.

    With worker processes ahead they run in a forked child, started on the
    consistent copies while the backup checks and compresses them: the child's
    memory is gone before the workers fork (in this process, what the scans free
    would stay mapped and be counted again in every worker), and one core is
    otherwise idle then. Their result is taken only once the backup has
    succeeded. Not started (one worker, a dry run), they run here.
    """

    def __init__(self, *, only: list[str] | None) -> None:
        self.only = only
        self._pool: ProcessPoolExecutor | None = None
        self._future = None

    def start(self, snapshot: dict[str, Path]) -> None:
        connections.close_all()  # never share a connection with a forked process
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        self._future = self._pool.submit(scan_users, snapshot=snapshot, only=self.only)

    def result(self, *, snapshot: dict[str, Path]) -> tuple[dict[int, EmailDecision], list[int]]:
        if self._future is None:
            return scan_users(snapshot=snapshot, only=self.only)
        try:
            return self._future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def scan_users(*, snapshot: dict[str, Path], only: list[str] | None) -> tuple[dict[int, EmailDecision], list[int]]:
    """The email policy and the deleted users' ids of the tables ``only`` selects (all by default)."""
    tables = _list_tables(snapshot=snapshot, only=only)
    return plan_email_policy(snapshot=snapshot), find_orphaned_user_ids(snapshot=snapshot, plans=tables)


def _return_freed_memory() -> None:
    """Hand freed heap pages back to the OS before forking the workers.

    A forked worker's RSS counts every page resident in its parent at the
    fork; glibc keeps freed pages mapped until asked (``malloc_trim``).
    """
    gc.collect()
    _trim_heap()


def _trim_heap() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    # find_library may run ldconfig: look the function up once per process.
    with suppress(OSError, AttributeError):  # not glibc: nothing to trim this way
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    return None


def _legacy_keyring() -> FernetRing | None:
    keys = [k for k in settings.LEGACY_FERNET_KEYS if k]
    if not keys:
        return None
    try:
        return FernetRing([k.encode() for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImportFailed("LEGACY_FERNET_KEYS holds something that is not a Fernet key") from exc


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


def _list_tables(*, snapshot: dict[str, Path], only: list[str] | None) -> dict[str, TablePlan]:
    """The tables of the five files that ``only`` selects (all by default): columns and mapping, no counts."""
    plans: dict[str, TablePlan] = {}
    for source_file in LEGACY_FILES:
        with open_snapshot(snapshot[source_file]) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                columns = [row[1] for row in conn.execute(f"PRAGMA table_info({_quote(table)})")]
                mapping = get_mapping(source_file=source_file, source_table=table)
                plans[f"{source_file}:{table}"] = TablePlan(
                    source_file=source_file,
                    source_table=table,
                    columns=columns,
                    row_count=0,
                    min_rowid=None,
                    max_rowid=None,
                    mapping=mapping,
                    target_table=mapping.target_table if mapping else LegacyExtra._meta.db_table,
                )
    return {key: plans[key] for key in _select(plans, only)}


def _plan(
    *, snapshot: dict[str, Path], only: list[str] | None, batch_size: int, counts: dict[str, dict[str, int]] | None
) -> dict[str, TablePlan]:
    """The tables to load, cut into chunks of ``batch_size`` rowids, with what each depends on.

    ``counts`` are the row counts the backup took of these very copies ({file: {table: rows}});
    without them (a dry run), the tables are counted here.
    """
    from django.apps import apps

    plans = _list_tables(snapshot=snapshot, only=only)
    for source_file in LEGACY_FILES:
        mine = [plan for plan in plans.values() if plan.source_file == source_file]
        if not mine:
            continue
        with open_snapshot(snapshot[source_file]) as conn:
            for plan in mine:
                table = _quote(plan.source_table)
                known = (counts or {}).get(source_file, {}).get(plan.source_table)
                try:
                    plan.min_rowid, plan.max_rowid = rowid_bounds(conn, table=plan.source_table)
                    if known is None:
                        known = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                except sqlite3.OperationalError as exc:
                    raise ImportFailed(f"{plan.key} cannot be read by rowid ({exc})") from exc
                plan.row_count = known
    target_keys = {p.mapping.model: p.key for p in plans.values() if p.mapping}
    for plan in plans.values():
        if plan.min_rowid is not None:
            plan.units = [
                (low, min(low + batch_size - 1, plan.max_rowid))
                for low in range(plan.min_rowid, plan.max_rowid + 1, batch_size)
            ]
        if plan.mapping is None:
            plan.sequential = False
            continue
        model = apps.get_model(plan.mapping.model)
        for model_field in model._meta.concrete_fields:
            related = getattr(model_field, "related_model", None)
            if related is not None and related._meta.label in target_keys and model_field.column in _spec_targets(plan):
                dependency = target_keys[related._meta.label]
                if dependency != plan.key:
                    plan.depends_on.add(dependency)
        plan.sequential = _has_secondary_unique(model)
    return plans


def _spec_targets(plan: TablePlan) -> set[str]:
    from ops.legacy.tables import SPECS, target_of

    spec = SPECS[(plan.source_file, plan.source_table)]
    return {target_of(column, col) for column, col in spec.columns.items() if column in plan.columns}


def _has_secondary_unique(model) -> bool:
    if any(isinstance(c, models.UniqueConstraint) for c in model._meta.constraints):
        return True
    return any(f.unique and not f.primary_key for f in model._meta.concrete_fields)


def _select(plans: dict[str, TablePlan], only: list[str] | None) -> list[str]:
    if not only:
        return list(plans)
    selected = []
    for wanted in only:
        matches = [
            key
            for key, plan in plans.items()
            if wanted in (key, plan.source_table, plan.target_table) and (plan.mapping or wanted == key)
        ]
        if not matches:
            raise ImportFailed(f"--only {wanted!r} matches no legacy table (try file.db:table or a target table name)")
        selected.extend(m for m in matches if m not in selected)
    return selected


def plan_email_policy(*, snapshot: dict[str, Path]) -> dict[int, EmailDecision]:
    """Decide each legacy account's login email (see README "Email variants").

    The oldest account (lowest id) of each case/whitespace-insensitive address
    keeps it, trimmed; later variants, and addresses already used by an account
    that was not imported, get a placeholder login and keep their legacy email
    in ``legacy_email`` with status ``email_conflict`` for staff to merge.
    "Case-insensitive" is the database's own ``lower()``, which the unique
    index of logins is built on (Python's differs for some scripts).
    Only accounts whose email changes are in the result: the others keep
    their email as it is (this map is copied into every worker process).
    """
    from mingus.accounts.models import LegacyStatus, User

    low, high = ids.uuid_bounds("mingus.db", "users", 0, ids.ROWID_LIMIT - 1)
    existing = [email.strip() for email in User.objects.exclude(id__range=(low, high)).values_list("email", flat=True)]
    with open_snapshot(snapshot["mingus.db"]) as conn:
        conn.text_factory = decode_text
        legacy = conn.execute("SELECT rowid, email FROM users ORDER BY rowid").fetchall()
    texts = [email if isinstance(email, str) else None for _, email in legacy]
    keys = _lowercased([*existing, *(text.strip() if text else "" for text in texts)])
    taken = set(keys[: len(existing)])
    decisions: dict[int, EmailDecision] = {}
    for (rowid, email), text, normal in zip(legacy, texts, keys[len(existing) :], strict=True):
        if not normal or normal in taken:
            decisions[rowid] = EmailDecision(
                email=f"duplicate-{rowid}@legacy.invalid",
                legacy_email=text if text is not None else describe_value(email)[1],
                status=LegacyStatus.EMAIL_CONFLICT,
            )
            continue
        taken.add(normal)
        stripped = text.strip()
        if stripped != text:
            decisions[rowid] = EmailDecision(email=stripped, legacy_email=text, status=None)
    return decisions


def _lowercased(texts: list[str]) -> list[str]:
    """Each text as the database's ``lower()`` gives it (one query for them all).

    A text PostgreSQL cannot hold (NUL, a lone surrogate) is lowered by Python:
    such an address is quarantined anyway when its row is converted.
    """
    storable = sorted({text for text in texts if _storable(text)})
    lowered: dict[str, str] = {}
    if storable:
        with connection.cursor() as cursor:
            cursor.execute("SELECT lower(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [storable])
            lowered = dict(zip(storable, (row[0] for row in cursor.fetchall()), strict=True))
    return [lowered[text] if text in lowered else text.lower() for text in texts]


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def find_orphaned_user_ids(*, snapshot: dict[str, Path], plans: dict[str, TablePlan]) -> list[int]:
    """Legacy user ids referenced by some row but absent from mingus.db users."""
    from ops.legacy.tables import SPECS

    orphans: set[int] = set()
    users_db = str(snapshot["mingus.db"])
    for plan in plans.values():
        if plan.mapping is None:
            continue
        spec = SPECS[(plan.source_file, plan.source_table)]
        columns = [c for c, col in spec.columns.items() if col.kind == "user" and c in plan.columns]
        if not columns or plan.key == USERS_KEY:
            continue
        with open_snapshot(snapshot[plan.source_file]) as conn:
            conn.execute("ATTACH DATABASE ? AS legacy_users", [f"file:{users_db}?immutable=1"])
            for column in columns:
                query = (
                    f"SELECT DISTINCT {_quote(column)} FROM {_quote(plan.source_table)} "  # noqa: S608
                    f"WHERE typeof({_quote(column)}) = 'integer' AND {_quote(column)} BETWEEN 0 AND ? "
                    f"AND {_quote(column)} NOT IN (SELECT id FROM legacy_users.users)"
                )
                orphans.update(row[0] for row in conn.execute(query, [ids.ROWID_LIMIT - 1]))
    return sorted(orphans)


def _create_placeholders(*, run: ImportRun, orphans: list[int]) -> int:
    """One inactive placeholder account per deleted legacy user whose rows remain."""
    from mingus.accounts.models import LegacyStatus

    if not orphans:
        return 0
    rows = [
        (
            ids.user_uuid(legacy_id),
            f"deleted-user-{legacy_id}@legacy.invalid",
            "!legacy-deleted-account",
            False,
            False,
            False,
            False,
            False,
            PLACEHOLDER_CREATED_AT,
            LegacyStatus.PLACEHOLDER.value,
        )
        for legacy_id in orphans
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _placeholders (id uuid, email text, password text, is_active bool, "
            "is_staff bool, is_superuser bool, is_app_admin bool, email_verified bool, created_at timestamptz, "
            "legacy_status text)"
        )
        cursor.execute("TRUNCATE _placeholders")
        with cursor.copy("COPY _placeholders FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "INSERT INTO users (id, email, password, is_active, is_staff, is_superuser, is_app_admin, "
            "email_verified, created_at, legacy_status) SELECT * FROM _placeholders ORDER BY id "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        created = [ids.rowid_of(row[0]) for row in cursor.fetchall()]
        report = dict(run.report or {})
        report["placeholders_created"] = sorted(set(report.get("placeholders_created", [])) | set(created))
        run.report = report
        if run.pk and not _STATE.dry_run:
            ImportRun.objects.filter(pk=run.pk).update(report=report)
    return len(created)


# --------------------------------------------------------------------------------------------
# Scheduling
# --------------------------------------------------------------------------------------------


@dataclass
class _WorkerState:
    run: ImportRun
    snapshot: dict[str, Path]
    plans: dict[str, TablePlan]
    context: ImportContext
    dry_run: bool
    converters: dict = field(default_factory=dict)
    move_sql: dict = field(default_factory=dict)
    replica_allowed: bool | None = None
    fast_checks: dict = field(default_factory=dict)
    parent_ids: dict = field(default_factory=dict)
    # Tables whose primary key this attempt deferred: they were empty when it began and each of
    # its chunks loads once, so no chunk there finds a row already present (looking would scan).
    keyless: frozenset = frozenset()


_STATE: _WorkerState


def _run_units(
    *,
    plans: dict[str, TablePlan],
    run: ImportRun,
    orphans: list[int],
    workers: int,
    progress,
    deferred: set[str] = frozenset(),
) -> list[dict]:
    """Load every pending chunk, parents before children; build ``deferred`` tables' indexes once loaded.

    Returns what each index build did (``rebuild_table_indexes``).
    """
    # Chunks committed by an earlier, interrupted attempt of this run are done.
    done_rows: Counter[tuple[str, int]] = Counter()
    for chunk in ImportChunk.objects.filter(run_id=run.id):
        done_rows[(f"{chunk.source_file}:{chunk.source_table}", chunk.rowid_from)] = chunk.rows_read
    pending: dict[str, list[tuple[int, int]]] = {}
    for key, plan in plans.items():
        pending[key] = [unit for unit in plan.units if (key, unit[0]) not in done_rows]
        done = sum(rows for (k, _), rows in done_rows.items() if k == key)
        progress("table_start", {"key": key, "total": plan.row_count, "done": done})
    complete = {key for key, units in pending.items() if not units}
    placeholders_done = False
    in_flight: dict[str, int] = Counter()
    # Filled by the pool's result thread; the loop below waits on it (no polling delay per chunk).
    results: queue.SimpleQueue[tuple[str, UnitResult | BaseException]] = queue.SimpleQueue()
    # A table's deferred indexes are built again once every table loading into it is complete.
    loaders: dict[str, set[str]] = {table: set() for table in deferred}
    for key, plan in plans.items():
        if plan.target_table in loaders:
            loaders[plan.target_table].add(key)
    rebuilds: list[str] = []
    built: list[dict] = []

    def ready(key: str) -> bool:
        plan = plans[key]
        if not pending[key] or (plan.sequential and in_flight[key]):
            return False
        deps = plan.depends_on & set(plans)
        if USERS_KEY in deps and not placeholders_done:
            return False
        return deps <= complete

    # Tables others wait for go first, then the ones with the most work left: the last chunks to
    # finish are then small ones, and both workers stay busy to the end.
    parents = {dependency for plan in plans.values() for dependency in plan.depends_on}
    weight = {key: _row_cost(plan) * plan.row_count / max(1, len(plan.units)) for key, plan in plans.items()}

    def next_ready() -> str | None:
        candidates = [key for key in plans if ready(key)]
        if not candidates:
            return None
        return max(candidates, key=lambda k: (k in parents, weight[k] * len(pending[k])))

    def settle() -> None:
        nonlocal placeholders_done
        if not placeholders_done and (USERS_KEY in complete or USERS_KEY not in plans):
            created = _create_placeholders(run=run, orphans=orphans)
            progress("placeholders", {"created": created, "orphans": len(orphans)})
            placeholders_done = True
        for table in [table for table, keys in loaders.items() if keys <= complete]:
            del loaders[table]
            rebuilds.append(table)

    settle()
    if workers == 1:
        while any(pending.values()) or rebuilds:
            if rebuilds:
                built.append(rebuild_table_indexes(rebuilds.pop(0)))
                progress("indexes", built[-1])
                continue
            key = next_ready()
            if key is None:
                raise ImportFailed(f"no table can proceed; dependencies: { {k: plans[k].depends_on for k in pending} }")
            unit = pending[key].pop(0)
            _after_unit(process_unit(key, unit[0], unit[1]), pending, in_flight, complete, progress)
            settle()
        return built

    connections.close_all()  # never share a connection with forked workers
    _return_freed_memory()
    # Objects the workers inherit stay out of their garbage collector: a collection writes to
    # every tracked object's header, which copies the parent's pages into each worker.
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(processes=workers)
    failure: BaseException | None = None

    def dispatch(tag: str, function: Callable, args: tuple) -> None:
        in_flight[tag] += 1
        pool.apply_async(
            function,
            args,
            callback=lambda r: results.put((tag, r)),
            error_callback=lambda e: results.put((tag, e)),
        )

    try:
        last_beat = time.monotonic()
        while any(pending.values()) or rebuilds or sum(in_flight.values()):
            while failure is None and sum(in_flight.values()) < workers:
                # Index builds first: the server builds them while the workers convert other rows.
                if rebuilds:
                    dispatch(_INDEXES, rebuild_table_indexes, (rebuilds.pop(0),))
                    continue
                key = next_ready()
                if key is None:
                    break
                unit = pending[key].pop(0)
                dispatch(key, process_unit, (key, unit[0], unit[1]))
            if not sum(in_flight.values()):
                if failure is not None or not (any(pending.values()) or rebuilds):
                    break
                raise ImportFailed("no table can proceed (a dependency cycle in the plan)")
            tag, outcome = results.get()
            in_flight[tag] -= 1
            if isinstance(outcome, BaseException):
                failure = failure or outcome
                for units in pending.values():
                    units.clear()
                rebuilds.clear()
                continue
            if tag == _INDEXES:
                built.append(outcome)
                progress("indexes", outcome)
            else:
                _after_unit(outcome, pending, in_flight, complete, progress)
                settle()
            if time.monotonic() - last_beat > 5:
                ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
                last_beat = time.monotonic()
    finally:
        pool.close()
        pool.join()
    if failure is not None:
        raise failure
    return built


def _row_cost(plan: TablePlan) -> int:
    """About how many ordinary rows one row of the table costs to load (for the order of the chunks)."""
    if plan.mapping is None:
        return 2
    from ops.legacy.tables import SPECS

    kinds = {col.kind for col in SPECS[(plan.source_file, plan.source_table)].columns.values()}
    if "fernet" in kinds:
        return 20  # decrypted under up to three keys and encrypted again
    return 2 if "email" in kinds else 1  # an account's email policy and password hash are Python calls


# The scheduler's tag for an index build (plan keys always hold ".db:").
_INDEXES = "deferred indexes"


def rebuild_table_indexes(table: str) -> dict:
    """Build again the indexes this run deferred on ``table`` (a unit of work, in a worker or here)."""
    started = time.monotonic()
    try:
        names = rebuild_indexes(run_id=_STATE.run.id, table=table)
    except Exception as exc:
        # Plain text crosses the process boundary; driver exceptions may not pickle.
        raise ImportFailed(f"building the indexes of {table} again: {type(exc).__name__}: {exc}") from None
    return {"table": table, "indexes": names, "seconds": round(time.monotonic() - started, 3)}


def _after_unit(result: UnitResult, pending, in_flight: Counter, complete: set[str], progress) -> None:
    progress("unit", {"key": result.key, "result": result})
    # Complete once its last chunk is loaded, not dispatched: children read their parent's ids.
    if not pending[result.key] and not in_flight[result.key]:
        complete.add(result.key)


# --------------------------------------------------------------------------------------------
# One unit of work (runs in a worker process)
# --------------------------------------------------------------------------------------------


def process_unit(key: str, rowid_from: int, rowid_to: int) -> UnitResult:
    """Load rows ``rowid_from..rowid_to`` of one legacy table in one transaction."""
    plan = _STATE.plans[key]
    started = time.monotonic()
    try:
        result = None
        if _fast_checks(plan) is not None:
            try:
                with transaction.atomic():
                    result = _load_unit_fast(plan, rowid_from, rowid_to)
            except (UndecodableText, psycopg.Error, DatabaseError) as exc:
                # Something the Python checks did not foresee, typically a unique key
                # already held by a row outside this chunk: the careful path below
                # redoes the chunk from scratch and names every rejected row.
                logger.info("%s %s..%s: fast path gave way (%s)", key, rowid_from, rowid_to, exc)
                result = None
        if result is None:
            try:
                with transaction.atomic():
                    result = _load_unit(plan, rowid_from, rowid_to, safe_text=False)
            except UndecodableText:
                # Some TEXT is not valid UTF-8: read this chunk again, value by value.
                with transaction.atomic():
                    result = _load_unit(plan, rowid_from, rowid_to, safe_text=True)
    except Exception as exc:
        # Plain text crosses the process boundary; driver exceptions may not pickle.
        raise ImportFailed(f"{key} rowids {rowid_from}..{rowid_to}: {type(exc).__name__}: {exc}") from None
    result.seconds = time.monotonic() - started
    # A chunk's lists and dicts are freed when it ends; give their pages back (well under 1 ms),
    # or each worker would sit at its highest chunk's memory for the rest of the run.
    _trim_heap()
    return result


def _converter_for(plan: TablePlan):
    converter = _STATE.converters.get(plan.key)
    if converter is None:
        if plan.mapping is not None:
            converter = RowConverter(mapping=plan.mapping, source_columns=plan.columns, context=_STATE.context)
        else:
            converter = _UnknownTableConverter(plan=plan, run_id=_STATE.run.id)
        _STATE.converters[plan.key] = converter
    return converter


class _UnknownTableConverter:
    """Rows of a table the contract does not know are kept whole in ops_legacy_extras."""

    target_columns = _EXTRAS_COLUMNS
    pg_types = _EXTRAS_TYPES
    extra_columns: list[str] = []
    missing_columns: list[str] = []

    def __init__(self, *, plan: TablePlan, run_id: uuid.UUID):
        self.plan = plan
        self.run_id = run_id
        self.namespace = ids.namespace(plan.source_file, plan.source_table)
        self.notes: Counter[str] = Counter()

    def is_expired(self, row) -> bool:
        return False

    def convert(self, row: tuple) -> list:
        data = {name: describe_value(value) for name, value in zip(self.plan.columns, row[1:], strict=True)}
        return [
            uuid.UUID(int=ids.uuid_int(self.namespace, row[0])),
            self.run_id,
            self.plan.source_file,
            self.plan.source_table,
            row[0],
            None,
            None,
            data,
        ]

    def extras(self, row) -> None:
        return None


def _read_rows(plan: TablePlan, rowid_from: int, rowid_to: int, *, safe_text: bool) -> Iterator[tuple]:
    return read_rows(**_snapshot_range(plan, rowid_from, rowid_to), safe_text=safe_text)


def _snapshot_range(plan: TablePlan, rowid_from: int, rowid_to: int) -> dict:
    """Where one chunk of ``plan``'s rows is: the arguments of ``read_rows`` and ``open_reader``."""
    return {
        "path": _STATE.snapshot[plan.source_file],
        "table": plan.source_table,
        "columns": plan.columns,
        "first": rowid_from,
        "last": rowid_to,
    }


def _converted_rows(plan, converter, rowid_from, rowid_to, safe_text, result, failures, skipped):
    """Read and convert one rowid range for either load path.

    Counts every row read, skips expired cache rows, records rows that fail
    to convert in ``failures``, and yields ``(row, values)`` for the rest.
    """
    for row in _read_rows(plan, rowid_from, rowid_to, safe_text=safe_text):
        result.read += 1
        if converter.is_expired(row):
            skipped["expired cache entry"] += 1
            continue
        values = _convert(converter, row, failures)
        if values is not None:
            yield row, values


def _convert(converter, row: tuple, failures: list[tuple[int, str, str]]) -> list | None:
    """The converted row, or None with the reason it does not convert recorded in ``failures``."""
    try:
        return converter.convert(row)
    except TransformError as exc:
        failures.append((row[0], exc.code, exc.message))
    except ids.RowidOutOfRange as exc:
        failures.append((row[0], "bad_rowid", str(exc)))
    return None


def _load_unit(plan: TablePlan, rowid_from: int, rowid_to: int, *, safe_text: bool) -> UnitResult:
    converter = _converter_for(plan)
    converter.notes.clear()
    result = UnitResult(key=plan.key, rowid_from=rowid_from, rowid_to=rowid_to)
    failures: list[tuple[int, str, str]] = []
    skipped: Counter[str] = Counter()
    extras: list[tuple[int, dict]] = []
    staged: list[int] = []
    stage = _ensure_stage(plan, converter)
    raw = connection.connection
    with raw.cursor() as cursor:
        use_converted_values(cursor)
        columns = ", ".join(_quote(c) for c in converter.target_columns)
        with cursor.copy(f"COPY {stage} ({columns}, _rowid) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([*converter.pg_types, "int8"])
            rows = _converted_rows(plan, converter, rowid_from, rowid_to, safe_text, result, failures, skipped)
            for row, values in rows:
                extra = converter.extras(row)
                if extra:
                    extras.append((row[0], extra))
                values.append(row[0])
                copy.write_row(values)
                staged.append(row[0])
        rejected = _move_stage(cursor, plan, converter, stage)
    not_inserted: set[int] = set()
    for rowid, code, reason in rejected:
        not_inserted.add(rowid)
        if code == "present":
            result.present += 1
        else:
            failures.append((rowid, code, reason))
    inserted = [rowid for rowid in staged if rowid not in not_inserted]
    return _record_unit(plan, converter, result, failures, skipped, extras, inserted)


# ---- the fast path: checks in Python, COPY straight into the target ---------------------------


@dataclass
class _FastChecks:
    """A target's constraints as Python checks, for COPY without a stage."""

    not_null: list[tuple[int, str]]
    checks: list[tuple[int, Callable, str]]
    references: list[tuple[int, str, str, str]]  # index, column, parent table, parent source key
    uniques: list[tuple[tuple[int, ...], str, tuple[str, ...]]]


def _fast_checks(plan: TablePlan) -> _FastChecks | None:
    """Python versions of every constraint of the target, or None if some cannot be expressed.

    Only tables whose constraints are all plain (NOT NULL, the CHECK helpers of
    ``mingus.db``, single-column foreign keys into imported tables, unique keys
    over plain columns, and unique keys over an expression, which are left to
    PostgreSQL) take the fast path; the others always use the stage.
    """
    cached = _STATE.fast_checks.get(plan.key, False)
    if cached is not False:
        return cached
    checks = _compile_fast_checks(plan, _converter_for(plan)) if plan.mapping is not None else None
    _STATE.fast_checks[plan.key] = checks
    return checks


def _compile_fast_checks(plan: TablePlan, converter) -> _FastChecks | None:
    from django.apps import apps

    from ops.legacy.mapping import TABLE_MAPPINGS

    model = apps.get_model(plan.mapping.model)
    index = {column: i for i, column in enumerate(converter.target_columns)}
    fields = {f.column: f for f in model._meta.concrete_fields}
    not_null = []
    for column, model_field in fields.items():
        if not model_field.null:
            if column not in index:
                if model_field.has_db_default():
                    continue  # the database fills it (e.g. audit_logs.txid)
                return None  # the database would need a default we do not send
            not_null.append((index[column], column))
    checks = []
    uniques = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            python_check = getattr(constraint, "python_check", None)
            if python_check is None:
                return None
            field_name, predicate = python_check
            column = model._meta.get_field(field_name).column
            if column not in index:
                return None
            checks.append((index[column], predicate, constraint.name))
        elif isinstance(constraint, models.UniqueConstraint):
            if constraint.expressions and constraint.condition is None and not constraint.fields:
                # A key over an expression (users: lower(email)) is PostgreSQL's to judge: Python's
                # lower() is not the database's for every script. The email policy already gives
                # each imported user an address no other holds; should PostgreSQL still refuse one,
                # the chunk goes the careful way (process_unit), which names the row.
                continue
            if constraint.expressions or constraint.condition is not None or not constraint.fields:
                return None
            columns = tuple(model._meta.get_field(f).column for f in constraint.fields)
            if any(c not in index for c in columns):
                return None
            uniques.append((tuple(index[c] for c in columns), constraint.name, columns))
        else:
            return None
    source_keys = {m.model: f"{m.source_file}:{m.source_table}" for m in TABLE_MAPPINGS}
    references = []
    for column, model_field in fields.items():
        if model_field.unique and not model_field.primary_key:
            if column not in index:
                return None
            uniques.append(((index[column],), f"{model._meta.db_table}_{column}_key", (column,)))
        related = getattr(model_field, "related_model", None)
        if related is None:
            continue
        parent_key = source_keys.get(related._meta.label)
        if parent_key is None or column not in index:
            return None
        references.append((index[column], column, related._meta.db_table, parent_key))
    return _FastChecks(not_null=not_null, checks=checks, references=references, uniques=uniques)


def _parent_ids(parent_table: str, parent_key: str):
    """The 16-byte UUIDs of the imported rows of a parent table (``in`` works), loaded once per process.

    Parents are complete before their children start, so the set cannot go stale.
    Read as binary COPY into the encoder's IdSet where the C module can: for
    250,000 users that is 0.07 s against 0.35 s for a set of bytes built from
    a UUID object per row.
    """
    known = _STATE.parent_ids.get(parent_table)
    if known is None:
        source_file, source_table = parent_key.split(":", 1)
        low, high = ids.uuid_bounds(source_file, source_table, 0, ids.ROWID_LIMIT - 1)
        connection.ensure_connection()
        where = psycopg.sql.SQL("id BETWEEN {} AND {}").format(low, high)
        known = row_codec.read_id_set(connection.connection, parent_table, where)
        if known is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {_quote(parent_table)} WHERE id BETWEEN %s AND %s", [low, high])  # noqa: S608
                known = {row[0].bytes for row in cursor.fetchall()}
        _STATE.parent_ids[parent_table] = known
    return known


def _load_unit_fast(plan: TablePlan, rowid_from: int, rowid_to: int) -> UnitResult:
    converter = _converter_for(plan)
    checks = _fast_checks(plan)
    converter.notes.clear()
    result = UnitResult(key=plan.key, rowid_from=rowid_from, rowid_to=rowid_to)
    failures: list[tuple[int, str, str]] = []
    skipped: Counter[str] = Counter()
    extras: list[tuple[int, dict]] = []
    present: set[bytes] = set()
    if plan.target_table not in _STATE.keyless:
        low, high = ids.uuid_bounds(plan.source_file, plan.source_table, rowid_from, rowid_to)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {_quote(plan.target_table)} WHERE id BETWEEN %s AND %s", [low, high])  # noqa: S608
            present = {row[0].bytes for row in cursor.fetchall()}
    parents = [(i, column, table, _parent_ids(table, key)) for i, column, table, key in checks.references]
    seen: list[dict] = [{} for _ in checks.uniques]
    inserted: list[int] = []
    columns = ", ".join(_quote(c) for c in converter.target_columns)
    chunk = _Chunk(result, failures, skipped, extras, inserted, present, checks, parents, seen)
    # Rows stream into the COPY as they pass their checks: memory stays flat in the chunk size.
    with connection.connection.cursor() as cursor:
        _skip_row_triggers(cursor)
        use_converted_values(cursor)
        encoder = row_codec.build_encoder(
            converter=converter,
            cursor=cursor,
            not_null=checks.not_null,
            checks=checks.checks,
            parents=parents,
            uniques=checks.uniques,
            present=present,
            seen=seen,
            expires=converter.expiry(),
            with_extras=bool(converter.extra_columns),
        )
        with cursor.copy(f"COPY {_quote(plan.target_table)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(converter.pg_types)
            if encoder is None:
                for row, values in _converted_rows(
                    plan, converter, rowid_from, rowid_to, False, result, failures, skipped
                ):
                    if _admit(converter, row, values, chunk):
                        copy.write_row(values)
            else:
                _encode_rows(plan, converter, encoder, copy, rowid_from, rowid_to, chunk)
    return _record_unit(plan, converter, result, failures, skipped, extras, inserted)


@dataclass
class _Chunk:
    """What one chunk's fast path checks against and collects."""

    result: UnitResult
    failures: list[tuple[int, str, str]]
    skipped: Counter[str]
    extras: list[tuple[int, dict]]
    inserted: list[int]
    present: set[bytes]
    checks: _FastChecks
    parents: list
    seen: list[dict]


def _encode_rows(plan, converter, encoder, copy, rowid_from: int, rowid_to: int, chunk: _Chunk) -> None:
    """The fast path's loop with the C encoder: rows go from the snapshot into COPY without Python.

    The encoder hands back, in rowid order, only the rows that need Python: a
    declined row takes the Python conversion and claims its unique keys before
    any later row does (first by rowid wins), and a row added from a table
    with extra columns has them kept.
    """
    result = chunk.result
    encoder.write(row_codec.SIGNATURE)
    with open_reader(**_snapshot_range(plan, rowid_from, rowid_to)) as reader:
        while True:
            outcome = encoder.pump(reader, _COPY_BLOCK)
            if outcome == row_codec.PUMP_END:
                break
            if outcome == row_codec.PUMP_FLUSH:
                copy.write(encoder.take())
                continue
            row, outcome = outcome
            if outcome == row_codec.PUMP_EXTRAS:
                if extra := converter.extras(row):
                    chunk.extras.append((row[0], extra))
            else:
                _settle_row(converter, encoder, row, outcome, chunk)
    encoder.write(row_codec.TRAILER)
    copy.write(encoder.take())
    read, present, expired = encoder.counts
    result.read += read
    result.present += present
    if expired:
        chunk.skipped["expired cache entry"] += expired
    # Rows the Python path took were noted as they were settled: ranges want rowid order.
    chunk.inserted.extend(encoder.take_inserted())
    chunk.inserted.sort()


def _settle_row(converter, encoder, row: tuple, outcome, chunk: _Chunk) -> None:
    """A row the encoder did not add: a duplicate key it found, or a declined row for the Python path."""
    rowid = row[0]
    if outcome != row_codec.DECLINED:
        number, key, first = outcome
        _positions, name, columns = chunk.checks.uniques[number]
        shown = key if type(key) is tuple else (key,)
        chunk.failures.append((rowid, "duplicate", _duplicate_reason(name, columns, shown, f"legacy row {first}")))
        return
    values = _convert(converter, row, chunk.failures)
    if values is not None and _admit(converter, row, values, chunk):
        encoder.add_values(values)


# Bytes of encoded rows handed to COPY at a time.
_COPY_BLOCK = 1 << 20


def _admit(converter, row: tuple, values: list, chunk: _Chunk) -> bool:
    """Whether a converted row goes into the COPY, recording it as inserted, present or quarantined."""
    rowid = row[0]
    if values[0] in chunk.present:
        chunk.result.present += 1
        return False
    reason = _check_row(values, chunk.checks, chunk.parents)
    if reason is None and chunk.checks.uniques:
        reason = _first_of_key(values, rowid, chunk.checks, chunk.seen)
    if reason is not None:
        chunk.failures.append((rowid, *reason))
        return False
    chunk.inserted.append(rowid)
    if converter.extra_columns and (extra := converter.extras(row)):
        chunk.extras.append((rowid, extra))
    return True


def _check_row(values: list, checks: _FastChecks, parents) -> tuple[str, str] | None:
    for i, column in checks.not_null:
        if values[i] is None:
            return "missing_value", f"{column} is required"
    for i, predicate, name in checks.checks:
        if not predicate(values[i]):
            return "constraint", f"violates {name} (value {values[i]!r})"
    for i, column, table, known in parents:
        value = values[i]
        if value is not None and value not in known:
            return "missing_reference", f"{column} points to a {table} row that was not imported"
    return None


def _first_of_key(values: list, rowid: int, checks: _FastChecks, seen: list[dict]) -> tuple[str, str] | None:
    """Within the chunk, the first row (by rowid) of each unique key wins; later ones are duplicates."""
    keys = []
    for number, (positions, name, columns) in enumerate(checks.uniques):
        key = values[positions[0]] if len(positions) == 1 else tuple(values[i] for i in positions)
        if key is None or (type(key) is tuple and None in key):
            keys.append(None)  # NULLs never collide
            continue
        first = seen[number].get(key)
        if first is not None:
            shown = key if type(key) is tuple else (key,)
            return "duplicate", _duplicate_reason(name, columns, shown, f"legacy row {first}")
        keys.append(key)
    for number, key in enumerate(keys):
        if key is not None:
            seen[number][key] = rowid
    return None


def _duplicate_reason(name: str, columns: tuple[str, ...], key: tuple, holder: str) -> str:
    shown = ", ".join(str(uuid.UUID(bytes=v)) if type(v) is bytes and len(v) == 16 else str(v) for v in key)
    return f"duplicate of an existing row ({name}): Key ({', '.join(columns)})=({shown}) already exists ({holder})."


def _record_unit(plan, converter, result, failures, skipped, extras, inserted) -> UnitResult:
    """Quarantine, extras and the chunk's bookkeeping row, in the chunk's transaction."""
    if hasattr(converter, "email_notes"):
        converter.notes.update(converter.email_notes(inserted))
    result.skipped = sum(skipped.values())
    result.quarantined = len(failures)
    result.inserted = len(inserted)
    if failures:
        _quarantine(plan, failures)
    if extras:
        inserted_set = set(inserted)
        _keep_extras(plan, converter, [(rowid, data) for rowid, data in extras if rowid in inserted_set])
    ImportChunk.objects.create(
        run_id=_STATE.run.id,
        source_file=plan.source_file,
        source_table=plan.source_table,
        target_table=plan.target_table,
        rowid_from=result.rowid_from,
        rowid_to=result.rowid_to,
        rows_read=result.read,
        rows_inserted=result.inserted,
        rows_present=result.present,
        rows_quarantined=result.quarantined,
        rows_skipped=result.skipped,
        inserted_rowids=row_codec.rowid_ranges(inserted),
        notes={
            "normalised": dict(converter.notes),
            "quarantined": dict(Counter(code for _, code, _ in failures)),
            "skipped": dict(skipped),
        },
        seconds=round(time.monotonic() - result.began, 3),
    )
    return result


def _ensure_stage(plan: TablePlan, converter) -> str:
    stage_name = f"_stage_{plan.target_table}"
    stage = _quote(stage_name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{stage_name}"])
        if cursor.fetchone()[0] is None:
            # A constraint-free copy of the target's columns: bad rows must reach the
            # set-based checks of the move instead of aborting the COPY.
            cursor.execute(
                f"CREATE TEMP TABLE {stage} AS "  # noqa: S608
                f"SELECT *, NULL::bigint AS _rowid FROM {_quote(plan.target_table)} WITH NO DATA"
            )
        else:
            cursor.execute(f"TRUNCATE {stage}")
    return stage


def _move_stage(cursor, plan: TablePlan, converter, stage: str) -> list[tuple[int, str, str]]:
    """Insert the staged rows that pass every constraint; return the others with reasons."""
    sql = _STATE.move_sql.get(plan.key)
    if sql is None:
        keyless = plan.target_table in _STATE.keyless
        sql = _STATE.move_sql[plan.key] = _build_move_sql(cursor, plan.target_table, converter, stage, keyless=keyless)
    _skip_row_triggers(cursor)
    cursor.execute(sql)
    rejected: list[tuple[int, str, str]] = []
    conflicts: list[int] = []
    for rowid, reason, present in cursor.fetchall():
        if present:
            rejected.append((rowid, "present", ""))
        elif reason:
            code, _, message = reason.partition(": ")
            rejected.append((rowid, code, message or reason))
        else:
            conflicts.append(rowid)
    if conflicts:
        rejected.extend(_describe_conflicts(cursor, plan, converter, stage, conflicts))
    return rejected


def _skip_row_triggers(cursor) -> None:
    """Skip per-row trigger work (foreign-key re-checks, row audit) inside this chunk's transaction.

    The move statement has already checked every foreign key set-based, and
    the run writes one audit entry of its own. ``session_replication_role``
    needs superuser or a ``GRANT SET ON PARAMETER``; without it the triggers
    simply run (slower, same result).
    """
    if _STATE.replica_allowed is False:
        return
    try:
        cursor.execute("SAVEPOINT replica_role")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("RELEASE SAVEPOINT replica_role")
        _STATE.replica_allowed = True
    except psycopg.errors.InsufficientPrivilege:
        cursor.execute("ROLLBACK TO SAVEPOINT replica_role")
        _STATE.replica_allowed = False


def _describe_conflicts(cursor, plan: TablePlan, converter, stage: str, rowids: list[int]):
    # Insert each row again on its own to let PostgreSQL name the unique key it breaks.
    columns = ", ".join(_quote(c) for c in converter.target_columns)
    cursor.execute(
        f"SELECT _rowid, {_select_list(converter)} FROM {stage} WHERE _rowid = ANY(%s)",  # noqa: S608
        [rowids],
    )
    rows = cursor.fetchall()
    placeholders = ", ".join(["%s"] * len(converter.target_columns))
    insert = f"INSERT INTO {_quote(plan.target_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    for row in rows:
        cursor.execute("SAVEPOINT describe_conflict")
        try:
            cursor.execute(insert, list(row[1:]))
            reason = "conflicts with a row inserted by the same statement"
        except psycopg.errors.UniqueViolation as exc:
            reason = f"duplicate of an existing row ({exc.diag.constraint_name}): {exc.diag.message_detail or ''}"
        cursor.execute("ROLLBACK TO SAVEPOINT describe_conflict")
        yield row[0], "duplicate", reason.strip()


def _select_list(converter) -> str:
    return ", ".join(_quote(c) for c in converter.target_columns)


def _build_move_sql(cursor, target: str, converter, stage: str, *, keyless: bool = False) -> str:
    columns = converter.target_columns
    cursor.execute(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnotnull "
        "AND a.attnum > 0 AND NOT a.attisdropped AND NOT (a.atthasdef AND a.attname <> ALL(%s))",
        [target, list(columns)],
    )
    # Every NOT NULL column, listed or not: a column the spec forgets is a clear reason, not an abort.
    # Unless the database fills it: a column with a default that the spec does not send.
    not_null = [r[0] for r in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
        [target],
    )
    checks = cursor.fetchall()
    cursor.execute(
        "SELECT a.attname, c.confrelid::regclass::text, pa.attname FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1] "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND array_length(c.conkey, 1) = 1",
        [target],
    )
    foreign_keys = [r for r in cursor.fetchall() if r[0] in columns]

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    # Column checks run over the stage alone, where their unqualified column names resolve.
    row_checks = [
        f"CASE WHEN {_quote(c)} IS NULL THEN {literal(f'missing_value: {c} is required')} END" for c in not_null
    ]
    for name, definition in checks:
        expression = definition.removeprefix("CHECK ").removesuffix(" NOT VALID")
        row_checks.append(
            f"CASE WHEN ({expression}) IS FALSE THEN {literal(f'constraint: violates {name} {expression}')} END"
        )
    row_reason = f"concat_ws('; ', {', '.join(row_checks)})" if row_checks else "''"
    # Parents are joined (hash joins), not probed row by row. Names come from the catalog.
    joins = []
    pieces = ["NULLIF(s._row_reason, '')"]
    for number, (column, parent, parent_column) in enumerate(foreign_keys):
        alias = f"p{number}"
        joins.append(f"LEFT JOIN {parent} {alias} ON {alias}.{_quote(parent_column)} = s.{_quote(column)}")
        message = f"missing_reference: {column} points to a {parent} row that was not imported"
        pieces.append(
            f"CASE WHEN s.{_quote(column)} IS NOT NULL AND {alias}.{_quote(parent_column)} IS NULL "
            f"THEN {literal(message)} END"
        )
    quoted = ", ".join(_quote(c) for c in columns)
    target_q = _quote(target)
    # A keyless table (see _WorkerState.keyless) holds no row of this chunk; joining it would scan it.
    present, present_join = ("FALSE", "") if keyless else ("t.id IS NOT NULL", f"LEFT JOIN {target_q} t ON t.id = s.id")
    return f"""
        WITH checked AS MATERIALIZED (
            SELECT s.*, concat_ws('; ', {", ".join(pieces)}) AS _reason, {present} AS _present
            FROM (SELECT *, {row_reason} AS _row_reason FROM {stage}) s
            {present_join}
            {" ".join(joins)}
        ), inserted AS (
            INSERT INTO {target_q} ({quoted})
            SELECT {_select_list(converter)} FROM checked WHERE _reason = '' AND NOT _present ORDER BY _rowid
            ON CONFLICT DO NOTHING
            RETURNING id
        )
        SELECT c._rowid, c._reason, c._present FROM checked c
        WHERE c._reason <> '' OR c._present OR NOT EXISTS (SELECT 1 FROM inserted i WHERE i.id = c.id)
        ORDER BY c._rowid
    """  # noqa: S608


def _quarantine(plan: TablePlan, failures: list[tuple[int, str, str]]) -> None:
    """Keep the complete original rows, read back with their storage classes."""
    originals: dict[int, list] = {}
    conn = open_snapshot(_STATE.snapshot[plan.source_file], raw_text=True)
    try:
        selects = ", ".join(f"typeof({_quote(c)}), {_quote(c)}" for c in plan.columns)
        rowids = [rowid for rowid, _, _ in failures]
        for row in rows_by_rowid(conn, table=plan.source_table, selected=selects, rowids=rowids):
            originals[row[0]] = [
                [name, *_original_value(row[1 + 2 * i], row[2 + 2 * i])] for i, name in enumerate(plan.columns)
            ]
    finally:
        conn.close()
    now = timezone.now()
    _copy_in(
        "ops_quarantined_rows",
        _QUARANTINE_COLUMNS,
        _QUARANTINE_TYPES,
        [
            (
                uuid.uuid4(),
                _STATE.run.id,
                plan.source_file,
                plan.source_table,
                rowid,
                originals[rowid],
                code[:40],
                reason,
                now,
            )
            for rowid, code, reason in failures
        ],
    )


_QUARANTINE_COLUMNS = [
    "id", "run_id", "source_file", "source_table", "source_rowid", "original", "reason_code", "reason", "created_at",
]  # fmt: skip
_QUARANTINE_TYPES = ["uuid", "uuid", "text", "text", "int8", "jsonb", "text", "text", "timestamptz"]


def _copy_in(table: str, columns: list[str], types: list[str], rows: list) -> None:
    """Insert ``rows`` into one of the import's bookkeeping tables, keeping what is already there.

    Binary COPY into a temporary stage, then one INSERT that skips rows whose
    source row (file, table, rowid) is already recorded: a rerun adds nothing
    twice, and a few thousand rows cost one statement, not one each.
    """
    stage = _quote(f"_keep_{table}")  # not _ensure_stage's "_stage_" tables, which have a _rowid
    listed = ", ".join(columns)
    with connection.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT * FROM {table} WITH NO DATA")  # noqa: S608
        cursor.execute(f"TRUNCATE {stage}")
        use_converted_values(cursor)
        with cursor.copy(f"COPY {stage} ({listed}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {stage} "  # noqa: S608
            "ON CONFLICT (source_file, source_table, source_rowid) DO NOTHING"
        )


def _original_value(storage_class: bytes | str, value) -> list:
    storage_class = storage_class.decode() if isinstance(storage_class, bytes) else storage_class
    if storage_class == "text":
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return describe_value(decode_text(value))
        return describe_value(text)
    return describe_value(value)


def _keep_extras(plan: TablePlan, converter, rows: list[tuple[int, dict]]) -> None:
    if not rows:
        return
    extras_ns = ids.namespace(plan.source_file, plan.source_table + "#extras")
    run_id = _STATE.run.id.bytes
    # UUIDs as their 16 bytes and the data as JSON text: what COPY sends, without an object per value.
    _copy_in(
        "ops_legacy_extras",
        _EXTRAS_COLUMNS,
        _EXTRAS_TYPES,
        [
            (
                ids.uuid_bytes(ids.uuid_int(extras_ns, rowid)),
                run_id,
                plan.source_file,
                plan.source_table,
                rowid,
                plan.target_table,
                converter.uuid_for(rowid),
                JsonText(orjson.dumps(data).decode()),
            )
            for rowid, data in rows
        ],
    )


# --------------------------------------------------------------------------------------------
# Finishing: count identity, report, audit
# --------------------------------------------------------------------------------------------


def _finish(
    *, run: ImportRun, plans: dict[str, TablePlan], timings: dict[str, float], dry_run: bool, indexes: list[dict]
) -> dict:
    chunks = list(ImportChunk.objects.filter(run=run))
    tables = []
    problems = []
    for key, plan in plans.items():
        mine = [c for c in chunks if c.source_file == plan.source_file and c.source_table == plan.source_table]
        done = {c.rowid_from for c in mine}
        missing_units = [u for u in plan.units if u[0] not in done]
        totals = Counter()
        notes: Counter[str] = Counter()
        quarantine: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        seconds = 0.0
        for c in mine:
            totals.update(
                read=c.rows_read,
                inserted=c.rows_inserted,
                present=c.rows_present,
                quarantined=c.rows_quarantined,
                skipped=c.rows_skipped,
            )
            notes.update(c.notes.get("normalised", {}))
            quarantine.update(c.notes.get("quarantined", {}))
            skipped.update(c.notes.get("skipped", {}))
            seconds += c.seconds
        accounted = totals["inserted"] + totals["present"] + totals["quarantined"] + totals["skipped"]
        if missing_units:
            problems.append(f"{key}: {len(missing_units)} chunk(s) never loaded")
        if totals["read"] != plan.row_count:
            problems.append(f"{key}: read {totals['read']} rows but the source holds {plan.row_count}")
        if accounted != totals["read"]:
            problems.append(f"{key}: read {totals['read']} but accounted for {accounted}")
        converter = _STATE.converters.get(key) or _converter_for(plan)
        tables.append(
            {
                "source_file": plan.source_file,
                "source_table": plan.source_table,
                "target_table": plan.target_table,
                "known_to_contract": plan.mapping is not None,
                "source_rows": plan.row_count,
                "read": totals["read"],
                "inserted": totals["inserted"],
                "already_present": totals["present"],
                "quarantined": totals["quarantined"],
                "skipped": totals["skipped"],
                "quarantine_reasons": dict(quarantine),
                "skip_reasons": dict(skipped),
                "normalised": dict(notes),
                "extra_columns_kept": list(getattr(converter, "extra_columns", [])),
                "contract_columns_missing": list(getattr(converter, "missing_columns", [])),
                # Summed over chunks: worker time, which runs in parallel across tables.
                "worker_seconds": round(seconds, 3),
            }
        )
    if not dry_run and (unbuilt := deferred_tables(run_id=run.id)):
        problems.append(f"indexes deferred on {', '.join(sorted(unbuilt))} were not built again")
    summary = {k: sum(t[k] for t in tables) for k in ("read", "inserted", "already_present", "quarantined", "skipped")}
    timings["total"] = sum(v for k, v in timings.items() if k != "total")
    report = {
        "run_id": None if dry_run else str(run.id),
        "dry_run": dry_run,
        "source_dir": run.source_dir,
        "source_checksums": run.source_checksums,
        "backup_path": run.backup_path,
        "totals": summary,
        "placeholders_created": len((run.report or {}).get("placeholders_created", [])),
        "tables": tables,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "rows_per_second": round(summary["read"] / timings["load"], 1) if timings.get("load") else None,
        # Plain secondary indexes of empty tables, dropped for the load and built again after it.
        "indexes_built_again": {item["table"]: item["indexes"] for item in indexes},
        # "compiled" or "python": whether the C row encoder did the work (same results, other speed).
        "row_encoder": row_codec.codec_status(),
        "problems": problems,
    }
    if problems:
        raise ImportFailed("the import does not add up: " + "; ".join(problems))
    if dry_run:
        return report
    stored = {**report, "placeholders_created": (run.report or {}).get("placeholders_created", [])}
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
            timings=report["timings"],
            report=stored,
        )
        AuditLog.objects.create(
            action="legacy_import",
            actor=run.started_by,
            source=AuditSource.IMPORT,
            entity_type="ImportRun",
            entity_id=str(run.id),
            details={
                "source_dir": run.source_dir,
                "source_checksums": run.source_checksums,
                "backup_path": run.backup_path,
                "totals": summary,
                "placeholders_created": report["placeholders_created"],
                "indexes_built_again": report["indexes_built_again"],
            },
        )
    return report
