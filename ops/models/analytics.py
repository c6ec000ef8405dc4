from django.conf import settings
from django.db import models
from django.utils import timezone

from mingus.db import MoneyField, UserOwnedModel, UUIDModel, range_check


class BiUser(UUIDModel):
    """The BI user dimension (legacy business_intelligence.db ``users``): one row per user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    segment = models.CharField(max_length=50, null=True, blank=True)
    acquisition_channel = models.CharField(max_length=50, null=True, blank=True)
    lifetime_value = MoneyField(null=True, blank=True)
    churn_risk = models.FloatField(null=True, blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "bi_users"
        verbose_name = "BI user"
        constraints = [range_check("churn_risk", low=0, high=1, name="bi_users_churn_risk_0_1")]

    def __str__(self) -> str:
        return f"BI {self.user_id}"


class AnalyticsEvent(UUIDModel):
    # Anonymous (signed-out) events have no user.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    event_type = models.TextField()
    event_name = models.TextField()
    properties = models.JSONField(null=True, blank=True)
    session_id = models.TextField(null=True, blank=True)
    page_url = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "analytics_events"
        indexes = [
            models.Index(fields=["user", "created_at"], name="events_user_created_idx"),
            models.Index(fields=["created_at"], name="events_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type}:{self.event_name}"


class KpiDaily(UUIDModel):
    date = models.DateField()
    metric = models.TextField()
    value = models.FloatField(null=True, blank=True)

    class Meta:
        db_table = "kpi_daily"
        verbose_name = "daily KPI"
        verbose_name_plural = "daily KPIs"
        constraints = [models.UniqueConstraint(fields=["date", "metric"], name="kpi_daily_date_metric_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.metric}"


class Report(UUIDModel):
    name = models.TextField()
    description = models.TextField(null=True, blank=True)
    query = models.TextField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "reports"

    def __str__(self) -> str:
        return self.name


class ReportRun(UUIDModel):
    report = models.ForeignKey(Report, on_delete=models.CASCADE)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.TextField(null=True, blank=True)
    row_count = models.IntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "report_runs"
        constraints = [range_check("row_count", low=0, name="report_runs_row_count_non_negative")]

    def __str__(self) -> str:
        return f"{self.report_id} at {self.started_at}"


class Cohort(UUIDModel):
    name = models.TextField()
    definition = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "cohorts"

    def __str__(self) -> str:
        return self.name


class CohortMembership(UserOwnedModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cohort_memberships"
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="cohort_memberships_unique"),
        ]
        indexes = [models.Index(fields=["user", "joined_at"], name="cohort_members_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.cohort_id}"
