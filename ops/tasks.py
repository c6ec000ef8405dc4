"""Celery tasks of the ops app: thin wrappers over services."""

from celery import shared_task

from ops.audit_seal import seal_audit_log


@shared_task(name="ops.seal_audit_log")
def seal_audit_log_task() -> dict:
    """Seal the audit log (schedule it with django-celery-beat, e.g. hourly; the service takes staff reach)."""
    seals = seal_audit_log()
    return {"seals": [seal.number for seal in seals], "entries": sum(seal.row_count for seal in seals)}
