"""Personal data requests: the export holds all of one person and nothing of anyone else; erasure follows its policy."""

import json
import os
import uuid

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from finance.models import EncryptedFinancialProfile
from mingus import rls
from mingus.accounts import personal_data
from mingus.accounts.models import User
from mingus.accounts.personal_data import (
    ERASURE_POLICY,
    Erasure,
    PolicyMissing,
    erase_user,
    export_user_data,
    user_references,
)
from mingus.scope import current_scope
from ops import audit
from ops.models import AnalyticsEvent, AuditLog, Report
from tests.factories import make_row

ACTOR = "shell:test"


def _make_rows_for(person):
    """One row in every table that refers to users, for ``person``; returns {table.column: row id}."""
    made = {}
    for reference in user_references():
        model = reference.model
        if model is LogEntry:
            row = LogEntry.objects.create(
                user=person, content_type_id=1, object_id="1", object_repr="x", action_flag=CHANGE
            )
        else:
            row = make_row(model, person, one_to_one_owner=person)
        if model is EncryptedFinancialProfile:
            row.encrypt({"net_worth": f"net worth of {person.email}", "zero": 0})
            row.save()
        if model is AnalyticsEvent:
            row.page_url = f"https://app.example.com/budget/plan?email={person.email}#section"
            row.save()
        made[reference.key] = row.pk
    return made


@pytest.fixture
def people(user, other_user):
    return {"user": (user, _make_rows_for(user)), "other": (other_user, _make_rows_for(other_user))}


def _exported_ids(export):
    return {table: {row["id"] for row in rows} for table, rows in export["tables"].items()}


# --- the policy ---------------------------------------------------------------------------------------------


def test_every_reference_to_users_has_an_erasure_policy_and_no_policy_is_stale():
    assert {reference.key for reference in user_references()} == set(ERASURE_POLICY)


def test_every_table_under_row_level_security_is_covered_by_the_export():
    exported = {reference.model._meta.db_table for reference in user_references() if reference.policy.export}
    assert set(rls.per_user_tables()) <= exported


def test_a_table_referring_to_users_without_a_policy_stops_export_and_erasure(user, monkeypatch):
    monkeypatch.delitem(ERASURE_POLICY, "daily_cashflow.user_id")

    with pytest.raises(PolicyMissing, match=r"daily_cashflow\.user_id"):
        export_user_data(user_id=user.pk, actor=ACTOR)
    with pytest.raises(PolicyMissing):
        erase_user(user_id=user.pk, actor=ACTOR)
    assert User.objects.filter(pk=user.pk).exists()


# --- export -------------------------------------------------------------------------------------------------


def test_export_holds_the_users_row_of_every_per_user_table_and_none_of_another_users(people):
    (user, mine), (other, theirs) = people["user"], people["other"]

    export = export_user_data(user_id=user.pk, actor=ACTOR)

    exported = _exported_ids(export)
    for reference in user_references():
        table = reference.model._meta.db_table
        if reference.policy.export:
            assert exported[table] == {str(mine[reference.key])}, table
        else:
            assert table not in exported
    text = json.dumps(export)
    assert other.email not in text and str(other.pk) not in text
    assert not any(str(row_id) in text for row_id in theirs.values() if isinstance(row_id, uuid.UUID))


def test_export_holds_the_account_without_its_password_hash(user):
    user.set_password("a long and unusual password")
    user.save()

    export = export_user_data(user_id=user.pk, actor=ACTOR)

    assert export["account"]["email"] == user.email
    assert export["account"]["id"] == str(user.pk)
    assert "password" not in export["account"]
    assert user.password not in json.dumps(export)


def test_export_decrypts_the_financial_profile_and_holds_no_ciphertext(people):
    user, mine = people["user"]
    profile = EncryptedFinancialProfile.objects.get(pk=mine["encrypted_financial_profiles.user_id"])

    (row,) = export_user_data(user_id=user.pk, actor=ACTOR)["tables"]["encrypted_financial_profiles"]

    assert row["data"] == {"net_worth": f"net worth of {user.email}", "zero": 0}
    assert "encrypted_data" not in row
    assert profile.encrypted_data not in json.dumps(row)


def test_export_stops_rather_than_leave_out_a_profile_no_key_decrypts(people):
    user, mine = people["user"]
    EncryptedFinancialProfile.objects.filter(pk=mine["encrypted_financial_profiles.user_id"]).update(
        encrypted_data="gAAAAAnot-a-token"
    )

    with pytest.raises(personal_data.UndecryptableData):
        export_user_data(user_id=user.pk, actor=ACTOR)


