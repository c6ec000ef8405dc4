"""The shortcuts the conversions take for common values give exactly what the full rules give.

Each hot conversion has a quick path for the values legacy rows hold most of
the time and keeps its full rule for everything else. These tests hold the
full rule (as it was before the shortcut) next to the conversion and compare
them over many values, including the boundaries where a shortcut could go
wrong.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ops.legacy import ids, transforms
from ops.legacy.transforms import TransformError


def _outcome(function, value):
    try:
        return "ok", function(value)
    except TransformError as exc:
        return "error", exc.code


def _money_by_the_full_rule(value: float):
    rounded = round(value, 2)
    if (rounded == value or abs(value - rounded) <= 4 * math.ulp(value)) and abs(rounded) < 1e12:
        return Decimal(round(value * 100)).scaleb(-2)
    raise TransformError("refused", "")


def _money_floats() -> list[float]:
    rng = random.Random(20261125)
    values = [0.0, -0.0, 0.005, 0.015, 0.285, 1.005, 2.675, 5e-324, 1e-300, 999_999_999_999.99, 1e12, -1e12]
    values += [1e12 - 0.01, 1e300, 1.7e308, math.inf, -math.inf, math.nan]
    for _ in range(20_000):
        cents = rng.randint(-(10 ** rng.randint(1, 14)), 10 ** rng.randint(1, 14))
        amount = cents / 100
        noise = rng.choice([1, 2, 3, 4, 5, 8, 64]) * rng.choice([-1, 1]) * math.ulp(amount)
        values += [amount, math.nextafter(amount, math.inf), amount + noise, rng.uniform(-1e6, 1e6)]
    return values


def test_money_shortcut_gives_the_full_rules_cents_or_refusal_for_every_float():
    differing = []
    for value in _money_floats():
        expected = _outcome(_money_by_the_full_rule, value)
        actual = _outcome(transforms.to_money, value)
        if (expected[0], str(expected[1]) if expected[0] == "ok" else None) != (
            actual[0],
            str(actual[1]) if actual[0] == "ok" else None,
        ):
            differing.append((value, expected, actual))
    assert differing == []


def _naive_utc_by_the_full_rule(value):
    if type(value) is not str or not 19 <= len(value) <= 26 or value[10] not in " T" or value[4] != "-":
        raise TransformError("bad_timestamp", "")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # (The regex's $ also matches before a final newline; such a value is badly formed,
        # not an impossible date, and the conversion now says so.)
        if transforms._NAIVE_STAMP.match(value) and not value.endswith("\n"):
            raise TransformError("invalid_timestamp", "") from None
        raise TransformError("bad_timestamp", "") from None
    if parsed.tzinfo is not None or (len(value) > 19 and value[19] != "."):
        raise TransformError("bad_timestamp", "")
    return parsed.replace(tzinfo=UTC)


_STAMPS = [
    "2024-03-05 10:11:12",
    "2024-03-05T10:11:12",
    "2024-02-29 23:59:59",
    "2023-02-29 10:11:12",
    "2024-02-30 10:11:12",
    "2024-03-05 24:00:00",
    "2024-03-05 10:60:00",
    "2024-03-05 10:11:60",
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
]
_SUFFIXES = [
    "",
    ".",
    ".5",
    ".123",
    ".123456",
    ".1234567",
    "Z",
    "+01:00",
    "+01",
    "+0100",
    ".5Z",
    ".5+01:00",
    ",5",
    " ",
    "\n",
]


@pytest.mark.parametrize("stamp", _STAMPS)
def test_naive_timestamp_shortcut_accepts_and_refuses_as_the_full_rule(stamp):
    values = [stamp + suffix for suffix in _SUFFIXES]
    values += [stamp.replace(" ", "_"), stamp[:-3], stamp.replace("-", "/"), "٢٠٢٤" + stamp[4:]]
    for value in values:
        assert _outcome(transforms.to_naive_utc, value) == _outcome(_naive_utc_by_the_full_rule, value), value


def test_naive_timestamp_is_the_same_aware_utc_instant():
    parsed = transforms.to_naive_utc("2024-03-05 10:11:12.5")
    assert parsed == datetime(2024, 3, 5, 10, 11, 12, 500_000, tzinfo=UTC)
    assert parsed.utcoffset().total_seconds() == 0


_JSON_TEXTS = [
    '{"a": 1, "b": [true, false, null], "c": "x"}',
    "[]",
    "0.10",
    "1.000000000000000000001",
    "123456789012345678901234567890",
    "1" * 400,  # a double cannot hold it, json can: decided by json
    "1" * 5000,  # too many digits for json
    "1e400",
    "[1e-400]",
    "NaN",
    "Infinity",
    '"\\ud800"',
    '"\\ud83d\\ude00"',
    '"\\u0000"',
    '{"a": 1,}',
    '{"a": 1',
    "",
    "   ",
    '"\x01"',
    '{"a": 1, "a": 2}',
    "\ufeff{}",
    "[" * 50 + "]" * 50,
    "[" * 256 + "]" * 256,
    "[" * 257 + "]" * 257,  # deeper than MAX_JSON_DEPTH
    "[" * 1020 + "]" * 1020,  # orjson would take it, json stops near Python's recursion limit
    "[" * 5000 + "]" * 5000,
    '["' + "[" * 300 + '"]',  # brackets inside a string do not nest
    "[" + "[1]," * 400 + "[1]]",  # many brackets, depth 2
    "nul",
]


@pytest.mark.parametrize("text", _JSON_TEXTS, ids=range(len(_JSON_TEXTS)))
def test_check_json_decides_every_text_as_to_json_does(text):
    decided = _outcome(transforms.to_json, text)
    checked = _outcome(transforms.check_json, text)
    if decided[0] == "error":
        assert checked == decided
    elif decided[1] is transforms.EMPTY_JSON:
        assert checked == ("ok", transforms.EMPTY_JSON)
    else:
        assert checked == ("ok", text)


def test_check_json_refuses_what_is_not_text_as_to_json_does():
    assert _outcome(transforms.check_json, 5) == ("error", "invalid_json")
    assert transforms.check_json(None) is None


def test_json_text_parses_its_value_only_when_asked_and_as_to_json():
    from ops.legacy.convert import JsonText

    text = JsonText('{"n": 0.10, "big": 123456789012345678901234567890}')
    assert text._value is JsonText._UNPARSED
    assert text.value == json.loads(text.text)
    assert text.value["big"] == 123456789012345678901234567890


def _cashflow_converter():
    from ops.legacy.convert import ImportContext, RowConverter
    from ops.legacy.mapping import get_mapping

    columns = ["id", "user_id", "date", "opening_balance", "income", "expenses", "closing_balance"]
    columns += ["balance_status", "created_at"]
    return RowConverter(
        mapping=get_mapping(source_file="mingus.db", source_table="daily_cashflow"),
        source_columns=columns,
        context=ImportContext(legacy_keyring=None, cache_cutoff_epoch=0),
    )


def test_the_inline_forms_give_what_the_steps_give_and_refuse_what_they_refuse():
    converter = _cashflow_converter()
    row = (9, 9, 7, "2024-03-05", 10.5, 0.1 + 0.2, 3, None, "ok", "2024-03-05 10:11:12")  # (rowid, id, ...)

    values = converter.convert(row)

    assert values[1] == ids.user_uuid(7).bytes
    assert values[3:7] == [Decimal("10.50"), Decimal("0.30"), Decimal("3.00"), None]
    assert values[7] == "ok"
    for position, bad, code in [
        (2, 7.0, "bad_reference"),  # after user 7 is cached: a REAL id is refused all the same
        (2, "7", "bad_reference"),
        (8, "x" * 17, "too_long"),
        (8, "o\x00k", "text_contains_nul"),
        (8, 5, "wrong_storage_class"),
    ]:
        changed = list(row)
        changed[position] = bad
        with pytest.raises(TransformError) as raised:
            converter.convert(tuple(changed))
        assert raised.value.code == code, (position, bad)


@pytest.mark.parametrize(("depth", "accepted"), [(256, True), (257, False), (2000, False)])
def test_json_nested_deeper_than_the_limit_is_refused_in_any_process(depth, accepted):
    text = '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)

    outcome = _outcome(transforms.check_json, text)

    assert outcome == (("ok", text) if accepted else ("error", "invalid_json"))
