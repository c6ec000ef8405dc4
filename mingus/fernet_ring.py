"""A keyring of Fernet keys, token for token what ``MultiFernet`` does, with less work per call.

``FernetRing(keys)`` takes Fernet keys (url-safe base64 of 32 bytes, str or
bytes), newest first, and offers what the project uses of ``MultiFernet``:

* ``encrypt(data)``: a standard Fernet token under the first key (version
  0x80, the current time, a random IV from ``os.urandom``, AES-128-CBC with
  PKCS7 padding, HMAC-SHA256 over version‖timestamp‖IV‖ciphertext, url-safe
  base64 with padding);
* ``decrypt(token)``: the plaintext under the first key, in order, whose HMAC
  verifies and whose padding is right; ``InvalidToken`` otherwise. It accepts
  and refuses exactly the tokens ``MultiFernet.decrypt`` (no ttl) does, with the
  same exceptions: ``TypeError`` for a token that is neither bytes nor str,
  ``ValueError`` for a str holding non-ASCII characters (``base64`` raises it
  and cryptography lets it through), ``InvalidToken`` for everything else;
* ``rotate(token)``: re-encrypted under the first key, keeping the token's
  timestamp, as ``MultiFernet.rotate`` does.

The tokens are cryptography's own format and interoperate both ways with
``Fernet``/``MultiFernet``. Only vetted primitives do cryptographic work:
cryptography's AES-CBC and HMAC, the stdlib's ``hmac.compare_digest``. The
savings come from doing less around them:

* the base64 is decoded once, not once per key, and without the ``base64``
  module's wrappers (the same ``binascii`` call, so the same leniency);
* each key's HMAC is started once and copied per token
  (``cryptography``'s ``HMAC.copy``), and compared with
  ``hmac.compare_digest`` (constant time) before anything is decrypted;
* a token too short, or whose ciphertext is not whole AES blocks, is refused
  before any HMAC: no key could open it (``MultiFernet`` refuses it too, after
  trying every key);
* each thread keeps one AES-CBC context per key instead of building a
  ``Cipher`` per token (about 10 µs each, a third of a ``Fernet`` call). A CBC
  context is a stream: it chains each block to the last block of ciphertext it
  saw. To decrypt, we feed it the token's IV as a block ahead of the
  ciphertext, so the first real block is chained to the IV, and drop the first
  block of output. To encrypt, we read the context's chaining block ``c`` (by
  encrypting a zero block: its output is the new chaining block), decrypt the
  IV chained to ``c`` (giving ``AES⁻¹(IV) ⊕ c``) and feed that block ahead of
  the plaintext: its encryption is the IV, to which the plaintext is then
  chained. Every result is checked. A context must give back as many bytes as
  it was given (one that holds data back is dropped), and an encryption's
  output must start with the IV, which proves the rest is CBC under that IV:
  within one call, each block is chained to the block output before it. A
  failed check drops the context, and that call is done with a fresh
  ``Cipher``, as ``Fernet`` does it.

Not picklable (keys are not meant to travel), and no ttl: the project never
expires tokens by age.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import threading
import time
from collections.abc import Iterable

from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC

__all__ = ["FernetRing", "InvalidToken"]

_VERSION = b"\x80"
_BLOCK = 16
# version (1) + timestamp (8) + IV (16) | ciphertext (n * 16) | HMAC (32)
_HEADER = 1 + 8 + _BLOCK
_MAC = 32
_SHORTEST = _HEADER + _BLOCK + _MAC
_ZERO_BLOCK = bytes(_BLOCK)
_PADDING = [bytes((n,)) * n for n in range(_BLOCK + 1)]  # _PADDING[n]: n bytes of value n
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_SHA256 = hashes.SHA256()
_compare_digest = hmac.compare_digest  # constant time
_KEY_ERROR = "Fernet key must be 32 url-safe base64-encoded bytes."


class FernetRing:
    """Fernet keys, newest first: encrypt under the first, decrypt with any (see the module docstring)."""

    __slots__ = ("__weakref__", "_aes", "_contexts", "_signers")

    def __init__(self, keys: Iterable[str | bytes]) -> None:
        signers, aes = [], []
        for key in keys:
            try:
                raw = base64.urlsafe_b64decode(key)
            except binascii.Error as exc:
                raise ValueError(_KEY_ERROR) from exc
            if len(raw) != 32:
                raise ValueError(_KEY_ERROR)
            signers.append(HMAC(raw[:16], _SHA256))
            aes.append(algorithms.AES(raw[16:]))
        if not signers:
            raise ValueError("FernetRing requires at least one key")
        self._signers: tuple[HMAC, ...] = tuple(signers)
        self._aes: tuple[algorithms.AES, ...] = tuple(aes)
        self._contexts = _ThreadContexts(len(aes))

    def __repr__(self) -> str:
        return f"<FernetRing of {len(self._signers)} key(s)>"

    def __reduce__(self):
        raise TypeError("a FernetRing holds keys: it is not pickled")

    def encrypt(self, data: bytes) -> bytes:
        """A Fernet token of ``data`` under the first key, dated now."""
        return self._encrypt_from_parts(data, int(time.time()), os.urandom(_BLOCK))

    def decrypt(self, token: bytes | str) -> bytes:
        """The plaintext of ``token`` under the first key that opens it, or :class:`InvalidToken`."""
        return self._open(_decode(token))

    def rotate(self, token: bytes | str) -> bytes:
        """``token`` re-encrypted under the first key, with its original timestamp (as ``MultiFernet.rotate``)."""
        data = _decode(token)
        plaintext = self._open(data)
        return self._encrypt_from_parts(plaintext, int.from_bytes(data[1:9], "big"), os.urandom(_BLOCK))

    # -- the token format -------------------------------------------------------------

    def _encrypt_from_parts(self, data: bytes, current_time: int, iv: bytes) -> bytes:
        # Same name and arguments as Fernet._encrypt_from_parts: the tests compare them byte for byte.
        if not isinstance(data, bytes):
            raise TypeError("data must be bytes")
        if len(iv) != _BLOCK:
            raise ValueError(f"Invalid IV size ({len(iv)}) for CBC.")
        padded = data + _PADDING[_BLOCK - len(data) % _BLOCK]
        signed = _VERSION + current_time.to_bytes(8, "big") + iv + self._cbc_encrypt(iv, padded)
        mac = self._signers[0].copy()
        mac.update(signed)
        return binascii.b2a_base64(signed + mac.finalize(), newline=False).translate(_TO_URLSAFE)

    def _open(self, data: bytes) -> bytes:
        size = len(data)
        if size < _SHORTEST or (size - _HEADER - _MAC) % _BLOCK:
            raise InvalidToken  # no whole AES block of ciphertext: no key opens it
        signed, tag = data[:-_MAC], data[-_MAC:]
        for index, signer in enumerate(self._signers):
            mac = signer.copy()
            mac.update(signed)
            if _compare_digest(mac.finalize(), tag):
                out = self._cbc_decrypt(index, data[9:-_MAC])  # a block to drop, then the padded plaintext
                # PKCS7, checked only once the HMAC holds (no padding oracle), as Fernet does.
                pad = out[-1]
                if 0 < pad <= _BLOCK and out[-pad:] == _PADDING[pad]:
                    return out[_BLOCK:-pad]
                # Signed under this key but badly padded: MultiFernet goes on to the next key.
        raise InvalidToken

    # -- AES-CBC with one reused context per key and thread ---------------------------

    def _cbc_decrypt(self, index: int, blocks: bytes) -> bytes:
        """CBC decryption of ``blocks[16:]`` under IV ``blocks[:16]``, after one block to drop.

        ``blocks`` is whole blocks: the IV then the ciphertext. The result is as long:
        its first block means nothing, the rest is the plaintext.
        """
        decryptors = self._contexts.decryptors
        decryptor = decryptors[index]
        if decryptor is None:
            decryptor = decryptors[index] = Cipher(self._aes[index], modes.CBC(_ZERO_BLOCK)).decryptor()
        # The IV goes in as a ciphertext block: its own output is garbage, and the first
        # real block is chained to it, whatever the context saw before.
        out = decryptor.update(blocks)
        if len(out) == len(blocks):
            return out
        decryptors[index] = None
        fresh = Cipher(self._aes[index], modes.CBC(blocks[:_BLOCK])).decryptor()
        return _ZERO_BLOCK + fresh.update(blocks[_BLOCK:]) + fresh.finalize()

    def _cbc_encrypt(self, iv: bytes, padded: bytes) -> bytes:
        """CBC encryption of ``padded`` (whole blocks) under the first key and ``iv``."""
        contexts = self._contexts
        encryptor = contexts.encryptor
        if encryptor is None:
            encryptor = contexts.encryptor = Cipher(self._aes[0], modes.CBC(_ZERO_BLOCK)).encryptor()
        # An encrypted block becomes the chaining block for the next one: after this, c.
        chain = encryptor.update(_ZERO_BLOCK)
        if len(chain) == _BLOCK:
            # The block whose encryption is the IV, chained to c: AES⁻¹(IV) ⊕ c.
            steer = self._cbc_decrypt(0, chain + iv)[_BLOCK:]
            out = encryptor.update(steer + padded)
            # Within one call the context chains every block to the block it output before.
            # An output starting with the IV therefore holds CBC(IV, padded) after it,
            # whatever the context did before this call.
            if len(out) == _BLOCK + len(padded) and out[:_BLOCK] == iv:
                return out[_BLOCK:]
        contexts.encryptor = None
        fresh = Cipher(self._aes[0], modes.CBC(iv)).encryptor()
        return fresh.update(padded) + fresh.finalize()


class _ThreadContexts(threading.local):
    """Each thread's AES-CBC contexts (made on first use): one encryptor (first key), a decryptor per key."""

    def __init__(self, size: int) -> None:
        self.encryptor = None
        self.decryptors: list = [None] * size


def _decode(token: bytes | str) -> bytes:
    """The token's bytes (base64 decoded once), checked for the version byte, as Fernet parses it."""
    if isinstance(token, bytes):
        raw = token
    elif isinstance(token, str):
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            # What base64.urlsafe_b64decode raises, and Fernet lets through.
            raise ValueError("string argument should contain only ASCII characters") from None
    else:
        raise TypeError("token must be bytes or str")
    try:
        # base64.urlsafe_b64decode, minus its wrappers: the same lenient decoder
        # (characters outside the alphabet are skipped, padding is required).
        data = binascii.a2b_base64(raw.translate(_FROM_URLSAFE))
    except binascii.Error:
        raise InvalidToken from None
    if not data or data[0] != 0x80:
        raise InvalidToken
    return data
