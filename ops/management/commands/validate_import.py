import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.validate import CannotValidate, ValidationReport, validate_import


class Command(BaseCommand):
    help = "Check a finished legacy import against its SQLite sources (README: Validating an import)."

    def add_arguments(self, parser):
        parser.add_argument(
            "run_id", nargs="?", type=uuid.UUID, help="Import run to check (default: latest succeeded)."
        )
        parser.add_argument("--source-dir", type=Path, help="Where the legacy files are now (default: the run's).")
        parser.add_argument("--json", type=Path, dest="json_path", metavar="PATH", help="Write the report as JSON.")
        parser.add_argument("--workers", type=int, default=None, help="Worker processes (default: CPU count).")

    def handle(self, *args, run_id, source_dir, json_path, workers, **options):
        try:
            report = validate_import(run_id=run_id, source_dir=source_dir, workers=workers, progress=self._progress)
        except CannotValidate as exc:
            raise CommandError(str(exc)) from exc
        if json_path:
            json_path.write_text(json.dumps(report.to_dict(), indent=2))
        self.stdout.write(_summary(report))
        if not report.ok:
            raise CommandError(f"validation of import run {report.run_id} failed: {len(report.problems)} problem(s)")

    def _progress(self, event: str, data: dict) -> None:
        if event == "phase":
            self.stdout.write(f"{data['name']}...")
        elif event == "table":
            findings = sum(data["findings"].values())
            self.stdout.write(
                f"rows {data['key']}: {data['source_rows']} source, {data['compared']} compared, "
                f"{findings} finding(s) ({data['seconds']:.2f} s)"
            )


def _summary(report: ValidationReport) -> str:
    checks = report.checks
    lines = ["", f"Import run {report.run_id}, sources {report.source_dir}"]
    lines += _section(checks["sources"], _sources_lines)
    lines += _section(checks["counts"], _counts_lines)
    lines += _section(checks["rows"], _rows_lines)
    if report.mismatches:
        lines.append("  first differing rows (file:table rowid column: source | target):")
        for m in report.mismatches:
            where = f"{m.source_file}:{m.source_table} rowid {m.rowid} {m.column or '(row)'}"
            lines.append(f"    {where} [{m.kind}]: {m.source} | {m.target}")
    lines += _section(checks["references"], _references_lines)
    lines += _section(checks["money"], _money_lines)
    lines += _section(checks["queries"], _queries_lines)
    seconds = report.timings.get("total", 0.0)
    imported = f"{report.import_seconds:.1f} s" if report.import_seconds is not None else "unknown"
    verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problem(s))"
    lines.append("")
    lines.append(
        f"Validation {verdict} in {seconds:.1f} s with {report.workers} worker(s); the import took {imported}."
    )
    return "\n".join(lines)


def _section(check, body) -> list[str]:
    lines = ["", f"== {check.name}: {check.title}: {'OK' if check.ok else 'FAILED'} ({check.seconds:.2f} s)"]
    lines += body(check.items)
    lines += [f"  PROBLEM {problem}" for problem in check.problems]
    lines += [f"  note: {note}" for note in check.notes]
    return lines


def _mark(ok: bool) -> str:
    return "ok" if ok else "DIFFERS"


def _sources_lines(items: list[dict]) -> list[str]:
    return [
        f"  {i['file']:<26} {(i['now'] or 'missing')[:16]:<16} recorded {(i['recorded'] or 'none')[:16]:<16} "
        f"{_mark(i['ok'])}"
        for i in items
    ]


def _counts_lines(items: list[dict]) -> list[str]:
    header = f"  {'table':<48} {'source':>8} {'target':>8} {'placeh.':>7} {'quarant.':>8} {'skipped':>8}"
    lines = [header]
    for i in items:
        lines.append(
            f"  {i['table']:<48} {i['source_rows']:>8} {i['target_rows']:>8} {i['placeholders']:>7} "
            f"{i['quarantined']:>8} {i['skipped']:>8}  {_mark(i['ok'])}"
        )
    return lines


def _rows_lines(items: list[dict]) -> list[str]:
    header = f"  {'table':<48} {'source':>8} {'compared':>8} {'matched':>8} {'findings':>8}"
    lines = [header]
    for i in items:
        findings = sum(i["findings"].values())
        lines.append(
            f"  {i['table']:<48} {i['source_rows']:>8} {i['compared']:>8} {i['matched']:>8} {findings:>8}"
            + (f"  columns: {i['differing_columns']}" if i["differing_columns"] else "")
        )
    return lines


def _references_lines(items: list[dict]) -> list[str]:
    return [f"  {i['column']:<52} -> {i['parent']:<22} dangling {i['dangling']}" for i in items]


def _money_lines(items: list[dict]) -> list[str]:
    return [
        f"  {i['column']:<48} source {i['source_sum']:>16} target {i['target_sum']:>16}  {_mark(i['ok'])}"
        for i in items
    ]


def _queries_lines(items: list[dict]) -> list[str]:
    return [
        f"  {i['query']:<28} user {i['user']:<6} {i['period']:<26} {_mark(i['ok'])}  {json.dumps(i['target'])[:60]}"
        for i in items
    ]
