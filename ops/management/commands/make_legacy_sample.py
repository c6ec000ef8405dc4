from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.sample import make_legacy_sample


class Command(BaseCommand):
    help = "Write the five legacy SQLite files, with every documented defect, to DIR (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--scale", type=float, default=1.0, help="1 = production size (~11k rows).")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, directory, scale, seed, **options):
        try:
            summary = make_legacy_sample(directory=directory, scale=scale, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(summary.row_counts.values()) if isinstance(summary.row_counts, dict) else summary.row_counts
        self.stdout.write(
            f"Wrote {total} rows in {summary.elapsed_seconds:.1f} s to {directory}\n"
            f"Legacy keys and passwords: {directory / 'sample-info.json'}"
        )
