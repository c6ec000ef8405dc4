"""import_sqlite loses nothing: constraint failures, bad bytes, schema drift, WAL content, unreadable files.

Rows the unified schema refuses go to quarantine, complete and with the
reason; the rest of their table is still imported. Columns and tables the
contract does not know are kept in ops_legacy_extras. Source files are only
ever read.
"""

import base64
import json
import random
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from finance.models import DailyCashflow, Subscription, UserGoal
from health.models import UserHealthCheckin
from mingus.accounts.models import User, UserProfile
from ops.legacy import ids, importer, sqlite_backup
from ops.legacy.importer import ImportBusy, ImportFailed, import_legacy_dir
from ops.legacy.mapping import LEGACY_FILES
from ops.legacy.rollback import RollbackFailed, rollback_import
from ops.models import Alert, AlertNotification, AuditLog, ImportRun, LegacyExtra, QuarantinedRow
from tests.ops.legacy_fixtures import (
    CREATED,
    CUTOFF,
    CUTOFF_ISO,
    InvalidText,
    file_states,
    import_settings_fixture,  # noqa: F401 (the import_settings fixture)
    legacy_dir_fixture,  # noqa: F401 (the legacy fixture)
    original,
    quarantined,
    run_import,
    table_counts,
    table_report,
)

pytestmark = pytest.mark.usefixtures("import_settings")


def checkin(legacy, **values) -> int:
    row = {"user_id": 1, "checkin_date": "2024-01-01", "created_at": CREATED, **values}
    return legacy.insert("mingus.db", "user_health_checkins", **row)


def assert_counts_add_up(report: dict) -> None:
    assert report["problems"] == []
    for table in report["tables"]:
        accounted = table["inserted"] + table["already_present"] + table["quarantined"] + table["skipped"]
        assert table["read"] == accounted == table["source_rows"], table


# --------------------------------------------------------------------------------------------
# Constraints of the unified schema
# --------------------------------------------------------------------------------------------


def test_a_check_violation_is_quarantined_as_constraint_naming_the_check(db, legacy):
    legacy.user(1)
    good = checkin(legacy, stress_level=10)
    bad = checkin(legacy, checkin_date="2024-01-02", stress_level=11)

    result = run_import(legacy.path)

    row = quarantined("mingus.db", "user_health_checkins", bad)
    assert row.reason_code == "constraint"
    assert "checkins_stress_level_1_10" in row.reason
    assert original(row)["stress_level"] == ["integer", 11]
    assert list(UserHealthCheckin.objects.values_list("id", "stress_level")) == [
        (ids.legacy_uuid("mingus.db", "user_health_checkins", good), 10)
    ]
    assert_counts_add_up(result.report)


@pytest.mark.parametrize("batch_size", [50_000, 1], ids=["same-chunk", "separate-chunks"])
def test_the_first_of_two_cashflow_rows_for_one_user_and_day_wins_and_the_second_is_quarantined(db, legacy, batch_size):
    legacy.user(1)
    first = legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-05-01", income=1.0, created_at=CREATED)
    second = legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-05-01", income=2.0, created_at=CREATED)
    other_day = legacy.insert(
        "mingus.db", "daily_cashflow", user_id=1, date="2024-05-02", income=3.0, created_at=CREATED
    )

    result = run_import(legacy.path, batch_size=batch_size)

    assert list(DailyCashflow.objects.order_by("date").values_list("id", "income")) == [
        (ids.legacy_uuid("mingus.db", "daily_cashflow", first), 1),
        (ids.legacy_uuid("mingus.db", "daily_cashflow", other_day), 3),
    ]
    row = quarantined("mingus.db", "daily_cashflow", second)
    assert row.reason_code == "duplicate"
    assert "daily_cashflow_one_row_per_user_day" in row.reason
    assert original(row)["income"] == ["real", "2.0"]
    assert table_report(result, "mingus.db", "daily_cashflow")["quarantine_reasons"] == {"duplicate": 1}


@pytest.mark.parametrize("batch_size", [50_000, 1], ids=["same-chunk", "separate-chunks"])
def test_a_duplicate_is_described_by_its_key_as_staff_read_it(db, legacy, batch_size):
    legacy.user(1)
    legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-05-01", income=1.0, created_at=CREATED)
    second = legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-05-01", income=2.0, created_at=CREATED)

    run_import(legacy.path, batch_size=batch_size)

    reason = quarantined("mingus.db", "daily_cashflow", second).reason
    assert f"({ids.user_uuid(1)}, 2024-05-01)" in reason
    assert "b'" not in reason


