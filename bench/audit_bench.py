"""Benchmark the audit triggers: a 100k-row UPDATE with them against the same UPDATE without.

In a fresh database (migrated with ``manage.py migrate``, so with the real
triggers, indexes and constraints) ``daily_cashflow`` is filled with one row per
user per day. Then, alternately and with a ``VACUUM`` and a ``CHECKPOINT``
before each, the same statement runs

* with the audit triggers, as the app runs it (one ``audit_logs`` entry per row),
* without them (``ALTER TABLE daily_cashflow DISABLE TRIGGER USER`` inside the
  timed transaction: only the audit triggers are off, foreign-key checks stay),

each in its own committed transaction, ``--repeat`` times. The median of each is
reported, with rows/s and the ratio (target: at most 2). For information, the
audited UPDATE is then timed once more with ``audit_logs`` reduced to its primary
key and BRIN index (its two b-tree lookup indexes dropped in the scratch
database), which shows what those indexes cost.

    .venv/bin/python bench/audit_bench.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time

import psycopg
from psycopg import sql

# A sibling module: the benchmarks run as scripts from this folder.
from scratch_db import drop_database, migrate, recreate_database, with_database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_RATIO = 2.0
DAYS = 400

UPDATE = (
    "UPDATE daily_cashflow SET closing_balance = closing_balance + 1,"
    " balance_status = CASE WHEN balance_status = 'ok' THEN 'low' ELSE 'ok' END"
)


def fill(conn: psycopg.Connection, rows: int) -> None:
    """One row per user per day, loaded with the triggers skipped (as the importer does)."""
    users = -(-rows // DAYS)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO users (id, email, password, is_active, is_staff, is_superuser, is_app_admin,"
            " email_verified, created_at)"
            " SELECT gen_random_uuid(), 'bench' || n || '@example.com', '!', true, false, false, false, false, now()"
            " FROM generate_series(1, %s) AS n",
            [users],
        )
        cursor.execute(
            "INSERT INTO daily_cashflow (id, user_id, date, opening_balance, income, expenses, closing_balance,"
            " balance_status, created_at)"
            " SELECT mingus_uuid7(), u.id, date '2024-01-01' + d, 100.00, 12.50, 7.25, 105.25, 'ok', now()"
            " FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users) AS u"
            " CROSS JOIN generate_series(0, %s - 1) AS d"
            " WHERE (u.n - 1) * %s + d < %s",
            [DAYS, DAYS, rows],
        )


def prepare(conn: psycopg.Connection) -> None:
    conn.execute("VACUUM ANALYZE daily_cashflow")
    conn.execute("VACUUM ANALYZE audit_logs")
    with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
        conn.execute("CHECKPOINT")


def timed_update(conn: psycopg.Connection, *, audited: bool) -> tuple[float, int, int]:
    """Seconds, rows updated and audit entries written by one committed UPDATE."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_logs")
        before = cursor.fetchone()[0]
        started = time.perf_counter()
        with conn.transaction():
            cursor.execute("SELECT set_config('mingus.actor', 'bench', true)")
            if not audited:
                cursor.execute("ALTER TABLE daily_cashflow DISABLE TRIGGER USER")
            cursor.execute(UPDATE)
            updated = cursor.rowcount
            if not audited:
                cursor.execute("ALTER TABLE daily_cashflow ENABLE TRIGGER USER")
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM audit_logs")
        written = cursor.fetchone()[0] - before
    return seconds, updated, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="maintenance connection (default %(default)s)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="bench_audit")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    with psycopg.connect(args.pg_url, autocommit=True) as admin:
        server = admin.execute("SHOW server_version").fetchone()[0]
    recreate_database(args.pg_url, args.database)
    url = with_database(args.pg_url, args.database)
    try:
        print(f"PostgreSQL {server}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; migrating...")
        migrate(owner_url=url)
        with psycopg.connect(url, autocommit=True) as conn:
            fill(conn, args.rows)
            results: dict[bool, list[float]] = {True: [], False: []}
            for round_number in range(args.repeat):
                # Alternate which goes first, so neither always finds the fresher table.
                for audited in (True, False) if round_number % 2 == 0 else (False, True):
                    prepare(conn)
                    seconds, updated, written = timed_update(conn, audited=audited)
                    expected = updated if audited else 0
                    if updated != args.rows or written != expected:
                        sys.exit(f"unexpected: {updated} rows updated, {written} audit entries (wanted {expected})")
                    results[audited].append(seconds)
            lean: list[float] = []
            lookups = conn.execute(
                "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'audit_logs'::regclass"
                " AND NOT i.indisprimary AND a.amname = 'btree'"
            ).fetchall()
            for (index,) in lookups:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
            for _ in range(args.repeat):
                prepare(conn)
                lean.append(timed_update(conn, audited=True)[0])
            load = os.getloadavg()[0]
    finally:
        if not args.keep:
            drop_database(args.pg_url, args.database)

    audited, plain, slim = (statistics.median(runs) for runs in (results[True], results[False], lean))
    ratio = audited / plain
    print(f"\n{args.rows:,}-row UPDATE of daily_cashflow, median of {args.repeat} (load average now {load:.2f})")
    print(f"{'':44}{'seconds':>10}{'rows/s':>12}{'ratio':>8}")
    print(f"{'without audit triggers':44}{plain:>10.3f}{args.rows / plain:>12,.0f}{1:>8.2f}")
    print(f"{'with audit triggers':44}{audited:>10.3f}{args.rows / audited:>12,.0f}{ratio:>8.2f}")
    print(
        f"{'  (audit_logs without its b-tree lookups)':44}{slim:>10.3f}{args.rows / slim:>12,.0f}{slim / plain:>8.2f}"
    )
    print(f"ratio target <= {TARGET_RATIO}: {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    for label, runs in (("with", results[True]), ("without", results[False]), ("lean", lean)):
        print(f"all runs, {label}: {', '.join(f'{seconds:.3f}' for seconds in runs)}")


if __name__ == "__main__":
    main()
