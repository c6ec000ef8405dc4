"""Admin sign-in is locked after repeated failures, per account and per address, and every failure is audited."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.http import HttpRequest
from django.urls import reverse

from mingus.accounts.login_protection import attempted_username, client_ip
from mingus.accounts.models import User
from ops.models import AuditLog

PASSWORD = "Correct-horse-battery-9"
LOGIN_URL = reverse("admin:login")
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.4"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Every attempt hashes a password; the default hasher would make each take half a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_member(db):
    return User.objects.create_user(email="ops@example.com", password=PASSWORD, is_staff=True)


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


def _sign_in(client, username, password, address=ADDRESS):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _cool_off_passes(settings):
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME)


def test_failures_up_to_the_limit_lock_the_account_even_for_the_right_password(client, staff_member, limit):
    for attempt in range(1, limit):
        response = _sign_in(client, staff_member.email, f"wrong-{attempt}")
        assert response.status_code == 200  # the login form again, with its error

    locked = _sign_in(client, staff_member.email, "wrong-last")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()

    refused = _sign_in(client, staff_member.email, PASSWORD)
    assert refused.status_code == 429
    assert not _signed_in(client)


def test_the_lock_ends_after_the_cool_off(client, staff_member, limit, settings):
    for attempt in range(limit):
        _sign_in(client, staff_member.email, f"wrong-{attempt}")
    assert _sign_in(client, staff_member.email, PASSWORD).status_code == 429

    _cool_off_passes(settings)
    response = _sign_in(client, staff_member.email, PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_attempts_while_locked_do_not_extend_the_lock(client, staff_member, limit, settings):
    for attempt in range(limit):
        _sign_in(client, staff_member.email, f"wrong-{attempt}")
    counted = AccessAttempt.objects.get()
    for _ in range(3):
        assert _sign_in(client, staff_member.email, "still-guessing").status_code == 429
    assert AccessAttempt.objects.get().attempt_time == counted.attempt_time
    assert AccessAttempt.objects.get().failures_since_start == limit


def test_an_account_is_locked_whatever_addresses_the_guesses_come_from(client, staff_member, limit):
    for attempt in range(limit):
        _sign_in(client, staff_member.email, f"wrong-{attempt}", address=f"192.0.2.{attempt + 1}")

    response = _sign_in(client, staff_member.email, PASSWORD, address=OTHER_ADDRESS)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_changing_the_case_or_spacing_of_the_email_does_not_buy_more_guesses(client, staff_member, limit):
    variants = ["ops@example.com", "OPS@example.com", " Ops@Example.com ", "ops@EXAMPLE.COM"]
    for attempt in range(limit):
        _sign_in(client, variants[attempt % len(variants)], "wrong", address=f"192.0.2.{attempt + 1}")

    assert _sign_in(client, staff_member.email, PASSWORD, address=OTHER_ADDRESS).status_code == 429


def test_an_address_is_locked_whatever_accounts_it_guesses(client, staff_member, limit):
    for attempt in range(limit):
        _sign_in(client, f"nobody{attempt}@example.com", "wrong")

    assert _sign_in(client, staff_member.email, PASSWORD).status_code == 429
    assert not _signed_in(client)
    # The account itself is not locked: from another address the right password works.
    assert _sign_in(client, staff_member.email, PASSWORD, address=OTHER_ADDRESS).status_code == 302
    assert _signed_in(client)


def test_failures_below_the_limit_do_not_lock(client, staff_member, limit):
    for attempt in range(limit - 1):
        _sign_in(client, staff_member.email, f"wrong-{attempt}")

    assert _sign_in(client, staff_member.email, PASSWORD).status_code == 302


def test_every_failure_is_audited_including_those_refused_by_the_lock(client, staff_member, limit):
    for attempt in range(limit):
        _sign_in(client, staff_member.email, f"wrong-{attempt}")
    _sign_in(client, staff_member.email, PASSWORD)

    failures = list(AuditLog.objects.filter(action="login_failed").order_by("created_at"))
    assert len(failures) == limit + 1
    assert {entry.actor for entry in failures} == {"ops@example.com"}
    assert {entry.ip_address for entry in failures} == {ADDRESS}
    assert {str(entry.user_id) for entry in failures} == {str(staff_member.pk)}
    # The limit-th failure set the lock; the right password after it was refused by it.
    assert [entry.details["locked_out"] for entry in failures] == [False] * (limit - 1) + [True, True]
    assert not AuditLog.objects.filter(action="login").exists()


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    # The left entry is whatever the client sent; only the proxy's own entry is trusted.
    assert client_ip(request) == "203.0.113.9"

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"


def test_a_client_address_that_is_not_an_ip_address_is_none():
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "not-an-address"}
    assert client_ip(request) is None


def test_the_attempted_username_is_normalised_like_sign_in_matches_it():
    assert attempted_username(HttpRequest(), {"username": "  Ops@Example.COM "}) == "ops@example.com"
    assert attempted_username(HttpRequest(), {}) is None


def test_the_lock_works_on_the_runtime_role_an_anonymous_sign_in_runs_as(client, staff_member, limit):
    from django.db import connection

    # Sign-in happens before anyone is known: no staff reach, the runtime login's own privileges.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE mingus_app")
    for attempt in range(limit):
        _sign_in(client, staff_member.email, f"wrong-{attempt}")

    assert _sign_in(client, staff_member.email, PASSWORD).status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "mingus_app"
    assert AccessAttempt.objects.get().failures_since_start == limit


def test_right_passwords_of_accounts_without_admin_access_count_as_failures(client, staff_member, limit):
    customer = User.objects.create_user(email="customer@example.com", password=PASSWORD)
    statuses = [_sign_in(client, customer.email, PASSWORD).status_code for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]  # the form's error each time, then the lock
    assert not _signed_in(client)

    assert _sign_in(client, staff_member.email, PASSWORD).status_code == 429
