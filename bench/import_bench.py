"""Benchmark the legacy import against pgloader and raw COPY, on one machine, in one run.

For each scale: generate (or reuse) the synthetic legacy sample, then load it into
a fresh PostgreSQL database per method and measure wall-clock time and peak RSS:

* ``import``   ``manage.py import_sqlite`` (after an untimed ``migrate``), then
  ``manage.py validate_import``, timed on its own;
* ``pgloader`` the five files copied one to one into five schemas, one after another,
  with pgloader's defaults (tables, indexes, primary and foreign keys);
* ``copy``     the physical limit: every table exported to CSV beforehand, then
  ``COPY ... FROM STDIN`` into index-free tables of the same shape; the primary
  keys and legacy indexes are built afterwards and timed separately.

    .venv/bin/python bench/import_bench.py --scales 100,1000

See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
PYTHON = sys.executable

LEGACY_STEMS = ("mingus", "business_intelligence", "cache", "performance_metrics", "alerts")
METHODS = ("pgloader", "copy", "import", "validate")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

RSS_SAMPLE_SECONDS = 0.2
FLOAT_DRIFT_SAMPLE = 1000  # values compared per float4 column pgloader created
TAIL_LINES = 15
PGLOADER_INSTALL_HINT = "pgloader not found on PATH; install it with: apt-get update && apt-get install -y pgloader"

# Targets the import must meet (see bench/README.md).
TARGET_IMPORT_VS_PGLOADER = 1.5  # import throughput / pgloader throughput, at least
TARGET_IMPORT_VS_COPY = 0.5  # import throughput / raw COPY throughput, at least
TARGET_VALIDATE_VS_IMPORT = 0.5  # validate time / import time, at most
TARGET_IMPORT_RSS_MB = 500  # peak RSS of the import at the largest scale, below


class BenchError(Exception):
    """A problem that stops the benchmark, with a message meant for the user."""


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class MethodResult:
    """What every method reports. ``rows`` is the source row count it was given."""

    method: str = ""
    status: str = "not run"  # ok | failed | skipped | not run
    rows: int = 0
    seconds: float | None = None
    peak_rss_mb: float | None = None
    # Proportional set size: pages shared between the forked workers counted once.
    peak_pss_mb: float | None = None
    error: str | None = None
    load_before: float | None = None  # 1-minute load average when the timed step started
    cpu_seconds: float | None = None  # user + system of the method's processes, its workers included
    postgres_cpu_seconds: float | None = None  # of the local PostgreSQL server meanwhile (None: not local)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.seconds)

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.seconds else None

    def record_run(self, run: Measured) -> None:
        """Take what a method's one timed run measured besides its time: peak memory, load before, CPU."""
        self.peak_rss_mb, self.peak_pss_mb, self.load_before = run.peak_rss_mb, run.peak_pss_mb, run.load_before
        self.add_cpu(run)

    def add_cpu(self, run: Measured) -> None:
        """Count a timed run's CPU (pgloader's five processes add up)."""
        self.cpu_seconds = (self.cpu_seconds or 0.0) + run.cpu_seconds
        if run.postgres_cpu_seconds is not None:
            self.postgres_cpu_seconds = (self.postgres_cpu_seconds or 0.0) + run.postgres_cpu_seconds

    def to_json(self) -> dict:
        return {**asdict(self), "rows_per_second": self.rows_per_second}


@dataclass
class PgloaderResult(MethodResult):
    method: str = "pgloader"
    exit_codes: dict[str, int] = field(default_factory=dict)
    rows_reported: int | None = None  # what pgloader's own summary says it loaded
    rows_in_postgres: int | None = None  # count(*) afterwards
    rows_lost: int | None = None  # source rows - rows_in_postgres
    lost_tables: list[dict] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)  # post-load steps with errors (foreign keys...)
    error_lines: int = 0
    error_samples: list[str] = field(default_factory=list)
    crashes: dict[str, str] = field(default_factory=dict)  # file stem -> why pgloader died, when it says
    type_map: list[dict] = field(default_factory=list)  # legacy declared type -> PostgreSQL type
    float4_drift: list[dict] = field(default_factory=list)  # sampled values changed by REAL -> real
    logs: str | None = None


@dataclass
class CopyResult(MethodResult):
    method: str = "copy"
    rows_copied: int | None = None
    index_seconds: float | None = None
    indexes_built: int = 0
    index_errors: list[str] = field(default_factory=list)
    type_fallbacks: list[dict] = field(default_factory=list)
    csv_bytes: int = 0

    @property
    def total_seconds(self) -> float | None:
        if self.seconds is None or self.index_seconds is None:
            return None
        return self.seconds + self.index_seconds

    @property
    def total_rows_per_second(self) -> float | None:
        return self.rows / self.total_seconds if self.total_seconds else None

    def to_json(self) -> dict:
        return {
            **super().to_json(),
            "copy_plus_indexes_seconds": self.total_seconds,
            "copy_plus_indexes_rows_per_second": self.total_rows_per_second,
        }


@dataclass
class ImportResult(MethodResult):
    method: str = "import_sqlite"
    exit_code: int | None = None
    migrate_seconds: float | None = None
    report_json: str | None = None
    report_totals: dict | None = None  # the "totals" of the import's own report, when it has one
    logs: str | None = None


@dataclass
class ValidateResult(MethodResult):
    method: str = "validate_import"
    exit_code: int | None = None
    logs: str | None = None


@dataclass
class ScaleResult:
    scale: float
    seed: int
    sample_dir: str
    source_rows: int = 0
    source_rows_by_table: dict[str, int] = field(default_factory=dict)
    pgloader: PgloaderResult = field(default_factory=PgloaderResult)
    copy: CopyResult = field(default_factory=CopyResult)
    import_: ImportResult = field(default_factory=ImportResult)
    validate: ValidateResult = field(default_factory=ValidateResult)

    def ratios(self) -> dict[str, float | None]:
        """Throughput ratios (same source rows, so time ratios) and the validate share."""
        imp = self.import_

        def ratio(numerator: float | None, denominator: float | None) -> float | None:
            return numerator / denominator if numerator and denominator else None

        return {
            "import_vs_pgloader": ratio(self.pgloader.seconds, imp.seconds) if imp.ok and self.pgloader.ok else None,
            "import_vs_copy": ratio(self.copy.seconds, imp.seconds) if imp.ok and self.copy.ok else None,
            "import_vs_copy_plus_indexes": ratio(self.copy.total_seconds, imp.seconds)
            if imp.ok and self.copy.ok
            else None,
            "validate_vs_import": ratio(self.validate.seconds, imp.seconds) if imp.ok and self.validate.ok else None,
        }

    def to_json(self) -> dict:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "sample_dir": self.sample_dir,
            "source_rows": self.source_rows,
            "source_rows_by_table": self.source_rows_by_table,
            "methods": {
                "pgloader": self.pgloader.to_json(),
                "copy": self.copy.to_json(),
                "import": self.import_.to_json(),
                "validate": self.validate.to_json(),
            },
            "ratios": self.ratios(),
        }


