"""validate_import: check a finished legacy import against its sources, independently of its bookkeeping.

The importer proves its own count identity from the chunks it wrote; this
module looks at the data instead and answers "is what is in PostgreSQL what
the SQLite files say, under the documented policies?" Six checks (README
"Validating an import" has the operator's view):

1. ``sources``: a fresh consistent snapshot of each source file has the
   SHA-256 the run recorded. A difference is reported and the validation goes
   on against the files as they are now.
2. ``counts``: per legacy table, from the data: source rows = target rows in
   the table's UUID range (placeholder accounts aside) + quarantined rows +
   skipped rows (expired cache rows, recounted with the run's cut-off); and
   the run's ``ImportChunk`` sums agree with those figures.
3. ``rows``: every source row is converted again by a :class:`RowConverter`
   built here, with an :class:`ImportContext` rebuilt for the run, and
   compared value by value with its target row. Missing rows, target rows
   without a source row, rows neither imported nor quarantined, quarantined
   rows whose kept original differs from the source, and extras are reported,
   with the first differing rows of each table. Tables are cut into rowid
   ranges that worker processes check in parallel; each streams both sides in
   rowid/id order (the UUIDs sort like the rowids) and merges them, so memory
   stays flat whatever the table size.
4. ``references``: no foreign key of an imported row points nowhere.
5. ``money``: per money column, the sum in cents computed from the source by
   SQLite (an independent method) equals PostgreSQL's ``sum()``.
6. ``queries``: questions users ask (a month of cash flow, upcoming bills,
   health check-ins) get the same answers from source and target.
"""

from __future__ import annotations

import gc
import hashlib
import ipaddress
import json
import logging
import multiprocessing
import os
import re
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, models
from django.db.models import Count, Sum
from psycopg.adapt import Transformer
from psycopg.pq import Format

from mingus import crypto
from mingus.db import quote_identifier as _quote
from mingus.db_roles import runs_as_owner
from mingus.gc_freeze import long_lived_objects_frozen
from ops.legacy import ids, row_codec
from ops.legacy.convert import ImportContext, JsonText, RowConverter, describe_value
from ops.legacy.importer import plan_email_policy
from ops.legacy.mapping import LEGACY_FILES, TableMapping, get_mapping
from ops.legacy.snapshot_rows import (
    UndecodableText,
    open_reader,
    open_snapshot,
    read_rows,
    rowid_bounds,
    rows_by_rowid,
)
from ops.legacy.sqlite_backup import BackupError, sha256_file, snapshot_legacy_dir
from ops.legacy.tables import SPECS, target_of
from ops.legacy.transforms import TransformError, decode_text
from ops.models import ImportChunk, ImportRun, ImportStatus, LegacyExtra, QuarantinedRow

logger = logging.getLogger(__name__)

USERS_KEY = "mingus.db:users"
#: Source rows per unit of work of the row check; a unit's rows are the most a worker holds at once.
UNIT_ROWS = 10_000
#: Differing rows kept per table for the report (all are counted).
MAX_EXAMPLES = 10
CHECK_TITLES = {
    "sources": "source files unchanged since the import",
    "counts": "count identity per table",
    "rows": "row-by-row content",
    "references": "no dangling references",
    "money": "money sums to the cent",
    "queries": "sample queries answered alike",
}
_PAGE = 5_000
_MONEY_KINDS = ("money", "dollars", "display_money")
_QUERY_USERS = 5
_BILL_WINDOW_DAYS = 30
_SHOWN_CHARS = 120
_SMALLEST_ROWID, _LARGEST_ROWID = -(2**63), 2**63 - 1

ProgressCallback = Callable[[str, dict], None]


class CannotValidate(Exception):
    """A validation that cannot start or cannot finish; the message says why."""


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class RowMismatch:
    """One finding of the row check: ``column`` is None when the whole row is concerned."""

    source_file: str
    source_table: str
    rowid: int
    kind: str
    column: str | None
    source: str | None
    target: str | None


@dataclass
class CheckSection:
    """The outcome of one check: one item per table, column or query, and what is wrong."""

    name: str
    title: str
    items: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "ok": self.ok,
            "problems": list(self.problems),
            "notes": list(self.notes),
            "items": [_jsonable(item) for item in self.items],
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ValidationReport:
    """Everything ``validate_import`` found; ``ok`` when no check has a problem."""

    run_id: uuid.UUID
    source_dir: str
    workers: int
    checks: dict[str, CheckSection]
    mismatches: list[RowMismatch]
    timings: dict[str, float]
    import_seconds: float | None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {problem}" for name, check in self.checks.items() for problem in check.problems]

    def to_dict(self) -> dict:
        """The report as JSON-safe data (values of differing rows as text)."""
        return {
            "run_id": str(self.run_id),
            "source_dir": self.source_dir,
            "ok": self.ok,
            "workers": self.workers,
            "import_seconds": self.import_seconds,
            "timings": {name: round(seconds, 3) for name, seconds in self.timings.items()},
            "checks": {name: check.to_dict() for name, check in self.checks.items()},
            "mismatches": [asdict(m) for m in self.mismatches],
        }


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


