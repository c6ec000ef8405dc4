from django.conf import settings
from django.core.management.base import BaseCommand

from mingus.accounts.services import ensure_admin_login


class Command(BaseCommand):
    help = "Create a development superuser (or show the one created before) and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, email, **options):
        login = ensure_admin_login(email=email, credentials_path=settings.VAR_DIR / "admin-login.txt")
        verb = "Created" if login.created else "Existing"
        password = login.password or "(changed since it was generated; use yours or `manage.py changepassword`)"
        self.stdout.write(f"{verb} admin login: {login.email} / {password}")
