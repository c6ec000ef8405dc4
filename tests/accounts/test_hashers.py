import pytest
from django.contrib.auth import authenticate
from werkzeug.security import generate_password_hash

from mingus.accounts.hashers import UnknownLegacyHash, wrap_werkzeug_hash
from mingus.accounts.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture(
    params=["pbkdf2:sha256:600000", "pbkdf2:sha256:1000", "scrypt:32768:8:1", "scrypt:16384:8:1"],
    ids=lambda method: method.split(":")[0] + "-" + method.split(":")[-1],
)
def legacy_user(request, db):
    legacy_hash = generate_password_hash(PASSWORD, method=request.param)
    user = User.objects.create(email="legacy@example.com", password=wrap_werkzeug_hash(legacy_hash))
    return user, legacy_hash


def test_legacy_werkzeug_user_signs_in_with_old_password(legacy_user):
    user, _ = legacy_user
    assert authenticate(username="legacy@example.com", password=PASSWORD) == user


def test_legacy_hash_is_upgraded_to_django_default_after_login(legacy_user):
    user, legacy_hash = legacy_user
    authenticate(username="legacy@example.com", password=PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert legacy_hash not in user.password
    # The upgraded hash still accepts the same password.
    assert authenticate(username="legacy@example.com", password=PASSWORD) == user


def test_wrong_password_fails_and_keeps_legacy_hash(legacy_user):
    user, legacy_hash = legacy_user
    assert authenticate(username="legacy@example.com", password=PASSWORD + "x") is None
    user.refresh_from_db()
    assert user.password == wrap_werkzeug_hash(legacy_hash)


def test_login_email_is_case_and_whitespace_insensitive(legacy_user):
    user, _ = legacy_user
    assert authenticate(username="  LEGACY@Example.com ", password=PASSWORD) == user


def test_wrap_keeps_the_werkzeug_text_byte_for_byte():
    legacy_hash = "pbkdf2:sha256:260000$abcdEFGH12345678$" + "0" * 64
    assert wrap_werkzeug_hash(legacy_hash) == "werkzeug_pbkdf2$" + legacy_hash


@pytest.mark.parametrize("bad", ["md5$abc$def", "sha256$salt$hash", "pbkdf2:sha256:1000$onlysalt", ""])
def test_wrap_rejects_formats_it_cannot_verify(bad):
    with pytest.raises(UnknownLegacyHash):
        wrap_werkzeug_hash(bad)