@long_lived_objects_frozen()
@runs_as_owner
def validate_import(
    *,
    run_id: uuid.UUID | None = None,
    source_dir: Path | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> ValidationReport:
    """Check import run ``run_id`` (default: the latest succeeded run) against its source files.

    ``source_dir`` defaults to the directory the run imported. ``workers``
    processes check the rows (default: CPU count; 1 runs everything in this
    process, on this process's database connection). ``progress`` is called
    as ``progress(event, data)`` with events ``phase`` and ``table``. Raises
    :class:`CannotValidate` when the run or the sources cannot be read;
    everything else, differences included, goes into the report.
    """
    started = time.monotonic()
    progress = progress or _no_progress
    run = _find_run(run_id)
    directory = Path(source_dir or run.source_dir).resolve()
    if not directory.is_dir():
        raise CannotValidate(f"{directory} is not a directory (pass --source-dir if the sources moved)")
    workers = max(1, workers or os.cpu_count() or 1)
    timings: dict[str, float] = {}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    work_dir = Path(settings.VAR_DIR) / "validations" / f"{stamp}-{run.id.hex[:8]}"
    try:
        progress("phase", {"name": "snapshot", "source_dir": str(directory)})
        try:
            snapshot = snapshot_legacy_dir(directory=directory, destination=work_dir / "snapshot")
        except BackupError as exc:
            raise CannotValidate(f"cannot read the sources: {exc}") from exc
        missing = [name for name in LEGACY_FILES if name not in snapshot]
        if missing:
            raise CannotValidate(f"{directory} lacks {', '.join(missing)}")
        timings["snapshot"] = time.monotonic() - started
        progress("phase", {"name": "plan"})
        state = _prepare(run=run, snapshot=snapshot)
        timings["plan"] = time.monotonic() - started - timings["snapshot"]
        checks = {name: CheckSection(name=name, title=title) for name, title in CHECK_TITLES.items()}
        checks["rows"].notes.extend(state.notes)
        mismatches = _run_checks(state=state, checks=checks, workers=workers, progress=progress, timings=timings)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    timings["total"] = time.monotonic() - started
    return ValidationReport(
        run_id=run.id,
        source_dir=str(directory),
        workers=workers,
        checks=checks,
        mismatches=mismatches,
        timings=timings,
        import_seconds=_import_seconds(run),
    )


def _no_progress(event: str, data: dict) -> None:
    pass


def _find_run(run_id: uuid.UUID | None) -> ImportRun:
    if run_id is None:
        run = ImportRun.objects.filter(status=ImportStatus.SUCCEEDED).order_by("-started_at").first()
        if run is None:
            raise CannotValidate("no succeeded import run to validate")
        return run
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        raise CannotValidate(f"there is no import run {run_id}")
    if run.status != ImportStatus.SUCCEEDED:
        # A failed or rolled-back run is incomplete by definition: every table would "differ".
        raise CannotValidate(f"import run {run_id} is {run.status}; only a succeeded run can be validated")
    return run


def _import_seconds(run: ImportRun) -> float | None:
    total = (run.timings or {}).get("total")
    if total is not None:
        return float(total)
    if run.finished_at and run.started_at:
        return (run.finished_at - run.started_at).total_seconds()
    return None


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


@dataclass
class _Table:
    source_file: str
    source_table: str
    columns: list[str]
    row_count: int
    unit_starts: list[int]
    mapping: TableMapping | None
    target_table: str
    expires_column: str | None

    @property
    def key(self) -> str:
        return f"{self.source_file}:{self.source_table}"

    @property
    def bounds(self) -> tuple[uuid.UUID, uuid.UUID]:
        """The UUID range of every row this table can have in the target."""
        return ids.uuid_bounds(self.source_file, self.source_table, 0, ids.ROWID_LIMIT - 1)

    def units(self) -> list[tuple[int, int]]:
        """Rowid ranges covering every possible rowid, so stray target rows and odd rowids are seen too."""
        starts = self.unit_starts or [0]
        lows = [_SMALLEST_ROWID, *starts[1:]]
        highs = [start - 1 for start in starts[1:]] + [_LARGEST_ROWID]
        return list(zip(lows, highs, strict=True))


@dataclass
class _State:
    """What every unit of work needs; set before the worker processes fork."""

    run: ImportRun
    snapshot: dict[str, Path]
    tables: dict[str, _Table]
    context: ImportContext
    cutoff: datetime
    checksums: dict[str, str] = field(default_factory=dict)  # SHA-256 of each snapshot copy
    # Computed by the parent while the workers run (only the parent needs them).
    orphans: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_STATE: _State | None = None
_CHECKERS: dict[str, _TableChecker] = {}


def _prepare(*, run: ImportRun, snapshot: dict[str, Path]) -> _State:
    notes = []
    options = run.options or {}
    if options.get("cache_cutoff"):
        cutoff = datetime.fromisoformat(options["cache_cutoff"])
    else:
        cutoff = run.started_at
        notes.append(f"the run recorded no cache cut-off; expired cache rows are judged at its start, {cutoff}")
    keys = [key for key in settings.LEGACY_FERNET_KEYS if key]
    try:
        keyring = crypto.build_keyring(keys=keys) if keys else None
    except crypto.KeyringError as exc:
        raise CannotValidate(f"LEGACY_FERNET_KEYS: {exc}") from exc
    if keyring is None:
        notes.append("LEGACY_FERNET_KEYS is not set: encrypted rows cannot be compared (they show as not imported)")
    context = ImportContext(legacy_keyring=keyring, cache_cutoff_epoch=cutoff.timestamp())
    # The tables are counted and the copies hashed in threads (SQLite and hashlib leave the GIL)
    # while the policy is rebuilt here: this phase has a core to spare, the row check has none.
    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = pool.submit(_plan_tables, run=run, snapshot=snapshot)
        hashed = {name: pool.submit(sha256_file, path) for name, path in snapshot.items()}
        # The policy only looks at accounts outside the imported UUID range, so rebuilt
        # after the import it decides as it did before; the users' row check confirms it.
        context.email_policy = plan_email_policy(snapshot=snapshot)
        notes.extend(_email_policy_notes(run=run, snapshot=snapshot))
        tables = counted.result()
        checksums = {name: future.result() for name, future in hashed.items()}
    return _State(
        run=run,
        snapshot=snapshot,
        tables=tables,
        context=context,
        cutoff=cutoff,
        checksums=checksums,
        notes=notes,
    )


def _email_policy_notes(*, run: ImportRun, snapshot: dict[str, Path]) -> list[str]:
    from mingus.accounts.models import User

    low, high = ids.uuid_bounds("mingus.db", "users", 0, ids.ROWID_LIMIT - 1)
    newcomers = User.objects.exclude(id__range=(low, high)).filter(created_at__gte=run.started_at)
    if not newcomers.exists():
        return []  # the usual case: no email to compare the legacy accounts' with (reading them took 0.1 s)
    # The policy rebuilt now takes a newcomer's email as taken, so a legacy account that kept that
    # address at the import is a conflict today: compare with the source emails, not with that policy.
    with open_snapshot(snapshot["mingus.db"]) as conn:
        conn.text_factory = decode_text
        legacy = {
            email.strip().lower() for (email,) in conn.execute("SELECT email FROM users") if isinstance(email, str)
        }
    clashes = sum(
        1 for email in newcomers.values_list("email", flat=True).iterator() if email.strip().lower() in legacy
    )
    if not clashes:
        return []
    return [
        f"{clashes} account(s) created since the import use an email a legacy account kept; the email policy "
        "rebuilt now treats those as taken, so those legacy accounts may show email differences"
    ]


def _plan_tables(*, run: ImportRun, snapshot: dict[str, Path]) -> dict[str, _Table]:
    wanted = None
    if (run.options or {}).get("only"):
        # A partial run is checked on the tables it imported, not on the whole source.
        wanted = {(t["source_file"], t["source_table"]) for t in (run.report or {}).get("tables", [])}
    tables: dict[str, _Table] = {}
    for source_file in LEGACY_FILES:
        with open_snapshot(snapshot[source_file]) as conn:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for name in names:
                if wanted is not None and (source_file, name) not in wanted:
                    continue
                quoted = _quote(name)
                columns = [row[1] for row in conn.execute(f"PRAGMA table_info({quoted})")]
                # Apart, count(*) takes SQLite's counting shortcut and the bounds come from the ends
                # of the b-tree; in one SELECT the three aggregates step through every row.
                count = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
                first, last = rowid_bounds(conn, table=name)
                starts = _unit_starts(conn, quoted, count, first, last)
                mapping = get_mapping(source_file=source_file, source_table=name)
                spec = SPECS.get((source_file, name)) if mapping else None
                tables[f"{source_file}:{name}"] = _Table(
                    source_file=source_file,
                    source_table=name,
                    columns=columns,
                    row_count=count,
                    unit_starts=starts,
                    mapping=mapping,
                    target_table=mapping.target_table if mapping else LegacyExtra._meta.db_table,
                    expires_column=spec.expires_column if spec and spec.expires_column in columns else None,
                )
    return tables


def _unit_starts(conn: sqlite3.Connection, quoted: str, count: int, first: int | None, last: int | None) -> list[int]:
    """First rowids of units of about UNIT_ROWS rows each."""
    if not count:
        return []
    span = last - first + 1
    if span <= 2 * count:
        # Dense rowids (the usual case): cut the range evenly, no scan needed.
        step = max(1, UNIT_ROWS * span // count)
        return list(range(first, last + 1, step))
    # Sparse rowids: a boundary at every UNIT_ROWS-th row keeps the units even.
    query = (
        f"SELECT r FROM (SELECT rowid AS r, row_number() OVER (ORDER BY rowid) AS n FROM {quoted}) "  # noqa: S608
        "WHERE (n - 1) % ? = 0"
    )
    return [row[0] for row in conn.execute(query, [UNIT_ROWS])]


def _orphans(*, state: _State, totals: dict[str, _UnitOutcome]) -> list[int]:
    """Legacy user ids some row refers to that mingus.db users lacks, as the row check found them.

    A table any unit of which was checked another way is scanned here in SQLite.
    """
    found: set[int] = set()
    unchecked = {}
    for key, table in state.tables.items():
        total = totals.get(key)
        if total is not None and total.orphans_checked:
            found |= total.orphans
        else:
            unchecked[key] = table
    found.update(_orphaned_user_ids(snapshot=state.snapshot, tables=unchecked))
    return sorted(found)


def _orphaned_user_ids(*, snapshot: dict[str, Path], tables: dict[str, _Table]) -> list[int]:
    """Legacy user ids some row refers to that mingus.db users lacks: each should have a placeholder.

    One pass over each table, with users attached: only the ids missing from
    it reach DISTINCT.
    """
    orphans: set[int] = set()
    users_db = f"file:{snapshot['mingus.db']}?immutable=1"
    for table in tables.values():
        if table.mapping is None or table.key == USERS_KEY:
            continue
        spec = SPECS[(table.source_file, table.source_table)]
        columns = [name for name, col in spec.columns.items() if col.kind == "user" and name in table.columns]
        if not columns:
            continue
        with open_snapshot(snapshot[table.source_file]) as conn:
            conn.execute("ATTACH DATABASE ? AS legacy_users", [users_db])
            known = "(SELECT id FROM legacy_users.users)"  # INTEGER PRIMARY KEY: the rowid itself
            for column in columns:
                quoted = _quote(column)
                query = (
                    f"SELECT DISTINCT {quoted} FROM {_quote(table.source_table)} "  # noqa: S608
                    f"WHERE typeof({quoted}) = 'integer' AND {quoted} BETWEEN 0 AND ? AND {quoted} NOT IN {known}"
                )
                orphans.update(row[0] for row in conn.execute(query, [ids.ROWID_LIMIT - 1]))
    return sorted(orphans)


# --------------------------------------------------------------------------------------------
# Running the checks
# --------------------------------------------------------------------------------------------


def _run_checks(
    *, state: _State, checks: dict[str, CheckSection], workers: int, progress, timings: dict[str, float]
) -> list[RowMismatch]:
    global _STATE
    _STATE = state
    _CHECKERS.clear()
    _PARENT_IDS.clear()  # a process may validate more than once (a task worker): ids of this run only
    _LEGACY_USERS.clear()
    units = [(key, low, high) for key, table in state.tables.items() for low, high in table.units()]
    # Costliest units first, so the last ones to finish are cheap.
    units.sort(key=lambda unit: -_unit_cost(state.tables[unit[0]]))
    collector = _RowCollector(state=state, progress=progress)
    rows_started = time.monotonic()
    if workers == 1 or len(units) == 1:
        _aggregate_checks(state=state, checks=checks, progress=progress, timings=timings)
        rows_started = time.monotonic()
        for unit in units:
            collector.add(_check_unit(unit))
    else:
        connections.close_all()  # never share a connection with forked workers
        # The plan too stays out of the workers' collections, and its pages shared with them.
        gc.freeze()
        pool = multiprocessing.get_context("fork").Pool(processes=min(workers, len(units)))
        try:
            outcomes = pool.imap_unordered(_check_unit, units)
            # The aggregate checks run here while the workers compare rows.
            _aggregate_checks(state=state, checks=checks, progress=progress, timings=timings)
            for outcome in outcomes:
                collector.add(outcome)
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.close()
            pool.join()
    started = time.monotonic()
    state.orphans = _orphans(state=state, totals=collector.totals)
    timings["orphans"] = time.monotonic() - started
    collector.finish(checks["rows"])
    timings["rows"] = time.monotonic() - rows_started
    checks["rows"].seconds = timings["rows"]
    for name, function in (("counts", _check_counts), ("references", _check_references)):
        progress("phase", {"name": name})
        started = time.monotonic()
        function(state=state, section=checks[name], totals=collector.totals)
        checks[name].seconds = timings[name] = time.monotonic() - started
        progress("check", {"name": name, "ok": checks[name].ok, "problems": list(checks[name].problems)})
    return collector.examples()


# A row with a Fernet token costs about 25 ordinary rows to check (two decryptions), a user
# about 4 (the email policy and the password hash take the careful path).
_FERNET_ROW_COST = 25
_USER_ROW_COST = 4


def _unit_cost(table: _Table) -> int:
    rows = min(table.row_count, UNIT_ROWS)
    if table.mapping is None:
        return rows
    spec = SPECS[(table.source_file, table.source_table)]
    if any(col.kind == "fernet" for col in spec.columns.values()):
        return rows * _FERNET_ROW_COST
    return rows * _USER_ROW_COST if table.key == USERS_KEY else rows


def _aggregate_checks(*, state: _State, checks: dict[str, CheckSection], progress, timings) -> None:
    sources = _SourceFiles(state=state)
    try:
        # Counts and references are settled from the row check's units once they are all in.
        for name, function in (
            ("sources", _check_sources),
            ("money", _check_money),
            ("queries", _check_queries),
        ):
            progress("phase", {"name": name})
            started = time.monotonic()
            function(state=state, sources=sources, section=checks[name])
            checks[name].seconds = timings[name] = time.monotonic() - started
            progress("check", {"name": name, "ok": checks[name].ok, "problems": list(checks[name].problems)})
    finally:
        sources.close()


class _RowCollector:
    """Adds up the unit outcomes per table, in the parent, and reports each table when it is done."""

    def __init__(self, *, state: _State, progress):
        self.state = state
        self.progress = progress
        self.pending = Counter(key for key, table in state.tables.items() for _ in table.units())
        self.totals: dict[str, _UnitOutcome] = {}
        self.samples: dict[str, list[RowMismatch]] = {}

    def add(self, outcome: _UnitOutcome) -> None:
        total = self.totals.get(outcome.key)
        if total is None:
            total = self.totals[outcome.key] = _UnitOutcome(
                key=outcome.key, references_checked=True, orphans_checked=True
            )
        total.merge(outcome)
        self.samples.setdefault(outcome.key, []).extend(outcome.examples)
        self.pending[outcome.key] -= 1
        if not self.pending[outcome.key]:
            self.progress("table", {"key": outcome.key, **self.item(outcome.key)})

    def item(self, key: str) -> dict:
        total = self.totals[key]
        table = self.state.tables[key]
        return {
            "table": key,
            "target_table": table.target_table,
            "source_rows": total.source_rows,
            "target_rows": total.target_rows,
            "compared": total.compared,
            "matched": total.matched,
            "quarantined": total.quarantined,
            "skipped": total.skipped,
            "placeholders": len(total.placeholder_rowids),
            "findings": dict(total.findings),
            "differing_columns": dict(total.columns),
            "notes": dict(total.notes),
            "seconds": round(total.seconds, 3),
        }

    def finish(self, section: CheckSection) -> None:
        if USERS_KEY in self.totals:
            self._settle_placeholders(self.totals[USERS_KEY])
        for key in self.state.tables:
            item = self.item(key)
            section.items.append(item)
            for kind, rows in sorted(item["findings"].items()):
                section.problems.append(f"{key}: {rows} row(s) {_FINDINGS[kind]}")
            for note, rows in sorted(item["notes"].items()):
                section.notes.append(f"{key}: {rows} row(s): {note}")

    def _settle_placeholders(self, users: _UnitOutcome) -> None:
        """Each orphaned user id has its placeholder account, and each placeholder account has its orphan."""
        table = self.state.tables[USERS_KEY]
        found, orphans = set(users.placeholder_rowids), set(self.state.orphans)
        samples = self.samples.setdefault(USERS_KEY, [])
        for rowid in sorted(found - orphans):
            users.findings["unexpected"] += 1
            samples.append(
                RowMismatch(
                    table.source_file,
                    table.source_table,
                    rowid,
                    "unexpected",
                    None,
                    "no row refers to it",
                    "placeholder account",
                )
            )
        for rowid in sorted(orphans - found):
            users.findings["placeholder"] += 1
            samples.append(
                RowMismatch(
                    table.source_file,
                    table.source_table,
                    rowid,
                    "placeholder",
                    None,
                    "user id referred to, deleted",
                    "no placeholder account",
                )
            )
        users.placeholder_rowids = sorted(found & orphans)

    def examples(self) -> list[RowMismatch]:
        found = []
        for key in self.state.tables:
            found.extend(sorted(self.samples.get(key, []), key=lambda m: (m.rowid, m.column or ""))[:MAX_EXAMPLES])
        return found


_FINDINGS = {
    "differs": "differ from the source",
    "missing": "missing from the target",
    "unexpected": "in the target without a source row",
    "not_quarantined": "fail to convert but are neither imported nor quarantined",
    "quarantined_but_present": "quarantined and yet present in the target",
    "skipped_but_present": "skipped as expired cache rows and yet present in the target",
    "quarantine_original": "kept in quarantine with an original that differs from the source",
    "quarantine_stale": "quarantined under a rowid the source no longer has",
    "quarantined_needlessly": "quarantined as pointing to a missing row, though every row they point to is there",
    "extras": "with kept legacy extras that differ from the source",
    "placeholder": "of orphaned user ids without a correct placeholder account",
}


# --------------------------------------------------------------------------------------------
# Row check: one unit of work (runs in a worker process)
# --------------------------------------------------------------------------------------------


@dataclass
class _UnitOutcome:
    key: str
    source_rows: int = 0
    target_rows: int = 0
    compared: int = 0
    matched: int = 0
    quarantined: int = 0
    skipped: int = 0
    placeholder_rowids: list[int] = field(default_factory=list)
    # References to no parent row, by target column, as the C loop counted them over the unit's
    # target rows; references_checked is False for a unit checked another way.
    dangling: Counter = field(default_factory=Counter)
    references_checked: bool = False
    # Target rows without a source row whose legacy_status says placeholder (the count identity's).
    placeholder_rows: int = 0
    # Legacy user ids the unit's source rows hold that mingus.db users lacks (the C loop found them).
    orphans: set = field(default_factory=set)
    orphans_checked: bool = False
    findings: Counter = field(default_factory=Counter)
    columns: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    examples: list[RowMismatch] = field(default_factory=list)
    seconds: float = 0.0

    def find(
        self, table: _Table, rowid: int, kind: str, column: str | None, source, target, *, count: bool = True
    ) -> None:
        if count:
            self.findings[kind] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(
                RowMismatch(table.source_file, table.source_table, rowid, kind, column, source, target)
            )

    def merge(self, other: _UnitOutcome) -> None:
        for name in ("source_rows", "target_rows", "compared", "matched", "quarantined", "skipped", "placeholder_rows"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.placeholder_rowids.extend(other.placeholder_rowids)
        self.dangling.update(other.dangling)
        self.references_checked = self.references_checked and other.references_checked
        self.orphans |= other.orphans
        self.orphans_checked = self.orphans_checked and other.orphans_checked
        self.findings.update(other.findings)
        self.columns.update(other.columns)
        self.notes.update(other.notes)
        self.seconds += other.seconds


def _check_unit(unit: tuple[str, int, int]) -> _UnitOutcome:
    """Compare rowids ``low..high`` of one legacy table with the target (a worker's unit of work)."""
    key, low, high = unit
    table = _STATE.tables[key]
    started = time.monotonic()
    try:
        try:
            outcome = _compare_unit(table, low, high, safe_text=False)
        except UndecodableText:
            # Some TEXT is not valid UTF-8: read this unit again, value by value, as the importer does.
            outcome = _compare_unit(table, low, high, safe_text=True)
    except Exception as exc:
        # Plain text crosses the process boundary; driver exceptions may not pickle.
        raise CannotValidate(f"{key} rowids {low}..{high}: {type(exc).__name__}: {exc}") from None
    outcome.seconds = time.monotonic() - started
    return outcome


def _compare_unit(table: _Table, low: int, high: int, *, safe_text: bool) -> _UnitOutcome:
    checker = _checker_for(table)
    outcome = _UnitOutcome(key=table.key)
    quarantine = _quarantined(table, low, high)
    extras = _extras(table, low, high) if checker.has_extras else {}
    if checker.comparer is not None and not safe_text:
        checker.check_range(low, high, quarantine, extras, outcome)
    else:
        checker.merge(
            _source_rows(table, low, high, safe_text=safe_text),
            _target_rows(checker, low, high),
            quarantine,
            extras,
            outcome,
        )
    for rowid in sorted(quarantine):
        outcome.find(table, rowid, "quarantine_stale", None, "no such rowid", "quarantined")
    for rowid in sorted(extras):
        outcome.find(table, rowid, "extras", None, "no source row for these extras", _show(extras[rowid]))
    return outcome


def _checker_for(table: _Table) -> _TableChecker:
    checker = _CHECKERS.get(table.key)
    if checker is None:
        if table.mapping is not None:
            checker = _KnownTableChecker(table=table, context=_STATE.context)
        else:
            checker = _UnknownTableChecker(table=table)
        _CHECKERS[table.key] = checker
    return checker


def _source_rows(table: _Table, low: int, high: int, *, safe_text: bool) -> Iterator[tuple]:
    return read_rows(
        path=_STATE.snapshot[table.source_file],
        table=table.source_table,
        columns=table.columns,
        first=low,
        last=high,
        safe_text=safe_text,
    )


def _target_rows(checker: _TableChecker, low: int, high: int) -> Iterator[tuple[int, tuple]]:
    """``(rowid, row)`` of the target rows in the unit's UUID range, in id order, a page at a time.

    ``row`` is ``(id, *checker's columns)``: the id as a UUID, for the rowid and the next page.
    """
    if high < 0 or low >= ids.ROWID_LIMIT:
        return
    table = checker.table
    lower, upper = ids.uuid_bounds(table.source_file, table.source_table, max(low, 0), min(high, ids.ROWID_LIMIT - 1))
    select = ", ".join(checker.select_list)
    target = _quote(checker.target_name)
    # Keyset pages: constant memory, and correct on any connection or transaction state.
    query = f"SELECT {select} FROM {target} WHERE id > %s AND id <= %s ORDER BY id LIMIT {_PAGE}"  # noqa: S608
    first_query = f"SELECT {select} FROM {target} WHERE id >= %s AND id <= %s ORDER BY id LIMIT {_PAGE}"  # noqa: S608
    rowid_of = ids.rowid_of
    connection.ensure_connection()
    if checker.comparer is not None:
        yield from _target_tuples(checker, lower, upper)
        return
    # Binary results: psycopg's C loaders, not Django's Python-level timestamptz text loader.
    # (Django's own cursors bind parameters client-side, which rules binary results out.)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(first_query, [lower, upper], binary=True)
        while True:
            rows = cursor.fetchall()
            for row in rows:
                yield rowid_of(row[0]), row
            if len(rows) < _PAGE:
                return
            cursor.execute(query, [rows[-1][0], upper], binary=True)


def _target_tuples(checker: _TableChecker, lower: uuid.UUID, upper: uuid.UUID) -> list[tuple[int, bytes]]:
    """``(rowid, binary COPY tuple)`` of the target rows between two ids, in id order.

    Read whole before the first is handed out (a unit is about ``UNIT_ROWS``
    rows): the checks query the same connection while the merge goes on.
    """
    query = _range_copy(checker, lower, upper, ordered=True)
    data = bytearray()
    tuples: list[tuple[int, bytes]] = []
    done = False
    start = len(row_codec.SIGNATURE)  # the first tuple follows the signature, flags and empty extension
    with connection.connection.cursor() as cursor, cursor.copy(query) as copy:
        for block in copy:
            data += block
            if len(data) < start:
                continue
            rows, start, done = row_codec.split_rows(data, start)
            tuples += rows
            del data[:start]
            start = 0
    if not done:
        raise CannotValidate(f"the COPY of {checker.target_name} ended without its trailer")
    return tuples


def _range_copy(checker: _TableChecker, lower: uuid.UUID, upper: uuid.UUID, *, ordered: bool) -> psycopg.sql.Composed:
    """``COPY ... TO STDOUT (FORMAT BINARY)`` of the checked columns of the target rows between two ids.

    ``ordered`` sorts them by id (the merge walks them in order; the C range check sorts them itself).
    """
    return psycopg.sql.SQL(
        "COPY (SELECT {columns} FROM {target} WHERE id BETWEEN {lower} AND {upper}{order}) TO STDOUT (FORMAT BINARY)"
    ).format(
        columns=psycopg.sql.SQL(checker.copy_list),
        target=psycopg.sql.Identifier(checker.target_name),
        lower=psycopg.sql.Literal(str(lower)),
        upper=psycopg.sql.Literal(str(upper)),
        order=psycopg.sql.SQL(" ORDER BY id" if ordered else ""),
    )


# Parent tables' ids, per worker process: {table: IdSet}. A unit's target rows are checked against
# them in C; the parents are complete (the import is over), and nothing here writes to them.
_PARENT_IDS: dict[str, object] = {}


_LEGACY_USERS: list = []


def _legacy_users():
    """The UUIDs of mingus.db's users in the snapshot, as an IdSet (once per process)."""
    if not _LEGACY_USERS:
        ns = ids.namespace("mingus.db", "users")
        with open_snapshot(_STATE.snapshot["mingus.db"]) as conn:
            known = conn.execute(
                "SELECT id FROM users WHERE typeof(id) = 'integer' AND id BETWEEN 0 AND ?", [ids.ROWID_LIMIT - 1]
            )
            _LEGACY_USERS.append(row_codec.id_set([ids.uuid_bytes(ids.uuid_int(ns, row[0])) for row in known]))
    return _LEGACY_USERS[0]


def _parent_ids(table: str):
    """The ids of every row of ``table``, as an IdSet, or None when they cannot be read in C."""
    if table not in _PARENT_IDS:
        connection.ensure_connection()
        _PARENT_IDS[table] = row_codec.read_id_set(connection.connection, table, psycopg.sql.SQL("id IS NOT NULL"))
    return _PARENT_IDS[table]


def _target_records(checker: _TableChecker, low: int, high: int) -> tuple[bytes, bool]:
    """Every target row of the unit's UUID range, one after another: ``(data, as COPY tuples)``.

    A binary COPY read in C (``row_codec.read_copy``), or else one
    ``string_agg(record_send(...))`` value: either way no Python object per row.
    """
    if high < 0 or low >= ids.ROWID_LIMIT:
        return b"", True
    table = checker.table
    lower, upper = ids.uuid_bounds(table.source_file, table.source_table, max(low, 0), min(high, ids.ROWID_LIMIT - 1))
    connection.ensure_connection()
    conn = connection.connection
    data = row_codec.read_copy(conn, _range_copy(checker, lower, upper, ordered=False).as_string(conn))
    if data is not None:
        return data, True
    query = psycopg.sql.SQL(
        "SELECT string_agg(record_send(t), ''::bytea) "
        "FROM (SELECT {columns} FROM {target} WHERE id BETWEEN %s AND %s) t"
    ).format(columns=psycopg.sql.SQL(checker.copy_list), target=psycopg.sql.Identifier(checker.target_name))
    with psycopg.Cursor(conn) as cursor:
        cursor.execute(query, [lower, upper], binary=True)
        data = cursor.fetchone()[0]
    return (bytes(data) if data is not None else b""), False


def _tuple_loader(pg_types: list[str], uuids: set[int], jsons: set[int]) -> Callable[[bytes], tuple]:
    """Binary COPY tuple bytes to the row ``_target_rows``'s SELECT gives: ``(id, *columns)``."""
    tx = Transformer()
    types = ["bytea" if i in uuids else "text" if i in jsons else name for i, name in enumerate(pg_types)]
    tx.set_loader_types([psycopg.postgres.types[name].oid for name in types], Format.BINARY)
    width = len(pg_types)

    def load(data: bytes) -> tuple:
        fields, at = [], 2
        for i in range(width):
            size = int.from_bytes(data[at : at + 4], "big", signed=True)
            at += 4
            if size < 0:
                fields.append(None)
                continue
            value = data[at : at + size]
            at += size
            fields.append(value[1:] if i in jsons else value)  # jsonb: a version byte, then the text
        values = tx.load_sequence(fields)
        return (uuid.UUID(bytes=values[0]), *values)

    return load


def _quarantined(table: _Table, low: int, high: int) -> dict[int, tuple[bool, str, str]]:
    """The unit's quarantined rows: ``{rowid: (resolved, original as JSON text, reason code)}``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_rowid, resolved_at IS NOT NULL, original::text, reason_code FROM ops_quarantined_rows "
            "WHERE source_file = %s AND source_table = %s AND source_rowid BETWEEN %s AND %s",
            [table.source_file, table.source_table, low, high],
        )
        return {rowid: (resolved, original, code) for rowid, resolved, original, code in cursor.fetchall()}


def _extras(table: _Table, low: int, high: int) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_rowid, target_table, target_id, data::text FROM ops_legacy_extras "
            "WHERE source_file = %s AND source_table = %s AND source_rowid BETWEEN %s AND %s",
            [table.source_file, table.source_table, low, high],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


# --------------------------------------------------------------------------------------------
# Row check: comparing one table's rows
# --------------------------------------------------------------------------------------------


class _TableChecker:
    """What both kinds of tables share: quarantine, and the merge's bookkeeping."""

    table: _Table
    target_columns: list[str]
    select_list: list[str]
    target_name: str
    has_extras = False
    is_users = False

    def check(self, row: tuple, target, quarantine, extras, outcome: _UnitOutcome) -> None:
        raise NotImplementedError

    def merge(self, source, target, quarantine: dict, extras: dict, outcome: _UnitOutcome) -> None:
        """Walk both sides in rowid order (the UUIDs sort like the rowids), one row of each at a time."""
        pending = next(target, None)
        source_rows = target_rows = 0
        for row in source:
            source_rows += 1
            rowid = row[0]
            while pending is not None and pending[0] < rowid:
                target_rows += 1
                self.check_unexpected(pending[0], self.parsed(pending[1]), outcome)
                pending = next(target, None)
            present = None
            if pending is not None and pending[0] == rowid:
                target_rows += 1
                present = pending[1]
                pending = next(target, None)
            if present is not None and self.matches_quickly(row, present, quarantine, extras):
                outcome.compared += 1
                outcome.matched += 1
                continue
            self.check_with_records(row, present, quarantine, extras, outcome)
        while pending is not None:
            target_rows += 1
            self.check_unexpected(pending[0], self.parsed(pending[1]), outcome)
            pending = next(target, None)
        outcome.source_rows += source_rows
        outcome.target_rows += target_rows

    def check_with_records(self, row: tuple, target, quarantine: dict, extras: dict, outcome: _UnitOutcome) -> None:
        """``check`` of a source row and its target row as read, with the row's quarantine record and kept
        extras taken out of the unit's (what is left in them once the unit is done has no source row)."""
        rowid = row[0]
        self.check(
            row,
            self.parsed(target),
            quarantine.pop(rowid, None) if quarantine else None,
            extras.pop(rowid, None) if extras else None,
            outcome,
        )

    def matches_quickly(self, row: tuple, target: tuple, quarantine: dict, extras: dict) -> bool:
        """Whether the row is plainly equal to its target row; False means "look closer", not "differs"."""
        return False

    # Set when target rows arrive as binary COPY tuples (see _KnownTableChecker.comparer).
    comparer: row_codec.RowComparer | None = None

    def parsed(self, target):
        """The target row as the checks take it (None stays None)."""
        return target

    def check_unexpected(self, rowid: int, target: tuple, outcome: _UnitOutcome) -> None:
        shown = _show_row(self.target_columns, target[1:])
        outcome.find(self.table, rowid, "unexpected", None, "no source row", shown)

    def _quarantined(self, row: tuple, target, quarantine: tuple[bool, str, str], outcome: _UnitOutcome) -> None:
        outcome.quarantined += 1
        resolved, original, reason = quarantine
        expected = [[name, *describe_value(value)] for name, value in zip(self.table.columns, row[1:], strict=True)]
        kept = json.loads(original)
        if kept != expected:
            column = next((e[0] for e, k in zip(expected, kept, strict=False) if e != k), None)
            outcome.find(self.table, row[0], "quarantine_original", column, _show(expected), _show(kept))
        if target is not None:
            if resolved:
                outcome.notes["quarantined, resolved by staff, and present in the target"] += 1
            else:
                outcome.find(self.table, row[0], "quarantined_but_present", None, "quarantined", "present")
        elif not resolved and reason == "missing_reference":
            self._judge_missing_reference(row, outcome)

    def _judge_missing_reference(self, row: tuple, outcome: _UnitOutcome) -> None:
        """A row set aside for pointing to a missing row, although every row it points to is there."""


class _KnownTableChecker(_TableChecker):
    """Rows of a table the contract knows: converted again and compared value by value."""

    def __init__(self, *, table: _Table, context: ImportContext):
        self.table = table
        self.context = context
        self.converter = RowConverter(
            mapping=table.mapping, source_columns=table.columns, context=context, plaintexts=True
        )
        self.target_columns = list(self.converter.target_columns)
        self.target_name = table.target_table
        self.has_extras = bool(self.converter.extra_columns)
        self.is_users = table.key == USERS_KEY
        model = apps.get_model(table.mapping.model)
        fields = {f.column: f for f in model._meta.concrete_fields}
        spec = SPECS[(table.source_file, table.source_table)]
        position = {name: index + 1 for index, name in enumerate(table.columns)}
        index = {name: i for i, name in enumerate(self.target_columns)}
        self.money = [i for i, c in enumerate(self.target_columns) if isinstance(fields.get(c), models.DecimalField)]
        self.uuids = [i for i, c in enumerate(self.target_columns) if _holds_uuid(fields.get(c))]
        self.json = [i for i, c in enumerate(self.target_columns) if isinstance(fields.get(c), models.JSONField)]
        self.inet = [
            i for i, c in enumerate(self.target_columns) if isinstance(fields.get(c), models.GenericIPAddressField)
        ]
        # Fernet tokens differ on every encryption: the plaintexts are what must be equal.
        self.fernet = [
            (index[target_of(name, col)], position[name])
            for name, col in spec.columns.items()
            if col.kind == "fernet" and name in position
        ]
        self.password = index.get("password") if self.is_users else None
        self.login_columns = {index[c] for c in ("last_login", "updated_at") if c in index} if self.is_users else set()
        self.plain = [i for i in range(len(self.target_columns)) if i not in set(self.json)]
        # UUIDs as their 16 bytes, which is how the converter hands them out (cheaper than UUID objects);
        # JSON as text, parsed here: a binary jsonb string would be indistinguishable from JSON text.
        casts = {self.target_columns[i]: "uuid_send({})" for i in self.uuids}
        casts.update({self.target_columns[i]: "{}::text" for i in self.json})
        compared = [casts[c].format(_quote(c)) if c in casts else _quote(c) for c in self.target_columns]
        self.select_list = ['"id"', *compared]
        self.expiring = table.expires_column is not None
        # (target position, column, parent table): foreign keys, and audit_logs.user_id (a plain UUID).
        self.references = [
            (index[f.column], f.column, f.related_model._meta.db_table)
            for f in model._meta.concrete_fields
            if f.is_relation and f.target_field.column == "id" and f.column in index
        ]
        self.foreign_keys = list(self.references)
        # Source positions of the legacy user ids whose users must exist (or have a placeholder).
        self.user_positions = [
            position[name]
            for name, col in spec.columns.items()
            if col.kind == "user" and name in position and table.key != USERS_KEY
        ]
        if table.key == "mingus.db:audit_logs" and "user_id" in index:
            self.references.append((index["user_id"], "user_id", "users"))  # a plain UUID: counted, a note
        self.simple = not (self.json or self.inet or self.fernet)
        self.quick = self.simple and not self.has_extras
        # With the compiled encoder, target rows come as binary tuples and most rows are checked byte
        # for byte against the source row encoded as the import writes it; Fernet tokens differ on
        # every encryption, so their plaintexts are compared, and kept extras are checked here.
        self.comparer = row_codec.build_comparer(
            converter=self.converter, json_equal=_json_texts_surely_equal, plaintext_of=_plaintext_of
        )
        if self.comparer is not None:
            self.copy_list = ", ".join(_quote(c) for c in self.target_columns)
            self._loader = _tuple_loader(self.converter.pg_types, set(self.uuids), set(self.json))

    def check(self, row: tuple, target, quarantine, extras, outcome: _UnitOutcome) -> None:
        converter = self.converter
        rowid = row[0]
        if self.expiring and converter.is_expired(row):
            outcome.skipped += 1
            if target is not None:
                outcome.find(self.table, rowid, "skipped_but_present", None, "expired at the run's cut-off", "present")
            return
        if quarantine is not None:
            self._quarantined(row, target, quarantine, outcome)
            return
        try:
            expected = converter.convert(row)
        except (TransformError, ids.RowidOutOfRange) as exc:
            where = "present in the target" if target is not None else "not in the target"
            outcome.find(self.table, rowid, "not_quarantined", None, f"does not convert: {exc}", where)
            return
        if target is None:
            outcome.find(self.table, rowid, "missing", None, "source row", "no target row")
            return
        outcome.compared += 1
        if self._same(row, expected, target, outcome):
            outcome.matched += 1
        if self.has_extras:
            self._check_extras(row, extras, outcome)

    def parsed(self, target):
        if self.comparer is None or target is None:
            return target
        return self._loader(target)

    def check_range(self, low: int, high: int, quarantine: dict, extras: dict, outcome: _UnitOutcome) -> None:
        """The unit's rows through the C loop (``RowComparer.range_check``): only unusual rows reach Python."""
        table = self.table
        target, copy_format = _target_records(self, low, high)
        where = {"path": _STATE.snapshot[table.source_file], "table": table.source_table, "columns": table.columns}
        with open_reader(**where, first=low, last=high) as reader:
            references = self._reference_parents() if copy_format else None
            users = _legacy_users() if self.user_positions else None
            check = self.comparer.range_check(
                reader=reader,
                target=target,
                quarantined=list(quarantine),
                keep_matched=self.has_extras,
                copy_format=copy_format,
                references=[(position, parents) for (position, *_), parents in references] if references else None,
                users=(users, ids.namespace("mingus.db", "users"), self.user_positions) if users else None,
            )
            while (item := check.next()) is not None:
                kind, rowid, row, target_row = item
                if kind == row_codec.RANGE_UNEXPECTED:
                    self.check_unexpected(rowid, self.parsed(target_row), outcome)
                    continue
                self.check_with_records(row, target_row, quarantine, extras, outcome)
        outcome.compared += check.matched
        outcome.matched += check.matched
        outcome.skipped += check.skipped
        outcome.source_rows += check.source_rows
        outcome.target_rows += check.target_rows
        if references is not None:
            for ((_position, column, _parent), _parents), count in zip(references, check.dangling(), strict=True):
                outcome.dangling[column] += count
            outcome.references_checked = True
        outcome.orphans.update(check.orphans())
        outcome.orphans_checked = users is not None or not self.user_positions
        if self.has_extras:
            self._check_matched_extras(check.matched_rowids(), extras, outcome)

    def _judge_missing_reference(self, row: tuple, outcome: _UnitOutcome) -> None:
        # The import sets a row aside when a row it points to is not in the target; if every one of
        # them is there, the import got the order of the tables wrong (or it was added since).
        try:
            values = self.converter.convert(row)
        except (TransformError, ids.RowidOutOfRange):
            return
        for position, _column, parent in self.foreign_keys:
            value = values[position]
            if value is None:
                continue
            parents = _parent_ids(parent)
            if parents is None or not parents.contains(_uuid_bytes(value)):
                return
        outcome.find(
            self.table, row[0], "quarantined_needlessly", None, "every row it points to is in the target",
            "quarantined as missing_reference",
        )  # fmt: skip

    def _reference_parents(self) -> list[tuple[tuple[int, str, str], object]] | None:
        """Each reference with the ids of its parent table (read once per process), or None."""
        found = []
        for reference in self.references:
            parents = _parent_ids(reference[2])
            if parents is None:
                return None
            found.append((reference, parents))
        return found

    def _check_matched_extras(self, rowids: list[int], extras: dict, outcome: _UnitOutcome) -> None:
        """The kept extras of rows whose columns matched in C (the rest were checked with their rows)."""
        table = self.table
        selected = ", ".join(_quote(c) for c in table.columns)
        with open_snapshot(_STATE.snapshot[table.source_file]) as conn:
            for row in rows_by_rowid(conn, table=table.source_table, selected=selected, rowids=rowids):
                self._check_extras(row, extras.pop(row[0], None), outcome)

    def matches_quickly(self, row: tuple, target: tuple, quarantine: dict, extras: dict) -> bool:
        # The common case in as few steps as possible; anything unusual goes through check().
        if self.comparer is not None:
            if quarantine and row[0] in quarantine:
                return False
            if self.expiring and self.converter.is_expired(row):
                return False
            return self.comparer.same(row, target)
        if not self.quick or (quarantine and row[0] in quarantine):
            return False
        if self.expiring and self.converter.is_expired(row):
            return False
        try:
            expected = self.converter.convert(row)
        except (TransformError, ids.RowidOutOfRange):
            return False
        for i in self.uuids:
            if expected[i].__class__ is uuid.UUID:
                expected[i] = expected[i].bytes
        for i in self.money:
            if expected[i].__class__ is float:
                expected[i] = Decimal(repr(expected[i]))
        return tuple(expected) == target[1:]

    def _same(self, row: tuple, expected: list, target: tuple, outcome: _UnitOutcome) -> bool:
        # Both sides in one representation whatever the converter hands out: UUIDs as bytes, money as
        # Decimal. Most rows then compare equal in one step; the rest are judged column by column.
        for i in self.uuids:
            if expected[i].__class__ is uuid.UUID:
                expected[i] = expected[i].bytes
        for i in self.money:
            if expected[i].__class__ is float:
                expected[i] = Decimal(repr(expected[i]))
        if self.simple:
            actual = target[1:]
            if tuple(expected) == actual:
                return True
            return self._differences(row, expected, list(actual), outcome)
        actual = list(target[1:])
        for i in self.json:
            if expected[i].__class__ is JsonText:
                if _json_texts_surely_equal(expected[i].text, actual[i]):
                    expected[i] = actual[i] = True  # equal: nothing left to compare
                    continue
                expected[i] = expected[i].value
            actual[i] = _load_json(actual[i])
        for i in self.inet:
            actual[i] = _ip(actual[i])
        for i, _source_index in self.fernet:
            # The converter decrypted the source token with the legacy keys (plaintexts=True).
            actual[i] = _project_plaintext(actual[i])
        if expected == actual and all(_bools_match(expected[i], actual[i]) for i in self.json):
            return True
        return self._differences(row, expected, actual, outcome)

    def _differences(self, row: tuple, expected: list, actual: list, outcome: _UnitOutcome) -> bool:
        for i in self.money:
            expected[i] = _cents(expected[i])
            actual[i] = _cents(actual[i])
        differing = [i for i in self.plain if not _same_value(expected[i], actual[i])]
        differing += [i for i in self.json if not _same_json(expected[i], actual[i])]
        if self.password in differing and _rehashed_since_import(actual[self.password]):
            # Django re-hashes a carried-over werkzeug hash at the first sign-in, and records the sign-in.
            for i in [self.password, *sorted(self.login_columns)]:
                if i in differing:
                    differing.remove(i)
                    outcome.notes[f"{self.target_columns[i]} changed by a sign-in since the import"] += 1
        if not differing:
            return True
        # One finding per row in the counts, every differing column in the examples.
        outcome.findings["differs"] += 1
        for i in sorted(differing):
            column = self.target_columns[i]
            outcome.columns[column] += 1
            shown = (self._show(i, expected[i]), self._show(i, actual[i]))
            outcome.find(self.table, row[0], "differs", column, *shown, count=False)
        return False

    def _show(self, index: int, value) -> str | None:
        if index in self.uuids and isinstance(value, bytes) and len(value) == 16:
            return str(uuid.UUID(bytes=value))
        return _show(value, money=index in self.money)

    def _check_extras(self, row: tuple, kept, outcome: _UnitOutcome) -> None:
        expected = self.converter.extras(row)
        if expected is None and kept is None:
            return
        if kept is None:
            outcome.find(self.table, row[0], "extras", None, _show(expected), "no extras row")
            return
        target_table, target_id, data = kept
        owner = (self.target_name, _uuid_bytes(self.converter.uuid_for(row[0])))
        owned = (target_table, _uuid_bytes(target_id)) == owner
        if owned and data == json.dumps(expected):
            return  # jsonb printed exactly what json writes: the same document (anything else is parsed)
        actual = json.loads(data)
        if not owned or actual != expected:
            outcome.find(self.table, row[0], "extras", None, _show(expected), _show(actual))

    def check_unexpected(self, rowid: int, target: tuple, outcome: _UnitOutcome) -> None:
        if self.is_users:
            values = dict(zip(self.target_columns, target[1:], strict=True))
            if values.get("legacy_status") == "placeholder":
                outcome.placeholder_rows += 1
                if self._looks_like_placeholder(rowid, values):
                    # Whether its user id is really referenced and deleted is for the parent to say.
                    outcome.placeholder_rowids.append(rowid)
                    return
        super().check_unexpected(rowid, target, outcome)

    @staticmethod
    def _looks_like_placeholder(rowid: int, values: dict) -> bool:
        # README "Email variants and orphans": one inactive account per deleted user whose rows remain.
        return (
            values.get("email") == f"deleted-user-{rowid}@legacy.invalid"
            and values.get("is_active") is False
            and str(values.get("password", "")).startswith("!")
        )


class _UnknownTableChecker(_TableChecker):
    """Rows of a table the contract does not know: kept whole in ops_legacy_extras."""

    target_columns = ["id", "source_file", "source_table", "source_rowid", "target_table", "target_id", "data"]

    def __init__(self, *, table: _Table):
        self.table = table
        self.target_name = table.target_table
        self.select_list = ['"id"', *(_quote(c) for c in self.target_columns[:-1]), '"data"::text']
        self.namespace = ids.namespace(table.source_file, table.source_table)

    def check(self, row: tuple, target, quarantine, extras, outcome: _UnitOutcome) -> None:
        rowid = row[0]
        if quarantine is not None:
            self._quarantined(row, target, quarantine, outcome)
            return
        if not 0 <= rowid < ids.ROWID_LIMIT:
            where = "present in the target" if target is not None else "not in the target"
            outcome.find(self.table, rowid, "not_quarantined", None, f"rowid {rowid} is outside 0..2^48", where)
            return
        if target is None:
            outcome.find(self.table, rowid, "missing", None, "source row", "no row in ops_legacy_extras")
            return
        outcome.compared += 1
        data = {name: describe_value(value) for name, value in zip(self.table.columns, row[1:], strict=True)}
        expected = [
            uuid.UUID(int=ids.uuid_int(self.namespace, rowid)),
            self.table.source_file,
            self.table.source_table,
            rowid,
            None,
            None,
            data,
        ]
        actual = [*target[1:-1], _load_json(target[-1])]
        if expected == actual:
            outcome.matched += 1
            return
        outcome.findings["differs"] += 1
        for column, want, have in zip(self.target_columns, expected, actual, strict=True):
            if want != have:
                outcome.columns[column] += 1
                outcome.find(self.table, rowid, "differs", column, _show(want), _show(have), count=False)


# --------------------------------------------------------------------------------------------
# Value normalisation
# --------------------------------------------------------------------------------------------


class _Unreadable(str):
    """A target value that cannot be read back (a token no project key decrypts)."""

    __slots__ = ()


def _cents(value):
    # In integer cents, a float from the converter and a Decimal from PostgreSQL agree when the amounts do.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        scaled = value.scaleb(2)
        return int(scaled) if scaled == scaled.to_integral_value() else value
    if isinstance(value, float):
        scaled = round(value * 100)
        return scaled if abs(value * 100 - scaled) < 1e-6 * max(1.0, abs(value)) else value
    return value


def _holds_uuid(model_field) -> bool:
    if model_field is None:
        return False
    if model_field.is_relation:
        model_field = model_field.target_field
    return isinstance(model_field, models.UUIDField)


def _uuid_bytes(value):
    return value.bytes if isinstance(value, uuid.UUID) else value


# A run of digits orjson may not hold exactly (beyond 64-bit integers); json keeps it whole.
_LONG_DIGITS = re.compile(r"\d{16}")


def _json_texts_surely_equal(source: str, target) -> bool:
    """True only when two JSON texts hold the same document, true/false and 1/1.0 told apart.

    orjson parses both and writes them back with sorted keys; equal bytes
    mean equal documents. False means "compare the slow way" (``_same``),
    not "different": jsonb writes 1e2 as 100, and a run of 16 or more digits
    may be an integer beyond orjson's 64 bits, which json keeps exactly.
    """
    if type(target) is not str or _LONG_DIGITS.search(source) or _LONG_DIGITS.search(target):
        return False
    try:
        return orjson.dumps(orjson.loads(source), option=orjson.OPT_SORT_KEYS) == orjson.dumps(
            orjson.loads(target), option=orjson.OPT_SORT_KEYS
        )
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return False


def _load_json(value):
    return json.loads(value) if isinstance(value, str) else value


def _ip(value):
    if value is None or not isinstance(value, str):
        return value
    try:
        return ipaddress.ip_address(value.split("/", 1)[0])
    except ValueError:
        return value


def _plaintext_of(token: bytes) -> bytes | None:
    """A target token's plaintext under the project keyring (for the C comparison), or None."""
    try:
        return crypto.decrypt_bytes(token)
    except (crypto.DecryptionError, UnicodeError, ValueError, TypeError):
        return None


def _project_plaintext(token) -> bytes | _Unreadable | None:
    if token is None:
        return None
    try:
        return crypto.decrypt_bytes(token)
    except crypto.DecryptionError:
        return _Unreadable("no project key decrypts the target token")


def _same_value(a, b) -> bool:
    if isinstance(a, _Unreadable) or isinstance(b, _Unreadable):
        return False
    return a == b and (type(a) is bool) == (type(b) is bool)


def _bools_match(a, b) -> bool:
    """For two JSON documents already ``==``: whether every true/false faces a true/false.

    Python's ``==`` takes true for 1 and false for 0; containers that are
    ``==`` have the same shape, so only the leaves need a look.
    """
    if type(a) is dict:
        pairs = ((value, b[key]) for key, value in a.items())
    elif type(a) is list:
        pairs = zip(a, b, strict=True)
    else:
        return (type(a) is bool) is (type(b) is bool)
    for value, other in pairs:
        kind = type(value)
        if kind is dict or kind is list:
            if not _bools_match(value, other):
                return False
        elif (kind is bool) is not (type(other) is bool):
            return False
    return True


def _same_json(a, b) -> bool:
    """JSON equality as jsonb keeps it: numbers by value, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(value, b[key]) for key, value in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_json, a, b))
    return type(a) is type(b) and a == b


def _rehashed_since_import(stored) -> bool:
    # A carried-over hash keeps its werkzeug_ prefix; "!" marks the importer's unusable ones.
    return isinstance(stored, str) and "$" in stored and not stored.startswith(("werkzeug_", "!"))


def _show(value, *, money: bool = False) -> str | None:
    """A value as short text for the report (plaintexts as a digest, never in clear)."""
    if value is None:
        return None
    if money and isinstance(value, int) and not isinstance(value, bool):
        text = str(Decimal(value).scaleb(-2))
    elif isinstance(value, bytes):
        text = f"{len(value)} bytes, sha256 {hashlib.sha256(value).hexdigest()[:16]}"
    elif isinstance(value, _Unreadable):
        text = f"<{value}>"
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        text = str(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _show_row(columns: list[str], row: tuple) -> str:
    return _show({c: _show(v) for c, v in zip(columns, row, strict=False) if c != "id"})


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | uuid.UUID | datetime | date):
        return str(value)
    return value


# --------------------------------------------------------------------------------------------
# Aggregate checks (run in the parent, beside the row check)
# --------------------------------------------------------------------------------------------


class _SourceFiles:
    """Read-only connections to the snapshot, with the rows the import set aside excluded on demand."""

    def __init__(self, *, state: _State):
        self.state = state
        self.connections: dict[str, sqlite3.Connection] = {}
        self.kept: dict[str, str] = {}
        self.quarantined_rowids: dict[str, list[int]] = {}

    def conn(self, source_file: str) -> sqlite3.Connection:
        conn = self.connections.get(source_file)
        if conn is None:
            conn = self.connections[source_file] = open_snapshot(self.state.snapshot[source_file])
            conn.text_factory = decode_text
        return conn

    def keep(self, table: _Table) -> str:
        """An SQL condition true for the rows that belong in the target (not quarantined, not expired)."""
        condition = self.kept.get(table.key)
        if condition is None:
            name = f"_excluded_{len(self.kept)}"
            conn = self.conn(table.source_file)
            conn.execute(f"CREATE TEMP TABLE {name} (rowid INTEGER PRIMARY KEY)")
            rowids = QuarantinedRow.objects.filter(
                source_file=table.source_file, source_table=table.source_table
            ).values_list("source_rowid", flat=True)
            conn.executemany(f"INSERT OR IGNORE INTO temp.{name} VALUES (?)", ((r,) for r in rowids.iterator()))  # noqa: S608
            condition = f"rowid NOT IN (SELECT rowid FROM temp.{name})"  # noqa: S608
            if table.expires_column:
                condition += f" AND NOT {_expired_sql(table.expires_column)}"
            self.kept[table.key] = condition
        return condition

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()


def _expired_sql(column: str) -> str:
    # The documented rule, in SQL: a numeric expiry before the run's cut-off is a dead row.
    quoted = _quote(column)
    return f"(typeof({quoted}) IN ('integer', 'real') AND {quoted} < :cutoff)"


def _check_sources(*, state: _State, sources: _SourceFiles, section: CheckSection) -> None:
    recorded = state.run.source_checksums or {}
    for name in sorted(set(recorded) | set(state.snapshot), key=_file_order):
        actual = state.checksums.get(name)
        expected = recorded.get(name)
        section.items.append({"file": name, "recorded": expected, "now": actual, "ok": expected == actual})
        if expected is None:
            section.notes.append(f"{name} is in the source directory but was not there at the import")
        elif actual is None:
            section.problems.append(f"{name} was imported but is no longer in the source directory")
        elif expected != actual:
            section.problems.append(
                f"sources changed since the import: {name} has SHA-256 {actual[:16]}…, "
                f"the run recorded {expected[:16]}…"
            )


def _file_order(name: str) -> tuple[int, str]:
    return (LEGACY_FILES.index(name) if name in LEGACY_FILES else len(LEGACY_FILES), name)


def _check_counts(*, state: _State, section: CheckSection, totals: dict[str, _UnitOutcome]) -> None:
    """Source rows = target rows - placeholders + quarantined + skipped, per table.

    The target's rows are those the row check read over each table's whole UUID
    range (its units cover every rowid); the source's are counted by SQLite.
    """
    sources = _SourceFiles(state=state)
    try:
        _count_identity(state=state, sources=sources, section=section, totals=totals)
    finally:
        sources.close()


def _count_identity(*, state: _State, sources: _SourceFiles, section: CheckSection, totals) -> None:
    quarantined = {
        (row["source_file"], row["source_table"]): row["n"]
        for row in QuarantinedRow.objects.values("source_file", "source_table").annotate(n=Count("id"))
    }
    chunk_fields = ("rows_read", "rows_inserted", "rows_present", "rows_quarantined", "rows_skipped")
    chunks = {
        (row["source_file"], row["source_table"]): row
        for row in ImportChunk.objects.filter(run=state.run)
        .values("source_file", "source_table")
        .annotate(**{name: Sum(name) for name in chunk_fields})
    }
    for key, table in state.tables.items():
        total = totals[key]
        target, placeholders = total.target_rows, total.placeholder_rows
        skipped = 0
        if table.expires_column:
            conn = sources.conn(table.source_file)
            query = f"SELECT count(*) FROM {_quote(table.source_table)} WHERE {_expired_sql(table.expires_column)}"  # noqa: S608
            (skipped,) = conn.execute(query, {"cutoff": state.context.cache_cutoff_epoch}).fetchone()
        kept_aside = quarantined.get((table.source_file, table.source_table), 0)
        accounted = target - placeholders + kept_aside + skipped
        chunk = chunks.get((table.source_file, table.source_table))
        item = {
            "table": key,
            "target_table": table.target_table,
            "source_rows": table.row_count,
            "target_rows": target,
            "placeholders": placeholders,
            "quarantined": kept_aside,
            "skipped": skipped,
            "ok": accounted == table.row_count,
            "chunks": {name.removeprefix("rows_"): chunk[name] for name in chunk_fields} if chunk else None,
        }
        section.items.append(item)
        if accounted != table.row_count:
            section.problems.append(
                f"{key}: {table.row_count} source rows, but {target - placeholders} in {table.target_table} "
                f"+ {kept_aside} quarantined + {skipped} skipped = {accounted}"
            )
        section.problems.extend(_chunk_differences(key, item, chunk))
    if USERS_KEY in state.tables:
        placeholders = next(i["placeholders"] for i in section.items if i["table"] == USERS_KEY)
        section.notes.append(
            f"{placeholders} placeholder account(s) for {len(state.orphans)} deleted user id(s) the sources refer to"
        )


def _chunk_differences(key: str, item: dict, chunk: dict | None) -> list[str]:
    if chunk is None:
        return [f"{key}: the run has no chunk for this table"] if item["source_rows"] else []
    problems = []
    imported = chunk["rows_inserted"] + chunk["rows_present"]
    for label, recorded, found in (
        ("read", chunk["rows_read"], item["source_rows"]),
        ("inserted + already present", imported, item["target_rows"] - item["placeholders"]),
        ("quarantined", chunk["rows_quarantined"], item["quarantined"]),
        ("skipped", chunk["rows_skipped"], item["skipped"]),
    ):
        if recorded != found:
            problems.append(f"{key}: the run's chunks say {label} {recorded}, the data says {found}")
    return problems


def _check_references(*, state: _State, section: CheckSection, totals: dict[str, _UnitOutcome]) -> None:
    """No reference points to a missing row.

    The C row check counts them over every target row of every unit against
    the parent's ids (``dangling``); a table any unit of which was checked
    another way is counted here in SQL instead.
    """
    for key, table in state.tables.items():
        if table.mapping is None:
            continue
        total = totals.get(key)
        model = apps.get_model(table.mapping.model)
        for model_field in model._meta.concrete_fields:
            if not model_field.is_relation:
                continue
            parent = model_field.related_model._meta
            dangling = _dangling(table, total, model_field.column, parent.db_table, model_field.target_field.column)
            section.items.append(
                {
                    "table": key,
                    "column": f"{table.target_table}.{model_field.column}",
                    "parent": parent.db_table,
                    "user": parent.db_table == "users",
                    "dangling": dangling,
                }
            )
            if dangling:
                section.problems.append(
                    f"{key}: {dangling} row(s) of {table.target_table}.{model_field.column} "
                    f"point to no {parent.db_table} row"
                )
        if key == "mingus.db:audit_logs":
            # A plain UUID by design (entries about deleted users keep their subject): reported, not a failure.
            dangling = _dangling(table, total, "user_id", "users", "id")
            if dangling:
                section.notes.append(f"{key}: {dangling} legacy audit entries name a user that no longer exists")
    extras = LegacyExtra._meta.db_table
    for key, table in state.tables.items():
        if table.mapping is None:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {extras} e WHERE e.source_file = %s AND e.source_table = %s "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {_quote(table.target_table)} t WHERE t.id = e.target_id)",
                [table.source_file, table.source_table],
            )
            (dangling,) = cursor.fetchone()
        if dangling:
            section.items.append(
                {"table": key, "column": f"{extras}.target_id", "parent": table.target_table, "dangling": dangling}
            )
            section.problems.append(f"{key}: {dangling} kept extras belong to no {table.target_table} row")


def _dangling(table: _Table, total: _UnitOutcome | None, column: str, parent_table: str, parent_column: str) -> int:
    """Rows of ``table`` whose ``column`` names no ``parent_table`` row (the C row check's count, else SQL's)."""
    if total is not None and total.references_checked and parent_column == "id":
        return total.dangling[column]
    low, high = table.bounds
    return _count_dangling(table.target_table, column, parent_table, parent_column, low, high)


def _count_dangling(child: str, column: str, parent: str, parent_column: str, low, high) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {_quote(child)} c WHERE c.id BETWEEN %s AND %s "  # noqa: S608
            f"AND c.{_quote(column)} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {_quote(parent)} p WHERE p.{_quote(parent_column)} = c.{_quote(column)})",
            [low, high],
        )
        return cursor.fetchone()[0]


def _check_money(*, state: _State, sources: _SourceFiles, section: CheckSection) -> None:
    for key, table in state.tables.items():
        if table.mapping is None:
            continue
        model = apps.get_model(table.mapping.model)
        spec = SPECS[(table.source_file, table.source_table)]
        sources_of = {
            target_of(name, col): (name, col.kind)
            for name, col in spec.columns.items()
            if col.kind in _MONEY_KINDS and name in table.columns
        }
        compared = []
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, models.DecimalField) or model_field.decimal_places != 2:
                continue
            if model_field.column not in sources_of:
                section.notes.append(f"{key}: {table.target_table}.{model_field.column} has no legacy source column")
                continue
            compared.append((model_field.column, *sources_of[model_field.column]))
        if not compared:
            continue
        try:
            source = _source_money(sources, table, [(name, kind) for _, name, kind in compared])
        except ValueError as exc:
            section.problems.append(f"{key}.{exc}")  # "column: what is wrong"
            continue
        low, high = table.bounds
        sums = ", ".join(f"sum({_quote(column)}), count({_quote(column)})" for column, _, _ in compared)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {sums} FROM {_quote(table.target_table)} WHERE id BETWEEN %s AND %s",  # noqa: S608
                [low, high],
            )
            target = cursor.fetchone()
        for number, (column, source_column, _kind) in enumerate(compared):
            source_cents, source_values = source[number]
            total, target_values = target[2 * number], target[2 * number + 1]
            target_cents = int((total or Decimal(0)).scaleb(2))
            ok = source_cents == target_cents
            section.items.append(
                {
                    "table": key,
                    "column": f"{table.target_table}.{column}",
                    "source_column": source_column,
                    "source_sum": str(Decimal(source_cents).scaleb(-2)),
                    "target_sum": str(Decimal(target_cents).scaleb(-2)),
                    "source_values": source_values,
                    "target_values": target_values,
                    "ok": ok,
                }
            )
            if not ok:
                difference = Decimal(target_cents - source_cents).scaleb(-2)
                section.problems.append(
                    f"{key}: sum of {table.target_table}.{column} is {Decimal(target_cents).scaleb(-2)}, "
                    f"the source says {Decimal(source_cents).scaleb(-2)} (difference {difference:+})"
                )


def _source_money(sources: _SourceFiles, table: _Table, columns: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Cents and count of non-NULL values of source money columns, over the rows that belong in the target.

    One pass over the table for all its columns; display amounts (text) are parsed here, the
    others summed by SQLite.
    """
    conn = sources.conn(table.source_file)
    keep = sources.keep(table)
    name = _quote(table.source_table)
    params = {"cutoff": sources.state.context.cache_cutoff_epoch}
    selected = []
    for column, kind in columns:
        quoted = _quote(column)
        if kind == "money":
            selected.append(f"sum(CAST(round({quoted} * 100) AS INTEGER)), count({quoted})")
        elif kind == "dollars":
            selected.append(f"sum({quoted} * 100), count({quoted})")
        else:
            selected.append(f"NULL, count({quoted})")
    query = f"SELECT {', '.join(selected)} FROM {name} WHERE {keep}"  # noqa: S608
    row = conn.execute(query, params).fetchone()
    results = []
    for number, (column, kind) in enumerate(columns):
        if kind in ("money", "dollars"):
            results.append((int(row[2 * number] or 0), row[2 * number + 1]))
            continue
        total = count = 0
        quoted = _quote(column)
        query = f"SELECT {quoted} FROM {name} WHERE {keep} AND {quoted} IS NOT NULL"  # noqa: S608
        for (text,) in conn.execute(query, params):
            try:
                total += display_cents(text)
            except ValueError as exc:
                raise ValueError(f"{column}: {exc}") from None
            count += 1
        results.append((total, count))
    return results


def display_cents(text) -> int:
    """Cents of a legacy display amount (``$1,234.56``, ``-$12.00``, ``($12.00)``); ValueError otherwise.

    Deliberately written apart from the importer's parser: the money check is
    only independent if it does not share the code it checks.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a display amount")
    body = text.strip()
    negative = False
    if body.startswith("(") and body.endswith(")"):
        body, negative = body[1:-1], True
    if body.startswith("-"):
        body, negative = body[1:], not negative
    if not body.startswith("$"):
        raise ValueError(f"{text!r} is not a display amount")
    dollars, _, cents = body[1:].replace(",", "").partition(".")
    if not dollars.isdigit() or not (cents == "" or (len(cents) == 2 and cents.isdigit())):
        raise ValueError(f"{text!r} is not a display amount")
    value = int(dollars) * 100 + int(cents or "0")
    return -value if negative else value


# --------------------------------------------------------------------------------------------
# Sample queries
# --------------------------------------------------------------------------------------------


def _check_queries(*, state: _State, sources: _SourceFiles, section: CheckSection) -> None:
    for key, function in (
        ("mingus.db:daily_cashflow", _query_cashflow),
        ("mingus.db:user_expense_due_dates", _query_bills),
        ("mingus.db:user_health_checkins", _query_checkins),
    ):
        table = state.tables.get(key)
        if table is None:
            continue
        for item in function(state=state, sources=sources, table=table):
            section.items.append(item)
            if not item["ok"]:
                section.problems.append(
                    f"{item['query']} for legacy user {item['user']} ({item['period']}): "
                    f"source {_show(item['source'])}, target {_show(item['target'])}"
                )


def _busiest_users(sources: _SourceFiles, table: _Table, where: str = "1", params: dict | None = None) -> list[int]:
    conn = sources.conn(table.source_file)
    query = (
        f"SELECT user_id FROM {_quote(table.source_table)} "  # noqa: S608
        f"WHERE {sources.keep(table)} AND typeof(user_id) = 'integer' AND {where} "
        f"GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT {_QUERY_USERS}"
    )
    return [
        row[0] for row in conn.execute(query, {"cutoff": sources.state.context.cache_cutoff_epoch, **(params or {})})
    ]


def _latest_month(conn: sqlite3.Connection, rows: str, user: int, column: str) -> tuple[date, date]:
    (month,) = conn.execute(
        f"SELECT max(substr({column}, 1, 7)) FROM {rows} WHERE user_id = :user",  # noqa: S608
        {"user": user},
    ).fetchone()
    first = date.fromisoformat(f"{month}-01")
    return first, (first + timedelta(days=32)).replace(day=1)


def _rows_of_users(sources: _SourceFiles, table: _Table, users: list[int]) -> str:
    """A temporary table of the rows of ``users`` that belong in the target: one scan, then small queries."""
    conn = sources.conn(table.source_file)
    name = _quote(f"_rows_of_users_{table.source_table}")
    params = {f"u{number}": user for number, user in enumerate(users)}
    wanted = ", ".join(f":{key}" for key in params) or "NULL"
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(
        f"CREATE TEMP TABLE {name} AS SELECT rowid AS source_rowid, * FROM {_quote(table.source_table)} "  # noqa: S608
        f"WHERE {sources.keep(table)} AND user_id IN ({wanted})",
        {**params, "cutoff": sources.state.context.cache_cutoff_epoch},
    )
    return f"temp.{name}"


def _query_cashflow(*, state: _State, sources: _SourceFiles, table: _Table) -> Iterator[dict]:
    """A user's month of cash flow: days, income, expenses and the closing balance of the last day."""
    conn = sources.conn(table.source_file)
    low, high = table.bounds
    users = _busiest_users(sources, table)
    rows = _rows_of_users(sources, table, users)
    for user in users:
        first, after = _latest_month(conn, rows, user, "date")
        params = {"user": user, "first": first.isoformat(), "after": after.isoformat()}
        where = "user_id = :user AND date >= :first AND date < :after"
        days, income, expenses = conn.execute(
            f"SELECT count(*), sum(CAST(round(income * 100) AS INTEGER)), "  # noqa: S608
            f"sum(CAST(round(expenses * 100) AS INTEGER)) FROM {rows} WHERE {where}",
            params,
        ).fetchone()
        last = conn.execute(
            f"SELECT date, CAST(round(closing_balance * 100) AS INTEGER) FROM {rows} "  # noqa: S608
            f"WHERE {where} ORDER BY date DESC, source_rowid LIMIT 1",
            params,
        ).fetchone()
        source = {
            "days": days,
            "income": _dollars(income),
            "expenses": _dollars(expenses),
            "last_day": last[0] if last else None,
            "closing_balance": _dollars(last[1]) if last else None,
        }
        with connection.cursor() as cursor:
            target_where = "user_id = %s AND date >= %s AND date < %s AND id BETWEEN %s AND %s"
            arguments = [ids.user_uuid(user), first, after, low, high]
            cursor.execute(
                f"SELECT count(*), sum(income), sum(expenses) FROM daily_cashflow WHERE {target_where}",  # noqa: S608
                arguments,
            )
            days, income, expenses = cursor.fetchone()
            cursor.execute(
                f"SELECT date, closing_balance FROM daily_cashflow WHERE {target_where} ORDER BY date DESC, id LIMIT 1",  # noqa: S608
                arguments,
            )
            last = cursor.fetchone()
        target = {
            "days": days,
            "income": _decimal(income),
            "expenses": _decimal(expenses),
            "last_day": last[0].isoformat() if last else None,
            "closing_balance": _decimal(last[1]) if last else None,
        }
        yield _query_item("cash flow of a month", user, first.strftime("%Y-%m"), source, target)


def _query_bills(*, state: _State, sources: _SourceFiles, table: _Table) -> Iterator[dict]:
    """Upcoming bills: active expense due dates in the 30 days from the run's cut-off (the import's "now")."""
    conn = sources.conn(table.source_file)
    low, high = table.bounds
    start = state.cutoff.astimezone(UTC).date()
    end = start + timedelta(days=_BILL_WINDOW_DAYS - 1)
    # Legacy due dates are MM/DD/YYYY text and booleans may be text: both read per LEGACY.md.
    iso = "substr(due_date, 7, 4) || '-' || substr(due_date, 1, 2) || '-' || substr(due_date, 4, 2)"
    window = f"{iso} BETWEEN :start AND :end AND is_active IN (1, '1', 'true', 'True')"
    params = {"start": start.isoformat(), "end": end.isoformat()}
    users = _busiest_users(sources, table, window, params)
    selected = _rows_of_users(sources, table, users)
    for user in users:
        rows = conn.execute(
            f"SELECT {iso}, amount, expense_type FROM {selected} WHERE user_id = :user AND {window}",  # noqa: S608
            {**params, "user": user},
        ).fetchall()
        source = sorted((day, _dollars(display_cents(amount)), kind) for day, amount, kind in rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT due_date, amount, expense_type FROM user_expense_due_dates WHERE user_id = %s "
                "AND due_date BETWEEN %s AND %s AND is_active AND id BETWEEN %s AND %s",
                [ids.user_uuid(user), start, end, low, high],
            )
            target = sorted((day.isoformat(), _decimal(amount), kind) for day, amount, kind in cursor.fetchall())
        period = f"{start} to {end}"
        yield _query_item("upcoming bills", user, period, [list(b) for b in source], [list(b) for b in target])


def _query_checkins(*, state: _State, sources: _SourceFiles, table: _Table) -> Iterator[dict]:
    """A user's health check-ins of a month: how many, and the average stress level."""
    conn = sources.conn(table.source_file)
    low, high = table.bounds
    users = _busiest_users(sources, table)
    rows = _rows_of_users(sources, table, users)
    for user in users:
        first, after = _latest_month(conn, rows, user, "checkin_date")
        count, stress_sum, stress_count = conn.execute(
            f"SELECT count(*), sum(stress_level), count(stress_level) FROM {rows} "  # noqa: S608
            "WHERE user_id = :user AND checkin_date >= :first AND checkin_date < :after",
            {"user": user, "first": first.isoformat(), "after": after.isoformat()},
        ).fetchone()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), sum(stress_level), count(stress_level) FROM user_health_checkins "
                "WHERE user_id = %s AND checkin_date >= %s AND checkin_date < %s AND id BETWEEN %s AND %s",
                [ids.user_uuid(user), first, after, low, high],
            )
            target_count, target_sum, target_stress_count = cursor.fetchone()
        source = {"checkins": count, "average_stress": _average(stress_sum, stress_count)}
        target = {"checkins": target_count, "average_stress": _average(target_sum, target_stress_count)}
        yield _query_item("health check-ins of a month", user, first.strftime("%Y-%m"), source, target)


def _query_item(query: str, user: int, period: str, source, target) -> dict:
    return {"query": query, "user": user, "period": period, "source": source, "target": target, "ok": source == target}


def _dollars(cents: int | None) -> str | None:
    return None if cents is None else str(Decimal(cents).scaleb(-2))


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _average(total, count) -> str | None:
    # Sum and count are exact on both sides; the average is their quotient, rounded alike.
    return None if not count else str((Decimal(total) / Decimal(count)).quantize(Decimal("0.0001")))


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
