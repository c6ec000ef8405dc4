"""The two database logins: the runtime role every process uses, and the owner.

``DATABASE_URL`` is the runtime connection (role ``mingus_app``: owns nothing, no
superuser, no BYPASSRLS). ``DATABASE_OWNER_URL`` is the owner, used only by the
work that needs it: migrations (``manage.py migrate``) and the bulk legacy import
and its rollback, whose ``COPY`` into tables under row-level security PostgreSQL
allows only to roles that bypass RLS.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

# The database name stays the connection's own: the owner URL names the same
# database, and under tests the connection points at the test database.
_LOGIN_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


@contextlib.contextmanager
def owner_connection(*, using: str = "default") -> Iterator[None]:
    """Run the block on the owner login instead of the runtime one.

    The connection is closed and reopened with the owner's credentials (and
    forked workers inherit them). When the process already logs in as the owner
    (the test suite, single-URL development) only the current role is reset to
    the login role for the block, since a ``SET LOCAL ROLE`` may be in force.
    """
    connection = connections[using]
    owner = settings.DATABASE_OWNER
    if _same_login(connection.settings_dict, owner):
        if not connection.in_atomic_block:
            yield
            return
        # set_config('role', ...) is SET LOCAL ROLE with the name as a bound parameter.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('role')")
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('role', 'none', true)")
        yield
        if connection.is_usable() and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('role', %s, true)", [previous])
        return
    if connection.in_atomic_block:
        raise RuntimeError("owner_connection() cannot switch logins inside a transaction")
    saved = {key: connection.settings_dict.get(key) for key in _LOGIN_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in _LOGIN_KEYS if key in owner})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _same_login(current: dict, owner: dict) -> bool:
    return all(str(current.get(key) or "") == str(owner.get(key) or "") for key in ("USER", "HOST", "PORT"))


def runs_as_owner(function):
    """Decorate a service that must run on the owner login (see :func:`owner_connection`)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with owner_connection():
            return function(*args, **kwargs)

    return wrapper


def sync_runtime_password() -> bool:
    """Give the runtime login the password ``DATABASE_URL`` carries, on the owner connection.

    Migrations create the runtime role without a password (fine for trust or
    peer authentication). Where the server asks for one, the URL is the single
    place it is written down; this makes the role match it. Returns whether a
    password was set (no password in the URL, or one login for both: nothing to do).
    """
    runtime = settings.DATABASES["default"]
    if not runtime.get("PASSWORD") or _same_login(runtime, settings.DATABASE_OWNER):
        return False
    # Read before switching: the owner connection's credentials replace these in place.
    user, password = runtime["USER"], runtime["PASSWORD"]
    with owner_connection(), connections["default"].cursor() as cursor:
        # ALTER ROLE takes no bound parameters; quote the literals server-side.
        cursor.execute("SELECT format('ALTER ROLE %%I PASSWORD %%L', %s, %s)", [user, password])
        cursor.execute(cursor.fetchone()[0])
    return True
