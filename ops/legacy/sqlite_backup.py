"""Reading the legacy SQLite files without touching them, consistent copies, and verifiable backups.

Reading without touching
    ``mode=ro`` alone is not enough to leave a WAL-mode source untouched. What
    SQLite 3.40 does when it opens a WAL-mode file with ``mode=ro`` (observed,
    and pinned by the tests):

    * ``-wal`` and ``-shm`` present: it reads the committed ``-wal`` content,
      but the first connection resets the ``-shm`` (truncates and rebuilds it).
      With ``readonly_shm=1`` as well it opens the ``-shm`` read-only, rebuilds
      its index of the ``-wal`` in private memory when no writer keeps the
      ``-shm`` current, and writes nothing.
    * ``-wal`` present, ``-shm`` missing: it creates a ``-shm`` next to the
      source; with ``readonly_shm=1`` it cannot open the file at all.
    * WAL mode, no ``-wal``: it creates both a ``-wal`` and a ``-shm``.

    So ``open_legacy_readonly`` picks, per file: plain ``mode=ro`` for a
    rollback-journal file; ``mode=ro&readonly_shm=1`` when ``-wal`` and ``-shm``
    both exist; ``immutable=1`` when nothing is pending in a ``-wal``; and a
    private copy of the ``.db`` and its ``-wal`` (in a scratch directory, never
    next to the source) when committed frames sit in a ``-wal`` that has no
    ``-shm``, which is how the legacy app's files look after it stopped. A
    rollback-journal file with a hot ``-journal`` (a write interrupted by a
    crash) is read from a private copy too, opened read-write there so SQLite
    rolls the interrupted write back in the copy only.

    Same process caveat: SQLite shares one ``-shm`` mapping between the
    connections of a process, so a reader in the same process as a live
    writer can touch the ``-shm`` through the writer's mapping. The legacy app
    is another process; the tests use a subprocess for a live writer.

Consistent copies
    ``snapshot_legacy_dir`` copies every ``*.db`` of a directory through
    SQLite's online backup API, reading committed ``-wal`` content too; a file
    that had to be read from a private copy (above) keeps that copy, with its
    ``-wal`` checkpointed into it, instead of being copied again. It
    opens a read transaction on every file before copying any, so the copies
    show all files at (nearly) one moment (files are opened and copied two at
    a time, in threads: the copying leaves the GIL), and a file someone holds an
    exclusive lock on fails after ``busy_timeout`` seconds instead of waiting
    for ever.

Backups
    ``backup_legacy_dir`` writes ``<destination>/<UTC timestamp>/`` holding
    ``<file name>.zst`` (zstd, e.g. ``mingus.db.zst``) and ``manifest.json``, written last and
    atomically: a backup directory without a manifest is incomplete.
    ``verify_backup`` re-checks one against its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import zstandard

from mingus.db import quote_identifier
from ops.legacy.mapping import LEGACY_FILES

DEFAULT_BUSY_TIMEOUT = 5.0
COMPRESSION_LEVEL = 3
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "mingus-legacy-sqlite-backup/1"
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")

_CHUNK = 1 << 20
_WAL_MAGICS = (0x377F0682, 0x377F0683)
_WAL_HEADER = 32
_WAL_FRAME_HEADER = 24


class BackupError(Exception):
    """A snapshot, backup or check that cannot go ahead; the message says why."""


class LegacyFileError(BackupError):
    """One legacy file cannot be read: ``kind`` is missing, locked, corrupt, hot-journal or unreadable."""

    def __init__(self, name: str, problem: str, *, kind: str) -> None:
        self.name = name
        self.problem = problem
        self.kind = kind
        super().__init__(f"{name}: {problem}")


@dataclass(frozen=True)
class WalInfo:
    """What a ``-wal`` file holds, read from its header and frame headers."""

    page_size: int
    frames: int  # frames of the current WAL generation up to its last commit: the committed content
    commits: int  # commit frames among them (one per transaction)
    frames_in_file: int  # (size - 32) // (24 + page_size): includes stale and uncommitted frames


@dataclass
class OpenedFile:
    """A legacy file opened by ``open_legacy_readonly``."""

    connection: sqlite3.Connection
    how: str  # how it was opened, for reports
    wal_mode: bool  # the header says WAL, or a -wal exists
    wal: WalInfo | None
    # The main file alone (WAL ignored), set when a -wal holds committed frames. Read while a live writer
    # checkpoints, it can be torn: good for "rows only in the -wal" figures, not for copying.
    main_file_uri: str | None
    # The private copy it was read from, when it needed one: already a consistent copy of the source.
    private_copy: Path | None = None


@dataclass
class SnapshotFile:
    name: str
    source_size: int
    source_wal_size: int | None
    opened: str
    path: Path


@dataclass
class BackupFile:
    name: str
    expected: bool  # one of the five contract files
    source_size: int
    source_wal_size: int | None
    opened: str
    size: int  # of the consistent copy
    sha256: str  # of the consistent copy
    compressed_name: str
    compressed_size: int
    compressed_sha256: str
    page_size: int
    page_count: int
    integrity_check: list[str]
    row_counts: dict[str, int]
    seconds: float


@dataclass
class FileCheck:
    name: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class VerifyResult:
    backup_dir: Path
    files: list[FileCheck]
    problems: list[str]  # problems of the backup as a whole (no manifest, unreadable manifest)
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems and all(check.ok for check in self.files)


@dataclass
class BackupResult:
    path: Path  # the new backup directory
    manifest: dict
    files: list[BackupFile]
    missing: list[str]  # contract files absent from the source directory
    seconds: float
    verify: VerifyResult | None = None
    snapshot: dict[str, Path] = field(default_factory=dict)  # with keep_snapshot: {name: kept copy}


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's content as hex, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_wal_info(path: Path) -> WalInfo | None:
    """Frames and commits in a ``-wal`` file; None if it is empty or has no valid WAL header.

    Frames count from the start up to the last commit frame whose salts match
    the header, which is where SQLite's own recovery stops; checksums are not
    recomputed (that would mean reading every page in Python).
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            header = handle.read(_WAL_HEADER)
            if len(header) < _WAL_HEADER:
                return None
            magic, _version, page_size, _sequence, salt1, salt2 = struct.unpack(">6I", header[:24])
            if magic not in _WAL_MAGICS or page_size < 512 or page_size & (page_size - 1):
                return None
            frame_size = _WAL_FRAME_HEADER + page_size
            frames_in_file = (size - _WAL_HEADER) // frame_size
            frames = commits = 0
            for index in range(frames_in_file):
                handle.seek(_WAL_HEADER + index * frame_size)
                _page, commit_size, frame_salt1, frame_salt2 = struct.unpack(">4I", handle.read(16))
                if (frame_salt1, frame_salt2) != (salt1, salt2):
                    break
                if commit_size:
                    frames = index + 1
                    commits += 1
    except OSError:
        return None
    return WalInfo(page_size=page_size, frames=frames, commits=commits, frames_in_file=frames_in_file)


