"""Field encryption with the project's own Fernet keyring.

``FIELD_ENCRYPTION_KEYS`` is a comma-separated list of Fernet keys, newest
first. New values are encrypted under the newest key; any key of the ring
decrypts. The keys are independent of ``SECRET_KEY`` so rotating one never
touches the other. Decryption never fails quietly: a token no key opens raises
:class:`DecryptionError`, it is never handed back as if it were data.

The keyring is a :class:`~mingus.fernet_ring.FernetRing`: standard Fernet
tokens, read and written exactly as cryptography's ``MultiFernet`` does, in a
fraction of its time per token (the legacy import re-encrypts every financial
profile).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from mingus.fernet_ring import FernetRing


class DecryptionError(Exception):
    """A token that no key of the keyring can decrypt (wrong key or tampered)."""


class KeyringError(Exception):
    """The configured keyring is empty or holds something that is not a Fernet key."""


def build_keyring(*, keys: list[str | bytes]) -> FernetRing:
    """A :class:`FernetRing` over ``keys`` (newest first), with a clear error for bad keys."""
    if not keys:
        raise KeyringError("The keyring is empty: set FIELD_ENCRYPTION_KEYS.")
    raw_keys = [key.encode() if isinstance(key, str) else key for key in keys]
    for position, key in enumerate(raw_keys, start=1):
        try:
            FernetRing([key])  # each key alone, so the error can say which one is wrong
        except (ValueError, TypeError) as exc:
            raise KeyringError(
                f"Key {position} of the keyring is not a Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`manage.py generate_encryption_key`)."
            ) from exc
    return FernetRing(raw_keys)


def encrypt_bytes(data: bytes, *, keyring: FernetRing | None = None) -> str:
    """Encrypt ``data`` under the newest key; returns the token as ASCII text."""
    return (keyring or _project_keyring()).encrypt(data).decode("ascii")


def decrypt_bytes(token: str | bytes, *, keyring: FernetRing | None = None) -> bytes:
    """Decrypt a token with any key of the ring, or raise :class:`DecryptionError`."""
    raw = token.encode("ascii") if isinstance(token, str) else bytes(token)
    try:
        return (keyring or _project_keyring()).decrypt(raw)
    except InvalidToken as exc:
        raise DecryptionError(
            "No key of the keyring decrypts this token (wrong key, or the data was altered)."
        ) from exc


def encrypt_json(value, *, keyring: FernetRing | None = None) -> str:
    """Encrypt a JSON-serialisable value."""
    return encrypt_bytes(json.dumps(value, separators=(",", ":")).encode(), keyring=keyring)


def decrypt_json(token: str | bytes, *, keyring: FernetRing | None = None):
    """Decrypt a token made by :func:`encrypt_json`."""
    return json.loads(decrypt_bytes(token, keyring=keyring))


def rotate_token(token: str | bytes, *, keyring: FernetRing | None = None) -> str:
    """Re-encrypt a token under the newest key (raises DecryptionError if no key opens it)."""
    raw = token.encode("ascii") if isinstance(token, str) else bytes(token)
    try:
        return (keyring or _project_keyring()).rotate(raw).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("No key of the keyring decrypts this token.") from exc


def generate_key() -> str:
    """A new random Fernet key, as text."""
    return Fernet.generate_key().decode("ascii")


def load_or_create_dev_keyring(*, path: Path) -> str:
    """The development keyring kept in ``path``, created with one random key on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a private temporary file, then link it into place: link() fails if
    # another process won the race, and nobody ever reads a half-written file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_key() + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


def reset_keyring_cache() -> None:
    """Forget the cached project keyring (after settings change, e.g. in tests)."""
    _project_keyring.cache_clear()


@lru_cache(maxsize=1)
def _project_keyring() -> FernetRing:
    from django.conf import settings

    return build_keyring(keys=list(settings.FIELD_ENCRYPTION_KEYS))
