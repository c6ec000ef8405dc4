"""import_sqlite converts every documented legacy value convention exactly (contract/LEGACY.md).

Each test builds a tiny legacy directory from the contract DDL, imports it
in-process and reads the target row back from PostgreSQL; a value outside the
documented formats must land in quarantine with its reason code, never as a
silently different value.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from career.models import CareerProfile
from finance.models import DailyCashflow, UserExpenseDueDate, UserIncomeDueDate
from health.models import UserHealthCheckin
from mingus.accounts.models import User, UserProfile
from ops.legacy import ids, row_codec
from ops.models import (
    Alert,
    AnalyticsEvent,
    ApiCache,
    ApiResponseTime,
    AuditLog,
    CacheEntry,
    PerformanceMetric,
    QueryCache,
    SystemSetting,
)
from tests.ops.legacy_fixtures import (
    CREATED,
    InvalidText,
    cents,
    import_settings_fixture,  # noqa: F401 (the import_settings fixture)
    legacy_dir_fixture,  # noqa: F401 (the legacy fixture)
    original,
    quarantined,
    run_import,
    table_report,
)

pytestmark = pytest.mark.usefixtures("import_settings")


def get(model, file: str, table: str, rowid: int):
    return model.objects.get(id=ids.legacy_uuid(file, table, rowid))


def cashflow(legacy, **values) -> int:
    row = {"user_id": 1, "date": "2024-05-01", "created_at": CREATED, **values}
    return legacy.insert("mingus.db", "daily_cashflow", **row)


# --------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------


def test_mingus_datetimes_with_and_without_microseconds_become_exact_aware_utc(db, legacy):
    legacy.user(
        1,
        created_at="2024-03-05 06:07:08",
        last_login="2024-03-05 06:07:08.123456",
        updated_at="2024-03-05 23:59:59.5",
    )

    run_import(legacy.path)

    user = User.objects.get(id=ids.user_uuid(1))
    assert user.created_at == datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)
    assert user.last_login == datetime(2024, 3, 5, 6, 7, 8, 123456, tzinfo=UTC)
    assert user.updated_at == datetime(2024, 3, 5, 23, 59, 59, 500000, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch FROM created_at) FROM users WHERE id = %s", [ids.user_uuid(1)])
        assert cursor.fetchone()[0] == datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC).timestamp()


def test_the_import_report_names_the_row_encoder_that_did_the_work(db, legacy):
    legacy.user(1)
    legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-01-02", income=12.5, created_at=CREATED)

    result = run_import(legacy.path)

    assert result.report["row_encoder"] == row_codec.codec_status() == "compiled"
    assert DailyCashflow.objects.get(user_id=ids.user_uuid(1)).income == Decimal("12.50")


def test_the_first_cashflow_day_by_rowid_wins_even_when_the_encoder_leaves_it_to_python(db, legacy):
    legacy.user(1)
    # An ISO week date is a timestamp Python reads and the C encoder declines: this row takes the
    # Python path, after the encoder has seen the next row of its batch.
    first = legacy.insert(
        "mingus.db", "daily_cashflow", user_id=1, date="2024-01-02", income=1.0, created_at="2024-W01-2 00:00:00"
    )
    second = legacy.insert("mingus.db", "daily_cashflow", user_id=1, date="2024-01-02", income=2.0, created_at=CREATED)

    run_import(legacy.path)

    assert get(DailyCashflow, "mingus.db", "daily_cashflow", first).income == Decimal("1.00")
    assert quarantined("mingus.db", "daily_cashflow", second).reason_code == "duplicate"
    assert f"legacy row {first}" in quarantined("mingus.db", "daily_cashflow", second).reason


def test_audit_log_epoch_integer_becomes_the_exact_instant(db, legacy):
    legacy.user(1)
    rowid = legacy.insert("mingus.db", "audit_logs", user_id=1, action="login", created_at=1736942400)

    run_import(legacy.path)

    entry = get(AuditLog, "mingus.db", "audit_logs", rowid)
    assert entry.created_at == datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert entry.user_id == ids.user_uuid(1)
    assert entry.source == "legacy"


def test_expense_due_date_in_us_format_becomes_a_date(db, legacy):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_expense_due_dates", user_id=1, amount="$10.00", due_date="03/15/2025", is_active=1,
        created_at=CREATED,
    )  # fmt: skip

    run_import(legacy.path)

    assert get(UserExpenseDueDate, "mingus.db", "user_expense_due_dates", rowid).due_date == date(2025, 3, 15)


@pytest.mark.parametrize(
    "stamp",
    ["2024-06-01T12:00:00Z", "2024-06-01T07:00:00-05:00", "2024-06-01T12:00:00+00:00", "2024-06-01T17:30:00+05:30"],
)
def test_business_intelligence_offsets_become_the_same_utc_instant(db, legacy, stamp):
    legacy.user(1)
    rowid = legacy.insert(
        "business_intelligence.db", "analytics_events", user_id=1, event_type="page", event_name="view",
        created_at=stamp,
    )  # fmt: skip

    run_import(legacy.path)

    event = get(AnalyticsEvent, "business_intelligence.db", "analytics_events", rowid)
    assert event.created_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def test_business_intelligence_milliseconds_are_kept(db, legacy):
    legacy.user(1)
    rowid = legacy.insert(
        "business_intelligence.db", "analytics_events", user_id=1, event_type="page", event_name="view",
        created_at="2024-06-01T07:00:00.250-05:00",
    )  # fmt: skip

    run_import(legacy.path)

    event = get(AnalyticsEvent, "business_intelligence.db", "analytics_events", rowid)
    assert event.created_at == datetime(2024, 6, 1, 12, 0, 0, 250000, tzinfo=UTC)


def test_cache_epochs_real_and_integer_become_exact_instants(db, legacy):
    query = legacy.insert(
        "cache.db", "query_cache", query_hash="q", result="{}", expires_at=1800000000.0, created_at=1735000000.25
    )
    api = legacy.insert(
        "cache.db", "api_cache", endpoint="/x", response="{}", expires_at=1800000000, created_at=1735000000
    )

    run_import(legacy.path)

    query_row = get(QueryCache, "cache.db", "query_cache", query)
    assert query_row.created_at == datetime(2024, 12, 24, 0, 26, 40, 250000, tzinfo=UTC)
    assert query_row.expires_at == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    api_row = get(ApiCache, "cache.db", "api_cache", api)
    assert api_row.created_at == datetime(2024, 12, 24, 0, 26, 40, tzinfo=UTC)
    assert api_row.expires_at == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def test_performance_and_alert_isoformat_naive_stamps_are_utc_with_microseconds(db, legacy):
    metric = legacy.insert(
        "performance_metrics.db", "performance_metrics", metric_name="cpu", recorded_at="2025-01-15T12:00:00.654321"
    )
    alert = legacy.insert(
        "alerts.db", "alerts", severity="warning", title="t", created_at="2025-01-15T12:00:00",
        acknowledged_at="2025-01-15T12:30:00.000001",
    )  # fmt: skip

    run_import(legacy.path)

    assert get(PerformanceMetric, "performance_metrics.db", "performance_metrics", metric).recorded_at == datetime(
        2025, 1, 15, 12, 0, 0, 654321, tzinfo=UTC
    )
    row = get(Alert, "alerts.db", "alerts", alert)
    assert row.created_at == datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert row.acknowledged_at == datetime(2025, 1, 15, 12, 30, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("stamp", ["15/01/2025 12:00", "2025-01-15", "yesterday", "2025-01-15 12:00:00+02:00"])
def test_a_malformed_timestamp_is_quarantined_as_bad_timestamp(db, legacy, stamp):
    good = legacy.insert("performance_metrics.db", "performance_metrics", metric_name="ok", recorded_at=CREATED)
    bad = legacy.insert("performance_metrics.db", "performance_metrics", metric_name="bad", recorded_at=stamp)

    result = run_import(legacy.path)

    row = quarantined("performance_metrics.db", "performance_metrics", bad)
    assert row.reason_code == "bad_timestamp"
    assert "recorded_at" in row.reason
    assert original(row)["recorded_at"] == ["text", stamp]
    assert get(PerformanceMetric, "performance_metrics.db", "performance_metrics", good).metric_name == "ok"
    assert not PerformanceMetric.objects.filter(
        id=ids.legacy_uuid("performance_metrics.db", "performance_metrics", bad)
    )
    assert table_report(result, "performance_metrics.db", "performance_metrics")["quarantine_reasons"] == {
        "bad_timestamp": 1
    }


def test_an_impossible_calendar_date_is_quarantined_as_invalid_date(db, legacy):
    legacy.user(1)
    good = cashflow(legacy, date="2024-02-29")
    bad = cashflow(legacy, date="2024-02-30")

    run_import(legacy.path)

    assert get(DailyCashflow, "mingus.db", "daily_cashflow", good).date == date(2024, 2, 29)
    row = quarantined("mingus.db", "daily_cashflow", bad)
    assert row.reason_code == "invalid_date"
    assert original(row)["date"] == ["text", "2024-02-30"]


def test_an_epoch_in_milliseconds_is_quarantined_as_epoch_out_of_range(db, legacy):
    legacy.user(1)
    rowid = legacy.insert("mingus.db", "audit_logs", user_id=1, action="login", created_at=1736942400000)

    run_import(legacy.path)

    row = quarantined("mingus.db", "audit_logs", rowid)
    assert row.reason_code == "epoch_out_of_range"
    assert original(row)["created_at"] == ["integer", 1736942400000]


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------


def test_float_noise_becomes_exact_cents(db, legacy):
    legacy.user(1)
    rowid = cashflow(legacy, income=1234.5600000000002, expenses=0.1 + 0.2, opening_balance=1234.5599999999999)

    run_import(legacy.path)

    row = get(DailyCashflow, "mingus.db", "daily_cashflow", rowid)
    assert row.income == cents("1234.56")
    assert str(row.income) == "1234.56"
    assert str(row.expenses) == "0.30"
    assert row.opening_balance == cents("1234.56")


def test_a_genuine_sub_cent_amount_is_quarantined_not_rounded(db, legacy):
    legacy.user(1)
    rowid = cashflow(legacy, income=0.285)

    run_import(legacy.path)

    row = quarantined("mingus.db", "daily_cashflow", rowid)
    assert row.reason_code == "sub_cent_amount"
    assert original(row)["income"] == ["real", "0.285"]
    assert not DailyCashflow.objects.exists()


@pytest.mark.parametrize(
    ("text", "amount"),
    [("$1,234.56", "1234.56"), ("-$12.00", "-12.00"), ("($12.00)", "-12.00"), ("$0.99", "0.99"), ("$1234", "1234.00")],
)
def test_display_money_text_becomes_exact_cents(db, legacy, text, amount):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_expense_due_dates", user_id=1, amount=text, is_active=1, created_at=CREATED
    )

    run_import(legacy.path)

    assert str(get(UserExpenseDueDate, "mingus.db", "user_expense_due_dates", rowid).amount) == amount


@pytest.mark.parametrize("text", ["$1,23.4", "1,234.56", "$12.345", "(-$12.00)", "($12.00"])
def test_malformed_display_money_is_quarantined_as_bad_money_text(db, legacy, text):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_expense_due_dates", user_id=1, amount=text, is_active=1, created_at=CREATED
    )

    run_import(legacy.path)

    row = quarantined("mingus.db", "user_expense_due_dates", rowid)
    assert row.reason_code == "bad_money_text"
    assert original(row)["amount"] == ["text", text]


def test_career_salaries_in_whole_dollars_become_cents(db, legacy):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "career_profiles", user_id=1, current_salary=85000, target_salary=120000, created_at=CREATED
    )

    run_import(legacy.path)

    profile = get(CareerProfile, "mingus.db", "career_profiles", rowid)
    assert str(profile.current_salary) == "85000.00"
    assert str(profile.target_salary) == "120000.00"


# --------------------------------------------------------------------------------------------
# Booleans
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy_value", "expected"),
    [(0, False), (1, True), ("true", True), ("false", False), ("True", True), ("False", False)],
)
def test_integer_and_text_booleans_become_booleans(db, legacy, legacy_value, expected):
    legacy.user(1, email_verified=legacy_value)
    rowid = legacy.insert(
        "mingus.db", "user_income_due_dates", user_id=1, amount=100.0, is_active=legacy_value, created_at=CREATED
    )

    run_import(legacy.path)

    assert get(UserIncomeDueDate, "mingus.db", "user_income_due_dates", rowid).is_active is expected
    assert User.objects.get(id=ids.user_uuid(1)).email_verified is expected


@pytest.mark.parametrize("legacy_value", ["yes", "TRUE", 2])
def test_anything_else_as_a_boolean_is_quarantined_as_bad_boolean(db, legacy, legacy_value):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_income_due_dates", user_id=1, amount=100.0, is_active=legacy_value, created_at=CREATED
    )

    run_import(legacy.path)

    row = quarantined("mingus.db", "user_income_due_dates", rowid)
    assert row.reason_code == "bad_boolean"
    assert "is_active" in row.reason


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def test_valid_json_becomes_equal_documents(db, legacy):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_profiles", user_id=1, demographics='{"age_band": "25-34", "kids": 2, "x": null}',
        preferences='["email", {"sms": false}]', created_at=CREATED,
    )  # fmt: skip

    run_import(legacy.path)

    profile = get(UserProfile, "mingus.db", "user_profiles", rowid)
    assert profile.demographics == {"age_band": "25-34", "kids": 2, "x": None}
    assert profile.preferences == ["email", {"sms": False}]


def test_json_numbers_keep_every_digit_of_the_source_text(db, legacy):
    # A Python float would turn 0.10 into 0.1 and lose the last digits of the others; jsonb keeps numeric.
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_profiles", user_id=1, created_at=CREATED,
        demographics='{"share": 0.10, "precise": 1.000000000000000000001, "big": 123456789012345678901234567890}',
    )  # fmt: skip

    run_import(legacy.path)

    profile = get(UserProfile, "mingus.db", "user_profiles", rowid)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT demographics->>'share', demographics->>'precise', demographics->>'big' FROM user_profiles"
            " WHERE id = %s",
            [profile.id],
        )
        assert cursor.fetchone() == ("0.10", "1.000000000000000000001", "123456789012345678901234567890")


def test_truncated_json_is_quarantined_with_the_exact_original_text(db, legacy):
    legacy.user(1)
    truncated = '{"age_band": "25-34", "incom'
    rowid = legacy.insert("mingus.db", "user_profiles", user_id=1, demographics=truncated, created_at=CREATED)

    result = run_import(legacy.path)

    row = quarantined("mingus.db", "user_profiles", rowid)
    assert row.reason_code == "invalid_json"
    assert original(row)["demographics"] == ["text", truncated]
    assert table_report(result, "mingus.db", "user_profiles")["quarantine_reasons"] == {"invalid_json": 1}


def test_empty_json_text_becomes_null_and_is_counted_as_normalised(db, legacy):
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "user_profiles", user_id=1, demographics="", preferences="[]", created_at=CREATED
    )

    result = run_import(legacy.path)

    profile = get(UserProfile, "mingus.db", "user_profiles", rowid)
    assert profile.demographics is None
    assert profile.preferences == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT demographics IS NULL FROM user_profiles WHERE id = %s", [profile.id])
        assert cursor.fetchone()[0] is True  # SQL NULL, not the JSON value null
    report = table_report(result, "mingus.db", "user_profiles")
    assert report["normalised"] == {"demographics: empty JSON text stored as NULL": 1}
    assert report["inserted"] == 1
    assert report["quarantined"] == 0


# --------------------------------------------------------------------------------------------
# system_settings
# --------------------------------------------------------------------------------------------


def test_system_settings_are_typed_by_value_type(db, legacy):
    for key, value, value_type in [
        ("max_goals", "12", "int"),
        ("tax_rate", "0.0725", "float"),
        ("signup_open", "true", "bool"),
        ("maintenance", "False", "bool"),
        ("tiers", '{"budget": 15, "list": [1, 2]}', "json"),
        ("greeting", "Hello, 42", "str"),
    ]:
        legacy.insert("mingus.db", "system_settings", key=key, value=value, value_type=value_type)

    run_import(legacy.path)

    values = dict(SystemSetting.objects.values_list("key", "value"))
    assert values == {
        "max_goals": 12,
        "tax_rate": 0.0725,
        "signup_open": True,
        "maintenance": False,
        "tiers": {"budget": 15, "list": [1, 2]},
        "greeting": "Hello, 42",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, jsonb_typeof(value) FROM system_settings ORDER BY key")
        assert dict(cursor.fetchall()) == {
            "greeting": "string",
            "maintenance": "boolean",
            "max_goals": "number",
            "signup_open": "boolean",
            "tax_rate": "number",
            "tiers": "object",
        }


def test_a_setting_that_does_not_parse_as_its_type_is_quarantined_as_bad_setting(db, legacy):
    legacy.insert("mingus.db", "system_settings", key="ok", value="1", value_type="int")
    rowid = legacy.insert("mingus.db", "system_settings", key="max_goals", value="abc", value_type="int")

    run_import(legacy.path)

    row = quarantined("mingus.db", "system_settings", rowid)
    assert row.reason_code == "bad_setting"
    assert original(row)["value"] == ["text", "abc"]
    assert list(SystemSetting.objects.values_list("key", flat=True)) == ["ok"]


# --------------------------------------------------------------------------------------------
# cache.db
# --------------------------------------------------------------------------------------------


def test_expired_cache_rows_are_skipped_and_live_ones_kept_byte_for_byte(db, legacy):
    payload = b"\x80\x04\x95\xff\xfe\x00binary\xc3\x28"
    legacy.insert("cache.db", "cache_entries", key="dead", value=b"old", expires_at=1700000000.5, created_at=1690000000)
    live = legacy.insert(
        "cache.db", "cache_entries", key="live", value=payload, expires_at=1800000000.5, created_at=1735000000
    )

    result = run_import(legacy.path)

    report = table_report(result, "cache.db", "cache_entries")
    assert (report["read"], report["inserted"], report["skipped"]) == (2, 1, 1)
    assert report["skip_reasons"] == {"expired cache entry": 1}
    entry = CacheEntry.objects.get()
    assert entry.id == ids.legacy_uuid("cache.db", "cache_entries", live)
    assert entry.key == "live"
    assert bytes(entry.value) == payload
    assert entry.expires_at == datetime.fromtimestamp(1800000000.5, UTC)


def test_a_cache_row_is_expired_relative_to_the_cutoff_not_the_clock(db, legacy):
    legacy.insert("cache.db", "api_cache", endpoint="/a", expires_at=1735689599, created_at=1735000000)  # 1 s before
    legacy.insert("cache.db", "api_cache", endpoint="/b", expires_at=1735689601, created_at=1735000000)  # 1 s after

    result = run_import(legacy.path)

    assert list(ApiCache.objects.values_list("endpoint", flat=True)) == ["/b"]
    assert table_report(result, "cache.db", "api_cache")["skipped"] == 1


def test_live_cache_text_value_with_invalid_utf8_is_kept_as_its_bytes(db, legacy):
    raw = b"pickle:\xff\xfe"
    legacy.insert("cache.db", "cache_entries", key="k", value=InvalidText(raw), expires_at=1800000000)

    run_import(legacy.path)

    assert bytes(CacheEntry.objects.get().value) == raw


# --------------------------------------------------------------------------------------------
# Integers that do not fit their column
# --------------------------------------------------------------------------------------------


def test_an_integer_too_big_for_its_column_is_quarantined_not_wrapped(db, legacy):
    legacy.user(1)
    checkin = legacy.insert(
        "mingus.db", "user_health_checkins", user_id=1, checkin_date="2024-01-01", stress_level=65541,
        created_at=CREATED,
    )  # fmt: skip
    profile = legacy.insert("mingus.db", "user_profiles", user_id=1, household_size=2**32 + 3, created_at=CREATED)
    timing = legacy.insert(
        "performance_metrics.db", "api_response_times", endpoint="/x", status_code=2**32 + 200, recorded_at=CREATED
    )

    run_import(legacy.path)

    assert list(UserHealthCheckin.objects.values_list("stress_level", flat=True)) == []
    assert list(UserProfile.objects.values_list("household_size", flat=True)) == []
    assert list(ApiResponseTime.objects.values_list("status_code", flat=True)) == []
    assert quarantined("mingus.db", "user_health_checkins", checkin)
    assert quarantined("mingus.db", "user_profiles", profile)
    assert quarantined("performance_metrics.db", "api_response_times", timing)


def test_json_with_an_integer_too_long_for_python_is_quarantined_not_a_crash():
    from ops.legacy.transforms import TransformError, to_json

    with pytest.raises(TransformError) as raised:
        to_json("[" + "1" * 5000 + "]")
    assert raised.value.code == "invalid_json"
    assert "digits" in raised.value.message
