"""validate_import checks a finished import against its SQLite sources (ops/legacy/validate.py).

Each test imports a small generated sample (scale 0.2, about 2,300 rows) into
the test database, changes something on one side where the test is about a
difference, and validates. Imports and validations run in this process
(``workers=1``) inside the test's transaction, except for the clean run, which
uses worker processes and therefore needs committed data.
"""

from __future__ import annotations

import gc
import io
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ops.legacy import ids
from ops.legacy.convert import describe_value
from ops.legacy.importer import import_legacy_dir
from ops.legacy.sample import make_legacy_sample
from ops.legacy.validate import display_cents, validate_import

CUTOFF = datetime(2025, 1, 1, tzinfo=UTC)  # the sample's "now"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("validate") / "legacy"
    make_legacy_sample(directory=directory, scale=0.2, seed=0)
    return directory


@pytest.fixture
def legacy_dir(sample, tmp_path, settings) -> Path:
    """A private copy of the sample, with the settings an import of it needs."""
    directory = tmp_path / "legacy"
    shutil.copytree(sample, directory)
    info = json.loads((directory / "sample-info.json").read_text())
    settings.LEGACY_FERNET_KEYS = info["legacy_fernet_keys"].split(",")
    settings.VAR_DIR = tmp_path / "var"
    settings.LEGACY_BACKUP_DIR = tmp_path / "backups"
    return directory


def _import(directory: Path, *, workers: int = 1):
    return import_legacy_dir(directory=directory, workers=workers, cache_cutoff=CUTOFF).run_id


def _validate_failing(run_id, tmp_path) -> dict:
    """Run the command, expect it to fail, and return its JSON report."""
    report_path = tmp_path / "validation.json"
    with pytest.raises(CommandError, match="validation of import run"):
        call_command("validate_import", str(run_id), "--workers", "1", "--json", str(report_path), stdout=io.StringIO())
    return json.loads(report_path.read_text())