@dataclass
class LegacyIndex:
    name: str
    columns: list[str]
    unique: bool


@dataclass
class SourceTable:
    """One table of one legacy file, as the SQLite catalog describes it."""

    stem: str
    name: str
    columns: list[tuple[str, str]]  # (name, declared type)
    primary_key: list[str]
    indexes: list[LegacyIndex]
    rows: int

    @property
    def key(self) -> str:
        return f"{self.stem}.{self.name}"


@dataclass
class Measured:
    """One subprocess run: exit code, wall-clock seconds, peak RSS of its process tree."""

    returncode: int
    seconds: float
    peak_rss_mb: float
    peak_pss_mb: float
    stdout: Path
    stderr: Path
    load_before: float  # 1-minute load average at the start: other work on the machine skews figures
    cpu_seconds: float  # user + system of the process and every descendant it waited for
    postgres_cpu_seconds: float | None  # of the local PostgreSQL server meanwhile; None when it is not local

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last lines of stderr (of stdout when stderr is empty)."""
        for path in (self.stderr, self.stdout):
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                return "\n".join(text.splitlines()[-lines:])
        return ""


@dataclass
class Context:
    """Settings shared by every method of a run."""

    pg_url: str
    keep: bool
    skip: set[str]


# ---------------------------------------------------------------------------
# Helpers: processes, PostgreSQL, SQLite
# ---------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, flush=True)


def tree_memory(process: psutil.Process) -> tuple[int, int]:
    """Summed RSS and summed PSS of a process and all its descendants, in bytes.

    RSS counts every page a forked worker shares with its parent once per
    process; PSS divides each shared page among the processes that map it, so
    its sum is the memory the tree really holds. Both are reported.
    """
    rss = pss = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        with suppress(psutil.Error):  # it may exit between the listing and the reading
            info = member.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)  # PSS is Linux-only; elsewhere RSS stands in
    return rss, pss


def run_measured(cmd: list[str], *, log_base: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` to completion, sampling its process tree's RSS every 0.2 s.

    stdout and stderr go to ``log_base.out`` / ``log_base.err``. On any exception
    (Ctrl-C included) the child is terminated before the exception propagates.
    """
    log_base.parent.mkdir(parents=True, exist_ok=True)
    stdout, stderr = log_base.with_suffix(".out"), log_base.with_suffix(".err")
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        load_before = os.getloadavg()[0]
        cpu_before, postgres_before = _children_cpu_seconds(), postgres_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=env, cwd=PROJECT_DIR)
        peak = peak_pss = 0
        try:
            try:
                watched = psutil.Process(proc.pid)
            except psutil.NoSuchProcess:
                watched = None
            while True:
                if watched is not None:
                    rss, pss = tree_memory(watched)
                    peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                try:
                    proc.wait(timeout=RSS_SAMPLE_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
            seconds = time.perf_counter() - started
            cpu = _children_cpu_seconds() - cpu_before
            postgres_after = postgres_cpu_seconds()
            postgres = None if postgres_before is None or postgres_after is None else postgres_after - postgres_before
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return Measured(
        proc.returncode, seconds, peak / 2**20, peak_pss / 2**20, stdout, stderr, load_before, cpu, postgres
    )


def _children_cpu_seconds() -> float:
    times = os.times()
    return times.children_user + times.children_system


def postgres_cpu_seconds() -> float | None:
    """CPU-seconds the PostgreSQL servers on this machine have used so far; None if none runs here.

    Backends come and go within a timed step: once one has ended, its postmaster has
    reaped it and its time counts in the postmaster's ``children_*``; those still
    running count on their own. The difference of two readings is what the server
    spent in between, whichever sessions did the work.
    """
    total, found = 0.0, False
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] != "postgres":
            continue
        with suppress(psutil.Error):
            if psutil.Process(process.info["ppid"]).name() == "postgres":
                continue  # a backend or helper: counted with its postmaster below
        with suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
            for child in process.children():
                with suppress(psutil.Error):
                    times = child.cpu_times()
                    total += times.user + times.system
            found = True
    return total if found else None


def database_url(base_url: str, dbname: str, scheme: str) -> str:
    """``base_url`` with its database replaced by ``dbname`` (and its scheme by ``scheme``)."""
    parts = urlsplit(base_url)
    return urlunsplit((scheme, parts.netloc, "/" + dbname, parts.query, ""))


def admin_connect(ctx: Context) -> psycopg.Connection:
    return psycopg.connect(ctx.pg_url, autocommit=True, connect_timeout=10)


def create_database(ctx: Context, name: str) -> None:
    """A fresh, empty database (dropping a leftover of an earlier run)."""
    with admin_connect(ctx) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(ctx: Context, name: str) -> None:
    if ctx.keep:
        log(f"  kept database {name} (--keep)")
        return
    try:
        with admin_connect(ctx) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        log(f"  WARNING: could not drop database {name}: {exc}")


def checkpoint(ctx: Context) -> None:
    """Flush dirty buffers before a timed step, so it does not pay for the previous one.

    PostgreSQL's (``CHECKPOINT``), then the kernel's (``sync``): the untimed
    set-up just wrote a copy of the sample or its CSV files, and Linux writes
    such pages back about 30 s later, in the middle of the timed step (at
    scale 1000, 1.9 GB more written to disk during an import that followed
    the copy of its sample).
    """
    try:
        with admin_connect(ctx) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.Error:
        pass  # not a superuser: the measurement is just a little noisier
    os.sync()


def remove_tree(path: Path, ctx: Context) -> None:
    if not ctx.keep:
        shutil.rmtree(path, ignore_errors=True)


