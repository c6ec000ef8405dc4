"""import_sqlite over the whole generated sample (ops/legacy/sample.py, scale 0.2, seed 0).

The sample carries every documented defect in small proportions and leaves its
last rows in ``-wal`` files. It is generated once per test process; every
test imports it in-process inside its own test transaction.
"""

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from io import StringIO

import pytest
from cryptography.fernet import Fernet, MultiFernet
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from finance.models import DailyCashflow, EncryptedFinancialProfile
from mingus import crypto
from mingus.accounts.models import User
from ops.legacy import ids
from ops.legacy.rollback import RollbackFailed, rollback_import
from ops.legacy.sample import sample_fernet_keys, sample_password
from ops.models import ImportRun, ImportStatus, LegacyExtra, QuarantinedRow
from tests.ops.legacy_fixtures import (
    SAMPLE_SEED,
    content_checksums,
    file_states,
    quarantine_content,
    readable_copy,
    run_import,
    sample_dir_fixture,  # noqa: F401 (the sample_dir fixture)
    sample_settings_fixture,  # noqa: F401 (the sample_settings fixture)
    source_counts,
    table_counts,
)


@pytest.fixture(scope="module")
def sample_copy(sample_dir, tmp_path_factory):
    """A private copy of the sample for the tests to read with plain sqlite3 (never the source itself)."""
    return readable_copy(sample_dir, tmp_path_factory.mktemp("sample-copy"))


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("sample_settings")]


def sqlite_rows(copy, file: str, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(copy / file)) as conn:
        return conn.execute(sql, params).fetchall()


def quarantined_rowids(file: str, table: str) -> set[int]:
    return set(
        QuarantinedRow.objects.filter(source_file=file, source_table=table).values_list("source_rowid", flat=True)
    )


# --------------------------------------------------------------------------------------------
# Count identity, money, sign-in, decryption
# --------------------------------------------------------------------------------------------


def test_every_table_adds_up_and_matches_its_source_and_the_sources_are_untouched(db, sample_dir, sample_copy):
    before = file_states(sample_dir)
    expected = source_counts(sample_copy)

    result = run_import(sample_dir)

    report = result.report
    assert report["problems"] == []
    assert {(t["source_file"], t["source_table"]) for t in report["tables"]} == set(expected)
    for table in report["tables"]:
        accounted = table["inserted"] + table["already_present"] + table["quarantined"] + table["skipped"]
        assert table["read"] == accounted, table
        assert table["read"] == table["source_rows"] == expected[(table["source_file"], table["source_table"])]
        assert table["already_present"] == 0
        stored = QuarantinedRow.objects.filter(source_file=table["source_file"], source_table=table["source_table"])
        assert stored.count() == table["quarantined"]
    assert report["totals"]["read"] == sum(expected.values())
    assert report["totals"]["quarantined"] > 0
    assert report["totals"]["skipped"] > 0  # expired cache rows
    assert report["placeholders_created"] > 0
    assert QuarantinedRow.objects.count() == report["totals"]["quarantined"]
    assert ImportRun.objects.get(pk=result.run_id).status == ImportStatus.SUCCEEDED
    # The sample's -wal files have no -shm: reading them must not create one, nor change anything.
    assert file_states(sample_dir) == before
    assert not list(sample_dir.glob("*-shm"))


