import datetime

import pytest

from ops.models import (
    Alert,
    AlertRule,
    AuditLog,
    BiUser,
    Cohort,
    CohortMembership,
    DbQueryStat,
    KpiDaily,
    PerfAlert,
    QueryCache,
    SystemSetting,
)
from tests.constraints import rejected_by_database


@pytest.mark.parametrize("severity", ["severe", "CRITICAL", ""])
def test_unknown_alert_severity_is_rejected_everywhere(db, severity):
    with rejected_by_database("alert_rules_severity_valid"):
        AlertRule.objects.create(name="r", metric_name="m", operator=">", threshold=1, severity=severity)
    with rejected_by_database("alerts_severity_valid"):
        Alert.objects.create(severity=severity, title="t")
    with rejected_by_database("perf_alerts_severity_valid"):
        PerfAlert.objects.create(metric_name="m", severity=severity)


def test_known_alert_severities_are_accepted(db):
    for severity in ("info", "warning", "error", "critical"):
        Alert.objects.create(severity=severity, title=severity)
    assert Alert.objects.count() == 4


def test_negative_counts_are_rejected(db):
    with rejected_by_database("query_cache_hit_count_non_negative"):
        QueryCache.objects.create(query_hash="h", hit_count=-1)
    with rejected_by_database("db_query_stats_calls_non_negative"):
        DbQueryStat.objects.create(query_fingerprint="q", calls=-1)


def test_one_kpi_value_per_metric_per_day(db):
    KpiDaily.objects.create(date=datetime.date(2025, 1, 1), metric="dau", value=1)
    with rejected_by_database("kpi_daily_date_metric_unique"):
        KpiDaily.objects.create(date=datetime.date(2025, 1, 1), metric="dau", value=2)


def test_a_user_joins_a_cohort_once(user):
    cohort = Cohort.objects.create(name="c")
    CohortMembership.objects.create(cohort=cohort, user=user)
    with rejected_by_database("cohort_memberships_unique"):
        CohortMembership.objects.create(cohort=cohort, user=user)


def test_one_bi_row_per_user(user):
    BiUser.objects.create(user=user)
    with rejected_by_database("bi_users_user_id_key"):
        BiUser.objects.create(user=user)


def test_unknown_setting_type_is_rejected(db):
    with rejected_by_database("system_settings_value_type_valid"):
        SystemSetting.objects.create(key="k", value=1, value_type="integer")


def test_unknown_audit_source_is_rejected(db):
    with rejected_by_database("audit_logs_source_valid"):
        AuditLog.objects.create(action="x", source="cron")
