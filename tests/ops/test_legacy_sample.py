"""The legacy sample generator (ops/legacy/sample.py) writes what contract/LEGACY.md describes.

Plain pytest: these tests read the generated SQLite files directly and need no
Django database. Run alone with ``pytest tests/ops/test_legacy_sample.py -p no:django``.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from werkzeug.security import check_password_hash

from ops.legacy import sample
from ops.legacy.sample import (
    DEFECT_CLASSES,
    LEGACY_FILES,
    REFERENCE_NOW,
    make_legacy_sample,
    sample_fernet_keys,
    sample_password,
)

CONTRACT = Path(sample.__file__).parent / "contract"
NOW_TS = int(REFERENCE_NOW.timestamp())

# Columns by convention, as LEGACY.md documents them.
BOOLEAN_COLUMNS = {
    ("mingus.db", "users"): ("is_active", "is_admin", "email_verified"),
    ("mingus.db", "subscriptions"): ("cancel_at_period_end",),
    ("mingus.db", "user_income_due_dates"): ("is_active",),
    ("mingus.db", "user_expense_due_dates"): ("is_active",),
    ("alerts.db", "alert_rules"): ("enabled",),
}
JSON_COLUMNS = {
    ("mingus.db", "user_profiles"): ("demographics", "preferences"),
    ("mingus.db", "subscriptions"): ("billing_info",),
    ("mingus.db", "career_profiles"): ("skills",),
    ("mingus.db", "audit_logs"): ("details",),
    ("business_intelligence.db", "analytics_events"): ("properties",),
    ("business_intelligence.db", "report_runs"): ("result",),
    ("business_intelligence.db", "cohorts"): ("definition",),
    ("performance_metrics.db", "performance_metrics"): ("tags",),
    ("cache.db", "query_cache"): ("result",),
}
MONEY_COLUMNS = {
    ("mingus.db", "user_profiles"): ("annual_income",),
    ("mingus.db", "subscriptions"): ("price",),
    ("mingus.db", "user_income_due_dates"): ("amount",),
    ("mingus.db", "daily_cashflow"): ("opening_balance", "income", "expenses", "closing_balance"),
    ("mingus.db", "important_dates"): ("amount",),
    ("mingus.db", "income_comparisons"): ("user_income", "group_median"),
    ("mingus.db", "user_goals"): ("target_amount", "current_amount"),
    ("business_intelligence.db", "users"): ("lifetime_value",),
    ("business_intelligence.db", "income_comparisons"): ("median_income", "p25_income", "p75_income"),
}
USER_COLUMNS = {
    ("mingus.db", table): "user_id"
    for table in (
        "user_profiles",
        "subscriptions",
        "encrypted_financial_profiles",
        "user_health_checkins",
        "health_correlations",
        "user_income_due_dates",
        "user_expense_due_dates",
        "daily_cashflow",
        "important_dates",
        "career_profiles",
        "income_comparisons",
        "user_goals",
        "audit_logs",
    )
} | {
    ("business_intelligence.db", "users"): "id",
    ("business_intelligence.db", "analytics_events"): "user_id",
    ("business_intelligence.db", "reports"): "created_by",
    ("business_intelligence.db", "cohort_memberships"): "user_id",
    ("performance_metrics.db", "api_response_times"): "user_id",
    ("performance_metrics.db", "error_logs"): "user_id",
    ("alerts.db", "alerts"): "user_id",
    ("alerts.db", "alert_subscriptions"): "user_id",
}
BI_TIMESTAMPS = {
    "users": ("first_seen", "last_seen"),
    "analytics_events": ("created_at",),
    "reports": ("created_at",),
    "report_runs": ("started_at", "finished_at"),
    "cohorts": ("created_at",),
    "cohort_memberships": ("joined_at",),
}
ENUMS = {
    ("mingus.db", "subscriptions"): {
        "tier": {"free", "budget", "mid_tier", "professional"},
        "status": {"active", "trialing", "past_due", "canceled", "incomplete", "unpaid"},
    },
    ("performance_metrics.db", "alerts"): {"severity": {"info", "warning", "error", "critical"}},
    ("alerts.db", "alert_rules"): {"severity": {"info", "warning", "error", "critical"}},
    ("alerts.db", "alerts"): {"severity": {"info", "warning", "error", "critical"}},
}
MINGUS_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?")
NAIVE_ISOFORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?")
DISPLAY_MONEY = re.compile(r"(\$|-\$|\(\$)\d{1,3}(,\d{3})*\.\d\d\)?")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One scale-1 sample, plus a byte copy of its files taken before anything opened them."""
    directory = tmp_path_factory.mktemp("sample")
    summary = make_legacy_sample(directory=directory, scale=1, seed=0)
    # Closing a read-write connection merges the -wal into the main file: keep a pristine copy.
    pristine = tmp_path_factory.mktemp("pristine")
    for path in directory.iterdir():
        shutil.copyfile(path, pristine / path.name)
    return summary, pristine


