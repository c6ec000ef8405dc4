"""Who a database transaction acts for: the row-level-security reach and the audit context.

Everything here is transaction-local (``SET LOCAL ROLE`` and
``set_config(name, value, true)``), so nothing can outlive the transaction and
leak to the next request or task that reuses a persistent connection.

Reach is taken from PostgreSQL roles, never from a setting any SQL could write:

* ``mingus_app`` (the runtime login role) sees, in every per-user table, only
  the rows whose ``user_id`` equals ``mingus.user_id``; with no user set it sees
  none. :func:`db_scope` with ``user_id`` drops to it.
* ``mingus_staff`` reaches every user's rows through explicit policies. The
  runtime role holds it without inheriting it (``NOINHERIT``), so it must be
  taken on purpose with ``SET LOCAL ROLE``: :func:`db_scope` with ``staff=True``,
  which the admin middleware does for signed-in staff and commands do for
  operations.

The audit context (``mingus.actor``, ``mingus.source``, ``mingus.request_id``)
only labels what the triggers record; it grants nothing.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator

from django.db import connections, transaction

APP_ROLE = "mingus_app"
STAFF_ROLE = "mingus_staff"

USER_SETTING = "mingus.user_id"
_AUDIT_SETTINGS = {"actor": "mingus.actor", "source": "mingus.source", "request_id": "mingus.request_id"}
_SETTINGS = (USER_SETTING, *_AUDIT_SETTINGS.values())


@contextlib.contextmanager
def db_scope(
    *,
    user_id: uuid.UUID | str | None = None,
    staff: bool = False,
    actor: str | None = None,
    source: str | None = None,
    request_id: str | None = None,
    using: str = "default",
) -> Iterator[None]:
    """Run the block in one transaction with the given reach and audit context.

    ``user_id``: act as that person (role ``mingus_app``, rows of that user only).
    ``staff``: act with staff reach (role ``mingus_staff``). Both at once is an error.
    Neither: keep the connection's current role (the runtime role sees no per-user rows).

    Scopes nest: on leaving an inner scope the outer scope's role and settings
    are restored, even when the outer transaction goes on.
    """
    if user_id is not None and staff:
        raise ValueError("db_scope: a transaction acts either for one user or with staff reach, not both")
    wanted: dict[str, str] = {}
    if user_id is not None:
        # Parsed before any SQL: a user id that is not a UUID never reaches the database.
        wanted[USER_SETTING] = str(uuid.UUID(str(user_id)))
        wanted["role"] = APP_ROLE
    elif staff:
        wanted["role"] = STAFF_ROLE
    for key, value in (("actor", actor), ("source", source), ("request_id", request_id)):
        if value is not None:
            wanted[_AUDIT_SETTINGS[key]] = str(value)
    connection = connections[using]
    # The outermost scope needs no restoring: COMMIT or ROLLBACK ends every SET LOCAL.
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        previous = None if outermost else _read_settings(connection, list(wanted))
        _apply_settings(connection, wanted)
        yield
        if previous and not connection.needs_rollback:
            # Leaving an inner scope normally: its savepoint release keeps the SET LOCAL
            # values until the outer transaction ends, so put the outer scope's back.
            # (On an exception or rollback the savepoint rollback undoes them.)
            _apply_settings(connection, previous)


def user_scope(user_id: uuid.UUID | str, **audit) -> contextlib.AbstractContextManager[None]:
    """Act as one person: only their rows are visible or writable."""
    return db_scope(user_id=user_id, **audit)


def staff_scope(**audit) -> contextlib.AbstractContextManager[None]:
    """Act with staff reach (every user's rows), for admin, commands and maintenance."""
    return db_scope(staff=True, **audit)


def current_scope(*, using: str = "default") -> dict[str, str | None]:
    """The role and settings in force on the connection (for tests and diagnostics)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT current_user, " + ", ".join("NULLIF(current_setting(%s, true), '')" for _ in _SETTINGS),
            list(_SETTINGS),
        )
        role, user_id, actor, source, request_id = cursor.fetchone()
    return {"role": role, "user_id": user_id, "actor": actor, "source": source, "request_id": request_id}


def _read_settings(connection, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s, true)" for _ in names), names)
        return {name: value or "" for name, value in zip(names, cursor.fetchone(), strict=True)}


def _apply_settings(connection, values: dict[str, str]) -> None:
    """Set everything in one round trip; ``role`` via set_config is ``SET LOCAL ROLE``, membership checked."""
    if not values:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in values),
            [item for pair in values.items() for item in pair],
        )


class RequestScopeMiddleware:
    """Run each request in one transaction scoped to whoever makes it.

    Signed-in active staff get staff reach; other signed-in users only their
    own rows; anonymous requests no per-user rows at all. The whole response,
    template rendering included, is produced inside the transaction, so a lazy
    queryset evaluated while rendering is still scoped. A 5xx response rolls
    the transaction back, as an exception would.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        if request.path.startswith(_NO_DATABASE_PATHS):
            return self.get_response(request)  # liveness must not depend on the database
        user = getattr(request, "user", None)
        source = "admin" if request.path.startswith(_admin_prefix()) else "api"
        audit = {"source": source, "request_id": request.request_id}
        if user is not None and user.is_authenticated and user.is_active and user.is_staff:
            scope = staff_scope(actor=f"staff:{user.get_username()}", **audit)
        elif user is not None and user.is_authenticated and user.is_active:
            scope = user_scope(user.pk, actor=f"user:{user.pk}", **audit)
        else:
            scope = db_scope(**audit)
        with scope:
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        response.headers.setdefault("X-Request-ID", request.request_id)
        return response


def task_audit(task) -> dict[str, str]:
    """The audit context for a Celery task: ``with staff_scope(**task_audit(self)):``."""
    return {"actor": f"task:{task.name}", "source": "task", "request_id": str(task.request.id or "")}


_NO_DATABASE_PATHS = ("/health/live",)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(request) -> str:
    # Keep a proxy's id so log lines join up, but only if it is harmless.
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _admin_prefix() -> str:
    from django.urls import reverse

    return reverse("admin:index")
