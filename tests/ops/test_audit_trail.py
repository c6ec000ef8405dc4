"""Row changes recorded by the audit triggers: one entry per row, with the transaction's audit context.

The triggers are statement-level with transition tables; these tests check what
they write (values, changed fields, secrets), who they say acted, that they cover
every domain table and cannot be skipped, and that the bulk import writes one
entry per run instead of one per row.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from finance.models import DailyCashflow, EncryptedFinancialProfile
from mingus.accounts.models import User
from mingus.scope import db_scope
from ops.audit import record_event
from ops.audit_triggers import SECRET_COLUMNS, audited_models
from ops.models import AuditLog, ImportRun
from tests.factories import make_row
from tests.ops.legacy_fixtures import (
    CREATED,
    import_settings_fixture,  # noqa: F401 (the import_settings fixture)
    legacy_dir_fixture,  # noqa: F401 (the legacy fixture)
    run_import,
)


def entries_for(row) -> list[AuditLog]:
    return list(AuditLog.objects.filter(entity_type=row._meta.db_table, entity_id=str(row.pk)).order_by("id"))


def current_txid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


def test_an_insert_is_recorded_with_its_values_and_the_transaction_audit_context(user):
    with db_scope(staff=True, actor="staff:ops@example.com", source="admin", request_id="req-42"):
        day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1), income=Decimal("120.50"))

    (entry,) = entries_for(day)
    assert (entry.action, entry.user_id, entry.actor, entry.source, entry.request_id) == (
        "insert",
        user.pk,
        "staff:ops@example.com",
        "admin",
        "req-42",
    )
    assert entry.changes["date"] == "2025-03-01"
    assert entry.changes["income"] == 120.5
    assert entry.changes["user_id"] == str(user.pk)
    assert (entry.db_role, entry.txid) == ("mingus_staff", current_txid())


def test_an_update_records_only_the_changed_fields_with_old_and_new_values(user):
    day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1), income=Decimal("10.00"))

    with db_scope(user_id=user.pk, actor=f"user:{user.pk}", source="api"):
        DailyCashflow.objects.filter(pk=day.pk).update(income=Decimal("12.00"), balance_status="ok")

    update = entries_for(day)[-1]
    assert update.action == "update"
    assert update.changes == {"income": {"old": 10.0, "new": 12.0}, "balance_status": {"old": None, "new": "ok"}}
    assert (update.actor, update.source, update.db_role) == (f"user:{user.pk}", "api", "mingus_app")


def test_a_delete_records_the_old_values(user):
    day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1), closing_balance=Decimal("7.25"))

    DailyCashflow.objects.filter(pk=day.pk).delete()

    delete = entries_for(day)[-1]
    assert (delete.action, delete.user_id) == ("delete", user.pk)
    assert delete.changes["closing_balance"] == 7.25
    assert delete.changes["id"] == str(day.pk)


def test_an_update_that_changes_nothing_writes_no_entry(user):
    day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1))

    DailyCashflow.objects.filter(pk=day.pk).update(date=datetime.date(2025, 3, 1))

    assert [entry.action for entry in entries_for(day)] == ["insert"]


def test_a_bulk_update_writes_one_entry_per_row(user):
    days = DailyCashflow.objects.bulk_create(
        DailyCashflow(user=user, date=datetime.date(2025, 1, 1) + datetime.timedelta(days=n)) for n in range(25)
    )

    changed = DailyCashflow.objects.filter(user=user).update(balance_status="low")

    entries = AuditLog.objects.filter(entity_type="daily_cashflow", action="update")
    assert changed == 25
    assert sorted(entries.values_list("entity_id", flat=True)) == sorted(str(day.pk) for day in days)


def test_a_users_row_is_about_that_user_and_its_password_shows_only_as_changed(make_user):
    account = make_user(password="correct horse battery")

    account.set_password("another long passphrase")
    account.save()

    insert, update = entries_for(account)
    assert insert.user_id == update.user_id == account.pk
    assert insert.changes["password"] == "changed"
    assert update.changes["password"] == "changed"
    assert account.password not in str(insert.changes) + str(update.changes)


def test_encrypted_financial_data_shows_only_as_changed(user):
    profile = EncryptedFinancialProfile(user=user)
    profile.encrypt({"salary": 123456})
    profile.save()
    first_token = profile.encrypted_data

    profile.encrypt({"salary": 654321})
    profile.save()

    insert, update = entries_for(profile)
    assert insert.changes["encrypted_data"] == "changed"
    assert update.changes["encrypted_data"] == "changed"
    assert first_token not in str(insert.changes) and profile.encrypted_data not in str(update.changes)


def test_secret_columns_name_real_columns_of_their_models():
    labels = {model._meta.label: model for model in audited_models()}
    for label, columns in SECRET_COLUMNS.items():
        assert {field.column for field in labels[label]._meta.concrete_fields} >= set(columns), label


def test_a_source_the_check_constraint_refuses_is_recorded_as_null_instead_of_failing_the_write(user):
    with db_scope(staff=True, source="carrier-pigeon", request_id="x" * 100):
        day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1))
        event = record_event(action="something_happened")

    (entry,) = entries_for(day)
    assert (entry.source, entry.request_id) == (None, "x" * 64)
    assert (event.source, event.request_id) == (None, "x" * 64)


def test_every_domain_table_records_inserts_updates_and_deletes(user):
    for model in audited_models():
        row = make_row(model, user, one_to_one_owner=make_row(User, None))
        table = sql.Identifier(model._meta.db_table)
        with connection.cursor() as cursor:
            # An update that changes nothing still runs the update trigger's SQL, and writes no entry.
            cursor.execute(sql.SQL("UPDATE {} SET id = id WHERE id = %s").format(table), [row.pk])
            cursor.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(table), [row.pk])
        assert [entry.action for entry in entries_for(row)] == ["insert", "delete"], model._meta.db_table


def test_every_audited_table_has_its_three_triggers_enabled_as_origin(db):
    tables = sorted({model._meta.db_table for model in audited_models()})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FILTER (WHERE t.tgname LIKE 'pgtrigger_audit_%%' AND t.tgenabled = 'O')"
            " FROM pg_class c LEFT JOIN pg_trigger t ON t.tgrelid = c.oid"
            " WHERE c.relname = ANY(%s) GROUP BY c.relname",
            [tables],
        )
        found = dict(cursor.fetchall())
    # "Origin": they fire normally and are skipped under session_replication_role = replica.
    assert found == dict.fromkeys(tables, 3)
    assert "audit_logs" not in found and "audit_seals" not in found


def test_the_runtime_role_cannot_skip_the_audit_with_the_pgtrigger_ignore_setting(user):
    with db_scope(user_id=user.pk), connection.cursor() as cursor:
        # What pgtrigger.ignore() does for stock pgtrigger triggers: name them in the setting.
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', (SELECT array_agg(tgname)::text FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_%%'), true)"
        )
        day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1))

    assert [entry.action for entry in entries_for(day)] == ["insert"]


def test_a_temporary_table_named_audit_logs_does_not_divert_the_entries(user):
    with db_scope(user_id=user.pk), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE audit_logs (id uuid, created_at timestamptz, user_id uuid, actor text, action text,"
            " source text, entity_type text, entity_id text, changes jsonb, request_id text)"
        )
        day = DailyCashflow.objects.create(user=user, date=datetime.date(2025, 3, 1))
        cursor.execute("SELECT count(*) FROM pg_temp.audit_logs")
        diverted = cursor.fetchone()[0]
        cursor.execute("DROP TABLE pg_temp.audit_logs")

    assert diverted == 0
    assert len(entries_for(day)) == 1


@pytest.mark.parametrize(
    "column, value",
    [("txid", "pg_current_xact_id()::text::bigint - 1"), ("db_role", "'mingus_staff'"), ("db_login", "'someone'")],
)
def test_an_entry_claiming_another_transaction_or_role_is_refused(column, value, user):
    with db_scope(user_id=user.pk), connection.cursor() as cursor:
        with pytest.raises(DatabaseError, match="set by the database"), transaction.atomic():
            cursor.execute(
                sql.SQL(
                    "INSERT INTO audit_logs (id, created_at, action, {}) VALUES (gen_random_uuid(), now(), '-', {})"
                ).format(sql.Identifier(column), sql.SQL(value))
            )
        cursor.execute("INSERT INTO audit_logs (id, created_at, action) VALUES (gen_random_uuid(), now(), 'fine')")


def test_record_event_works_for_the_runtime_role_which_cannot_read_the_log(user):
    with db_scope(user_id=user.pk, actor=f"user:{user.pk}", source="api"):
        event = record_event(action="export_user_data", user_id=user.pk)
        with connection.cursor() as cursor, pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("SELECT actor FROM audit_logs")

    assert event.txid == current_txid()
    assert (event.db_role, event.actor, event.source) == ("mingus_app", f"user:{user.pk}", "api")


# --------------------------------------------------------------------------------------------
# The bulk import: one entry per run
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("import_settings")
def test_an_import_writes_one_audit_entry_for_the_run_and_none_per_row(transactional_db, legacy):
    for user_id in (1, 2, 3):
        legacy.user(user_id)
        for day in range(1, 6):
            legacy.insert(
                "mingus.db",
                "daily_cashflow",
                user_id=user_id,
                date=f"2024-01-{day:02d}",
                closing_balance=10.0 * day,
                created_at=CREATED,
            )

    result = run_import(legacy.path, started_by="ops@example.com")

    assert User.objects.count() == 3 and DailyCashflow.objects.count() == 15
    (event,) = AuditLog.objects.filter(action="legacy_import")
    assert (event.source, event.entity_id) == ("import", str(result.run_id))
    row_entries = AuditLog.objects.exclude(pk=event.pk)
    # Only the run's own bookkeeping row; nothing for the 18 imported rows, chunks or quarantine.
    assert set(row_entries.values_list("entity_type", "entity_id")) == {("ops_import_runs", str(result.run_id))}
    assert ImportRun.objects.count() == 1
