"""verify_audit detects what a superuser changed, deleted or inserted behind the triggers' back.

Sealing only covers transactions that have ended, so these tests commit
(``transactional_db``) and wait for the snapshot horizon to pass their
transactions (other sessions on the same server can hold it back a moment).
"""

import json
import time
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mingus.accounts.models import User
from mingus.scope import staff_scope
from ops.audit import pseudonymise_user_entries, purge_audit_logs, record_event
from ops.audit_seal import SealChainBroken, seal_audit_log, verify_audit_log
from ops.models import AuditLog, AuditSeal
from ops.tasks import seal_audit_log_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def seal_log(settings, tmp_path):
    settings.AUDIT_SEAL_LOG = tmp_path / "audit-seals.jsonl"
    return settings.AUDIT_SEAL_LOG


def wait_for_the_horizon() -> None:
    """Wait until every transaction that wrote an entry so far is behind the snapshot horizon."""
    deadline = time.monotonic() + 120
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(txid), 0) FROM audit_logs")
        newest = cursor.fetchone()[0]
        while True:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            if cursor.fetchone()[0] > newest:
                return
            assert time.monotonic() < deadline, "the snapshot horizon did not pass the test's transactions"
            time.sleep(0.2)


def seal_everything() -> list[AuditSeal]:
    wait_for_the_horizon()
    return seal_audit_log()


