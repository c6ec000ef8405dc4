"""import_sqlite carries legacy accounts over: email variants, deleted users, passwords, encrypted profiles.

Tiny hand-made legacy directories (contract DDL); every assertion reads the
imported rows back from PostgreSQL.
"""

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import authenticate

from finance.models import DailyCashflow, EncryptedFinancialProfile
from mingus import crypto
from mingus.accounts.models import User
from ops.legacy import ids
from ops.legacy.importer import ImportFailed
from ops.models import AlertSubscription, AnalyticsEvent, BiUser, ErrorLog, ImportRun, LegacyExtra
from tests.ops.legacy_fixtures import (
    CREATED,
    LEGACY_KEY_NEW,
    LEGACY_KEY_OLD,
    import_settings_fixture,  # noqa: F401 (the import_settings fixture)
    legacy_dir_fixture,  # noqa: F401 (the legacy fixture)
    legacy_token,
    original,
    quarantined,
    run_import,
    table_report,
    werkzeug_hash,
)

pytestmark = pytest.mark.usefixtures("import_settings")


def user(legacy_id: int) -> User:
    return User.objects.get(id=ids.user_uuid(legacy_id))


# --------------------------------------------------------------------------------------------
# Email variants
# --------------------------------------------------------------------------------------------


def test_the_oldest_account_keeps_an_email_and_its_case_and_space_variants_get_placeholders(db, legacy):
    legacy.user(3, email=" BOB@X.COM")
    legacy.user(1, email="bob@x.com")
    legacy.user(2, email="Bob@x.com")

    result = run_import(legacy.path)

    assert (user(1).email, user(1).legacy_email, user(1).legacy_status) == ("bob@x.com", None, None)
    assert (user(2).email, user(2).legacy_email, user(2).legacy_status) == (
        "duplicate-2@legacy.invalid",
        "Bob@x.com",
        "email_conflict",
    )
    assert (user(3).email, user(3).legacy_email, user(3).legacy_status) == (
        "duplicate-3@legacy.invalid",
        " BOB@X.COM",
        "email_conflict",
    )
    report = table_report(result, "mingus.db", "users")
    assert (report["inserted"], report["quarantined"]) == (3, 0)
    assert report["normalised"] == {"email: email_conflict": 2}


def test_emails_the_database_lowercases_alike_are_variants_even_where_python_does_not(db, legacy):
    # PostgreSQL's lower() (the unique index is on it) makes "İ" an "i"; Python's str.lower() makes
    # it "i" plus a combining dot. The database decides: the later account is a variant, not a clash.
    legacy.user(1, email="İlker@x.com")
    legacy.user(2, email="ilker@x.com")

    result = run_import(legacy.path)

    assert (user(1).email, user(1).legacy_status) == ("İlker@x.com", None)
    assert (user(2).email, user(2).legacy_email, user(2).legacy_status) == (
        "duplicate-2@legacy.invalid",
        "ilker@x.com",
        "email_conflict",
    )
    report = table_report(result, "mingus.db", "users")
    assert (report["inserted"], report["quarantined"]) == (2, 0)


def test_a_lone_email_with_surrounding_spaces_is_trimmed_and_the_original_kept(db, legacy):
    legacy.user(1, email=" carol@x.com ")

    result = run_import(legacy.path)

    assert (user(1).email, user(1).legacy_email, user(1).legacy_status) == ("carol@x.com", " carol@x.com ", None)
    assert table_report(result, "mingus.db", "users")["normalised"] == {"email: surrounding whitespace removed": 1}


def test_an_email_already_used_by_an_app_account_makes_the_legacy_account_a_conflict(db, legacy, make_user):
    existing = make_user(email="dana@x.com")
    legacy.user(1, email="Dana@X.com")

    run_import(legacy.path)

    assert (user(1).email, user(1).legacy_email, user(1).legacy_status) == (
        "duplicate-1@legacy.invalid",
        "Dana@X.com",
        "email_conflict",
    )
    existing.refresh_from_db()
    assert existing.email == "dana@x.com"
    assert existing.legacy_status is None


def test_an_email_too_long_for_the_column_is_quarantined_not_fatal(transactional_db, legacy):
    legacy.user(1, email="ok@x.com")
    legacy.user(2, email="a" * 300 + "@x.com")

    run_import(legacy.path)

    assert user(1).email == "ok@x.com"
    assert quarantined("mingus.db", "users", 2).reason_code == "too_long"


# --------------------------------------------------------------------------------------------
# Orphans: rows of hard-deleted users
# --------------------------------------------------------------------------------------------


