from django.contrib.auth import authenticate

from mingus.accounts.models import User
from mingus.accounts.services import ensure_admin_login


def test_ensure_admin_login_creates_a_superuser_that_can_sign_in(db, tmp_path):
    login = ensure_admin_login(email="admin@example.com", credentials_path=tmp_path / "login.txt")
    assert login.created
    user = authenticate(username="admin@example.com", password=login.password)
    assert user is not None and user.is_superuser and user.is_staff
    assert (tmp_path / "login.txt").stat().st_mode & 0o777 == 0o600


def test_ensure_admin_login_twice_prints_the_same_login_and_creates_one_user(db, tmp_path):
    first = ensure_admin_login(email="admin@example.com", credentials_path=tmp_path / "login.txt")
    second = ensure_admin_login(email="admin@example.com", credentials_path=tmp_path / "login.txt")
    assert not second.created
    assert second.password == first.password
    assert User.objects.filter(email="admin@example.com").count() == 1


def test_ensure_admin_login_never_resets_a_changed_password(db, tmp_path):
    ensure_admin_login(email="admin@example.com", credentials_path=tmp_path / "login.txt")
    user = User.objects.get(email="admin@example.com")
    user.set_password("my-own-password-now")
    user.save()
    again = ensure_admin_login(email="admin@example.com", credentials_path=tmp_path / "login.txt")
    assert again.password is None
    assert authenticate(username="admin@example.com", password="my-own-password-now") is not None
