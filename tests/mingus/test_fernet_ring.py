"""FernetRing against cryptography's Fernet and MultiFernet, token for token and refusal for refusal."""

import base64
import os
import pickle
import random
import threading
import time

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC

from mingus import crypto
from mingus.fernet_ring import FernetRing


def _key(seed: int) -> bytes:
    return base64.urlsafe_b64encode(random.Random(seed).randbytes(32))


KEYS = [_key(1), _key(2), _key(3)]  # newest first
STRANGER = _key(4)
RING = FernetRing(KEYS)
MULTI = MultiFernet([Fernet(key) for key in KEYS])
SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 255, 256, 257, 600, 1000, 4095, 4096, 4097, 5000]


def _outcome(function, token):
    """What a call gives: ("ok", value) or ("raises", exception type)."""
    try:
        return "ok", function(token)
    except Exception as exc:
        return "raises", type(exc)


def _signed(key: bytes, body: bytes) -> bytes:
    """``body`` with a valid HMAC under ``key``, encoded as a token."""
    mac = HMAC(base64.urlsafe_b64decode(key)[:16], hashes.SHA256())
    mac.update(body)
    return base64.urlsafe_b64encode(body + mac.finalize())


def _cbc(key: bytes, iv: bytes, blocks: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(base64.urlsafe_b64decode(key)[16:]), modes.CBC(iv)).encryptor()
    return encryptor.update(blocks) + encryptor.finalize()


def _token_with_plaintext_blocks(key: bytes, blocks: bytes, *, timestamp: int = 1_700_000_000) -> bytes:
    """A correctly signed token whose decrypted (still padded) blocks are ``blocks``, padding right or not."""
    iv = os.urandom(16)
    return _signed(key, b"\x80" + timestamp.to_bytes(8, "big") + iv + _cbc(key, iv, blocks))


# -- tokens go both ways ------------------------------------------------------------------


def test_tokens_made_by_the_ring_open_with_fernet_and_multifernet_for_every_size():
    rng = random.Random(10)
    for size in SIZES + [rng.randrange(0, 5000) for _ in range(40)]:
        plaintext = rng.randbytes(size)
        token = RING.encrypt(plaintext)
        assert Fernet(KEYS[0]).decrypt(token) == plaintext
        assert MULTI.decrypt(token) == plaintext
        assert RING.decrypt(token) == plaintext


def test_tokens_made_by_fernet_open_with_the_ring_under_each_key_position():
    rng = random.Random(11)
    for size in SIZES + [rng.randrange(0, 5000) for _ in range(20)]:
        plaintext = rng.randbytes(size)
        for key in KEYS:
            token = Fernet(key).encrypt(plaintext)
            assert RING.decrypt(token) == plaintext
            assert RING.decrypt(token.decode()) == plaintext


def test_the_ring_writes_the_same_bytes_as_fernet_given_the_same_time_and_iv():
    rng = random.Random(12)
    other = Fernet(KEYS[2]).encrypt(b"keeps the other contexts busy")
    for size in SIZES:
        plaintext, iv, when = rng.randbytes(size), rng.randbytes(16), rng.randrange(2**40)
        assert RING._encrypt_from_parts(plaintext, when, iv) == Fernet(KEYS[0])._encrypt_from_parts(plaintext, when, iv)
        RING.decrypt(other)  # interleaved with decryptions: the contexts are reused across calls


def test_encrypt_dates_the_token_now_and_takes_a_fresh_iv_from_urandom(monkeypatch):
    ivs = []
    real_urandom = os.urandom

    def urandom(size):
        ivs.append(real_urandom(size))
        return ivs[-1]

    monkeypatch.setattr(os, "urandom", urandom)
    before = int(time.time())
    tokens = [RING.encrypt(b"same plaintext") for _ in range(3)]
    after = int(time.time())
    monkeypatch.undo()
    assert len(set(tokens)) == 3 and len(ivs) == 3
    for token, iv in zip(tokens, ivs, strict=True):
        raw = base64.urlsafe_b64decode(token)
        assert raw[0] == 0x80 and raw[9:25] == iv
        assert before <= Fernet(KEYS[0]).extract_timestamp(token) <= after
        assert token == Fernet(KEYS[0])._encrypt_from_parts(b"same plaintext", int.from_bytes(raw[1:9], "big"), iv)