def as_superuser_behind_the_triggers(*statements: tuple[str, list]) -> None:
    """What an owner or superuser can do: switch the triggers off and edit the log directly."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("ALTER TABLE audit_logs DISABLE TRIGGER ALL")
        for statement, params in statements:
            cursor.execute(statement, params)
        cursor.execute("ALTER TABLE audit_logs ENABLE TRIGGER ALL")
        cursor.execute("COMMIT")


def verify() -> tuple[str, bool]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def some_entries(count: int = 5) -> list[AuditLog]:
    with staff_scope(actor="staff:ops@example.com", source="admin"):
        User.objects.create_user(email=f"{uuid.uuid4().hex}@example.com")
        return [record_event(action="note", details={"n": n}) for n in range(count)]


def test_an_untouched_log_verifies_and_new_entries_are_pending(seal_log):
    some_entries()
    seals = seal_everything()

    out, ok = verify()
    record_event(action="after_the_seal")
    report = verify_audit_log()

    assert ok, out
    assert "The audit log matches its seals" in out
    assert sum(seal.row_count for seal in seals) == AuditLog.objects.count() - 1
    assert (report.tampered, report.pending_entries) == (False, 1)
    logged = [json.loads(line) for line in seal_log.read_text().splitlines()]
    assert [line["mac"] for line in logged] == list(AuditSeal.objects.order_by("number").values_list("mac", flat=True))


def test_verify_names_a_row_changed_and_a_row_deleted_by_a_superuser_with_triggers_disabled():
    changed, deleted, untouched, *_ = some_entries()
    seal_everything()

    as_superuser_behind_the_triggers(
        ("UPDATE audit_logs SET actor = 'nobody' WHERE id = %s", [changed.pk]),
        ("DELETE FROM audit_logs WHERE id = %s", [deleted.pk]),
    )
    out, ok = verify()

    assert not ok
    assert f"TAMPERED changed: audit entry {changed.pk}" in out
    assert f"TAMPERED deleted: audit entry {deleted.pk}" in out
    assert str(untouched.pk) not in out


def test_verify_names_a_row_inserted_into_a_sealed_range_and_one_moved_out_of_it():
    first, moved, *_ = some_entries()
    seal_everything()
    forged = uuid.uuid4()

    as_superuser_behind_the_triggers(
        (
            "INSERT INTO audit_logs (id, created_at, action, txid) VALUES (%s, now(), 'forged', %s)",
            [forged, first.txid],
        ),
        ("UPDATE audit_logs SET txid = txid + 1000000 WHERE id = %s", [moved.pk]),
    )
    report = verify_audit_log()

    kinds = {(finding.kind, finding.entry_id) for finding in report.findings}
    assert ("inserted", str(forged)) in kinds
    assert ("changed", str(moved.pk)) in kinds


def test_a_seal_removed_from_the_database_or_altered_is_reported(seal_log):
    some_entries(2)
    seal_everything()
    some_entries(2)
    seal_everything()
    last = AuditSeal.objects.order_by("-number").first()

    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("ALTER TABLE audit_seals DISABLE TRIGGER ALL")
        cursor.execute("DELETE FROM audit_seals WHERE number = %s", [last.number])
        cursor.execute("UPDATE audit_seals SET row_count = row_count + 1 WHERE number = 1")
        cursor.execute("ALTER TABLE audit_seals ENABLE TRIGGER ALL")
        cursor.execute("COMMIT")
    report = verify_audit_log()

    assert f"seal {last.number} is in the seal log but not in the database (removed)" in report.problems
    assert "seal 1 has been altered (its MAC does not match)" in report.problems
    with pytest.raises(SealChainBroken):
        seal_audit_log()


def test_pseudonymised_entries_are_accepted_then_resealed_so_later_edits_show(settings):
    ann = User.objects.create_user(email="ann@example.com")
    with staff_scope(actor="staff:ops@example.com"):
        mention = record_event(action="note", user_id=ann.pk, details={"email": "ann@example.com"})
    seal_everything()

    with staff_scope():
        pseudonymise_user_entries(user_id=ann.pk, identifiers=["ann@example.com"])
    pending = verify_audit_log()
    seal_everything()
    resealed = verify_audit_log()
    as_superuser_behind_the_triggers(("UPDATE audit_logs SET details = '{}' WHERE id = %s", [mention.pk]))
    edited = verify_audit_log()

    assert not pending.tampered and pending.accepted["pseudonymised"] >= 2
    assert AuditSeal.objects.order_by("-number").first().amended_count >= 2
    assert not resealed.tampered and resealed.accepted["pseudonymised"] == 0
    assert [(f.kind, f.entry_id) for f in edited.findings] == [("changed", str(mention.pk))]


def test_purged_entries_are_accepted_but_a_forged_purge_entry_is_not():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_logs (id, created_at, action)"
            " SELECT gen_random_uuid(), now() - interval '400 days', 'old' FROM generate_series(1, 3)"
        )
    some_entries(1)
    seal_everything()

    with staff_scope():
        purge_audit_logs(older_than_days=365)
    purged = verify_audit_log()
    with staff_scope(), connection.cursor() as cursor:  # the staff role may add entries, but not as the owner
        cursor.execute(
            "INSERT INTO audit_logs (id, created_at, action, details)"
            " VALUES (gen_random_uuid(), now(), 'audit_purge', '{\"cutoff\": \"2999-01-01T00:00:00+00:00\"}')"
        )
    forged = verify_audit_log()

    assert not purged.tampered and purged.accepted["purged"] == 3
    assert [finding.kind for finding in forged.findings] == ["forged retention entry"]


def test_the_seal_command_and_task_seal_what_is_new():
    some_entries(3)
    wait_for_the_horizon()

    out = StringIO()
    call_command("seal_audit", stdout=out)
    sealed = AuditLog.objects.count()
    some_entries(1)
    wait_for_the_horizon()
    result = seal_audit_log_task.run()

    assert f"1 new seal(s), {sealed} entries sealed." in out.getvalue()
    assert result == {"seals": [2], "entries": AuditLog.objects.count() - sealed}


def test_the_development_seal_key_is_random_kept_under_var_and_not_derived_from_the_secret_key(tmp_path):
    from tests.mingus.test_settings import SETUP, _run

    code = SETUP + "; print(settings.AUDIT_SEAL_KEY); print(settings.SECRET_KEY)"
    first, second = _run(code, VAR_DIR=str(tmp_path)), _run(code, VAR_DIR=str(tmp_path))

    assert first.returncode == 0, first.stderr
    key, secret_key = first.stdout.split()[-2:]
    assert key == second.stdout.split()[-2] == (tmp_path / "audit-seal.key").read_text().strip()
    assert secret_key not in key and len(key) >= 32
