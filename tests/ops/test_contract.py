import sqlite3

from ops.legacy.contract import CONTRACT_DIR, ColumnSpec, load_contract, read_table_specs
from ops.legacy.mapping import LEGACY_FILES, get_mapping


def test_the_contract_has_the_five_legacy_files_and_36_tables():
    contract = load_contract()

    assert list(contract) == list(LEGACY_FILES)
    assert {name: len(tables) for name, tables in contract.items()} == {
        "mingus.db": 15,
        "business_intelligence.db": 8,
        "cache.db": 3,
        "performance_metrics.db": 6,
        "alerts.db": 4,
    }
    assert sum(len(tables) for tables in contract.values()) == 36


def test_columns_keep_their_declared_type_not_null_default_and_key():
    users = load_contract()["mingus.db"]["users"]

    assert users.column("email") == ColumnSpec(
        name="email", declared_type="VARCHAR(255)", not_null=True, default=None, primary_key=0
    )
    assert users.column("id").primary_key == 1
    assert users.column("created_at").default == "CURRENT_TIMESTAMP"
    assert users.column("is_active") == ColumnSpec("is_active", "BOOLEAN", False, "1", 0)
    assert load_contract()["alerts.db"]["alerts"].column("status").default == "'open'"


def test_a_composite_primary_key_records_each_columns_position():
    kpi = load_contract()["business_intelligence.db"]["kpi_daily"]

    assert [(c.name, c.primary_key) for c in kpi.columns] == [("date", 1), ("metric", 2), ("value", 0)]


def test_sqlite_internal_tables_created_by_autoincrement_are_not_part_of_the_contract():
    assert all("sqlite_sequence" not in tables for tables in load_contract().values())


def test_the_conflicting_table_names_have_different_columns_in_each_file():
    contract = load_contract()

    assert "email" in contract["mingus.db"]["users"].column_names
    assert "email" not in contract["business_intelligence.db"]["users"].column_names
    assert contract["performance_metrics.db"]["alerts"].column_names != contract["alerts.db"]["alerts"].column_names


def test_every_contract_table_has_a_mapping_and_every_mapping_a_contract_table():
    contract = load_contract()

    unmapped = [
        (name, table)
        for name, tables in contract.items()
        for table in tables
        if get_mapping(source_file=name, source_table=table) is None
    ]
    assert unmapped == []


def test_editing_a_returned_contract_does_not_change_the_next_one():
    load_contract()["mingus.db"].pop("users")

    assert "users" in load_contract()["mingus.db"]


def test_a_database_built_from_the_ddl_reads_back_as_the_contract(tmp_path):
    path = tmp_path / "cache.db"
    connection = sqlite3.connect(path)
    connection.executescript((CONTRACT_DIR / "cache.sql").read_text())
    connection.close()

    connection = sqlite3.connect(path)
    try:
        assert read_table_specs(connection=connection) == load_contract()["cache.db"]
    finally:
        connection.close()
