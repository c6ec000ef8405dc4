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
    AuditSeal,
    BiUser,
    CacheEntry,
    Cohort,
    CohortMembership,
    DbQueryStat,
    DeferredIndex,
    ErrorLog,
    ImportChunk,
    ImportRun,
    KpiDaily,
    LegacyExtra,
    PerfAlert,
    PerformanceMetric,
    QuarantinedRow,
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
    list_display = ("created_at", "action", "entity_type", "entity_id", "actor", "source", "user_id", "db_role")
    list_filter = ("source",)
    search_fields = ("=entity_id", "=action", "=actor")


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    """Seals are written by seal_audit and checked by verify_audit; the per-entry records stay out of view."""

    list_display = ("number", "created_at", "txid_from", "txid_to", "row_count", "amended_count", "key_id")
    exclude = ("rows", "amendments")
    ordering = ("-number",)


class _RunTablesMixin:
    @admin.display(description="tables (live from committed chunks)")
    def table_counts(self, run):
        from django.db.models import Sum
        from django.utils.html import format_html_join, mark_safe

        rows = (
            ImportChunk.objects.filter(run=run)
            .values("source_file", "source_table", "target_table")
            .annotate(
                read=Sum("rows_read"),
                inserted=Sum("rows_inserted"),
                present=Sum("rows_present"),
                quarantined=Sum("rows_quarantined"),
                skipped=Sum("rows_skipped"),
            )
            .order_by("source_file", "source_table")
        )
        header = mark_safe(
            "<table><tr><th>source</th><th>target</th><th>read</th><th>inserted</th>"
            "<th>already present</th><th>quarantined</th><th>skipped</th></tr>"
        )
        body = format_html_join(
            "",
            "<tr><td>{}:{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r["source_file"],
                    r["source_table"],
                    r["target_table"],
                    r["read"],
                    r["inserted"],
                    r["present"],
                    r["quarantined"],
                    r["skipped"],
                )
                for r in rows
            ),
        )
        return header + body + mark_safe("</table>")


@admin.register(ImportRun)
class ImportRunAdmin(_RunTablesMixin, ReadOnlyAdmin):
    list_display = ("started_at", "status", "source_dir", "started_by", "rows_read", "quarantined", "finished_at")
    list_filter = ("status",)
    search_fields = ("=source_dir", "=started_by")
    fields = (
        "id",
        "status",
        "source_dir",
        "started_by",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "backup_path",
        "source_checksums",
        "options",
        "timings",
        "error",
        "deferred_indexes_missing",
        "quarantine_link",
        "table_counts",
    )
    readonly_fields = fields

    @admin.display(description="indexes missing")
    def deferred_indexes_missing(self, run):
        # Dropped to load tables faster; after a killed run, the next import or a rollback builds them.
        missing = [f"{d.index_name} on {d.table_name}" for d in run.deferred_indexes.order_by("index_name")]
        return ", ".join(missing) or "none"

    @admin.display(description="rows read")
    def rows_read(self, run):
        return (run.report or {}).get("totals", {}).get("read")

    @admin.display(description="quarantined")
    def quarantined(self, run):
        return (run.report or {}).get("totals", {}).get("quarantined")

    @admin.display(description="quarantine")
    def quarantine_link(self, run):
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("admin:ops_quarantinedrow_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">quarantined rows of this run</a>', url)


# Legacy columns holding secrets: shown in the quarantine as present, never as values.
_SECRET_LEGACY_COLUMNS = {
    ("mingus.db", "users"): ("password_hash",),
    ("mingus.db", "encrypted_financial_profiles"): ("encrypted_data",),
}


@admin.register(QuarantinedRow)
class QuarantinedRowAdmin(BigTableAdmin):
    list_display = ("source_file", "source_table", "source_rowid", "reason_code", "short_reason", "resolved_at")
    list_filter = ("reason_code", "source_file", "source_table", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("=source_rowid", "reason")
    list_select_related = ("run",)
    fields = (
        "run",
        "source_file",
        "source_table",
        "source_rowid",
        "reason_code",
        "reason",
        "original_row",
        "created_at",
        "resolved_at",
        "resolution_note",
    )
    # Staff note how a row was dealt with; everything else is what the import recorded.
    readonly_fields = tuple(name for name in fields if name != "resolution_note")
    actions = ["mark_resolved"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="reason")
    def short_reason(self, row):
        return row.reason[:100]

    @admin.display(description="original row (column, SQLite storage class, value)")
    def original_row(self, row):
        from django.utils.html import format_html_join, mark_safe

        hidden = _SECRET_LEGACY_COLUMNS.get((row.source_file, row.source_table), ())
        cells = [
            # A quarantined row keeps the legacy password hash or Fernet token losslessly in the
            # database; the admin shows only that it is there (see README, Revealing a profile).
            [column, storage, f"[hidden: {len(str(value))} characters]" if column in hidden else value]
            for column, storage, value in (e for e in row.original if isinstance(e, list) and len(e) == 3)
        ]
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>", cells)
        return mark_safe("<table>") + body + mark_safe("</table>")

    @admin.action(description="Mark selected rows as resolved")
    def mark_resolved(self, request, queryset):
        from django.utils import timezone

        updated = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, f"{updated} rows marked as resolved.")


@admin.register(LegacyExtra)
class LegacyExtraAdmin(ReadOnlyAdmin):
    list_display = ("source_file", "source_table", "source_rowid", "target_table", "target_id")
    list_filter = ("source_file", "source_table")
    search_fields = ("=target_id",)


@admin.register(ImportChunk)
class ImportChunkAdmin(ReadOnlyAdmin):
    list_display = (
        "run",
        "source_file",
        "source_table",
        "rowid_from",
        "rowid_to",
        "rows_read",
        "rows_inserted",
        "rows_quarantined",
        "finished_at",
    )
    list_select_related = ("run",)
    list_filter = ("source_file",)
    raw_id_fields = ("run",)


@admin.register(DeferredIndex)
class DeferredIndexAdmin(ReadOnlyAdmin):
    """Indexes an import dropped to load a table and has not built again: after a killed
    run only; the next import_sqlite or a rollback_import of that run builds them."""

    list_display = ("index_name", "table_name", "run", "dropped_at")
    list_select_related = ("run",)
    raw_id_fields = ("run",)
