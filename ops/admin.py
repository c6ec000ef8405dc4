"""Admin for operational data. Big append-only tables are read-only here."""

from django.contrib import admin

from mingus.admin_base import BigTableAdmin, ReadOnlyAdmin
from ops.models import (
    Alert,
    AlertNotification,
    AlertRule,
    AlertSubscription,
    AnalyticsEvent,
    ApiCache,
    ApiResponseTime,
    AuditLog,
    BiUser,
    CacheEntry,
    Cohort,
    CohortMembership,
    DbQueryStat,
    ErrorLog,
    KpiDaily,
    PerfAlert,
    PerformanceMetric,
    QueryCache,
    Report,
    ReportRun,
    SystemMetric,
    SystemSetting,
)


@admin.register(BiUser)
class BiUserAdmin(BigTableAdmin):
    list_display = ("user", "segment", "acquisition_channel", "lifetime_value", "churn_risk", "last_seen")
    list_select_related = ("user",)
    search_fields = ("=user__email", "=segment")
    raw_id_fields = ("user",)


@admin.register(AnalyticsEvent)
class AnalyticsEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event_type", "event_name", "user", "session_id")
    list_select_related = ("user",)
    search_fields = ("=user__email", "=session_id", "=event_name")
    raw_id_fields = ("user",)


@admin.register(KpiDaily)
class KpiDailyAdmin(BigTableAdmin):
    list_display = ("date", "metric", "value")
    search_fields = ("metric",)
    date_hierarchy = "date"


class ReportRunInline(admin.TabularInline):
    model = ReportRun
    fields = ("started_at", "finished_at", "status", "row_count")
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = True
    ordering = ("-started_at",)


@admin.register(Report)
class ReportAdmin(BigTableAdmin):
    list_display = ("name", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("name",)
    raw_id_fields = ("created_by",)
    date_hierarchy = "created_at"
    inlines = [ReportRunInline]


@admin.register(ReportRun)
class ReportRunAdmin(BigTableAdmin):
    list_display = ("report", "started_at", "finished_at", "status", "row_count")
    list_select_related = ("report",)
    raw_id_fields = ("report",)
    date_hierarchy = "started_at"


@admin.register(Cohort)
class CohortAdmin(BigTableAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(CohortMembership)
class CohortMembershipAdmin(BigTableAdmin):
    list_display = ("cohort", "user", "joined_at")
    list_select_related = ("cohort", "user")
    search_fields = ("=user__email", "cohort__name")
    raw_id_fields = ("cohort", "user")


@admin.register(CacheEntry)
class CacheEntryAdmin(ReadOnlyAdmin):
    list_display = ("key", "expires_at", "created_at")
    search_fields = ("=key",)
    exclude = ("value",)


@admin.register(QueryCache)
class QueryCacheAdmin(ReadOnlyAdmin):
    list_display = ("query_hash", "hit_count", "expires_at", "created_at")
    search_fields = ("=query_hash",)


@admin.register(ApiCache)
class ApiCacheAdmin(ReadOnlyAdmin):
    list_display = ("endpoint", "params_hash", "status_code", "expires_at")
    search_fields = ("=endpoint",)


@admin.register(PerformanceMetric)
class PerformanceMetricAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "metric_name", "metric_value", "unit")
    search_fields = ("=metric_name",)


@admin.register(ApiResponseTime)
class ApiResponseTimeAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "method", "endpoint", "status_code", "response_ms", "user")
    list_select_related = ("user",)
    search_fields = ("=endpoint",)


@admin.register(DbQueryStat)
class DbQueryStatAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "query_fingerprint", "calls", "mean_ms", "max_ms")
    search_fields = ("query_fingerprint",)


@admin.register(SystemMetric)
class SystemMetricAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "host", "cpu_percent", "memory_percent", "disk_percent")
    search_fields = ("=host",)


@admin.register(PerfAlert)
class PerfAlertAdmin(ReadOnlyAdmin):
    list_display = ("triggered_at", "metric_name", "severity", "threshold", "observed", "resolved_at")
    list_filter = ("severity",)
    search_fields = ("=metric_name",)


@admin.register(ErrorLog)
class ErrorLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "level", "logger", "short_message", "user")
    list_select_related = ("user",)
    search_fields = ("=logger", "=level")

    @admin.display(description="message")
    def short_message(self, obj):
        return (obj.message or "")[:80]


@admin.register(AlertRule)
class AlertRuleAdmin(BigTableAdmin):
    list_display = ("name", "metric_name", "operator", "threshold", "severity", "channel", "enabled")
    list_filter = ("severity", "enabled")
    search_fields = ("name", "metric_name")


class AlertNotificationInline(admin.TabularInline):
    model = AlertNotification
    fields = ("channel", "recipient", "sent_at", "status", "response_code")
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(Alert)
class AlertAdmin(BigTableAdmin):
    list_display = ("created_at", "severity", "title", "status", "rule", "user")
    list_select_related = ("rule", "user")
    list_filter = ("severity",)
    search_fields = ("title", "=user__email")
    raw_id_fields = ("rule", "user")
    inlines = [AlertNotificationInline]


@admin.register(AlertNotification)
class AlertNotificationAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "channel", "recipient", "status", "response_code", "alert")
    list_select_related = ("alert",)
    search_fields = ("=recipient",)


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(BigTableAdmin):
    list_display = ("user", "rule", "channel", "created_at")
    list_select_related = ("user", "rule")
    search_fields = ("=user__email",)
    raw_id_fields = ("user", "rule")


@admin.register(SystemSetting)
class SystemSettingAdmin(BigTableAdmin):
    list_display = ("key", "value_type", "value", "updated_at")
    list_filter = ("value_type",)
    search_fields = ("key", "description")


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "entity_type", "entity_id", "actor", "source", "user_id")
    list_filter = ("source",)
    search_fields = ("=entity_id", "=action", "=actor")
