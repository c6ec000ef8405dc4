import getpass

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.rollback import RollbackFailed, rollback_import


class Command(BaseCommand):
    help = "Remove exactly the rows an import run inserted (its quarantine and extras too)."

    def add_arguments(self, parser):
        parser.add_argument("run_id")

    def handle(self, *args, run_id, **options):
        try:
            result = rollback_import(run_id=run_id, actor=getpass.getuser())
        except RollbackFailed as exc:
            raise CommandError(str(exc)) from exc
        for table, count in result.deleted.items():
            self.stdout.write(f"{table}: {count} rows deleted")
        self.stdout.write(
            f"placeholders deleted: {result.placeholders_deleted}, quarantined rows deleted: "
            f"{result.quarantined_deleted}, extras deleted: {result.extras_deleted}"
        )
        if result.indexes_built_again:
            self.stdout.write(f"indexes the run had deferred, built again: {', '.join(result.indexes_built_again)}")
        self.stdout.write(f"Run {result.run_id} rolled back.")