def _first_imported_rowid(table: str, source_file: str, source_table: str) -> int:
    low, high = ids.uuid_bounds(source_file, source_table, 0, ids.ROWID_LIMIT - 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id BETWEEN %s AND %s ORDER BY id LIMIT 1", [low, high])  # noqa: S608
        return ids.rowid_of(cursor.fetchone()[0])


@pytest.mark.slow
def test_a_clean_import_of_a_small_sample_validates_ok(transactional_db, legacy_dir, tmp_path):
    run_id = _import(legacy_dir, workers=2)
    assert gc.get_freeze_count() == 0  # what was frozen for the workers is handed back

    report = validate_import(run_id=run_id, workers=2)

    assert gc.get_freeze_count() == 0
    assert report.ok, report.problems
    assert report.mismatches == []
    assert set(report.checks) == {"sources", "counts", "rows", "references", "money", "queries"}
    assert all(item["ok"] for item in report.checks["sources"].items)
    rows = {item["table"]: item for item in report.checks["rows"].items}
    assert len(rows) == 36
    assert sum(item["compared"] for item in rows.values()) > 2000
    assert all(item["compared"] == item["matched"] and not item["findings"] for item in rows.values())
    assert rows["mingus.db:users"]["placeholders"] > 0  # deleted users whose rows remain
    assert rows["cache.db:cache_entries"]["skipped"] > 0  # expired at the sample's "now"
    money = {item["column"] for item in report.checks["money"].items}
    assert {"daily_cashflow.income", "user_expense_due_dates.amount", "career_profiles.current_salary"} <= money
    assert {item["query"] for item in report.checks["queries"].items} == {
        "cash flow of a month",
        "upcoming bills",
        "health check-ins of a month",
    }
    stdout = io.StringIO()
    call_command("validate_import", "--json", str(tmp_path / "ok.json"), stdout=stdout)
    assert "Validation OK" in stdout.getvalue()
    assert json.loads((tmp_path / "ok.json").read_text())["ok"] is True


def test_a_money_value_changed_in_the_target_is_reported_with_its_row_and_fails_the_money_sum(db, legacy_dir, tmp_path):
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("daily_cashflow", "mingus.db", "daily_cashflow")
    target_id = ids.legacy_uuid("mingus.db", "daily_cashflow", rowid)
    with connection.cursor() as cursor:
        cursor.execute("SELECT income FROM daily_cashflow WHERE id = %s", [target_id])
        (income,) = cursor.fetchone()
        cursor.execute("UPDATE daily_cashflow SET income = income + 0.01 WHERE id = %s", [target_id])

    report = _validate_failing(run_id, tmp_path)

    assert report["ok"] is False
    assert report["mismatches"] == [
        {
            "source_file": "mingus.db",
            "source_table": "daily_cashflow",
            "rowid": rowid,
            "kind": "differs",
            "column": "income",
            "source": str(income),
            "target": str(income + Decimal("0.01")),
        }
    ]
    money = {item["column"]: item for item in report["checks"]["money"]["items"]}
    assert money["daily_cashflow.income"]["ok"] is False
    assert Decimal(money["daily_cashflow.income"]["target_sum"]) - Decimal(
        money["daily_cashflow.income"]["source_sum"]
    ) == Decimal("0.01")
    assert money["daily_cashflow.expenses"]["ok"] is True
    assert report["checks"]["counts"]["ok"] is True  # nothing is missing, a value differs


def test_a_target_row_deleted_directly_is_reported_as_missing(db, legacy_dir, tmp_path):
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("user_goals", "mingus.db", "user_goals")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM user_goals WHERE id = %s", [ids.legacy_uuid("mingus.db", "user_goals", rowid)])

    report = _validate_failing(run_id, tmp_path)

    missing = [m for m in report["mismatches"] if m["kind"] == "missing"]
    assert [(m["source_table"], m["rowid"]) for m in missing] == [("user_goals", rowid)]
    assert any("mingus.db:user_goals: 1 row(s) missing" in p for p in report["checks"]["rows"]["problems"])
    counts = {item["table"]: item for item in report["checks"]["counts"]["items"]}
    assert counts["mingus.db:user_goals"]["ok"] is False


def test_a_source_file_changed_after_the_import_is_reported_as_a_checksum_mismatch(db, legacy_dir, tmp_path):
    run_id = _import(legacy_dir)
    with sqlite3.connect(legacy_dir / "alerts.db") as legacy:
        legacy.execute("UPDATE alert_rules SET name = name || ' (edited)' WHERE id = 1")
    legacy.close()

    report = validate_import(run_id=run_id, workers=1)

    sources = report.checks["sources"]
    assert not sources.ok
    assert [item["file"] for item in sources.items if not item["ok"]] == ["alerts.db"]
    assert any("sources changed since the import: alerts.db" in p for p in sources.problems)
    # The validation went on against the files as they are now.
    assert [(m.source_table, m.rowid, m.column) for m in report.mismatches] == [("alert_rules", 1, "name")]
    assert report.checks["money"].ok and report.checks["queries"].ok


def test_the_dangling_reference_check_finds_none_on_a_clean_import(db, legacy_dir):
    run_id = _import(legacy_dir)

    report = validate_import(run_id=run_id, workers=1)

    references = report.checks["references"]
    assert references.ok
    columns = {item["column"]: item["dangling"] for item in references.items}
    assert {"alerts.rule_id", "report_runs.report_id", "cohort_memberships.user_id"} <= set(columns)
    assert set(columns.values()) == {0}


def test_a_reference_pointing_nowhere_is_counted(as_superuser, legacy_dir):
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("alert_subscriptions", "alerts.db", "alert_subscriptions")
    with connection.cursor() as cursor:
        # The only way past the foreign key: what a bulk load with triggers off could leave behind.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE alert_subscriptions SET rule_id = %s WHERE id = %s",
            [
                ids.legacy_uuid("alerts.db", "alert_rules", 999_999),
                ids.legacy_uuid("alerts.db", "alert_subscriptions", rowid),
            ],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    report = validate_import(run_id=run_id, workers=1)

    columns = {item["column"]: item["dangling"] for item in report.checks["references"].items}
    assert columns["alert_subscriptions.rule_id"] == 1
    assert not report.checks["references"].ok


def test_references_are_counted_with_the_rows_in_c_and_in_sql_alike(as_superuser, legacy_dir, monkeypatch):
    from ops.legacy import validate

    run_id = _import(legacy_dir)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE daily_cashflow SET user_id = %s WHERE id IN (SELECT id FROM daily_cashflow ORDER BY id LIMIT 3)",
            [ids.user_uuid(10**9)],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    in_sql = []
    count_in_sql = validate._count_dangling
    monkeypatch.setattr(validate, "_count_dangling", lambda *args: in_sql.append(args[:2]) or count_in_sql(*args))

    with_rows = validate_import(run_id=run_id, workers=1).checks["references"]
    assert in_sql == []  # every table's rows were read by the C loop, which counted its references
    monkeypatch.setattr(validate.row_codec, "read_copy", lambda connection, query: None)  # no C reading
    apart = validate_import(run_id=run_id, workers=1).checks["references"]

    assert ("daily_cashflow", "user_id") in in_sql
    assert with_rows.items == apart.items
    assert {i["column"]: i["dangling"] for i in with_rows.items}["daily_cashflow.user_id"] == 3


def test_a_row_quarantined_for_a_missing_row_that_is_there_is_reported(as_superuser, legacy_dir):
    # What the import's old chunk order could leave: a notification set aside because the alert it
    # points to was still being loaded, although that alert is in the target.
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("alert_notifications", "alerts.db", "alert_notifications")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM alert_notifications WHERE id = %s",
            [ids.legacy_uuid("alerts.db", "alert_notifications", rowid)],
        )
        with sqlite3.connect(f"file:{legacy_dir / 'alerts.db'}?mode=ro", uri=True) as legacy:
            columns = [r[1] for r in legacy.execute("PRAGMA table_info(alert_notifications)")]
            values = legacy.execute("SELECT * FROM alert_notifications WHERE rowid = ?", [rowid]).fetchone()
        original = [[name, *describe_value(value)] for name, value in zip(columns, values, strict=True)]
        cursor.execute(
            "INSERT INTO ops_quarantined_rows (id, run_id, source_file, source_table, source_rowid, original, "
            "reason_code, reason, created_at) VALUES (gen_random_uuid(), %s, 'alerts.db', 'alert_notifications', "
            "%s, %s, 'missing_reference', 'alert_id points to a alerts row that was not imported', now())",
            [run_id, rowid, json.dumps(original)],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    report = validate_import(run_id=run_id, workers=1)

    found = {(m.source_table, m.rowid, m.kind) for m in report.mismatches}
    assert ("alert_notifications", rowid, "quarantined_needlessly") in found
    assert not report.checks["rows"].ok


def test_deleted_users_found_by_the_c_loop_are_those_sqlite_finds(db, legacy_dir, tmp_path, monkeypatch):
    from ops.legacy import validate
    from ops.legacy.sqlite_backup import snapshot_legacy_dir
    from ops.models import ImportRun

    run_id = _import(legacy_dir)
    scanned = []
    in_sqlite = validate._orphaned_user_ids

    def record(*, snapshot, tables):
        scanned.append(sorted(tables))
        return in_sqlite(snapshot=snapshot, tables=tables)

    monkeypatch.setattr(validate, "_orphaned_user_ids", record)
    report = validate_import(run_id=run_id, workers=1)

    assert report.ok
    assert scanned == [[]]  # every table's rows went through the C loop, which found them
    copies = snapshot_legacy_dir(directory=legacy_dir, destination=tmp_path / "copies")
    tables = validate._plan_tables(run=ImportRun.objects.get(pk=run_id), snapshot=copies)
    expected = in_sqlite(snapshot=copies, tables=tables)
    assert expected
    assert f"placeholder account(s) for {len(expected)} deleted user id(s)" in " ".join(report.checks["counts"].notes)


def test_a_password_rehashed_by_a_sign_in_since_the_import_is_a_note_not_a_mismatch(db, legacy_dir):
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("users", "mingus.db", "users")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE users SET password = 'pbkdf2_sha256$1000000$salt$hash', last_login = now() WHERE id = %s",
            [ids.user_uuid(rowid)],
        )

    report = validate_import(run_id=run_id, workers=1)

    assert report.ok, report.problems
    assert "mingus.db:users: 1 row(s): password changed by a sign-in since the import" in report.checks["rows"].notes


