"""Staff groups: the migration creates exactly the defined groups, and each reaches only its job in admin."""

import datetime
import importlib
import sys
import types

import pytest
from django.apps import apps as global_apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import NoReverseMatch, reverse

from mingus.accounts import staff
from mingus.accounts.models import User
from ops.models import AuditLog, AuditSeal, ImportRun, QuarantinedRow

MIGRATION = importlib.import_module("mingus.accounts.migrations.0003_staff_groups")


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _reach(client, model, obj) -> dict[str, int]:
    """Status codes of the admin pages of one model for the signed-in client."""
    return {
        "changelist": client.get(_url(model, "changelist")).status_code,
        "change": client.get(_url(model, "change", obj.pk)).status_code,
        "add": client.get(_url(model, "add")).status_code,
        "delete": client.get(_url(model, "delete", obj.pk)).status_code,
    }


READ_ONLY = {"changelist": 200, "change": 200, "add": 403, "delete": 403}
NONE = {"changelist": 403, "change": 403, "add": 403, "delete": 403}


@pytest.fixture
def member_of(client, make_user):
    def sign_in(group: str) -> User:
        member = staff.add_staff_member(user=make_user(), group=group)
        client.force_login(member)
        return member

    return sign_in


@pytest.fixture
def rows(make_user):
    from finance.models import DailyCashflow, EncryptedFinancialProfile

    customer = make_user()
    profile = EncryptedFinancialProfile(user=customer)
    profile.encrypt({"net_worth": "4242.00"})
    profile.save()
    run = ImportRun.objects.create(source_dir="/legacy")
    return types.SimpleNamespace(
        customer=customer,
        profile=profile,
        cashflow=DailyCashflow.objects.create(user=customer, date=datetime.date(2025, 3, 1)),
        audit=AuditLog.objects.create(action="test_event", actor="test"),
        run=run,
        quarantined=QuarantinedRow.objects.create(
            run=run,
            source_file="mingus.db",
            source_table="users",
            source_rowid=7,
            original=[["id", "integer", 7]],
            reason_code="bad_email",
            reason="no @",
        ),
    )


# --- definitions ---------------------------------------------------------------------------------------------------


def _frozen_group_permissions() -> dict[str, set[str]]:
    """The groups as the migrations define them: 0003, plus what later migrations add.

    A later migration that grants a group more declares it in
    ``STAFF_GROUP_PERMISSIONS_ADDED`` (group -> permission labels).
    """
    combined = {group: set(labels) for group, labels in MIGRATION.GROUP_PERMISSIONS.items()}
    for migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.values():
        added = getattr(sys.modules[migration.__module__], "STAFF_GROUP_PERMISSIONS_ADDED", {})
        for group, labels in added.items():
            combined[group] |= set(labels)
    return combined


def test_the_migrations_carry_the_same_group_definitions_as_the_service():
    assert _frozen_group_permissions() == {group: set(labels) for group, labels in staff.GROUP_PERMISSIONS.items()}
    assert MIGRATION.CUSTOM_PERMISSIONS == staff.CUSTOM_PERMISSIONS
    assert (MIGRATION.SUPPORT, MIGRATION.OPERATIONS, MIGRATION.AUDITOR) == (
        staff.SUPPORT,
        staff.OPERATIONS,
        staff.AUDITOR,
    )


def test_a_migrated_database_holds_exactly_the_defined_groups(db):
    assert staff.staff_group_drift() == {}
    assert set(Group.objects.values_list("name", flat=True)) >= {staff.SUPPORT, staff.OPERATIONS, staff.AUDITOR}


def test_no_group_holds_a_reserved_permission():
    granted = {label for labels in staff.GROUP_PERMISSIONS.values() for label in labels}
    assert granted.isdisjoint(staff.RESERVED_PERMISSIONS)
    assert not any(label.split(".")[1].startswith(("add_", "delete_")) for label in granted)


def test_reserved_permissions_exist_for_superusers_to_grant(db):
    for label in staff.RESERVED_PERMISSIONS:
        app_label, codename = label.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), label


def _held() -> dict[str, set[str]]:
    held = {}
    for group in Group.objects.filter(name__in=list(MIGRATION.GROUP_PERMISSIONS)):
        labels = group.permissions.values_list("content_type__app_label", "codename")
        held[group.name] = {f"{app_label}.{codename}" for app_label, codename in labels}
    return held


def test_the_migration_is_idempotent_and_its_reverse_deletes_the_groups(db):
    editor = types.SimpleNamespace(connection=connection)
    defined = {group: set(labels) for group, labels in MIGRATION.GROUP_PERMISSIONS.items()}
    support = Group.objects.get(name=staff.SUPPORT)
    support.permissions.add(Permission.objects.get(codename="change_user"))  # reach added by hand

    MIGRATION.create_staff_groups(global_apps, editor)
    assert _held() == defined
    assert Group.objects.filter(name=staff.SUPPORT).count() == 1

    MIGRATION.delete_staff_groups(global_apps, editor)
    assert _held() == {}
    assert not Permission.objects.filter(codename="run_import").exists()

    MIGRATION.create_staff_groups(global_apps, editor)
    assert _held() == defined


