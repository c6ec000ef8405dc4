import itertools

import pytest
from django.conf import settings as django_settings

_emails = itertools.count()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Create, migrate and use the test database on the owner login.

    The runtime login (mingus_app) may not create databases or run migrations.
    Each test then takes the role production code runs with (see
    ``_run_as_staff_role``), and the role tests log in as mingus_app itself.
    """
    owner = django_settings.DATABASE_OWNER
    for key in ("USER", "PASSWORD", "HOST", "PORT"):
        django_settings.DATABASES["default"][key] = owner.get(key, "")


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_append_only_triggers():
    """Let the flush after a transactional test empty the append-only audit tables.

    Their triggers refuse TRUNCATE for everyone; the flush runs on the owner login
    (a superuser here), which may switch triggers off for its own transaction.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _run_as_staff_role(request):
    """Run each transaction-wrapped test as ``mingus_staff``, as the admin and commands do.

    The test transaction is rolled back afterwards, which ends the ``SET LOCAL``.
    Transactional tests (``transaction=True``) run on the owner login instead,
    like the import they mostly exercise.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional or ("db" not in request.fixturenames and marker is None):
        yield
        return
    request.getfixturevalue("db")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE mingus_staff")
    yield


@pytest.fixture
def as_superuser(db):
    """Drop back to the owner login (a superuser here) for the rest of the test."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")


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