def test_encrypt_takes_bytes_only_like_fernet():
    for data in ("text", bytearray(b"x"), memoryview(b"x"), None):
        with pytest.raises(TypeError):
            Fernet(KEYS[0]).encrypt(data)
        with pytest.raises(TypeError):
            RING.encrypt(data)


# -- refusals -----------------------------------------------------------------------------


def _reencoded(token: bytes, change) -> bytes:
    raw = bytearray(base64.urlsafe_b64decode(token))
    change(raw)
    return base64.urlsafe_b64encode(bytes(raw))


def _flip(index):
    def change(raw):
        raw[index] ^= 0x01

    return change


GOOD = Fernet(KEYS[1]).encrypt(b'{"net_worth": "1234.56"}')  # two blocks: its base64 ends in padding
GOOD_TEXT = GOOD.decode()
NAMED_CASES = {
    "bit flipped in the version": _reencoded(GOOD, _flip(0)),
    "bit flipped in the timestamp": _reencoded(GOOD, _flip(5)),
    "bit flipped in the iv": _reencoded(GOOD, _flip(12)),
    "bit flipped in the first ciphertext block": _reencoded(GOOD, _flip(30)),
    "bit flipped in the last ciphertext block": _reencoded(GOOD, _flip(-40)),
    "bit flipped in the hmac": _reencoded(GOOD, _flip(-1)),
    "wrong version byte": _reencoded(GOOD, lambda raw: raw.__setitem__(0, 0x81)),
    "token truncated by one byte": _reencoded(GOOD, lambda raw: raw.__delitem__(-1)),
    "token truncated to its header": _reencoded(GOOD, lambda raw: raw.__delitem__(slice(25, None))),
    "token truncated to nine bytes": _reencoded(GOOD, lambda raw: raw.__delitem__(slice(9, None))),
    "token truncated to eight bytes": _reencoded(GOOD, lambda raw: raw.__delitem__(slice(8, None))),
    "one extra byte": _reencoded(GOOD, lambda raw: raw.append(0)),
    "an extra block": _reencoded(GOOD, lambda raw: raw.extend(bytes(16))),
    "base64 cut short": GOOD[:-3],
    "padding removed": GOOD.rstrip(b"="),
    "bad base64 character inside": GOOD[:20] + b"*" + GOOD[21:],
    "standard base64 alphabet instead of url-safe": base64.b64encode(base64.urlsafe_b64decode(GOOD)),
    "characters outside the alphabet added": GOOD[:10] + b"!! \n" + GOOD[10:],
    "empty bytes": b"",
    "empty text": "",
    "only padding": b"====",
    "text token": GOOD_TEXT,
    "text token cut short": GOOD_TEXT[:-3],
    "text token with a non-ASCII character": GOOD_TEXT[:10] + "é" + GOOD_TEXT[10:],
    "token under no key of the ring": Fernet(STRANGER).encrypt(b"x"),
    "signed, padding byte zero": _token_with_plaintext_blocks(KEYS[2], b"A" * 15 + b"\x00"),
    "signed, padding byte seventeen": _token_with_plaintext_blocks(KEYS[2], b"A" * 31 + b"\x11"),
    "signed, padding bytes disagree": _token_with_plaintext_blocks(KEYS[2], b"A" * 12 + b"\x03\x04\x04\x04"),
    "signed, a whole block of padding": _token_with_plaintext_blocks(KEYS[2], b"A" * 16 + b"\x10" * 16),
    "signed, one byte of padding": _token_with_plaintext_blocks(KEYS[0], b"A" * 15 + b"\x01"),
    "signed, no ciphertext": _signed(KEYS[0], b"\x80" + bytes(8) + os.urandom(16)),
    "signed, ciphertext not whole blocks": _signed(KEYS[0], b"\x80" + bytes(8) + os.urandom(16 + 20)),
    "signed, header only half there": _signed(KEYS[0], b"\x80" + bytes(8)),
    "signed, version byte alone": _signed(KEYS[0], b"\x80"),
    "bytearray token": bytearray(GOOD),
    "memoryview token": memoryview(GOOD),
    "integer token": 12345,
    "no token": None,
}