@pytest.fixture(scope="module")
def summary(generated):
    return generated[0]


class ProgressRecorder(list):
    def __call__(self, label: str, rows: int) -> None:
        self.append((label, rows))


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory):
    """Three small samples: seed 7 twice and seed 8 once, with the progress each reported."""
    runs = {}
    for label, seed in (("first", 7), ("again", 7), ("other", 8)):
        directory = tmp_path_factory.mktemp(f"small-{label}")
        progress = ProgressRecorder()
        make_legacy_sample(directory=directory, scale=0.1, seed=seed, progress=progress)
        runs[label] = directory
        runs[f"{label}-progress"] = progress
    return runs


@contextmanager
def connect(directory: Path, name: str) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(directory / name)
    try:
        yield conn
    finally:
        conn.close()


def tables_of(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    return [name for (name,) in rows]


def contents(directory: Path) -> dict[tuple[str, str], list[tuple]]:
    result = {}
    for name in LEGACY_FILES:
        with connect(directory, name) as conn:
            for table in tables_of(conn):
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608
                result[name, table] = rows
    return result


def count_rows(conn: sqlite3.Connection, table: str, where: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]  # noqa: S608


def counted(summary, defect: str) -> dict[tuple[str, str], int]:
    return {key: counts[defect] for key, counts in summary.defect_counts.items() if counts.get(defect)}


# ---------------------------------------------------------------------------
# Schema, size, determinism, safety
# ---------------------------------------------------------------------------


def test_every_file_has_exactly_the_schema_of_its_contract_ddl(summary):
    total_tables = 0
    for name in LEGACY_FILES:
        expected = sqlite3.connect(":memory:")
        expected.executescript((CONTRACT / name.replace(".db", ".sql")).read_text())
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        with connect(summary.directory, name) as conn:
            assert conn.execute(query).fetchall() == expected.execute(query).fetchall(), name
            total_tables += len(tables_of(conn))
    assert total_tables == 36


def test_scale_one_holds_about_the_production_row_count_in_every_table(summary):
    assert 10_000 <= summary.total_rows <= 12_500
    assert len(summary.row_counts) == 36
    for (name, table), expected in summary.row_counts.items():
        with connect(summary.directory, name) as conn:
            assert count_rows(conn, table, "1") == expected > 0, (name, table)
    assert summary.row_counts["mingus.db", "system_settings"] == 20
    assert 230 <= summary.row_counts["mingus.db", "users"] <= 270


def test_the_same_seed_gives_identical_content(small_runs):
    first, again = contents(small_runs["first"]), contents(small_runs["again"])
    assert len(first) == 36
    assert first == again


def test_a_different_seed_gives_different_content_in_every_table(small_runs):
    first, other = contents(small_runs["first"]), contents(small_runs["other"])
    assert first.keys() == other.keys()
    same = [key for key in first if first[key] == other[key]]
    assert same == []


def test_progress_is_reported_for_every_table_up_to_its_row_count(small_runs):
    calls = small_runs["other-progress"]
    final: dict[str, int] = {}
    for label, rows in calls:
        final[label] = max(rows, final.get(label, 0))
    assert len(final) == 36
    with connect(small_runs["other"], "mingus.db") as conn:
        assert final["mingus.db:daily_cashflow"] == count_rows(conn, "daily_cashflow", "1")


def test_refuses_to_write_into_a_directory_that_already_has_a_legacy_file(tmp_path):
    existing = tmp_path / "cache.db"
    existing.write_bytes(b"precious")
    with pytest.raises(ValueError, match="refusing to overwrite"):
        make_legacy_sample(directory=tmp_path, scale=0.01)
    assert existing.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.db"]


def test_rejects_a_scale_that_is_not_positive(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        make_legacy_sample(directory=tmp_path, scale=0)


def test_a_tiny_sample_fills_every_table_and_still_carries_every_defect(summary, tmp_path):
    tiny = make_legacy_sample(directory=tmp_path / "tiny", scale=0.02, seed=3)
    assert all(rows >= 1 for rows in tiny.row_counts.values())
    assert tiny.total_rows < 400
    missing = [
        (key, defect)
        for key, counts in summary.defect_counts.items()
        for defect in counts
        if not tiny.defect_counts.get(key, {}).get(defect)
    ]
    assert missing == []


def test_sample_info_json_repeats_the_summary_with_the_importer_keys(summary):
    info = json.loads((summary.directory / "sample-info.json").read_text())
    assert info == json.loads(json.dumps(summary.to_json()))
    assert info["legacy_fernet_keys"] == ",".join(sample_fernet_keys(seed=0))
    assert "sample_password" in info["password_rule"]
    assert [info["password_pool"][i % 64] for i in (1, 64, 130)] == [
        sample_password(legacy_user_id=i, seed=0) for i in (1, 64, 130)
    ]
    assert info["row_counts"]["mingus.db"]["users"] == summary.row_counts["mingus.db", "users"]
    assert set(info["defect_totals"]) == set(DEFECT_CLASSES)


# ---------------------------------------------------------------------------
# WAL
# ---------------------------------------------------------------------------


def test_the_last_rows_of_some_tables_are_committed_only_in_the_wal_file(generated, tmp_path):
    summary, pristine = generated
    main_only, with_wal = tmp_path / "main-only", tmp_path / "with-wal"
    main_only.mkdir()
    with_wal.mkdir()
    wal_only: dict[tuple[str, str], int] = {}
    for name in LEGACY_FILES:
        assert (pristine / f"{name}-wal").stat().st_size > 0, name
        shutil.copyfile(pristine / name, main_only / name)
        shutil.copyfile(pristine / name, with_wal / name)
        shutil.copyfile(pristine / f"{name}-wal", with_wal / f"{name}-wal")
        with connect(main_only, name) as short, connect(with_wal, name) as full:
            assert short.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            for table in tables_of(full):
                missing = count_rows(full, table, "1") - count_rows(short, table, "1")
                if missing:
                    wal_only[name, table] = missing
        assert any(file == name for file, _ in wal_only), f"{name} has no WAL-only rows"
    assert {("mingus.db", "users"), ("mingus.db", "daily_cashflow")} <= wal_only.keys()
    assert wal_only == counted(summary, "wal_only_row")
    for key, missing in wal_only.items():
        assert missing <= max(2, summary.row_counts[key] * 0.03), key


# ---------------------------------------------------------------------------
# Passwords and encryption
# ---------------------------------------------------------------------------


def test_werkzeug_accepts_the_sample_password_of_pbkdf2_and_scrypt_users(summary):
    with connect(summary.directory, "mingus.db") as conn:
        rows = conn.execute(
            "SELECT id, password_hash FROM users WHERE password_hash IS NOT NULL ORDER BY id"
        ).fetchall()
        nulls = count_rows(conn, "users", "password_hash IS NULL")
    assert nulls == summary.defect_counts["mingus.db", "users"]["null_password_hash"] > 0
    pattern = re.compile(
        r"(pbkdf2:sha256:(150000|260000|600000)|scrypt:32768:8:1)"
        r"\$[A-Za-z0-9]{16}\$[0-9a-f]+"
    )
    assert all(pattern.fullmatch(hashed) for _, hashed in rows)
    checked = set()
    for user_id, hashed in rows:
        method = hashed.split("$")[0]
        if method in checked:
            continue
        checked.add(method)
        assert check_password_hash(hashed, sample_password(legacy_user_id=user_id, seed=0))
        assert not check_password_hash(hashed, sample_password(legacy_user_id=user_id + 1, seed=0))
    assert {m.split(":")[0] for m in checked} == {"pbkdf2", "scrypt"}
    assert len(checked) == 4


def test_financial_profiles_decrypt_only_with_the_key_of_their_key_version(summary):
    keys = summary.fernet_keys
    assert keys == sample_fernet_keys(seed=0) != sample_fernet_keys(seed=1)
    with connect(summary.directory, "mingus.db") as conn:
        rows = conn.execute(
            "SELECT key_version, encrypted_data, typeof(encrypted_data) FROM encrypted_financial_profiles ORDER BY id"
        ).fetchall()
    versions = {version for version, _, _ in rows}
    assert versions == {1, 2, 3}
    old = sum(1 for version, _, _ in rows if version < 3)
    assert old == summary.defect_counts["mingus.db", "encrypted_financial_profiles"]["fernet_old_key"]
    for version in (1, 2, 3):
        token = next(data for v, data, _ in rows if v == version)
        document = json.loads(Fernet(keys[3 - version]).decrypt(token))
        assert {"accounts", "net_worth", "monthly_income", "debts"} <= document.keys()
        for other in {1, 2, 3} - {version}:
            with pytest.raises(InvalidToken):
                Fernet(keys[3 - other]).decrypt(token)
    assert {kind for _, _, kind in rows} == {"blob"}


# ---------------------------------------------------------------------------
# Defects: each present at scale 1 and counted exactly as it is in the data
# ---------------------------------------------------------------------------


def observed_orphans(directory: Path) -> dict[tuple[str, str], int]:
    found = {}
    for (name, table), column in USER_COLUMNS.items():
        with connect(directory, name) as conn:
            conn.execute("ATTACH DATABASE ? AS core", (str(directory / "mingus.db"),))
            missing_user = f"{column} NOT IN (SELECT id FROM core.users)"  # noqa: S608
            n = count_rows(conn, table, f"{column} IS NOT NULL AND {missing_user}")
        if n:
            found[name, table] = n
    return found


def observed_where(directory: Path, conditions: dict[tuple[str, str], str]):
    found = {}
    for (name, table), where in conditions.items():
        with connect(directory, name) as conn:
            n = count_rows(conn, table, where)
        if n:
            found[name, table] = n
    return found


def observed_python(directory: Path, columns: dict[tuple[str, str], tuple[str, ...]], test):
    """Rows where ``test(value)`` holds for any non-NULL value of ``columns``."""
    found = {}
    for (name, table), names in columns.items():
        with connect(directory, name) as conn:
            rows = conn.execute(f"SELECT {', '.join(names)} FROM {table}")  # noqa: S608
            n = sum(1 for row in rows if any(v is not None and test(v) for v in row))
        if n:
            found[name, table] = n
    return found


def is_noisy(value: float) -> bool:
    return value != round(value, 2)


def is_impossible_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return True
    return False


def has_non_utc_offset(value: str) -> bool:
    offset = datetime.fromisoformat(value).utcoffset()
    assert offset is not None, value
    return offset != timedelta(0)


def datetime_columns(directory: Path, name: str, table: str, naming) -> tuple[str, ...]:
    with connect(directory, name) as conn:
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
    return tuple(column for _, column, kind, *_ in info if naming(column, kind))


def microsecond_conditions(directory: Path) -> dict[tuple[str, str], str]:
    conditions = {}
    for name in ("mingus.db", "performance_metrics.db", "alerts.db"):
        with connect(directory, name) as conn:
            tables = tables_of(conn)
        for table in tables:
            if name == "mingus.db":
                columns = datetime_columns(directory, name, table, lambda c, k: k == "DATETIME")
            else:
                columns = datetime_columns(directory, name, table, lambda c, k: c.endswith("_at"))
            if columns:
                conditions[name, table] = " OR ".join(f"{c} LIKE '%.%'" for c in columns)
    return conditions


def observed_unknown_enums(directory: Path) -> dict[tuple[str, str], int]:
    found = {}
    for (name, table), enums in ENUMS.items():
        with connect(directory, name) as conn:
            rows = conn.execute(f"SELECT {', '.join(enums)} FROM {table}")  # noqa: S608
            n = sum(
                1
                for row in rows
                if any(value not in allowed for value, allowed in zip(row, enums.values(), strict=True))
            )
        if n:
            found[name, table] = n
    return found


def either(columns, template: str) -> str:
    return " OR ".join(template.format(c=c) for c in columns)


DEFECT_OBSERVERS = {
    "orphan_user_id": observed_orphans,
    "email_variant": lambda d: observed_where(
        d,
        {
            ("mingus.db", "users"): "email <> lower(trim(email)) AND EXISTS (SELECT 1 FROM users b "
            "WHERE b.id < users.id AND b.email = lower(trim(users.email)))",
        },
    ),
    "float_noise": lambda d: observed_python(d, MONEY_COLUMNS, is_noisy),
    "display_money": lambda d: observed_python(
        d, {("mingus.db", "user_expense_due_dates"): ("amount",)}, lambda v: DISPLAY_MONEY.fullmatch(v) is not None
    ),
    "display_money_negative": lambda d: observed_where(
        d,
        {
            ("mingus.db", "user_expense_due_dates"): "amount LIKE '-$%' OR amount LIKE '($%)'",
        },
    ),
    "us_format_date": lambda d: observed_python(
        d,
        {("mingus.db", "user_expense_due_dates"): ("due_date",)},
        lambda v: datetime.strptime(v, "%m/%d/%Y") is not None,
    ),
    "text_boolean": lambda d: observed_where(
        d, {key: either(columns, "typeof({c}) = 'text'") for key, columns in BOOLEAN_COLUMNS.items()}
    ),
    "invalid_json": lambda d: observed_where(
        d, {key: either(columns, "({c} IS NOT NULL AND NOT json_valid({c}))") for key, columns in JSON_COLUMNS.items()}
    ),
    "null_password_hash": lambda d: observed_where(
        d,
        {
            ("mingus.db", "users"): "password_hash IS NULL",
        },
    ),
    "fernet_old_key": lambda d: observed_where(
        d,
        {
            ("mingus.db", "encrypted_financial_profiles"): "key_version < 3",
        },
    ),
    "microsecond_timestamp": lambda d: observed_where(d, microsecond_conditions(d)),
    "non_utc_offset": lambda d: observed_python(
        d,
        {("business_intelligence.db", table): columns for table, columns in BI_TIMESTAMPS.items()},
        has_non_utc_offset,
    ),
    "typed_setting": lambda d: observed_where(
        d,
        {
            ("mingus.db", "system_settings"): "value_type <> 'str'",
        },
    ),
    "expired_cache_row": lambda d: observed_where(
        d, {("cache.db", table): f"expires_at < {NOW_TS}" for table in ("cache_entries", "query_cache", "api_cache")}
    ),
    "duplicate_key": lambda d: observed_where(
        d,
        {
            ("mingus.db", "daily_cashflow"): "rowid NOT IN (SELECT min(rowid) FROM daily_cashflow "
            "GROUP BY user_id, date)",
        },
    ),
    "rating_out_of_range": lambda d: observed_where(
        d,
        {
            ("mingus.db", "user_health_checkins"): either(
                ("stress_level", "mood_rating", "relationships_rating"), "{c} NOT BETWEEN 1 AND 10"
            ),
        },
    ),
    "negative_minutes": lambda d: observed_where(
        d,
        {
            ("mingus.db", "user_health_checkins"): "physical_activity_minutes < 0",
        },
    ),
    "impossible_date": lambda d: observed_python(
        d,
        {
            ("mingus.db", "important_dates"): ("event_date",),
            ("mingus.db", "user_goals"): ("target_date",),
        },
        is_impossible_date,
    ),
    "unknown_enum": lambda d: observed_unknown_enums(d),
}


def test_every_defect_class_has_an_observer():
    assert set(DEFECT_OBSERVERS) | {"wal_only_row"} == set(DEFECT_CLASSES)


@pytest.mark.parametrize("defect", sorted(DEFECT_OBSERVERS))
def test_defect_is_present_at_scale_one_and_counted_as_found_in_the_data(summary, defect):
    observed = DEFECT_OBSERVERS[defect](summary.directory)
    assert observed, f"no {defect} in the data"
    assert observed == counted(summary, defect)


def test_every_per_user_table_of_every_file_with_users_has_orphans(summary):
    orphans = counted(summary, "orphan_user_id")
    assert {name for name, _ in orphans} == {
        "mingus.db",
        "business_intelligence.db",
        "performance_metrics.db",
        "alerts.db",
    }
    assert all(("mingus.db", table) in orphans for (name, table), column in USER_COLUMNS.items() if name == "mingus.db")
    with connect(summary.directory, "business_intelligence.db") as conn:
        conn.execute("ATTACH DATABASE ? AS core", (str(summary.directory / "mingus.db"),))
        assert count_rows(conn, "users", "id NOT IN (SELECT id FROM core.users)") > 0


def test_defects_stay_in_small_proportions(summary):
    rows, defects = summary.row_counts, summary.defect_counts
    assert defects["mingus.db", "users"]["email_variant"] / rows["mingus.db", "users"] < 0.06
    noise = defects["mingus.db", "daily_cashflow"]["float_noise"]
    assert 0.1 < noise / rows["mingus.db", "daily_cashflow"] < 0.3
    for defect in ("duplicate_key", "rating_out_of_range", "negative_minutes"):
        total = sum(counted(summary, defect).values())
        assert total / rows["mingus.db", "daily_cashflow"] < 0.01, defect
    expired = sum(counted(summary, "expired_cache_row").values())
    cache_rows = sum(n for (name, _), n in rows.items() if name == "cache.db")
    assert 0.3 < expired / cache_rows < 0.5


# ---------------------------------------------------------------------------
# Value conventions
# ---------------------------------------------------------------------------


def test_float_money_rounds_back_to_cents_and_cash_flow_balances(summary):
    with connect(summary.directory, "mingus.db") as conn:
        rows = conn.execute("SELECT opening_balance, income, expenses, closing_balance FROM daily_cashflow").fetchall()
    for row in rows:
        cents = [round(v * 100) for v in row]
        assert all(abs(v * 100 - c) < 1e-6 for v, c in zip(row, cents, strict=True))
        assert cents[0] + cents[1] - cents[2] == cents[3]


def test_timestamps_follow_the_convention_of_each_file(summary):
    directory = summary.directory
    with connect(directory, "mingus.db") as conn:
        values = [
            v for (v,) in conn.execute("SELECT created_at FROM users UNION ALL SELECT created_at FROM daily_cashflow")
        ]
        assert all(MINGUS_DATETIME.fullmatch(v) for v in values)
        assert conn.execute("SELECT DISTINCT typeof(created_at) FROM audit_logs").fetchall() == [("integer",)]
        dates = [v for (v,) in conn.execute("SELECT checkin_date FROM user_health_checkins")]
        assert all(date.fromisoformat(v) for v in dates)
    with connect(directory, "business_intelligence.db") as conn:
        query = "SELECT created_at FROM analytics_events ORDER BY id"
        values = [v for (v,) in conn.execute(query)]
    assert any(v.endswith("Z") for v in values)
    assert any(v.endswith("-05:00") for v in values)
    assert all(datetime.fromisoformat(v).tzinfo is not None for v in values)
    # The offset is applied to the instant, not pasted on: instants stay in row order.
    instants = [datetime.fromisoformat(v).timestamp() for v in values]
    assert instants == sorted(instants)
    with connect(directory, "cache.db") as conn:
        assert conn.execute("SELECT DISTINCT typeof(expires_at) FROM cache_entries").fetchall() == [("real",)]
        assert conn.execute("SELECT DISTINCT typeof(expires_at) FROM api_cache").fetchall() == [("integer",)]
        whole = count_rows(conn, "query_cache", "expires_at = CAST(expires_at AS INTEGER)")
        assert 0 < whole < count_rows(conn, "query_cache", "1")
        blobs = [v for (v,) in conn.execute("SELECT value FROM cache_entries")]
    assert all(isinstance(v, bytes) for v in blobs)
    assert any(not is_utf8(v) for v in blobs)
    naive = (
        ("performance_metrics.db", "SELECT recorded_at FROM api_response_times"),
        ("alerts.db", "SELECT created_at FROM alerts"),
    )
    for name, query in naive:
        with connect(directory, name) as conn:
            values = [v for (v,) in conn.execute(query)]
        assert all(NAIVE_ISOFORMAT.fullmatch(v) for v in values), name


def is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_system_settings_values_parse_as_their_value_type(summary):
    parse = {
        "int": int,
        "float": float,
        "bool": lambda v: {"true": True, "false": False}[v],
        "json": json.loads,
        "str": str,
    }
    with connect(summary.directory, "mingus.db") as conn:
        rows = conn.execute("SELECT key, value, value_type FROM system_settings").fetchall()
    assert {value_type for _, _, value_type in rows} == set(parse)
    for key, value, value_type in rows:
        parse[value_type](value)
        if value_type == "str":
            assert key


def test_json_columns_hold_objects_or_arrays_when_valid(summary):
    for (name, table), columns in JSON_COLUMNS.items():
        with connect(summary.directory, name) as conn:
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608
        kinds = set()
        for row in rows:
            for value in row:
                try:
                    kinds.add(type(json.loads(value)))
                except ValueError:
                    assert value == "" or value.startswith(("{", "["))
        assert kinds <= {dict, list} and kinds, (name, table)


def test_in_file_references_point_at_existing_parent_rows(summary):
    checks = {
        "business_intelligence.db": (
            "SELECT count(*) FROM report_runs WHERE report_id NOT IN (SELECT id FROM reports)",
            "SELECT count(*) FROM cohort_memberships WHERE cohort_id NOT IN (SELECT id FROM cohorts)",
        ),
        "alerts.db": (
            "SELECT count(*) FROM alerts WHERE rule_id IS NOT NULL AND rule_id NOT IN (SELECT id FROM alert_rules)",
            "SELECT count(*) FROM alert_notifications WHERE alert_id NOT IN (SELECT id FROM alerts)",
            "SELECT count(*) FROM alert_subscriptions WHERE rule_id NOT IN (SELECT id FROM alert_rules)",
        ),
    }
    for name, queries in checks.items():
        with connect(summary.directory, name) as conn:
            for query in queries:
                assert conn.execute(query).fetchone() == (0,), query
