import getpass
import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mingus.accounts.models import User
from mingus.accounts.personal_data import UndecryptableData, export_user_data, resolve_user
from ops.models import AuditSource


class Command(BaseCommand):
    help = (
        "Export everything of one user as JSON (their decrypted financial profiles included), "
        "read under row-level security as that user. The export is recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The user's id or email.")
        parser.add_argument("--output", type=Path, help="Write to this file (created private, mode 0600).")

    def handle(self, *args, user, output, **options):
        try:
            account = resolve_user(identifier=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with id or email {user!r}.") from exc
        try:
            data = export_user_data(user_id=account.pk, actor=f"shell:{getpass.getuser()}", source=AuditSource.SHELL)
        except UndecryptableData as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Decrypted personal data: readable by its owner only, and never a half-written file.
        temporary = output.with_name(f".{output.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temporary.replace(output)
        rows = sum(len(table) for table in data["tables"].values())
        self.stderr.write(f"Exported user {account.pk}: {rows} rows in {len(data['tables'])} tables to {output}")
