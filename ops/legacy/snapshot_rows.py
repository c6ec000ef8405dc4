"""Reading rows out of the private snapshots of the legacy files.

Both the importer and the validator read the consistent copies that
``sqlite_backup.snapshot_legacy_dir`` makes, by rowid range, in the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mingus.db import quote_identifier
from ops.legacy.transforms import decode_text

try:
    from mingus_rowcodec import Reader as _Reader
    from mingus_rowcodec import UndecodableText as _ReaderUndecodable
except ImportError:  # built without SQLite's header, or not built: sqlite3 reads instead
    _Reader = None


class UndecodableText(Exception):
    """A TEXT value in the range is not valid UTF-8: read it again with ``safe_text``."""


def open_snapshot(path: Path, *, raw_text: bool = False) -> sqlite3.Connection:
    """A connection to a snapshot copy (``raw_text``: TEXT comes back as bytes)."""
    # The snapshot is a private, fully checkpointed copy: immutable needs no locks, -wal or -shm.
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True, check_same_thread=False)
    if raw_text:
        conn.text_factory = bytes
    return conn


def read_rows(*, path: Path, table: str, columns: list[str], first: int, last: int, safe_text: bool) -> Iterator[tuple]:
    """Rows ``(rowid, *columns)`` with rowid in [first, last], in rowid order, streamed.

    Without ``safe_text`` a TEXT value that is not UTF-8 raises
    :class:`UndecodableText`; with it, such values come back as ``BadText``.
    """
    for rows in read_row_batches(path=path, table=table, columns=columns, first=first, last=last, safe_text=safe_text):
        yield from rows


def rowid_bounds(conn: sqlite3.Connection, *, table: str) -> tuple[int | None, int | None]:
    """The lowest and highest rowid of ``table`` (``(None, None)`` when it is empty), without a scan."""
    quoted = quote_identifier(table)
    # SQLite answers min(rowid) or max(rowid) from one end of the b-tree only when the query holds
    # that one aggregate; both in one SELECT scan the whole table (0.8 s over the scale-1000 sample).
    return conn.execute(
        f"SELECT (SELECT min(rowid) FROM {quoted}), (SELECT max(rowid) FROM {quoted})"  # noqa: S608
    ).fetchone()


def rows_by_rowid(conn: sqlite3.Connection, *, table: str, selected: str, rowids: list[int]) -> Iterator[tuple]:
    """Rows ``(rowid, <selected>)`` of ``rowids`` (a few at a time, under SQLite's parameter limit), in rowid order."""
    for start in range(0, len(rowids), 500):
        batch = rowids[start : start + 500]
        yield from conn.execute(
            f"SELECT rowid, {selected} FROM {quote_identifier(table)} "  # noqa: S608
            f"WHERE rowid IN ({', '.join('?' * len(batch))}) ORDER BY rowid",
            batch,
        )


def reader_available() -> bool:
    """Whether the compiled reader is built (it needs SQLite's header at install time)."""
    return _Reader is not None


@contextmanager
def open_reader(*, path: Path, table: str, columns: list[str], first: int, last: int) -> Iterator[object]:
    """The compiled reader over rows ``(rowid, *columns)`` with rowid in [first, last], in rowid order.

    For the C encoder's ``pump``, which takes the rows from it without a
    Python object per value. Inside the block, TEXT that is not UTF-8 raises
    :class:`UndecodableText` and a read error ``sqlite3.OperationalError``,
    as :func:`read_rows` does.
    """
    try:
        reader = _Reader(f"file:{path}?immutable=1", _range_query(table, columns), first, last)
    except OSError as exc:  # what sqlite3 would have raised
        raise sqlite3.OperationalError(str(exc)) from exc
    try:
        yield reader
    except _ReaderUndecodable as exc:
        raise UndecodableText from exc
    except OSError as exc:
        raise sqlite3.OperationalError(str(exc)) from exc
    finally:
        reader.close()


def _range_query(table: str, columns: list[str]) -> str:
    selected = ", ".join(quote_identifier(c) for c in columns)
    return f"SELECT rowid, {selected} FROM {quote_identifier(table)} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"  # noqa: S608


def read_row_batches(
    *, path: Path, table: str, columns: list[str], first: int, last: int, safe_text: bool
) -> Iterator[list[tuple]]:
    """:func:`read_rows` a list of up to 2,000 rows at a time (for loops that take a batch at once).

    The compiled reader (``ops/legacy/native``) makes the very tuples sqlite3
    makes (int, float, str, bytes, None; TEXT strictly UTF-8), with less
    overhead per value; ``safe_text`` reads go through sqlite3's text factory.
    """
    if _Reader is not None and not safe_text:
        with open_reader(path=path, table=table, columns=columns, first=first, last=last) as reader:
            while rows := reader.fetch(2000):
                yield rows
        return
    query = _range_query(table, columns)
    conn = open_snapshot(path)
    if safe_text:
        conn.text_factory = decode_text
    try:
        cursor = conn.execute(query, [first, last])
        while True:
            try:
                rows = cursor.fetchmany(2000)
            except sqlite3.OperationalError as exc:
                if "decode" in str(exc).lower() and not safe_text:
                    raise UndecodableText from exc
                raise
            if not rows:
                return
            yield rows
    finally:
        conn.close()
