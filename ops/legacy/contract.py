"""The legacy contract (``contract/*.sql``) as data: files, tables, columns.

SQLite parses the DDL itself: each file's script runs in an in-memory database
and ``PRAGMA table_info`` reports the columns, so the spec sees exactly what
SQLite saw when the legacy app created its files (no hand-written parser to
drift from SQLite's grammar). ``read_table_specs`` reads a real legacy file the
same way, which keeps the two sides of a drift comparison alike.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mingus.db import quote_identifier
from ops.legacy.mapping import LEGACY_FILES

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    declared_type: str  # as written in the DDL, e.g. "VARCHAR(255)"; "" when none
    not_null: bool
    default: str | None  # the default's SQL text, e.g. "CURRENT_TIMESTAMP" or "'open'"
    primary_key: int  # position in the primary key (1-based), 0 when not part of it


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec | None:
        """The column called ``name`` (SQLite compares names case-insensitively), or None."""
        for column in self.columns:
            if column.name.lower() == name.lower():
                return column
        return None


def load_contract() -> dict[str, dict[str, TableSpec]]:
    """The contract as ``{file name: {table name: TableSpec}}``, files in ``LEGACY_FILES`` order.

    Parsed once per process; each call returns fresh dicts, so a caller that
    edits its copy cannot change what the next caller sees.
    """
    return {name: dict(tables) for name, tables in _parse_contract().items()}


def read_table_specs(*, connection: sqlite3.Connection) -> dict[str, TableSpec]:
    """The tables of the database behind ``connection`` (SQLite's own tables left out)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
    ]
    return {name: _table_spec(connection, name) for name in names}


@cache
def _parse_contract() -> dict[str, dict[str, TableSpec]]:
    contract: dict[str, dict[str, TableSpec]] = {}
    for file_name in LEGACY_FILES:
        script = (CONTRACT_DIR / file_name.replace(".db", ".sql")).read_text(encoding="utf-8")
        connection = sqlite3.connect(":memory:")
        try:
            connection.executescript(script)
            contract[file_name] = read_table_specs(connection=connection)
        finally:
            connection.close()
    return contract


def _table_spec(connection: sqlite3.Connection, table: str) -> TableSpec:
    rows = connection.execute(f"PRAGMA table_info({quote_identifier(table)})").fetchall()
    columns = tuple(
        ColumnSpec(name=name, declared_type=declared, not_null=bool(not_null), default=default, primary_key=pk)
        for _cid, name, declared, not_null, default, pk in rows
    )
    return TableSpec(name=table, columns=columns)