def test_a_profile_encrypted_again_matches_and_one_whose_plaintext_changed_differs(db, legacy_dir):
    from mingus import crypto

    run_id = _import(legacy_dir)
    low, high = ids.uuid_bounds("mingus.db", "encrypted_financial_profiles", 0, ids.ROWID_LIMIT - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, encrypted_data FROM encrypted_financial_profiles "
            "WHERE id BETWEEN %s AND %s ORDER BY id LIMIT 2",
            [low, high],
        )
        (same_id, same_token), (changed_id, changed_token) = cursor.fetchall()
        # A new token of the same plaintext (as a key rotation makes) is no difference; another plaintext is.
        again = crypto.encrypt_bytes(crypto.decrypt_bytes(same_token))
        altered = crypto.encrypt_bytes(crypto.decrypt_bytes(changed_token) + b" ")
        cursor.execute("UPDATE encrypted_financial_profiles SET encrypted_data = %s WHERE id = %s", [again, same_id])
        cursor.execute(
            "UPDATE encrypted_financial_profiles SET encrypted_data = %s WHERE id = %s", [altered, changed_id]
        )

    report = validate_import(run_id=run_id, workers=1)

    found = {(m.source_table, m.rowid, m.kind, m.column) for m in report.mismatches}
    assert found == {("encrypted_financial_profiles", ids.rowid_of(changed_id), "differs", "encrypted_data")}