def qi(name: str) -> str:
    """A quoted SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def sqlite_readonly(path: Path) -> sqlite3.Connection:
    """Read-only: sees the rows still in the -wal file but never checkpoints it."""
    return sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)


def snapshot_legacy(legacy_dir: Path, dest: Path) -> Path:
    """Copy the five files (with their -wal/-shm files) so that a method cannot alter the sample.

    Opening a WAL-mode file read-write and closing it checkpoints the -wal rows
    into the main file (pgloader does this): each method gets its own copy.
    """
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for stem in LEGACY_STEMS:
        for suffix in ("", "-wal", "-shm"):
            source = legacy_dir / f"{stem}.db{suffix}"
            if source.exists():
                shutil.copy2(source, dest / source.name)
    return dest


def read_catalog(directory: Path) -> list[SourceTable]:
    """Every table of the five files: columns, primary key, declared indexes, row count."""
    tables = []
    for stem in LEGACY_STEMS:
        path = directory / f"{stem}.db"
        if not path.exists():
            raise BenchError(f"legacy file missing: {path}")
        with closing(sqlite_readonly(path)) as conn:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
                )
            ]
            for name in names:
                info = conn.execute(f"PRAGMA table_info({qi(name)})").fetchall()
                indexes = []
                for _seq, index_name, unique, origin, _partial in conn.execute(f"PRAGMA index_list({qi(name)})"):
                    if origin == "pk":
                        continue
                    columns = [row[2] for row in conn.execute(f"PRAGMA index_info({qi(index_name)})")]
                    if None not in columns:  # expression indexes are left out
                        indexes.append(LegacyIndex(index_name, columns, bool(unique)))
                tables.append(
                    SourceTable(
                        stem=stem,
                        name=name,
                        columns=[(row[1], row[2]) for row in info],
                        primary_key=[row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])],
                        indexes=indexes,
                        rows=conn.execute(f"SELECT count(*) FROM {qi(name)}").fetchone()[0],  # noqa: S608
                    )
                )
    return tables


# ---------------------------------------------------------------------------
# The legacy sample
# ---------------------------------------------------------------------------


def scale_label(scale: float) -> str:
    """100 -> "100", 0.5 -> "0_5": usable in directory and database names."""
    return str(int(scale)) if float(scale).is_integer() else str(scale).replace(".", "_")


def prepare_sample(scale: float, seed: int, legacy_dir: Path) -> dict:
    """Generate the sample once per scale and seed; reuse it when sample-info.json matches."""
    info_path = legacy_dir / "sample-info.json"
    if info_path.exists():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if info.get("seed") == seed and float(info.get("scale", -1)) == float(scale):
            log(f"  reusing the sample in {legacy_dir} ({info.get('total_rows', '?'):,} rows)")
            return info
        log(f"  {legacy_dir} holds another sample (scale {info.get('scale')}, seed {info.get('seed')}): regenerating")
    if legacy_dir.exists():
        shutil.rmtree(legacy_dir)  # an interrupted or different generation

    sys.path.insert(0, str(PROJECT_DIR))
    try:
        from ops.legacy.sample import make_legacy_sample  # written by another team: may be missing
    except Exception as exc:
        raise BenchError(
            "the sample generator is not importable yet "
            f"(from ops.legacy.sample import make_legacy_sample: {type(exc).__name__}: {exc})"
        ) from exc

    log(f"  generating the legacy sample (scale {scale}, seed {seed}) into {legacy_dir} ...")
    started = time.perf_counter()
    make_legacy_sample(directory=legacy_dir, scale=scale, seed=seed)
    log(f"  generated in {time.perf_counter() - started:.1f} s (not part of any measurement)")
    return json.loads(info_path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Method (a): manage.py import_sqlite, then validate_import
# ---------------------------------------------------------------------------


def bench_import(
    ctx: Context, label: str, legacy_dir: Path, scale_dir: Path, info: dict, rows: int
) -> tuple[ImportResult, ValidateResult]:
    result, validate = ImportResult(rows=rows), ValidateResult(rows=rows)
    dbname = f"bench_import_{label}"
    work = scale_dir / "import"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(ctx.pg_url, dbname, "postgres"),
        "DEBUG": "true",
        "LEGACY_FERNET_KEYS": info.get("legacy_fernet_keys", ""),
    }
    report = scale_dir / "import-report.json"
    report.unlink(missing_ok=True)
    result.logs = str(work)
    validate.logs = str(work)
    source = snapshot_legacy(legacy_dir, work / "legacy")
    create_database(ctx, dbname)
    try:
        compile_project()
        log("  import: manage.py migrate (not timed) ...")
        migrate = run_measured([PYTHON, "manage.py", "migrate", "--no-input"], log_base=work / "migrate", env=env)
        result.migrate_seconds = migrate.seconds
        if migrate.returncode != 0:
            result.status, result.exit_code = "failed", migrate.returncode
            result.error = f"manage.py migrate exited with {migrate.returncode}:\n{migrate.tail()}"
            validate.status, validate.error = "skipped", "the import did not run"
            return result, validate

        checkpoint(ctx)
        log("  import: manage.py import_sqlite (timed) ...")
        # The sample's cache expires relative to its own "now", not today's: without the
        # cut-off every cache row would be skipped and the import would do less work.
        cutoff = ["--cache-cutoff", info["reference_now"]] if info.get("reference_now") else []
        run = run_measured(
            [PYTHON, "manage.py", "import_sqlite", source, "--report-json", report, *cutoff],
            log_base=work / "import_sqlite",
            env=env,
        )
        result.exit_code, result.seconds = run.returncode, run.seconds
        result.record_run(run)
        if report.exists():
            result.report_json = str(report)
            with suppress(ValueError, AttributeError):
                result.report_totals = json.loads(report.read_text(encoding="utf-8")).get("totals")
        if run.returncode != 0:
            result.status = "failed"
            result.error = f"manage.py import_sqlite exited with {run.returncode}:\n{run.tail()}"
            validate.status, validate.error = "skipped", "the import failed"
            return result, validate
        result.status = "ok"
        log(f"  import: {run.seconds:.2f} s, peak RSS {run.peak_rss_mb:.0f} MB, PSS {run.peak_pss_mb:.0f} MB")

        if "validate" in ctx.skip:
            validate.status = "skipped"
            return result, validate
        checkpoint(ctx)
        log("  validate: manage.py validate_import (timed) ...")
        check = run_measured([PYTHON, "manage.py", "validate_import"], log_base=work / "validate_import", env=env)
        validate.exit_code, validate.seconds = check.returncode, check.seconds
        validate.record_run(check)
        if check.returncode == 0:
            validate.status = "ok"
            log(f"  validate: {check.seconds:.2f} s, peak RSS {check.peak_rss_mb:.0f} MB")
        else:
            validate.status = "failed"
            validate.error = f"manage.py validate_import exited with {check.returncode}:\n{check.tail()}"
        return result, validate
    finally:
        drop_database(ctx, dbname)
        remove_tree(work / "legacy", ctx)


def compile_project() -> None:
    """Byte-compile the project's own modules (not timed), as a deployed image has them.

    Where PYTHONDONTWRITEBYTECODE is set (these machines, the Docker image) Python never
    writes them itself, so every command would compile the project's ~60 modules from
    source as it starts (0.14 to 0.18 s each time): a cost of the checkout, not of the tool.
    """
    packages = [str(PROJECT_DIR / name) for name in ("mingus", "ops", "finance", "health", "career")]
    subprocess.run([PYTHON, "-m", "compileall", "-q", "-j", "0", *packages], check=True, timeout=600)


# ---------------------------------------------------------------------------
# Method (b): pgloader, five files one to one into five schemas
# ---------------------------------------------------------------------------

SUMMARY_ROW = re.compile(
    r"^\s*(?P<name>\S.*?)\s+(?P<errors>\d+)\s+(?P<rows>\d+)\s+(?:[\d.]+ [kMGT]?B\s+)?(?P<time>\S+)\s*$"
)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z? (?P<level>[A-Z]+) (?P<message>.*)$")


def pgloader_version() -> str | None:
    """``pgloader --version`` (plus the Debian package version, which can differ), or None."""
    if not shutil.which("pgloader"):
        return None
    done = subprocess.run(["pgloader", "--version"], capture_output=True, text=True, timeout=60, check=False)
    output = (done.stdout or done.stderr).strip()
    version = output.splitlines()[0].replace("pgloader version", "").strip().strip('"') if output else "unknown"
    if shutil.which("dpkg-query"):
        package = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "pgloader"], capture_output=True, text=True, check=False
        )
        if package.returncode == 0 and package.stdout.strip():
            version += f" (Debian package {package.stdout.strip()})"
    return version


def pgloader_command(source: Path, target_url: str, schema: str) -> str:
    """A load command with pgloader's SQLite defaults; ``search_path`` picks the target schema."""
    return (
        "LOAD DATABASE\n"
        f"     FROM sqlite://{source}\n"
        f"     INTO {target_url}\n"
        "     WITH include drop, create tables, create indexes, reset sequences, foreign keys\n"
        f"      SET search_path to '{schema}'\n"
        ";\n"
    )


