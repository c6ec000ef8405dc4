"""Key rotation: everything re-encrypted under the newest key, resumable, audited, never lossy."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from finance import key_rotation
from finance.key_rotation import ENCRYPTED_COLUMNS, rotate_encryption_keys
from finance.models import EncryptedFinancialProfile
from ops.models import AuditLog

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
STRANGER = Fernet.generate_key().decode()

VALUES = [
    {"net_worth": "1234.56", "accounts": ["checking", "savings"]},
    {"net_worth": "0.00"},
    0,
    False,
    {"debts": [{"kind": "student loan", "balance": "18000.00"}]},
]


def _is_under(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


@pytest.fixture
def profiles(make_user):
    """Five profiles of five people, written while the keyring held only OLD."""
    created = []
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        for value in VALUES:
            profile = EncryptedFinancialProfile(user=make_user())
            profile.encrypt(value)
            profile.save()
            created.append(profile)
    return created


def _tokens() -> dict:
    return dict(EncryptedFinancialProfile.objects.values_list("pk", "encrypted_data"))


def _rotation_events():
    return AuditLog.objects.filter(action="key_rotation").order_by("created_at")


def test_after_rotation_the_old_key_can_be_removed_and_every_value_still_decrypts(profiles):
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        report = rotate_encryption_keys(batch_size=2)

    assert report.ok
    assert (report.scanned, report.rotated, report.already_current) == (5, 5, 0)
    assert report.columns[0].batches == 3
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        for profile, value in zip(profiles, VALUES, strict=True):
            assert EncryptedFinancialProfile.objects.get(pk=profile.pk).decrypt() == value


def test_rotation_leaves_no_value_readable_with_the_old_key(profiles):
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        rotate_encryption_keys(batch_size=2)

    assert all(_is_under(NEW, token) and not _is_under(OLD, token) for token in _tokens().values())


def test_a_second_run_finds_everything_current_and_writes_nothing(profiles):
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        rotate_encryption_keys(batch_size=2)
        before = _tokens()
        report = rotate_encryption_keys(batch_size=2)

    assert (report.rotated, report.already_current) == (0, 5)
    assert _tokens() == before


def test_a_run_interrupted_in_its_second_batch_keeps_the_first_and_the_rerun_does_only_the_rest(profiles, monkeypatch):
    real_write = key_rotation._write_batch
    calls = []

    def fail_on_second_batch(**kwargs):
        calls.append(len(kwargs["rows"]))
        if len(calls) == 2:
            raise RuntimeError("simulated crash in batch 2")
        real_write(**kwargs)

    monkeypatch.setattr(key_rotation, "_write_batch", fail_on_second_batch)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        with pytest.raises(RuntimeError, match="simulated crash"):
            rotate_encryption_keys(batch_size=2)
        ordered = [token for _, token in sorted(_tokens().items())]
        assert [_is_under(NEW, token) for token in ordered] == [True, True, False, False, False]

        monkeypatch.setattr(key_rotation, "_write_batch", real_write)
        report = rotate_encryption_keys(batch_size=2)

    assert (report.rotated, report.already_current) == (3, 2)
    assert all(_is_under(NEW, token) for token in _tokens().values())
    interrupted, resumed = _rotation_events()
    assert interrupted.details["rotated"] == 2
    assert "simulated crash" in interrupted.details["interrupted_by"]
    assert resumed.details["rotated"] == 3
    assert resumed.details["interrupted_by"] is None


def test_an_undecryptable_value_is_reported_left_untouched_and_the_others_still_rotate(profiles):
    foreign, garbage = profiles[1], profiles[3]
    foreign_token = Fernet(STRANGER.encode()).encrypt(b'{"net_worth":"1"}').decode()
    EncryptedFinancialProfile.objects.filter(pk=foreign.pk).update(encrypted_data=foreign_token)
    EncryptedFinancialProfile.objects.filter(pk=garbage.pk).update(encrypted_data="not a token")

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        report = rotate_encryption_keys(batch_size=2)

    assert not report.ok
    assert sorted(report.undecryptable["encrypted_financial_profiles.encrypted_data"]) == sorted(
        [str(foreign.pk), str(garbage.pk)]
    )
    tokens = _tokens()
    assert tokens[foreign.pk] == foreign_token
    assert tokens[garbage.pk] == "not a token"
    assert report.rotated == 3
    assert all(_is_under(NEW, tokens[p.pk]) for p in profiles if p not in (foreign, garbage))


def test_the_command_exits_non_zero_naming_the_undecryptable_rows(profiles):
    EncryptedFinancialProfile.objects.filter(pk=profiles[0].pk).update(encrypted_data="not a token")

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]), pytest.raises(CommandError) as failure:
        call_command("rotate_encryption_keys", "--batch-size", "2")

    assert str(profiles[0].pk) in str(failure.value)
    assert _tokens()[profiles[0].pk] == "not a token"


def test_the_command_rotates_and_records_one_audit_event_with_counts_per_run(profiles, capsys):
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("rotate_encryption_keys", "--batch-size", "2")

    assert "5 re-encrypted" in capsys.readouterr().out
    (event,) = _rotation_events()
    assert event.source == "shell"
    assert event.actor.startswith("shell:")
    assert (event.details["scanned"], event.details["rotated"], event.details["undecryptable"]) == (5, 5, {})
    assert event.details["newest_key_id"] == key_rotation.key_id(NEW)
    assert NEW not in str(event.details) and OLD not in str(event.details)


def test_the_rotation_reaches_every_users_rows_from_the_runtime_role_with_no_user_set(profiles):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (previous_role,) = cursor.fetchone()
        cursor.execute("SET LOCAL ROLE mingus_app")
        cursor.execute("SELECT set_config('mingus.user_id', '', true)")
    try:
        assert not EncryptedFinancialProfile.objects.exists()  # row-level security hides them here
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
            report = rotate_encryption_keys(batch_size=2)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{previous_role}"')

    assert report.rotated == 5


def test_every_encrypted_looking_column_of_the_project_is_rotated():
    listed = {(apps.get_model(label)._meta.label, column) for label, column in ENCRYPTED_COLUMNS}
    found = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if any(word in field.name for word in ("encrypt", "cipher", "fernet"))
    }
    assert found == listed
