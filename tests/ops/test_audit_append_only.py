"""The audit log is append-only for everyone, except through the retention functions.

Refusals come twice: by privilege for the runtime roles, and by a trigger for
everyone, the superuser included (unless it switches the trigger off, which only
the owner can and which verify_audit detects).
"""

import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from finance.models import DailyCashflow
from mingus.scope import db_scope, staff_scope
from ops.audit import AuditRetentionRefused, pseudonymise_user_entries, purge_audit_logs, record_event
from ops.legacy.rollback import rollback_import
from ops.models import AuditLog, AuditSeal
from tests.ops.legacy_fixtures import (
    import_settings_fixture,  # noqa: F401 (the import_settings fixture)
    legacy_dir_fixture,  # noqa: F401 (the legacy fixture)
    run_import,
)


def refused(statement: str, params=()) -> str:
    """The error a statement raises (in a savepoint), or '' when it succeeds."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as exc:
        return str(exc)
    return ""


def set_role(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")


@pytest.fixture
def entry(db):
    return record_event(action="something_happened", actor="staff:ops@example.com")


CHANGES = [
    "UPDATE audit_logs SET actor = 'someone else'",
    "DELETE FROM audit_logs",
    "TRUNCATE audit_logs",
]


@pytest.mark.parametrize("role", ["mingus_app", "mingus_staff"])
@pytest.mark.parametrize("statement", CHANGES)
def test_the_runtime_roles_may_not_change_or_remove_entries(role, statement, entry):
    set_role(role)

    assert "permission denied" in refused(statement)
    assert refused("INSERT INTO audit_logs (id, created_at, action) VALUES (gen_random_uuid(), now(), 'x')") == ""


def test_the_runtime_role_may_add_entries_but_not_read_them(entry):
    set_role("mingus_app")

    assert "permission denied" in refused("SELECT actor FROM audit_logs")
    set_role("mingus_staff")
    assert refused("SELECT actor FROM audit_logs") == ""


@pytest.mark.parametrize("statement", CHANGES)
def test_the_superuser_is_refused_too_outside_the_retention_path(statement, entry, as_superuser):
    assert "audit_logs is append-only" in refused(statement)
    assert AuditLog.objects.filter(pk=entry.pk, actor="staff:ops@example.com").exists()


def test_the_pgtrigger_ignore_setting_does_not_open_the_log(entry, as_superuser):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', (SELECT array_agg(tgname)::text FROM pg_trigger"
            " WHERE tgrelid = 'audit_logs'::regclass), true)"
        )

    assert "append-only" in refused("DELETE FROM audit_logs")


def test_the_retention_marker_opens_nothing_for_a_role_that_is_not_the_owner(entry):
    # Even a role that held UPDATE (granted inside this test transaction only) and set the
    # marker the retention functions use would be refused: it is not the table owner.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("GRANT UPDATE, DELETE ON audit_logs TO mingus_staff")
        cursor.execute("SET LOCAL ROLE mingus_staff")
        cursor.execute("SELECT set_config('mingus.audit_retention', 'pseudonymise', true)")

    assert "append-only" in refused("UPDATE audit_logs SET actor = 'someone else'")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('mingus.audit_retention', 'purge', true)")
    assert "append-only" in refused("DELETE FROM audit_logs")


@pytest.mark.parametrize("role", ["mingus_app", "mingus_staff"])
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_logs DISABLE TRIGGER ALL",
        "ALTER TABLE audit_logs DISABLE TRIGGER USER",
        "ALTER TABLE audit_seals DISABLE TRIGGER ALL",
        "ALTER TABLE daily_cashflow DISABLE TRIGGER ALL",
        "SET LOCAL session_replication_role = replica",
    ],
)
def test_the_runtime_roles_cannot_switch_the_triggers_off(role, statement, db):
    set_role(role)

    error = refused(statement)

    assert "must be owner" in error or "permission denied" in error


def test_the_runtime_role_holds_no_privilege_to_change_the_audit_tables(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolname, t.table_name, p.privilege FROM unnest(ARRAY['mingus_app', 'mingus_staff']) AS r(rolname)"
            " CROSS JOIN unnest(ARRAY['audit_logs', 'audit_seals']) AS t(table_name)"
            " CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) AS p(privilege)"
            " WHERE has_table_privilege(r.rolname, t.table_name, p.privilege)"
        )
        held = cursor.fetchall()
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename IN ('audit_logs', 'audit_seals')"
            " AND tableowner IN ('mingus_app', 'mingus_staff')"
        )
        owned = cursor.fetchall()

    assert held == [] and owned == []


@pytest.mark.parametrize("statement", ["UPDATE audit_seals SET mac = ''", "DELETE FROM audit_seals"])
def test_seals_are_append_only_for_the_superuser_too(statement, as_superuser):
    AuditSeal.objects.create(number=1, txid_from=0, txid_to=1, row_count=0, rows=b"", key_id="k", mac="m")

    assert "audit_seals is append-only" in refused(statement)
    assert "audit_seals is append-only" in refused("TRUNCATE audit_seals")


# --------------------------------------------------------------------------------------------
# The retention path: purge
# --------------------------------------------------------------------------------------------


def _backdated(days: int):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_logs (id, created_at, action)"
            " VALUES (gen_random_uuid(), now() - make_interval(days => %s), 'ancient_history') RETURNING id",
            [days],
        )
        return cursor.fetchone()[0]


def test_a_purge_removes_only_entries_older_than_its_cut_off_and_records_itself(db):
    old, recent = _backdated(400), _backdated(300)

    with staff_scope(actor="staff:ops@example.com", source="admin"):
        deleted = purge_audit_logs(older_than_days=365)

    assert deleted == 1
    assert not AuditLog.objects.filter(pk=old).exists()
    assert AuditLog.objects.filter(pk=recent).exists()
    purge = AuditLog.objects.get(action="audit_purge")
    assert (purge.details["deleted"], purge.details["older_than_days"], purge.actor) == (
        1,
        365,
        "staff:ops@example.com",
    )
    cutoff = datetime.datetime.fromisoformat(purge.details["cutoff"])
    assert abs(cutoff - (timezone.now() - datetime.timedelta(days=365))) < datetime.timedelta(minutes=5)
    # Written by the function, as the table owner: what verify_audit trusts.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'audit_logs'::regclass")
        assert purge.db_role == cursor.fetchone()[0]


def test_a_purge_younger_than_the_minimum_age_is_refused(db, settings):
    keep = _backdated(400)

    with pytest.raises(AuditRetentionRefused):
        purge_audit_logs(older_than_days=30)
    settings.AUDIT_RETENTION_DAYS = 500
    with pytest.raises(AuditRetentionRefused):
        purge_audit_logs(older_than_days=400)

    assert AuditLog.objects.filter(pk=keep).exists()


def test_the_database_refuses_a_young_purge_even_when_called_directly(db):
    _backdated(100)

    assert "kept at least 365 days" in refused("SELECT mingus_audit_purge(30)")
    assert AuditLog.objects.filter(action="ancient_history").count() == 1


@pytest.mark.parametrize(
    "call", ["SELECT mingus_audit_purge(400)", "SELECT mingus_audit_pseudonymise(gen_random_uuid(), '{}', '{}')"]
)
def test_only_staff_may_run_the_retention_functions(call, db):
    set_role("mingus_app")

    assert "permission denied for function" in refused(call)


def test_nobody_but_the_owner_may_remove_legacy_entries(db):
    set_role("mingus_staff")

    assert "permission denied for function" in refused(
        "SELECT mingus_audit_remove_legacy(ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()])"
    )


# --------------------------------------------------------------------------------------------
# The retention path: pseudonymisation (GDPR erasure)
# --------------------------------------------------------------------------------------------


def test_pseudonymisation_replaces_the_person_and_scrubs_their_identifiers(make_user):
    ann = make_user(email="Ann.Lee@example.com", first_name="Ann", phone="+1 555 123 4567")
    other = make_user(email="bob@example.com", first_name="Bob")
    with db_scope(staff=True, actor="staff:ann.lee@example.com", source="admin"):
        # Ann, as staff, changes Bob's cash flow and Bob's name mentions an "Ann" that is not her.
        day = DailyCashflow.objects.create(user=other, date=datetime.date(2025, 3, 1))
        record_event(action="note", user_id=other.pk, details={"text": "Bob met Ann at annual review"})
    with db_scope(staff=True, actor="staff:admin@example.com", source="admin"):
        record_event(action="login_failed", user_id=ann.pk, ip_address="192.0.2.7", details={"email": ann.email})
    about_ann = set(AuditLog.objects.filter(user_id=ann.pk).values_list("pk", flat=True))

    changed = pseudonymise_user_entries(
        user_id=ann.pk, identifiers=[ann.email, ann.first_name, ann.phone, "ann.lee@example.com"]
    )

    event = AuditLog.objects.get(action="audit_pseudonymise")
    pseudonym = uuid.UUID(event.details["pseudonym"])
    assert changed == event.details["changed"] == len(event.details["audit_ids"])
    assert about_ann <= {uuid.UUID(i) for i in event.details["audit_ids"]}
    assert not AuditLog.objects.filter(user_id=ann.pk).exists()
    assert AuditLog.objects.filter(user_id=pseudonym).count() == len(about_ann) + 1  # and the event itself
    everything = " ".join(
        f"{e.actor} {e.entity_id} {e.changes} {e.details} {e.ip_address}" for e in AuditLog.objects.all()
    ).lower()
    assert "ann.lee@example.com" not in everything
    assert "555 123 4567" not in everything
    assert str(ann.pk) not in everything
    # Where Ann acted on Bob's rows, her label is gone but Bob's entries stay his.
    (bobs_day,) = AuditLog.objects.filter(entity_type="daily_cashflow", entity_id=str(day.pk))
    assert (bobs_day.actor, bobs_day.user_id) == (f"staff:{pseudonym}", other.pk)
    # A name is scrubbed only in the person's own entries: Bob's note keeps its "Ann".
    note = AuditLog.objects.get(action="note")
    assert note.details == {"text": "Bob met Ann at annual review"}
    failed = AuditLog.objects.get(action="login_failed")
    assert (failed.ip_address, failed.details, failed.actor) == (
        None,
        {"email": str(pseudonym)},
        "staff:admin@example.com",
    )


def test_pseudonymisation_touches_nothing_of_other_people(make_user):
    ann, bob = make_user(email="ann@example.com"), make_user(email="bob@example.com")
    record_event(action="note", user_id=bob.pk, details={"by": "bob@example.com"})
    before = {e.pk: (e.user_id, e.actor, e.changes, e.details) for e in AuditLog.objects.filter(user_id=bob.pk)}

    pseudonymise_user_entries(user_id=ann.pk, identifiers=[ann.email])

    after = {e.pk: (e.user_id, e.actor, e.changes, e.details) for e in AuditLog.objects.filter(user_id=bob.pk)}
    assert after == before


# --------------------------------------------------------------------------------------------
# The retention path: rolling back an import removes the legacy entries it brought
# --------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("import_settings")
def test_an_import_rollback_removes_the_runs_legacy_entries_through_the_retention_function(transactional_db, legacy):
    legacy.user(1)
    for n in range(3):
        legacy.insert("mingus.db", "audit_logs", user_id=1, action="login", created_at=1_700_000_000 + n)
    result = run_import(legacy.path)
    assert AuditLog.objects.filter(source="legacy").count() == 3
    assert "append-only" in refused("DELETE FROM audit_logs WHERE source = 'legacy'")

    outcome = rollback_import(run_id=result.run_id)

    assert outcome.deleted["mingus.db:audit_logs"] == 3
    assert not AuditLog.objects.filter(source="legacy").exists()
    removed = AuditLog.objects.get(action="audit_legacy_removed")
    assert removed.details["removed"] == 3
    assert AuditLog.objects.filter(action="legacy_import").exists()