def test_export_reads_under_row_level_security_as_the_user(people, monkeypatch):
    (user, _), (other, _) = people["user"], people["other"]
    seen = []
    real_rows_of = personal_data._rows_of

    def spying_rows_of(reference, *, user_id):
        table = reference.model._meta.db_table
        # Unfiltered, inside the export's scope: row-level security alone decides what is visible.
        everything = reference.model._base_manager.all()
        seen.append((table, current_scope(), everything.count(), everything.filter(user=other).exists()))
        return real_rows_of(reference, user_id=user_id)

    monkeypatch.setattr(personal_data, "_rows_of", spying_rows_of)
    export_user_data(user_id=user.pk, actor=ACTOR)

    protected = [entry for entry in seen if entry[0] in rls.per_user_tables()]
    assert len(protected) == len(rls.per_user_tables())
    for table, scope, visible, others_visible in protected:
        assert scope["role"] == "mingus_app" and scope["user_id"] == str(user.pk), table
        assert visible == 1 and not others_visible, table


def test_export_is_audited_with_row_counts(people):
    user, _ = people["user"]

    export_user_data(user_id=user.pk, actor=ACTOR)

    event = AuditLog.objects.get(action="export_user_data")
    assert event.user_id == user.pk
    assert event.actor == ACTOR
    assert event.details["rows"]["daily_cashflow"] == 1


# --- erasure ------------------------------------------------------------------------------------------------


def _rows_referring_to(person_id):
    return {
        reference.key: sorted(
            map(
                str,
                reference.model._base_manager.filter(**{reference.field.attname: person_id}).values_list(
                    "pk", flat=True
                ),
            )
        )
        for reference in user_references()
    }


def test_erasure_deletes_or_anonymises_every_table_as_its_policy_says(people):
    user, mine = people["user"]

    report = erase_user(user_id=user.pk, actor=ACTOR)

    assert not User.objects.filter(pk=user.pk).exists()
    for reference in user_references():
        model, row_id = reference.model, mine[reference.key]
        row = model._base_manager.filter(pk=row_id).first()
        if reference.policy.erase is Erasure.DELETE:
            assert row is None, reference.key
        else:
            assert row is not None, reference.key
            assert getattr(row, reference.field.attname) is None, reference.key
            assert all(getattr(row, column) is None for column in reference.policy.clear), reference.key
            assert report.anonymised[reference.key] == 1
    assert report.deleted["users"] == 1


def test_anonymised_analytics_events_keep_only_the_path_of_their_url(people):
    user, mine = people["user"]

    erase_user(user_id=user.pk, actor=ACTOR)

    event = AnalyticsEvent.objects.get(pk=mine["analytics_events.user_id"])
    assert event.page_url == "https://app.example.com/budget/plan"
    assert (event.user_id, event.session_id, event.properties) == (None, None, None)
    assert event.event_name  # what happened is kept for the statistics


def test_erasure_leaves_another_user_untouched(people):
    (user, _), (other, theirs) = people["user"], people["other"]
    before = _rows_referring_to(other.pk)
    analytics_before = AnalyticsEvent.objects.get(pk=theirs["analytics_events.user_id"])
    report_before = Report.objects.get(pk=theirs["reports.created_by_id"])

    erase_user(user_id=user.pk, actor=ACTOR)

    assert _rows_referring_to(other.pk) == before
    assert User.objects.filter(pk=other.pk).exists()
    analytics_after = AnalyticsEvent.objects.get(pk=theirs["analytics_events.user_id"])
    assert (analytics_after.page_url, analytics_after.session_id) == (
        analytics_before.page_url,
        analytics_before.session_id,
    )
    assert Report.objects.get(pk=theirs["reports.created_by_id"]).created_by_id == report_before.created_by_id


def test_erasure_is_audited_without_the_persons_email(people):
    user, _ = people["user"]
    email = user.email

    erase_user(user_id=user.pk, actor=ACTOR)

    event = AuditLog.objects.get(action="erase_user")
    assert event.actor == ACTOR
    assert event.details["deleted"]["daily_cashflow"] == 1
    assert event.details["anonymised"]["analytics_events.user_id"] == 1
    assert email not in json.dumps([event.details, event.entity_id, event.actor])
    assert AuditLog.objects.filter(action="audit_pseudonymise").exists()


def test_after_erasure_no_audit_entry_names_the_person_and_none_was_deleted(people):
    user, _ = people["user"]
    email, user_id = user.email, user.pk
    audit.record_event(action="staff_note", user_id=user_id, details={"about": email})
    entries_before = AuditLog.objects.count()

    erase_user(user_id=user_id, actor=ACTOR)

    assert AuditLog.objects.count() >= entries_before
    for entry in AuditLog.objects.all():
        text = json.dumps([entry.actor, entry.details, entry.changes, entry.entity_id], default=str)
        assert email not in text, entry.action


def test_erasure_is_all_or_nothing(people, monkeypatch):
    user, mine = people["user"]

    def fail(**kwargs):
        raise RuntimeError("pseudonymisation failed")

    monkeypatch.setattr(audit, "pseudonymise_user_entries", fail)
    with pytest.raises(RuntimeError):
        erase_user(user_id=user.pk, actor=ACTOR)

    assert User.objects.filter(pk=user.pk).exists()
    assert AnalyticsEvent.objects.get(pk=mine["analytics_events.user_id"]).user_id == user.pk
    assert not AuditLog.objects.filter(action="erase_user").exists()


