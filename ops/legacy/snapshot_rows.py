"""Reading rows out of the private snapshots of the legacy files.

Both the importer and the validator read the consistent copies that
``sqlite_backup.snapshot_legacy_dir`` makes, by rowid range, in the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from mingus.db import quote_identifier
from ops.legacy.transforms import decode_text


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


def read_row_batches(
    *, path: Path, table: str, columns: list[str], first: int, last: int, safe_text: bool
) -> Iterator[list[tuple]]:
    """:func:`read_rows` a list of up to 2,000 rows at a time (for loops that take a batch at once)."""
    conn = open_snapshot(path)
    if safe_text:
        conn.text_factory = decode_text
    selected = ", ".join(quote_identifier(c) for c in columns)
    query = (
        f"SELECT rowid, {selected} FROM {quote_identifier(table)} "  # noqa: S608
        "WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
    )
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