def test_an_unknown_subscription_tier_is_quarantined_as_constraint(db, legacy):
    legacy.user(1)
    good = legacy.insert(
        "mingus.db", "subscriptions", user_id=1, tier="budget", status="active", price=15.0, cancel_at_period_end=0,
        created_at=CREATED,
    )  # fmt: skip
    bad = legacy.insert(
        "mingus.db", "subscriptions", user_id=1, tier="enterprise", status="active", price=99.0,
        cancel_at_period_end=0, created_at=CREATED,
    )  # fmt: skip

    run_import(legacy.path)

    row = quarantined("mingus.db", "subscriptions", bad)
    assert row.reason_code == "constraint"
    assert "subscriptions_tier_valid" in row.reason
    assert original(row)["tier"] == ["text", "enterprise"]
    assert list(Subscription.objects.values_list("id", "tier")) == [
        (ids.legacy_uuid("mingus.db", "subscriptions", good), "budget")
    ]


def test_a_child_of_a_quarantined_row_is_quarantined_as_missing_reference(db, legacy):
    legacy.insert("alerts.db", "alerts", id=1, severity="severe", title="bad severity")
    legacy.insert("alerts.db", "alerts", id=2, severity="warning", title="fine")
    orphaned = legacy.insert("alerts.db", "alert_notifications", alert_id=1, channel="email")
    kept = legacy.insert("alerts.db", "alert_notifications", alert_id=2, channel="sms")

    result = run_import(legacy.path)

    assert quarantined("alerts.db", "alerts", 1).reason_code == "constraint"
    row = quarantined("alerts.db", "alert_notifications", orphaned)
    assert row.reason_code == "missing_reference"
    assert "alert_id" in row.reason
    assert list(Alert.objects.values_list("title", flat=True)) == ["fine"]
    notification = AlertNotification.objects.get()
    assert notification.id == ids.legacy_uuid("alerts.db", "alert_notifications", kept)
    assert notification.alert_id == ids.legacy_uuid("alerts.db", "alerts", 2)
    assert_counts_add_up(result.report)


def test_every_column_of_a_quarantined_row_is_kept_with_its_storage_class(db, legacy):
    legacy.user(1)
    rowid = checkin(legacy, sleep_hours=7.25, stress_level=11, notes="tired", mood_rating=None)

    run_import(legacy.path)

    assert quarantined("mingus.db", "user_health_checkins", rowid).original == [
        ["id", "integer", rowid],
        ["user_id", "integer", 1],
        ["checkin_date", "text", "2024-01-01"],
        ["sleep_hours", "real", "7.25"],
        ["physical_activity_minutes", "null", None],
        ["stress_level", "integer", 11],
        ["mood_rating", "null", None],
        ["relationships_rating", "null", None],
        ["mindfulness_minutes", "null", None],
        ["notes", "text", "tired"],
        ["created_at", "text", CREATED],
    ]


# --------------------------------------------------------------------------------------------
# Bytes PostgreSQL text cannot hold
# --------------------------------------------------------------------------------------------


def test_invalid_utf8_quarantines_only_its_row_with_the_original_bytes(db, legacy):
    legacy.user(1)
    raw = b"caf\xe9 \xff"
    before = checkin(legacy, notes="fine")
    bad = checkin(legacy, checkin_date="2024-01-02", notes=InvalidText(raw))
    after = checkin(legacy, checkin_date="2024-01-03", notes="also fine")

    result = run_import(legacy.path)

    row = quarantined("mingus.db", "user_health_checkins", bad)
    assert row.reason_code == "invalid_utf8"
    assert original(row)["notes"] == ["text_base64", base64.b64encode(raw).decode()]
    assert sorted(UserHealthCheckin.objects.values_list("notes", flat=True)) == ["also fine", "fine"]
    assert {c.id for c in UserHealthCheckin.objects.all()} == {
        ids.legacy_uuid("mingus.db", "user_health_checkins", before),
        ids.legacy_uuid("mingus.db", "user_health_checkins", after),
    }
    report = table_report(result, "mingus.db", "user_health_checkins")
    assert (report["read"], report["inserted"], report["quarantined"]) == (3, 2, 1)