def read_sqlite_header(path: Path) -> bytes:
    """The 100-byte SQLite header of ``path``; raises LegacyFileError if it is not a database."""
    name = path.name
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        raise LegacyFileError(name, "file not found", kind="missing") from None
    except OSError as error:
        raise LegacyFileError(name, f"cannot be read: {error.strerror}", kind="unreadable") from None
    if len(header) < 100:
        # SQLite would take an empty file for an empty database; for a legacy file that is data loss.
        raise LegacyFileError(name, f"only {len(header)} bytes: not an SQLite database", kind="corrupt")
    if not header.startswith(SQLITE_MAGIC):
        raise LegacyFileError(name, f"not an SQLite database (it starts with {header[:16]!r})", kind="corrupt")
    return header


@contextmanager
def open_legacy_readonly(
    path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, scratch_dir: Path | None = None
) -> Iterator[OpenedFile]:
    """Open a legacy file for reading without writing to it or creating anything next to it.

    See the module docstring for how the way of opening is chosen. The
    connection is in autocommit mode (``isolation_level=None``) with a busy
    timeout of ``busy_timeout`` seconds, and has already read the schema, so a
    locked, corrupt or unreadable file raises ``LegacyFileError`` here rather
    than at the first query. A private copy, if one is needed, goes into a
    temporary directory under ``scratch_dir`` (default: the system's) and is
    removed on exit.
    """
    path = Path(path).absolute()
    name = path.name
    header = read_sqlite_header(path)
    wal_path, shm_path = Path(f"{path}-wal"), Path(f"{path}-shm")
    has_wal, has_shm = wal_path.exists(), shm_path.exists()
    wal = read_wal_info(wal_path) if has_wal else None
    wal_mode = header[18] == 2 or header[19] == 2 or has_wal
    pending = wal is not None and wal.frames > 0

    with ExitStack() as stack:

        def private_copy(sidecar: str) -> Path:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="legacy-ro-", dir=scratch_dir))
            return _copy_with_sidecar(path, Path(scratch), sidecar)

        main_file_uri = copy = None
        if not wal_mode:
            try:
                connection = _connect(_uri(path, mode="ro"), name=name, busy_timeout=busy_timeout)
                how = "read-only"
            except LegacyFileError as error:
                if error.kind != "hot-journal":
                    raise
                # Opened read-write, the copy rolls the interrupted write back, as the legacy app would have.
                copy = private_copy("-journal")
                connection = _connect(_uri(copy), name=name, busy_timeout=busy_timeout)
                how = "private copy with its hot -journal rolled back there (the source keeps it)"
        else:
            if has_wal and has_shm:
                uri, how = _uri(path, mode="ro", readonly_shm=1), "read-only, -wal read through a read-only -shm"
            elif not pending:
                if has_wal:
                    _wait_for_writer(path, busy_timeout)
                # Nothing committed waits in a -wal, so the main file alone is the whole database.
                uri, how = _uri(path, mode="ro", immutable=1), "read-only (immutable: WAL mode, nothing in a -wal)"
            else:
                _wait_for_writer(path, busy_timeout)
                path = copy = private_copy("-wal")
                uri, how = _uri(path, mode="ro"), "private copy of the file and its -wal (no -shm to read it in place)"
            if pending:
                main_file_uri = _uri(path, mode="ro", immutable=1)
            connection = _connect(uri, name=name, busy_timeout=busy_timeout)
        stack.callback(connection.close)
        yield OpenedFile(
            connection=connection, how=how, wal_mode=wal_mode, wal=wal, main_file_uri=main_file_uri, private_copy=copy
        )


