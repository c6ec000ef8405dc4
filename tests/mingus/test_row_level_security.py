"""Row-level security, checked with raw SQL as the runtime role (mingus_app).

Most tests take the runtime role inside the test transaction (``SET LOCAL ROLE
mingus_app``: policies apply by the current role). One logs in as mingus_app on
a connection of its own, against rows committed by the owner.
"""

import importlib
import uuid

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from mingus.rls import check_row_level_security, per_user_tables, tables_without_forced_rls
from tests.factories import make_row

ROLES_MIGRATION = importlib.import_module("ops.migrations.0003_database_roles_and_rls")


def _per_user_models():
    tables = set(per_user_tables())
    return [m for m in apps.get_models() if m._meta.db_table in tables]


@pytest.fixture
def rows_of_two_users(user, other_user):
    """One row of each per-user table for each of two users: {table: {user_id: row_id}}."""
    rows = {}
    for model in _per_user_models():
        mine = make_row(model, user, one_to_one_owner=user)
        theirs = make_row(model, other_user, one_to_one_owner=other_user)
        rows[model._meta.db_table] = {user.pk: mine.pk, other_user.pk: theirs.pk}
    return rows


def _as_runtime_role(cursor, user_id=None):
    cursor.execute("SET LOCAL ROLE mingus_app")
    if user_id is not None:
        cursor.execute("SELECT set_config('mingus.user_id', %s, true)", [str(user_id)])


def _fails_with_rls_violation(cursor, statement, params) -> str:
    try:
        with transaction.atomic():
            cursor.execute(statement, params)
    except DatabaseError as exc:
        return str(exc)
    return ""


def test_the_per_user_tables_are_the_nineteen_with_a_user_id():
    assert len(per_user_tables()) == 19
    assert "daily_cashflow" in per_user_tables()
    assert "users" not in per_user_tables()


def test_the_migration_protects_exactly_the_per_user_tables_of_the_models():
    assert sorted(ROLES_MIGRATION.PER_USER_TABLES) == per_user_tables()


@pytest.mark.django_db
def test_every_per_user_table_has_row_level_security_enabled_and_forced():
    assert tables_without_forced_rls() == []


@pytest.mark.django_db
def test_every_per_user_table_has_one_runtime_policy_per_command():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, array_agg(cmd ORDER BY cmd) FROM pg_policies "
            "WHERE 'mingus_app' = ANY(roles) GROUP BY tablename"
        )
        commands = dict(cursor.fetchall())
    assert set(commands) == set(per_user_tables())
    assert all(sorted(cmds) == ["DELETE", "INSERT", "SELECT", "UPDATE"] for cmds in commands.values())


def test_the_check_names_a_per_user_table_whose_rls_is_not_forced(as_superuser):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE daily_cashflow NO FORCE ROW LEVEL SECURITY")
    errors = check_row_level_security(None, databases=["default"])
    assert [e.id for e in errors] == ["mingus.E010"]
    assert "daily_cashflow" in errors[0].msg


@pytest.mark.django_db
def test_the_runtime_role_owns_nothing_and_cannot_bypass_rls():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolinherit, rolcreatedb, rolcreaterole, rolcanlogin "
            "FROM pg_roles WHERE rolname = 'mingus_app'"
        )
        assert cursor.fetchone() == (False, False, False, False, False, True)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = 'mingus_app'::regrole OR relowner = 'mingus_staff'::regrole"
        )
        assert cursor.fetchone()[0] == 0
        # Staff reach is held but not inherited: it must be taken with SET ROLE.
        cursor.execute("SELECT pg_has_role('mingus_app', 'mingus_staff', 'USAGE')")
        assert cursor.fetchone()[0] is False


def test_a_user_sees_only_their_own_rows_in_every_per_user_table(rows_of_two_users, user, other_user):
    with connection.cursor() as cursor:
        _as_runtime_role(cursor, user.pk)
        for table, ids in rows_of_two_users.items():
            cursor.execute(sql.SQL("SELECT id, user_id FROM {}").format(sql.Identifier(table)).as_string(cursor))
            seen = cursor.fetchall()
            assert seen, f"{table}: the user's own row is invisible"
            assert {row[1] for row in seen} == {user.pk}, f"{table}: another user's row is visible"
            assert ids[other_user.pk] not in {row[0] for row in seen}


@pytest.mark.parametrize("setting", [None, ""])
def test_with_no_user_set_the_runtime_role_sees_no_rows_and_raises_no_error(rows_of_two_users, setting):
    with connection.cursor() as cursor:
        _as_runtime_role(cursor)
        if setting is not None:
            cursor.execute("SELECT set_config('mingus.user_id', %s, true)", [setting])
        for table in rows_of_two_users:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)).as_string(cursor))
            assert cursor.fetchone()[0] == 0, table


# A copy of the user's own row, re-addressed to someone else.
_INSERT_FOR = (
    "INSERT INTO {t} SELECT (jsonb_populate_record(NULL::{t}, to_jsonb(r) || "
    "jsonb_build_object('id', gen_random_uuid(), 'user_id', %s::uuid))).* FROM {t} r WHERE id = %s"
)
_MOVE_TO = "UPDATE {t} SET user_id = %s WHERE id = %s"


