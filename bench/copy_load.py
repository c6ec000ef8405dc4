"""Child process of ``import_bench.py``: the raw COPY method.

Reads a manifest written by ``import_bench.py`` (connection string, and per table
its CSV file, columns, primary key and legacy indexes), then, on one connection:

1. streams every CSV file into its table with ``COPY ... FROM STDIN (FORMAT csv)``
   through psycopg's ``cursor.copy()``, in large blocks, one table after another;
2. builds a primary key per table plus the indexes the legacy DDL declares.

Each phase is timed on its own (wall clock). The figures go to a JSON result file.
It runs as a separate process so that the harness can measure its peak RSS the
same way as for the other methods.

    python bench/copy_load.py MANIFEST.json RESULT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import psycopg
from psycopg import sql

BLOCK_SIZE = 8 * 1024 * 1024  # bytes read from a data file per copy.write()


def table_name(table: dict) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(table["schema"]), sql.Identifier(table["table"]))


def copy_tables(conn: psycopg.Connection, tables: list[dict]) -> list[dict]:
    """COPY every CSV file into its table; one transaction per table."""
    copied = []
    for table in tables:
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            table_name(table), sql.SQL(", ").join(map(sql.Identifier, table["columns"]))
        )
        started = time.perf_counter()
        with conn.cursor() as cur, open(table["csv"], "rb") as source:
            with cur.copy(statement) as copy:
                while block := source.read(BLOCK_SIZE):
                    copy.write(block)
            rows = cur.rowcount
        conn.commit()
        copied.append(
            {"schema": table["schema"], "table": table["table"], "rows": rows, "seconds": time.perf_counter() - started}
        )
    return copied


def index_statements(table: dict) -> list[sql.Composed]:
    """ALTER TABLE ... ADD PRIMARY KEY, then the legacy CREATE INDEX statements."""
    statements = []
    if table["primary_key"]:
        statements.append(
            sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                table_name(table), sql.SQL(", ").join(map(sql.Identifier, table["primary_key"]))
            )
        )
    for index in table["indexes"]:
        statements.append(
            sql.SQL("CREATE {}INDEX {} ON {} ({})").format(
                sql.SQL("UNIQUE " if index["unique"] else ""),
                sql.Identifier(index["name"]),
                table_name(table),
                sql.SQL(", ").join(map(sql.Identifier, index["columns"])),
            )
        )
    return statements


def build_indexes(conn: psycopg.Connection, tables: list[dict]) -> tuple[int, list[str]]:
    """Build every primary key and index; a failure is recorded, not fatal."""
    built, errors = 0, []
    for table in tables:
        for statement in index_statements(table):
            try:
                conn.execute(statement)
                conn.commit()
                built += 1
            except psycopg.Error as exc:
                conn.rollback()
                errors.append(f"{table['schema']}.{table['table']}: {str(exc).strip().splitlines()[0]}")
    return built, errors


def child_arguments(doc: str) -> tuple[dict, Path]:
    """What a child of the benchmarks is given: the manifest it reads, the path its result goes to."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("result", type=Path)
    args = parser.parse_args()
    return json.loads(args.manifest.read_text(encoding="utf-8")), args.result


def main() -> None:
    manifest, result_path = child_arguments(__doc__)

    with psycopg.connect(manifest["conninfo"]) as conn:
        started = time.perf_counter()
        copied = copy_tables(conn, manifest["tables"])
        copy_seconds = time.perf_counter() - started

        started = time.perf_counter()
        built, errors = build_indexes(conn, manifest["tables"])
        index_seconds = time.perf_counter() - started

    result = {
        "copy_seconds": copy_seconds,
        "index_seconds": index_seconds,
        "rows": sum(t["rows"] for t in copied),
        "tables": copied,
        "indexes_built": built,
        "index_errors": errors,
    }
    result_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
