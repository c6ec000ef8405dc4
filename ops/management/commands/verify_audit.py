from django.core.management.base import BaseCommand, CommandError

from ops.audit_seal import verify_audit_log


class Command(BaseCommand):
    help = (
        "Verify the audit log against its seals: name every entry changed, deleted or inserted since it was "
        "sealed. Exits non-zero on tampering."
    )

    def handle(self, *args, **options):
        report = verify_audit_log()
        for problem in report.problems:
            self.stdout.write(f"PROBLEM: {problem}")
        for finding in report.findings:
            self.stdout.write(f"TAMPERED {finding}")
        accepted = ", ".join(f"{count} {what}" for what, count in sorted(report.accepted.items())) or "none"
        self.stdout.write(
            f"{report.seals} seal(s), {report.sealed_entries} sealed entries, {report.pending_entries} pending "
            f"(written since the last seal); retention accounted for: {accepted}."
        )
        if report.tampered:
            raise CommandError(
                f"the audit log has been tampered with: {len(report.findings)} entries, "
                f"{len(report.problems)} seal problem(s)"
            )
        self.stdout.write("The audit log matches its seals.")
