"""Child process of ``import_floor.py``: PostgreSQL's part of an import, with nothing else.

Reads a manifest written by ``import_floor.py`` (connection string, the number of
sessions, the parts to load: binary COPY files of the rows an import wrote, each
with its table and columns; the statements that build again the indexes and keys
dropped beforehand), then:

1. loads every part with ``COPY ... FROM STDIN (FORMAT BINARY)``, ``sessions``
   connections taking parts from one queue, one transaction per part, row
   triggers off (``session_replication_role = replica``, as the import's chunks);
2. builds the dropped indexes again, the same connections taking them from one queue.

Each phase is timed on its own (wall clock); the figures go to a JSON result file.

    python bench/floor_load.py MANIFEST.json RESULT.json
"""

from __future__ import annotations

import json
import queue
import threading
import time

import psycopg
from copy_load import BLOCK_SIZE, child_arguments
from psycopg import sql


def _drain(conninfo: str, work: queue.Queue, do, results: list, errors: list) -> None:
    try:
        with psycopg.connect(conninfo) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.commit()
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                results.append(do(conn, item))
                conn.commit()
    except Exception as exc:  # reported by the parent; the other sessions finish their parts
        errors.append(f"{type(exc).__name__}: {exc}")


def _copy_part(conn: psycopg.Connection, part: dict) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(part["table"]), sql.SQL(", ").join(map(sql.Identifier, part["columns"]))
    )
    with conn.cursor() as cur, open(part["file"], "rb") as source:
        with cur.copy(statement) as copy:
            while block := source.read(BLOCK_SIZE):
                copy.write(block)
        return cur.rowcount


def _build_index(conn: psycopg.Connection, definition: str) -> int:
    conn.execute(definition)
    return 1


def run_phase(conninfo: str, sessions: int, items: list, do) -> tuple[float, list, list[str]]:
    """Run ``do(conn, item)`` for every item on ``sessions`` connections; seconds, results, errors."""
    work: queue.Queue = queue.Queue()
    for item in items:
        work.put(item)
    results: list = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_drain, args=(conninfo, work, do, results, errors)) for _ in range(max(1, sessions))
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results, errors


def main() -> None:
    manifest, result_path = child_arguments(__doc__)
    conninfo, sessions = manifest["conninfo"], manifest["sessions"]

    copy_seconds, copied, copy_errors = run_phase(conninfo, sessions, manifest["parts"], _copy_part)
    index_seconds, built, index_errors = run_phase(conninfo, sessions, manifest["indexes"], _build_index)

    result = {
        "copy_seconds": copy_seconds,
        "index_seconds": index_seconds,
        "rows": sum(copied),
        "indexes_built": sum(built),
        "errors": copy_errors + index_errors,
    }
    result_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