def test_rows_of_a_deleted_user_are_imported_under_an_inactive_placeholder_account(db, legacy):
    legacy.user(1)
    flow = legacy.insert("mingus.db", "daily_cashflow", user_id=77, date="2024-01-01", income=5.0, created_at=CREATED)
    event = legacy.insert(
        "business_intelligence.db", "analytics_events", user_id=77, event_type="page", event_name="view",
        created_at="2024-01-01T00:00:00Z",
    )  # fmt: skip
    legacy.insert("business_intelligence.db", "users", id=77, segment="gone")
    error = legacy.insert("performance_metrics.db", "error_logs", user_id=78, message="boom")

    result = run_import(legacy.path)

    placeholder = user(77)
    assert placeholder.email == "deleted-user-77@legacy.invalid"
    assert placeholder.is_active is False
    assert placeholder.has_usable_password() is False
    assert placeholder.legacy_status == "placeholder"
    assert (placeholder.is_staff, placeholder.is_superuser, placeholder.is_app_admin) == (False, False, False)
    assert user(78).email == "deleted-user-78@legacy.invalid"
    assert DailyCashflow.objects.get(id=ids.legacy_uuid("mingus.db", "daily_cashflow", flow)).user == placeholder
    assert (
        AnalyticsEvent.objects.get(id=ids.legacy_uuid("business_intelligence.db", "analytics_events", event)).user
        == placeholder
    )
    assert BiUser.objects.get().user == placeholder
    assert ErrorLog.objects.get(id=ids.legacy_uuid("performance_metrics.db", "error_logs", error)).user == user(78)
    assert result.report["placeholders_created"] == 2
    assert ImportRun.objects.get(pk=result.run_id).report["placeholders_created"] == [77, 78]
    assert User.objects.count() == 3
    assert result.report["totals"]["quarantined"] == 0


def test_a_placeholder_account_cannot_sign_in(db, legacy):
    legacy.insert(
        "alerts.db", "alert_rules", id=1, name="r", metric_name="m", operator=">", threshold=1, severity="info",
        enabled=1,
    )  # fmt: skip
    legacy.insert("alerts.db", "alert_subscriptions", user_id=5, rule_id=1, channel="email")

    run_import(legacy.path)

    assert AlertSubscription.objects.get().user == user(5)
    assert authenticate(username="deleted-user-5@legacy.invalid", password="") is None
    assert authenticate(username="deleted-user-5@legacy.invalid", password="!legacy-deleted-account") is None


def test_audit_entries_of_deleted_users_keep_their_subject_without_a_placeholder(db, legacy):
    rowid = legacy.insert("mingus.db", "audit_logs", user_id=99, action="login", created_at=1736942400)

    result = run_import(legacy.path)

    from ops.models import AuditLog

    assert AuditLog.objects.get(id=ids.legacy_uuid("mingus.db", "audit_logs", rowid)).user_id == ids.user_uuid(99)
    assert not User.objects.filter(id=ids.user_uuid(99)).exists()
    assert result.report["placeholders_created"] == 0


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt:16384:8:1"])
def test_a_legacy_werkzeug_password_signs_in_and_is_upgraded(db, legacy, method):
    legacy.user(1, email="erin@x.com", password_hash=werkzeug_hash("Correct-horse-9", method=method))

    run_import(legacy.path)

    stored = user(1).password
    assert stored.startswith(("werkzeug_pbkdf2$", "werkzeug_scrypt$"))
    assert stored.split("$", 1)[1].startswith(method)
    assert authenticate(username="erin@x.com", password="wrong") is None
    signed_in = authenticate(username=" Erin@X.com ", password="Correct-horse-9")
    assert signed_in is not None
    assert signed_in.pk == ids.user_uuid(1)
    upgraded = user(1).password
    assert upgraded.startswith("pbkdf2_sha256$")
    assert authenticate(username="erin@x.com", password="Correct-horse-9").pk == ids.user_uuid(1)


def test_a_legacy_account_without_a_password_hash_is_imported_but_cannot_sign_in(db, legacy):
    legacy.user(1, email="sso@x.com", password_hash=None)

    result = run_import(legacy.path)

    account = user(1)
    assert account.has_usable_password() is False
    assert authenticate(username="sso@x.com", password="") is None
    assert authenticate(username="sso@x.com", password="!legacy-account-without-password") is None
    assert table_report(result, "mingus.db", "users")["quarantined"] == 0


def test_a_password_hash_in_an_unknown_format_is_quarantined(db, legacy):
    legacy.user(1, password_hash="md5$abc$0123")

    run_import(legacy.path)

    row = quarantined("mingus.db", "users", 1)
    assert row.reason_code == "bad_password_hash"
    assert original(row)["password_hash"] == ["text", "md5$abc$0123"]


# --------------------------------------------------------------------------------------------
# Encrypted financial profiles
# --------------------------------------------------------------------------------------------

