import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.assess import assess_legacy_dir, render_assessment
from ops.legacy.sqlite_backup import DEFAULT_BUSY_TIMEOUT


class Command(BaseCommand):
    help = (
        "Assess a directory of legacy SQLite files against the contract (read-only): sizes, WAL, "
        "integrity, row counts, storage classes per column, drift, name conflicts."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="directory holding the legacy .db files")
        parser.add_argument("--json", type=Path, metavar="PATH", help="also write the full assessment as JSON")
        parser.add_argument(
            "--flagged-only",
            action="store_true",
            help="list only columns with mixed storage classes or drift (default: every column)",
        )
        parser.add_argument(
            "--busy-timeout",
            type=float,
            default=DEFAULT_BUSY_TIMEOUT,
            metavar="SECONDS",
            help=f"how long to wait for a file another process has locked (default {DEFAULT_BUSY_TIMEOUT:g})",
        )

    def handle(self, *args, **options):
        try:
            assessment = assess_legacy_dir(directory=options["directory"], busy_timeout=options["busy_timeout"])
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render_assessment(assessment, all_columns=not options["flagged_only"]), ending="")
        if options["json"]:
            options["json"].write_text(json.dumps(assessment.to_dict(), indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"JSON written to {options['json']}")
        if not assessment.ok:
            raise CommandError(f"{len(assessment.problems)} file problem(s): " + "; ".join(assessment.problems))
