"""Row-level security cost: one user's 90 days of cash flow from a 1M-row table, with RLS and without.

    .venv/bin/python bench/rls_bench.py [--pg-url URL] [--rows 1000000] [--repeat 3000]

Creates a scratch database on the server of ``--pg-url`` (a role that may create
databases), migrates it with the project's migrations (so the policies are the
real ones), fills ``daily_cashflow`` with ``--rows`` rows (365 days per user),
then times the same per-user query three ways, in one run:

* no RLS: the owner (a superuser, so policies do not apply), ``WHERE user_id = $1``;
* RLS: the runtime role ``mingus_app`` with ``mingus.user_id`` set, and the same
  ``WHERE user_id = $1`` the application writes anyway;
* RLS only: the runtime role with no ``user_id`` filter of its own, RLS alone
  narrowing the rows.

Each figure is the median of ``--repeat`` executions of the query; a second set
of figures times whole transactions (``BEGIN``, set the user, query, ``COMMIT``),
which is what a request pays. Prints a table and the ratios; the target is at
most 1.1x.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

import psycopg

# A sibling module: the benchmarks run as scripts from this folder.
from scratch_db import drop_database, migrate, recreate_database, with_database, with_user

DATABASE = "mingus_bench_rls"
QUERY = (
    "SELECT date, opening_balance, income, expenses, closing_balance FROM daily_cashflow "
    "WHERE {user_filter} date >= %s AND date < %s ORDER BY date"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    owner_url = with_database(args.pg_url, DATABASE)
    runtime_url = with_user(owner_url, "mingus_app")
    recreate_database(args.pg_url, DATABASE)
    try:
        migrate(owner_url=owner_url, runtime_url=runtime_url)
        users = max(1, args.rows // 365)
        started = time.monotonic()
        _fill(owner_url, users=users)
        print(f"filled daily_cashflow: {users * 365:,} rows for {users:,} users in {time.monotonic() - started:.1f} s")
        _run(owner_url=owner_url, runtime_url=runtime_url, users=users, repeat=args.repeat)
    finally:
        if not args.keep:
            drop_database(args.pg_url, DATABASE)


def _run(*, owner_url: str, runtime_url: str, users: int, repeat: int) -> None:
    with psycopg.connect(owner_url, autocommit=True) as owner, psycopg.connect(runtime_url, autocommit=True) as runtime:
        user_ids = [row[0] for row in owner.execute("SELECT id FROM users ORDER BY id")]
        start = date(2025, 3, 1)
        window = (start, start + timedelta(days=90))
        cases = [
            ("no RLS (owner, WHERE user_id)", owner, QUERY.format(user_filter="user_id = %s AND"), True, False),
            ("RLS + WHERE user_id (mingus_app)", runtime, QUERY.format(user_filter="user_id = %s AND"), True, True),
            ("RLS only (mingus_app)", runtime, QUERY.format(user_filter=""), False, True),
        ]
        # Same plan shape everywhere: check the rows first.
        for name, conn, sql, filtered, scoped in cases:
            rows = _query_once(conn, sql, user_ids[0], window, filtered=filtered, scoped=scoped)
            assert len(rows) == 90, (name, len(rows))
        query_ms, transaction_ms = {}, {}
        for _ in range(2):  # two rounds, interleaved, keep the last: warm caches for all
            for name, conn, sql, filtered, scoped in cases:
                query_ms[name] = _time_queries(conn, sql, user_ids, window, repeat, filtered=filtered, scoped=scoped)
                transaction_ms[name] = _time_transactions(
                    conn, sql, user_ids, window, repeat, filtered=filtered, scoped=scoped
                )
        plan = _explain(runtime, QUERY.format(user_filter=""), user_ids[0], window)
    base_q, base_t = query_ms[cases[0][0]], transaction_ms[cases[0][0]]
    print(f"\none user's 90 days of cash flow; {users * 365:,} rows; median of {repeat} runs each\n")
    print(f"{'method':<36} {'query ms':>9} {'ratio':>6}   {'transaction ms':>14} {'ratio':>6}")
    for name, *_ in cases:
        print(
            f"{name:<36} {query_ms[name]:>9.3f} {query_ms[name] / base_q:>5.2f}x   "
            f"{transaction_ms[name]:>14.3f} {transaction_ms[name] / base_t:>5.2f}x"
        )
    print("\nplan with RLS only (runtime role):\n  " + "\n  ".join(plan))
    print("\ntarget: at most 1.10x")


def _query_once(conn, sql, user_id, window, *, filtered: bool, scoped: bool):
    with conn.transaction():
        if scoped:
            conn.execute("SELECT set_config('mingus.user_id', %s, true)", [str(user_id)])
        params = [user_id, *window] if filtered else list(window)
        return conn.execute(sql, params, prepare=True).fetchall()


def _time_queries(conn, sql, user_ids, window, repeat, *, filtered: bool, scoped: bool) -> float:
    timings = []
    for i in range(repeat):
        user_id = user_ids[i % len(user_ids)]
        with conn.transaction():
            if scoped:
                conn.execute("SELECT set_config('mingus.user_id', %s, true)", [str(user_id)])
            params = [user_id, *window] if filtered else list(window)
            begin = time.perf_counter()
            conn.execute(sql, params, prepare=True).fetchall()
            timings.append(time.perf_counter() - begin)
    return statistics.median(timings) * 1000


def _time_transactions(conn, sql, user_ids, window, repeat, *, filtered: bool, scoped: bool) -> float:
    timings = []
    for i in range(repeat):
        user_id = user_ids[i % len(user_ids)]
        params = [user_id, *window] if filtered else list(window)
        begin = time.perf_counter()
        with conn.transaction():
            if scoped:
                conn.execute("SELECT set_config('mingus.user_id', %s, true)", [str(user_id)])
            conn.execute(sql, params, prepare=True).fetchall()
        timings.append(time.perf_counter() - begin)
    return statistics.median(timings) * 1000


def _explain(conn, sql, user_id, window) -> list[str]:
    with conn.transaction():
        conn.execute("SELECT set_config('mingus.user_id', %s, true)", [str(user_id)])
        return [row[0] for row in conn.execute("EXPLAIN " + sql, list(window))]


def _fill(owner_url: str, *, users: int) -> None:
    with psycopg.connect(owner_url) as conn:
        conn.execute(
            "INSERT INTO users (id, email, password, is_superuser, is_active, is_staff, is_app_admin, "
            "email_verified, created_at) "
            "SELECT gen_random_uuid(), 'bench' || n || '@example.com', '!', false, true, false, false, false, now() "
            "FROM generate_series(1, %s) AS n",
            [users],
        )
        # Audit triggers (if any) are not what this benchmark measures.
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "INSERT INTO daily_cashflow (id, user_id, date, opening_balance, income, expenses, closing_balance, "
            "created_at) "
            "SELECT gen_random_uuid(), u.id, d::date, 1000.00, 120.50, 80.25, 1040.25, now() "
            "FROM users u, generate_series(date '2025-01-01', date '2025-12-31', interval '1 day') AS d"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE daily_cashflow")
        conn.execute("VACUUM ANALYZE users")


if __name__ == "__main__":
    main()