def explain_sqlite_error(name: str, error: sqlite3.Error, *, busy_timeout: float | None = None) -> LegacyFileError:
    """A LegacyFileError for ``error`` raised while reading legacy file ``name``."""
    code = getattr(error, "sqlite_errorname", "") or ""
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        waited = f" after waiting {busy_timeout:g} s" if busy_timeout is not None else ""
        return LegacyFileError(
            name, f"locked by another connection (still locked{waited}); stop the writer and retry", kind="locked"
        )
    if code.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return LegacyFileError(name, f"corrupt: {error}", kind="corrupt")
    if code == "SQLITE_READONLY_ROLLBACK":
        return LegacyFileError(
            name,
            "has a hot -journal (an interrupted write) that only a read-write open can roll back",
            kind="hot-journal",
        )
    return LegacyFileError(name, f"cannot be read: {error} ({code or 'no SQLite error code'})", kind="unreadable")


def list_database_files(*, directory: Path) -> tuple[list[str], list[str], list[str]]:
    """``(present, missing, extra)``: contract files present and missing, and other ``*.db`` files."""
    names = {entry.name for entry in directory.iterdir() if entry.is_file()}
    present = [name for name in LEGACY_FILES if name in names]
    missing = [name for name in LEGACY_FILES if name not in names]
    extra = sorted(name for name in names if name.endswith(".db") and name not in LEGACY_FILES)
    return present, missing, extra


