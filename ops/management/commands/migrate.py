"""``manage.py migrate`` on the owner login (``DATABASE_OWNER_URL``).

Migrations create tables, roles, policies and triggers, which the runtime role
may not; this keeps Django's own command and only changes who connects.
"""

from django.core.management.commands.migrate import Command as MigrateCommand

from mingus.db_roles import owner_connection


class Command(MigrateCommand):
    def execute(self, *args, **options):
        if options.get("database", "default") != "default":
            return super().execute(*args, **options)
        with owner_connection():
            return super().execute(*args, **options)
