import json
import sys
import time
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.importer import ImportFailed, import_legacy_dir


class Command(BaseCommand):
    help = "Import the five legacy SQLite files in DIR into the unified schema (see README)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Do all the work, then roll it back.")
        parser.add_argument("--only", action="append", metavar="TABLE", help="Only this table (repeatable).")
        parser.add_argument("--batch-size", type=int, default=50_000, help="Rowids per chunk (default 50000).")
        parser.add_argument("--workers", type=int, default=None, help="Worker processes (default: CPU count).")
        parser.add_argument("--report-json", type=Path, help="Write the run report as JSON here.")
        parser.add_argument(
            "--cache-cutoff",
            type=datetime.fromisoformat,
            help="cache.db rows expiring before this ISO time are skipped (default: now).",
        )
        parser.add_argument("--started-by", default=None, help="Who runs the import (default: OS user).")

    def handle(self, *args, directory, dry_run, only, batch_size, workers, report_json, cache_cutoff, **options):
        import getpass

        progress = _TerminalProgress(self.stdout) if sys.stdout.isatty() else _LogProgress(self.stdout)
        try:
            result = import_legacy_dir(
                directory=directory,
                dry_run=dry_run,
                only=only,
                batch_size=batch_size,
                workers=workers,
                cache_cutoff=cache_cutoff,
                started_by=options["started_by"] or getpass.getuser(),
                progress=progress,
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        report = result.report
        if report_json:
            report_json.write_text(json.dumps(report, indent=2, default=str))
        self.stdout.write(_summary(report, resumed=result.resumed))


def _summary(report: dict, *, resumed: bool) -> str:
    lines = [""]
    header = f"{'table':<46} {'read':>9} {'inserted':>9} {'present':>9} {'quarant.':>9} {'skipped':>9}"
    lines += [header, "-" * len(header)]
    for t in report["tables"]:
        name = f"{t['source_file']}:{t['source_table']} → {t['target_table']}"
        lines.append(
            f"{name:<46} {t['read']:>9} {t['inserted']:>9} {t['already_present']:>9} "
            f"{t['quarantined']:>9} {t['skipped']:>9}"
        )
        for code, count in sorted(t["quarantine_reasons"].items()):
            lines.append(f"    quarantined {count} x {code}")
        for note, count in sorted(t["normalised"].items()):
            lines.append(f"    {count} x {note}")
        if t["extra_columns_kept"]:
            lines.append(f"    columns kept in ops_legacy_extras: {', '.join(t['extra_columns_kept'])}")
        if not t["known_to_contract"]:
            lines.append("    table unknown to the contract: rows kept whole in ops_legacy_extras")
    totals = report["totals"]
    lines.append("-" * len(header))
    lines.append(
        f"{'total':<46} {totals['read']:>9} {totals['inserted']:>9} {totals['already_present']:>9} "
        f"{totals['quarantined']:>9} {totals['skipped']:>9}"
    )
    lines.append(f"placeholder accounts created for deleted users: {report['placeholders_created']}")
    lines.append(
        f"timings (s): {report['timings']}, load rows/s: {report['rows_per_second']}, "
        f"row encoder: {report['row_encoder']}"
    )
    if report["dry_run"]:
        lines.append("DRY RUN: everything above was rolled back; the database is unchanged.")
    else:
        verb = "resumed and finished" if resumed else "finished"
        lines.append(f"Import run {report['run_id']} {verb}; backup of the sources: {report['backup_path']}")
    return "\n".join(lines)


class _LogProgress:
    """Plain log lines when the output is not a terminal."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.tables: dict[str, dict] = {}
        self.last = 0.0

    def __call__(self, event: str, data: dict) -> None:
        if event == "phase":
            self.stdout.write(f"{data['name']}...")
        elif event == "run":
            self.stdout.write(f"import run {data['run_id']}{' (resumed)' if data['resumed'] else ''}")
        elif event == "placeholders":
            self.stdout.write(f"placeholder accounts: {data['created']} created for {data['orphans']} deleted users")
        elif event == "indexes":
            names = ", ".join(data["indexes"]) or "none left"
            self.stdout.write(f"{data['table']}: indexes built again after the load: {names} ({data['seconds']} s)")
        elif event == "table_start":
            self.tables[data["key"]] = {"total": data["total"], "done": data["done"], "seconds": 0.0}
        elif event == "unit":
            result = data["result"]
            table = self.tables[result.key]
            table["done"] += result.read
            table["seconds"] += result.seconds
            if table["done"] >= table["total"]:
                rate = table["done"] / table["seconds"] if table["seconds"] else 0
                self.stdout.write(f"{result.key}: {table['done']}/{table['total']} rows ({rate:,.0f} rows/s)")
            elif time.monotonic() - self.last > 5:
                self.stdout.write(f"{result.key}: {table['done']}/{table['total']} rows")
                self.last = time.monotonic()

    def close(self) -> None:
        pass


class _TerminalProgress:
    """One tqdm bar per table, with rows/s."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.bars: dict = {}
        self.log = _LogProgress(stdout)

    def __call__(self, event: str, data: dict) -> None:
        from tqdm import tqdm

        if event == "table_start":
            self.bars[data["key"]] = tqdm(
                total=data["total"],
                initial=data["done"],
                desc=data["key"][:40].ljust(40),
                unit="rows",
                unit_scale=True,
                position=len(self.bars),
                leave=True,
                dynamic_ncols=True,
            )
        elif event == "unit":
            self.bars[data["result"].key].update(data["result"].read)
        else:
            self.log(event, data)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