def pgloader_crash(output: str) -> str | None:
    """Why pgloader's Lisp runtime died, when its output says so.

    The Debian build runs SBCL with a fixed 1 GB heap (``--dynamic-space-size``
    cannot be passed to it); at scale 1000, ``mingus.db`` exhausts it in most
    runs, at a point that varies from run to run.
    """
    if "Heap exhausted" in output:
        return "SBCL heap exhausted"
    if "fatal error encountered in SBCL" in output:
        return "SBCL fatal error"
    return None


def pgloader_errors(output: str) -> list[str]:
    """pgloader's ERROR/FATAL log messages, each with its continuation lines joined into one line."""
    messages: list[str] = []
    current: list[str] | None = None
    for line in output.splitlines():
        match = LOG_LINE.match(line)
        if match:
            current = [match["message"].strip()] if match["level"] in ("ERROR", "FATAL") else None
            if current is not None:
                messages.append("")
        elif current is not None and line.strip():
            current.append(line.strip())
        if current is not None:
            messages[-1] = " ".join(current)[:300]
    return messages


def parse_pgloader_summary(text: str) -> tuple[dict[str, dict], list[str]]:
    """pgloader's summary table: per data table {rows, errors}, and the other steps that had errors.

    The summary has four blocks between dashed lines: set-up steps, one row per
    table copied, post-load steps (indexes, keys, sequences), the total.
    """
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if "table name" in line and "errors" in line]
    if not headers:
        return {}, []
    blocks: list[list[re.Match]] = []
    for line in lines[headers[-1] + 1 :]:
        stripped = line.strip()
        if stripped and set(stripped) <= {"-", " "}:
            blocks.append([])
        elif blocks and (match := SUMMARY_ROW.match(line)):
            blocks[-1].append(match)
    tables = {}
    if len(blocks) > 1:
        for match in blocks[1]:
            tables[match["name"].strip('"')] = {"rows": int(match["rows"]), "errors": int(match["errors"])}
    failed_steps = [
        f"{match['name']}: {match['errors']} errors"
        for index, block in enumerate(blocks)
        if index != 1
        for match in block
        if int(match["errors"]) and match["name"] != "Total import time"
    ]
    return tables, failed_steps