@pytest.mark.parametrize("case", list(NAMED_CASES))
def test_the_ring_accepts_and_refuses_each_named_case_as_multifernet_does(case):
    token = NAMED_CASES[case]
    expected = _outcome(MULTI.decrypt, token)
    assert _outcome(RING.decrypt, token) == expected
    ring_rotated, multi_rotated = _outcome(RING.rotate, token), _outcome(MULTI.rotate, token)
    if expected[0] == "ok":
        assert ring_rotated[0] == multi_rotated[0] == "ok"
        assert Fernet(KEYS[0]).decrypt(ring_rotated[1]) == expected[1]
    else:
        assert ring_rotated == multi_rotated == expected


def test_the_named_cases_cover_tokens_accepted_and_every_exception_multifernet_raises():
    assert GOOD.endswith(b"=")
    kinds = set()
    for token in NAMED_CASES.values():
        result, detail = _outcome(MULTI.decrypt, token)
        kinds.add("ok" if result == "ok" else detail)
    assert kinds == {"ok", InvalidToken, TypeError, ValueError}


def test_a_token_signed_under_an_earlier_key_but_padded_wrong_under_it_goes_on_to_the_next_key():
    # Two keys sharing their signing half: the first one's HMAC verifies, its decryption
    # fails the padding check, and MultiFernet then tries the next key, which opens it.
    signing = base64.urlsafe_b64decode(KEYS[0])[:16]
    first = base64.urlsafe_b64encode(signing + bytes(16))
    second = base64.urlsafe_b64encode(signing + b"\x01" * 16)
    ring, multi = FernetRing([first, second]), MultiFernet([Fernet(first), Fernet(second)])
    rng = random.Random(13)
    opened = 0
    for _ in range(200):
        token = Fernet(second).encrypt(rng.randbytes(rng.randrange(40)))
        expected = _outcome(multi.decrypt, token)
        assert _outcome(ring.decrypt, token) == expected
        opened += expected[0] == "ok"
    assert opened > 150  # the padding under the first key is almost always wrong


