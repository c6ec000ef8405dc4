"""Where each of the 36 legacy tables lives in the unified schema.

This is the single source of the legacy-to-unified table mapping: the
importer, the validator, ``assess_sqlite`` and the README table all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

LEGACY_FILES = ("mingus.db", "business_intelligence.db", "cache.db", "performance_metrics.db", "alerts.db")


@dataclass(frozen=True)
class TableMapping:
    source_file: str
    source_table: str
    model: str  # "app_label.ModelName"
    note: str = ""

    @property
    def target_table(self) -> str:
        from django.apps import apps

        return apps.get_model(self.model)._meta.db_table


def _m(source_file: str, source_table: str, model: str, note: str = "") -> TableMapping:
    return TableMapping(source_file, source_table, model, note)


TABLE_MAPPINGS: tuple[TableMapping, ...] = (
    # mingus.db: core app data
    _m("mingus.db", "users", "accounts.User", "accounts; werkzeug hashes kept, is_admin → is_app_admin"),
    _m("mingus.db", "user_profiles", "accounts.UserProfile"),
    _m("mingus.db", "subscriptions", "finance.Subscription"),
    _m(
        "mingus.db",
        "encrypted_financial_profiles",
        "finance.EncryptedFinancialProfile",
        "re-encrypted under FIELD_ENCRYPTION_KEYS",
    ),
    _m("mingus.db", "user_health_checkins", "health.UserHealthCheckin"),
    _m("mingus.db", "health_correlations", "health.HealthCorrelation"),
    _m("mingus.db", "user_income_due_dates", "finance.UserIncomeDueDate"),
    _m("mingus.db", "user_expense_due_dates", "finance.UserExpenseDueDate", "`$1,234.56` text → cents"),
    _m("mingus.db", "daily_cashflow", "finance.DailyCashflow", "one row per user per date"),
    _m("mingus.db", "important_dates", "finance.ImportantDate"),
    _m("mingus.db", "career_profiles", "career.CareerProfile"),
    _m("mingus.db", "income_comparisons", "career.IncomeComparison", "name conflict: the per-user one keeps the name"),
    _m("mingus.db", "user_goals", "finance.UserGoal"),
    _m("mingus.db", "system_settings", "ops.SystemSetting", "value typed by value_type into JSONB"),
    _m("mingus.db", "audit_logs", "ops.AuditLog", "legacy entries, source = legacy"),
    # business_intelligence.db: analytics and reporting
    _m("business_intelligence.db", "users", "ops.BiUser", "name conflict → bi_users"),
    _m("business_intelligence.db", "analytics_events", "ops.AnalyticsEvent"),
    _m(
        "business_intelligence.db",
        "income_comparisons",
        "career.IncomeBenchmark",
        "name conflict → bi_income_comparisons",
    ),
    _m("business_intelligence.db", "kpi_daily", "ops.KpiDaily"),
    _m("business_intelligence.db", "reports", "ops.Report"),
    _m("business_intelligence.db", "report_runs", "ops.ReportRun"),
    _m("business_intelligence.db", "cohorts", "ops.Cohort"),
    _m("business_intelligence.db", "cohort_memberships", "ops.CohortMembership"),
    # cache.db: kept in tables of its own (see ops/models/cache.py)
    _m("cache.db", "cache_entries", "ops.CacheEntry", "expired rows skipped"),
    _m("cache.db", "query_cache", "ops.QueryCache", "expired rows skipped"),
    _m("cache.db", "api_cache", "ops.ApiCache", "expired rows skipped"),
    # performance_metrics.db
    _m("performance_metrics.db", "performance_metrics", "ops.PerformanceMetric"),
    _m("performance_metrics.db", "api_response_times", "ops.ApiResponseTime"),
    _m("performance_metrics.db", "db_query_stats", "ops.DbQueryStat"),
    _m("performance_metrics.db", "system_metrics", "ops.SystemMetric"),
    _m("performance_metrics.db", "alerts", "ops.PerfAlert", "name conflict → perf_alerts"),
    _m("performance_metrics.db", "error_logs", "ops.ErrorLog"),
    # alerts.db: alert management
    _m("alerts.db", "alert_rules", "ops.AlertRule"),
    _m("alerts.db", "alerts", "ops.Alert", "name conflict: alert management keeps the name"),
    _m("alerts.db", "alert_notifications", "ops.AlertNotification"),
    _m("alerts.db", "alert_subscriptions", "ops.AlertSubscription"),
)

# The three legacy table names used by two files, and where each copy goes.
NAME_CONFLICTS: dict[str, tuple[TableMapping, ...]] = {
    name: tuple(m for m in TABLE_MAPPINGS if m.source_table == name)
    for name in ("users", "income_comparisons", "alerts")
}


def get_mapping(*, source_file: str, source_table: str) -> TableMapping | None:
    """The mapping of one legacy table, or None for a table the contract does not know."""
    for mapping in TABLE_MAPPINGS:
        if mapping.source_file == source_file and mapping.source_table == source_table:
            return mapping
    return None


def render_mapping_markdown() -> str:
    """The mapping as a Markdown table (the README embeds this text verbatim)."""
    lines = ["| legacy file | legacy table | unified table | model | note |", "|---|---|---|---|---|"]
    for m in TABLE_MAPPINGS:
        lines.append(f"| {m.source_file} | {m.source_table} | `{m.target_table}` | {m.model} | {m.note} |")
    return "\n".join(lines) + "\n"


def load_order() -> list[TableMapping]:
    """The mappings ordered so that every table comes after the tables it references."""
    from django.apps import apps

    by_model = {m.model: m for m in TABLE_MAPPINGS}
    ordered: list[TableMapping] = []
    visiting: set[str] = set()

    def visit(mapping: TableMapping) -> None:
        if mapping in ordered or mapping.model in visiting:
            return
        visiting.add(mapping.model)
        for model_field in apps.get_model(mapping.model)._meta.concrete_fields:
            related = getattr(model_field, "related_model", None)
            if related is not None and related._meta.label in by_model:
                visit(by_model[related._meta.label])
        ordered.append(mapping)

    for mapping in TABLE_MAPPINGS:
        visit(mapping)
    return ordered