def bench_pgloader(
    ctx: Context, label: str, legacy_dir: Path, scale_dir: Path, catalog: list[SourceTable]
) -> PgloaderResult:
    rows = sum(t.rows for t in catalog)
    result = PgloaderResult(rows=rows)
    if not shutil.which("pgloader"):
        result.status, result.error = "skipped", PGLOADER_INSTALL_HINT
        log(f"  pgloader: SKIPPED. {PGLOADER_INSTALL_HINT}")
        return result

    dbname = f"bench_pgloader_{label}"
    target_url = database_url(ctx.pg_url, dbname, "postgresql")
    work = scale_dir / "pgloader"
    result.logs = str(work)
    source = snapshot_legacy(legacy_dir, work / "legacy")
    create_database(ctx, dbname)
    try:
        with psycopg.connect(database_url(ctx.pg_url, dbname, "postgresql"), autocommit=True) as conn:
            for stem in LEGACY_STEMS:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(stem)))
        checkpoint(ctx)

        reported: dict[str, dict] = {}
        seconds, peak, peak_pss = 0.0, 0.0, 0.0
        for stem in LEGACY_STEMS:
            command_file = work / f"{stem}.load"
            command_file.write_text(pgloader_command(source / f"{stem}.db", target_url, stem), encoding="utf-8")
            run = run_measured(
                ["pgloader", "--root-dir", work / f"root-{stem}", command_file], log_base=work / f"pgloader-{stem}"
            )
            seconds += run.seconds
            result.add_cpu(run)
            peak, peak_pss = max(peak, run.peak_rss_mb), max(peak_pss, run.peak_pss_mb)
            result.load_before = max(result.load_before or 0.0, run.load_before)
            result.exit_codes[stem] = run.returncode
            output = run.stdout.read_text(errors="replace") + "\n" + run.stderr.read_text(errors="replace")
            tables, failed_steps = parse_pgloader_summary(output)
            reported.update({f"{stem}.{name}": counts for name, counts in tables.items()})
            result.failed_steps += [f"{stem}: {step}" for step in failed_steps]
            errors = pgloader_errors(output)
            result.error_lines += len(errors)
            result.error_samples += [f"{stem}: {message}" for message in dict.fromkeys(errors)][:8]
            if run.returncode and (crash := pgloader_crash(output)):
                result.crashes[stem] = crash
            log(
                f"  pgloader {stem}: exit {run.returncode}, {run.seconds:.2f} s, "
                f"peak RSS {run.peak_rss_mb:.0f} MB, {len(errors)} ERROR lines"
                + (f" ({result.crashes[stem]})" if stem in result.crashes else "")
            )
        result.seconds, result.peak_rss_mb, result.peak_pss_mb = seconds, peak, peak_pss
        result.rows_reported = sum(t["rows"] for t in reported.values())
        result.status = "ok" if not any(result.exit_codes.values()) else "failed"
        if result.status == "failed":
            result.error = "pgloader exited non-zero for " + ", ".join(
                f"{stem} ({result.crashes[stem]})" if stem in result.crashes else stem
                for stem, code in result.exit_codes.items()
                if code
            )

        with psycopg.connect(target_url) as conn:
            count_pgloader_rows(conn, catalog, reported, result)
            result.type_map = pgloader_type_map(conn, catalog)
            result.float4_drift = pgloader_float_drift(conn, source, catalog)
        log(
            f"  pgloader: {seconds:.2f} s in all, {result.rows_in_postgres:,} of {rows:,} rows in PostgreSQL "
            f"({result.rows_lost:,} lost), pgloader reported {result.rows_reported:,}"
        )
        return result
    finally:
        drop_database(ctx, dbname)
        remove_tree(work / "legacy", ctx)


def count_pgloader_rows(
    conn: psycopg.Connection, catalog: list[SourceTable], reported: dict[str, dict], result: PgloaderResult
) -> None:
    """count(*) every table pgloader should have filled and compare with the source."""
    in_postgres = 0
    for table in catalog:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{table.stem}"."{table.name}"']).fetchone()[0]
        count = None
        if exists:
            query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(table.stem), sql.Identifier(table.name))
            count = conn.execute(query).fetchone()[0]
        in_postgres += count or 0
        said = reported.get(table.key, {})
        if count != table.rows:
            result.lost_tables.append(
                {
                    "table": table.key,
                    "source_rows": table.rows,
                    "rows_in_postgres": count,
                    "pgloader_reported_rows": said.get("rows"),
                    "pgloader_reported_errors": said.get("errors"),
                }
            )
    result.rows_in_postgres = in_postgres
    result.rows_lost = result.rows - in_postgres


def pgloader_type_map(conn: psycopg.Connection, catalog: list[SourceTable]) -> list[dict]:
    """How many columns of each declared SQLite type pgloader gave each PostgreSQL type."""
    declared = {(t.stem, t.name, col): decl.upper() or "(none)" for t in catalog for col, decl in t.columns}
    found = conn.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ANY(%s)",
        [list(LEGACY_STEMS)],
    ).fetchall()
    pairs = Counter((declared.get((s, t, c), "?"), data_type) for s, t, c, data_type in found)
    return [{"legacy": legacy, "postgres": pg, "columns": n} for (legacy, pg), n in sorted(pairs.items())]


def pgloader_float_drift(conn: psycopg.Connection, source: Path, catalog: list[SourceTable]) -> list[dict]:
    """For every column pgloader typed ``real`` (float4), compare a sample of values with the source."""
    real_columns = conn.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = ANY(%s) AND data_type = 'real' ORDER BY 1, 2, ordinal_position",
        [list(LEGACY_STEMS)],
    ).fetchall()
    tables = {(t.stem, t.name): t for t in catalog}
    drift = []
    for stem, name, column in real_columns:
        table = tables.get((stem, name))
        if table is None or len(table.primary_key) != 1:
            continue
        key = table.primary_key[0]
        with closing(sqlite_readonly(source / f"{stem}.db")) as lite:
            sample = lite.execute(
                f"SELECT {qi(key)}, {qi(column)} FROM {qi(name)} "  # noqa: S608
                f"WHERE typeof({qi(column)}) IN ('real', 'integer') ORDER BY {qi(key)} LIMIT ?",
                [FLOAT_DRIFT_SAMPLE],
            ).fetchall()
        if not sample:
            continue
        query = sql.SQL("SELECT {key}, {column}::float8 FROM {schema}.{table} WHERE {key} = ANY(%s)").format(
            key=sql.Identifier(key),
            column=sql.Identifier(column),
            schema=sql.Identifier(stem),
            table=sql.Identifier(name),
        )
        loaded = dict(conn.execute(query, [[k for k, _ in sample]]).fetchall())
        compared = [(value, loaded[k]) for k, value in sample if k in loaded]
        changed = [(value, pg) for value, pg in compared if pg is None or pg != float(value)]
        drift.append(
            {
                "column": f"{stem}.{name}.{column}",
                "compared": len(compared),
                "changed": len(changed),
                "example": f"{changed[0][0]!r} -> {changed[0][1]!r}" if changed else None,
            }
        )
    return drift


# ---------------------------------------------------------------------------
# Method (c): raw COPY from CSV, then primary keys and legacy indexes
# ---------------------------------------------------------------------------


class _CsvNull(float):
    """Written as an unquoted empty field under QUOTE_NONNUMERIC: NULL to PostgreSQL's CSV COPY.

    With QUOTE_NONNUMERIC every string is quoted (so '' stays an empty string)
    and numbers are not; None would come out as a quoted "" otherwise.
    """

    def __str__(self) -> str:
        return ""

    __repr__ = __str__


CSV_NULL = _CsvNull()

# storage classes (SQLite typeof) each target type accepts as is
COMPATIBLE = {
    "bigint": ("integer", "null"),
    "double precision": ("integer", "real", "null"),
    "bytea": ("blob", "null"),
}


def copy_type(declared: str) -> str:
    """The PostgreSQL type of the COPY tables, from the declared SQLite type."""
    upper = declared.upper()
    if "INT" in upper:
        return "bigint"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "double precision"
    if "BLOB" in upper:
        return "bytea"
    return "text"  # TEXT, VARCHAR, DATE, DATETIME, BOOLEAN (holds 'true' strings), anything else


