"""Sign-in, sign-out, failed sign-in and changes of staff reach go into the audit trail.

Connected in :meth:`mingus.accounts.apps.AccountsConfig.ready`. The entry names
the account (its email, or the username someone tried), the client address
and, for a failure, whether sign-in was refused because of a lockout. Never a
password: Django hands the receivers credentials with the password masked, and
only the username is read from them.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed

from mingus.accounts.login_protection import attempted_username, client_ip
from mingus.accounts.models import User
from ops.audit import record_event
from ops.models import AuditSource

LOGIN = "login"
LOGOUT = "logout"
LOGIN_FAILED = "login_failed"
ACCESS_CHANGED = "access_changed"
# Django's AuthenticationForm posts the login (the email here) as "username".
_USERNAME_KEYS = ("username", "email")


def record_login(*, sender, request, user, **kwargs) -> None:
    """Audit a successful sign-in."""
    _record(action=LOGIN, user=user, request=request)


def record_logout(*, sender, request, user, **kwargs) -> None:
    """Audit a sign-out (of a signed-in user; an anonymous logout changes nothing)."""
    if user is not None:
        _record(action=LOGOUT, user=user, request=request)


def record_login_failed(*, sender, credentials, request=None, reason=None, **kwargs) -> None:
    """Audit a failed sign-in: wrong password, unknown or inactive account, no admin access, or locked out."""
    username = next((credentials[key] for key in _USERNAME_KEYS if credentials.get(key)), None)
    normalised = attempted_username(request, {"username": username}) if username else None
    account = User.objects.filter(email__iexact=normalised).only("id").first() if normalised else None
    record_event(
        action=LOGIN_FAILED,
        actor=normalised,
        source=AuditSource.ADMIN,
        user_id=account.pk if account else None,
        entity_type="users" if account else None,
        entity_id=account.pk if account else None,
        details={
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
            **({"reason": reason} if reason else {}),
        },
        ip_address=client_ip(request) if request is not None else None,
    )


def _record(*, action: str, user: User, request) -> None:
    record_event(
        action=action,
        actor=user.email,
        source=AuditSource.ADMIN,
        user_id=user.pk,
        entity_type="users",
        entity_id=user.pk,
        ip_address=client_ip(request) if request is not None else None,
    )


def record_access_change(*, sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """Audit who got or lost a staff group or a permission.

    The membership tables (``users_groups``, ``users_user_permissions``,
    ``auth_group_permissions``) are Django's auto-created many-to-many tables,
    which carry no row triggers, so these changes are recorded here instead.
    """
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    relation = {User.groups.through: "groups", User.user_permissions.through: "permissions"}.get(sender)
    if relation is None:  # Group.permissions
        relation = "group_permissions"
    if action == "pre_clear":
        # After the clear the removed members are gone; name them before.
        pk_set = set(_related_ids(instance, relation, reverse))
        if not pk_set:
            return
    names = sorted(str(obj) for obj in model._default_manager.filter(pk__in=pk_set or ()))
    user = instance if isinstance(instance, User) else None
    record_event(
        action=ACCESS_CHANGED,
        user_id=user.pk if user else None,
        entity_type=instance._meta.db_table,
        entity_id=instance.pk,
        details={
            "relation": relation,
            "change": {"post_add": "added", "post_remove": "removed", "pre_clear": "removed"}[action],
            # From the other side (group.user_set.add(...)) pk_set names users, not groups.
            "from_the_other_side": bool(reverse),
            "items": names,
        },
    )


def _related_ids(instance, relation: str, reverse: bool) -> list:
    if relation == "groups":
        manager = instance.user_set if reverse else instance.groups
    elif relation == "permissions":
        manager = instance.user_set if reverse else instance.user_permissions
    else:
        manager = instance.group_set if reverse else instance.permissions
    return list(manager.values_list("pk", flat=True))


def connect_signals() -> None:
    """Connect the receivers (idempotent: each has a dispatch uid)."""
    user_logged_in.connect(record_login, dispatch_uid="mingus.accounts.audit_login")
    user_logged_out.connect(record_logout, dispatch_uid="mingus.accounts.audit_logout")
    user_login_failed.connect(record_login_failed, dispatch_uid="mingus.accounts.audit_login_failed")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            record_access_change, sender=through, dispatch_uid=f"mingus.accounts.audit_{through.__name__}"
        )
