from django.db import models
from django.utils import timezone

from mingus.db import UUIDModel, choices_check


class AuditSource(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    TASK = "task", "Celery task"
    IMPORT = "import", "Import"
    SHELL = "shell", "Shell / command"
    LEGACY = "legacy", "Legacy app"


class AuditLog(UUIDModel):
    """One audited event: a row change or an application event.

    ``user_id`` is deliberately not a foreign key: audit entries outlive the
    accounts they mention and must never be touched by a cascade.
    """

    created_at = models.DateTimeField(default=timezone.now)
    user_id = models.UUIDField(null=True, blank=True, help_text="The person the entry is about.")
    actor = models.TextField(null=True, blank=True, help_text="Who acted: staff user, user, task or import run.")
    action = models.CharField(max_length=50)
    source = models.CharField(max_length=20, null=True, blank=True, choices=AuditSource.choices)
    entity_type = models.CharField(max_length=64, null=True, blank=True)
    entity_id = models.CharField(max_length=64, null=True, blank=True)
    changes = models.JSONField(null=True, blank=True)
    details = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        db_table = "audit_logs"
        constraints = [choices_check("source", AuditSource, name="audit_logs_source_valid")]
        indexes = [
            models.Index(fields=["created_at"], name="audit_logs_created_idx"),
            models.Index(fields=["user_id", "created_at"], name="audit_logs_user_created_idx"),
            models.Index(fields=["entity_type", "entity_id"], name="audit_logs_entity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type or ''} {self.entity_id or ''}".strip()
