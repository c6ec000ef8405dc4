"""Staff groups Support, Operations and Auditor, with exactly the permissions of their job.

The definitions are a frozen copy of ``mingus/accounts/staff.py`` as of this
migration (migrations must not import code that changes later);
``tests/accounts/test_staff_groups.py`` keeps the two equal. Later changes to
the groups belong in a new migration.

Permissions are normally created by ``post_migrate``, after every migration
has run, so this migration creates the ones it needs itself first. Running it
again (or on a database where the groups exist) leaves the groups with exactly
these permissions. The reverse deletes the three groups (and the custom ops
permissions this migration created).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = "Support"
OPERATIONS = "Operations"
AUDITOR = "Auditor"

CUSTOM_PERMISSIONS = {
    ("ops", "importrun", "run_import"): "Can run, resume and roll back legacy imports",
    ("ops", "systemsetting", "run_backup"): "Can take and verify backups",
    ("ops", "systemsetting", "run_maintenance"): "Can run maintenance tasks",
}

GROUP_PERMISSIONS = {
    SUPPORT: (
        "accounts.view_user",
        "accounts.view_userprofile",
        "finance.view_subscription",
        "finance.view_encryptedfinancialprofile",
        "finance.view_userincomeduedate",
        "finance.view_userexpenseduedate",
        "finance.view_dailycashflow",
        "finance.view_importantdate",
        "finance.view_usergoal",
        "health.view_userhealthcheckin",
        "health.view_healthcorrelation",
        "career.view_careerprofile",
        "career.view_incomecomparison",
        "career.view_incomebenchmark",
    ),
    OPERATIONS: (
        "ops.view_importrun",
        "ops.change_importrun",
        "ops.view_quarantinedrow",
        "ops.change_quarantinedrow",
        "ops.view_importchunk",
        "ops.view_legacyextra",
        "ops.run_import",
        "ops.run_backup",
        "ops.run_maintenance",
        "ops.view_performancemetric",
        "ops.view_apiresponsetime",
        "ops.view_dbquerystat",
        "ops.view_systemmetric",
        "ops.view_perfalert",
        "ops.view_errorlog",
        "ops.view_alertrule",
        "ops.view_alert",
        "ops.view_alertnotification",
        "ops.view_alertsubscription",
        "ops.view_systemsetting",
    ),
    AUDITOR: ("ops.view_auditlog",),
}

_APPS = ("accounts", "finance", "health", "career", "ops")


def create_staff_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    for label in _APPS:
        create_permissions(global_apps.get_app_config(label), apps=apps, using=alias, verbosity=0)
    for (app_label, model, codename), name in CUSTOM_PERMISSIONS.items():
        content_type, _ = ContentType.objects.using(alias).get_or_create(app_label=app_label, model=model)
        Permission.objects.using(alias).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )

    for group_name, labels in GROUP_PERMISSIONS.items():
        permissions = []
        for label in labels:
            app_label, codename = label.split(".", 1)
            # .get(): a permission that does not exist is a broken definition, not something to skip.
            permissions.append(
                Permission.objects.using(alias).get(content_type__app_label=app_label, codename=codename)
            )
        group, _ = Group.objects.using(alias).get_or_create(name=group_name)
        # set(), not add(): a group of that name made by hand before keeps no extra reach.
        group.permissions.set(permissions)


def delete_staff_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.using(alias).filter(name__in=list(GROUP_PERMISSIONS)).delete()
    for app_label, model, codename in CUSTOM_PERMISSIONS:
        Permission.objects.using(alias).filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_legacy_import_fields"),
        ("ops", "0002_import_bookkeeping"),
        ("finance", "0001_initial"),
        ("health", "0001_initial"),
        ("career", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [
                    ("export_user_data", "Can export all of a user's data"),
                    ("erase_user_data", "Can erase a user's data"),
                ]
            },
        ),
        migrations.RunPython(create_staff_groups, delete_staff_groups),
    ]
