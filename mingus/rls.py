"""Row-level security: which tables hold one person's rows, and the check that each is protected.

The policies themselves are SQL in migrations (``ops/migrations/0003_database_roles_and_rls.py``);
this module only finds the per-user tables from the live models so that a table
added later without its migration fails ``manage.py check`` instead of leaking.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection

from mingus.db import DOMAIN_APPS

# Tables with a user_id that are protected otherwise: the audit trail is
# append-only with its own privileges, and the account table must be readable
# before anyone is signed in.
EXEMPT_TABLES = frozenset({"users", "audit_logs"})


def per_user_tables() -> list[str]:
    """Every domain table with a ``user_id`` column, i.e. that holds one person's rows."""
    tables = set()
    for model in apps.get_models():
        if model._meta.app_label not in DOMAIN_APPS or model._meta.db_table in EXEMPT_TABLES:
            continue
        for field in model._meta.concrete_fields:
            if field.column == "user_id" and field.is_relation and field.related_model is _user_model():
                tables.add(model._meta.db_table)
    return sorted(tables)


def tables_without_forced_rls() -> list[str]:
    """Per-user tables where row-level security is not both enabled and forced."""
    tables = per_user_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        protected = {row[0] for row in cursor.fetchall()}
    return [table for table in tables if table not in protected]


def _migrations_pending() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


@checks.register(checks.Tags.database)
def check_row_level_security(app_configs, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    try:
        if _migrations_pending():
            return []  # migrate is about to run (or must): judge the schema after it
        missing = tables_without_forced_rls()
    except DatabaseError as exc:
        return [checks.Warning(f"Could not read row-level security state: {exc}", id="mingus.W010")]
    if not missing:
        return []
    return [
        checks.Error(
            f"Per-user tables without forced row-level security: {', '.join(missing)}",
            hint="Add a migration that enables and forces RLS with the per-user policies "
            "(see ops/migrations/0003_database_roles_and_rls.py), then run migrate.",
            id="mingus.E010",
        )
    ]