DOCUMENT = {"net_worth": "-1234.56", "accounts": [{"type": "checking", "balance": "10.00"}], "credit_score": 701}


def test_a_profile_under_the_oldest_legacy_key_is_re_encrypted_and_decrypts_to_the_source(db, legacy):
    legacy.user(1)
    token = legacy_token(DOCUMENT, key=LEGACY_KEY_OLD)
    rowid = legacy.insert(
        "mingus.db", "encrypted_financial_profiles", user_id=1, encrypted_data=token, key_version=1, created_at=CREATED
    )

    result = run_import(legacy.path)

    profile = EncryptedFinancialProfile.objects.get(
        id=ids.legacy_uuid("mingus.db", "encrypted_financial_profiles", rowid)
    )
    assert profile.decrypt() == DOCUMENT
    assert crypto.decrypt_bytes(profile.encrypted_data) == Fernet(LEGACY_KEY_OLD.encode()).decrypt(token)
    assert profile.encrypted_data.encode() != token
    assert "net_worth" not in profile.encrypted_data
    for legacy_key in (LEGACY_KEY_OLD, LEGACY_KEY_NEW):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_bytes(profile.encrypted_data, keyring=crypto.build_keyring(keys=[legacy_key]))
    # key_version no longer names a key in use, but it is kept on the row as provenance.
    assert profile.legacy_key_version == 1
    assert not LegacyExtra.objects.filter(source_table="encrypted_financial_profiles").exists()
    assert table_report(result, "mingus.db", "encrypted_financial_profiles")["extra_columns_kept"] == []


def test_a_profile_whose_key_version_is_not_an_integer_is_quarantined_whole(db, legacy):
    legacy.user(1)
    token = legacy_token(DOCUMENT, key=LEGACY_KEY_OLD)
    rowid = legacy.insert(
        "mingus.db", "encrypted_financial_profiles", user_id=1, encrypted_data=token, key_version="v1",
        created_at=CREATED,
    )  # fmt: skip

    result = run_import(legacy.path)

    assert not EncryptedFinancialProfile.objects.exists()
    row = quarantined("mingus.db", "encrypted_financial_profiles", rowid)
    assert row.reason_code == "not_an_integer"
    assert row.reason.startswith("key_version: ")
    assert original(row)["key_version"] == ["text", "v1"]
    assert table_report(result, "mingus.db", "encrypted_financial_profiles")["quarantined"] == 1


def test_a_profile_stored_as_text_token_is_re_encrypted_too(db, legacy):
    legacy.user(1)
    token = legacy_token(DOCUMENT, key=LEGACY_KEY_NEW).decode()
    legacy.insert("mingus.db", "encrypted_financial_profiles", user_id=1, encrypted_data=token, created_at=CREATED)

    run_import(legacy.path)

    assert EncryptedFinancialProfile.objects.get().decrypt() == DOCUMENT


def test_a_token_no_legacy_key_decrypts_is_quarantined_as_undecryptable(db, legacy):
    legacy.user(1)
    foreign = legacy_token(DOCUMENT, key=Fernet.generate_key().decode())
    rowid = legacy.insert(
        "mingus.db", "encrypted_financial_profiles", user_id=1, encrypted_data=foreign, key_version=1,
        created_at=CREATED,
    )  # fmt: skip

    run_import(legacy.path)

    row = quarantined("mingus.db", "encrypted_financial_profiles", rowid)
    assert row.reason_code == "undecryptable"
    assert original(row)["encrypted_data"][0] == "blob_base64"
    assert not EncryptedFinancialProfile.objects.exists()


def test_without_legacy_keys_encrypted_profiles_are_quarantined_as_no_legacy_keys(db, legacy, settings):
    settings.LEGACY_FERNET_KEYS = []
    legacy.user(1)
    rowid = legacy.insert(
        "mingus.db", "encrypted_financial_profiles", user_id=1, encrypted_data=legacy_token(DOCUMENT),
        created_at=CREATED,
    )  # fmt: skip

    result = run_import(legacy.path)

    assert quarantined("mingus.db", "encrypted_financial_profiles", rowid).reason_code == "no_legacy_keys"
    assert table_report(result, "mingus.db", "users")["inserted"] == 1


def test_a_legacy_key_that_is_not_a_fernet_key_stops_the_import_before_it_starts(transactional_db, legacy, settings):
    settings.LEGACY_FERNET_KEYS = ["not-a-key"]
    legacy.user(1)

    with pytest.raises(ImportFailed, match="LEGACY_FERNET_KEYS"):
        run_import(legacy.path)

    assert not User.objects.exists()
    assert list(ImportRun.objects.values_list("status", flat=True)) == ["failed"]
