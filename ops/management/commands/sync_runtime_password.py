from django.core.management.base import BaseCommand

from mingus.db_roles import sync_runtime_password


class Command(BaseCommand):
    help = "Set the runtime role's database password to the one in DATABASE_URL (runs on DATABASE_OWNER_URL)."

    def handle(self, *args, **options):
        if sync_runtime_password():
            self.stdout.write("runtime role password set from DATABASE_URL")
        else:
            self.stdout.write("nothing to do: DATABASE_URL has no password or is the owner login")