def test_a_nul_character_in_text_is_quarantined_with_the_original_bytes(db, legacy):
    legacy.user(1)
    raw = b"before\x00after"
    rowid = checkin(legacy, notes=InvalidText(raw))

    run_import(legacy.path)

    row = quarantined("mingus.db", "user_health_checkins", rowid)
    assert row.reason_code == "text_contains_nul"
    assert original(row)["notes"] == ["text_base64", base64.b64encode(raw).decode()]


@pytest.mark.parametrize(
    "document",
    ['{"score": 1e400}', '{"name": "\\ud800"}'],
    ids=["number-beyond-float", "lone-surrogate"],
)
def test_json_that_jsonb_cannot_store_is_quarantined_not_fatal(transactional_db, legacy, document):
    legacy.user(1)
    legacy.insert("mingus.db", "user_profiles", user_id=1, demographics="{}", created_at=CREATED)
    bad = legacy.insert("mingus.db", "user_profiles", user_id=1, demographics=document, created_at=CREATED)

    run_import(legacy.path)

    assert quarantined("mingus.db", "user_profiles", bad).reason_code == "invalid_json"
    assert UserProfile.objects.count() == 1


# --------------------------------------------------------------------------------------------
# Schema drift: columns and tables the contract does not know
# --------------------------------------------------------------------------------------------


def test_an_unknown_column_of_a_known_table_is_kept_in_legacy_extras_for_each_imported_row(db, legacy):
    legacy.user(1)
    legacy.execute("mingus.db", "ALTER TABLE user_goals ADD COLUMN priority INTEGER")
    legacy.execute("mingus.db", "ALTER TABLE user_goals ADD COLUMN colour TEXT")
    high = legacy.insert(
        "mingus.db", "user_goals", user_id=1, title="house", priority=1, colour="red", created_at=CREATED
    )
    low = legacy.insert("mingus.db", "user_goals", user_id=1, title="car", priority=None, colour="", created_at=CREATED)
    bad = legacy.insert(
        "mingus.db", "user_goals", user_id=1, title="x", target_date="2024-02-30", priority=9, created_at=CREATED
    )

    result = run_import(legacy.path)

    report = table_report(result, "mingus.db", "user_goals")
    assert report["extra_columns_kept"] == ["priority", "colour"]
    assert (report["read"], report["inserted"], report["quarantined"]) == (3, 2, 1)
    extras = {e.source_rowid: e for e in LegacyExtra.objects.filter(source_table="user_goals")}
    assert set(extras) == {high, low}
    assert extras[high].data == {"priority": ["integer", 1], "colour": ["text", "red"]}
    assert extras[low].data == {"priority": ["null", None], "colour": ["text", ""]}
    for rowid, extra in extras.items():
        assert (extra.source_file, extra.target_table) == ("mingus.db", "user_goals")
        assert extra.target_id == ids.legacy_uuid("mingus.db", "user_goals", rowid)
        assert extra.run_id == result.run_id
        assert UserGoal.objects.filter(id=extra.target_id).exists()
    # The quarantined row keeps its unknown column in its own record.
    assert original(quarantined("mingus.db", "user_goals", bad))["priority"] == ["integer", 9]
    assert_counts_add_up(result.report)


def test_an_unknown_table_is_kept_whole_in_legacy_extras_and_counted_as_inserted(db, legacy):
    legacy.execute(
        "alerts.db", "CREATE TABLE escalation_policies (id INTEGER PRIMARY KEY, name TEXT, weight REAL, blob BLOB)"
    )
    legacy.insert("alerts.db", "escalation_policies", id=1, name="page", weight=0.5, blob=b"\x00\xff")
    legacy.insert("alerts.db", "escalation_policies", id=7, name=InvalidText(b"\xff"), weight=None, blob=None)

    result = run_import(legacy.path)

    report = table_report(result, "alerts.db", "escalation_policies")
    assert report["known_to_contract"] is False
    assert report["target_table"] == "ops_legacy_extras"
    assert (report["source_rows"], report["read"], report["inserted"], report["quarantined"]) == (2, 2, 2, 0)
    rows = {e.source_rowid: e for e in LegacyExtra.objects.filter(source_table="escalation_policies")}
    assert rows[1].data == {
        "id": ["integer", 1],
        "name": ["text", "page"],
        "weight": ["real", "0.5"],
        "blob": ["blob_base64", base64.b64encode(b"\x00\xff").decode()],
    }
    assert rows[7].data == {
        "id": ["integer", 7],
        "name": ["text_base64", base64.b64encode(b"\xff").decode()],
        "weight": ["null", None],
        "blob": ["null", None],
    }
    assert rows[1].source_file == "alerts.db"
    assert rows[1].run_id == result.run_id
    assert result.report["totals"]["inserted"] == 2
    assert_counts_add_up(result.report)


