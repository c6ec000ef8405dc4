"""Plain secondary indexes of empty tables are dropped for an import's load and built again after it.

A record (DeferredIndex) exists exactly while its index is missing: the import,
a failed import and a rollback all leave the schema as ``migrate`` made it.
"""

import pytest
from django.db import connection

from ops.legacy import importer
from ops.legacy.deferred_indexes import defer_indexes, rebuild_indexes
from ops.legacy.rollback import rollback_import
from ops.models import DeferredIndex, ImportRun, ImportStatus
from tests.ops.legacy_fixtures import (
    index_definitions,
    run_import,
    sample_dir_fixture,  # noqa: F401 (the sample_dir fixture)
    sample_settings_fixture,  # noqa: F401 (the sample_settings fixture)
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sample_settings")]


def _enforcing_indexes(table: str) -> set[str]:
    """Indexes of ``table`` that enforce something: primary key, unique, behind a constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND (x.indisunique OR x.indisprimary "
            "OR EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid))",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_an_import_into_empty_tables_ends_with_exactly_the_indexes_migrate_made(transactional_db, sample_dir):
    migrated = index_definitions()

    result = run_import(sample_dir, workers=2, batch_size=200)

    assert index_definitions() == migrated
    assert not DeferredIndex.objects.exists()
    built = result.report["indexes_built_again"]
    assert "checkins_user_date_idx" in built["user_health_checkins"]
    assert "events_user_created_idx" in built["analytics_events"]


def test_only_indexes_that_enforce_nothing_are_deferred_and_each_is_recorded(transactional_db):
    run = ImportRun.objects.create(source_dir="/nowhere")
    tables = ["daily_cashflow", "analytics_events", "users"]
    migrated = index_definitions()

    deferred = defer_indexes(run=run, tables=tables)

    dropped = set(migrated) - set(index_definitions())
    assert dropped == {name for names in deferred.values() for name in names}
    assert "events_user_created_idx" in dropped
    for table in tables:
        assert _enforcing_indexes(table) <= set(index_definitions())  # keys, unique indexes, constraints stay
    records = {d.index_name: d.definition for d in DeferredIndex.objects.filter(run=run)}
    assert records == {name: migrated[name] for name in dropped}

    assert sorted(rebuild_indexes(run_id=run.id)) == sorted(dropped)
    assert index_definitions() == migrated
    assert not DeferredIndex.objects.exists()


def test_a_table_that_holds_a_row_keeps_its_indexes(transactional_db, make_user):
    make_user()
    run = ImportRun.objects.create(source_dir="/nowhere")
    migrated = index_definitions()

    assert defer_indexes(run=run, tables=["users"]) == {}

    assert index_definitions() == migrated
    assert not DeferredIndex.objects.exists()


def test_a_failed_import_builds_its_indexes_again_before_it_stops(transactional_db, sample_dir, monkeypatch):
    migrated = index_definitions()
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
    assert not DeferredIndex.objects.exists()


def test_rolling_back_a_run_builds_the_indexes_it_left_deferred(transactional_db, sample_dir):
    migrated = index_definitions()
    result = run_import(sample_dir, batch_size=200)
    run = ImportRun.objects.get(pk=result.run_id)
    # As a run killed outright leaves it: an index still dropped, its record kept.
    name = "checkins_user_date_idx"
    DeferredIndex.objects.create(run=run, table_name="user_health_checkins", index_name=name, definition=migrated[name])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {name}")
    missing = set(migrated) - set(index_definitions())

    outcome = rollback_import(run_id=run.id)

    assert missing == {name} and outcome.indexes_built_again == [name]
    assert index_definitions() == migrated


def test_the_next_import_builds_the_indexes_a_killed_run_of_other_files_left_deferred(transactional_db, sample_dir):
    migrated = index_definitions()
    abandoned = ImportRun.objects.create(source_dir="/elsewhere", source_checksums={"mingus.db": "other files"})
    defer_indexes(run=abandoned, tables=["user_health_checkins"])
    assert index_definitions() != migrated

    run_import(sample_dir, batch_size=200)

    assert index_definitions() == migrated
    assert not DeferredIndex.objects.filter(run=abandoned).exists()