def plan_columns(conn: sqlite3.Connection, table: SourceTable) -> tuple[list[tuple[str, str]], list[dict]]:
    """Column types for the COPY table; a column holding values its type cannot take becomes text."""
    wanted = [(name, copy_type(decl)) for name, decl in table.columns]
    checked = [(name, pg_type) for name, pg_type in wanted if pg_type in COMPATIBLE]
    misfits = {}
    if checked:
        sums = ", ".join(
            f"coalesce(sum(typeof({qi(name)}) NOT IN ({', '.join(repr(k) for k in COMPATIBLE[t])})), 0)"
            for name, t in checked
        )
        counts = conn.execute(f"SELECT {sums} FROM {qi(table.name)}").fetchone()  # noqa: S608
        misfits = {name: n for (name, _), n in zip(checked, counts, strict=True) if n}
    columns, fallbacks = [], []
    for (name, pg_type), (_, declared) in zip(wanted, table.columns, strict=True):
        if name in misfits:
            fallbacks.append(
                {"table": table.key, "column": name, "declared": declared, "wanted": pg_type, "values": misfits[name]}
            )
            pg_type = "text"
        columns.append((name, pg_type))
    return columns, fallbacks


def export_csv(conn: sqlite3.Connection, table: SourceTable, columns: list[tuple[str, str]], path: Path) -> None:
    """Write a table as CSV for COPY: blobs as \\x hex, NULL as an unquoted empty field."""
    selected = []
    for name, pg_type in columns:
        column = qi(name)
        if pg_type in ("bigint", "double precision"):
            selected.append(column)
        else:  # bytea, or text that may still hold a blob somewhere
            selected.append(f"CASE WHEN typeof({column}) = 'blob' THEN '\\x' || hex({column}) ELSE {column} END")
    cursor = conn.execute(f"SELECT {', '.join(selected)} FROM {qi(table.name)}")  # noqa: S608
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerows([CSV_NULL if value is None else value for value in row] for row in cursor)


def bench_copy(ctx: Context, label: str, snapshot: Path, scale_dir: Path, catalog: list[SourceTable]) -> CopyResult:
    result = CopyResult(rows=sum(t.rows for t in catalog))
    dbname = f"bench_copy_{label}"
    work = scale_dir / "copy"
    csv_dir = work / "csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    csv_dir.mkdir(parents=True)
    try:
        log("  copy: exporting every table to CSV (not timed) ...")
        started = time.perf_counter()
        manifest_tables = []
        for table in catalog:
            with closing(sqlite_readonly(snapshot / f"{table.stem}.db")) as conn:
                columns, fallbacks = plan_columns(conn, table)
                path = csv_dir / f"{table.key}.csv"
                export_csv(conn, table, columns, path)
            result.type_fallbacks += fallbacks
            result.csv_bytes += path.stat().st_size
            manifest_tables.append(
                {
                    "schema": table.stem,
                    "table": table.name,
                    "csv": str(path),
                    "columns": [name for name, _ in columns],
                    "types": [pg_type for _, pg_type in columns],
                    "primary_key": table.primary_key,
                    "indexes": [asdict(index) for index in table.indexes],
                }
            )
        log(f"  copy: {result.csv_bytes / 2**20:,.0f} MB of CSV in {time.perf_counter() - started:.1f} s")

        create_database(ctx, dbname)
        conninfo = psycopg.conninfo.make_conninfo(ctx.pg_url, dbname=dbname)
        with psycopg.connect(conninfo) as conn:
            for stem in LEGACY_STEMS:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(stem)))
            for table in manifest_tables:
                conn.execute(
                    sql.SQL("CREATE TABLE {}.{} ({})").format(
                        sql.Identifier(table["schema"]),
                        sql.Identifier(table["table"]),
                        sql.SQL(", ").join(
                            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
                            for name, pg_type in zip(table["columns"], table["types"], strict=True)
                        ),
                    )
                )
        manifest = work / "manifest.json"
        manifest.write_text(json.dumps({"conninfo": conninfo, "tables": manifest_tables}, indent=2), encoding="utf-8")
        checkpoint(ctx)

        log("  copy: COPY of every table, then primary keys and indexes (timed) ...")
        outcome = work / "copy-result.json"
        outcome.unlink(missing_ok=True)
        run = run_measured([PYTHON, BENCH_DIR / "copy_load.py", manifest, outcome], log_base=work / "copy_load")
        result.record_run(run)
        if run.returncode != 0 or not outcome.exists():
            result.status = "failed"
            result.error = f"copy_load.py exited with {run.returncode}:\n{run.tail()}"
            return result
        figures = json.loads(outcome.read_text(encoding="utf-8"))
        result.seconds, result.index_seconds = figures["copy_seconds"], figures["index_seconds"]
        result.rows_copied = figures["rows"]
        result.indexes_built, result.index_errors = figures["indexes_built"], figures["index_errors"]
        result.status = "ok"
        if result.rows_copied != result.rows:
            result.error = f"COPY loaded {result.rows_copied:,} rows, the source has {result.rows:,}"
        log(
            f"  copy: COPY {result.seconds:.2f} s, {result.indexes_built} keys/indexes {result.index_seconds:.2f} s, "
            f"peak RSS {run.peak_rss_mb:.0f} MB"
        )
        return result
    finally:
        drop_database(ctx, dbname)
        remove_tree(csv_dir, ctx)


# ---------------------------------------------------------------------------
# One scale, the report, main
# ---------------------------------------------------------------------------