def _mutations(rng: random.Random, token: bytes):
    """Tokens near ``token``: damaged bytes, damaged text, and damaged-then-re-signed bytes."""
    raw = base64.urlsafe_b64decode(token)
    regions = [(0, 1), (1, 9), (9, 25), (25, len(raw) - 32), (len(raw) - 32, len(raw))]
    for start, end in regions:
        changed = bytearray(raw)
        changed[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
        yield base64.urlsafe_b64encode(bytes(changed))
    yield base64.urlsafe_b64encode(raw[: rng.randrange(len(raw))])
    yield base64.urlsafe_b64encode(raw + rng.randbytes(rng.randrange(1, 40)))
    yield base64.urlsafe_b64encode(bytes([rng.randrange(256)]) + raw[1:])
    text = token.decode()
    position = rng.randrange(len(text) + 1)
    yield (text[:position] + rng.choice("A-_=+/!* \n.\x00é") + text[position:]).encode("utf-8")
    yield text[:position] + rng.choice("A-_=+/!* \n.é") + text[position:]
    yield text[:position] + text[position + 1 :]
    yield text.rstrip("=") + rng.choice(["", "=", "==", "==="])
    # Re-signed under a key of the ring after a change: the HMAC holds, what follows is tested.
    key = rng.choice(KEYS)
    body = bytearray(raw[:-32])
    choice = rng.randrange(3)
    if choice == 0:
        body[rng.randrange(25, len(body))] ^= 1 << rng.randrange(8)
    elif choice == 1:
        del body[len(body) - rng.randrange(1, 17) :]
    else:
        body[-1] ^= 1 << rng.randrange(8)  # the last block decides the padding
    yield _signed(key, bytes(body))


def test_the_ring_refuses_exactly_what_multifernet_refuses_among_thousands_of_mutated_tokens():
    rng = random.Random(14)
    seen = {"ok": 0, "raises": 0}
    tokens = 0
    for _ in range(80):
        key = rng.choice([*KEYS, STRANGER])
        original = Fernet(key).encrypt(rng.randbytes(rng.choice([0, 1, 15, 16, 17, rng.randrange(600)])))
        for token in [original, *(t for _ in range(3) for t in _mutations(rng, original))]:
            tokens += 1
            expected = _outcome(MULTI.decrypt, token)
            assert _outcome(RING.decrypt, token) == expected, token
            rotated = _outcome(RING.rotate, token)
            if expected[0] == "ok":
                assert rotated[0] == "ok" and Fernet(KEYS[0]).decrypt(rotated[1]) == expected[1]
            else:
                assert rotated == expected
            seen[expected[0]] += 1
    assert tokens >= 3000
    assert seen["ok"] > 200 and seen["raises"] > 2000


# -- str and bytes ------------------------------------------------------------------------


def test_text_and_bytes_tokens_behave_alike_as_in_multifernet():
    assert RING.decrypt(GOOD_TEXT) == RING.decrypt(GOOD) == MULTI.decrypt(GOOD_TEXT)

    class Token(bytes):
        pass

    class Text(str):
        pass

    assert RING.decrypt(Token(GOOD)) == RING.decrypt(Text(GOOD_TEXT)) == MULTI.decrypt(Token(GOOD))
    # Non-ASCII text: base64 raises ValueError and cryptography lets it through; so does the ring.
    with pytest.raises(ValueError) as multi_error:
        MULTI.decrypt(GOOD_TEXT + "é")
    with pytest.raises(ValueError) as ring_error:
        RING.decrypt(GOOD_TEXT + "é")
    assert type(ring_error.value) is type(multi_error.value)
    assert not isinstance(ring_error.value, InvalidToken)


# -- rotate -------------------------------------------------------------------------------


def test_rotate_keeps_the_timestamp_and_the_plaintext_and_the_result_opens_with_the_first_key_only():
    for position, key in enumerate(KEYS):
        old = Fernet(key).encrypt_at_time(b"profile %d" % position, 1_600_000_000 + position)
        rotated = RING.rotate(old)
        assert rotated != old
        assert Fernet(KEYS[0]).extract_timestamp(rotated) == 1_600_000_000 + position
        assert Fernet(KEYS[0]).extract_timestamp(rotated) == Fernet(KEYS[0]).extract_timestamp(MULTI.rotate(old))
        assert Fernet(KEYS[0]).decrypt(rotated) == b"profile %d" % position
        for other in [*KEYS[1:], STRANGER]:
            with pytest.raises(InvalidToken):
                Fernet(other).decrypt(rotated)
        assert RING.rotate(rotated.decode()) != rotated  # a new IV, even for a token already current


def test_rotate_refuses_a_token_no_key_opens():
    with pytest.raises(InvalidToken):
        RING.rotate(Fernet(STRANGER).encrypt(b"x"))


# -- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["not-a-key", "", base64.urlsafe_b64encode(bytes(31)).decode(), base64.urlsafe_b64encode(bytes(33)), "é" * 44],
)
def test_a_key_fernet_refuses_the_ring_refuses_with_the_same_error(key):
    with pytest.raises(ValueError):
        Fernet(key)
    with pytest.raises(ValueError):
        FernetRing([KEYS[0], key])


