"""The C JSON functions (ops/legacy/native/mingus_json.c) are only ever sure when they are right.

``json_check_fast(text)`` may say True only for a text ``transforms.check_json``
returns unchanged (JSON that jsonb stores); ``jsonb_canonical(text)`` may
return a text only when it is exactly what PostgreSQL prints for
``text::jsonb::text``. Both may always decline (False, None): the Python path
then decides. These tests hold both against their oracles (``check_json`` and
the real server) over hand-written edge cases, seeded random documents and
random mutations of them, and also hold that they do *not* decline the shapes
legacy rows hold, since being fast on those is their whole point.
"""

from __future__ import annotations

import functools
import json
import random

import pytest
from django.db import connection, transaction

from ops.legacy import row_codec, transforms
from ops.legacy.transforms import TransformError

pytestmark = pytest.mark.skipif(row_codec.codec_status() != "compiled", reason="the C encoder is not built")

_native = row_codec._native

# ---- corpora -----------------------------------------------------------------------------------------------------


def _nested(opener: str, closer: str, depth: int, inner: str = "1") -> str:
    return opener * depth + inner + closer * depth


def _edge_cases() -> list[str]:
    cases = [
        # the shapes legacy rows hold
        '{"platform": "web", "app_version": "2.7.0", "referrer": ""}',
        '{"currency": "USD", "notifications": {"email": true, "sms": false}, "weekly_digest": false}',
        '["Data Analysis", "Java"]',
        # every escape, and \u escapes in both cases, resolved or printed back as jsonb does
        r'"\"\\\/\b\f\n\r\t"',
        r'["\u0041\u00e9\u00E9\u20ac\uFFFF\uffff\u007f\u001F\u001f\u0001\u0080\u07ff\u0800\ufffe\u2028"]',
        r'{"\u00e9": 1, "é": 2, "\u0061": 3, "a": 4, "\n": 5, "\\": 6, "\"": 7, "\/": 8}',
        r'"a\/b\\c\"d"',
        r'"\\"',
        r'"\\\\"',
        # invalid escapes
        r'"\a"',
        r'"\x41"',
        r'"\u12"',
        r'"\u12G4"',
        r'"\U0041"',
        r'"\'"',
        '"\\',
        r'"\u',
        r'"\u004',
        # surrogate escapes: lone, paired, in both cases; a raw astral character
        r'"\ud800"',
        r'"\udc00"',
        r'"\ud83d\ude00"',
        r'"\uD83D\uDE00"',
        r'"\ud800\u0041"',
        r'{"\udfff": 1}',
        '"😀"',
        '{"😀": ["𝄞", "\U0010ffff"]}',
        # \u0000, and the characters \u0000 wherever they stand
        r'"\u0000"',
        r'"a\u0000b"',
        r'{"\u0000": 1}',
        r'"\\u0000"',
        r'"\\\\u0000"',
        r'"\\u00000"',
        r'"\u00001"',
        r'"\u00000"',
        r'"\\u0001"',
        r'"u0000"',
        # NaN and friends
        "NaN",
        "[NaN]",
        "Infinity",
        "-Infinity",
        '{"a": -Infinity}',
        "nan",
        "inf",
        # numbers: zeros and signs, trailing zeros, leading zeros, sizes around the limits
        "0",
        "-0",
        "-0.0",
        "0.00",
        "-0.000",
        "-0.0001",
        "[-0, -0.0, 0.00, 1.50, -1.50, 0.1000, 100, -1, 10.010]",
        "1.50",
        "12345678901234567890123456789",
        "-12345678901234567890123456789.000100",
        "9" * 300,
        "-" + "9" * 300,
        "9" * 301,
        "9" * 4300,
        "9" * 5000,
        "[" + "1" * 300 + "." + "0" * 1000 + "]",
        "[0." + "1" * 1001 + "]",
        "0." + "0" * 1000,
        "1" + "0" * 308 + ".5",
        "01",
        "-01",
        "00",
        "0.0.0",
        ".5",
        "5.",
        "-",
        "+1",
        "--1",
        "1.e5",
        "0x10",
        "1 2",
        "[1.]",
        "[-]",
        "[01]",
        # exponents: declined
        "1e2",
        "1E2",
        "1e-2",
        "1e+2",
        "1.5e400",
        "0e0",
        "-0e0",
        "[1.0e1]",
        "1e",
        # commas, colons, quotes
        "[1,]",
        '{"a": 1,}',
        "[,1]",
        "[1,,2]",
        "{,}",
        "[,]",
        "{'a': 1}",
        "['x']",
        '{"a" 1}',
        '{"a":}',
        '{"a"}',
        "{1: 2}",
        '{"a": 1 "b": 2}',
        '{"a": 1, "b"}',
        '["a" "b"]',
        '"abc"x',
        "[1]]",
        "{}{}",
        "[1][2]",
        '"a" "b"',
        '"abc',
        "[1",
        '{"a":',
        '{"a": [1, {"b": 2}',
        "]",
        "}",
        ":",
        ",",
        # literals
        "true",
        "false",
        "null",
        "True",
        "False",
        "None",
        "nul",
        "tru",
        "truex",
        "[true false]",
        "[null,true,false]",
        # BOM and whitespace
        "\ufeff{}",
        "\ufeff[1]",
        " \t\n\r[ 1 , 2 ]\r\n",
        "\f[1]",
        "\v[1]",
        "[1]\u00a0",
        "\u00a0[1]",
        "\u2028[1]",
        "[1\t]",
        '{\n"a"\n:\n1\n}',
        "[\x0c1]",
        "\x1c[1]",
        "[1]\x85",
        # empty and whitespace-only texts (stored as NULL by the Python path)
        "",
        " ",
        "\n",
        "\t\r\n ",
        "\u3000",
        # top-level scalars
        "1",
        "-5",
        "1.5",
        '"x"',
        '""',
        '" "',
        # duplicate keys: the last wins, also when they are written differently
        '{"a": 1, "a": 2}',
        '{"a": 1, "b": 2, "a": 3}',
        '{"a": {"x": 1}, "a": [2]}',
        '{"a": 1, "a": 2, "a": 3, "b": 1, "b": 2}',
        '{"a": {"a": 1, "a": 2}, "a": {"b": 1, "b": 2}}',
        r'{"é": 1, "\u00e9": 2}',
        r'{"\u00e9": 1, "é": 2}',
        '{"": 1, "": 2}',
        # key order: by length, then bytes (multibyte keys are longer than they look)
        '{"b": 1, "a": 2, "c": 3}',
        '{"ab": 1, "b": 2, "aaa": 3, "ba": 4, "aa": 5}',
        '{"é": 1, "z": 2, "zz": 3, "ß": 4, "中": 5, "ab": 6, "😀": 7, "abcd": 8}',
        '{"B": 1, "a": 2, "A": 3, "b": 4, "_": 5, "0": 6}',
        '{"": 1, " ": 2, "  ": 3}',
        '{"ä": 1, "a\u0308": 2}',
        "{" + ", ".join(f'"k{i}": {i}' for i in range(40, 0, -1)) + "}",
        "{" + ", ".join(f'"{chr(0x4E00 + i)}{i}": {i}' for i in range(30)) + "}",
        # control characters raw in a string (refused) and DEL / non-characters (allowed)
        *[f'"a{chr(c)}b"' for c in range(0x20)],
        '"\x7f"',
        '"\ufffe\uffff\U0010ffff"',
        '"\u0301e"',
        # long strings and many items
        '"' + "x" * 100_000 + '"',
        '"' + "é" * 50_000 + '"',
        "[" + ",".join(["1"] * 20_000) + "]",
        '"' + "[" * 300 + '"',
        "[" + '"[[[["' * 100 + "]",
    ]
    # each kind of byte the string scan stops at, at every place in its eight-byte steps
    for special in ["\x01", "\x1f", "\x7f", '"', "\\", "\\n", "\\u00e9", "\\\\u0000", "é", "中", "😀", "\\ud800"]:
        for at in range(18):
            cases.append('["' + "x" * at + special + "y" * (17 - at) + '"]')
    # nesting around the C limit (200), MAX_JSON_DEPTH (256), and far beyond
    for depth in (1, 2, 199, 200, 201, 255, 256, 257, 1000, 20_000):
        cases.append(_nested("[", "]", depth))
        cases.append(_nested('{"a": ', "}", depth))
        cases.append(_nested('[{"a": ', "}]", depth // 2))
        cases.append("[" * depth)
    return cases


_INVALID_UTF8 = [
    b'"\xff"',
    b'"\xc0\x80"',
    b'"\xc1\xbf"',
    b'"\xe0\x80\x80"',
    b'"\xed\xa0\x80"',
    b'"\xed\xbf\xbf"',
    b'"\xf4\x90\x80\x80"',
    b'"\xf5\x80\x80\x80"',
    b'"\xe2\x82"',
    b'"\xe2\x82"]',
    b'"\xf0\x9f\x98"',
    b'"\x80"',
    b'"a\xbf"',
    b'["a\x00"]',
    b"\x00",
    b"[1]\x00",
    b"\xef\xbb\xbf[1]",
    b'{"\xff": 1}',
]

_KEYS = ["a", "b", "c", "ab", "ba", "aa", "é", "ß", "中", "aé", "", "A", "Z", "zz", "😀", "id", "ID", "key", "kéy"]
# json.dumps writes a character beyond U+FFFF as a surrogate pair, which the C side leaves to Python.
_BMP_KEYS = [key for key in _KEYS if key != "😀"]
_CHARS = 'abcxyzAZ_09 /"\\\n\r\t\b\f\x01\x1f\x7féüß中€\u2028\ufffe😀𝄞'
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string_literal(rng: random.Random, text: str) -> str:
    parts = []
    for char in text:
        code = ord(char)
        choice = rng.random()
        if char in _SHORT_ESCAPES and (choice < 0.6 or char in '"\\' or code < 0x20):
            parts.append(_SHORT_ESCAPES[char] if choice < 0.8 else f"\\u{code:04x}")
        elif code < 0x20 or char in '"\\' or choice < 0.15:
            if code > 0xFFFF:  # a surrogate pair: declined, and judged by check_json
                code -= 0x10000
                parts.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                parts.append(f"\\u{code:04X}" if rng.random() < 0.5 else f"\\u{code:04x}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


def _number_literal(rng: random.Random) -> str:
    sign = "-" if rng.random() < 0.3 else ""
    roll = rng.random()
    if roll < 0.3:
        whole = "0"
    elif roll < 0.97:
        whole = str(rng.randrange(1, 10)) + "".join(rng.choices("0123456789", k=rng.randrange(0, 25)))
    else:
        whole = "9" * rng.choice([299, 300, 301])
    fraction = ""
    if rng.random() < 0.5:
        digits = "".join(rng.choices("0000123456789", k=rng.randrange(1, 12)))
        fraction = "." + (digits if rng.random() < 0.8 else "0" * len(digits))
    exponent = ""
    if rng.random() < 0.03:
        exponent = rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randrange(0, 400))
    return sign + whole + fraction + exponent


def _space(rng: random.Random) -> str:
    return rng.choice(["", "", "", "", " ", "  ", "\n", "\t", "\r\n  ", " \n\t"])


def _random_text(rng: random.Random, depth: int = 0) -> str:
    """A JSON text written by hand: any spacing, escapes, numbers as written, duplicate keys."""
    roll = rng.random()
    if depth < 6 and roll < 0.25:
        keys = [rng.choice(_KEYS) if rng.random() < 0.7 else "".join(rng.choices(_CHARS, k=3)) for _ in range(5)]
        keys = keys[: rng.randrange(0, 6)]
        members = [
            _space(rng)
            + _string_literal(rng, key)
            + _space(rng)
            + ":"
            + _space(rng)
            + _random_text(rng, depth + 1)
            + _space(rng)
            for key in keys
        ]
        return "{" + (",".join(members) if members else _space(rng)) + "}"
    if depth < 6 and roll < 0.4:
        items = [_space(rng) + _random_text(rng, depth + 1) + _space(rng) for _ in range(rng.randrange(0, 5))]
        return "[" + (",".join(items) if items else _space(rng)) + "]"
    if roll < 0.6:
        return _string_literal(rng, "".join(rng.choices(_CHARS, k=rng.randrange(0, 12))))
    if roll < 0.9:
        return _number_literal(rng)
    return rng.choice(["true", "false", "null"])


def _random_value(rng: random.Random, depth: int = 0):
    """A Python value like those the legacy app stored with json.dumps (no characters beyond U+FFFF)."""
    roll = rng.random()
    if depth < 4 and roll < 0.3:
        return {
            rng.choice(_BMP_KEYS) + rng.choice(["", "_id", "_name", "ü"]): _random_value(rng, depth + 1)
            for _ in range(4)
        }
    if depth < 4 and roll < 0.45:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    if roll < 0.65:
        return "".join(rng.choices("abc xyz_ABC-0123456789éüßñ中文€—“”'\"\\/\n\t", k=rng.randrange(0, 20)))
    if roll < 0.75:
        return rng.choice([0, 1, -1, 42, 2**31, -(2**53), 10**18, rng.randrange(-(10**9), 10**9)])
    if roll < 0.9:
        return rng.choice([0.0, -0.0, 1.5, 0.1, 19.99, round(rng.uniform(-10_000, 10_000), rng.randrange(0, 6))])
    return rng.choice([True, False, None])


def _dumped(rng: random.Random, value) -> str:
    return json.dumps(
        value,
        ensure_ascii=rng.random() < 0.5,
        separators=rng.choice([None, (",", ":"), (", ", ": ")]),
        indent=rng.choice([None, None, 2, "\t"]),
        sort_keys=rng.random() < 0.3,
    )


def _dumped_corpus(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_dumped(rng, _random_value(rng)) for _ in range(count)]


_MUTATION_CHARS = '{}[],:"\\ \t\n0123456789-.eE+tfnulaé\x00\x01\x1f\x7f\ufeff\u00a0😀'
_MUTATION_SNIPPETS = ["\\u0000", "\\ud800", "\\udc00", "\\u00e9", "\\\\", '\\"', "NaN", "1e5", "-0", "0.0", "[[", "]]"]


def _mutated(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    roll = rng.random()
    if roll < 0.25:
        return text[:at]
    if roll < 0.5:
        return text[:at] + rng.choice(_MUTATION_CHARS) + text[at:]
    if roll < 0.65:
        return text[:at] + rng.choice(_MUTATION_SNIPPETS) + text[at:]
    if roll < 0.85:
        return text[:at] + text[at + rng.randrange(1, 4) :]
    if roll < 0.95:
        return text[:at] + rng.choice(_MUTATION_CHARS) + text[at + 1 :]
    other = rng.randrange(len(text) + 1)
    return text[: min(at, other)] + text[max(at, other) :] + text[min(at, other) : max(at, other)]


def _byte_mutated(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    roll = rng.random()
    if roll < 0.4:
        return data[:at] + bytes([rng.randrange(256)]) + data[at:]
    if roll < 0.7:
        return data[:at] + data[at + 1 :]
    if roll < 0.9:
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    return data[:at]


def _random_corpus(seed: int) -> list[str]:
    rng = random.Random(seed)
    documents = [_random_text(rng) for _ in range(2500)] + _dumped_corpus(1500, seed + 1)
    mutants = []
    for text in documents:
        mutant = text
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            mutant = _mutated(rng, mutant)
            mutants.append(mutant)
    return documents + mutants


@functools.cache
def _corpus() -> list[str]:
    return _edge_cases() + _random_corpus(20261203)


def _check_json_keeps(text: str) -> bool:
    try:
        return transforms.check_json(text) is text
    except TransformError:
        return False


def _server_canonical(texts: list[str]) -> list[str]:
    """PostgreSQL's text::jsonb::text for each text; a text the server refuses fails the test, by name."""
    results = []
    with connection.cursor() as cursor:
        for start in range(0, len(texts), 2000):
            batch = texts[start : start + 2000]
            try:
                with transaction.atomic():
                    cursor.execute(
                        "SELECT t::jsonb::text FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i", [batch]
                    )
                    results += [row[0] for row in cursor.fetchall()]
            except Exception:
                for text in batch:
                    with transaction.atomic():
                        try:
                            cursor.execute("SELECT %s::jsonb::text", [text])
                        except Exception as exc:
                            pytest.fail(f"the server refuses a text the C side accepted: {text!r}: {exc}")
                raise
    return results


# ---- the fast check --------------------------------------------------------------------------------------------


def test_the_fast_check_accepts_only_what_check_json_returns_unchanged():
    corpus = _corpus()
    wrong = [text for text in corpus if _native.json_check_fast(text) and not _check_json_keeps(text)]
    assert wrong == []
    # The corpus is not one-sided: plenty of both answers, and of texts Python refuses.
    accepted = sum(map(_native.json_check_fast, corpus))
    refused = sum(not _check_json_keeps(text) for text in corpus)
    assert accepted > 4000
    assert refused > 4000


def test_the_fast_check_accepts_the_shapes_legacy_rows_hold():
    corpus = _dumped_corpus(5000, 7)  # json.dumps output; its floats rarely need an exponent
    accepted = sum(map(_native.json_check_fast, corpus))
    assert accepted >= 0.99 * len(corpus)
    for text in _edge_cases()[:3]:
        assert _native.json_check_fast(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1e2",
        "[1.5E-3]",
        r'"\ud83d\ude00"',
        r'"\u0000"',
        r'"\\u0000"',
        "9" * 301,
        "[0." + "1" * 1001 + "]",
        _nested("[", "]", 201),
        _nested('{"a": ', "}", 201),
        "NaN",
        "\ufeff[]",
        "[1,]",
        '"\x01"',
    ],
)
def test_both_decline_what_they_leave_to_python(text):
    assert _native.json_check_fast(text) is False
    assert _native.jsonb_canonical(text) is None


def test_nesting_up_to_two_hundred_levels_is_taken():
    assert _native.json_check_fast(_nested("[", "]", 200))
    assert _native.json_check_fast(_nested('{"a": ', "}", 200))
    assert not _native.json_check_fast(_nested("[", "]", 201))


def test_invalid_utf8_bytes_are_never_accepted():
    for data in _INVALID_UTF8:
        assert _native.json_check_fast(data) is False, data
        assert _native.jsonb_canonical(data) is None, data


def test_random_byte_mutations_are_judged_as_their_text_or_declined():
    rng = random.Random(99)
    texts = [text for text in _random_corpus(5)[:3000] if text]
    for text in texts:
        data = text.encode()
        for _ in range(3):
            data = _byte_mutated(rng, data) if data else data
            try:
                decoded = data.decode("utf-8")
            except UnicodeDecodeError:
                assert not _native.json_check_fast(data), data
                assert _native.jsonb_canonical(data) is None, data
                continue
            assert _native.json_check_fast(data) == _native.json_check_fast(decoded)
            assert _native.jsonb_canonical(data) == _native.jsonb_canonical(decoded)
            if _native.json_check_fast(data):
                assert _check_json_keeps(decoded), data


def test_a_string_without_a_utf8_form_is_declined():
    assert _native.json_check_fast('"\ud800"') is False
    assert _native.jsonb_canonical('"\ud800"') is None


def test_only_text_is_taken():
    with pytest.raises(TypeError):
        _native.json_check_fast(None)
    with pytest.raises(TypeError):
        _native.jsonb_canonical(12)


# ---- jsonb's canonical text ------------------------------------------------------------------------------------


def test_the_canonical_text_is_given_exactly_when_the_fast_check_accepts():
    for text in _corpus():
        assert (_native.jsonb_canonical(text) is not None) == _native.json_check_fast(text), text


@pytest.mark.django_db
def test_the_canonical_text_is_what_postgresql_prints():
    texts = [text for text in _corpus() + _dumped_corpus(3000, 11) if _native.json_check_fast(text)]
    expected = _server_canonical(texts)
    wrong = [
        (text, ours, theirs)
        for text, ours, theirs in zip(texts, map(_native.jsonb_canonical, texts), expected, strict=True)
        if ours != theirs
    ]
    assert wrong == []
    assert len(texts) > 7000


@pytest.mark.django_db
def test_key_order_duplicates_escapes_and_numbers_match_postgresql():
    texts = [
        '{"b": 1, "a": 2, "aa": 3, "é": 4, "z": 5, "ab": 6, "😀": 7, "中": 8, "abc": 9}',
        '{"a": 1, "a": 2, "b": [1, 2], "a": 3}',
        r'{"é": 1, "\u00e9": 2, "e": 3}',
        r'["\u00e9\/\"\\\b\f\n\r\t\u001f\u0001\u007f\u0041\u2028\u00A0"]',
        "[-0, -0.0, 0.00, -0.000, 1.50, -1.50, 0.1000, 12345678901234567890123456789, -0.0001]",
        "9" * 300,
        "[" + "1" * 300 + "." + "0" * 1000 + "]",
        '{"a":{},"b":[],"c":[{}],"d":{"y":[],"x":{}}}',
        ' \r\n\t{ "k" :\t[ 1 ,2, "x" ] } \n',
        '"\x7f\ufffe\U0010ffff"',
    ]
    assert [_native.jsonb_canonical(text) for text in texts] == _server_canonical(texts)


def test_the_canonical_text_is_its_own_canonical_text():
    for text in _corpus():
        canonical = _native.jsonb_canonical(text)
        if canonical is not None:
            assert _native.jsonb_canonical(canonical) == canonical


def test_equal_canonical_texts_mean_the_same_document():
    # Written differently, the same document: one canonical text, as validate needs.
    assert _native.jsonb_canonical('{"b":[1,2],"a":"\\u00e9"}') == _native.jsonb_canonical(
        '{ "a" : "é", "b" : [ 1, 2 ] }'
    )
    assert _native.jsonb_canonical("[true]") != _native.jsonb_canonical("[1]")
