"""Staff groups: who on the staff may reach what in the admin.

The definitions here are the source of truth. The data migration
``accounts/0003_staff_groups`` carries a frozen copy (a migration must not
import code that changes later), and later migrations add to it
(``STAFF_GROUP_PERMISSIONS_ADDED``, as ``accounts/0005``); a test keeps them
equal to these, and another checks that a migrated database holds exactly
these groups. Changing a group means a new migration.

Superusers are not a group: they stay Django superusers and can do everything.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from mingus.accounts.models import User

SUPPORT = "Support"
OPERATIONS = "Operations"
AUDITOR = "Auditor"

# Customer data Support may read (every model of these apps), and nothing else of it.
_USER_DATA_MODELS = (
    "accounts.user",
    "accounts.userprofile",
    "finance.subscription",
    "finance.encryptedfinancialprofile",
    "finance.userincomeduedate",
    "finance.userexpenseduedate",
    "finance.dailycashflow",
    "finance.importantdate",
    "finance.usergoal",
    "health.userhealthcheckin",
    "health.healthcorrelation",
    "career.careerprofile",
    "career.incomecomparison",
    "career.incomebenchmark",
)
_MONITORING_MODELS = (
    "ops.performancemetric",
    "ops.apiresponsetime",
    "ops.dbquerystat",
    "ops.systemmetric",
    "ops.perfalert",
    "ops.errorlog",
    "ops.alertrule",
    "ops.alert",
    "ops.alertnotification",
    "ops.alertsubscription",
    "ops.systemsetting",
)


def _view(models: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{label.split('.')[0]}.view_{label.split('.')[1]}" for label in models)


# Permissions that no model's Meta declares: ops work that is not an edit of a
# row. (app_label, model, codename) -> name; the migration creates them.
CUSTOM_PERMISSIONS: dict[tuple[str, str, str], str] = {
    ("ops", "importrun", "run_import"): "Can run, resume and roll back legacy imports",
    ("ops", "systemsetting", "run_backup"): "Can take and verify backups",
    ("ops", "systemsetting", "run_maintenance"): "Can run maintenance tasks",
}

# Group name -> "app_label.codename" of every permission the group holds, exactly.
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Reads user data; never reveals decrypted financial data, never exports or erases.
    SUPPORT: _view(_USER_DATA_MODELS),
    # Runs imports, backups and maintenance; watches monitoring and alerts.
    OPERATIONS: (
        "ops.view_importrun",
        "ops.change_importrun",
        "ops.view_quarantinedrow",
        "ops.change_quarantinedrow",
        "ops.view_importchunk",
        "ops.view_legacyextra",
        "ops.view_deferredindex",
        "ops.run_import",
        "ops.run_backup",
        "ops.run_maintenance",
        *_view(_MONITORING_MODELS),
    ),
    # Reads the audit trail and its seals, nothing else.
    AUDITOR: ("ops.view_auditlog", "ops.view_auditseal"),
}

# Never granted to any group: superusers only, or a per-person grant by a superuser.
RESERVED_PERMISSIONS = (
    "finance.reveal_financial_data",
    "accounts.export_user_data",
    "accounts.erase_user_data",
)


def permissions_for(*, group: str) -> list[Permission]:
    """The Permission rows of a group's definition; raises if one does not exist in the database."""
    wanted = GROUP_PERMISSIONS[group]
    query = Q()
    for label in wanted:
        app_label, codename = label.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    missing = set(wanted) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise LookupError(f"Permissions of group {group} missing from the database: {sorted(missing)}")
    return found


def staff_group_drift() -> dict[str, dict[str, list[str]]]:
    """How the groups in the database differ from the definitions (empty when they match).

    ``{group: {"missing": [...], "extra": [...]}}``; a group absent from the
    database has every permission missing.
    """
    drift: dict[str, dict[str, list[str]]] = {}
    for name, wanted in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        held = set()
        if group is not None:
            held = {
                f"{app_label}.{codename}"
                for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
            }
        missing, extra = sorted(set(wanted) - held), sorted(held - set(wanted))
        if missing or extra or group is None:
            drift[name] = {"missing": missing, "extra": extra}
    return drift


def add_staff_member(*, user: User, group: str) -> User:
    """Give an account staff access (admin login) as a member of one staff group.

    Other groups the account is in are kept; superuser status is not touched.
    """
    if group not in GROUP_PERMISSIONS:
        raise ValueError(f"Unknown staff group {group!r}; known: {', '.join(GROUP_PERMISSIONS)}")
    with transaction.atomic():
        user.is_staff = True
        user.save(update_fields=["is_staff", "updated_at"])
        user.groups.add(Group.objects.get(name=group))
    return user
