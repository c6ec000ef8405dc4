import pytest

from mingus.accounts.models import User, UserProfile
from tests.constraints import rejected_by_database


def test_email_is_unique_ignoring_case(make_user):
    make_user(email="bob@x.com")
    with rejected_by_database("users_email_ci_unique"):
        User.objects.create(email="Bob@X.com")


def test_email_with_surrounding_whitespace_is_rejected(db):
    with rejected_by_database("users_email_trimmed_not_empty"):
        User.objects.create(email=" bob@x.com")


def test_empty_email_is_rejected(db):
    with rejected_by_database("users_email_trimmed_not_empty"):
        User.objects.create(email="")


def test_create_user_strips_the_email(db):
    user = User.objects.create_user(email="  carol@Example.COM ", password="x-long-password")
    assert user.email == "carol@example.com"


def test_create_user_requires_an_email(db):
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user(email="  ", password="x")


def test_negative_household_size_is_rejected(user):
    with rejected_by_database("user_profiles_household_size_non_negative"):
        UserProfile.objects.create(user=user, household_size=-1)


def test_profile_requires_a_user(db):
    with rejected_by_database("user_id"):
        UserProfile.objects.create(user_id=None)
