import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings

from mingus import crypto
from mingus.accounts.checks import check_field_encryption_keys


def test_value_encrypted_with_old_key_reads_with_new_keyring():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = crypto.encrypt_json({"net_worth": "1234.56"}, keyring=crypto.build_keyring(keys=[old]))
    assert crypto.decrypt_json(token, keyring=crypto.build_keyring(keys=[new, old])) == {"net_worth": "1234.56"}


def test_new_values_are_encrypted_under_the_newest_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = crypto.encrypt_bytes(b"x", keyring=crypto.build_keyring(keys=[new, old]))
    assert Fernet(new.encode()).decrypt(token.encode()) == b"x"


def test_token_no_key_decrypts_raises_instead_of_returning_ciphertext():
    token = crypto.encrypt_bytes(b"secret", keyring=crypto.build_keyring(keys=[Fernet.generate_key().decode()]))
    other = crypto.build_keyring(keys=[Fernet.generate_key().decode()])
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(token, keyring=other)


def test_tampered_token_raises():
    keyring = crypto.build_keyring(keys=[Fernet.generate_key().decode()])
    token = crypto.encrypt_bytes(b"secret", keyring=keyring)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(tampered, keyring=keyring)


def test_falsy_values_survive_a_round_trip():
    keyring = crypto.build_keyring(keys=[Fernet.generate_key().decode()])
    for value in (0, False, "", [], {}):
        assert crypto.decrypt_json(crypto.encrypt_json(value, keyring=keyring), keyring=keyring) == value


def test_rotate_token_moves_a_value_to_the_newest_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = crypto.encrypt_bytes(b"v", keyring=crypto.build_keyring(keys=[old]))
    rotated = crypto.rotate_token(token, keyring=crypto.build_keyring(keys=[new, old]))
    assert crypto.decrypt_bytes(rotated, keyring=crypto.build_keyring(keys=[new])) == b"v"


def test_keyring_rejects_a_key_that_is_not_a_fernet_key():
    with pytest.raises(crypto.KeyringError, match="Key 2"):
        crypto.build_keyring(keys=[Fernet.generate_key().decode(), "not-a-key"])


def test_project_keyring_follows_settings():
    key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[key]):
        token = crypto.encrypt_bytes(b"x")
    assert Fernet(key.encode()).decrypt(token.encode()) == b"x"


def test_system_check_reports_a_bad_keyring():
    with override_settings(FIELD_ENCRYPTION_KEYS=["bogus"]):
        errors = check_field_encryption_keys(None)
    assert [e.id for e in errors] == ["mingus.E001"]


def test_dev_keyring_is_created_once_and_private(tmp_path):
    path = tmp_path / "keys"
    first = crypto.load_or_create_dev_keyring(path=path)
    assert crypto.load_or_create_dev_keyring(path=path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    crypto.build_keyring(keys=[first])


def test_generate_encryption_key_command_prints_a_usable_key(capsys):
    call_command("generate_encryption_key")
    crypto.build_keyring(keys=[capsys.readouterr().out.strip()])
