"""Staff sign-in, sign-out and failed sign-in are recorded in the audit trail, never with a password."""

import json

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.core import serializers
from django.urls import reverse

from mingus.accounts.models import User
from ops.models import AuditLog

PASSWORD = "Correct-horse-battery-9"
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_member(db):
    return User.objects.create_user(email="Support.Lead@example.com", password=PASSWORD, is_staff=True)


def _sign_in(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=ADDRESS)


def _entry(action):
    entries = list(AuditLog.objects.filter(action=action))
    assert len(entries) == 1, entries
    return entries[0]


def _as_text(entry) -> str:
    return serializers.serialize("json", [entry])


def test_a_staff_sign_in_is_audited_with_who_and_from_where(client, staff_member):
    assert _sign_in(client, "support.lead@example.com", PASSWORD).status_code == 302

    entry = _entry("login")
    assert entry.actor == "Support.Lead@example.com"
    assert entry.source == "admin"
    assert entry.user_id == staff_member.pk
    assert (entry.entity_type, entry.entity_id) == ("users", str(staff_member.pk))
    assert entry.ip_address == ADDRESS
    assert PASSWORD not in _as_text(entry)


def test_a_sign_out_is_audited(client, staff_member):
    _sign_in(client, staff_member.email, PASSWORD)
    assert client.post(reverse("admin:logout"), REMOTE_ADDR=ADDRESS).status_code == 200

    entry = _entry("logout")
    assert (entry.actor, entry.source, entry.user_id, entry.ip_address) == (
        staff_member.email,
        "admin",
        staff_member.pk,
        ADDRESS,
    )


def test_a_failed_sign_in_is_audited_with_the_attempted_account_and_never_the_password(client, staff_member):
    guess = "Guess-Number-1-secret"
    assert _sign_in(client, " SUPPORT.lead@example.com ", guess).status_code == 200

    entry = _entry("login_failed")
    assert entry.actor == "support.lead@example.com"
    assert entry.source == "admin"
    assert entry.user_id == staff_member.pk
    assert entry.ip_address == ADDRESS
    assert entry.details == {"locked_out": False}
    assert guess not in _as_text(entry)
    assert not AuditLog.objects.filter(action="login").exists()


def test_a_failed_sign_in_for_an_unknown_account_is_audited_without_a_user(client, db):
    _sign_in(client, "nobody@example.com", "whatever-1")

    entry = _entry("login_failed")
    assert entry.actor == "nobody@example.com"
    assert entry.user_id is None
    assert "whatever-1" not in _as_text(entry)


def test_a_failed_sign_in_without_a_request_is_audited_too(staff_member):
    assert authenticate(username=staff_member.email, password="wrong-one") is None

    entry = _entry("login_failed")
    assert entry.actor == "support.lead@example.com"
    assert entry.ip_address is None
    assert "wrong-one" not in json.dumps(entry.details)


def test_the_right_password_of_an_account_without_admin_access_is_an_audited_failure(client, db):
    customer = User.objects.create_user(email="customer@example.com", password=PASSWORD)

    response = _sign_in(client, customer.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    entry = _entry("login_failed")
    assert (entry.actor, entry.user_id) == ("customer@example.com", customer.pk)
    assert entry.details == {"locked_out": False, "reason": "no_admin_access"}


def test_adding_and_removing_a_staff_group_is_audited(staff_member):
    support = Group.objects.get(name="Support")
    staff_member.groups.add(support)
    staff_member.groups.remove(support)
    entries = list(AuditLog.objects.filter(action="access_changed").order_by("created_at", "id"))
    assert [(e.details["change"], e.details["items"], e.user_id) for e in entries] == [
        ("added", ["Support"], staff_member.pk),
        ("removed", ["Support"], staff_member.pk),
    ]


def test_clearing_permissions_names_what_was_removed(staff_member):
    permission = Permission.objects.get(codename="reveal_financial_data")
    staff_member.user_permissions.add(permission)
    staff_member.user_permissions.clear()
    removed = AuditLog.objects.filter(action="access_changed", details__change="removed").get()
    assert removed.details["relation"] == "permissions"
    assert removed.details["items"] == [str(permission)]


def test_a_group_gaining_a_permission_is_audited(db):
    auditor = Group.objects.get(name="Auditor")
    permission = Permission.objects.get(codename="reveal_financial_data")
    auditor.permissions.add(permission)
    entry = AuditLog.objects.get(action="access_changed")
    assert (entry.entity_type, entry.details["relation"], entry.details["items"]) == (
        "auth_group",
        "group_permissions",
        [str(permission)],
    )