def test_daily_cashflow_money_sums_to_the_cent_over_the_imported_rows(db, sample_dir, sample_copy):
    run_import(sample_dir)

    skipped = quarantined_rowids("mingus.db", "daily_cashflow")
    assert skipped  # the sample's duplicate (user, date) rows
    marks = ", ".join("?" * len(skipped))
    for column in ("income", "expenses", "opening_balance", "closing_balance"):
        [(legacy_cents,)] = sqlite_rows(
            sample_copy,
            "mingus.db",
            f"SELECT sum(round({column} * 100)) FROM daily_cashflow WHERE rowid NOT IN ({marks})",  # noqa: S608
            sorted(skipped),
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT sum({column}) FROM daily_cashflow")  # noqa: S608
            imported = cursor.fetchone()[0]
        assert imported * 100 == Decimal(int(legacy_cents)), column
    [(source_rows,)] = sqlite_rows(sample_copy, "mingus.db", "SELECT count(*) FROM daily_cashflow")
    assert DailyCashflow.objects.count() == source_rows - len(skipped)


@pytest.mark.parametrize("method", ["pbkdf2:sha256:150000", "scrypt:"])
def test_a_sample_user_signs_in_with_the_legacy_password(db, sample_dir, sample_copy, method):
    run_import(sample_dir)

    candidates = sqlite_rows(
        sample_copy,
        "mingus.db",
        "SELECT id FROM users WHERE password_hash LIKE ? AND is_active IN (1, 'true', 'True') ORDER BY id",
        [method + "%"],
    )
    account = next(
        user
        for (legacy_id,) in candidates
        if (user := User.objects.get(id=ids.user_uuid(legacy_id))).legacy_status is None
    )
    legacy_id = ids.rowid_of(account.id)
    password = sample_password(legacy_user_id=legacy_id, seed=SAMPLE_SEED)

    assert authenticate(username=account.email, password=password + "x") is None
    signed_in = authenticate(username=account.email.upper(), password=password)

    assert signed_in is not None
    assert signed_in.pk == account.pk
    assert User.objects.get(pk=account.pk).password.startswith("pbkdf2_sha256$")


def test_sample_financial_profiles_decrypt_to_the_source_plaintext(db, sample_dir, sample_copy):
    run_import(sample_dir)

    legacy_keys = MultiFernet([Fernet(k) for k in sample_fernet_keys(seed=SAMPLE_SEED)])
    rows = sqlite_rows(
        sample_copy, "mingus.db", "SELECT rowid, encrypted_data, key_version FROM encrypted_financial_profiles"
    )
    versions = {version for _, _, version in rows}
    assert min(versions) < 3 and max(versions) == 3  # older legacy keys and the newest are all exercised
    for rowid, token, _ in rows:
        plaintext = legacy_keys.decrypt(bytes(token))
        profile = EncryptedFinancialProfile.objects.get(
            id=ids.legacy_uuid("mingus.db", "encrypted_financial_profiles", rowid)
        )
        assert crypto.decrypt_bytes(profile.encrypted_data) == plaintext
        assert profile.decrypt() == json.loads(plaintext)
        assert profile.encrypted_data.encode() != bytes(token)


# --------------------------------------------------------------------------------------------
# Idempotence and dry run
# --------------------------------------------------------------------------------------------


def test_a_second_import_of_the_same_files_changes_nothing(db, sample_dir):
    first = run_import(sample_dir)
    counts, checksums, quarantine = table_counts(bookkeeping=False), content_checksums(), quarantine_content()

    second = run_import(sample_dir)

    assert second.run_id != first.run_id
    assert second.report["totals"]["inserted"] == 0
    assert second.report["totals"]["already_present"] == first.report["totals"]["inserted"]
    for before, after in zip(first.report["tables"], second.report["tables"], strict=True):
        assert (after["source_file"], after["source_table"]) == (before["source_file"], before["source_table"])
        assert after["inserted"] == 0, after
        assert after["already_present"] == before["inserted"], after
        assert (after["quarantined"], after["skipped"]) == (before["quarantined"], before["skipped"]), after
    assert second.report["placeholders_created"] == 0
    assert second.report["indexes_built_again"] == {}  # loaded tables keep their indexes throughout
    assert table_counts(bookkeeping=False) == counts
    assert content_checksums() == checksums
    assert quarantine_content() == quarantine
    triples = QuarantinedRow.objects.values_list("source_file", "source_table", "source_rowid")
    assert len(set(triples)) == len(triples) == first.report["totals"]["quarantined"]
    assert all(q.run_id == first.run_id for q in QuarantinedRow.objects.all())


def test_a_dry_run_reports_the_import_but_changes_nothing(db, sample_dir):
    before = table_counts()

    dry = run_import(sample_dir, dry_run=True)

    assert (dry.run_id, dry.dry_run) == (None, True)
    assert dry.report["dry_run"] is True
    assert dry.report["totals"]["inserted"] > 0
    assert dry.report["totals"]["quarantined"] > 0
    assert table_counts() == before
    # What the dry run announced is what a real run then does.
    real = run_import(sample_dir)
    for announced, done in zip(dry.report["tables"], real.report["tables"], strict=True):
        keys = ("source_file", "source_table", "read", "inserted", "already_present", "quarantined", "skipped")
        assert {k: announced[k] for k in keys} == {k: done[k] for k in keys}
    assert dry.report["placeholders_created"] == real.report["placeholders_created"]


# --------------------------------------------------------------------------------------------
# Rollback
# --------------------------------------------------------------------------------------------


def test_rollback_removes_exactly_the_rows_the_run_inserted(db, sample_dir, make_user, tmp_path):
    # A column the contract does not know, so that the run keeps extras for rollback to remove.
    sample_dir = readable_copy(sample_dir, tmp_path / "with-extras")
    with closing(sqlite3.connect(sample_dir / "mingus.db")) as conn, conn:
        conn.execute("ALTER TABLE user_goals ADD COLUMN legacy_note TEXT")
        conn.execute("UPDATE user_goals SET legacy_note = 'note ' || id WHERE id % 3 = 0")
    keeper = make_user(email="keeper@example.com")
    DailyCashflow.objects.create(user=keeper, date="2024-01-01", income=Decimal("1.00"))
    before = table_counts(bookkeeping=False)
    result = run_import(sample_dir)
    extras = LegacyExtra.objects.count()
    assert extras > 0  # user_goals.legacy_note

    outcome = rollback_import(run_id=result.run_id)

    assert table_counts(bookkeeping=False) == before
    assert User.objects.filter(pk=keeper.pk).exists()
    assert DailyCashflow.objects.get().user == keeper
    assert ImportRun.objects.get(pk=result.run_id).status == ImportStatus.ROLLED_BACK
    assert outcome.placeholders_deleted == result.report["placeholders_created"]
    assert outcome.quarantined_deleted == result.report["totals"]["quarantined"]
    assert sum(outcome.deleted.values()) == result.report["totals"]["inserted"]
    assert outcome.extras_deleted == extras
    with pytest.raises(RollbackFailed, match="already rolled back"):
        rollback_import(run_id=result.run_id)
    # After a rollback the same files import again, in full.
    again = run_import(sample_dir)
    assert again.report["totals"]["inserted"] == result.report["totals"]["inserted"]


def test_rolling_back_a_run_that_found_everything_present_deletes_nothing(db, sample_dir):
    run_import(sample_dir)
    after_first = table_counts(bookkeeping=False)
    checksums = content_checksums()
    second = run_import(sample_dir)

    rollback_import(run_id=second.run_id)

    assert table_counts(bookkeeping=False) == after_first
    assert content_checksums() == checksums


def test_rollback_import_command_rolls_a_run_back(db, sample_dir):
    before = table_counts(bookkeeping=False)
    result = run_import(sample_dir)
    out = StringIO()

    call_command("rollback_import", str(result.run_id), stdout=out)

    assert f"Run {result.run_id} rolled back." in out.getvalue()
    assert "mingus.db:users:" in out.getvalue()
    assert table_counts(bookkeeping=False) == before
    with pytest.raises(CommandError, match="already rolled back"):
        call_command("rollback_import", str(result.run_id), stdout=StringIO())
