import sqlite3

from ops.legacy.snapshot_rows import open_snapshot, rowid_bounds


def _snapshot(tmp_path):
    path = tmp_path / "copy.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, user_id INTEGER, note TEXT)")
    conn.execute("CREATE INDEX rows_user ON rows (user_id)")
    conn.execute("CREATE TABLE empty (note TEXT)")
    rows = [(7, 2, "a"), (40, 1, "b"), (9000, 3, "c")]
    conn.executemany("INSERT INTO rows (id, user_id, note) VALUES (?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_rowid_bounds_are_the_lowest_and_highest_rowid_across_gaps(tmp_path):
    with open_snapshot(_snapshot(tmp_path)) as conn:
        assert rowid_bounds(conn, table="rows") == (7, 9000)


def test_rowid_bounds_of_an_empty_table_are_none(tmp_path):
    with open_snapshot(_snapshot(tmp_path)) as conn:
        assert rowid_bounds(conn, table="empty") == (None, None)


def test_rowid_bounds_read_the_ends_of_the_table_instead_of_scanning_it(tmp_path):
    # min(rowid) and max(rowid) in one SELECT make SQLite scan every row (here through the
    # user_id index); each in its own subquery is a search at one end of the b-tree.
    with open_snapshot(_snapshot(tmp_path)) as conn:
        statements = []
        conn.set_trace_callback(statements.append)
        rowid_bounds(conn, table="rows")
        (query,) = statements
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}")]
        assert not [step for step in plan if step.startswith("SCAN") and "CONSTANT ROW" not in step], plan
        together = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT min(rowid), max(rowid) FROM rows")]
        assert any(step.startswith("SCAN rows") for step in together), together
