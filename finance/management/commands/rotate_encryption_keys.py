import getpass

from django.core.management.base import BaseCommand, CommandError

from finance.key_rotation import DEFAULT_BATCH_SIZE, rotate_encryption_keys
from ops.models import AuditSource


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the newest key of FIELD_ENCRYPTION_KEYS, in batches. "
        "Safe to interrupt and run again; fails (exit 1) if a value no key decrypts is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="Rows per transaction.")

    def handle(self, *args, batch_size, **options):
        def progress(column):
            self.stdout.write(
                f"{column.table}.{column.column}: {column.scanned} scanned, {column.rotated} rotated, "
                f"{column.already_current} already under the newest key, {len(column.undecryptable)} undecryptable"
            )

        report = rotate_encryption_keys(
            batch_size=batch_size,
            progress=progress if options["verbosity"] >= 2 else None,
            actor=f"shell:{getpass.getuser()}",
            source=AuditSource.SHELL,
        )
        self.stdout.write(
            f"Key {report.newest_key_id} (newest of {report.keyring_size}): {report.scanned} values scanned, "
            f"{report.rotated} re-encrypted, {report.already_current} already under it, in {report.seconds:.1f} s."
        )
        if report.undecryptable:
            lines = [f"{where}: {', '.join(ids)}" for where, ids in report.undecryptable.items()]
            raise CommandError(
                "These values could not be decrypted with any key of FIELD_ENCRYPTION_KEYS and were left as they "
                "are; do not remove an old key until they are resolved:\n" + "\n".join(lines)
            )
        if report.keyring_size > 1:
            self.stdout.write("Every value is now under the newest key: the older keys can be removed.")
