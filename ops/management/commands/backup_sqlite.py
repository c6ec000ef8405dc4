from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.legacy.sqlite_backup import COMPRESSION_LEVEL, DEFAULT_BUSY_TIMEOUT, BackupError, backup_legacy_dir


class Command(BaseCommand):
    help = (
        "Back up the legacy SQLite files of a directory: consistent copies (SQLite backup API, WAL included), "
        "zstd-compressed into BACKUP_DIR/<UTC timestamp>/ with manifest.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="directory holding the legacy .db files")
        parser.add_argument("--to", dest="destination", type=Path, required=True, metavar="BACKUP_DIR")
        parser.add_argument("--verify", action="store_true", help="check the new backup against its manifest")
        parser.add_argument("--level", type=int, default=COMPRESSION_LEVEL, help="zstd level (default %(default)s)")
        parser.add_argument(
            "--busy-timeout",
            type=float,
            default=DEFAULT_BUSY_TIMEOUT,
            metavar="SECONDS",
            help="how long to wait for a file another process has locked (default %(default)s)",
        )

    def handle(self, *args, **options):
        try:
            result = backup_legacy_dir(
                directory=options["directory"],
                destination=options["destination"],
                verify=options["verify"],
                busy_timeout=options["busy_timeout"],
                level=options["level"],
            )
        except BackupError as error:
            raise CommandError(f"backup failed, nothing written: {error}") from error
        for item in result.files:
            rows = sum(item.row_counts.values())
            self.stdout.write(
                f"{item.name:<28} {_mb(item.size):>10} -> {_mb(item.compressed_size):>10}  "
                f"{rows:>12,} rows  integrity {'; '.join(item.integrity_check)}  ({item.seconds:.1f} s)"
            )
        for name in result.missing:
            self.stderr.write(f"WARNING: {name} is not in {options['directory']}; it is not in this backup")
        self.stdout.write(f"Backup written to {result.path} in {result.seconds:.1f} s")
        if result.verify is None:
            return
        for check in result.verify.files:
            status = "OK  " if check.ok else "FAIL"
            self.stdout.write(f"{status} {check.name} ({check.seconds:.1f} s)")
            for problem in check.problems:
                self.stdout.write(f"     {problem}")
        if not result.verify.ok:
            failed = [check.name for check in result.verify.files if not check.ok] + result.verify.problems
            raise CommandError(f"verification of {result.path} failed: {', '.join(failed)}")
        self.stdout.write(f"Verified {len(result.verify.files)} files in {result.verify.seconds:.1f} s")


def _mb(size: int) -> str:
    return f"{size / 1_048_576:,.1f} MB"