# --- commands -----------------------------------------------------------------------------------------------


def test_export_command_writes_a_private_json_file_for_a_user_named_by_email(people, tmp_path):
    user, mine = people["user"]
    target = tmp_path / "export.json"

    call_command("export_user_data", user.email.upper(), "--output", str(target))

    export = json.loads(target.read_text())
    assert export["user_id"] == str(user.pk)
    assert str(mine["user_goals.user_id"]) in {row["id"] for row in export["tables"]["user_goals"]}
    assert os.stat(target).st_mode & 0o077 == 0
    assert AuditLog.objects.get(action="export_user_data").source == "shell"


def test_export_command_prints_json_for_a_user_named_by_id(user, capsys):
    call_command("export_user_data", str(user.pk))

    assert json.loads(capsys.readouterr().out)["account"]["email"] == user.email


def test_export_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("export_user_data", "nobody@example.com")


def test_erase_command_without_yes_and_without_a_terminal_erases_nothing(people, monkeypatch):
    user, _ = people["user"]
    monkeypatch.setattr("builtins.input", lambda prompt: (_ for _ in ()).throw(EOFError))

    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_user", user.email)

    assert User.objects.filter(pk=user.pk).exists()


def test_erase_command_erases_after_the_email_is_typed_back(people, monkeypatch):
    user, _ = people["user"]
    monkeypatch.setattr("builtins.input", lambda prompt: f"  {user.email.upper()} ")

    call_command("erase_user", str(user.pk))

    assert not User.objects.filter(pk=user.pk).exists()


def test_erase_command_with_a_wrong_answer_erases_nothing(people, monkeypatch):
    user, _ = people["user"]
    monkeypatch.setattr("builtins.input", lambda prompt: "someone-else@example.com")

    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("erase_user", user.email)

    assert User.objects.filter(pk=user.pk).exists()


def test_erase_command_with_yes_erases_and_is_audited(people):
    user, _ = people["user"]

    call_command("erase_user", user.email, "--yes")

    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditLog.objects.get(action="erase_user").source == "shell"


# --- admin actions ------------------------------------------------------------------------------------------


def _staff_client(*codenames):
    staff = User.objects.create_user(email=f"staff-{len(codenames)}-{'-'.join(codenames)}@example.com", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
    client = Client()
    client.force_login(staff)
    return client


CHANGELIST = "admin:accounts_user_changelist"


def _act(client, action, person, **extra):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [str(person.pk)], **extra})


def test_admin_export_downloads_the_json_and_is_audited(people):
    user, _ = people["user"]
    client = _staff_client("view_user", "export_user_data")

    response = _act(client, "export_user_data_action", user)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["user_id"] == str(user.pk)
    event = AuditLog.objects.get(action="export_user_data")
    assert (event.source, event.actor) == ("admin", "staff:" + "staff-2-view_user-export_user_data@example.com")


def test_admin_export_is_refused_without_the_permission(people):
    user, _ = people["user"]
    client = _staff_client("view_user", "change_user", "erase_user_data")

    response = _act(client, "export_user_data_action", user)

    assert response.status_code == 302  # back to the list: the action is not offered to them
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditLog.objects.filter(action="export_user_data").exists()
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    assert "export_user_data_action" not in changelist
    assert "erase_user_data_action" in changelist  # the permission they do hold


def test_admin_erase_asks_for_confirmation_before_erasing(people):
    user, _ = people["user"]
    client = _staff_client("view_user", "erase_user_data")

    response = _act(client, "erase_user_data_action", user)

    assert response.status_code == 200
    assert "Yes, erase this user" in response.content.decode()
    assert "daily_cashflow.user_id" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = _act(client, "erase_user_data_action", user, confirm_erase=str(user.pk))

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditLog.objects.get(action="erase_user").source == "admin"


def test_admin_erase_is_refused_without_the_permission(people):
    user, _ = people["user"]
    client = _staff_client("view_user", "change_user", "delete_user", "export_user_data")

    _act(client, "erase_user_data_action", user, confirm_erase=str(user.pk))

    assert User.objects.filter(pk=user.pk).exists()
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    assert "erase_user_data_action" not in changelist
    assert "export_user_data_action" in changelist  # the permission they do hold


def test_admin_personal_data_actions_take_exactly_one_user(user, other_user):
    client = _staff_client("view_user", "export_user_data")

    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_user_data_action", "_selected_action": [str(user.pk), str(other_user.pk)]},
        follow=True,
    )

    assert "Select exactly one user" in response.content.decode()
    assert not AuditLog.objects.filter(action="export_user_data").exists()
