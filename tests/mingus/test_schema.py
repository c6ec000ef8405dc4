"""The unified schema as PostgreSQL sees it (information_schema, not Django's idea of it)."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from mingus.db import DOMAIN_APPS, UserOwnedModel
from ops.legacy.mapping import NAME_CONFLICTS, TABLE_MAPPINGS, render_mapping_markdown

NAMED_TABLES = [
    "users",
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
    "analytics_events",
    "performance_metrics",
    "system_settings",
    "audit_logs",
]
# Money columns by table; every one must be numeric(14,2).
MONEY_COLUMNS = {
    "user_profiles": ["annual_income"],
    "subscriptions": ["price"],
    "user_income_due_dates": ["amount"],
    "user_expense_due_dates": ["amount"],
    "daily_cashflow": ["opening_balance", "income", "expenses", "closing_balance"],
    "important_dates": ["amount"],
    "career_profiles": ["current_salary", "target_salary"],
    "income_comparisons": ["user_income", "group_median"],
    "user_goals": ["target_amount", "current_amount"],
    "bi_users": ["lifetime_value"],
    "bi_income_comparisons": ["median_income", "p25_income", "p75_income"],
}


def _columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
            [table],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _domain_models():
    return [m for m in apps.get_models() if m._meta.app_label in DOMAIN_APPS]


@pytest.mark.django_db
@pytest.mark.parametrize("table", NAMED_TABLES)
def test_named_table_exists_with_uuid_primary_key(table):
    columns = _columns(table)
    assert columns, f"table {table} does not exist"
    assert columns["id"][0] == "uuid"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary",
            [table],
        )
        assert [r[0] for r in cursor.fetchall()] == ["id"]


@pytest.mark.django_db
def test_every_domain_table_has_a_uuid_primary_key():
    for model in _domain_models():
        assert _columns(model._meta.db_table)["id"][0] == "uuid", model


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "columns"), MONEY_COLUMNS.items())
def test_money_columns_are_numeric_14_2(table, columns):
    actual = _columns(table)
    for column in columns:
        assert actual[column][:3] == ("numeric", 14, 2), (table, column, actual[column])


@pytest.mark.django_db
def test_no_domain_column_is_a_float_where_money_is_expected():
    # Every DecimalField in the domain apps is money, and so numeric(14,2).
    for model in _domain_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() == "DecimalField":
                assert (field.max_digits, field.decimal_places) == (14, 2), (model, field.name)


@pytest.mark.django_db
def test_json_columns_are_jsonb_and_timestamps_are_timestamptz():
    for model in _domain_models():
        columns = _columns(model._meta.db_table)
        for field in model._meta.concrete_fields:
            data_type = columns[field.column][0]
            if field.get_internal_type() == "JSONField":
                assert data_type == "jsonb", (model, field.name)
            if field.get_internal_type() == "DateTimeField":
                assert data_type == "timestamp with time zone", (model, field.name)
            if field.get_internal_type() == "DateField":
                assert data_type == "date", (model, field.name)


@pytest.mark.django_db
def test_every_per_user_table_has_a_non_null_user_id_and_an_index_led_by_it():
    per_user = [
        m
        for m in _domain_models()
        if any(f.name == "user" and not f.null for f in m._meta.concrete_fields) and m._meta.db_table != "users"
    ]
    assert {m for m in _domain_models() if issubclass(m, UserOwnedModel)} <= set(per_user)
    assert len(per_user) == 15
    with connection.cursor() as cursor:
        for model in per_user:
            table = model._meta.db_table
            assert _columns(table)["user_id"][3] == "NO", table
            cursor.execute(
                "SELECT count(*) FROM pg_index i JOIN pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                "WHERE i.indrelid = %s::regclass AND a.attname = 'user_id'",
                [table],
            )
            assert cursor.fetchone()[0] >= 1, f"{table} has no index led by user_id"


@pytest.mark.django_db
def test_every_user_id_column_references_users():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.columns c WHERE c.table_schema = 'public' "
            "AND c.column_name = 'user_id' AND c.table_name <> 'audit_logs' AND NOT EXISTS ("
            "  SELECT 1 FROM information_schema.key_column_usage k "
            "  JOIN information_schema.referential_constraints r ON r.constraint_name = k.constraint_name "
            "  WHERE k.table_name = c.table_name AND k.column_name = 'user_id')"
        )
        assert cursor.fetchall() == []


def test_mapping_covers_all_36_legacy_tables_once():
    keys = [(m.source_file, m.source_table) for m in TABLE_MAPPINGS]
    assert len(keys) == 36
    assert len(set(keys)) == 36
    assert len({m.target_table for m in TABLE_MAPPINGS}) == 36


def test_name_conflicts_resolve_to_distinct_tables():
    resolved = {name: sorted(m.target_table for m in ms) for name, ms in NAME_CONFLICTS.items()}
    assert resolved == {
        "users": ["bi_users", "users"],
        "income_comparisons": ["bi_income_comparisons", "income_comparisons"],
        "alerts": ["alerts", "perf_alerts"],
    }


def test_mapping_names_every_table_of_the_contract():
    contract = Path(__file__).resolve().parents[2] / "ops" / "legacy" / "contract"
    declared = set()
    for ddl in contract.glob("*.sql"):
        for table in re.findall(r"CREATE TABLE (\w+)", ddl.read_text()):
            declared.add((ddl.stem + ".db", table))
    assert declared == {(m.source_file, m.source_table) for m in TABLE_MAPPINGS}


def test_readme_shows_the_mapping_from_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert render_mapping_markdown() in readme, "README mapping is stale: paste `manage.py legacy_mapping`"