def test_an_account_whose_email_policy_columns_changed_is_reported(db, legacy_dir):
    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("users", "mingus.db", "users")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE users SET legacy_email = 'someone@else.example' WHERE id = %s", [ids.user_uuid(rowid)])

    report = validate_import(run_id=run_id, workers=1)

    found = {(m.source_table, m.rowid, m.kind, m.column) for m in report.mismatches}
    assert found == {("users", rowid, "differs", "legacy_email")}


def test_an_account_created_since_the_import_with_a_legacy_accounts_email_is_a_note(db, legacy_dir):
    from mingus.accounts.models import User

    run_id = _import(legacy_dir)
    rowid = _first_imported_rowid("users", "mingus.db", "users")
    legacy_user = User.objects.get(id=ids.user_uuid(rowid))
    # Its owner moved to another address, and a new sign-up took the old one.
    email, legacy_user.email = legacy_user.email, "moved-on@example.com"
    legacy_user.save(update_fields=["email"])
    User.objects.create_user(email=email.upper(), password="x" * 12)

    report = validate_import(run_id=run_id, workers=1)

    assert any(
        note.startswith("1 account(s) created since the import use an email") for note in report.checks["rows"].notes
    )


def test_without_accounts_created_since_the_import_there_is_no_email_note(db, legacy_dir):
    run_id = _import(legacy_dir)

    report = validate_import(run_id=run_id, workers=1)

    assert not [note for note in report.checks["rows"].notes if "created since the import" in note]


def test_the_import_and_its_validation_hand_every_frozen_object_back(db, legacy_dir, monkeypatch):
    # Both keep long-lived objects out of garbage collection while they run; a Celery worker
    # running them must free what became garbage meanwhile.
    gc.unfreeze()
    run_id = _import(legacy_dir)
    assert gc.get_freeze_count() == 0

    monkeypatch.setattr("ops.legacy.validate._prepare", _raise_no_connection)
    with pytest.raises(RuntimeError, match="no connection"):
        validate_import(run_id=run_id, workers=1)
    assert gc.get_freeze_count() == 0
    monkeypatch.undo()

    assert validate_import(run_id=run_id, workers=1).ok
    assert gc.get_freeze_count() == 0


def _raise_no_connection(**kwargs):
    assert gc.get_freeze_count() > 0  # frozen while the validation runs
    raise RuntimeError("no connection")


