"""The Operations group may also view the indexes an import deferred (ops.DeferredIndex, ops 0006).

Declared in ``STAFF_GROUP_PERMISSIONS_ADDED`` like 0005's grant, which the
staff-groups test adds to 0003's definitions before comparing them with
``mingus/accounts/staff.py``. The functions repeat 0005's on purpose: a
migration keeps the code it ran with.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUP_PERMISSIONS_ADDED = {"Operations": ("ops.view_deferredindex",)}


def _permissions(apps, alias, labels):
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for label in labels:
        app_label, codename = label.split(".", 1)
        permissions.append(Permission.objects.using(alias).get(content_type__app_label=app_label, codename=codename))
    return permissions


def grant(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    # post_migrate, which normally creates permissions, has not run yet.
    create_permissions(global_apps.get_app_config("ops"), apps=apps, using=alias, verbosity=0)
    for group_name, labels in STAFF_GROUP_PERMISSIONS_ADDED.items():
        group, _ = Group.objects.using(alias).get_or_create(name=group_name)
        group.permissions.add(*_permissions(apps, alias, labels))


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for group_name, labels in STAFF_GROUP_PERMISSIONS_ADDED.items():
        group = Group.objects.using(alias).filter(name=group_name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, alias, labels))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_auditor_views_audit_seals"),
        ("ops", "0006_import_deferred_indexes"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
