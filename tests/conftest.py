import itertools

import pytest

_emails = itertools.count()


@pytest.fixture
def make_user(db):
    """Create a customer account with a unique email."""
    from mingus.accounts.models import User

    def make(**fields):
        fields.setdefault("email", f"user{next(_emails)}@example.com")
        # No password unless asked: hashing one costs half a second per user.
        return User.objects.create_user(password=fields.pop("password", None), **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def other_user(make_user):
    return make_user()