def test_a_placeholder_account_that_no_longer_looks_like_one_is_reported(db, legacy_dir):
    run_id = _import(legacy_dir)
    low, high = ids.uuid_bounds("mingus.db", "users", 0, ids.ROWID_LIMIT - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE users SET is_active = true WHERE id = (SELECT id FROM users WHERE legacy_status = 'placeholder' "
            "AND id BETWEEN %s AND %s ORDER BY id LIMIT 1) RETURNING id",
            [low, high],
        )
        rowid = ids.rowid_of(cursor.fetchone()[0])

    report = validate_import(run_id=run_id, workers=1)

    found = {(m.source_table, m.rowid, m.kind) for m in report.mismatches}
    assert found == {("users", rowid, "unexpected"), ("users", rowid, "placeholder")}


def test_tables_and_columns_unknown_to_the_contract_are_checked_in_the_kept_extras(db, legacy_dir):
    with sqlite3.connect(legacy_dir / "mingus.db") as legacy:
        legacy.execute("CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, note TEXT, score REAL)")
        legacy.executemany("INSERT INTO legacy_notes VALUES (?, ?, ?)", [(1, "first", 1.5), (2, None, 2.0)])
        legacy.execute("ALTER TABLE user_goals ADD COLUMN priority INTEGER")
        legacy.execute("UPDATE user_goals SET priority = rowid % 3")
    legacy.close()
    run_id = _import(legacy_dir)
    assert validate_import(run_id=run_id, workers=1).ok
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE ops_legacy_extras SET data = \'{"note": ["text", "edited"], "score": ["real", "1.5"]}\' '
            "WHERE source_table = 'legacy_notes' AND source_rowid = 1"
        )
        cursor.execute("SELECT min(source_rowid) FROM ops_legacy_extras WHERE source_table = 'user_goals'")
        (goal_rowid,) = cursor.fetchone()
        cursor.execute(
            "DELETE FROM ops_legacy_extras WHERE source_table = 'user_goals' AND source_rowid = %s", [goal_rowid]
        )

    report = validate_import(run_id=run_id, workers=1)

    rows = {item["table"]: item for item in report.checks["rows"].items}
    assert rows["mingus.db:legacy_notes"]["target_table"] == "ops_legacy_extras"
    assert rows["mingus.db:legacy_notes"]["compared"] == 2
    found = {(m.source_table, m.rowid, m.kind, m.column) for m in report.mismatches}
    assert found == {("legacy_notes", 1, "differs", "data"), ("user_goals", goal_rowid, "extras", None)}


@pytest.mark.parametrize(
    ("text", "cents"),
    [("$1,234.56", 123456), ("-$12.00", -1200), ("($12.00)", -1200), ("$7", 700), (" $0.05 ", 5)],
)
def test_display_amounts_are_read_in_cents_independently_of_the_importer(text, cents):
    assert display_cents(text) == cents


@pytest.mark.parametrize("text", ["1,234.56", "$12.5", "$-3.00", None, "($1.00"])
def test_a_display_amount_in_another_format_is_refused(text):
    with pytest.raises(ValueError, match="not a display amount"):
        display_cents(text)


def test_a_json_document_changed_in_the_target_is_reported_as_differing(db, legacy_dir, tmp_path):
    run_id = _import(legacy_dir)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM analytics_events WHERE jsonb_typeof(properties) = 'object' AND properties <> '{}' "
            "ORDER BY id LIMIT 1"
        )
        (target_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE analytics_events SET properties = properties || '{\"added_by_hand\": true}' WHERE id = %s",
            [target_id],
        )

    report = _validate_failing(run_id, tmp_path)

    assert [(m["source_table"], m["rowid"], m["kind"], m["column"]) for m in report["mismatches"]] == [
        ("analytics_events", ids.rowid_of(target_id), "differs", "properties")
    ]


@pytest.mark.parametrize(
    ("source", "target", "surely_equal"),
    [
        ('{"b": 1, "a": [true, null, "x"]}', '{"a": [true, null, "x"], "b": 1}', True),
        ('{"a": 0.10}', '{"a": 0.10}', True),
        ('{"a": true}', '{"a": 1}', False),
        ('{"a": 1}', '{"a": 1.0}', False),
        ('{"a": 1e2}', '{"a": 100}', False),  # equal, but for the slow comparison to say
        ('{"n": 12345678901234567890123}', '{"n": 12345678901234567890124}', False),
        ('{"a": 1}', '{"a": 2}', False),
        ('{"a": 1', '{"a": 1}', False),
    ],
)
def test_json_texts_are_surely_equal_only_when_nothing_could_tell_them_apart(source, target, surely_equal):
    from ops.legacy.validate import _json_texts_surely_equal

    assert _json_texts_surely_equal(source, target) is surely_equal