# --------------------------------------------------------------------------------------------
# The source files: WAL content, locks, corruption, never written
# --------------------------------------------------------------------------------------------


def test_rows_committed_only_in_the_wal_file_are_imported(db, legacy, tmp_path):
    legacy.user(1, email="main@x.com")
    legacy.insert_wal_only(
        "mingus.db",
        "users",
        [{"id": 2, "email": "wal@x.com", "is_active": 1, "is_admin": 0, "email_verified": 0, "created_at": CREATED}],
    )
    assert (legacy.path / "mingus.db-wal").exists()
    assert not (legacy.path / "mingus.db-shm").exists()
    main_only = tmp_path / "main-only"
    main_only.mkdir()
    shutil.copyfile(legacy.path / "mingus.db", main_only / "mingus.db")
    with closing(sqlite3.connect(f"file:{main_only / 'mingus.db'}?immutable=1", uri=True)) as conn:
        assert conn.execute("SELECT id FROM users").fetchall() == [(1,)]  # the main file alone lacks user 2

    result = run_import(legacy.path)

    assert sorted(User.objects.values_list("email", flat=True)) == ["main@x.com", "wal@x.com"]
    assert User.objects.get(id=ids.user_uuid(2)).email == "wal@x.com"
    assert table_report(result, "mingus.db", "users")["source_rows"] == 2


def test_a_locked_source_file_stops_the_import_naming_it_and_changes_nothing(db, legacy):
    legacy.user(1)
    before = table_counts()
    holder = sqlite3.connect(legacy.path / "mingus.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ImportFailed, match=r"mingus\.db.*locked"):
            run_import(legacy.path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert not ImportRun.objects.exists()
    assert not User.objects.exists()
    assert table_counts() == before


@pytest.mark.parametrize("damage", ["random-bytes", "header-then-garbage"])
def test_a_corrupt_source_file_stops_the_import_naming_it_and_changes_nothing(db, legacy, damage):
    legacy.user(1)
    legacy.insert("alerts.db", "alerts", severity="info", title="t")
    target = legacy.path / "alerts.db"
    rng = random.Random(0)
    if damage == "random-bytes":
        target.write_bytes(rng.randbytes(8192))
    else:
        data = target.read_bytes()
        target.write_bytes(data[:100] + rng.randbytes(len(data) - 100))
    before = table_counts()

    with pytest.raises(ImportFailed, match=r"alerts\.db") as failure:
        run_import(legacy.path)

    assert "nothing was imported" in str(failure.value)
    assert not ImportRun.objects.exists()
    assert table_counts() == before


@pytest.mark.parametrize("with_wal", [False, True], ids=["rollback-journal", "wal-without-shm"])
def test_the_source_files_are_never_written(db, legacy, with_wal):
    legacy.user(1)
    legacy.insert("cache.db", "cache_entries", key="k", value=b"v", expires_at=1800000000)
    if with_wal:
        legacy.insert_wal_only("alerts.db", "alerts", [{"severity": "info", "title": "in the wal"}])
    before = file_states(legacy.path)

    run_import(legacy.path)
    run_import(legacy.path, dry_run=True)

    assert file_states(legacy.path) == before
    names = {p.name for p in legacy.path.iterdir()}
    assert names == set(LEGACY_FILES) | ({"alerts.db-wal"} if with_wal else set())
    assert Alert.objects.filter(title="in the wal").exists() is with_wal


def test_two_imports_started_in_the_same_second_both_run(db, legacy, monkeypatch):
    class SameSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=tz)

    monkeypatch.setattr(sqlite_backup, "datetime", SameSecond)
    legacy.user(1)
    first = import_legacy_dir(directory=legacy.path, workers=1, cache_cutoff=CUTOFF)

    second = import_legacy_dir(directory=legacy.path, workers=1, cache_cutoff=CUTOFF)

    assert first.report["totals"]["inserted"] == second.report["totals"]["already_present"] == 1


def test_a_directory_missing_a_legacy_file_is_refused_before_anything_happens(db, legacy):
    (legacy.path / "cache.db").unlink()

    with pytest.raises(ImportFailed, match=r"cache\.db"):
        run_import(legacy.path)

    assert not ImportRun.objects.exists()


def test_rollback_refuses_while_rows_created_since_reference_imported_ones(transactional_db, legacy):
    legacy.user(1)
    legacy.insert("mingus.db", "user_goals", user_id=1, title="legacy goal", created_at=CREATED)
    result = run_import(legacy.path)
    UserGoal.objects.create(user_id=ids.user_uuid(1), title="made in the new app after the import")
    before = table_counts()

    with pytest.raises(RollbackFailed, match="still reference"):
        rollback_import(run_id=result.run_id)

    assert table_counts() == before
    assert ImportRun.objects.get().status == "succeeded"
    assert User.objects.filter(id=ids.user_uuid(1)).exists()


def test_a_second_import_leaves_rows_changed_in_the_app_since_untouched(db, legacy):
    legacy.user(1, email="old@x.com", first_name="Ann")
    run_import(legacy.path)
    User.objects.filter(id=ids.user_uuid(1)).update(email="new@x.com", first_name="Anne")

    again = run_import(legacy.path)

    account = User.objects.get(id=ids.user_uuid(1))
    assert (account.email, account.first_name) == ("new@x.com", "Anne")
    assert table_report(again, "mingus.db", "users")["already_present"] == 1


def test_an_import_backs_up_its_sources_audits_itself_and_leaves_no_snapshot(db, legacy, settings):
    legacy.user(1)

    result = run_import(legacy.path, started_by="ops@example.com")

    backup = Path(result.report["backup_path"])
    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(f["name"] for f in manifest["files"]) == sorted(LEGACY_FILES)
    assert sqlite_backup.verify_backup(backup_dir=backup).problems == []
    audit = AuditLog.objects.get(action="legacy_import")
    assert (audit.source, audit.entity_id, audit.actor) == ("import", str(result.run_id), "ops@example.com")
    assert audit.details["totals"] == result.report["totals"]
    assert not list((Path(settings.VAR_DIR) / "imports").glob("*"))
    # The run read the very copies it backed up: their checksums are the manifest's.
    run = ImportRun.objects.get(id=result.run_id)
    assert run.source_checksums == {f["name"]: f["sha256"] for f in manifest["files"]}


def test_a_dry_run_takes_no_backup_and_writes_no_audit_entry(db, legacy, settings):
    legacy.user(1)

    result = run_import(legacy.path, dry_run=True)

    assert result.report["backup_path"] is None
    assert not list(Path(settings.LEGACY_BACKUP_DIR).rglob("manifest.json"))
    assert not AuditLog.objects.exists()
    assert not list((Path(settings.VAR_DIR) / "imports").glob("*"))


def test_a_second_import_while_one_runs_is_refused_and_changes_nothing(db, legacy):
    legacy.user(1)
    holder = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [importer._LOCK_KEY])
        with pytest.raises(ImportBusy, match="another import is running"):
            run_import(legacy.path)
    finally:
        holder.close()

    assert not ImportRun.objects.exists()
    assert not User.objects.exists()


