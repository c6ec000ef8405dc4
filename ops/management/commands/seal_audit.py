from django.core.management.base import BaseCommand, CommandError

from ops.audit_seal import DEFAULT_MAX_ROWS_PER_SEAL, SealChainBroken, SealingBusy, seal_audit_log


class Command(BaseCommand):
    help = "Seal the audit entries of every finished transaction not sealed yet (see verify_audit)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-rows",
            type=int,
            default=DEFAULT_MAX_ROWS_PER_SEAL,
            help="Entries per seal, about (default %(default)s).",
        )

    def handle(self, *args, max_rows, **options):
        try:
            seals = seal_audit_log(max_rows_per_seal=max_rows)
        except (SealingBusy, SealChainBroken) as exc:
            raise CommandError(str(exc)) from exc
        for seal in seals:
            self.stdout.write(str(seal))
        self.stdout.write(f"{len(seals)} new seal(s), {sum(seal.row_count for seal in seals)} entries sealed.")
