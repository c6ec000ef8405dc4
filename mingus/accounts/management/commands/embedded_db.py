from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mingus.embedded_db import stop_embedded_database


class Command(BaseCommand):
    help = "Show or stop the embedded PostgreSQL server (only used when DATABASE_URL is unset)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if not settings.EMBEDDED_DATABASE:
            raise CommandError("DATABASE_URL is set: no embedded server is in use.")
        if action == "stop":
            stopped = stop_embedded_database(var_dir=settings.VAR_DIR)
            self.stdout.write("stopped" if stopped else "not running")
            return
        db, owner = settings.DATABASES["default"], settings.DATABASE_OWNER
        self.stdout.write(
            f"running: data {settings.VAR_DIR / 'pgdata'}, socket {db['HOST']}, port {db['PORT']}, "
            f"database {db['NAME']}\n"
            f"psql as the runtime role: psql -h {db['HOST']} -p {db['PORT']} -U {db['USER']} {db['NAME']}\n"
            f"psql as the owner:        psql -h {db['HOST']} -p {db['PORT']} -U {owner['USER']} {db['NAME']}"
        )