# --------------------------------------------------------------------------------------------
# The management command
# --------------------------------------------------------------------------------------------


def test_import_sqlite_command_writes_a_json_report(db, legacy, tmp_path):
    legacy.user(1)
    legacy.user(2, email="broken", created_at="not a time")
    report_path = tmp_path / "report.json"
    out = StringIO()

    call_command(
        "import_sqlite", str(legacy.path), "--workers", "1", "--cache-cutoff", CUTOFF_ISO,
        "--report-json", str(report_path), "--started-by", "tester", stdout=out,
    )  # fmt: skip

    report = json.loads(report_path.read_text())
    run = ImportRun.objects.get()
    assert report["run_id"] == str(run.id)
    assert report["dry_run"] is False
    assert report["totals"] == {"read": 2, "inserted": 1, "already_present": 0, "quarantined": 1, "skipped": 0}
    assert {(t["source_file"], t["source_table"]) for t in report["tables"]} >= {("mingus.db", "users")}
    assert len(report["tables"]) == 36
    users = table_report(report, "mingus.db", "users")
    assert users["quarantine_reasons"] == {"bad_timestamp": 1}
    assert (run.status, run.started_by) == ("succeeded", "tester")
    assert run.report["totals"] == report["totals"]
    assert QuarantinedRow.objects.get().run_id == run.id
    assert f"Import run {run.id} finished" in out.getvalue()


def test_import_sqlite_command_reports_an_unusable_directory_as_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="lacks"):
        call_command("import_sqlite", str(tmp_path), "--workers", "1", stdout=StringIO())
    assert not ImportRun.objects.exists()
