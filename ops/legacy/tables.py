"""Column-by-column conversion of each legacy table (the "how" beside mapping.py's "where").

Each legacy column maps to a target field of the table's model and a *kind*
of conversion from :mod:`ops.legacy.transforms`. ``user`` and ``ref:`` kinds
rewrite legacy integer ids into the UUIDs of the rows they point at (see
:mod:`ops.legacy.ids`). A legacy column with no entry here has no column in
the unified schema: its values are kept in ``ops_legacy_extras`` rather than
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Col:
    target: str | None
    kind: str


@dataclass(frozen=True)
class TableSpec:
    columns: dict[str, Col]
    constants: dict[str, object] = field(default_factory=dict)
    # Legacy column whose epoch value, when before the cut-off, makes the row dead (cache.db).
    expires_column: str | None = None


def _c(target: str | None, kind: str) -> Col:
    return Col(target, kind)


def _same(kind: str) -> Col:
    return Col(None, kind)  # target = the legacy column's own name


_CREATED = {"created_at": _same("naive_ts")}

SPECS: dict[tuple[str, str], TableSpec] = {
    # ---- mingus.db ---------------------------------------------------------------------------
    ("mingus.db", "users"): TableSpec(
        {
            "id": _same("id"),
            "email": _same("email"),
            "password_hash": _c("password", "password"),
            "first_name": _same("text"),
            "last_name": _same("text"),
            "phone": _same("text"),
            "is_active": _same("bool"),
            "is_admin": _c("is_app_admin", "bool"),
            "email_verified": _same("bool"),
            "last_login": _same("naive_ts"),
            "updated_at": _same("naive_ts"),
            **_CREATED,
        },
        constants={"is_staff": False, "is_superuser": False},
    ),
    ("mingus.db", "user_profiles"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "date_of_birth": _same("date"),
            "zip_code": _same("text"),
            "state": _same("text"),
            "household_size": _same("int"),
            "annual_income": _same("money"),
            "employment_status": _same("text"),
            "demographics": _same("json"),
            "preferences": _same("json"),
            "updated_at": _same("naive_ts"),
            **_CREATED,
        }
    ),
    ("mingus.db", "subscriptions"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "tier": _same("text"),
            "status": _same("text"),
            "price": _same("money"),
            "billing_cycle": _same("text"),
            "stripe_customer_id": _same("text"),
            "stripe_subscription_id": _same("text"),
            "current_period_start": _same("naive_ts"),
            "current_period_end": _same("naive_ts"),
            "cancel_at_period_end": _same("bool"),
            "billing_info": _same("json"),
            "updated_at": _same("naive_ts"),
            **_CREATED,
        }
    ),
    ("mingus.db", "encrypted_financial_profiles"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "encrypted_data": _same("fernet"),
            # Which legacy key made the token: provenance once re-encrypted, kept on the row.
            "key_version": _c("legacy_key_version", "int"),
            "updated_at": _same("naive_ts"),
            **_CREATED,
        }
    ),
    ("mingus.db", "user_health_checkins"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "checkin_date": _same("date"),
            "sleep_hours": _same("float"),
            "physical_activity_minutes": _same("int"),
            "stress_level": _same("int"),
            "mood_rating": _same("int"),
            "relationships_rating": _same("int"),
            "mindfulness_minutes": _same("int"),
            "notes": _same("text"),
            **_CREATED,
        }
    ),
    ("mingus.db", "health_correlations"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "health_metric": _same("text"),
            "spending_category": _same("text"),
            "correlation_coefficient": _same("float"),
            "p_value": _same("float"),
            "sample_size": _same("int"),
            "period_start": _same("date"),
            "period_end": _same("date"),
            "computed_at": _same("naive_ts"),
        }
    ),
    ("mingus.db", "user_income_due_dates"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "income_type": _same("text"),
            "amount": _same("money"),
            "frequency": _same("text"),
            "next_due_date": _same("date"),
            "is_active": _same("bool"),
            **_CREATED,
        }
    ),
    ("mingus.db", "user_expense_due_dates"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "expense_type": _same("text"),
            "category": _same("text"),
            "amount": _same("display_money"),
            "frequency": _same("text"),
            "due_date": _same("us_date"),
            "is_active": _same("bool"),
            **_CREATED,
        }
    ),
    ("mingus.db", "daily_cashflow"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "date": _same("date"),
            "opening_balance": _same("money"),
            "income": _same("money"),
            "expenses": _same("money"),
            "closing_balance": _same("money"),
            "balance_status": _same("text"),
            **_CREATED,
        }
    ),
    ("mingus.db", "important_dates"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "event_type": _same("text"),
            "event_date": _same("date"),
            "title": _same("text"),
            "amount": _same("money"),
            "reminder_days": _same("int"),
            "notes": _same("text"),
            **_CREATED,
        }
    ),
    ("mingus.db", "career_profiles"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "job_title": _same("text"),
            "industry": _same("text"),
            "years_experience": _same("float"),
            "education_level": _same("text"),
            "location": _same("text"),
            "current_salary": _same("dollars"),
            "target_salary": _same("dollars"),
            "skills": _same("json"),
            "updated_at": _same("naive_ts"),
            **_CREATED,
        }
    ),
    ("mingus.db", "income_comparisons"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "comparison_group": _same("text"),
            "user_income": _same("money"),
            "group_median": _same("money"),
            "percentile": _same("float"),
            "computed_at": _same("naive_ts"),
        }
    ),
    ("mingus.db", "user_goals"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "goal_type": _same("text"),
            "title": _same("text"),
            "target_amount": _same("money"),
            "current_amount": _same("money"),
            "target_date": _same("date"),
            "status": _same("text"),
            **_CREATED,
        }
    ),
    ("mingus.db", "system_settings"): TableSpec(
        {
            "key": _same("text"),
            "value": _same("setting"),
            "value_type": _same("text"),
            "description": _same("text"),
            "updated_at": _same("naive_ts"),
        }
    ),
    ("mingus.db", "audit_logs"): TableSpec(
        {
            "id": _same("id"),
            # A plain UUID, not a foreign key: entries about deleted users keep their subject.
            "user_id": _same("user_uuid"),
            "action": _same("text"),
            "entity_type": _same("text"),
            "entity_id": _same("text"),
            "details": _same("json"),
            "ip_address": _same("inet"),
            "created_at": _same("epoch"),
        },
        constants={"source": "legacy"},
    ),
    # ---- business_intelligence.db --------------------------------------------------------------
    ("business_intelligence.db", "users"): TableSpec(
        {
            # Same integer id as mingus.db users.id: it is the user reference.
            "id": _c("user_id", "user"),
            "segment": _same("text"),
            "acquisition_channel": _same("text"),
            "lifetime_value": _same("money"),
            "churn_risk": _same("float"),
            "first_seen": _same("offset_ts"),
            "last_seen": _same("offset_ts"),
        }
    ),
    ("business_intelligence.db", "analytics_events"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "event_type": _same("text"),
            "event_name": _same("text"),
            "properties": _same("json"),
            "session_id": _same("text"),
            "page_url": _same("text"),
            "created_at": _same("offset_ts"),
        }
    ),
    ("business_intelligence.db", "income_comparisons"): TableSpec(
        {
            "id": _same("id"),
            "demographic_key": _same("text"),
            "metro_area": _same("text"),
            "age_band": _same("text"),
            "education_level": _same("text"),
            "median_income": _same("money"),
            "p25_income": _same("money"),
            "p75_income": _same("money"),
            "sample_size": _same("int"),
            "source": _same("text"),
            "year": _same("int"),
        }
    ),
    ("business_intelligence.db", "kpi_daily"): TableSpec(
        {"date": _same("date"), "metric": _same("text"), "value": _same("float")}
    ),
    ("business_intelligence.db", "reports"): TableSpec(
        {
            "id": _same("id"),
            "name": _same("text"),
            "description": _same("text"),
            "query": _same("text"),
            "created_by": _c("created_by_id", "user"),
            "created_at": _same("offset_ts"),
        }
    ),
    ("business_intelligence.db", "report_runs"): TableSpec(
        {
            "id": _same("id"),
            "report_id": _same("ref:business_intelligence.db:reports"),
            "started_at": _same("offset_ts"),
            "finished_at": _same("offset_ts"),
            "status": _same("text"),
            "row_count": _same("int"),
            "result": _same("json"),
        }
    ),
    ("business_intelligence.db", "cohorts"): TableSpec(
        {"id": _same("id"), "name": _same("text"), "definition": _same("json"), "created_at": _same("offset_ts")}
    ),
    ("business_intelligence.db", "cohort_memberships"): TableSpec(
        {
            "cohort_id": _same("ref:business_intelligence.db:cohorts"),
            "user_id": _same("user"),
            "joined_at": _same("offset_ts"),
        }
    ),
    # ---- cache.db --------------------------------------------------------------------------------
    ("cache.db", "cache_entries"): TableSpec(
        {"key": _same("text"), "value": _same("blob"), "expires_at": _same("epoch"), "created_at": _same("epoch")},
        expires_column="expires_at",
    ),
    ("cache.db", "query_cache"): TableSpec(
        {
            "id": _same("id"),
            "query_hash": _same("text"),
            "result": _same("json"),
            "hit_count": _same("int"),
            "expires_at": _same("epoch"),
            "created_at": _same("epoch"),
        },
        expires_column="expires_at",
    ),
    ("cache.db", "api_cache"): TableSpec(
        {
            "id": _same("id"),
            "endpoint": _same("text"),
            "params_hash": _same("text"),
            "response": _same("text"),
            "status_code": _same("int"),
            "expires_at": _same("epoch"),
            "created_at": _same("epoch"),
        },
        expires_column="expires_at",
    ),
    # ---- performance_metrics.db ------------------------------------------------------------------
    ("performance_metrics.db", "performance_metrics"): TableSpec(
        {
            "id": _same("id"),
            "metric_name": _same("text"),
            "metric_value": _same("float"),
            "unit": _same("text"),
            "tags": _same("json"),
            "recorded_at": _same("naive_ts"),
        }
    ),
    ("performance_metrics.db", "api_response_times"): TableSpec(
        {
            "id": _same("id"),
            "endpoint": _same("text"),
            "method": _same("text"),
            "status_code": _same("int"),
            "response_ms": _same("float"),
            "user_id": _same("user"),
            "recorded_at": _same("naive_ts"),
        }
    ),
    ("performance_metrics.db", "db_query_stats"): TableSpec(
        {
            "id": _same("id"),
            "query_fingerprint": _same("text"),
            "calls": _same("int"),
            "total_ms": _same("float"),
            "mean_ms": _same("float"),
            "max_ms": _same("float"),
            "recorded_at": _same("naive_ts"),
        }
    ),
    ("performance_metrics.db", "system_metrics"): TableSpec(
        {
            "id": _same("id"),
            "host": _same("text"),
            "cpu_percent": _same("float"),
            "memory_percent": _same("float"),
            "disk_percent": _same("float"),
            "recorded_at": _same("naive_ts"),
        }
    ),
    ("performance_metrics.db", "alerts"): TableSpec(
        {
            "id": _same("id"),
            "metric_name": _same("text"),
            "threshold": _same("float"),
            "observed": _same("float"),
            "severity": _same("text"),
            "triggered_at": _same("naive_ts"),
            "resolved_at": _same("naive_ts"),
        }
    ),
    ("performance_metrics.db", "error_logs"): TableSpec(
        {
            "id": _same("id"),
            "level": _same("text"),
            "logger": _same("text"),
            "message": _same("text"),
            "traceback": _same("text"),
            "user_id": _same("user"),
            "created_at": _same("naive_ts"),
        }
    ),
    # ---- alerts.db -------------------------------------------------------------------------------
    ("alerts.db", "alert_rules"): TableSpec(
        {
            "id": _same("id"),
            "name": _same("text"),
            "metric_name": _same("text"),
            "operator": _same("text"),
            "threshold": _same("float"),
            "severity": _same("text"),
            "channel": _same("text"),
            "enabled": _same("bool"),
            "created_at": _same("naive_ts"),
        }
    ),
    ("alerts.db", "alerts"): TableSpec(
        {
            "id": _same("id"),
            "rule_id": _same("ref:alerts.db:alert_rules"),
            "user_id": _same("user"),
            "severity": _same("text"),
            "title": _same("text"),
            "message": _same("text"),
            "status": _same("text"),
            "created_at": _same("naive_ts"),
            "acknowledged_at": _same("naive_ts"),
            "resolved_at": _same("naive_ts"),
        }
    ),
    ("alerts.db", "alert_notifications"): TableSpec(
        {
            "id": _same("id"),
            "alert_id": _same("ref:alerts.db:alerts"),
            "channel": _same("text"),
            "recipient": _same("text"),
            "sent_at": _same("naive_ts"),
            "status": _same("text"),
            "response_code": _same("int"),
            "error": _same("text"),
        }
    ),
    ("alerts.db", "alert_subscriptions"): TableSpec(
        {
            "id": _same("id"),
            "user_id": _same("user"),
            "rule_id": _same("ref:alerts.db:alert_rules"),
            "channel": _same("text"),
            "created_at": _same("naive_ts"),
        }
    ),
}


def target_of(column: str, col: Col) -> str:
    """The target column name of a legacy column."""
    return col.target or column
