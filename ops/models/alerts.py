from django.conf import settings
from django.db import models
from django.utils import timezone

from mingus.db import UserOwnedModel, UUIDModel, choices_check


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


class AlertRule(UUIDModel):
    name = models.TextField()
    metric_name = models.TextField()
    operator = models.TextField()
    threshold = models.FloatField()
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    channel = models.TextField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "alert_rules"
        constraints = [choices_check("severity", AlertSeverity, name="alert_rules_severity_valid")]

    def __str__(self) -> str:
        return self.name


class Alert(UUIDModel):
    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.SET_NULL)
    # Alerts about the system as a whole have no user.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    title = models.TextField()
    message = models.TextField(null=True, blank=True)
    status = models.CharField(max_length=32, null=True, blank=True, default="open")
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "alerts"
        constraints = [choices_check("severity", AlertSeverity, name="alerts_severity_valid")]
        indexes = [
            models.Index(fields=["user", "created_at"], name="alerts_user_created_idx"),
            models.Index(fields=["created_at"], name="alerts_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class AlertNotification(UUIDModel):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE)
    channel = models.TextField()
    recipient = models.TextField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.TextField(null=True, blank=True)
    response_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "alert_notifications"

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient or '?'}"


class AlertSubscription(UserOwnedModel):
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE)
    channel = models.TextField()
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "alert_subscriptions"
        indexes = [models.Index(fields=["user", "rule"], name="alert_subs_user_rule_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.rule_id} via {self.channel}"
