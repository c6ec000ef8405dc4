"""Synthetic copies of the five legacy MINGUS SQLite databases.

``make_legacy_sample`` writes mingus.db, business_intelligence.db, cache.db,
performance_metrics.db and alerts.db into a directory. Each file is created by
executing its contract DDL (``contract/*.sql``) verbatim, then filled with
realistic rows that carry every convention and defect ``contract/LEGACY.md``
documents, in small proportions, so that the importer can be tested and
benchmarked without production data.

* Size: scale 1 is the production size at cut-over (about 11,100 rows); row
  counts grow linearly with ``scale`` (1000 is about 11M rows), and fractional
  scales give tiny samples. Every table gets at least one row at any scale.
* Determinism: the same ``(scale, seed)`` always yields the same rows and
  values. Every table draws from its own ``random.Random`` seeded from
  ``(seed, file, table)``; facts about a user (deleted? email? created when?)
  are a hash of ``(seed, user id)``, so child rows need no lookups and memory
  stays flat whatever the scale. Timestamps hang off the fixed ``REFERENCE_NOW``.
* Speed: rows stream from generators into ``executemany`` in chunks, and the
  five files are built in parallel processes.

The sample is not a fixture of the app: it only follows the contract. This
module must not import Django.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import math
import multiprocessing
import os
import pickle
import queue
import random
import shutil
import sqlite3
import string
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

from cryptography.fernet import Fernet

__all__ = [
    "DEFECT_CLASSES",
    "LEGACY_FILES",
    "REFERENCE_NOW",
    "SampleSummary",
    "make_legacy_sample",
    "sample_fernet_keys",
    "sample_password",
]

LEGACY_FILES = (
    "mingus.db",
    "business_intelligence.db",
    "cache.db",
    "performance_metrics.db",
    "alerts.db",
)

#: The fixed "now" of every sample: timestamps go back about three years from
#: here, and cache rows count as expired relative to it (not to the wall clock).
REFERENCE_NOW = datetime(2025, 1, 1, tzinfo=UTC)

#: Defect classes counted in ``SampleSummary.defect_counts`` (rows affected).
DEFECT_CLASSES = {
    "orphan_user_id": "user_id (BI users.id, reports.created_by) of a hard-deleted mingus user",
    "email_variant": "email is a case/whitespace variant of another account's email",
    "float_noise": "FLOAT money off by one or two ULPs (1234.5600000000002)",
    "display_money": "amount stored as the UI display string ($1,234.56)",
    "display_money_negative": "negative display amount (-$12.00 or ($12.00))",
    "us_format_date": "date stored as MM/DD/YYYY",
    "text_boolean": "boolean stored as text true/false/True/False",
    "invalid_json": "JSON column holds truncated JSON or the empty string",
    "null_password_hash": "users.password_hash is NULL (social login)",
    "fernet_old_key": "encrypted with a legacy key older than the newest (key_version < 3)",
    "microsecond_timestamp": "naive timestamps carry microseconds",
    "non_utc_offset": "ISO 8601 timestamp with a non-zero UTC offset (-05:00)",
    "typed_setting": "system_settings.value is int/float/bool/json text, typed by value_type",
    "expired_cache_row": "cache row whose expiry is before REFERENCE_NOW",
    "wal_only_row": "row committed only in the -wal file, not in the main file",
    "duplicate_key": "extra daily_cashflow row for an existing (user_id, date)",
    "rating_out_of_range": "health check-in rating of 0 or 11 (target range 1-10)",
    "negative_minutes": "negative physical_activity_minutes",
    "impossible_date": "calendar date that does not exist (2024-02-30)",
    "unknown_enum": "value outside the target enum (enterprise, cancelled, severe)",
}

_CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
_CHUNK_ROWS = 5000
_USER_IDS_PER_SCALE = 258  # about 3% of them deleted leaves ~250 accounts per scale unit
_DELETED_SHARE = 0.03
_EMAIL_VARIANT_SHARE = 0.02
_WAL_SHARE = 0.01

_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_NOW_TS = int(REFERENCE_NOW.timestamp())  # 1735689600
_START_TS = int(datetime(2022, 1, 1, tzinfo=UTC).timestamp())
_NOW_ORD = _EPOCH_ORDINAL + _NOW_TS // 86400
_DAY = 86400

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSummary:
    """What ``make_legacy_sample`` wrote.

    ``row_counts`` and ``defect_counts`` are keyed by ``(file, table)``;
    ``defect_counts`` only lists tables with at least one defect, as
    ``{defect class: rows affected}`` (see ``DEFECT_CLASSES``). ``fernet_keys``
    are the legacy keys, newest first.
    """

    directory: Path
    scale: float
    seed: int
    row_counts: dict[tuple[str, str], int]
    defect_counts: dict[tuple[str, str], dict[str, int]]
    fernet_keys: list[str]
    elapsed_seconds: float

    @property
    def total_rows(self) -> int:
        """Rows across all 36 tables (WAL-only rows included)."""
        return sum(self.row_counts.values())

    def to_json(self) -> dict:
        """The content of ``sample-info.json``: nested ``{file: {table: ...}}`` dicts."""
        rows: dict[str, dict[str, int]] = {}
        for (file, table), count in self.row_counts.items():
            rows.setdefault(file, {})[table] = count
        defects: dict[str, dict[str, dict[str, int]]] = {}
        totals: Counter[str] = Counter()
        for (file, table), counts in self.defect_counts.items():
            defects.setdefault(file, {})[table] = dict(counts)
            totals.update(counts)
        return {
            "directory": str(self.directory),
            "scale": self.scale,
            "seed": self.seed,
            "reference_now": REFERENCE_NOW.isoformat(),
            "total_rows": self.total_rows,
            "row_counts": rows,
            "defect_counts": defects,
            "defect_totals": dict(sorted(totals.items())),
            "defect_classes": DEFECT_CLASSES,
            "fernet_keys": list(self.fernet_keys),
            "legacy_fernet_keys": ",".join(self.fernet_keys),
            "password_rule": _password_rule(self.seed),
            "password_pool": [_pool_entry(self.seed, j)[0] for j in range(_POOL_SIZE)],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }


def make_legacy_sample(
    *,
    directory: Path,
    scale: float = 1,
    seed: int = 0,
    progress: Callable[[str, int], None] | None = None,
) -> SampleSummary:
    """Write the five legacy databases into ``directory`` and return what was written.

    ``scale`` 1 is the production size (about 11,100 rows); it may be
    fractional. The same ``(scale, seed)`` always gives the same content.
    ``progress``, if given, is called in this process as
    ``progress("file.db:table", rows_written_so_far)`` while tables fill.
    Also writes ``directory/sample-info.json``: the summary as JSON, plus
    ``legacy_fernet_keys`` (the importer's LEGACY_FERNET_KEYS), ``password_rule``,
    ``password_pool`` and ``reference_now`` (the instant cache expiry is relative to).

    Each file is left in WAL mode with the last ~1% of rows of two of its
    tables committed only in its ``-wal`` file. Opening a file read-write with
    SQLite and closing it checkpoints those rows into the main file.

    Raises ``ValueError`` if any of the five files (or a ``-wal``/``-shm`` of
    one) already exists in ``directory``: existing data is never overwritten.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise ValueError(f"scale must be a number, got {scale!r}")
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    directory = Path(directory)
    existing = [
        name + suffix
        for name in LEGACY_FILES
        for suffix in ("", "-wal", "-shm")
        if (directory / (name + suffix)).exists()
    ]
    if existing:
        raise ValueError(f"refusing to overwrite existing legacy data in {directory}: {', '.join(existing)}")
    directory.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    results = _build_all(directory, float(scale), seed, progress)
    row_counts: dict[tuple[str, str], int] = {}
    defect_counts: dict[tuple[str, str], dict[str, int]] = {}
    for name in LEGACY_FILES:
        for table, rows, defects in results[name]:
            row_counts[name, table] = rows
            if defects:
                defect_counts[name, table] = dict(sorted(defects.items()))
    summary = SampleSummary(
        directory=directory,
        scale=float(scale),
        seed=seed,
        row_counts=row_counts,
        defect_counts=defect_counts,
        fernet_keys=sample_fernet_keys(seed=seed),
        elapsed_seconds=time.perf_counter() - started,
    )
    info = json.dumps(summary.to_json(), indent=2)
    (directory / "sample-info.json").write_text(info + "\n", encoding="utf-8")
    return summary


def sample_password(*, legacy_user_id: int, seed: int) -> str:
    """The plaintext password behind ``users.password_hash`` of a generated user.

    User ``i`` gets entry ``i % 64`` of a pool of 64 passwords (each hashed
    once, with werkzeug's formats). Users whose hash is NULL (social login)
    have no password; for them this still returns the pool entry.
    """
    return _pool_entry(seed, legacy_user_id % _POOL_SIZE)[0]


def sample_fernet_keys(*, seed: int) -> list[str]:
    """The three legacy Fernet keys (urlsafe base64), newest first.

    ``key_version`` N of ``encrypted_financial_profiles`` is ``keys[3 - N]``;
    ``",".join(keys)`` is the importer's ``LEGACY_FERNET_KEYS``.
    """
    return list(reversed(_fernet_keys_oldest_first(seed)))


# ---------------------------------------------------------------------------
# Orchestration: one process per file
# ---------------------------------------------------------------------------

_TableResult = tuple[str, int, dict[str, int]]
_BUILD_ORDER = ("mingus.db", "business_intelligence.db", "performance_metrics.db", "cache.db", "alerts.db")
_progress_queue = None  # set in worker processes when the caller wants progress


def _init_worker(progress_queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue


def _build_all(
    directory: Path, scale: float, seed: int, progress: Callable[[str, int], None] | None
) -> dict[str, list[_TableResult]]:
    mp = multiprocessing.get_context()
    progress_queue = mp.Queue() if progress is not None else None
    workers = max(1, min(len(LEGACY_FILES), os.cpu_count() or 1))
    results: dict[str, list[_TableResult]] = {}
    errors: list[BaseException] = []
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=mp, initializer=_init_worker, initargs=(progress_queue,)
    ) as pool:
        # Largest files first so the small ones fill the gaps at the end.
        futures: dict[Future, str] = {
            pool.submit(_build_file, str(directory), name, scale, seed): name for name in _BUILD_ORDER
        }
        pending = set(futures)
        finished = 0  # workers whose last progress message has arrived
        while pending:
            _, pending = wait_futures(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            finished += _drain_progress(progress_queue, progress)
        for future, name in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # re-raised below, after cleanup
                errors.append(exc)
    # Messages travel apart from results: wait for each worker's end-of-messages marker.
    _drain_progress(progress_queue, progress, until=len(results) - finished)
    if errors:
        # Never leave a half-written sample behind: remove what this run published, and
        # the scratch files of a worker that died before it could clean up.
        for name in results:
            for suffix in ("", "-wal", "-shm"):
                (directory / (name + suffix)).unlink(missing_ok=True)
        for name in LEGACY_FILES:
            for scratch in directory.glob(f".{name}.*.building*"):
                scratch.unlink(missing_ok=True)
        raise errors[0]
    return results


def _drain_progress(progress_queue, progress, until: int = 0) -> int:
    """Pass queued messages to ``progress``; with ``until``, wait for that many end markers.

    Returns the number of end markers (None) seen.
    """
    ends = 0
    if progress_queue is None:
        return ends
    while True:
        try:
            waiting = ends < until
            message = progress_queue.get(timeout=10) if waiting else progress_queue.get_nowait()
        except queue.Empty:
            return ends
        if message is None:
            ends += 1
        else:
            progress(*message)


def _report(label: str, rows: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put((label, rows))


def _build_file(directory: str, name: str, scale: float, seed: int) -> list[_TableResult]:
    """Build one database file; runs in a worker process."""
    ctx = _Ctx(seed, scale)
    if name == "mingus.db":
        ctx.start_password_pool()
    final = Path(directory) / name
    building = Path(directory) / f".{name}.{os.getpid()}.building"
    conn = sqlite3.connect(building, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-65536")
        ddl = (_CONTRACT_DIR / name.replace(".db", ".sql")).read_text(encoding="utf-8")
        conn.executescript(ddl)

        specs = _SPECS[name]
        tables = {spec.table: _Table(ctx, name, spec) for spec in specs}
        held: list[tuple[_Spec, _Table, Iterator[tuple]]] = []
        # Tables that wait for the password pool go last, so hashing overlaps other work.
        for spec in sorted(specs, key=lambda s: s.late):
            table = tables[spec.table]
            rows = spec.rows(ctx, table)
            if spec.wal_tail:
                _write(conn, spec, table, islice(rows, table.n - _wal_tail(table.n)))
                held.append((spec, table, rows))
            else:
                _write(conn, spec, table, rows)

        # Everything so far goes into the main file; from here on nothing is
        # checkpointed, so the remaining rows exist only in the -wal file.
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError(f"could not checkpoint {building}")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        for spec, table, rows in held:
            before = table.rows_written
            _write(conn, spec, table, rows)
            table.count("wal_only_row", table.rows_written - before)

        # SQLite checkpoints and deletes the WAL when the last connection
        # closes, so publish copies of the main file and its WAL while this
        # connection still holds them open and unmerged.
        _publish(building, final)
    finally:
        conn.close()
        ctx.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
    if _progress_queue is not None:
        _progress_queue.put(None)
    return [(spec.table, tables[spec.table].rows_written, dict(tables[spec.table].d)) for spec in specs]


def _publish(building: Path, final: Path) -> None:
    """Copy the scratch database and its WAL to their final names, never over existing files."""
    created: list[Path] = []
    try:
        for suffix in ("-wal", ""):
            target = Path(f"{final}{suffix}")
            target.open("xb").close()  # claim the name atomically
            created.append(target)
            shutil.copyfile(f"{building}{suffix}", target)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _wal_tail(n: int) -> int:
    return min(n, max(1, round(n * _WAL_SHARE)))


def _write(conn: sqlite3.Connection, spec: _Spec, table: _Table, rows: Iterator[tuple]) -> None:
    columns = ", ".join(spec.columns)
    marks = ", ".join("?" * len(spec.columns))
    sql = f"INSERT INTO {spec.table} ({columns}) VALUES ({marks})"  # noqa: S608 - names are ours
    user_index = spec.columns.index(spec.user_column) if spec.user_column else None
    deleted = table.ctx.deleted
    label = f"{table.file}:{spec.table}"
    while chunk := list(islice(rows, _CHUNK_ROWS)):
        if user_index is not None:
            orphans = sum(1 for row in chunk if row[user_index] is not None and deleted(row[user_index]))
            table.count("orphan_user_id", orphans)
        conn.execute("BEGIN")
        conn.executemany(sql, chunk)
        conn.execute("COMMIT")
        table.rows_written += len(chunk)
        _report(label, table.rows_written)


# ---------------------------------------------------------------------------
# Per-run context: deterministic facts about users, keys, passwords
# ---------------------------------------------------------------------------


def _derive(*parts: object) -> int:
    """A 64-bit integer from a stable hash of ``parts`` (Python's hash() is salted)."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _mix64(x: int) -> int:
    # splitmix64 finaliser: cheap, and good enough to look random per user id.
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _M64
    return x ^ (x >> 31)


class _Ctx:
    """Facts shared by all tables of one run, derived from (seed, scale) alone."""

    def __init__(self, seed: int, scale: float) -> None:
        self.seed = seed
        self.scale = scale
        self.n_uids = max(4, round(_USER_IDS_PER_SCALE * scale))
        # Fixed ids guarantee one orphan owner and one email variant at any scale.
        self.forced_deleted = self.n_uids // 2
        self.forced_variant = self.n_uids // 2 + 1
        self._keys: dict[str, int] = {}
        self._hash_pool: ThreadPoolExecutor | None = None
        self._hash_futures: dict[int, Future] = {}
        self.fernets = [Fernet(key) for key in _fernet_keys_oldest_first(seed)]

    def close(self) -> None:
        if self._hash_pool is not None:
            self._hash_pool.shutdown(cancel_futures=True)

    def h(self, fact: str, u: int) -> float:
        """Uniform [0, 1) for (fact, user id), stable for the run's seed."""
        key = self._keys.get(fact)
        if key is None:
            key = self._keys[fact] = _derive("fact", self.seed, fact)
        return _mix64((key + u * _GOLDEN) & _M64) / 18446744073709551616.0

    def fixed_rows(self, per_scale: float) -> int:
        return max(1, round(per_scale * self.scale))

    # -- users -------------------------------------------------------------

    def deleted(self, u: int) -> bool:
        """Was user ``u`` hard-deleted (its users row absent, children kept)?"""
        if u == self.forced_deleted:
            return True
        if u == 1 or u == self.forced_variant:
            return False
        return self.h("deleted", u) < _DELETED_SHARE

    def email_source(self, u: int) -> int | None:
        """The account whose address ``u``'s address is a case/space variant of."""
        if u == 1 or self.deleted(u):
            return None
        if u != self.forced_variant and self.h("variant", u) >= _EMAIL_VARIANT_SHARE:
            return None
        v = u - 1
        while self.deleted(v):  # user 1 is never deleted
            v -= 1
        return v

    def person(self, u: int) -> int:
        """The id whose name and base address ``u`` shares (itself unless a variant)."""
        while (source := self.email_source(u)) is not None:
            u = source
        return u

    def names(self, u: int) -> tuple[str, str]:
        p = self.person(u)
        first = _pick_index(_FIRST_NAMES, self.h("first", p))
        return first, _pick_index(_LAST_NAMES, self.h("last", p))

    def email(self, u: int) -> str:
        p = self.person(u)
        first, last = self.names(p)
        pattern = int(self.h("email_pattern", p) * 4)
        local = (f"{first}.{last}{p}", f"{first[0]}{last}{p}", f"{first}{last[0]}{p}", f"{first}_{last}{p}")[
            pattern
        ].lower()
        base = f"{local}@{_DOMAINS(self.h('domain', p))}"
        if p == u:
            return base
        style = int(self.h("variant_style", u) * 5)
        if style == 0:
            return base[0].upper() + base[1:]
        if style == 1:
            return base.upper()
        if style == 2:
            return " " + base.upper()
        if style == 3:
            return base + " "
        return " " + base[0].upper() + base[1:]

    def created_ts(self, u: int) -> int:
        """Sign-up time: ids grow with time, over three years up to a week before now."""
        span = _NOW_TS - _START_TS - 7 * _DAY
        return _START_TS + int((u - 1 + self.h("created", u)) / self.n_uids * span)

    def state(self, u: int) -> tuple:
        return _STATES(self.h("state", u))

    def zip_code(self, u: int) -> str:
        state = self.state(u)
        low, high = state[1]
        x = self.h("zip", u)
        return f"{low + int(x * (high - low + 1)):03d}{int(x * 100000) % 100:02d}"

    def income_cents(self, u: int) -> int:
        """Annual income, skewed: most between $35k and $110k, a tail to $250k."""
        x = self.h("income", u)
        dollars = 26000 + int((x**1.7) * 224000)
        return dollars // 500 * 500 * 100

    def engagement(self, u: int) -> float:
        return 0.2 + 1.6 * self.h("engagement", u)  # mean 1.0

    def per_user(self, table: str, rate: float, engaged: bool) -> Iterator[tuple[int, int]]:
        """(user id, row count) for a per-user table; deleted ids too (their rows are orphans)."""
        for u in range(1, self.n_uids + 1):
            weight = self.engagement(u) if engaged else 1.0
            count = int(rate * weight + self.h(table, u))
            if count == 0 and u == self.forced_deleted:
                count = 1  # every per-user table gets an orphan, and at least one row
            if count:
                yield u, count

    # -- passwords ---------------------------------------------------------

    def start_password_pool(self) -> None:
        """Start hashing the pool entries this run's users need, in background threads."""
        # hashlib's pbkdf2/scrypt release the GIL, so threads overlap with row generation.
        self._hash_pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
        needed = sorted({u % _POOL_SIZE for u in range(1, min(self.n_uids, _POOL_SIZE) + 1)})
        self._hash_futures = {j: self._hash_pool.submit(_pool_hash, self.seed, j) for j in needed}

    def password_hashes(self) -> dict[int, str]:
        """{pool index: werkzeug hash}; user u's hash is entry u % 64."""
        if not self._hash_futures:
            self.start_password_pool()
        return {j: future.result() for j, future in self._hash_futures.items()}


_POOL_SIZE = 64
_SALT_CHARS = string.ascii_letters + string.digits
# Hash methods over the app's history (werkzeug 1.x, 2.x and 3.x defaults).
_POOL_METHODS = (
    "pbkdf2:sha256:150000",
    "pbkdf2:sha256:260000",
    "scrypt:32768:8:1",
    "pbkdf2:sha256:150000",
    "pbkdf2:sha256:600000",
    "scrypt:32768:8:1",
    "pbkdf2:sha256:260000",
    "pbkdf2:sha256:150000",
)
_PASSWORD_WORDS = (
    "Maple",
    "Harbor",
    "Copper",
    "Velvet",
    "Summit",
    "Cedar",
    "Indigo",
    "Falcon",
    "Meadow",
    "Granite",
    "Willow",
    "Saffron",
    "Juniper",
    "Orbit",
    "Canyon",
    "Ember",
    "Lantern",
    "Tundra",
)


def _pool_entry(seed: int, j: int) -> tuple[str, str, str]:
    """(plaintext, werkzeug method, salt) of password-pool entry ``j``."""
    r = random.Random(_derive("password", seed, j))  # noqa: S311 - reproducible on purpose
    plaintext = f"{r.choice(_PASSWORD_WORDS)}-{r.choice(_PASSWORD_WORDS).lower()}-{j:02d}{r.choice('!#$%&*?')}"
    salt = "".join(r.choice(_SALT_CHARS) for _ in range(16))
    return plaintext, _POOL_METHODS[j % len(_POOL_METHODS)], salt


def _pool_hash(seed: int, j: int) -> str:
    """Entry ``j`` hashed exactly as werkzeug.security.generate_password_hash would."""
    plaintext, method, salt = _pool_entry(seed, j)
    if method.startswith("scrypt:"):
        n, r, p = (int(x) for x in method.split(":")[1:])
        digest = hashlib.scrypt(plaintext.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64)
    else:
        _, name, iterations = method.split(":")
        digest = hashlib.pbkdf2_hmac(name, plaintext.encode(), salt.encode(), int(iterations))
    return f"{method}${salt}${digest.hex()}"


def _password_rule(seed: int) -> str:
    examples = ", ".join(f"user {i}: {sample_password(legacy_user_id=i, seed=seed)!r}" for i in (1, 2))
    return (
        f"The password of legacy user id i is password_pool[i % {_POOL_SIZE}] (a pool of "
        f"{_POOL_SIZE} passwords derived from seed {seed}), also given by "
        f"ops.legacy.sample.sample_password(legacy_user_id=i, seed={seed}). Users with a "
        f"NULL password_hash (social login) have none. Examples: {examples}."
    )


def _fernet_keys_oldest_first(seed: int) -> list[str]:
    return [
        base64.urlsafe_b64encode(
            hashlib.sha256(f"mingus-legacy-fernet-key/{seed}/{version}".encode()).digest()
        ).decode()
        for version in (1, 2, 3)
    ]


# ---------------------------------------------------------------------------
# Per-table state and value helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    table: str
    columns: tuple[str, ...]
    rows: Callable[[_Ctx, _Table], Iterator[tuple]]
    count: Callable[[_Ctx], int]  # planned rows, without extra duplicate rows
    user_column: str | None = None
    wal_tail: bool = False
    late: bool = False  # generate after the other tables of the file


class _Table:
    """One table being generated: its own RNG, planned size and defect counters."""

    def __init__(self, ctx: _Ctx, file: str, spec: _Spec) -> None:
        self.ctx = ctx
        self.file = file
        self.name = spec.table
        # Sample data must be reproducible, so a seeded PRNG is the point here.
        self.rng = random.Random(_derive("table", ctx.seed, file, spec.table))  # noqa: S311
        self.n = spec.count(ctx)
        self.d: Counter[str] = Counter()
        self.rows_written = 0
        self._forced: dict[str, int] = {}
        self._orphan_picked = False

    def roll(self, defect: str, rate: float, k: int) -> bool:
        """Should row ``k`` carry ``defect``? Roughly ``rate`` of rows, and never zero.

        A per-(table, defect) row index in the first half of the table forces
        the defect if none has occurred yet, so tiny samples carry every defect.
        The caller must ``count`` the defect when it lands.
        """
        hit = self.rng.random() < rate
        if hit or self.d[defect]:
            return hit
        return k >= self._forced_index(defect)

    def count(self, defect: str, n: int = 1) -> None:
        if n:
            self.d[defect] += n

    def pick_user(self, k: int, anonymous: float = 0.0) -> int | None:
        """A random user id (deleted ones included, so ~3% orphans), or None."""
        r = self.rng
        anonymous = bool(anonymous) and r.random() < anonymous
        u = r.randint(1, self.ctx.n_uids)
        if not self._orphan_picked and k >= self._forced_index("orphan_user_id"):
            u, anonymous = self.ctx.forced_deleted, False
        if anonymous:
            return None
        self._orphan_picked = self._orphan_picked or self.ctx.deleted(u)
        return u

    def _forced_index(self, defect: str) -> int:
        forced = self._forced.get(defect)
        if forced is None:
            forced = _derive("force", self.ctx.seed, self.file, self.name, defect)
            forced = self._forced[defect] = forced % max(1, self.n // 2)
        return forced


class _Weighted:
    """Weighted choice by bisecting cumulative weights (faster than random.choices)."""

    def __init__(self, pairs) -> None:
        self.items = [item for item, _ in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cum.append(total)
        self.total = total

    def __call__(self, x: float):
        """The item at quantile ``x`` in [0, 1); pass ``rng.random()`` or a user hash."""
        return self.items[bisect.bisect_right(self.cum, x * self.total)]


def _pick_index(items, x: float):
    return items[int(x * len(items))]


def _stamp(ts: int, us: int = 0) -> str:
    """mingus.db DATETIME: 'YYYY-MM-DD HH:MM:SS[.ffffff]', naive UTC."""
    return (_EPOCH + timedelta(seconds=ts, microseconds=us)).isoformat(" ")


def _iso(ts: int, us: int = 0) -> str:
    """performance_metrics.db / alerts.db: Python isoformat(), naive UTC."""
    return (_EPOCH + timedelta(seconds=ts, microseconds=us)).isoformat()


def _micro(r: random.Random, on: bool) -> int:
    return r.randrange(1, 1_000_000) if on else 0


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _ordinal(ts: int) -> int:
    return _EPOCH_ORDINAL + ts // _DAY


def _between(r: random.Random, low: int, high: int) -> int:
    return low + int(r.random() * max(0, high - low))


_TIMEZONES = {m: timezone(timedelta(minutes=m)) for m in (-480, -420, -360, -300, -240, 0, 60, 120, 330, 540)}
_BI_OFFSETS = _Weighted(
    [
        (None, 55),
        (0, 15),
        (-300, 9),
        (-240, 6),
        (-360, 5),
        (-420, 2),
        (-480, 4),
        (60, 2),
        (120, 1),
        (330, 1),
    ]
)


def _bi_stamp(ts: int, offset: int | None, ms: int | None = None) -> str:
    """business_intelligence.db: ISO 8601 with 'Z' or an explicit offset (same instant)."""
    spec = "seconds" if ms is None else "milliseconds"
    moment = _EPOCH + timedelta(seconds=ts, milliseconds=ms or 0)
    if offset is None:
        return moment.isoformat(timespec=spec) + "Z"
    aware = moment.replace(tzinfo=UTC).astimezone(_TIMEZONES[offset])
    return aware.isoformat(timespec=spec)


def _money(r: random.Random, cents: int, noisy: bool) -> float:
    """Dollars as the legacy FLOAT: cents/100, or one or two ULPs off it when ``noisy``."""
    value = cents / 100
    if noisy and cents:
        toward = math.inf if r.random() < 0.5 else -math.inf
        for _ in range(1 if r.random() < 0.7 else 2):
            value = math.nextafter(value, toward)
    return value


def _dollars(cents: int) -> str:
    """Exact decimal text of an amount of cents ('1234.56')."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def _display_money(cents: int, parentheses: bool) -> str:
    """The old UI's display string: '$1,234.56', '-$12.00' or '($12.00)'."""
    whole, part = divmod(abs(cents), 100)
    text = f"${whole:,}.{part:02d}"
    if cents >= 0:
        return text
    return f"({text})" if parentheses else f"-{text}"


def _bool(r: random.Random, value: bool, as_text: bool):
    if not as_text:
        return int(value)
    text = "true" if value else "false"
    return text.capitalize() if r.random() < 0.5 else text


def _json(value) -> str:
    return json.dumps(value, separators=(", ", ": "))


def _broken_json(r: random.Random, text: str) -> str:
    """A legacy write bug: the document cut short, or nothing at all."""
    if r.random() < 0.25 or len(text) < 4:
        return ""
    # A strict prefix of a JSON object or array is never valid JSON.
    return text[: len(text) // 2 + int(r.random() * (len(text) // 2 - 1))]


def _impossible_date(r: random.Random) -> str:
    """'YYYY-MM-DD' one day past the end of a month (2024-02-30, 2023-04-31)."""
    year = r.choice((2022, 2023, 2024, 2025))
    month = r.choice((2, 4, 6, 9, 11))
    return f"{year}-{month:02d}-{30 if month == 2 else 31}"


def _hex(r: random.Random, digits: int) -> str:
    return f"{r.getrandbits(digits * 4):0{digits}x}"


def _token(r: random.Random, length: int) -> str:
    return "".join(r.choices(_SALT_CHARS, k=length))


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------

_FIRST_NAMES = (
    "james",
    "michael",
    "robert",
    "david",
    "william",
    "marcus",
    "andre",
    "darius",
    "jamal",
    "kevin",
    "brandon",
    "anthony",
    "christopher",
    "terrence",
    "malik",
    "jordan",
    "isaiah",
    "elijah",
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "aisha",
    "keisha",
    "tiana",
    "jasmine",
    "brianna",
    "destiny",
    "imani",
    "nia",
    "latoya",
    "monique",
    "alicia",
    "maria",
    "sofia",
    "camila",
    "grace",
    "olivia",
    "emma",
    "chloe",
    "priya",
    "wei",
    "hannah",
    "rachel",
    "erica",
    "tamika",
    "danielle",
    "kimberly",
)
_LAST_NAMES = (
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "wilson",
    "anderson",
    "thomas",
    "jackson",
    "white",
    "harris",
    "martin",
    "thompson",
    "robinson",
    "lewis",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
    "nelson",
    "carter",
    "mitchell",
    "roberts",
    "turner",
    "phillips",
    "campbell",
    "parker",
    "evans",
    "edwards",
    "collins",
    "stewart",
    "morris",
    "rogers",
    "reed",
    "cook",
    "bell",
    "washington",
    "jefferson",
    "banks",
    "freeman",
)
_DOMAINS = _Weighted(
    [
        ("gmail.com", 45),
        ("yahoo.com", 14),
        ("outlook.com", 9),
        ("hotmail.com", 8),
        ("icloud.com", 9),
        ("aol.com", 3),
        ("comcast.net", 3),
        ("protonmail.com", 2),
        ("att.net", 2),
        ("msn.com", 2),
        ("live.com", 3),
    ]
)
# (state, zip prefix range, area codes, metro area)
_STATES = _Weighted(
    [
        (("GA", (300, 319), ("404", "470", "678", "770"), "Atlanta, GA"), 16),
        (("TX", (750, 799), ("214", "713", "512", "832"), "Houston, TX"), 10),
        (("NY", (100, 149), ("212", "718", "917", "516"), "New York, NY"), 9),
        (("CA", (900, 961), ("213", "310", "415", "510"), "Los Angeles, CA"), 8),
        (("IL", (600, 629), ("312", "773", "630"), "Chicago, IL"), 6),
        (("FL", (320, 349), ("305", "407", "813", "904"), "Miami, FL"), 7),
        (("NC", (270, 289), ("704", "919", "336"), "Charlotte, NC"), 6),
        (("MD", (206, 219), ("301", "410", "443"), "Baltimore, MD"), 5),
        (("DC", (200, 205), ("202",), "Washington, DC"), 4),
        (("VA", (220, 246), ("703", "757", "804"), "Richmond, VA"), 4),
        (("PA", (150, 196), ("215", "267", "412"), "Philadelphia, PA"), 4),
        (("MI", (480, 499), ("313", "248", "616"), "Detroit, MI"), 4),
        (("OH", (430, 459), ("216", "614", "513"), "Columbus, OH"), 3),
        (("TN", (370, 385), ("615", "901", "423"), "Memphis, TN"), 3),
        (("LA", (700, 714), ("504", "225"), "New Orleans, LA"), 3),
        (("NJ", (70, 89), ("201", "973", "732"), "Newark, NJ"), 3),
        (("MA", (10, 27), ("617", "508"), "Boston, MA"), 2),
        (("WA", (980, 994), ("206", "425", "253"), "Seattle, WA"), 1),
        (("AZ", (850, 865), ("602", "480", "520"), "Phoenix, AZ"), 1),
        (("CO", (800, 816), ("303", "720", "719"), "Denver, CO"), 1),
    ]
)
_METROS = tuple(item[3] for item in _STATES.items)
_AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_EDUCATION = ("High School", "Some College", "Associate's", "Bachelor's", "Master's", "Doctorate")
_JOBS = (
    ("Software Engineer", "Technology"),
    ("Data Analyst", "Technology"),
    ("Registered Nurse", "Healthcare"),
    ("Teacher", "Education"),
    ("Accountant", "Finance"),
    ("Financial Analyst", "Finance"),
    ("Project Manager", "Construction"),
    ("Marketing Manager", "Marketing"),
    ("HR Generalist", "Human Resources"),
    ("Sales Representative", "Retail"),
    ("Operations Manager", "Logistics"),
    ("Pharmacist", "Healthcare"),
    ("Mechanical Engineer", "Manufacturing"),
    ("Social Worker", "Government"),
    ("Paralegal", "Legal"),
    ("Attorney", "Legal"),
    ("UX Designer", "Technology"),
    ("Customer Success Manager", "Technology"),
    ("Police Officer", "Government"),
    ("Physical Therapist", "Healthcare"),
    ("Product Manager", "Technology"),
    ("Loan Officer", "Finance"),
    ("Supply Chain Analyst", "Logistics"),
    ("Electrician", "Construction"),
    ("Graphic Designer", "Media"),
    ("Administrative Assistant", "Professional Services"),
    ("Management Consultant", "Professional Services"),
    ("Dental Hygienist", "Healthcare"),
)
_SKILLS = (
    "Python",
    "SQL",
    "Excel",
    "Project Management",
    "Public Speaking",
    "Salesforce",
    "Tableau",
    "Leadership",
    "Negotiation",
    "Budgeting",
    "Customer Service",
    "Java",
    "Data Analysis",
    "Agile",
    "Patient Care",
    "Curriculum Design",
    "Figma",
    "AWS",
    "Bookkeeping",
    "QuickBooks",
    "Supply Chain",
    "Six Sigma",
    "Spanish",
    "Writing",
    "Recruiting",
    "Marketing Strategy",
    "Contract Law",
    "AutoCAD",
    "Power BI",
    "Coaching",
)
_EMPLOYMENT = _Weighted(
    [
        ("employed_full_time", 68),
        ("employed_part_time", 8),
        ("self_employed", 9),
        ("contractor", 5),
        ("unemployed", 4),
        ("student", 4),
        ("retired", 2),
    ]
)
_TIERS = _Weighted([("free", 35), ("budget", 30), ("mid_tier", 25), ("professional", 10)])
_TIER_MONTHLY_CENTS = {"free": 0, "budget": 1500, "mid_tier": 3500, "professional": 10000}
_STATUSES = _Weighted(
    [
        ("active", 70),
        ("trialing", 8),
        ("past_due", 5),
        ("canceled", 12),
        ("incomplete", 3),
        ("unpaid", 2),
    ]
)
_SEVERITIES = _Weighted([("info", 35), ("warning", 40), ("error", 18), ("critical", 7)])
_CARD_BRANDS = _Weighted([("visa", 55), ("mastercard", 28), ("amex", 10), ("discover", 7)])


# ---------------------------------------------------------------------------
# mingus.db
# ---------------------------------------------------------------------------


def _users(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    hashes = ctx.password_hashes()
    k = 0
    for u in range(1, ctx.n_uids + 1):
        if ctx.deleted(u):
            continue
        first, last = ctx.names(u)
        if ctx.email_source(u) is not None:
            t.count("email_variant")
        if t.roll("null_password_hash", 0.01, k):
            t.count("null_password_hash")
            password_hash = None
        else:
            password_hash = hashes[u % _POOL_SIZE]
        area = r.choice(ctx.state(u)[2])
        x = r.random()
        number = f"{r.randint(201, 989)}{r.randint(0, 9999):04d}"
        if x < 0.55:
            phone = f"({area}) {number[:3]}-{number[3:]}"
        elif x < 0.75:
            phone = f"{area}-{number[:3]}-{number[3:]}"
        elif x < 0.85:
            phone = f"+1{area}{number}"
        else:
            phone = None
        micro = t.roll("microsecond_timestamp", 0.10, k)
        text = t.roll("text_boolean", 0.05, k)
        t.count("microsecond_timestamp", micro)
        t.count("text_boolean", text)
        created = ctx.created_ts(u)
        updated = _between(r, created, _NOW_TS)
        last_login = None if r.random() < 0.05 else _between(r, created, _NOW_TS)
        yield (
            u,
            ctx.email(u),
            password_hash,
            first.capitalize(),
            last.capitalize(),
            phone,
            _bool(r, r.random() < 0.93, text),
            _bool(r, u == 1 or r.random() < 0.004, text),
            _bool(r, r.random() < 0.82, text),
            None if last_login is None else _stamp(last_login, _micro(r, micro)),
            _stamp(created, _micro(r, micro)),
            _stamp(updated, _micro(r, micro)),
        )
        k += 1


def _count_users(ctx: _Ctx) -> int:
    return sum(1 for u in range(1, ctx.n_uids + 1) if not ctx.deleted(u))


def _per_user_count(table: str, rate: float, engaged: bool) -> Callable[[_Ctx], int]:
    return lambda ctx: sum(count for _, count in ctx.per_user(table, rate, engaged))


def _user_profiles(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 0.97, False):
        for _ in range(count):
            created = ctx.created_ts(u) + r.randint(60, 3 * _DAY)
            age = r.randint(21, 64)
            born = _ordinal(_NOW_TS) - age * 365 - r.randint(0, 364)
            noisy = t.roll("float_noise", 0.20, k)
            income = ctx.income_cents(u)
            t.count("float_noise", noisy and income != 0)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            demographics = _json(
                {
                    "age_range": _AGE_BANDS[min(5, max(0, (age - 15) // 10))],
                    "gender": r.choice(("female", "male", "non_binary", "prefer_not_to_say")),
                    "ethnicity": r.choice(("black", "black", "black", "hispanic", "white", "asian", "multiracial")),
                    "marital_status": r.choice(("single", "married", "divorced", "partnered")),
                    "education": r.choice(_EDUCATION),
                    "dependents": r.choice((0, 0, 0, 1, 1, 2, 3)),
                    "homeowner": r.random() < 0.38,
                }
            )
            preferences = _json(
                {
                    "currency": "USD",
                    "language": "en-US",
                    "theme": r.choice(("light", "dark", "system")),
                    "notifications": {"email": r.random() < 0.8, "sms": r.random() < 0.3, "push": r.random() < 0.5},
                    "weekly_digest": r.random() < 0.6,
                    "onboarding_complete": r.random() < 0.9,
                }
            )
            if t.roll("invalid_json", 0.01, k):
                t.count("invalid_json")
                if r.random() < 0.5:
                    demographics = _broken_json(r, demographics)
                else:
                    preferences = _broken_json(r, preferences)
            zip_code = ctx.zip_code(u)
            if r.random() < 0.08:
                zip_code += f"-{r.randint(0, 9999):04d}"
            yield (
                u,
                _day(born),
                zip_code,
                ctx.state(u)[0],
                r.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)),
                _money(r, income, noisy),
                _EMPLOYMENT(r.random()),
                demographics,
                preferences,
                _stamp(created, _micro(r, micro)),
                _stamp(_between(r, created, _NOW_TS), _micro(r, micro)),
            )
            k += 1


def _subscriptions(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 1.05, False):
        joined = ctx.created_ts(u)
        for i in range(count):
            tier = _TIERS(r.random())
            status = "canceled" if i < count - 1 else _STATUSES(r.random())
            if tier == "free":
                status = "active" if status != "canceled" else status
            if t.roll("unknown_enum", 0.003, k):
                t.count("unknown_enum")
                if r.random() < 0.5:
                    tier = "enterprise"
                else:
                    status = "cancelled"
            annual = tier != "free" and r.random() < 0.22
            cents = _TIER_MONTHLY_CENTS.get(tier, 25000) * (10 if annual else 1)
            if cents and r.random() < 0.1:
                cents = cents * 8 // 10  # launch discount
            noisy = t.roll("float_noise", 0.20, k)
            t.count("float_noise", noisy and cents != 0)
            text = t.roll("text_boolean", 0.05, k)
            t.count("text_boolean", text)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            created = joined + r.randint(0, 30 * _DAY) + i * r.randint(30, 200) * _DAY
            created = min(created, _NOW_TS - _DAY)
            period = (365 if annual else 30) * _DAY
            start = created + (max(0, _NOW_TS - created) // period) * period
            if start >= _NOW_TS:
                start -= period
            if tier == "free":
                billing = {"plan": "free"}
                customer = subscription = None
            else:
                state = ctx.state(u)
                billing = {
                    "card_brand": _CARD_BRANDS(r.random()),
                    "last4": f"{r.randint(0, 9999):04d}",
                    "exp_month": r.randint(1, 12),
                    "exp_year": r.randint(2024, 2030),
                    "billing_email": ctx.email(u),
                    "address": {"postal_code": ctx.zip_code(u), "state": state[0], "country": "US"},
                }
                customer = f"cus_{_token(r, 14)}"
                subscription = f"sub_{_token(r, 24)}"
            billing_info = _json(billing)
            if t.roll("invalid_json", 0.01, k):
                t.count("invalid_json")
                billing_info = _broken_json(r, billing_info)
            yield (
                u,
                tier,
                status,
                _money(r, cents, noisy),
                None if tier == "free" else ("annual" if annual else "monthly"),
                customer,
                subscription,
                _stamp(start, _micro(r, micro)),
                _stamp(start + period, _micro(r, micro)),
                _bool(r, status in ("active", "trialing") and r.random() < 0.08, text),
                billing_info,
                _stamp(created, _micro(r, micro)),
                _stamp(_between(r, created, _NOW_TS), _micro(r, micro)),
            )
            k += 1


_KEY_ROTATIONS = (
    int(datetime(2022, 10, 1, tzinfo=UTC).timestamp()),  # key 2 introduced
    int(datetime(2024, 1, 15, tzinfo=UTC).timestamp()),  # key 3 introduced
)
_DEBTS = ("student_loan", "auto_loan", "credit_card", "personal_loan", "medical")
_INSTITUTIONS = (
    "Chase",
    "Bank of America",
    "Wells Fargo",
    "Capital One",
    "Ally",
    "Navy Federal",
    "Truist",
    "PNC",
    "Citi",
    "Chime",
    "USAA",
    "Regions",
)


def _encrypted_financial_profiles(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 0.8, False):
        for _ in range(count):
            created = min(ctx.created_ts(u) + r.randint(3600, 10 * _DAY), _NOW_TS - 60)
            # Re-saved whenever the user edits it, so mostly recently: few rows keep old keys.
            updated = _NOW_TS - int((_NOW_TS - created) * r.random() ** 2.5)
            version = 1 + bisect.bisect_right(_KEY_ROTATIONS, updated)
            if version == 3 and t.roll("fernet_old_key", 0.0, k):
                version = 1  # never re-saved since key 1 was current
            t.count("fernet_old_key", version < 3)
            accounts, debts, net_worth = [], [], 0
            for _ in range(r.randint(1, 4)):
                kind = r.choice(("checking", "checking", "savings", "credit_card", "brokerage"))
                balance = -r.randint(0, 800000) if kind == "credit_card" else r.randint(0, 4000000)
                net_worth += balance
                accounts.append(
                    {
                        "type": kind,
                        "institution": r.choice(_INSTITUTIONS),
                        "mask": f"{r.randint(0, 9999):04d}",
                        "balance": _dollars(balance),
                    }
                )
            for _ in range(r.randint(0, 3)):
                balance = r.randint(50000, 9000000)
                net_worth -= balance
                debts.append(
                    {"type": r.choice(_DEBTS), "balance": _dollars(balance), "apr": _dollars(r.randint(200, 2999))}
                )
            document = {
                "accounts": accounts,
                "debts": debts,
                "net_worth": _dollars(net_worth),
                "monthly_income": _dollars(ctx.income_cents(u) // 12),
                "monthly_expenses": _dollars(r.randint(150000, 900000)),
                "credit_score": r.randint(520, 820),
                "as_of": _day(_ordinal(updated)),
            }
            # Fixed time and IV from the table RNG keep the token deterministic.
            token = ctx.fernets[version - 1]._encrypt_from_parts(
                json.dumps(document).encode("utf-8"), updated, r.randbytes(16)
            )
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            yield (
                u,
                token,
                version,
                _stamp(created, _micro(r, micro)),
                _stamp(updated, _micro(r, micro)),
            )
            k += 1


_CHECKIN_NOTES = (
    "Rough week at work",
    "Slept badly",
    "Great workout today",
    "Family dinner",
    "Paid rent",
    "Feeling anxious about bills",
    "Meditated in the morning",
    "Long commute",
    "Got a raise!",
    "Kids were sick",
    "Went to church",
    "Weekend trip",
)


def _user_health_checkins(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 4.0, True):
        first_day = _ordinal(ctx.created_ts(u)) + 1
        spacing = min(7.0, max(1.0, (_NOW_ORD - first_day) / count))
        for i in range(count):
            day = _NOW_ORD - 1 - int((count - 1 - i) * spacing)
            ratings = [max(1, min(10, round(r.gauss(mu, 2)))) for mu in (5.5, 6.5, 7.0)]
            if t.roll("rating_out_of_range", 0.003, k):
                t.count("rating_out_of_range")
                ratings[r.randrange(3)] = r.choice((0, 11))
            minutes = max(0, int(r.gauss(35, 25)))
            if t.roll("negative_minutes", 0.003, k):
                t.count("negative_minutes")
                minutes = -r.randint(5, 90)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            created = (day - _EPOCH_ORDINAL) * _DAY + r.randint(6 * 3600, 23 * 3600)
            yield (
                u,
                _day(day),
                round(r.uniform(4.5, 9.5) * 4) / 4,
                minutes,
                ratings[0],
                ratings[1],
                ratings[2],
                r.choice((0, 0, 0, 5, 10, 10, 15, 20, 30)),
                r.choice(_CHECKIN_NOTES) if r.random() < 0.25 else None,
                _stamp(created, _micro(r, micro)),
            )
            k += 1


_HEALTH_METRICS = (
    "sleep_hours",
    "stress_level",
    "mood_rating",
    "physical_activity_minutes",
    "mindfulness_minutes",
    "relationships_rating",
)
_SPENDING = (
    "dining",
    "shopping",
    "entertainment",
    "groceries",
    "transportation",
    "alcohol",
    "subscriptions",
    "travel",
    "personal_care",
)


def _health_correlations(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 0.5, True):
        for _ in range(count):
            earliest = min(max(_ordinal(ctx.created_ts(u)) + 30, _NOW_ORD - 400), _NOW_ORD - 1)
            end = r.randint(earliest, _NOW_ORD - 1)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            computed = (end + 1 - _EPOCH_ORDINAL) * _DAY + r.randint(3600, 5 * 3600)
            yield (
                u,
                r.choice(_HEALTH_METRICS),
                r.choice(_SPENDING),
                r.uniform(-0.72, 0.72),
                r.random() ** 2 * 0.6,
                r.randint(8, 120),
                _day(end - r.choice((30, 60, 90, 180))),
                _day(end),
                _stamp(computed, _micro(r, micro)),
            )
            k += 1


_INCOME_TYPES = _Weighted(
    [
        ("salary", 55),
        ("freelance", 12),
        ("side_hustle", 12),
        ("rental", 5),
        ("benefits", 8),
        ("child_support", 4),
        ("bonus", 4),
    ]
)
_PAY_FREQUENCIES = (("weekly", 52), ("biweekly", 26), ("semimonthly", 24), ("monthly", 12))


def _user_income_due_dates(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 1.5, True):
        for i in range(count):
            kind = "salary" if i == 0 else _INCOME_TYPES(r.random())
            frequency, periods = r.choice(_PAY_FREQUENCIES)
            if kind == "salary":
                cents = ctx.income_cents(u) // periods
            else:
                cents = r.randint(5000, 250000)
                if r.random() < 0.6:
                    cents = cents // 100 * 100
            noisy = t.roll("float_noise", 0.20, k)
            t.count("float_noise", noisy and cents != 0)
            text = t.roll("text_boolean", 0.05, k)
            t.count("text_boolean", text)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            created = ctx.created_ts(u) + r.randint(600, 20 * _DAY)
            yield (
                u,
                kind,
                _money(r, cents, noisy),
                frequency,
                _day(_NOW_ORD + r.randint(-10, 35)),
                _bool(r, r.random() < 0.9, text),
                _stamp(min(created, _NOW_TS - 60), _micro(r, micro)),
            )
            k += 1


_EXPENSES = (
    # (expense_type, category, low cents, high cents, frequency)
    ("rent", "housing", 90000, 280000, "monthly"),
    ("mortgage", "housing", 110000, 380000, "monthly"),
    ("car_payment", "transportation", 25000, 85000, "monthly"),
    ("car_insurance", "insurance", 9000, 32000, "monthly"),
    ("utilities", "utilities", 8000, 35000, "monthly"),
    ("phone", "utilities", 4500, 18000, "monthly"),
    ("internet", "utilities", 5000, 12000, "monthly"),
    ("student_loan", "debt", 15000, 90000, "monthly"),
    ("credit_card", "debt", 3500, 60000, "monthly"),
    ("childcare", "family", 40000, 180000, "monthly"),
    ("streaming", "entertainment", 699, 2299, "monthly"),
    ("gym", "health", 1000, 9900, "monthly"),
    ("life_insurance", "insurance", 2500, 12000, "monthly"),
    ("tuition", "education", 150000, 900000, "semiannual"),
    ("property_tax", "housing", 80000, 600000, "annual"),
)


def _user_expense_due_dates(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 2.0, True):
        for _ in range(count):
            kind, category, low, high, frequency = r.choice(_EXPENSES)
            cents = r.randint(low, high)
            if r.random() < 0.5:
                cents = cents // 100 * 100
            if t.roll("display_money_negative", 0.03, k):
                cents = -r.randint(500, 25000)  # a refund or credit entered as an expense
                t.count("display_money_negative")
            t.count("display_money")
            t.count("us_format_date")
            due = date.fromordinal(_NOW_ORD + r.randint(-5, 45))
            text = t.roll("text_boolean", 0.05, k)
            t.count("text_boolean", text)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            created = min(ctx.created_ts(u) + r.randint(600, 40 * _DAY), _NOW_TS - 60)
            yield (
                u,
                kind,
                category,
                _display_money(cents, r.random() < 0.5),
                frequency,
                f"{due.month:02d}/{due.day:02d}/{due.year:04d}",
                _bool(r, r.random() < 0.92, text),
                _stamp(created, _micro(r, micro)),
            )
            k += 1


def _daily_cashflow(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 7.0, True):
        # A forecast run: consecutive days, each opening where the previous closed.
        start = max(_ordinal(ctx.created_ts(u)) + 1, _NOW_ORD - 720) + r.randint(0, 300)
        paycheck = max(20000, ctx.income_cents(u) // 26)
        payday = r.randrange(14)
        balance = r.randint(-30000, 600000)
        for i in range(count):
            day = start + i
            income = paycheck if (day + payday) % 14 == 0 else 0
            if r.random() < 0.05:
                income += r.randint(2000, 40000)
            expenses = r.randint(0, 9000) if r.random() < 0.8 else r.randint(9000, 160000)
            opening, closing = balance, balance + income - expenses
            balance = closing
            status = "healthy" if closing >= 100000 else ("warning" if closing >= 0 else "danger")
            copies = 1
            if t.roll("duplicate_key", 0.003, k):
                copies = 2  # the same day saved twice by a double-submitted forecast
                t.count("duplicate_key")
            noisy = t.roll("float_noise", 0.20, k)
            if noisy and (opening or income or expenses or closing):
                t.count("float_noise", copies)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", copies * micro)
            created = (day - 1 - _EPOCH_ORDINAL) * _DAY + r.randint(2 * 3600, 3 * 3600)
            for _ in range(copies):
                yield (
                    u,
                    _day(day),
                    _money(r, opening, noisy),
                    _money(r, income, noisy),
                    _money(r, expenses, noisy),
                    _money(r, closing, noisy),
                    status,
                    _stamp(min(created, _NOW_TS - 60), _micro(r, micro)),
                )
            k += 1


_EVENTS = (
    # (event_type, title, has amount)
    ("birthday", "{first}'s birthday", False),
    ("anniversary", "Wedding anniversary", False),
    ("tax_deadline", "Federal tax filing deadline", True),
    ("rent_increase", "Rent goes up", True),
    ("lease_renewal", "Lease renewal", True),
    ("insurance_renewal", "Car insurance renewal", True),
    ("graduation", "Graduation", True),
    ("wedding", "Cousin's wedding", True),
    ("vacation", "Family vacation", True),
    ("holiday", "Holiday shopping", True),
    ("car_registration", "Car registration", True),
    ("open_enrollment", "Benefits open enrollment", False),
)


def _important_dates(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 1.0, True):
        first = ctx.names(u)[0].capitalize()
        for _ in range(count):
            kind, title, has_amount = r.choice(_EVENTS)
            created = min(ctx.created_ts(u) + r.randint(600, 60 * _DAY), _NOW_TS - 60)
            event = date.fromordinal(_ordinal(created) + r.randint(5, 400)).isoformat()
            if t.roll("impossible_date", 0.003, k):
                t.count("impossible_date")
                event = _impossible_date(r)
            noisy = t.roll("float_noise", 0.20, k)
            budgeted = has_amount and r.random() < 0.75
            cents = r.randint(2500, 300000) if budgeted or noisy else None
            t.count("float_noise", noisy)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            yield (
                u,
                kind,
                event,
                title.format(first=first),
                None if cents is None else _money(r, cents, noisy),
                r.choice((1, 3, 7, 7, 7, 14, 30)),
                "Set aside money each paycheck" if r.random() < 0.15 else None,
                _stamp(created, _micro(r, micro)),
            )
            k += 1


def _career_profiles(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 0.7, False):
        for _ in range(count):
            title, industry = r.choice(_JOBS)
            salary = ctx.income_cents(u) // 100
            skills = _json(r.sample(_SKILLS, r.randint(2, 7)))
            if t.roll("invalid_json", 0.01, k):
                t.count("invalid_json")
                skills = _broken_json(r, skills)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            created = min(ctx.created_ts(u) + r.randint(600, 30 * _DAY), _NOW_TS - 60)
            yield (
                u,
                title,
                industry,
                round(r.uniform(0, 25) * 2) / 2,
                r.choice(_EDUCATION),
                ctx.state(u)[3],
                salary,
                salary * r.randint(110, 145) // 100 // 1000 * 1000,
                skills,
                _stamp(created, _micro(r, micro)),
                _stamp(_between(r, created, _NOW_TS), _micro(r, micro)),
            )
            k += 1


def _income_comparisons(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 0.7, False):
        for _ in range(count):
            income = ctx.income_cents(u)
            median = r.randint(4500000, 9000000)
            noisy = t.roll("float_noise", 0.20, k)
            t.count("float_noise", noisy)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            percentile = 100 / (1 + (median / income) ** 2.5) + r.uniform(-3, 3)
            computed = _between(r, ctx.created_ts(u), _NOW_TS)
            yield (
                u,
                f"{ctx.state(u)[3]} / {r.choice(_AGE_BANDS[1:5])} / {r.choice(_EDUCATION)}",
                _money(r, income, noisy),
                _money(r, median, noisy),
                round(max(0.5, min(99.5, percentile)), 1),
                _stamp(computed, _micro(r, micro)),
            )
            k += 1


_GOALS = (
    ("emergency_fund", "Emergency fund (3 months)", 300000, 1500000),
    ("debt_payoff", "Pay off credit card", 100000, 1200000),
    ("savings", "Save for a rainy day", 50000, 500000),
    ("home_purchase", "Down payment on a house", 1500000, 6000000),
    ("retirement", "Max out my IRA", 650000, 700000),
    ("vacation", "Trip to Jamaica", 150000, 600000),
    ("education", "MBA fund", 1000000, 8000000),
    ("car", "New car", 300000, 1500000),
)


def _user_goals(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 1.2, True):
        for _ in range(count):
            kind, title, low, high = r.choice(_GOALS)
            target = r.randint(low, high) // 5000 * 5000
            current = int(target * r.random() ** 1.5)
            status = r.choice(("active", "active", "active", "completed", "paused", "abandoned"))
            if status == "completed":
                current = target
            created = min(ctx.created_ts(u) + r.randint(600, 90 * _DAY), _NOW_TS - 60)
            target_date = _day(_ordinal(created) + r.randint(90, 1500))
            if t.roll("impossible_date", 0.003, k):
                t.count("impossible_date")
                target_date = _impossible_date(r)
            noisy = t.roll("float_noise", 0.20, k)
            t.count("float_noise", noisy)
            micro = t.roll("microsecond_timestamp", 0.10, k)
            t.count("microsecond_timestamp", micro)
            yield (
                u,
                kind,
                title,
                _money(r, target, noisy),
                _money(r, current, noisy),
                target_date,
                status,
                _stamp(created, _micro(r, micro)),
            )
            k += 1


_SETTINGS = (
    ("maintenance_mode", "false", "bool", "Show the maintenance page to non-admins"),
    ("signup_enabled", "true", "bool", "Allow new registrations"),
    ("beta_features_enabled", "false", "bool", "Expose beta features to all users"),
    ("max_login_attempts", "5", "int", "Failed logins before a temporary lockout"),
    ("session_timeout_minutes", "30", "int", "Idle session lifetime"),
    ("password_min_length", "8", "int", "Minimum password length"),
    ("trial_days", "14", "int", "Length of the free trial"),
    ("cashflow_forecast_days", "90", "int", "Days the cash-flow forecast looks ahead"),
    ("api_rate_limit_per_minute", "60", "int", "Per-user API rate limit"),
    ("low_balance_threshold", "100.0", "float", "Balance (USD) that triggers a warning"),
    ("stripe_fee_rate", "0.029", "float", "Card processing fee rate"),
    ("default_savings_rate", "0.15", "float", "Suggested share of income to save"),
    (
        "feature_flags",
        '{"health_correlations": true, "career_module": true, "ai_insights": false}',
        "json",
        "Feature switches",
    ),
    (
        "pricing_tiers",
        '{"budget": 15.0, "mid_tier": 35.0, "professional": 100.0}',
        "json",
        "Monthly list prices by tier",
    ),
    (
        "supported_states",
        '["GA", "TX", "NY", "CA", "IL", "FL", "NC", "MD", "DC", "VA"]',
        "json",
        "States with localized cost-of-living data",
    ),
    ("support_email", "support@mingusapp.com", "str", "Where users reach support"),
    ("app_version", "2.7.3", "str", "Deployed release"),
    ("default_currency", "USD", "str", "Currency of all amounts"),
    ("email_from_name", "MINGUS", "str", "Sender name of outgoing mail"),
    ("weekly_digest_day", "monday", "str", "Day the weekly digest goes out"),
)


def _system_settings(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k, (key, value, value_type, description) in enumerate(_SETTINGS):
        t.count("typed_setting", value_type != "str")
        micro = t.roll("microsecond_timestamp", 0.10, k)
        t.count("microsecond_timestamp", micro)
        yield key, value, value_type, description, _stamp(_between(r, _START_TS, _NOW_TS), _micro(r, micro))


_AUDIT_ACTIONS = _Weighted(
    [
        (("login", "user"), 45),
        (("logout", "user"), 15),
        (("login_failed", "user"), 8),
        (("profile_update", "user_profile"), 8),
        (("password_change", "user"), 3),
        (("subscription_change", "subscription"), 5),
        (("export_data", "user"), 2),
        (("goal_created", "user_goal"), 6),
        (("expense_added", "user_expense_due_date"), 6),
        (("mfa_enabled", "user"), 1),
        (("delete_account_requested", "user"), 1),
    ]
)
_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.2 Safari",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari",
    "MINGUS/2.7.3 (iOS 17.2)",
)


def _ip(r: random.Random) -> str:
    if r.random() < 0.1:
        return "2600:1700:" + ":".join(f"{r.getrandbits(16):x}" for _ in range(6))
    first = r.choice((24, 68, 71, 73, 98, 108, 172, 174, 184))
    return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _audit_logs(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u, count in ctx.per_user(t.name, 2.0, True):
        for _ in range(count):
            action, entity = _AUDIT_ACTIONS(r.random())
            details = {"user_agent": r.choice(_USER_AGENTS)}
            if action == "login_failed":
                details["reason"] = r.choice(("bad_password", "unknown_email", "locked"))
            elif action == "subscription_change":
                details["from"], details["to"] = r.sample(("free", "budget", "mid_tier", "professional"), 2)
            elif action == "profile_update":
                details["fields"] = r.sample(
                    ("zip_code", "household_size", "annual_income", "employment_status"), r.randint(1, 3)
                )
            text = _json(details)
            if t.roll("invalid_json", 0.01, k):
                t.count("invalid_json")
                text = _broken_json(r, text)
            system = r.random() < 0.03  # admin/system actions keep no user
            yield (
                None if system else u,
                action,
                entity,
                str(u if entity == "user" else r.randint(1, 10 * ctx.n_uids)),
                text,
                _ip(r),
                _between(r, ctx.created_ts(u), _NOW_TS),
            )
            k += 1


# ---------------------------------------------------------------------------
# business_intelligence.db
# ---------------------------------------------------------------------------


def _bi_has_user(ctx: _Ctx, u: int) -> bool:
    if ctx.deleted(u):
        # The BI dimension was never pruned: some deleted accounts are still in it.
        return u == ctx.forced_deleted or ctx.h("bi_user", u) < 0.5
    return ctx.h("bi_user", u) < 0.98


_SEGMENTS = _Weighted(
    [
        ("young_professional", 30),
        ("budget_conscious", 25),
        ("family_builder", 18),
        ("career_changer", 10),
        ("high_earner", 9),
        ("student", 8),
    ]
)
_CHANNELS = _Weighted(
    [
        ("organic_search", 25),
        ("paid_social", 22),
        ("referral", 18),
        ("email", 8),
        ("direct", 12),
        ("podcast", 8),
        ("partner", 7),
    ]
)


def _bi_offset(t: _Table, k: int) -> int | None:
    """UTC offset in minutes of a row's timestamps (None: written with 'Z')."""
    offset = _BI_OFFSETS(t.rng.random())
    if offset in (None, 0) and t.roll("non_utc_offset", 0.0, k):
        offset = -300
    t.count("non_utc_offset", offset not in (None, 0))
    return offset


def _bi_users(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    k = 0
    for u in range(1, ctx.n_uids + 1):
        if not _bi_has_user(ctx, u):
            continue
        noisy = t.roll("float_noise", 0.20, k)
        paid = r.random() < 0.6  # free users have no lifetime value
        value = r.randint(1500, 120000) if paid or noisy else 0
        t.count("float_noise", noisy)
        first = ctx.created_ts(u) + r.randint(-3 * _DAY, 0)
        offset = _bi_offset(t, k)
        yield (
            u,
            _SEGMENTS(r.random()),
            _CHANNELS(r.random()),
            _money(r, value, noisy),
            round(r.betavariate(2, 5), 4),
            _bi_stamp(first, offset),
            _bi_stamp(_between(r, first, _NOW_TS), offset),
        )
        k += 1


def _count_bi_users(ctx: _Ctx) -> int:
    return sum(1 for u in range(1, ctx.n_uids + 1) if _bi_has_user(ctx, u))


_PAGES = (
    "/dashboard",
    "/budget/cashflow",
    "/budget/expenses",
    "/health/checkin",
    "/career/profile",
    "/goals",
    "/settings/profile",
    "/pricing",
    "/onboarding/step-2",
    "/insights/spending-vs-mood",
    "/login",
    "/",
)
_EVENT_NAMES = _Weighted(
    [
        (("page_view", "page_viewed"), 45),
        (("click", "cta_clicked"), 12),
        (("feature_use", "checkin_submitted"), 8),
        (("feature_use", "forecast_viewed"), 8),
        (("feature_use", "expense_added"), 6),
        (("form_submit", "profile_saved"), 5),
        (("conversion", "trial_started"), 3),
        (("conversion", "subscription_upgraded"), 2),
        (("session", "session_started"), 8),
        (("error", "client_error"), 3),
    ]
)


def _analytics_events(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    span = _NOW_TS - _START_TS
    for k in range(t.n):
        u = t.pick_user(k, anonymous=0.12)
        event_type, event_name = _EVENT_NAMES(r.random())
        page = r.choice(_PAGES)
        properties = {
            "platform": r.choice(("web", "web", "ios", "android")),
            "app_version": r.choice(("2.5.0", "2.6.1", "2.7.0", "2.7.3")),
        }
        if event_type == "page_view":
            properties["referrer"] = r.choice(("", "https://www.google.com/", "/dashboard"))
        elif event_type == "conversion":
            properties["tier"] = r.choice(("budget", "mid_tier", "professional"))
        elif event_type == "error":
            properties["message"] = "TypeError: Cannot read properties of undefined"
        text = _json(properties)
        if t.roll("invalid_json", 0.01, k):
            t.count("invalid_json")
            text = _broken_json(r, text)
        ts = _START_TS + int((k + r.random()) * span / t.n)
        yield (
            u,
            event_type,
            event_name,
            text,
            f"s_{_hex(r, 16)}",
            f"https://app.mingusapp.com{page}",
            _bi_stamp(ts, _bi_offset(t, k), r.randrange(1000)),
        )


def _bi_income_comparisons(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    groups = len(_METROS) * len(_AGE_BANDS) * len(_EDUCATION)
    for k in range(t.n):
        group = (k * 7919) % groups  # spread early rows across metros
        metro = _METROS[group % len(_METROS)]
        band = _AGE_BANDS[group // len(_METROS) % len(_AGE_BANDS)]
        education = _EDUCATION[group // (len(_METROS) * len(_AGE_BANDS))]
        year = 2024 - (k // groups) % 6
        median = 3000000 + _EDUCATION.index(education) * 900000 + r.randint(-400000, 900000)
        noisy = t.roll("float_noise", 0.20, k)
        t.count("float_noise", noisy)
        slug = metro.split(",")[0].lower().replace(" ", "_")
        level = education.lower().replace("'", "").replace(" ", "_")
        yield (
            f"{slug}|{band}|{level}",
            metro,
            band,
            education,
            _money(r, median, noisy),
            _money(r, median * r.randint(62, 75) // 100, noisy),
            _money(r, median * r.randint(130, 150) // 100, noisy),
            r.randint(40, 5000),
            r.choice(("census_acs_5yr", "bls_oews", "internal_survey")),
            year,
        )


_KPIS = (
    ("dau", 0.25, 0),
    ("wau", 0.55, 0),
    ("mau", 0.8, 0),
    ("signups", 0.01, 0),
    ("trial_starts", 0.006, 0),
    ("paid_conversions", 0.003, 0),
    ("active_subscriptions", 0.6, 0),
    ("churned_subscriptions", 0.002, 0),
    ("mrr", 18.0, 2),
    ("arpu", 0, 2),
    ("avg_session_minutes", 0, 2),
    ("checkins_submitted", 0.12, 0),
    ("forecasts_generated", 0.3, 0),
    ("api_error_rate", 0, 4),
    ("nps", 0, 1),
)
_KPI_RANGES = {"arpu": (14, 22), "avg_session_minutes": (3, 9), "api_error_rate": (0.001, 0.02), "nps": (25, 55)}
_KPI_SEGMENTS = ("web", "ios", "android", "ga", "tx", "ny", "free", "budget", "mid_tier", "professional")


def _kpi_daily(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    # Up to three years of days; past that, more metrics (per-segment variants).
    metrics = max(len(_KPIS), math.ceil(t.n / 1095))
    days = math.ceil(t.n / metrics)
    for k in range(t.n):
        day, m = divmod(k, metrics)
        name, per_user, digits = _KPIS[m % len(_KPIS)]
        if m >= len(_KPIS):
            round_, segment = divmod(m // len(_KPIS) - 1, len(_KPI_SEGMENTS))
            name = f"{name}.{_KPI_SEGMENTS[segment]}" + (f".{round_}" if round_ else "")
        if per_user:
            value = ctx.n_uids * per_user * r.uniform(0.85, 1.15)
        else:
            low, high = _KPI_RANGES[name.split(".")[0]]
            value = r.uniform(low, high)
        yield _day(_NOW_ORD - days + day), name, float(round(value, digits))


_REPORTS = (
    ("Monthly active users", "MAU by month", "SELECT date, value FROM kpi_daily WHERE metric = 'mau' ORDER BY date"),
    (
        "Churn by tier",
        "Cancellations per tier per month",
        "SELECT tier, count(*) FROM subscriptions WHERE status = 'canceled' GROUP BY tier",
    ),
    (
        "Revenue by plan",
        "MRR split by plan",
        "SELECT metric, sum(value) FROM kpi_daily WHERE metric LIKE 'mrr%' GROUP BY metric",
    ),
    (
        "Signup funnel",
        "Visit to signup to trial to paid",
        "SELECT event_name, count(*) FROM analytics_events GROUP BY event_name",
    ),
    (
        "Check-in engagement",
        "Weekly health check-ins per active user",
        "SELECT date, value FROM kpi_daily WHERE metric = 'checkins_submitted'",
    ),
    (
        "Top income metros",
        "Median income by metro",
        "SELECT metro_area, avg(median_income) FROM income_comparisons GROUP BY metro_area",
    ),
    (
        "Trial conversion",
        "Share of trials that convert within 30 days",
        "SELECT date, value FROM kpi_daily WHERE metric = 'paid_conversions'",
    ),
    (
        "Acquisition channels",
        "Users by channel and segment",
        "SELECT acquisition_channel, segment, count(*) FROM users GROUP BY 1, 2",
    ),
)


def _reports(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        name, description, sql = _REPORTS[k % len(_REPORTS)]
        if k >= len(_REPORTS):
            name = f"{name} (v{k // len(_REPORTS) + 1})"
        created = _START_TS + int((k + r.random()) * (_NOW_TS - _START_TS) / t.n)
        yield name, description, sql, t.pick_user(k), _bi_stamp(created, _bi_offset(t, k))


def _report_runs(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    reports = ctx.fixed_rows(_PER_SCALE["reports"])
    span = _NOW_TS - _START_TS
    for k in range(t.n):
        started = _START_TS + int((k + r.random()) * span / t.n)
        status = r.choice(("success",) * 17 + ("failed", "timeout", "running"))
        offset = _bi_offset(t, k)
        if status == "success":
            rows = r.randint(0, 5000)
            result = {
                "rows": rows,
                "columns": ["date", "value"],
                "duration_ms": r.randint(40, 9000),
                "preview": [[_day(_ordinal(started) - i), r.randint(0, 900)] for i in range(min(rows, 3))],
            }
        else:
            rows = None
            result = {
                "error": {
                    "failed": "OperationalError: database is locked",
                    "timeout": "query exceeded 60s",
                    "running": None,
                }[status]
            }
        text = _json(result)
        if t.roll("invalid_json", 0.01, k):
            t.count("invalid_json")
            text = _broken_json(r, text)
        finished = None if status == "running" else _bi_stamp(started + r.randint(1, 90), offset)
        yield (r.randint(1, reports), _bi_stamp(started, offset), finished, status, rows, text)


_COHORT_KINDS = ("signup_month", "trial_converters", "churned", "engaged_checkins", "channel")


def _cohorts(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        kind = _COHORT_KINDS[k % len(_COHORT_KINDS)]
        month = date.fromordinal(_NOW_ORD - 30 * (k // len(_COHORT_KINDS)) - 15 - r.randint(0, 10))
        label = f"{month.year}-{month.month:02d}"
        name, definition = {
            "signup_month": (f"Signups {label}", {"type": "signup_month", "month": label}),
            "trial_converters": (
                f"Trial converters {label}",
                {"type": "event", "event": "trial_started", "then": "subscription_upgraded", "window_days": 30},
            ),
            "churned": (f"Churned {label}", {"type": "status", "status": "canceled", "month": label}),
            "engaged_checkins": (
                f"Weekly check-in habit {label}",
                {"type": "event_count", "event": "checkin_submitted", "min": 4, "window_days": 28},
            ),
            "channel": (f"{_CHANNELS(r.random())} {label}", {"type": "attribute", "field": "acquisition_channel"}),
        }[kind]
        text = _json(definition)
        if t.roll("invalid_json", 0.01, k):
            t.count("invalid_json")
            text = _broken_json(r, text)
        created = (month.toordinal() + 20 - _EPOCH_ORDINAL) * _DAY + r.randint(0, _DAY)
        yield name, text, _bi_stamp(min(created, _NOW_TS - 60), _bi_offset(t, k))


def _count_memberships(ctx: _Ctx) -> int:
    return min(ctx.fixed_rows(_PER_SCALE["cohort_memberships"]), ctx.fixed_rows(_PER_SCALE["cohorts"]) * ctx.n_uids)


def _cohort_memberships(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    cohorts = ctx.fixed_rows(_PER_SCALE["cohorts"])
    stride = 7919
    while math.gcd(stride, ctx.n_uids) != 1:
        stride += 2
    for k in range(t.n):
        cohort, j = k % cohorts + 1, k // cohorts
        # j < n_uids and stride coprime with n_uids: distinct users within a cohort.
        # Cohort 1 starts with a deleted user so that the table always has an orphan.
        offset = ctx.forced_deleted - 1
        if cohort > 1:
            offset = _derive("cohort", ctx.seed, cohort) % ctx.n_uids
        u = (j * stride + offset) % ctx.n_uids + 1
        joined = _between(r, ctx.created_ts(u), _NOW_TS)
        yield cohort, u, _bi_stamp(joined, _bi_offset(t, k))


# ---------------------------------------------------------------------------
# cache.db
# ---------------------------------------------------------------------------

_TTLS = (300, 900, 3600, 6 * 3600, _DAY, 7 * _DAY)


def _cache_times(t: _Table, k: int, as_int: bool) -> tuple[float, float]:
    """(expires_at, created_at): ~40% already expired at REFERENCE_NOW."""
    r = t.rng
    ttl = r.choice(_TTLS)
    if t.roll("expired_cache_row", 0.40, k):
        t.count("expired_cache_row")
        expires = _NOW_TS - r.uniform(1, 45 * _DAY)
    else:
        expires = _NOW_TS + r.uniform(1, ttl)
    created = expires - ttl
    if as_int:
        return int(expires), int(created)
    # time.time() floats (microseconds), or int(time.time()) from an older code path.
    return round(expires, 6), round(created, 6)


def _cache_entries(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        u = r.randint(1, ctx.n_uids)
        kind = r.choice(("forecast", "dashboard", "bls_series", "census_zip", "session", "view"))
        if kind == "forecast":
            key = f"mingus:v2:user:{u}:cashflow_forecast:{k}"
            value = {"user_id": u, "days": 90, "low_point": _dollars(r.randint(-50000, 200000))}
        elif kind == "dashboard":
            key = f"mingus:v2:user:{u}:dashboard:{k}"
            value = {"user_id": u, "cards": ["cashflow", "goals", "health"], "v": 3}
        elif kind == "bls_series":
            key = f"mingus:bls:CUUR0000SA0:{2020 + k % 5}:{k}"
            value = {"series": "CUUR0000SA0", "values": [round(r.uniform(290, 320), 3) for _ in range(3)]}
        elif kind == "census_zip":
            key = f"mingus:census:acs5:zip:{ctx.zip_code(u)}:{k}"
            value = {"median_household_income": r.randint(30000, 140000), "median_rent": r.randint(800, 2600)}
        elif kind == "session":
            key = f"session:{_hex(r, 32)}:{k}"
            value = {"_user_id": str(u), "_fresh": r.random() < 0.5, "csrf_token": _hex(r, 40)}
        else:
            key = f"flask_cache_view//api/v1/insights?page={k}"
            value = {"status": 200, "body": "<html>...</html>"}
        # The cache stored pickles, or zlib-compressed JSON: bytes that are not UTF-8.
        packed = _json(value).encode()
        blob = pickle.dumps(value, protocol=4) if r.random() < 0.5 else zlib.compress(packed)
        expires, created = _cache_times(t, k, as_int=r.random() < 0.3)
        yield key, blob, float(expires), float(created)


_CACHED_QUERIES = (
    "SELECT * FROM daily_cashflow WHERE user_id = {u} AND date >= '2024-10-01'",
    "SELECT category, sum(amount) FROM user_expense_due_dates WHERE user_id = {u}",
    "SELECT avg(stress_level) FROM user_health_checkins WHERE user_id = {u}",
    "SELECT * FROM user_goals WHERE user_id = {u} AND status = 'active'",
)


def _query_cache(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        u = r.randint(1, ctx.n_uids)
        query = r.choice(_CACHED_QUERIES).format(u=u)
        result = _json(
            {
                "columns": ["date", "closing_balance"],
                "rows": [[_day(_NOW_ORD - i), _dollars(r.randint(-20000, 500000))] for i in range(r.randint(0, 4))],
            }
        )
        if t.roll("invalid_json", 0.01, k):
            t.count("invalid_json")
            result = _broken_json(r, result)
        expires, created = _cache_times(t, k, as_int=r.random() < 0.3)
        yield (
            hashlib.sha256(f"{query}#{k}".encode()).hexdigest(),
            result,
            r.randint(0, 250),
            float(expires),
            float(created),
        )


_API_ENDPOINTS = (
    ("https://api.bls.gov/publicAPI/v2/timeseries/data/", "series"),
    ("https://api.census.gov/data/2022/acs/acs5", "zip"),
    ("https://api.stlouisfed.org/fred/series/observations", "series"),
    ("https://api.stripe.com/v1/prices", "product"),
    ("https://maps.googleapis.com/maps/api/geocode/json", "zip"),
    ("https://api.openweathermap.org/data/2.5/weather", "zip"),
)


def _api_cache(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        endpoint, param = r.choice(_API_ENDPOINTS)
        params = {
            param: ctx.zip_code(r.randint(1, ctx.n_uids))
            if param == "zip"
            else r.choice(("CUUR0000SA0", "LNS14000000", "CES0500000003", "prod_Mingus"))
        }
        status = r.choice((200,) * 30 + (404, 429, 500))
        if status == 200:
            body = {"status": "REQUEST_SUCCEEDED", "results": [round(r.uniform(1, 400), 2)]}
        else:
            body = {"error": {404: "not found", 429: "rate limited", 500: "upstream error"}[status]}
        expires, created = _cache_times(t, k, as_int=True)
        params_hash = hashlib.md5(_json(params).encode(), usedforsecurity=False).hexdigest()
        yield endpoint, params_hash, _json(body), status, expires, created


# ---------------------------------------------------------------------------
# performance_metrics.db
# ---------------------------------------------------------------------------

_HOSTS = ("web-1", "web-2", "web-3", "worker-1", "worker-2", "db-1")


def _micro_row(t: _Table, k: int) -> bool:
    """Row-level choice: isoformat() shows microseconds unless they were zero."""
    micro = t.roll("microsecond_timestamp", 0.5, k)
    t.count("microsecond_timestamp", micro)
    return micro


def _timeline(t: _Table, k: int) -> int:
    """Timestamps spread over the three years in row order."""
    return _START_TS + int((k + t.rng.random()) * (_NOW_TS - _START_TS) / t.n)


_METRICS = (
    ("request_latency_p95", "ms", 80, 900),
    ("request_latency_p50", "ms", 20, 250),
    ("db_pool_in_use", "count", 1, 20),
    ("celery_queue_depth", "count", 0, 400),
    ("cache_hit_ratio", "ratio", 0.55, 0.99),
    ("memory_rss_mb", "MB", 180, 900),
    ("gc_collections", "count", 0, 50),
    ("response_size_kb", "KB", 2, 480),
    ("active_sessions", "count", 5, 600),
)


def _performance_metrics(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        name, unit, low, high = r.choice(_METRICS)
        value = r.uniform(low, high) if isinstance(low, float) else float(r.randint(low, high))
        tags = _json(
            {
                "host": r.choice(_HOSTS),
                "env": "production",
                "region": "us-east-1",
                "release": r.choice(("2.6.1", "2.7.0", "2.7.3")),
            }
        )
        if t.roll("invalid_json", 0.01, k):
            t.count("invalid_json")
            tags = _broken_json(r, tags)
        yield name, value, unit, tags, _iso(_timeline(t, k), _micro(r, _micro_row(t, k)))


_ENDPOINTS = (
    ("/api/v1/auth/login", "POST"),
    ("/api/v1/dashboard", "GET"),
    ("/api/v1/cashflow/forecast", "GET"),
    ("/api/v1/expenses", "GET"),
    ("/api/v1/expenses", "POST"),
    ("/api/v1/health/checkins", "POST"),
    ("/api/v1/goals", "GET"),
    ("/api/v1/profile", "PUT"),
    ("/api/v1/career/compare", "GET"),
    ("/api/v1/subscriptions/webhook", "POST"),
)


def _api_response_times(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        endpoint, method = r.choice(_ENDPOINTS)
        status = r.choice((200,) * 40 + (201, 204, 400, 401, 404, 422, 429, 500, 502))
        yield (
            endpoint,
            method,
            status,
            round(r.lognormvariate(4.6, 0.7), 3),
            t.pick_user(k, anonymous=0.25),
            _iso(_timeline(t, k), _micro(r, _micro_row(t, k))),
        )


_QUERIES = (
    "SELECT * FROM users WHERE email = ?",
    "SELECT * FROM daily_cashflow WHERE user_id = ? AND date >= ? ORDER BY date",
    "INSERT INTO daily_cashflow (user_id, date, opening_balance) VALUES (?, ?, ?)",
    "SELECT * FROM user_health_checkins WHERE user_id = ? ORDER BY checkin_date DESC LIMIT ?",
    "UPDATE users SET last_login = ? WHERE id = ?",
    "SELECT * FROM subscriptions WHERE user_id = ? AND status = ?",
    "SELECT * FROM user_expense_due_dates WHERE user_id = ? AND is_active = ?",
    "DELETE FROM cache_entries WHERE expires_at < ?",
    "SELECT count(*) FROM analytics_events WHERE created_at >= ?",
    "SELECT * FROM user_goals WHERE user_id = ?",
)


def _db_query_stats(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        calls = r.randint(10, 200000)
        mean = r.lognormvariate(0.5, 1.0)
        yield (
            _QUERIES[k % len(_QUERIES)],
            calls,
            round(mean * calls, 3),
            round(mean, 4),
            round(mean * r.uniform(3, 60), 3),
            _iso(_timeline(t, k), _micro(r, _micro_row(t, k))),
        )


def _system_metrics(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        yield (
            _HOSTS[k % len(_HOSTS)],
            round(min(100.0, r.gammavariate(2, 12)), 1),
            round(r.uniform(35, 92), 1),
            round(r.uniform(20, 85), 1),
            _iso(_timeline(t, k), _micro(r, _micro_row(t, k))),
        )


def _severity(t: _Table, k: int) -> str:
    if t.roll("unknown_enum", 0.003, k):
        t.count("unknown_enum")
        return "severe"
    return _SEVERITIES(t.rng.random())


def _perf_alerts(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        name, _unit, _low, high = r.choice(_METRICS[:4])  # metrics where higher is worse
        threshold = float(high) * 0.8
        micro = _micro_row(t, k)
        triggered = _timeline(t, k)
        resolved = None
        if r.random() < 0.85:
            resolved = _iso(triggered + r.randint(60, 6 * 3600), _micro(r, micro))
        yield (
            name,
            threshold,
            round(threshold * r.uniform(1.01, 1.6), 3),
            _severity(t, k),
            _iso(triggered, _micro(r, micro)),
            resolved,
        )


_ERRORS = (
    ("mingus.routes.cashflow", "KeyError: 'closing_balance'", "forecast", "cashflow.py"),
    ("mingus.services.stripe", "stripe.error.CardError: Your card was declined.", "charge", "billing.py"),
    ("sqlalchemy.engine", "OperationalError: (sqlite3.OperationalError) database is locked", "execute", "db.py"),
    ("mingus.tasks.email", "SMTPServerDisconnected: Connection unexpectedly closed", "send_digest", "email.py"),
    ("werkzeug", "BadRequest: 400 Bad Request: The browser sent an invalid request", "dispatch", "app.py"),
    ("mingus.services.bls", "requests.exceptions.ReadTimeout: read timeout=10", "fetch_series", "bls.py"),
)


def _error_logs(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        logger, message, function, source = r.choice(_ERRORS)
        level = r.choice(("ERROR",) * 7 + ("WARNING",) * 2 + ("CRITICAL",))
        traceback = None
        if level != "WARNING" and r.random() < 0.7:
            traceback = (
                "Traceback (most recent call last):\n"
                f'  File "/app/mingus/{source}", line {r.randint(20, 600)}, in {function}\n'
                f"    result = {function}(payload)\n"
                f"{message}"
            )
        yield (
            level,
            logger,
            message,
            traceback,
            t.pick_user(k, anonymous=0.4),
            _iso(_timeline(t, k), _micro(r, _micro_row(t, k))),
        )


# ---------------------------------------------------------------------------
# alerts.db
# ---------------------------------------------------------------------------

_RULES = (
    ("High API latency", "request_latency_p95", ">", 750.0),
    ("Error rate above 2%", "api_error_rate", ">=", 0.02),
    ("Celery backlog", "celery_queue_depth", ">", 250.0),
    ("Cache hit ratio low", "cache_hit_ratio", "<", 0.6),
    ("Low balance forecast", "forecast_low_point", "<", 0.0),
    ("Bill due soon", "days_until_due", "<=", 3.0),
    ("Disk almost full", "disk_percent", ">", 85.0),
    ("Memory pressure", "memory_percent", ">", 90.0),
    ("Stress spike", "stress_level", ">=", 9.0),
    ("Webhook failures", "stripe_webhook_failures", ">", 5.0),
)
_CHANNELS_ALERT = ("email", "email", "sms", "slack", "webhook", "pagerduty", "push")


def _alert_rules(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    for k in range(t.n):
        name, metric, operator, threshold = _RULES[k % len(_RULES)]
        if k >= len(_RULES):
            name = f"{name} #{k // len(_RULES) + 1}"
        text = t.roll("text_boolean", 0.05, k)
        t.count("text_boolean", text)
        created = _iso(_timeline(t, k), _micro(r, _micro_row(t, k)))
        yield (
            name,
            metric,
            operator,
            threshold,
            _severity(t, k),
            r.choice(_CHANNELS_ALERT),
            _bool(r, r.random() < 0.85, text),
            created,
        )


def _alerts(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    rules = ctx.fixed_rows(_PER_SCALE["alert_rules"])
    for k in range(t.n):
        rule = r.randint(1, rules) if r.random() < 0.95 else None
        name = _RULES[(rule - 1) % len(_RULES)][0] if rule else "Manual alert"
        user_facing = name in ("Low balance forecast", "Bill due soon", "Stress spike")
        user = t.pick_user(k, anonymous=0.0 if user_facing else 0.8)
        status = r.choice(("open", "acknowledged", "resolved", "resolved", "resolved"))
        micro = _micro_row(t, k)
        created = _timeline(t, k)
        acknowledged = created + r.randint(60, 4 * 3600) if status != "open" else None
        resolved = acknowledged + r.randint(60, 8 * 3600) if status == "resolved" else None
        yield (
            rule,
            user,
            _severity(t, k),
            name,
            f"{name}: threshold crossed at {_iso(created)}",
            status,
            _iso(created, _micro(r, micro)),
            None if acknowledged is None else _iso(acknowledged, _micro(r, micro)),
            None if resolved is None else _iso(resolved, _micro(r, micro)),
        )


def _alert_notifications(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    alerts = ctx.fixed_rows(_PER_SCALE["alerts"])
    # Rows in the main file only point at alerts that are in the main file too.
    committed_alerts = max(1, alerts - _wal_tail(alerts))
    main_rows = t.n - _wal_tail(t.n)
    for k in range(t.n):
        alert = r.randint(1, committed_alerts if k < main_rows else alerts)
        channel = r.choice(_CHANNELS_ALERT)
        u = r.randint(1, ctx.n_uids)
        recipient = {
            "email": ctx.email(u).strip().lower(),
            "sms": f"+1{r.choice(ctx.state(u)[2])}{r.randint(2010000, 9899999)}",
            "slack": "#ops-alerts",
            "webhook": "https://hooks.mingusapp.com/alerts",
            "pagerduty": "PD-SERVICE-MINGUS",
            "push": f"apns:{_hex(r, 16)}",
        }[channel]
        status = r.choice(("sent", "delivered", "delivered", "delivered", "failed", "bounced"))
        code = {"sent": 202, "delivered": 200, "failed": r.choice((429, 500, 503)), "bounced": 550}[status]
        error = {"failed": "upstream returned an error", "bounced": "mailbox unavailable"}.get(status)
        yield (alert, channel, recipient, _iso(_timeline(t, k), _micro(r, _micro_row(t, k))), status, code, error)


def _alert_subscriptions(ctx: _Ctx, t: _Table) -> Iterator[tuple]:
    r = t.rng
    rules = ctx.fixed_rows(_PER_SCALE["alert_rules"])
    for k in range(t.n):
        yield (
            t.pick_user(k),
            r.randint(1, rules),
            r.choice(_CHANNELS_ALERT),
            _iso(_timeline(t, k), _micro(r, _micro_row(t, k))),
        )


# ---------------------------------------------------------------------------
# Table registry
# ---------------------------------------------------------------------------

# Rows per scale unit of the tables that are not per user.
_PER_SCALE = {
    "analytics_events": 1720,
    "bi_income_comparisons": 60,
    "kpi_daily": 150,
    "reports": 12,
    "report_runs": 80,
    "cohorts": 8,
    "cohort_memberships": 300,
    "cache_entries": 250,
    "query_cache": 120,
    "api_cache": 180,
    "performance_metrics": 600,
    "api_response_times": 600,
    "db_query_stats": 40,
    "system_metrics": 100,
    "perf_alerts": 25,
    "error_logs": 60,
    "alert_rules": 15,
    "alerts": 80,
    "alert_notifications": 100,
    "alert_subscriptions": 40,
}


def _fixed(key: str) -> Callable[[_Ctx], int]:
    return lambda ctx: ctx.fixed_rows(_PER_SCALE[key])


def _per_user_spec(table, columns, rows, rate, engaged, **extra) -> _Spec:
    return _Spec(table, columns, rows, _per_user_count(table, rate, engaged), user_column="user_id", **extra)


_SPECS: dict[str, list[_Spec]] = {
    "mingus.db": [
        _Spec(
            "users",
            (
                "id",
                "email",
                "password_hash",
                "first_name",
                "last_name",
                "phone",
                "is_active",
                "is_admin",
                "email_verified",
                "last_login",
                "created_at",
                "updated_at",
            ),
            _users,
            _count_users,
            wal_tail=True,
            late=True,
        ),
        _per_user_spec(
            "user_profiles",
            (
                "user_id",
                "date_of_birth",
                "zip_code",
                "state",
                "household_size",
                "annual_income",
                "employment_status",
                "demographics",
                "preferences",
                "created_at",
                "updated_at",
            ),
            _user_profiles,
            0.97,
            False,
        ),
        _per_user_spec(
            "subscriptions",
            (
                "user_id",
                "tier",
                "status",
                "price",
                "billing_cycle",
                "stripe_customer_id",
                "stripe_subscription_id",
                "current_period_start",
                "current_period_end",
                "cancel_at_period_end",
                "billing_info",
                "created_at",
                "updated_at",
            ),
            _subscriptions,
            1.05,
            False,
        ),
        _per_user_spec(
            "encrypted_financial_profiles",
            ("user_id", "encrypted_data", "key_version", "created_at", "updated_at"),
            _encrypted_financial_profiles,
            0.8,
            False,
        ),
        _per_user_spec(
            "user_health_checkins",
            (
                "user_id",
                "checkin_date",
                "sleep_hours",
                "physical_activity_minutes",
                "stress_level",
                "mood_rating",
                "relationships_rating",
                "mindfulness_minutes",
                "notes",
                "created_at",
            ),
            _user_health_checkins,
            4.0,
            True,
        ),
        _per_user_spec(
            "health_correlations",
            (
                "user_id",
                "health_metric",
                "spending_category",
                "correlation_coefficient",
                "p_value",
                "sample_size",
                "period_start",
                "period_end",
                "computed_at",
            ),
            _health_correlations,
            0.5,
            True,
        ),
        _per_user_spec(
            "user_income_due_dates",
            ("user_id", "income_type", "amount", "frequency", "next_due_date", "is_active", "created_at"),
            _user_income_due_dates,
            1.5,
            True,
        ),
        _per_user_spec(
            "user_expense_due_dates",
            ("user_id", "expense_type", "category", "amount", "frequency", "due_date", "is_active", "created_at"),
            _user_expense_due_dates,
            2.0,
            True,
        ),
        _per_user_spec(
            "daily_cashflow",
            (
                "user_id",
                "date",
                "opening_balance",
                "income",
                "expenses",
                "closing_balance",
                "balance_status",
                "created_at",
            ),
            _daily_cashflow,
            7.0,
            True,
            wal_tail=True,
        ),
        _per_user_spec(
            "important_dates",
            ("user_id", "event_type", "event_date", "title", "amount", "reminder_days", "notes", "created_at"),
            _important_dates,
            1.0,
            True,
        ),
        _per_user_spec(
            "career_profiles",
            (
                "user_id",
                "job_title",
                "industry",
                "years_experience",
                "education_level",
                "location",
                "current_salary",
                "target_salary",
                "skills",
                "created_at",
                "updated_at",
            ),
            _career_profiles,
            0.7,
            False,
        ),
        _per_user_spec(
            "income_comparisons",
            ("user_id", "comparison_group", "user_income", "group_median", "percentile", "computed_at"),
            _income_comparisons,
            0.7,
            False,
        ),
        _per_user_spec(
            "user_goals",
            ("user_id", "goal_type", "title", "target_amount", "current_amount", "target_date", "status", "created_at"),
            _user_goals,
            1.2,
            True,
        ),
        _Spec(
            "system_settings",
            ("key", "value", "value_type", "description", "updated_at"),
            _system_settings,
            lambda ctx: len(_SETTINGS),
        ),
        _per_user_spec(
            "audit_logs",
            ("user_id", "action", "entity_type", "entity_id", "details", "ip_address", "created_at"),
            _audit_logs,
            2.0,
            True,
        ),
    ],
    "business_intelligence.db": [
        _Spec(
            "users",
            ("id", "segment", "acquisition_channel", "lifetime_value", "churn_risk", "first_seen", "last_seen"),
            _bi_users,
            _count_bi_users,
            user_column="id",
            wal_tail=True,
        ),
        _Spec(
            "analytics_events",
            ("user_id", "event_type", "event_name", "properties", "session_id", "page_url", "created_at"),
            _analytics_events,
            _fixed("analytics_events"),
            user_column="user_id",
            wal_tail=True,
        ),
        _Spec(
            "income_comparisons",
            (
                "demographic_key",
                "metro_area",
                "age_band",
                "education_level",
                "median_income",
                "p25_income",
                "p75_income",
                "sample_size",
                "source",
                "year",
            ),
            _bi_income_comparisons,
            _fixed("bi_income_comparisons"),
        ),
        _Spec("kpi_daily", ("date", "metric", "value"), _kpi_daily, _fixed("kpi_daily")),
        _Spec(
            "reports",
            ("name", "description", "query", "created_by", "created_at"),
            _reports,
            _fixed("reports"),
            user_column="created_by",
        ),
        _Spec(
            "report_runs",
            ("report_id", "started_at", "finished_at", "status", "row_count", "result"),
            _report_runs,
            _fixed("report_runs"),
        ),
        _Spec("cohorts", ("name", "definition", "created_at"), _cohorts, _fixed("cohorts")),
        _Spec(
            "cohort_memberships",
            ("cohort_id", "user_id", "joined_at"),
            _cohort_memberships,
            _count_memberships,
            user_column="user_id",
        ),
    ],
    "cache.db": [
        _Spec(
            "cache_entries",
            ("key", "value", "expires_at", "created_at"),
            _cache_entries,
            _fixed("cache_entries"),
            wal_tail=True,
        ),
        _Spec(
            "query_cache",
            ("query_hash", "result", "hit_count", "expires_at", "created_at"),
            _query_cache,
            _fixed("query_cache"),
        ),
        _Spec(
            "api_cache",
            ("endpoint", "params_hash", "response", "status_code", "expires_at", "created_at"),
            _api_cache,
            _fixed("api_cache"),
            wal_tail=True,
        ),
    ],
    "performance_metrics.db": [
        _Spec(
            "performance_metrics",
            ("metric_name", "metric_value", "unit", "tags", "recorded_at"),
            _performance_metrics,
            _fixed("performance_metrics"),
            wal_tail=True,
        ),
        _Spec(
            "api_response_times",
            ("endpoint", "method", "status_code", "response_ms", "user_id", "recorded_at"),
            _api_response_times,
            _fixed("api_response_times"),
            user_column="user_id",
            wal_tail=True,
        ),
        _Spec(
            "db_query_stats",
            ("query_fingerprint", "calls", "total_ms", "mean_ms", "max_ms", "recorded_at"),
            _db_query_stats,
            _fixed("db_query_stats"),
        ),
        _Spec(
            "system_metrics",
            ("host", "cpu_percent", "memory_percent", "disk_percent", "recorded_at"),
            _system_metrics,
            _fixed("system_metrics"),
        ),
        _Spec(
            "alerts",
            ("metric_name", "threshold", "observed", "severity", "triggered_at", "resolved_at"),
            _perf_alerts,
            _fixed("perf_alerts"),
        ),
        _Spec(
            "error_logs",
            ("level", "logger", "message", "traceback", "user_id", "created_at"),
            _error_logs,
            _fixed("error_logs"),
            user_column="user_id",
        ),
    ],
    "alerts.db": [
        _Spec(
            "alert_rules",
            ("name", "metric_name", "operator", "threshold", "severity", "channel", "enabled", "created_at"),
            _alert_rules,
            _fixed("alert_rules"),
        ),
        _Spec(
            "alerts",
            (
                "rule_id",
                "user_id",
                "severity",
                "title",
                "message",
                "status",
                "created_at",
                "acknowledged_at",
                "resolved_at",
            ),
            _alerts,
            _fixed("alerts"),
            user_column="user_id",
            wal_tail=True,
        ),
        _Spec(
            "alert_notifications",
            ("alert_id", "channel", "recipient", "sent_at", "status", "response_code", "error"),
            _alert_notifications,
            _fixed("alert_notifications"),
            wal_tail=True,
        ),
        _Spec(
            "alert_subscriptions",
            ("user_id", "rule_id", "channel", "created_at"),
            _alert_subscriptions,
            _fixed("alert_subscriptions"),
            user_column="user_id",
        ),
    ],
}
