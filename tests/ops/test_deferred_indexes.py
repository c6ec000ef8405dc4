"""Indexes of the tables an import loads are dropped for its load and built again after it.

Deferred are the plain secondary indexes and the primary keys no foreign key
points at, of an empty table; of a table holding fewer than a tenth of the
rows the run may add, its plain secondary indexes only. A record
(DeferredIndex) exists exactly while its index is missing: the import, a
failed import and a rollback all leave the schema as ``migrate`` made it,
indexes and constraints alike.
"""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection

from finance.models import DailyCashflow
from ops.legacy import importer
from ops.legacy.deferred_indexes import defer_indexes, rebuild_indexes
from ops.legacy.rollback import rollback_import
from ops.models import DeferredIndex, ImportRun, ImportStatus
from tests.ops.legacy_fixtures import (
    constraint_definitions,
    index_definitions,
    run_import,
    sample_dir_fixture,  # noqa: F401 (the sample_dir fixture)
    sample_settings_fixture,  # noqa: F401 (the sample_settings fixture)
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sample_settings")]


def _indexes_that_must_stay(table: str) -> set[str]:
    """Unique indexes but the primary key, indexes behind other constraints, a key a foreign key points at."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND ((x.indisunique AND NOT x.indisprimary) "
            "OR EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype <> 'p') "
            "OR (x.indisprimary AND EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
            "AND f.confrelid = x.indrelid)))",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_an_import_into_empty_tables_ends_with_exactly_the_indexes_migrate_made(transactional_db, sample_dir):
    migrated, constraints = index_definitions(), constraint_definitions()

    result = run_import(sample_dir, workers=2, batch_size=200)

    assert index_definitions() == migrated
    assert constraint_definitions() == constraints
    assert not DeferredIndex.objects.exists()
    built = result.report["indexes_built_again"]
    assert "checkins_user_date_idx" in built["user_health_checkins"]
    assert "events_user_created_idx" in built["analytics_events"]
    assert "daily_cashflow_pkey" in built["daily_cashflow"]
    assert "users" not in built or "users_pkey" not in built["users"]  # accounts are a foreign key's target
    # The audit trail holds the run's own entries already: it loses its plain indexes only.
    assert "audit_logs_user_created_idx" in built["audit_logs"]
    assert "audit_logs_pkey" not in built["audit_logs"]


def test_plain_indexes_and_keys_no_foreign_key_points_at_are_deferred_and_each_is_recorded(transactional_db):
    run = ImportRun.objects.create(source_dir="/nowhere")
    tables = ["daily_cashflow", "analytics_events", "users"]
    migrated, constraints = index_definitions(), constraint_definitions()

    deferred = defer_indexes(run=run, tables=dict.fromkeys(tables, 1000))

    dropped = set(migrated) - set(index_definitions())
    assert dropped == {name for names in deferred.values() for name in names}
    assert {"events_user_created_idx", "daily_cashflow_pkey", "analytics_events_pkey"} <= dropped
    assert "users_pkey" not in dropped
    for table in tables:
        assert _indexes_that_must_stay(table) <= set(index_definitions())
    assert "daily_cashflow_one_row_per_user_day" in index_definitions()  # unique keys guard across chunks
    records = {d.index_name: d.definition for d in DeferredIndex.objects.filter(run=run)}
    keys = {name for name in dropped if name.endswith("_pkey")}
    assert {name: records[name] for name in dropped - keys} == {name: migrated[name] for name in dropped - keys}
    assert (
        records["daily_cashflow_pkey"]
        == "ALTER TABLE public.daily_cashflow ADD CONSTRAINT daily_cashflow_pkey PRIMARY KEY (id)"
    )
    assert set(constraints) - set(constraint_definitions()) == {(t, n) for t, n in constraints if n in keys}

    assert sorted(rebuild_indexes(run_id=run.id)) == sorted(dropped)
    assert index_definitions() == migrated
    assert constraint_definitions() == constraints
    assert not DeferredIndex.objects.exists()


def test_a_deferred_key_that_finds_a_duplicate_is_not_built_and_stays_recorded(transactional_db, make_user):
    run = ImportRun.objects.create(source_dir="/nowhere")
    user = make_user()
    defer_indexes(run=run, tables={"daily_cashflow": 2})
    same_id = uuid.UUID("00000000-0000-8000-8000-000000000001")
    for day in (1, 2):  # two days: the unique key of a user's day stays clear
        DailyCashflow.objects.create(id=same_id, user=user, date=datetime.date(2025, 1, day))

    with pytest.raises(IntegrityError, match="daily_cashflow_pkey"):
        rebuild_indexes(run_id=run.id, table="daily_cashflow")

    assert DeferredIndex.objects.filter(run=run, index_name="daily_cashflow_pkey").exists()


def test_a_table_that_holds_a_tenth_of_the_rows_the_run_may_add_keeps_its_indexes(transactional_db, make_user):
    make_user()
    run = ImportRun.objects.create(source_dir="/nowhere")
    migrated = index_definitions()

    assert defer_indexes(run=run, tables={"users": 10}) == {}

    assert index_definitions() == migrated
    assert not DeferredIndex.objects.exists()


def test_a_table_that_holds_fewer_rows_loses_only_its_plain_indexes(transactional_db, make_user):
    make_user()
    run = ImportRun.objects.create(source_dir="/nowhere")
    migrated, constraints = index_definitions(), constraint_definitions()

    deferred = defer_indexes(run=run, tables={"users": 11})

    assert deferred == {"users": ["users_created_at_idx"]}
    assert set(migrated) - set(index_definitions()) == {"users_created_at_idx"}
    assert constraint_definitions() == constraints
    assert rebuild_indexes(run_id=run.id) == ["users_created_at_idx"]
    assert index_definitions() == migrated


def test_a_failed_import_builds_its_indexes_again_before_it_stops(transactional_db, sample_dir, monkeypatch):
    migrated, constraints = index_definitions(), constraint_definitions()
    load = importer.process_unit

    def fail_on_checkins(key, rowid_from, rowid_to):
        if key == "mingus.db:user_health_checkins":
            raise importer.ImportFailed("the disk is full (a test)")
        return load(key, rowid_from, rowid_to)

    monkeypatch.setattr(importer, "process_unit", fail_on_checkins)
    with pytest.raises(importer.ImportFailed, match="the disk is full"):
        run_import(sample_dir, batch_size=200)

    assert ImportRun.objects.get().status == ImportStatus.FAILED
    assert index_definitions() == migrated
    assert constraint_definitions() == constraints
    assert not DeferredIndex.objects.exists()


def test_rolling_back_a_run_builds_the_indexes_it_left_deferred(transactional_db, sample_dir):
    migrated, constraints = index_definitions(), constraint_definitions()
    result = run_import(sample_dir, batch_size=200)
    run = ImportRun.objects.get(pk=result.run_id)
    # As a run killed outright leaves it: an index and a key still dropped, their records kept.
    name, key = "checkins_user_date_idx", "user_health_checkins_pkey"
    DeferredIndex.objects.create(run=run, table_name="user_health_checkins", index_name=name, definition=migrated[name])
    DeferredIndex.objects.create(
        run=run,
        table_name="user_health_checkins",
        index_name=key,
        definition=f"ALTER TABLE user_health_checkins ADD CONSTRAINT {key} PRIMARY KEY (id)",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {name}")
        cursor.execute(f"ALTER TABLE user_health_checkins DROP CONSTRAINT {key}")
    missing = set(migrated) - set(index_definitions())

    outcome = rollback_import(run_id=run.id)

    assert missing == {name, key} and outcome.indexes_built_again == [name, key]
    assert index_definitions() == migrated
    assert constraint_definitions() == constraints
    assert not DeferredIndex.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM user_health_checkins")
        assert cursor.fetchone()[0] == 0


def test_the_next_import_builds_the_indexes_a_killed_run_of_other_files_left_deferred(transactional_db, sample_dir):
    migrated, constraints = index_definitions(), constraint_definitions()
    abandoned = ImportRun.objects.create(source_dir="/elsewhere", source_checksums={"mingus.db": "other files"})
    defer_indexes(run=abandoned, tables={"user_health_checkins": 1000})
    assert "user_health_checkins_pkey" not in index_definitions()

    run_import(sample_dir, batch_size=200)

    assert index_definitions() == migrated
    assert constraint_definitions() == constraints
    assert not DeferredIndex.objects.filter(run=abandoned).exists()
