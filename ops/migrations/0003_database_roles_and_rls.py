"""Database roles and row-level security on every per-user table.

Roles (cluster-wide, so they are created only when missing and left in place on
reverse: other databases of the cluster, such as the test database, use them):

* ``mingus_app``: the runtime login role. Owns nothing, is not superuser, has no
  BYPASSRLS. In a per-user table it reaches only the rows whose ``user_id`` is the
  transaction's ``mingus.user_id``; with none set it reaches no rows.
* ``mingus_staff``: staff and operations reach, through explicit policies. The
  runtime role is a member but NOINHERIT, so the reach is only used by code that
  takes it with ``SET LOCAL ROLE`` (``mingus.scope.staff_scope``), never by a setting.
* The owner (whoever runs migrations) keeps its reach through policies of its own,
  because FORCE makes RLS apply to the table owner too.

The policy expression reads the setting through a sub-select so PostgreSQL
evaluates it once per query, not once per row, and ``NULLIF`` turns the empty
string a finished transaction-local setting leaves behind into NULL (no rows)
instead of a cast error.
"""

from django.db import migrations

APP_ROLE = "mingus_app"
STAFF_ROLE = "mingus_staff"

# Every table holding one person's rows (a user_id column), frozen at this
# migration. ``audit_logs`` has its own privileges; ``users`` must be readable
# before anyone is signed in (sign-in looks an account up by email).
PER_USER_TABLES = [
    "user_profiles",
    "subscriptions",
    "encrypted_financial_profiles",
    "user_income_due_dates",
    "user_expense_due_dates",
    "daily_cashflow",
    "important_dates",
    "user_goals",
    "user_health_checkins",
    "health_correlations",
    "career_profiles",
    "income_comparisons",
    "alerts",
    "alert_subscriptions",
    "bi_users",
    "analytics_events",
    "cohort_memberships",
    "api_response_times",
    "error_logs",
]

CREATE_ROLES = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STAFF_ROLE}') THEN
        CREATE ROLE {STAFF_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} LOGIN NOINHERIT;
    END IF;
    -- A role made elsewhere with more power than designed would switch RLS off silently.
    IF EXISTS (
        SELECT FROM pg_roles
        WHERE rolname IN ('{APP_ROLE}', '{STAFF_ROLE}') AND (rolsuper OR rolbypassrls OR rolcreaterole)
    ) THEN
        RAISE EXCEPTION '{APP_ROLE} and {STAFF_ROLE} must not be superuser, BYPASSRLS or CREATEROLE';
    END IF;
    IF (SELECT rolinherit FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        ALTER ROLE {APP_ROLE} NOINHERIT;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP_ROLE}', current_database());
END
$$;
GRANT {STAFF_ROLE} TO {APP_ROLE};
GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {STAFF_ROLE};

-- Data privileges on every table; row-level security narrows the per-user ones.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}, {STAFF_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}, {STAFF_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}, {STAFF_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}, {STAFF_ROLE};

-- The migration history is the owner's business.
REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {APP_ROLE}, {STAFF_ROLE};
-- The audit trail is append-only for the runtime roles.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM {APP_ROLE}, {STAFF_ROLE};
REVOKE SELECT ON audit_logs FROM {APP_ROLE};

CREATE FUNCTION mingus_current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('mingus.user_id', true), '')::uuid $$;
"""

DROP_ROLES_GRANTS = f"""
DROP FUNCTION mingus_current_user_id();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}, {STAFF_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}, {STAFF_ROLE};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}, {STAFF_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}, {STAFF_ROLE};
REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}, {STAFF_ROLE};
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM {APP_ROLE}', current_database());
END
$$;
"""

_COMMANDS = {
    "select": ("USING", None),
    "insert": (None, "WITH CHECK"),
    "update": ("USING", "WITH CHECK"),
    "delete": ("USING", None),
}
_MINE = "user_id = (SELECT mingus_current_user_id())"


def _policy(table: str, who: str, role: str, command: str, condition: str) -> str:
    using, check = _COMMANDS[command]
    clauses = " ".join(f"{clause} ({condition})" for clause in (using, check) if clause)
    return f"CREATE POLICY {table}_{who}_{command} ON {table} FOR {command.upper()} TO {role} {clauses};"


def enable_sql(table: str) -> str:
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;",
    ]
    for command in _COMMANDS:
        statements.append(_policy(table, "app", APP_ROLE, command, _MINE))
        statements.append(_policy(table, "staff", STAFF_ROLE, command, "true"))
        statements.append(_policy(table, "owner", "CURRENT_USER", command, "true"))
    return "\n".join(statements)


def disable_sql(table: str) -> str:
    statements = [
        f"DROP POLICY {table}_{who}_{command} ON {table};" for command in _COMMANDS for who in ("app", "staff", "owner")
    ]
    statements += [
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;",
    ]
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0002_import_bookkeeping"),
        ("accounts", "0003_staff_groups"),
        ("finance", "0001_initial"),
        ("health", "0001_initial"),
        ("career", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE_ROLES, reverse_sql=DROP_ROLES_GRANTS),
        *(migrations.RunSQL(enable_sql(table), reverse_sql=disable_sql(table)) for table in PER_USER_TABLES),
    ]
