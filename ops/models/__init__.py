"""Operational data of MINGUS: analytics, monitoring, alerting, cache, settings, audit.

One module per concern; everything is re-exported here for Django.
"""

from ops.models.alerts import Alert, AlertNotification, AlertRule, AlertSeverity, AlertSubscription
from ops.models.analytics import (
    AnalyticsEvent,
    BiUser,
    Cohort,
    CohortMembership,
    KpiDaily,
    Report,
    ReportRun,
)
from ops.models.audit import AuditLog, AuditSeal, AuditSource
from ops.models.cache import ApiCache, CacheEntry, QueryCache
from ops.models.imports import DeferredIndex, ImportChunk, ImportRun, ImportStatus, LegacyExtra, QuarantinedRow
from ops.models.monitoring import (
    ApiResponseTime,
    DbQueryStat,
    ErrorLog,
    PerfAlert,
    PerformanceMetric,
    SystemMetric,
)
from ops.models.system import SettingType, SystemSetting

__all__ = [
    "Alert",
    "AlertNotification",
    "AlertRule",
    "AlertSeverity",
    "AlertSubscription",
    "AnalyticsEvent",
    "ApiCache",
    "ApiResponseTime",
    "AuditLog",
    "AuditSeal",
    "AuditSource",
    "BiUser",
    "CacheEntry",
    "Cohort",
    "CohortMembership",
    "DbQueryStat",
    "DeferredIndex",
    "ErrorLog",
    "ImportChunk",
    "ImportRun",
    "ImportStatus",
    "KpiDaily",
    "LegacyExtra",
    "PerfAlert",
    "PerformanceMetric",
    "QuarantinedRow",
    "QueryCache",
    "Report",
    "ReportRun",
    "SettingType",
    "SystemMetric",
    "SystemSetting",
]
