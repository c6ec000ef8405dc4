"""What a directory of legacy SQLite files holds, compared with the contract, before anything is imported.

``assess_legacy_dir`` reads the files through ``open_legacy_readonly`` (never
writing to them or creating anything next to them) and reports, per file:
presence and sizes, journal mode and pending WAL frames, ``integrity_check``,
and per table the row count, the storage classes actually stored in each
column (``typeof()``), and drift from ``contract/*.sql``. ``render_assessment``
turns the result into the terminal report of ``manage.py assess_sqlite``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mingus.db import quote_identifier
from ops.legacy.contract import TableSpec, load_contract, read_table_specs
from ops.legacy.mapping import LEGACY_FILES, NAME_CONFLICTS, get_mapping
from ops.legacy.sqlite_backup import (
    DEFAULT_BUSY_TIMEOUT,
    SIDECAR_SUFFIXES,
    SQLITE_MAGIC,
    LegacyFileError,
    OpenedFile,
    WalInfo,
    explain_sqlite_error,
    integrity_check,
    open_legacy_readonly,
)

STORAGE_CLASSES = ("integer", "real", "text", "blob", "null")


@dataclass
class ColumnReport:
    name: str
    declared_type: str
    storage: dict[str, int]  # storage class -> rows, classes with no rows left out
    in_contract: bool = True
    contract_type: str | None = None  # set when the declared type differs from the contract's

    @property
    def mixed(self) -> bool:
        """More than one non-null storage class: e.g. text booleans in an INTEGER column."""
        return sum(1 for kind in self.storage if kind != "null") > 1


@dataclass
class TableReport:
    name: str
    in_contract: bool
    target_table: str | None  # the unified table the mapping sends it to
    row_count: int | None = None
    wal_only_rows: int | None = None  # rows the main file alone lacks (committed only in the -wal)
    columns: list[ColumnReport] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)  # "name TYPE" of contract columns not here
    constraint_differences: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def extra_columns(self) -> list[str]:
        return [column.name for column in self.columns if not column.in_contract]

    @property
    def type_differences(self) -> list[str]:
        return [
            f"{column.name}: {column.declared_type or '(none)'}, contract {column.contract_type or '(none)'}"
            for column in self.columns
            if column.contract_type is not None
        ]

    @property
    def drift(self) -> bool:
        return bool(
            not self.in_contract
            or self.missing_columns
            or self.extra_columns
            or self.type_differences
            or self.constraint_differences
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["columns"] = [dict(asdict(column), mixed=column.mixed) for column in self.columns]
        data.update(extra_columns=self.extra_columns, type_differences=self.type_differences, drift=self.drift)
        return data


@dataclass
class FileReport:
    name: str
    present: bool
    size: int | None = None
    wal_size: int | None = None
    shm_size: int | None = None
    journal_size: int | None = None
    opened: str | None = None
    journal_mode: str | None = None
    page_size: int | None = None
    page_count: int | None = None
    freelist_count: int | None = None
    wal: WalInfo | None = None
    integrity: list[str] | None = None
    integrity_seconds: float = 0.0
    tables: list[TableReport] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # missing, locked, corrupt, unreadable
    seconds: float = 0.0

    @property
    def extra_tables(self) -> list[str]:
        return [table.name for table in self.tables if not table.in_contract]

    @property
    def rows(self) -> int:
        return sum(table.row_count or 0 for table in self.tables)

    @property
    def problems(self) -> list[str]:
        """What makes this file unusable for an import (drift is not a problem: it is reported)."""
        if not self.present:
            return [f"{self.name}: missing"]
        if self.error:
            return [f"{self.name}: {self.error}"]
        problems = []
        if self.integrity != ["ok"]:
            problems.append(f"{self.name}: integrity_check: {'; '.join(self.integrity or ['not run'])}")
        problems += [f"{self.name}: table {t.name}: {t.error}" for t in self.tables if t.error]
        return problems

    def to_dict(self) -> dict:
        data = asdict(self)
        data["tables"] = [table.to_dict() for table in self.tables]
        data.update(extra_tables=self.extra_tables, rows=self.rows, problems=self.problems)
        return data


@dataclass
class ExtraFile:
    name: str
    size: int | None
    kind: str


@dataclass
class ConflictResolution:
    source_file: str
    target_table: str
    model: str
    note: str
    present: bool  # the table exists in that file in the assessed directory


@dataclass
class NameConflict:
    table: str
    resolutions: list[ConflictResolution]


@dataclass
class Assessment:
    directory: str
    created_at: str
    sqlite_version: str
    files: list[FileReport]
    extra_files: list[ExtraFile]
    conflicts: list[NameConflict]
    seconds: float

    @property
    def problems(self) -> list[str]:
        return [problem for report in self.files for problem in report.problems]

    @property
    def ok(self) -> bool:
        """Every contract file is present and readable (drift does not count)."""
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "directory": self.directory,
            "created_at": self.created_at,
            "sqlite_version": self.sqlite_version,
            "seconds": self.seconds,
            "ok": self.ok,
            "problems": self.problems,
            "files": [report.to_dict() for report in self.files],
            "extra_files": [asdict(extra) for extra in self.extra_files],
            "conflicts": [asdict(conflict) for conflict in self.conflicts],
        }


def assess_legacy_dir(*, directory: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Assessment:
    """Assess the five legacy files in ``directory`` against the contract; reads only.

    Raises ``FileNotFoundError`` if ``directory`` is not a directory. Anything
    wrong with a file (missing, locked, not a database, failing
    ``integrity_check``) is recorded in its ``FileReport``, never raised.
    """
    started = time.perf_counter()
    directory = Path(directory).absolute()
    if not directory.is_dir():
        raise FileNotFoundError(f"legacy directory {directory} does not exist or is not a directory")
    contract = load_contract()
    # sqlite3 releases the GIL while a query runs, so threads scan the files in parallel.
    with ThreadPoolExecutor(max_workers=min(len(LEGACY_FILES), os.cpu_count() or 1)) as pool:
        files = list(pool.map(lambda name: _assess_file(directory / name, contract[name], busy_timeout), LEGACY_FILES))
    return Assessment(
        directory=str(directory),
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        sqlite_version=sqlite3.sqlite_version,
        files=files,
        extra_files=_extra_files(directory),
        conflicts=_conflicts(files),
        seconds=round(time.perf_counter() - started, 3),
    )


# ---------------------------------------------------------------------------
# One file
# ---------------------------------------------------------------------------


def _assess_file(path: Path, contract: dict[str, TableSpec], busy_timeout: float) -> FileReport:
    started = time.perf_counter()
    report = FileReport(name=path.name, present=path.is_file())
    if not report.present:
        report.error, report.error_kind = "missing", "missing"
        return report
    report.size = path.stat().st_size
    report.wal_size, report.shm_size, report.journal_size = (
        _size(Path(f"{path}{suffix}")) for suffix in SIDECAR_SUFFIXES
    )
    try:
        with open_legacy_readonly(path, busy_timeout=busy_timeout) as opened:
            report.opened, report.wal = opened.how, opened.wal
            _read_file(report, opened, contract, busy_timeout)
    except LegacyFileError as error:
        report.error, report.error_kind = error.problem, error.kind
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _read_file(report: FileReport, opened: OpenedFile, contract: dict[str, TableSpec], busy_timeout: float) -> None:
    connection = opened.connection
    try:
        # An immutable open reports "delete" whatever the file is; the header's WAL flag tells the truth.
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        report.journal_mode = "wal" if opened.wal_mode else mode
        report.page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        report.page_count = connection.execute("PRAGMA page_count").fetchone()[0]
        report.freelist_count = connection.execute("PRAGMA freelist_count").fetchone()[0]
        actual = read_table_specs(connection=connection)
    except sqlite3.Error as error:
        failure = explain_sqlite_error(report.name, error, busy_timeout=busy_timeout)
        report.error, report.error_kind = failure.problem, failure.kind
        return
    checked = time.perf_counter()
    report.integrity = integrity_check(connection=connection)
    report.integrity_seconds = round(time.perf_counter() - checked, 3)
    main_counts = _main_file_counts(opened, list(actual))
    for name, spec in actual.items():
        table = _assess_table(connection, report.name, spec, _lookup(contract, name))
        if table.row_count is not None and main_counts is not None:
            table.wal_only_rows = table.row_count - main_counts.get(name, 0)
        report.tables.append(table)
    present = {name.lower() for name in actual}
    report.missing_tables = [name for name in contract if name.lower() not in present]


def _assess_table(
    connection: sqlite3.Connection, file_name: str, spec: TableSpec, contract: TableSpec | None
) -> TableReport:
    started = time.perf_counter()
    mapping = get_mapping(source_file=file_name, source_table=spec.name) if contract else None
    table = TableReport(
        name=spec.name, in_contract=contract is not None, target_table=mapping.target_table if mapping else None
    )
    try:
        table.row_count, storage = _storage_classes(connection, spec)
    except sqlite3.Error as error:
        table.error = f"cannot be read: {error}"
        storage = {}
    for column in spec.columns:
        expected = contract.column(column.name) if contract else None
        report = ColumnReport(
            name=column.name,
            declared_type=column.declared_type,
            storage=storage.get(column.name, {}),
            in_contract=contract is None or expected is not None,
        )
        if expected is not None:
            if _normal_type(expected.declared_type) != _normal_type(column.declared_type):
                report.contract_type = expected.declared_type
            table.constraint_differences += _constraint_differences(column, expected)
        table.columns.append(report)
    if contract is not None:
        table.missing_columns = [
            f"{column.name} {column.declared_type}".strip()
            for column in contract.columns
            if spec.column(column.name) is None
        ]
    table.seconds = round(time.perf_counter() - started, 3)
    return table


def _storage_classes(connection: sqlite3.Connection, spec: TableSpec) -> tuple[int, dict[str, dict[str, int]]]:
    """Row count and ``{column: {storage class: rows}}`` in a single scan of the table.

    ``count(col)`` gives the non-null rows without calling typeof(); blob is
    what is left, so each column costs three typeof() comparisons.
    """
    expressions = ["count(*)"]
    for column in spec.columns:
        quoted = quote_identifier(column.name)
        expressions += [f"count({quoted})"]
        expressions += [f"total(typeof({quoted}) = '{kind}')" for kind in ("integer", "real", "text")]
    sql = f"SELECT {', '.join(expressions)} FROM {quote_identifier(spec.name)}"  # noqa: S608 - quoted identifiers
    values = connection.execute(sql).fetchone()
    rows = values[0]
    storage = {}
    for index, column in enumerate(spec.columns):
        non_null, integer, real, text = (int(value) for value in values[1 + 4 * index : 5 + 4 * index])
        counts = dict(
            zip(STORAGE_CLASSES, (integer, real, text, non_null - integer - real - text, rows - non_null), strict=True)
        )
        storage[column.name] = {kind: count for kind, count in counts.items() if count}
    return rows, storage


def _main_file_counts(opened: OpenedFile, tables: list[str]) -> dict[str, int] | None:
    """Row counts of the main file alone (the -wal ignored), or None when no -wal holds anything."""
    if opened.main_file_uri is None:
        return None
    try:
        main = sqlite3.connect(opened.main_file_uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        present = {row[0] for row in main.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        return {
            table: main.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0]  # noqa: S608
            for table in tables
            if table in present
        }
    except sqlite3.Error:
        # A checkpoint running while we read the main file alone can show a torn state; skip the split then.
        return None
    finally:
        main.close()


def _constraint_differences(column, expected) -> list[str]:
    differences = []
    if column.not_null != expected.not_null:
        here, there = ("NOT NULL", "nullable") if column.not_null else ("nullable", "NOT NULL")
        differences.append(f"{column.name}: {here}, contract {there}")
    if (column.default or None) != (expected.default or None):
        differences.append(f"{column.name}: default {column.default}, contract {expected.default}")
    if bool(column.primary_key) != bool(expected.primary_key):
        here = "primary key" if column.primary_key else "not primary key"
        differences.append(f"{column.name}: {here}, contract {'primary key' if expected.primary_key else 'not'}")
    return differences


def _lookup(contract: dict[str, TableSpec], name: str) -> TableSpec | None:
    # SQLite table names are case-insensitive.
    for table_name, spec in contract.items():
        if table_name.lower() == name.lower():
            return spec
    return None


def _normal_type(declared: str) -> str:
    return " ".join(declared.upper().split())


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


# ---------------------------------------------------------------------------
# Directory-level facts
# ---------------------------------------------------------------------------


def _extra_files(directory: Path) -> list[ExtraFile]:
    known = {f"{name}{suffix}" for name in LEGACY_FILES for suffix in ("", *SIDECAR_SUFFIXES)}
    extras = []
    for entry in sorted(directory.iterdir()):
        if entry.name in known:
            continue
        if entry.is_dir():
            extras.append(ExtraFile(name=entry.name, size=None, kind="directory"))
            continue
        size = entry.stat().st_size if entry.is_file() else None
        extras.append(ExtraFile(name=entry.name, size=size, kind=_kind_of(entry)))
    return extras


def _kind_of(path: Path) -> str:
    for suffix in SIDECAR_SUFFIXES:
        if path.name.endswith(suffix):
            return f"{suffix} of {path.name.removesuffix(suffix)}, not a contract file"
    try:
        with open(path, "rb") as handle:
            is_sqlite = handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return "unreadable"
    if is_sqlite:
        return "SQLite database not in the contract (not imported)"
    return "not an SQLite database"


def _conflicts(files: list[FileReport]) -> list[NameConflict]:
    tables = {(report.name, table.name.lower()) for report in files for table in report.tables}
    return [
        NameConflict(
            table=name,
            resolutions=[
                ConflictResolution(
                    source_file=mapping.source_file,
                    target_table=mapping.target_table,
                    model=mapping.model,
                    note=mapping.note,
                    present=(mapping.source_file, name.lower()) in tables,
                )
                for mapping in mappings
            ],
        )
        for name, mappings in NAME_CONFLICTS.items()
    ]


# ---------------------------------------------------------------------------
# Terminal report
# ---------------------------------------------------------------------------

_LEGEND = (
    "markers: * more than one non-null storage class   + not in the contract   "
    "- in the contract, missing here   ~ declared type or constraint differs from the contract"
)


def render_assessment(assessment: Assessment, *, all_columns: bool = True) -> str:
    """The assessment as an aligned plain-text report; ``all_columns=False`` lists only flagged columns."""
    present = sum(1 for report in assessment.files if report.present)
    lines = [
        f"Legacy SQLite assessment of {assessment.directory}",
        f"{present} of {len(assessment.files)} contract files present · SQLite {assessment.sqlite_version} · "
        f"{assessment.created_at} · {assessment.seconds:.2f} s",
        _LEGEND,
    ]
    for report in assessment.files:
        lines += ["", *_render_file(report, all_columns=all_columns)]
    lines += ["", "Other files in the directory"]
    if assessment.extra_files:
        rows = [[extra.name, _bytes(extra.size), extra.kind] for extra in assessment.extra_files]
        lines += _table(["name", "size", "what"], rows, indent=2, right=(1,))
    else:
        lines.append("  none")
    lines += ["", "Table names used by two files, and where each goes"]
    rows = [
        [conflict.table, item.source_file, item.target_table, item.model, "" if item.present else "(not present)"]
        for conflict in assessment.conflicts
        for item in conflict.resolutions
    ]
    lines += _table(["legacy table", "file", "unified table", "model", ""], rows, indent=2)
    lines.append("")
    problems = assessment.problems
    if problems:
        lines.append(f"NOT READY: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        lines += [f"  - {problem}" for problem in problems]
    else:
        drift = sum(1 for report in assessment.files for table in report.tables if table.drift)
        drift += sum(len(report.missing_tables) for report in assessment.files)
        lines.append(f"All {len(assessment.files)} files readable; {drift} table(s) with drift from the contract.")
    return "\n".join(lines) + "\n"


def _render_file(report: FileReport, *, all_columns: bool) -> list[str]:
    if not report.present:
        return [f"== {report.name} == MISSING"]
    status = "OK" if not report.problems else ("ERROR" if report.error else "INTEGRITY FAILED")
    sidecars = ", ".join(
        f"{suffix} {_bytes(size)}"
        for suffix, size in zip(SIDECAR_SUFFIXES, (report.wal_size, report.shm_size, report.journal_size), strict=True)
        if size is not None
    )
    lines = [
        f"== {report.name} == {status} · {_bytes(report.size)}"
        + (f" ({sidecars})" if sidecars else "")
        + f" · {report.seconds:.2f} s"
    ]
    if report.error:
        return [*lines, f"   {report.error}"]
    lines.append(f"   opened       {report.opened}")
    lines.append(
        f"   journal      {report.journal_mode}; {report.page_count:,} pages of {report.page_size:,} bytes, "
        f"{report.freelist_count:,} free"
    )
    if report.wal is not None:
        wal_rows = [table.wal_only_rows for table in report.tables if table.wal_only_rows is not None]
        split = (
            f"; {sum(wal_rows):,} rows live only there (not yet checkpointed into the main file)" if wal_rows else ""
        )
        lines.append(
            f"   -wal         {report.wal.frames:,} committed frames in {report.wal.commits:,} transactions "
            f"({report.wal.frames_in_file:,} frames by size){split}"
        )
    integrity = "; ".join(report.integrity or [])
    lines.append(f"   integrity    {integrity} ({report.integrity_seconds:.2f} s)")
    in_contract = sum(1 for table in report.tables if table.in_contract)
    lines.append(
        f"   tables       {len(report.tables)} ({in_contract} of {in_contract + len(report.missing_tables)} "
        f"contract tables), {report.rows:,} rows"
    )
    lines.append("")
    rows = []
    for table in report.tables:
        marker = "+" if not table.in_contract else ("~" if table.drift else " ")
        wal = "-" if table.wal_only_rows is None else f"{table.wal_only_rows:,}"
        rows.append(
            [
                marker,
                table.name,
                "?" if table.row_count is None else f"{table.row_count:,}",
                wal,
                table.target_table or "-",
                f"{table.seconds:.2f} s",
            ]
        )
    rows += [["-", name, "-", "-", "", ""] for name in report.missing_tables]
    lines += _table(["", "table", "rows", "in -wal only", "unified table", "scan"], rows, indent=2, right=(2, 3, 5))
    for table in report.tables:
        lines += _render_columns(table, all_columns=all_columns)
    return lines


def _render_columns(table: TableReport, *, all_columns: bool) -> list[str]:
    rows = []
    for column in table.columns:
        marker = "+" if not column.in_contract else "~" if column.contract_type is not None else ""
        marker = ("*" + marker if column.mixed else marker).ljust(2)
        if not all_columns and not marker.strip():
            continue
        storage = ", ".join(f"{kind} {count:,}" for kind, count in column.storage.items()) or "(no rows)"
        note = f"contract: {column.contract_type or '(none)'}" if column.contract_type is not None else ""
        rows.append([marker, column.name, column.declared_type, storage, note])
    for missing in table.missing_columns:
        name, _, declared = missing.partition(" ")
        rows.append(["- ", name, declared, "", "in the contract, missing here"])
    notes = [f"     ~ {difference}" for difference in table.constraint_differences]
    if table.error:
        notes.append(f"     ! {table.error}")
    if not rows and not notes:
        return []
    return ["", f"  {table.name}", *_table(["", "column", "declared", "storage classes", ""], rows, indent=4), *notes]


def _table(header: list[str], rows: list[list[str]], *, indent: int, right: tuple[int, ...] = ()) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            str(cell).rjust(w) if i in right else str(cell).ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return (" " * indent + "  ".join(parts)).rstrip()

    return [line(header), *(line(row) for row in rows)]


def _bytes(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size:,} B"
