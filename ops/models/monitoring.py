from django.conf import settings
from django.db import models
from django.utils import timezone

from mingus.db import UUIDModel, choices_check, range_check
from ops.models.alerts import AlertSeverity


class PerformanceMetric(UUIDModel):
    metric_name = models.TextField()
    metric_value = models.FloatField(null=True, blank=True)
    unit = models.TextField(null=True, blank=True)
    tags = models.JSONField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "performance_metrics"
        indexes = [
            models.Index(fields=["recorded_at"], name="perf_metrics_recorded_idx"),
            models.Index(fields=["metric_name", "recorded_at"], name="perf_metrics_name_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_name}={self.metric_value}"


class ApiResponseTime(UUIDModel):
    endpoint = models.TextField()
    method = models.TextField(null=True, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    response_ms = models.FloatField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_response_times"
        constraints = [range_check("response_ms", low=0, name="api_response_times_ms_non_negative")]
        indexes = [
            models.Index(fields=["recorded_at"], name="api_times_recorded_idx"),
            models.Index(fields=["user", "recorded_at"], name="api_times_user_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.response_ms} ms"


class DbQueryStat(UUIDModel):
    query_fingerprint = models.TextField()
    calls = models.BigIntegerField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    mean_ms = models.FloatField(null=True, blank=True)
    max_ms = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "db_query_stats"
        verbose_name = "database query statistic"
        constraints = [
            range_check("calls", low=0, name="db_query_stats_calls_non_negative"),
            range_check("total_ms", low=0, name="db_query_stats_total_non_negative"),
            range_check("mean_ms", low=0, name="db_query_stats_mean_non_negative"),
            range_check("max_ms", low=0, name="db_query_stats_max_non_negative"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="db_query_stats_recorded_idx")]

    def __str__(self) -> str:
        return self.query_fingerprint[:60]


class SystemMetric(UUIDModel):
    host = models.TextField(null=True, blank=True)
    cpu_percent = models.FloatField(null=True, blank=True)
    memory_percent = models.FloatField(null=True, blank=True)
    disk_percent = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "system_metrics"
        constraints = [
            range_check("cpu_percent", low=0, name="system_metrics_cpu_non_negative"),
            range_check("memory_percent", low=0, high=100, name="system_metrics_memory_0_100"),
            range_check("disk_percent", low=0, high=100, name="system_metrics_disk_0_100"),
        ]
        indexes = [models.Index(fields=["recorded_at"], name="system_metrics_recorded_idx")]

    def __str__(self) -> str:
        return f"{self.host} @ {self.recorded_at}"


class PerfAlert(UUIDModel):
    """A threshold breach recorded by the old metrics collector (legacy performance_metrics.db alerts)."""

    metric_name = models.TextField()
    threshold = models.FloatField(null=True, blank=True)
    observed = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=16, null=True, blank=True, choices=AlertSeverity.choices)
    triggered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "perf_alerts"
        verbose_name = "performance alert"
        constraints = [choices_check("severity", AlertSeverity, name="perf_alerts_severity_valid")]
        indexes = [models.Index(fields=["triggered_at"], name="perf_alerts_triggered_idx")]

    def __str__(self) -> str:
        return f"{self.metric_name} {self.observed} > {self.threshold}"


class ErrorLog(UUIDModel):
    level = models.TextField(null=True, blank=True)
    logger = models.TextField(null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    traceback = models.TextField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "error_logs"
        indexes = [
            models.Index(fields=["created_at"], name="error_logs_created_idx"),
            models.Index(fields=["user", "created_at"], name="error_logs_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {(self.message or '')[:60]}"