def snapshot_legacy_dir(
    *,
    directory: Path,
    destination: Path,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> dict[str, Path]:
    """Consistent uncompressed copies of every ``*.db`` in ``directory``, as ``{name: path of the copy}``.

    The contract files come first, then any other ``*.db``. ``destination`` is
    created if needed; a copy never replaces an existing file. If any file
    fails, the copies made so far are removed and a ``BackupError`` (a
    ``LegacyFileError`` naming the file) is raised.
    """
    return {item.name: item.path for item in _snapshot(directory, destination, busy_timeout)}


def backup_legacy_dir(
    *,
    directory: Path,
    destination: Path,
    verify: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    level: int = COMPRESSION_LEVEL,
    keep_snapshot: Path | None = None,
    on_snapshot: Callable[[dict[str, Path]], None] | None = None,
) -> BackupResult:
    """Back up every ``*.db`` in ``directory`` into a new ``destination/<UTC timestamp>/``.

    Copies come from ``snapshot_legacy_dir``, are checked (``integrity_check``,
    row counts) and compressed with zstd; ``manifest.json`` is written last,
    atomically. On failure the new directory is removed and a ``BackupError``
    says which file failed and why. With ``verify``, ``verify_backup`` runs on
    the result (its outcome is in ``result.verify``; it does not raise).

    With ``keep_snapshot``, the uncompressed copies the backup is made from
    are made there and kept (``result.snapshot`` maps each name to its copy):
    ``import_sqlite`` reads exactly what it backed up, without copying the
    sources a second time. ``on_snapshot(copies)`` is called as soon as those
    copies exist, before they are checked, so that reading them can start
    while they are checked and compressed; whatever it starts must write
    nothing, and must not be trusted unless this function returns.
    """
    started = time.perf_counter()
    directory = _existing_directory(directory)
    created = datetime.now(UTC)
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    Path(destination).absolute().mkdir(parents=True, exist_ok=True)
    # Two backups started at the same instant get numbered directories; none overwrites another.
    for attempt in range(1000):
        backup_dir = Path(destination).absolute() / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            backup_dir.mkdir()
            break
        except FileExistsError:
            continue
    else:
        raise BackupError(f"{backup_dir} already exists; a backup never overwrites another")
    _present, missing, _extra = list_database_files(directory=directory)
    try:
        work = keep_snapshot if keep_snapshot is not None else backup_dir / ".snapshot"
        snapshot = _snapshot(directory, work, busy_timeout)
        if on_snapshot is not None:
            on_snapshot({item.name: item.path for item in snapshot})
        # The checks run two files at a time (SQLite leaves the GIL); compression one file at a
        # time, as zstd already spreads each file over every core (two at once measured slower
        # at scale 1000, and their buffers stayed in the process the import's workers fork from).
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            inspected = list(pool.map(_inspect, snapshot))
        # Each compressed file is flushed to disk in a thread while the next one is compressed
        # (at scale 1000, 0.6 s of waiting for mingus.db.zst alone); all of them before the manifest.
        with ThreadPoolExecutor(max_workers=1) as syncer:
            files, synced = [], []
            for item, facts in zip(snapshot, inspected, strict=True):
                files.append(_pack(item, facts, backup_dir, level))
                synced.append(syncer.submit(_fsync_file, backup_dir / files[-1].compressed_name))
            _all_done(synced)
        kept = {}
        if keep_snapshot is not None:
            kept = {item.name: item.path for item in snapshot}
        else:
            shutil.rmtree(work)
        manifest = {
            "format": MANIFEST_FORMAT,
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "source_directory": str(directory),
            "sqlite_version": sqlite3.sqlite_version,
            "compression": {"algorithm": "zstd", "level": level, "zstandard": zstandard.__version__},
            "files": [asdict(item) for item in files],
            "missing_files": missing,
        }
        _write_atomically(backup_dir / MANIFEST_NAME, json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(backup_dir, ignore_errors=True)
        raise
    result = BackupResult(
        path=backup_dir,
        manifest=manifest,
        files=files,
        missing=missing,
        seconds=time.perf_counter() - started,
        snapshot=kept,
    )
    if verify:
        result.verify = verify_backup(backup_dir=backup_dir)
    return result


def verify_backup(*, backup_dir: Path, scratch_dir: Path | None = None) -> VerifyResult:
    """Check a backup against its manifest, file by file; never raises for what it finds.

    For each file: the compressed SHA-256, then decompression into a
    temporary directory (under ``scratch_dir``, default the system's), the
    uncompressed SHA-256, ``integrity_check`` and the row count of every table.
    """
    started = time.perf_counter()
    backup_dir = Path(backup_dir).absolute()
    manifest_path = backup_dir / MANIFEST_NAME
    if not manifest_path.exists():
        problem = (
            f"no {MANIFEST_NAME} in {backup_dir}: an incomplete backup (stopped before the manifest was written) "
            "or not a backup directory"
        )
        return VerifyResult(backup_dir=backup_dir, files=[], problems=[problem], seconds=0.0)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = list(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        problem = f"{MANIFEST_NAME} cannot be read: {error}"
        return VerifyResult(backup_dir=backup_dir, files=[], problems=[problem], seconds=0.0)
    checks = []
    with tempfile.TemporaryDirectory(prefix="legacy-verify-", dir=scratch_dir) as scratch:
        for entry in entries:
            checks.append(_check_file(entry, backup_dir, Path(scratch)))
    return VerifyResult(backup_dir=backup_dir, files=checks, problems=[], seconds=time.perf_counter() - started)


def count_rows(*, connection: sqlite3.Connection) -> dict[str, int]:
    """``{table: rows}`` for every table of the database (SQLite's own tables left out)."""
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        table: connection.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchone()[0]  # noqa: S608
        for table in tables
    }


def integrity_check(*, connection: sqlite3.Connection, max_errors: int = 20) -> list[str]:
    """``PRAGMA integrity_check`` lines: ``["ok"]``, or up to ``max_errors`` problems."""
    try:
        rows = connection.execute(f"PRAGMA integrity_check({int(max_errors)})").fetchall()
        # SQLite may pack several findings into one row, one per line.
        return [line for (text,) in rows for line in str(text).splitlines() if line.strip()]
    except sqlite3.DatabaseError as error:
        # A badly damaged file makes the check itself fail ("database disk image is malformed").
        return [f"integrity_check failed: {error}"]


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


def _uri(path: Path, **params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{quote(str(path))}" + (f"?{query}" if query else "")


def _connect(uri: str, *, name: str, busy_timeout: float) -> sqlite3.Connection:
    try:
        # A snapshot opens its files in worker threads and reads them in another (one thread at a time).
        connection = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise explain_sqlite_error(name, error, busy_timeout=busy_timeout) from error
    try:
        # The first read takes the shared lock and parses the schema: locks and corruption show here.
        connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.Error as error:
        connection.close()
        raise explain_sqlite_error(name, error, busy_timeout=busy_timeout) from error
    return connection


def _wait_for_writer(path: Path, busy_timeout: float) -> None:
    """Raise LegacyFileError if someone holds a write lock on ``path`` for longer than ``busy_timeout``.

    ``readonly_shm=1`` with no ``-shm`` takes the shared lock on the main file
    (waiting for a writer like any reader) and then fails to open the missing
    ``-shm``: that failure is the all-clear, and nothing gets created.
    """
    probe = sqlite3.connect(_uri(path, mode="ro", readonly_shm=1), uri=True, timeout=busy_timeout)
    try:
        probe.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.Error as error:
        if (getattr(error, "sqlite_errorname", "") or "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise explain_sqlite_error(path.name, error, busy_timeout=busy_timeout) from error
    finally:
        probe.close()


def _copy_with_sidecar(path: Path, directory: Path, sidecar: str, attempts: int = 3) -> Path:
    """Copy ``path`` and its ``-wal`` or ``-journal`` into ``directory``; retried if either changes meanwhile."""
    companion = Path(f"{path}{sidecar}")
    target = directory / path.name
    for _ in range(attempts):
        before = _stamp(path), _stamp(companion)
        shutil.copyfile(path, target)
        shutil.copyfile(companion, Path(f"{target}{sidecar}"))
        if (_stamp(path), _stamp(companion)) == before:
            return target
    raise LegacyFileError(path.name, f"kept changing while being copied ({attempts} attempts)", kind="locked")


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _existing_directory(directory: Path) -> Path:
    directory = Path(directory).absolute()
    if not directory.is_dir():
        raise BackupError(f"legacy directory {directory} does not exist or is not a directory")
    return directory


# ---------------------------------------------------------------------------
# Snapshot, compression, manifest
# ---------------------------------------------------------------------------


def _snapshot(directory: Path, destination: Path, busy_timeout: float) -> list[SnapshotFile]:
    directory = _existing_directory(directory)
    present, _missing, extra = list_database_files(directory=directory)
    names = present + extra
    if not names:
        raise BackupError(f"no *.db files in {directory}")
    destination = Path(destination).absolute()
    destination.mkdir(parents=True, exist_ok=True)
    taken = [name for name in names for suffix in ("", *SIDECAR_SUFFIXES) if (destination / f"{name}{suffix}").exists()]
    if taken:
        raise BackupError(f"refusing to overwrite {', '.join(taken)} in {destination}")
    written = [destination / name for name in names]
    # Files are opened and copied two at a time: the copies (sendfile, SQLite's backup API) leave
    # the GIL, and nothing else runs during a snapshot (at scale 1000, 3.5 s on one core before).
    try:
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool, ExitStack() as stack:
            opened = _open_all(names, directory, destination, busy_timeout, pool=pool, stack=stack)
            for name, source in opened.items():
                # Read transactions on all files before any copy: the copies show one moment.
                _begin_read(name, source.connection, busy_timeout)
            _all_done(pool.submit(_copy_one, name, source, destination / name) for name, source in opened.items())
            result = []
            for name, source in opened.items():
                wal_path = directory / f"{name}-wal"
                result.append(
                    SnapshotFile(
                        name=name,
                        source_size=(directory / name).stat().st_size,
                        source_wal_size=wal_path.stat().st_size if wal_path.exists() else None,
                        opened=source.how,
                        path=destination / name,
                    )
                )
    except BaseException:
        for path in written:
            for suffix in ("", *SIDECAR_SUFFIXES):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return result


def _open_all(
    names: list[str], directory: Path, scratch_dir: Path, busy_timeout: float, *, pool, stack: ExitStack
) -> dict[str, OpenedFile]:
    """Every file opened by ``open_legacy_readonly`` in ``pool``, each closed when ``stack`` unwinds.

    If any fails, the ones that opened are on ``stack`` all the same, and the
    first failure (in ``names`` order) is raised.
    """
    managers = {
        name: open_legacy_readonly(directory / name, busy_timeout=busy_timeout, scratch_dir=scratch_dir)
        for name in names
    }
    futures = {name: pool.submit(manager.__enter__) for name, manager in managers.items()}
    for name, future in futures.items():
        if future.exception() is None:  # waits for it
            stack.push(managers[name].__exit__)
    _all_done(futures.values())
    return {name: future.result() for name, future in futures.items()}


def _copy_one(name: str, source: OpenedFile, target: Path) -> None:
    if source.private_copy is not None:
        _adopt_private_copy(name, source, target)
    else:
        _copy_through_backup_api(name, source.connection, target)


def _all_done(futures) -> None:
    """Wait for every future, then raise the first failure: nothing is still running when the caller cleans up."""
    futures = list(futures)
    failure = None
    for future in futures:
        try:
            future.result()
        except Exception as exc:  # raised below, once every future has stopped
            failure = failure or exc
    if failure is not None:
        raise failure


def _begin_read(name: str, connection: sqlite3.Connection, busy_timeout: float) -> None:
    try:
        connection.execute("BEGIN")
        connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.Error as error:
        raise explain_sqlite_error(name, error, busy_timeout=busy_timeout) from error


def _copy_through_backup_api(name: str, source: sqlite3.Connection, target: Path) -> None:
    # The source's open read transaction is what the backup reads: the copy is
    # that snapshot, and backup() never has to wait for a lock (Python retries
    # a busy backup step for ever).
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        copy.execute("PRAGMA synchronous = OFF")  # a copy that is lost in a crash is made again
        source.backup(copy)
    except sqlite3.Error as error:
        raise explain_sqlite_error(name, error) from error
    finally:
        copy.close()


def _adopt_private_copy(name: str, source: OpenedFile, target: Path) -> None:
    # open_legacy_readonly already copied this file (and its -wal or hot -journal) for this run, and
    # nothing else has it open: fold the -wal into it and keep it, rather than copy it a second time
    # through the backup API (at scale 100 that second copy cost 0.3 s of a 0.36 s snapshot).
    source.connection.close()
    try:
        copy = sqlite3.connect(source.private_copy, isolation_level=None)
        try:
            copy.execute("PRAGMA synchronous = OFF")  # a copy that is lost in a crash is made again
            busy, frames, done = copy.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            copy.close()  # the last connection: it removes the emptied -wal and the -shm
        if busy or frames != done:
            raise LegacyFileError(
                name, f"its private copy could not be checkpointed ({done} of {frames} frames)", kind="locked"
            )
        _write_backup_header(source.private_copy)
        os.replace(source.private_copy, target)
    except sqlite3.Error as error:
        raise explain_sqlite_error(name, error) from error


# What a copy through the backup API into a new file has in its header, where the source's own
# values would otherwise stay: change counter, schema cookie, version-valid-for, SQLite's version.
_BACKUP_HEADER_FIELDS = (24, 40, 92, 96)


def _write_backup_header(path: Path) -> None:
    # A snapshot's SHA-256 is the run's source checksum, which validate_import compares with a new
    # snapshot's: a copy kept here must be byte for byte what the backup API would have written.
    major, minor, patch = sqlite3.sqlite_version_info
    values = (1, 1, 1, major * 1_000_000 + minor * 1_000 + patch)
    with open(path, "r+b") as handle:
        for offset, value in zip(_BACKUP_HEADER_FIELDS, values, strict=True):
            handle.seek(offset)
            handle.write(value.to_bytes(4, "big"))


def _inspect(item: SnapshotFile) -> dict:
    """``integrity_check``, row counts and page figures of one snapshot copy; raises if it is corrupt."""
    started = time.perf_counter()
    connection = sqlite3.connect(_uri(item.path, mode="ro", immutable=1), uri=True)
    try:
        integrity = integrity_check(connection=connection)
        if integrity != ["ok"]:
            raise LegacyFileError(item.name, "integrity_check failed: " + "; ".join(integrity), kind="corrupt")
        try:
            return {
                "integrity_check": integrity,
                "row_counts": count_rows(connection=connection),
                "page_size": connection.execute("PRAGMA page_size").fetchone()[0],
                "page_count": connection.execute("PRAGMA page_count").fetchone()[0],
                "seconds": time.perf_counter() - started,
            }
        except sqlite3.Error as error:
            raise explain_sqlite_error(item.name, error) from error
    finally:
        connection.close()


def _pack(item: SnapshotFile, facts: dict, backup_dir: Path, level: int) -> BackupFile:
    """Compress one checked snapshot copy into ``backup_dir`` and describe it for the manifest."""
    started = time.perf_counter() - facts["seconds"]
    compressed_name = f"{item.name}.zst"
    sha, compressed_sha, compressed_size = _compress(item.path, backup_dir / compressed_name, level)
    return BackupFile(
        name=item.name,
        expected=item.name in LEGACY_FILES,
        source_size=item.source_size,
        source_wal_size=item.source_wal_size,
        opened=item.opened,
        size=item.path.stat().st_size,
        sha256=sha,
        compressed_name=compressed_name,
        compressed_size=compressed_size,
        compressed_sha256=compressed_sha,
        page_size=facts["page_size"],
        page_count=facts["page_count"],
        integrity_check=facts["integrity_check"],
        row_counts=facts["row_counts"],
        seconds=round(time.perf_counter() - started, 3),
    )


class _HashingWriter:
    """A binary file that also hashes what is written to it."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)


def _compress(source: Path, target: Path, level: int) -> tuple[str, str, int]:
    """Compress ``source`` into ``target`` in one pass: (plain SHA-256, compressed SHA-256, compressed size).

    ``target`` is not flushed to disk here: ``backup_legacy_dir`` does it beside the next compression.
    """
    plain = hashlib.sha256()
    compressor = zstandard.ZstdCompressor(level=level, threads=-1, write_checksum=True)
    with open(source, "rb") as reader, open(target, "xb") as handle:
        writer = _HashingWriter(handle)
        stream = compressor.compressobj(size=source.stat().st_size)
        while chunk := reader.read(_CHUNK):
            plain.update(chunk)
            writer.write(stream.compress(chunk))
        writer.write(stream.flush())
    return plain.hexdigest(), writer.digest.hexdigest(), writer.size


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _decompress(source: Path, target: Path) -> str:
    """Decompress ``source`` into ``target``; the SHA-256 of what was written."""
    digest = hashlib.sha256()
    with open(source, "rb") as handle, open(target, "wb") as out:
        reader = zstandard.ZstdDecompressor().stream_reader(handle)
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _check_file(entry: dict, backup_dir: Path, scratch: Path) -> FileCheck:
    started = time.perf_counter()
    name = str(entry.get("name", "?"))
    check = FileCheck(name=name)
    compressed_name = str(entry.get("compressed_name", ""))
    if Path(name).name != name or Path(compressed_name).name != compressed_name or not compressed_name:
        check.problems.append(f"manifest entry names a path outside the backup: {name!r}, {compressed_name!r}")
        return check
    packed = backup_dir / compressed_name
    if not packed.exists():
        check.problems.append(f"{compressed_name} is missing")
        return check
    actual = sha256_file(packed)
    if actual != entry.get("compressed_sha256"):
        check.problems.append(f"{compressed_name} SHA-256 is {actual}, manifest says {entry.get('compressed_sha256')}")
    copy = scratch / name
    try:
        plain = _decompress(packed, copy)
    except (zstandard.ZstdError, OSError) as error:
        check.problems.append(f"{compressed_name} does not decompress: {error}")
        return _finish(check, started, copy)
    if plain != entry.get("sha256"):
        check.problems.append(f"decompressed SHA-256 is {plain}, manifest says {entry.get('sha256')}")
    try:
        read_sqlite_header(copy)
        connection = sqlite3.connect(_uri(copy, mode="ro", immutable=1), uri=True)
        try:
            integrity = integrity_check(connection=connection)
            if integrity != ["ok"]:
                check.problems.append("integrity_check: " + "; ".join(integrity))
            counts = count_rows(connection=connection)
        finally:
            connection.close()
    except (LegacyFileError, sqlite3.Error) as error:
        check.problems.append(f"cannot be opened as a database: {error}")
        return _finish(check, started, copy)
    expected = entry.get("row_counts") or {}
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            check.problems.append(f"table {table} is in the manifest but not in the backup")
        elif table not in expected:
            check.problems.append(f"table {table} is in the backup but not in the manifest")
        elif counts[table] != expected[table]:
            check.problems.append(f"{table}: {counts[table]} rows, manifest says {expected[table]}")
    return _finish(check, started, copy)


def _finish(check: FileCheck, started: float, copy: Path) -> FileCheck:
    for suffix in ("", *SIDECAR_SUFFIXES):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    check.seconds = round(time.perf_counter() - started, 3)
    return check