def test_the_ring_takes_text_or_bytes_keys_and_needs_at_least_one():
    assert FernetRing([k.decode() for k in KEYS]).decrypt(GOOD) == FernetRing(KEYS).decrypt(GOOD)
    with pytest.raises(ValueError):
        FernetRing([])
    with pytest.raises(TypeError):
        FernetRing([12345])


def test_the_ring_neither_shows_nor_pickles_its_keys():
    assert "key" in repr(RING) and not any(key.decode()[:8] in repr(RING) for key in KEYS)
    with pytest.raises(TypeError):
        pickle.dumps(RING)


# -- the reused cipher contexts -----------------------------------------------------------


def test_threads_encrypting_and_decrypting_at_once_each_get_their_own_right_answers():
    ring = FernetRing(KEYS)
    failures = []

    def work(seed):
        rng = random.Random(seed)
        for _ in range(150):
            plaintext = rng.randbytes(rng.randrange(300))
            key = rng.choice(KEYS)
            if ring.decrypt(Fernet(key).encrypt(plaintext)) != plaintext:
                failures.append(("decrypt", seed))
            if Fernet(KEYS[0]).decrypt(ring.encrypt(plaintext)) != plaintext:
                failures.append(("encrypt", seed))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


class _HoldsBack:
    """A stand-in for a cipher context that keeps its last block back (as a padding context would)."""

    def __init__(self):
        self.pending = b""

    def update(self, data):
        buffered = self.pending + data
        self.pending = buffered[-16:]
        return buffered[:-16]


def test_an_encryption_context_that_misbehaves_is_dropped_and_the_token_is_still_right():
    ring = FernetRing(KEYS)
    plaintext, iv = b"the token must come out right anyway", os.urandom(16)
    expected = Fernet(KEYS[0])._encrypt_from_parts(plaintext, 7, iv)
    wrong_key = Cipher(algorithms.AES(bytes(16)), modes.CBC(bytes(16))).encryptor()
    for stand_in in (_HoldsBack(), wrong_key):
        ring._contexts.encryptor = stand_in
        assert ring._encrypt_from_parts(plaintext, 7, iv) == expected
        assert ring._contexts.encryptor is None
        assert ring._encrypt_from_parts(plaintext, 7, iv) == expected  # and a new one is made
        assert ring._contexts.encryptor is not None


def test_a_decryption_context_that_holds_data_back_is_dropped_and_the_plaintext_is_still_right():
    ring = FernetRing(KEYS)
    token = Fernet(KEYS[2]).encrypt(b"the plaintext must come out right anyway")
    ring.decrypt(token)
    ring._contexts.decryptors[2] = _HoldsBack()
    assert ring.decrypt(token) == b"the plaintext must come out right anyway"
    assert ring._contexts.decryptors[2] is None


# -- mingus.crypto on top of it -----------------------------------------------------------


def test_the_project_keyring_is_a_fernet_ring():
    assert isinstance(crypto.build_keyring(keys=[k.decode() for k in KEYS]), FernetRing)


def test_decrypt_bytes_raises_decryption_error_and_never_returns_the_ciphertext():
    keyring = crypto.build_keyring(keys=[k.decode() for k in KEYS])
    foreign = Fernet(STRANGER).encrypt(b"secret").decode()
    for token in (foreign, foreign.encode(), GOOD_TEXT[:-4], NAMED_CASES["signed, padding byte zero"], ""):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_bytes(token, keyring=keyring)
        with pytest.raises(crypto.DecryptionError):
            crypto.rotate_token(token, keyring=keyring)
    assert crypto.decrypt_bytes(GOOD_TEXT, keyring=keyring) == Fernet(KEYS[1]).decrypt(GOOD)
    rotated = crypto.rotate_token(GOOD_TEXT, keyring=keyring)
    assert isinstance(rotated, str) and Fernet(KEYS[0]).decrypt(rotated) == Fernet(KEYS[1]).decrypt(GOOD)
