"""The transaction scope: role and settings per transaction, restored on the way out, never leaked."""

import uuid

import pytest
from django.db import connection

from mingus.scope import current_scope, db_scope, staff_scope, user_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def runtime_role():
    # Production connections log in as mingus_app; the suite otherwise runs as mingus_staff.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE mingus_app")


def test_a_user_scope_acts_as_the_runtime_role_for_that_user_only(user):
    with user_scope(user.pk, actor="user:x", source="api", request_id="r1"):
        scope = current_scope()
    assert scope == {
        "role": "mingus_app",
        "user_id": str(user.pk),
        "actor": "user:x",
        "source": "api",
        "request_id": "r1",
    }


def test_leaving_a_scope_restores_the_outer_role_and_settings(runtime_role, user):
    with staff_scope(actor="staff:a@example.com", source="admin"):
        with user_scope(user.pk, source="api"):
            assert current_scope()["role"] == "mingus_app"
        assert current_scope() == {
            "role": "mingus_staff",
            "user_id": None,
            "actor": "staff:a@example.com",
            "source": "admin",
            "request_id": None,
        }
    assert current_scope() == {"role": "mingus_app", "user_id": None, "actor": None, "source": None, "request_id": None}


def test_a_scope_left_by_an_exception_leaves_nothing_behind(runtime_role, user):
    with pytest.raises(ZeroDivisionError), user_scope(user.pk):
        1 / 0  # noqa: B018
    assert current_scope()["user_id"] is None
    assert current_scope()["role"] == "mingus_app"


def test_a_scope_cannot_be_for_a_user_and_staff_at_once(user):
    with pytest.raises(ValueError, match="not both"), db_scope(user_id=user.pk, staff=True):
        pass


def test_a_user_id_that_is_not_a_uuid_is_refused_before_any_sql():
    with pytest.raises(ValueError), user_scope("1 OR true"):
        pass


@pytest.mark.urls("tests.mingus.scope_urls")
class TestRequestScopeMiddleware:
    def test_a_staff_request_to_the_admin_gets_staff_reach_and_an_admin_audit_context(self, client, make_user):
        staff = make_user(is_staff=True)
        client.force_login(staff)
        response = client.get("/admin/scope/", headers={"X-Request-ID": "req-123"})
        assert response.json() == {
            "role": "mingus_staff",
            "user_id": None,
            "actor": f"staff:{staff.email}",
            "source": "admin",
            "request_id": "req-123",
        }
        assert response.headers["X-Request-ID"] == "req-123"

    def test_a_signed_in_user_gets_only_their_own_rows(self, client, runtime_role, user):
        client.force_login(user)
        scope = client.get("/scope/").json()
        assert (scope["role"], scope["user_id"], scope["source"]) == ("mingus_app", str(user.pk), "api")

    def test_the_user_of_one_request_never_reaches_the_next(self, client, runtime_role, user):
        client.force_login(user)
        assert client.get("/scope/").json()["user_id"] == str(user.pk)
        client.logout()
        anonymous = client.get("/scope/").json()
        assert (anonymous["role"], anonymous["user_id"], anonymous["actor"]) == ("mingus_app", None, None)

    def test_an_unsafe_request_id_header_is_replaced(self, client):
        response = client.get("/scope/", headers={"X-Request-ID": "x'; DROP TABLE users; --"})
        request_id = response.json()["request_id"]
        assert uuid.UUID(request_id).hex == request_id

    def test_a_server_error_response_rolls_the_request_back(self, client, user):
        from finance.models import ImportantDate
        from tests.factories import make_row

        date = make_row(ImportantDate, user)
        client.force_login(user)
        assert client.get("/fail/").status_code == 500
        date.refresh_from_db()
        assert date.title != "changed by a failing request"


@pytest.mark.django_db(transaction=True)
def test_a_scope_does_not_outlive_its_transaction_on_a_persistent_connection(user):
    # Outside any test transaction: the next "task" on this connection starts clean.
    with user_scope(user.pk, actor="task:first", source="task"):
        assert current_scope()["user_id"] == str(user.pk)
    after = current_scope()
    assert (after["user_id"], after["actor"], after["source"]) == (None, None, None)
    assert after["role"] != "mingus_app"