@pytest.mark.parametrize("statement", [_INSERT_FOR, _MOVE_TO], ids=["insert-for", "move-to"])
def test_a_user_cannot_write_a_row_for_another_user(rows_of_two_users, user, other_user, statement):
    with connection.cursor() as cursor:
        _as_runtime_role(cursor, user.pk)
        for table, ids in rows_of_two_users.items():
            query = sql.SQL(statement).format(t=sql.Identifier(table)).as_string(cursor)
            error = _fails_with_rls_violation(cursor, query, [other_user.pk, ids[user.pk]])
            assert "row-level security" in error, f"{table}: {error or 'the write for another user succeeded'}"


def test_a_user_cannot_update_or_delete_another_users_rows(rows_of_two_users, user, other_user):
    with connection.cursor() as cursor:
        _as_runtime_role(cursor, user.pk)
        for table, ids in rows_of_two_users.items():
            target = sql.Identifier(table)
            cursor.execute(
                sql.SQL("UPDATE {} SET id = id WHERE id = %s").format(target).as_string(cursor), [ids[other_user.pk]]
            )
            assert cursor.rowcount == 0, table
            cursor.execute(
                sql.SQL("DELETE FROM {} WHERE id = %s").format(target).as_string(cursor), [ids[other_user.pk]]
            )
            assert cursor.rowcount == 0, table
        cursor.execute("SET LOCAL ROLE mingus_staff")
        for table, ids in rows_of_two_users.items():
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE id = %s").format(sql.Identifier(table)).as_string(cursor),
                [ids[other_user.pk]],
            )
            assert cursor.fetchone()[0] == 1, f"{table}: the other user's row is gone"


def test_staff_reach_is_taken_by_role_and_sees_every_users_rows(rows_of_two_users):
    with connection.cursor() as cursor:
        _as_runtime_role(cursor)
        cursor.execute("SET LOCAL ROLE mingus_staff")
        for table in rows_of_two_users:
            cursor.execute(
                sql.SQL("SELECT count(DISTINCT user_id) FROM {}").format(sql.Identifier(table)).as_string(cursor)
            )
            assert cursor.fetchone()[0] == 2, table


def test_a_setting_cannot_grant_reach_beyond_the_users_rows(rows_of_two_users, user):
    # There is no bypass flag to forge: only user_id is read, and it names one user.
    with connection.cursor() as cursor:
        _as_runtime_role(cursor, user.pk)
        for name in ("mingus.staff", "mingus.bypass", "pgtrigger.ignore", "row_security"):
            try:
                with transaction.atomic():
                    cursor.execute("SELECT set_config(%s, 'on', true)", [name])
            except DatabaseError:
                continue  # row_security=off raises for a role without BYPASSRLS
        cursor.execute("SELECT count(DISTINCT user_id) FROM daily_cashflow")
        assert cursor.fetchone()[0] == 1


@pytest.mark.usefixtures("django_db_setup")
def test_a_login_as_the_runtime_role_sees_only_the_user_it_is_set_for(django_db_blocker):
    """A real login as mingus_app, against rows the owner committed."""
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    owner = settings.DATABASE_OWNER
    where = {"host": owner.get("HOST") or None, "port": owner.get("PORT") or None, "dbname": name}
    a, b = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(user=owner["USER"], password=owner.get("PASSWORD") or None, **where) as admin:
        for person in (a, b):
            admin.execute(
                "INSERT INTO users (id, email, password, is_superuser, is_active, is_staff, is_app_admin, "
                "email_verified, created_at) VALUES (%s, %s, '!', false, true, false, false, false, now())",
                [person, f"{person}@example.com"],
            )
            admin.execute(
                "INSERT INTO daily_cashflow (id, user_id, date, created_at) "
                "VALUES (gen_random_uuid(), %s, '2026-01-01', now())",
                [person],
            )
        admin.commit()
        try:
            with psycopg.connect(user="mingus_app", autocommit=True, **where) as runtime:
                assert runtime.execute("SELECT session_user, current_user").fetchone() == ("mingus_app", "mingus_app")
                assert runtime.execute("SELECT count(*) FROM daily_cashflow").fetchone()[0] == 0
                with runtime.transaction():
                    runtime.execute("SELECT set_config('mingus.user_id', %s, true)", [str(a)])
                    owners = runtime.execute("SELECT DISTINCT user_id FROM daily_cashflow").fetchall()
                    assert owners == [(a,)]
                # The transaction-local user ended with the transaction: nothing leaks into the next one.
                assert runtime.execute("SELECT count(*) FROM daily_cashflow").fetchone()[0] == 0
                # Neither the policies nor the triggers can be switched off from the runtime login.
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    runtime.execute("ALTER TABLE daily_cashflow NO FORCE ROW LEVEL SECURITY")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    runtime.execute("SET session_replication_role = replica")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    runtime.execute("SET row_security = off; SELECT count(*) FROM daily_cashflow")
        finally:
            admin.execute("DELETE FROM daily_cashflow WHERE user_id = ANY(%s)", [[a, b]])
            admin.execute("DELETE FROM users WHERE id = ANY(%s)", [[a, b]])
            admin.commit()
