import getpass

from django.core.management.base import BaseCommand, CommandError

from mingus.accounts.models import User
from mingus.accounts.personal_data import erase_user, preview_erasure, resolve_user
from ops.models import AuditSource


class Command(BaseCommand):
    help = (
        "Erase one user: their rows deleted or anonymised per the erasure policy, the account deleted, "
        "their audit entries pseudonymised. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The user's id or email.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, user, yes, **options):
        try:
            account = resolve_user(identifier=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with id or email {user!r}.") from exc
        self.stdout.write(f"Erasing {account.email} ({account.pk}) will:")
        for reference, count in preview_erasure(user_id=account.pk):
            if count:
                self.stdout.write(f"  {reference.policy.erase} {count} rows of {reference.key}")
        self.stdout.write("  delete the account and pseudonymise its audit entries")
        if not yes:
            try:
                answer = input(f"Type the user's email ({account.email}) to confirm: ")
            except EOFError as exc:  # no terminal to ask on
                raise CommandError("Not confirmed: run again with --yes to erase without a prompt.") from exc
            if answer.strip().lower() != account.email.lower():
                raise CommandError("Not confirmed; nothing was erased.")
        report = erase_user(user_id=account.pk, actor=f"shell:{getpass.getuser()}", source=AuditSource.SHELL)
        self.stdout.write(
            f"Erased user {report.user_id}: {sum(report.deleted.values())} rows deleted, "
            f"{sum(report.anonymised.values())} rows anonymised."
        )