def bench_scale(ctx: Context, scale: float, seed: int, workdir: Path) -> ScaleResult:
    label = scale_label(scale)
    scale_dir = workdir / f"scale{label}"
    legacy_dir = scale_dir / "legacy"
    log(f"\n== scale {label} (seed {seed}) ==")
    info = prepare_sample(scale, seed, legacy_dir)

    snapshot = snapshot_legacy(legacy_dir, scale_dir / "snapshot")
    try:
        catalog = read_catalog(snapshot)
        result = ScaleResult(scale=scale, seed=seed, sample_dir=str(legacy_dir))
        result.source_rows = sum(t.rows for t in catalog)
        result.source_rows_by_table = {t.key: t.rows for t in catalog}
        log(f"  source: {len(catalog)} tables, {result.source_rows:,} rows")
        if info.get("total_rows") not in (None, result.source_rows):
            log(f"  WARNING: sample-info.json says {info['total_rows']:,} rows, count(*) finds {result.source_rows:,}")

        def attempt(method: str, run, failed: MethodResult) -> MethodResult:
            if method in ctx.skip:
                failed.status = "skipped"
                return failed
            try:
                return run()
            except Exception as exc:  # record and go on with the other methods
                failed.status, failed.error = "failed", f"{type(exc).__name__}: {exc}"
                log(f"  {method}: FAILED: {failed.error}")
                return failed

        result.pgloader = attempt(
            "pgloader",
            lambda: bench_pgloader(ctx, label, legacy_dir, scale_dir, catalog),
            PgloaderResult(rows=result.source_rows),
        )
        result.copy = attempt(
            "copy",
            lambda: bench_copy(ctx, label, snapshot, scale_dir, catalog),
            CopyResult(rows=result.source_rows),
        )
        if "import" in ctx.skip:
            result.import_.status = result.validate.status = "skipped"
        else:
            try:
                result.import_, result.validate = bench_import(
                    ctx, label, legacy_dir, scale_dir, info, result.source_rows
                )
            except Exception as exc:  # record and go on
                result.import_ = ImportResult(
                    rows=result.source_rows, status="failed", error=f"{type(exc).__name__}: {exc}"
                )
                result.validate = ValidateResult(rows=result.source_rows, status="skipped", error="import failed")
                log(f"  import: FAILED: {exc}")
        return result
    finally:
        remove_tree(snapshot, ctx)


def machine_facts(ctx: Context) -> dict:
    with admin_connect(ctx) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "load_average": round(os.getloadavg()[0], 2),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "postgresql": server,
        "postgresql_shared_buffers": shared_buffers,
        "pgloader": pgloader_version(),
        "python": platform.python_version(),
        "psycopg": psycopg.__version__,
    }


def fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def fmt_rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:,.1f}k" if value >= 1000 else f"{value:,.0f}"


def fmt_mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_cpu(result: MethodResult) -> str:
    if result.cpu_seconds is None:
        return "-"
    server = "?" if result.postgres_cpu_seconds is None else f"{result.postgres_cpu_seconds:.1f}"
    return f"{result.cpu_seconds:.1f} + {server}"


def fmt_ratio(value: float | None, target: float, at_least: bool) -> str:
    if value is None:
        return "n/a"
    passed = value >= target if at_least else value <= target
    return f"{value:.2f} {'PASS' if passed else 'FAIL'}"


def status_or(result: MethodResult, text: str) -> str:
    return text if result.status == "ok" else result.status


def print_report(machine: dict, results: list[ScaleResult]) -> None:
    rows: list[tuple[str, list[str]]] = [("source rows", [f"{r.source_rows:,}" for r in results])]

    def method_rows(title: str, pick, extra=(), cpu: bool = True) -> None:
        rows.append((title, [status_or(pick(r), "") for r in results]))
        rows.append(("  seconds", [fmt_seconds(pick(r).seconds) for r in results]))
        rows.append(("  rows/s", [fmt_rate(pick(r).rows_per_second if pick(r).ok else None) for r in results]))
        rows.append(("  peak RSS MB (summed)", [fmt_mb(pick(r).peak_rss_mb) for r in results]))
        rows.append(("  peak PSS MB (summed)", [fmt_mb(pick(r).peak_pss_mb) for r in results]))
        if cpu:
            rows.append(("  CPU s, own + PostgreSQL's", [fmt_cpu(pick(r)) for r in results]))
        for label, value in extra:
            rows.append((label, [value(r) for r in results]))

    def lost(r: ScaleResult) -> str:
        p = r.pgloader
        if p.rows_lost is None:
            return "-"
        return f"{p.rows_lost:,} in {len(p.lost_tables)} tables" if p.rows_lost else "0"

    method_rows(
        "pgloader (5 files in a row)",
        lambda r: r.pgloader,
        [
            (
                "  rows in PostgreSQL",
                lambda r: "-" if r.pgloader.rows_in_postgres is None else f"{r.pgloader.rows_in_postgres:,}",
            ),
            ("  rows lost", lost),
            ("  exit codes", lambda r: ",".join(map(str, r.pgloader.exit_codes.values())) or "-"),
        ],
    )
    method_rows("COPY, no indexes", lambda r: r.copy, cpu=False)
    rows.append(("COPY + keys/indexes", [status_or(r.copy, f"{r.copy.indexes_built} built") for r in results]))
    rows.append(("  seconds", [fmt_seconds(r.copy.total_seconds) for r in results]))
    rows.append(("  rows/s", [fmt_rate(r.copy.total_rows_per_second) for r in results]))
    rows.append(("  CPU s, own + PostgreSQL's", [fmt_cpu(r.copy) for r in results]))
    method_rows("import_sqlite", lambda r: r.import_)
    method_rows("validate_import", lambda r: r.validate)
    rows.append(("ratios", ["" for _ in results]))
    ratios = [r.ratios() for r in results]
    rows.append(
        (
            f"  import/pgloader (>= {TARGET_IMPORT_VS_PGLOADER})",
            [fmt_ratio(x["import_vs_pgloader"], TARGET_IMPORT_VS_PGLOADER, True) for x in ratios],
        )
    )
    rows.append(
        (
            f"  import/COPY (>= {TARGET_IMPORT_VS_COPY})",
            [fmt_ratio(x["import_vs_copy"], TARGET_IMPORT_VS_COPY, True) for x in ratios],
        )
    )
    rows.append(
        (
            "  import/(COPY+indexes)",
            [
                "n/a" if x["import_vs_copy_plus_indexes"] is None else f"{x['import_vs_copy_plus_indexes']:.2f}"
                for x in ratios
            ],
        )
    )
    rows.append(
        (
            f"  validate/import time (<= {TARGET_VALIDATE_VS_IMPORT})",
            [fmt_ratio(x["validate_vs_import"], TARGET_VALIDATE_VS_IMPORT, False) for x in ratios],
        )
    )

    headers = [f"scale {scale_label(r.scale)}" for r in results]
    width = max(len(label) for label, _ in rows) + 2
    widths = [max(len(h), *(len(values[i]) for _, values in rows)) + 2 for i, h in enumerate(headers)]
    print()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items() if k != "date"))
    print("Rows/s are source rows / seconds for every method (the work asked of it); ratios compare times.")
    print()
    print(" " * width + "".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for label, values in rows:
        print(label.ljust(width) + "".join(v.rjust(w) for v, w in zip(values, widths, strict=True)))

    largest = max(results, key=lambda r: r.scale)
    print()
    for label, peak in (
        ("RSS summed over the processes", largest.import_.peak_rss_mb),
        ("PSS summed over the processes (shared pages once)", largest.import_.peak_pss_mb),
    ):
        verdict = (
            "n/a (import did not run)"
            if peak is None or not largest.import_.ok
            else f"{peak:.0f} MB {'PASS' if peak < TARGET_IMPORT_RSS_MB else 'FAIL'}"
        )
        print(
            f"Peak import memory < {TARGET_IMPORT_RSS_MB} MB at the largest scale ({scale_label(largest.scale)}), "
            f"{label}: {verdict}"
        )
    print_notes(results, machine["nproc"])


def print_notes(results: list[ScaleResult], nproc: int) -> None:
    """Failures, a busy machine, pgloader's losses and type changes, COPY's type fallbacks."""
    for r in results:
        notes = []
        busy = [m for m in (r.pgloader, r.copy, r.import_, r.validate) if (m.load_before or 0) >= nproc]
        if busy:
            notes.append(
                f"machine busy (nproc {nproc}), 1-minute load average before: "
                + ", ".join(f"{m.method} {m.load_before:.1f}" for m in busy)
                + ". Other work shares the CPUs: these figures are noisy, rerun on an idle machine"
            )
        for method in (r.pgloader, r.copy, r.import_, r.validate):
            if method.error:
                notes.append(f"{method.method} {method.status}: " + method.error.replace("\n", "\n      "))
        p = r.pgloader
        for lost in p.lost_tables:
            notes.append(
                f"pgloader lost rows in {lost['table']}: source {lost['source_rows']:,}, in PostgreSQL "
                f"{lost['rows_in_postgres']}, pgloader said {lost['pgloader_reported_rows']} rows / "
                f"{lost['pgloader_reported_errors']} errors"
            )
        notes += [f"pgloader step with errors: {step}" for step in p.failed_steps]
        notes += [f"pgloader error: {line}" for line in p.error_samples[:12]]
        changed = [
            f"{m['legacy']} -> {m['postgres']} ({m['columns']})"
            for m in p.type_map
            if m["postgres"] not in ("text", "bigint", "bytea", "double precision")
            or m["legacy"].startswith(("BOOLEAN", "DATE"))
        ]
        if changed:
            notes.append("pgloader type changes: " + ", ".join(changed))
        drifted = [d for d in p.float4_drift if d["changed"]]
        if drifted:
            notes.append(
                f"pgloader made REAL columns real (float4): sampled values changed in {len(drifted)} of "
                f"{len(p.float4_drift)} columns, e.g. "
                + "; ".join(f"{d['column']} {d['changed']}/{d['compared']}: {d['example']}" for d in drifted[:4])
            )
        for fb in r.copy.type_fallbacks:
            notes.append(
                f"COPY table column {fb['table']}.{fb['column']} ({fb['declared']}) loaded as text: "
                f"{fb['values']:,} values are not {fb['wanted']}"
            )
        notes += [f"COPY index error: {e}" for e in r.copy.index_errors]
        if r.import_.report_totals:
            totals = ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in r.import_.report_totals.items()
            )
            notes.append(f"import_sqlite report totals: {totals}")
        if notes:
            print(f"\nNotes, scale {scale_label(r.scale)}:")
            for note in notes:
                print(f"  - {note}")


