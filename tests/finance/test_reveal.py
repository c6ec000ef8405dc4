"""Admin reveal of a financial profile: permission-gated, POST only, not cached, audited; otherwise nothing shows."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from finance.models import EncryptedFinancialProfile
from mingus.accounts.models import User
from ops.models import AuditLog

SECRET_VALUE = "9876543.21-very-private"


@pytest.fixture
def profile(user):
    profile = EncryptedFinancialProfile(user=user)
    profile.encrypt({"net_worth": SECRET_VALUE, "employer": "Acme Secret Corp"})
    profile.save()
    return profile


def _client_of_staff(*codenames, superuser=False):
    email = f"staff-{'-'.join(codenames) or 'superuser'}@example.com"
    if superuser:
        staff = User.objects.create_superuser(email=email, password=None)
    else:
        staff = User.objects.create_user(email=email, is_staff=True)
        staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def revealer(db):
    return _client_of_staff("view_encryptedfinancialprofile", "reveal_financial_data")


@pytest.fixture
def viewer(db):
    """Staff who may do everything with profiles and users except reveal."""
    return _client_of_staff(
        *(f"{verb}_encryptedfinancialprofile" for verb in ("view", "change", "delete")),
        *(f"{verb}_user" for verb in ("view", "delete")),
    )


def _url(name, profile):
    return reverse(f"admin:finance_encryptedfinancialprofile_{name}", args=[profile.pk])


def _reveals(profile):
    return AuditLog.objects.filter(action="reveal_financial_data", entity_id=str(profile.pk))


def _shows_nothing_secret(response, profile):
    body = response.content.decode()
    return SECRET_VALUE not in body and "Acme Secret Corp" not in body and profile.encrypted_data not in body


def test_staff_with_the_permission_see_the_plaintext_after_posting_and_the_reveal_is_audited(revealer, profile):
    response = revealer.post(_url("reveal", profile))

    assert response.status_code == 200
    assert SECRET_VALUE in response.content.decode()
    assert profile.encrypted_data not in response.content.decode()
    (event,) = _reveals(profile)
    assert event.user_id == profile.user_id
    assert event.entity_type == "encrypted_financial_profiles"
    assert event.details["outcome"] == "revealed"
    assert SECRET_VALUE not in str(event.details)


def test_the_reveal_page_is_never_stored_by_a_cache(revealer, profile):
    response = revealer.post(_url("reveal", profile))

    assert "no-store" in response["Cache-Control"]


def test_the_change_page_offers_the_reveal_button_only_to_staff_with_the_permission(revealer, viewer, profile):
    assert _url("reveal", profile) in revealer.get(_url("change", profile)).content.decode()
    assert _url("reveal", profile) not in viewer.get(_url("change", profile)).content.decode()


def test_a_get_of_the_reveal_address_reveals_nothing(revealer, profile):
    response = revealer.get(_url("reveal", profile))

    assert response.status_code == 405
    assert _shows_nothing_secret(response, profile)
    assert not _reveals(profile).exists()


def test_staff_without_the_permission_are_refused_and_nothing_is_revealed(viewer, profile):
    response = viewer.post(_url("reveal", profile))

    assert response.status_code == 403
    assert _shows_nothing_secret(response, profile)
    assert not _reveals(profile).exists()


def test_no_admin_page_of_the_profile_shows_plaintext_or_ciphertext(viewer, profile):
    # A superuser too: holding every permission shows nothing until reveal is posted.
    for client in (viewer, _client_of_staff(superuser=True)):
        for url in (
            reverse("admin:finance_encryptedfinancialprofile_changelist"),
            _url("change", profile),
            _url("history", profile),
            _url("delete", profile),
            reverse("admin:accounts_user_delete", args=[profile.user_id]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert _shows_nothing_secret(response, profile), url


def test_the_change_page_shows_an_imported_profiles_legacy_key_version_read_only(viewer, profile):
    EncryptedFinancialProfile.objects.filter(pk=profile.pk).update(legacy_key_version=2)

    response = viewer.get(_url("change", profile))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields.get("legacy_key_version") is None  # not an input
    assert "Legacy key version" in response.content.decode()
    assert _shows_nothing_secret(response, profile)


def test_saving_the_change_page_logs_no_secret_in_the_admin_log(viewer, profile):
    viewer.post(_url("change", profile), {})

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(EncryptedFinancialProfile), object_id=str(profile.pk)
    )
    assert entries.filter(action_flag=CHANGE).exists()
    for entry in entries:
        text = f"{entry.object_repr} {entry.change_message}"
        assert SECRET_VALUE not in text and profile.encrypted_data not in text
    assert EncryptedFinancialProfile.objects.get(pk=profile.pk).encrypted_data == profile.encrypted_data


def test_an_undecryptable_profile_reveals_nothing_and_the_attempt_is_audited(revealer, profile):
    EncryptedFinancialProfile.objects.filter(pk=profile.pk).update(encrypted_data="gAAAAAnot-a-real-token")

    response = revealer.post(_url("reveal", profile), follow=True)

    assert "gAAAAAnot-a-real-token" not in response.content.decode()
    assert "cannot be decrypted" in response.content.decode()
    assert _reveals(profile).get().details["outcome"] == "undecryptable"
