"""Password hashers for hashes carried over from the legacy Flask app.

werkzeug's ``generate_password_hash`` wrote ``pbkdf2:sha256:ITERATIONS$SALT$HEX``
or ``scrypt:N:R:P$SALT$HEX``. Django finds a hasher by the text before the
first ``$``, so the importer stores such a hash behind a prefix naming our
hasher (:func:`wrap_werkzeug_hash`); the werkzeug text after the prefix is kept
byte for byte. On the first successful login Django re-hashes the password
with the preferred hasher, because these hashers are not first in
``PASSWORD_HASHERS``.
"""

from __future__ import annotations

import hashlib
import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _

# werkzeug's defaults when a hash names only the method.
_DEFAULT_PBKDF2_HASH = "sha256"
_DEFAULT_PBKDF2_ITERATIONS = 600_000


class UnknownLegacyHash(ValueError):
    """A legacy password hash in a format neither hasher reads."""


def wrap_werkzeug_hash(legacy_hash: str) -> str:
    """The Django-storable form of a werkzeug hash; raises UnknownLegacyHash."""
    method = legacy_hash.split("$", 1)[0]
    if method == "pbkdf2" or method.startswith("pbkdf2:"):
        hasher = WerkzeugPBKDF2PasswordHasher
    elif method.startswith("scrypt:") or method == "scrypt":
        hasher = WerkzeugScryptPasswordHasher
    else:
        raise UnknownLegacyHash(f"not a werkzeug pbkdf2 or scrypt hash (method {method[:20]!r})")
    if legacy_hash.count("$") != 2:
        raise UnknownLegacyHash("a werkzeug hash has the form METHOD$SALT$HASH")
    return f"{hasher.algorithm}${legacy_hash}"


def _split(encoded: str, algorithm: str) -> tuple[list[str], str, str]:
    prefix, method, salt, digest = encoded.split("$", 3)
    assert prefix == algorithm
    return method.split(":"), salt, digest


class _WerkzeugHasher(BasePasswordHasher):
    def encode(self, password, salt):
        # New passwords are always hashed by Django's preferred hasher.
        raise NotImplementedError("legacy hashes are only verified, never created")

    def decode(self, encoded):
        method, salt, digest = _split(encoded, self.algorithm)
        return {"algorithm": self.algorithm, "method": ":".join(method), "salt": salt, "hash": digest}

    def verify(self, password, encoded):
        method, salt, digest = _split(encoded, self.algorithm)
        computed = self._derive(password.encode(), salt.encode(), method)
        return hmac.compare_digest(computed.hex(), digest)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("method"): decoded["method"],
            _("salt"): mask_hash(decoded["salt"], show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass

    def _derive(self, password: bytes, salt: bytes, method: list[str]) -> bytes:
        raise NotImplementedError


class WerkzeugPBKDF2PasswordHasher(_WerkzeugHasher):
    algorithm = "werkzeug_pbkdf2"

    def _derive(self, password, salt, method):
        hash_name = method[1] if len(method) > 1 else _DEFAULT_PBKDF2_HASH
        iterations = int(method[2]) if len(method) > 2 else _DEFAULT_PBKDF2_ITERATIONS
        return hashlib.pbkdf2_hmac(hash_name, password, salt, iterations)


class WerkzeugScryptPasswordHasher(_WerkzeugHasher):
    algorithm = "werkzeug_scrypt"

    def _derive(self, password, salt, method):
        n, r, p = (int(part) for part in method[1:4]) if len(method) == 4 else (2**15, 8, 1)
        # werkzeug's own memory bound: 128*n*r*p plus some slack.
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64)