def write_results(path: Path, machine: dict, args: argparse.Namespace, results: list[ScaleResult]) -> None:
    document = {
        "machine": machine,
        "arguments": {"scales": args.scales, "seed": args.seed, "skip": sorted(args.skip), "pg_url": args.pg_url},
        "targets": {
            "import_vs_pgloader_at_least": TARGET_IMPORT_VS_PGLOADER,
            "import_vs_copy_at_least": TARGET_IMPORT_VS_COPY,
            "validate_vs_import_at_most": TARGET_VALIDATE_VS_IMPORT,
            "import_peak_rss_mb_below": TARGET_IMPORT_RSS_MB,
        },
        "scales": [r.to_json() for r in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100,1000", help="comma-separated sample scales (default 100,1000)")
    parser.add_argument("--seed", type=int, default=0, help="sample seed (default 0)")
    parser.add_argument(
        "--workdir", type=Path, default=PROJECT_DIR / "var" / "bench", help="samples, logs, results.json"
    )
    parser.add_argument("--skip", default="", help=f"comma-separated methods to skip: {','.join(METHODS)}")
    parser.add_argument("--keep", action="store_true", help="keep the databases, CSV files and copies")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"maintenance connection (default {DEFAULT_PG_URL})")
    args = parser.parse_args(argv)
    args.scales = parse_scales(parser, args.scales)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if unknown := args.skip - set(METHODS):
        parser.error(f"unknown method(s) in --skip: {', '.join(sorted(unknown))} (choose from {', '.join(METHODS)})")
    return args


def parse_scales(parser: argparse.ArgumentParser, text: str) -> list[float]:
    """``--scales`` as numbers; a clear usage error (exit 2) for anything else."""
    try:
        scales = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--scales must be numbers separated by commas, got {text!r}")
    if not scales or any(s <= 0 for s in scales):
        parser.error("--scales must be positive numbers")
    return scales


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    ctx = Context(pg_url=args.pg_url, keep=args.keep, skip=args.skip)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results_path = workdir / "results.json"

    try:
        machine = machine_facts(ctx)
    except psycopg.Error as exc:
        print(f"error: cannot reach PostgreSQL at {args.pg_url}: {exc}".strip(), file=sys.stderr)
        return 2
    log("MINGUS import benchmark")
    for key, value in machine.items():
        log(f"  {key}: {value if value is not None else 'not installed'}")
    if machine["pgloader"] is None and "pgloader" not in ctx.skip:
        log(f"  NOTE: {PGLOADER_INSTALL_HINT}; the pgloader method will be skipped")

    results: list[ScaleResult] = []
    try:
        for scale in args.scales:
            results.append(bench_scale(ctx, scale, args.seed, workdir))
            write_results(results_path, machine, args, results)
    except KeyboardInterrupt:
        print("\ninterrupted: the running method was stopped and its database dropped", file=sys.stderr)
        if results:
            write_results(results_path, machine, args, results)
        return 130
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print_report(machine, results)
    print(f"\nAll figures: {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