def test_adding_a_staff_member_to_an_unknown_group_is_refused(user):
    with pytest.raises(ValueError, match="Unknown staff group"):
        staff.add_staff_member(user=user, group="Janitors")
    user.refresh_from_db()
    assert not user.is_staff


# --- reach in admin, one group at a time ---------------------------------------------------------------------------


def test_support_reads_user_data_but_changes_nothing_reveals_nothing_and_exports_nothing(client, member_of, rows):
    from finance.models import DailyCashflow, EncryptedFinancialProfile

    member = member_of(staff.SUPPORT)

    assert client.get(reverse("admin:index")).status_code == 200
    assert _reach(client, User, rows.customer) == READ_ONLY
    assert _reach(client, DailyCashflow, rows.cashflow) == READ_ONLY
    assert _reach(client, EncryptedFinancialProfile, rows.profile)["change"] == 200
    # Read-only: a change posted anyway is refused and nothing changes.
    response = client.post(_url(User, "change", rows.customer.pk), {"email": "moved@example.com"})
    assert response.status_code == 403
    rows.customer.refresh_from_db()
    assert rows.customer.email != "moved@example.com"
    # No decrypted financial data.
    try:
        reveal = _url(EncryptedFinancialProfile, "reveal", rows.profile.pk)
    except NoReverseMatch:
        reveal = None
    if reveal:
        response = client.post(reveal)
        assert response.status_code == 403
        assert b"4242.00" not in response.content
    assert not member.has_perm("finance.reveal_financial_data")
    assert not member.has_perm("accounts.export_user_data")
    assert not member.has_perm("accounts.erase_user_data")
    # Neither the audit trail nor operations.
    assert _reach(client, AuditLog, rows.audit) == NONE
    assert _reach(client, ImportRun, rows.run) == NONE
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_operations_runs_imports_and_watches_monitoring_but_reads_no_user_data(client, member_of, rows):
    from finance.models import DailyCashflow
    from ops.models import Alert

    member = member_of(staff.OPERATIONS)

    assert _reach(client, ImportRun, rows.run) == READ_ONLY  # runs are records: nobody adds or deletes them by hand
    assert _reach(client, QuarantinedRow, rows.quarantined) == READ_ONLY
    # It may resolve quarantined rows (a change).
    response = client.post(
        _url(QuarantinedRow, "changelist"),
        {"action": "mark_resolved", "_selected_action": [str(rows.quarantined.pk)]},
    )
    assert response.status_code == 302
    rows.quarantined.refresh_from_db()
    assert rows.quarantined.resolved_at is not None
    assert client.get(_url(Alert, "changelist")).status_code == 200
    assert client.get(_url(Alert, "add")).status_code == 403
    for permission in ("ops.run_import", "ops.run_backup", "ops.run_maintenance"):
        assert member.has_perm(permission), permission

    assert _reach(client, User, rows.customer) == NONE
    assert _reach(client, DailyCashflow, rows.cashflow) == NONE
    assert _reach(client, AuditLog, rows.audit) == NONE


def test_auditor_reads_the_audit_log_and_nothing_else(client, member_of, rows):
    from finance.models import DailyCashflow

    member = member_of(staff.AUDITOR)

    assert _reach(client, AuditLog, rows.audit) == READ_ONLY
    page = client.get(_url(AuditLog, "change", rows.audit.pk)).content.decode()
    assert 'name="_save"' not in page  # shown, not editable
    response = client.post(_url(AuditLog, "change", rows.audit.pk), {"action": "rewritten"})
    assert response.status_code == 403
    rows.audit.refresh_from_db()
    assert rows.audit.action == "test_event"
    assert member.has_perm("ops.view_auditseal")
    assert not member.has_perm("ops.change_auditseal")
    if AuditSeal in admin.site._registry:
        assert client.get(_url(AuditSeal, "changelist")).status_code == 200
        assert client.get(_url(AuditSeal, "add")).status_code == 403

    assert _reach(client, User, rows.customer) == NONE
    assert _reach(client, DailyCashflow, rows.cashflow) == NONE
    assert _reach(client, ImportRun, rows.run) == NONE


def test_a_superuser_stays_a_superuser_outside_the_groups(client, rows):
    superuser = User.objects.create_superuser(email="root@example.com", password=None)
    client.force_login(superuser)
    assert not superuser.groups.exists()
    assert client.get(_url(User, "change", rows.customer.pk)).status_code == 200
    assert client.get(_url(AuditLog, "changelist")).status_code == 200
    assert superuser.has_perm("finance.reveal_financial_data")
