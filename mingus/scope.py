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
    values = {key: value for key, value in (("actor", actor), ("source", source), ("request_id", request_id))}
    with transaction.atomic(using=using):
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, " + ", ".join("current_setting(%s, true)" for _ in _SETTINGS), list(_SETTINGS)
            )
            previous_role, *previous = cursor.fetchone()
            if user_id is not None:
                _set(cursor, USER_SETTING, str(uuid.UUID(str(user_id))))
                _set_role(cursor, APP_ROLE)
            elif staff:
                _set_role(cursor, STAFF_ROLE)
            for key, value in values.items():
                if value is not None:
                    _set(cursor, _AUDIT_SETTINGS[key], str(value))
        yield
        if connection.needs_rollback:
            return  # the rollback about to happen undoes the SET LOCALs
        # Leaving normally: put the outer scope back, since an inner scope's
        # savepoint release keeps SET LOCAL values until the outer transaction
        # ends. On an exception the savepoint (or transaction) rollback undoes them.
        with connection.cursor() as cursor:
            for name, value in zip(_SETTINGS, previous, strict=True):
                _set(cursor, name, value or "")
            _set_role(cursor, previous_role)


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


def _set(cursor, name: str, value: str) -> None:
    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _set_role(cursor, role: str) -> None:
    # A role name cannot be a bound parameter; quote it as an identifier.
    quoted = '"' + role.replace('"', '""') + '"'
    cursor.execute(f"SET LOCAL ROLE {quoted}")


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


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(request) -> str:
    # Keep a proxy's id so log lines join up, but only if it is harmless.
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _admin_prefix() -> str:
    from django.urls import reverse

    return reverse("admin:index")
