"""Value conversions from the legacy SQLite conventions (LEGACY.md) to the unified schema.

Every function takes one raw SQLite value and returns the target value, or
raises :class:`TransformError` with a short code and a message staff can act
on. None of them guesses: a value outside the documented formats is an error
(the row goes to quarantine), never a silently different value.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import orjson

CENT = Decimal("0.01")
# Deeper JSON is refused, the same way in every process: json's parser would stop near
# Python's recursion limit, which depends on how deep the caller already is.
MAX_JSON_DEPTH = 256
# numeric(14, 2): twelve digits before the point.
MONEY_LIMIT = Decimal("1e12")
# Float noise tolerated when reading FLOAT dollars: a few units in the last place.
_NOISE_ULPS = 4
# Epoch seconds accepted: 1970 up to 2100. Milliseconds or nonsense fall outside.
_EPOCH_MAX = 4_102_444_800

_DISPLAY_MONEY = re.compile(
    r"^(?P<open>\()?(?P<minus>-)?\$(?P<int>\d{1,3}(?:,\d{3})*|\d+)(?:\.(?P<frac>\d{2}))?(?P<close>\))?$"
)
_NAIVE_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$")
_OFFSET_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_TRUE = {1, "1", "true", "True"}
_FALSE = {0, "0", "false", "False"}


class TransformError(ValueError):
    """A legacy value that cannot be converted; ``code`` names the defect class."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class BadText:
    """A TEXT value that is not valid UTF-8, carried as its raw bytes."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes):
        self.raw = raw


def decode_text(raw: bytes) -> str | BadText:
    """sqlite3 text_factory that never fails: invalid UTF-8 becomes a BadText."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadText(raw)


def _describe(value) -> str:
    text = repr(value.raw) if isinstance(value, BadText) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_text(value, *, max_length: int | None = None) -> str | None:
    """TEXT as is; rejects invalid UTF-8, NUL characters and values too long for the column."""
    if value is None:
        return None
    if isinstance(value, str):
        if "\x00" in value:
            raise TransformError("text_contains_nul", "text holds a NUL character, which PostgreSQL text cannot store")
        if max_length is not None and len(value) > max_length:
            raise TransformError("too_long", f"{len(value)} characters, the column holds {max_length}")
        return value
    if isinstance(value, BadText):
        raise TransformError("invalid_utf8", f"text is not valid UTF-8: {_describe(value)}")
    raise TransformError("wrong_storage_class", f"expected text, found {type(value).__name__} {_describe(value)}")


def to_int(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise TransformError("out_of_range", f"integer {value} does not fit in 64 bits")
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TransformError("not_an_integer", f"expected an integer, found {_describe(value)}")


def to_float(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TransformError("not_a_number", f"expected a number, found {_describe(value)}")
    if isinstance(value, int | float):
        result = float(value)
        if not math.isfinite(result):
            raise TransformError("not_a_number", f"{value!r} is not a finite number")
        return result
    raise TransformError("not_a_number", f"expected a number, found {_describe(value)}")


def to_money(value) -> Decimal | None:
    """FLOAT dollars to exact cents.

    Binary noise (``1234.5600000000002``) is within a few ULPs of a cent value
    and rounds to it; a genuine sub-cent amount (``0.285``) is an error, not a
    silent rounding of someone's money.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked_money(Decimal(value).quantize(CENT))
    if type(value) is float:
        # The common case first, in plain float arithmetic: value * 100 rounds to the whole
        # cents c, and c / 100 is the float nearest the amount, as round(value, 2) would give.
        try:
            cents = round(value * 100)
        except (OverflowError, ValueError):  # infinite or NaN: named below
            cents = None
        if cents is not None and cents / 100 == value and abs(value) < 1e12:
            return Decimal(cents).scaleb(-2)
        rounded = round(value, 2)
        if (rounded == value or abs(value - rounded) <= _NOISE_ULPS * math.ulp(value)) and abs(rounded) < 1e12:
            # Exact: below 1e12, value * 100 is within far less than half a cent of
            # the whole number of cents, so round() finds it; scaleb is exact.
            return Decimal(round(value * 100)).scaleb(-2)
        if not math.isfinite(value):
            raise TransformError("not_a_number", f"{value!r} is not an amount")
        if rounded != value and abs(value - rounded) > _NOISE_ULPS * math.ulp(value):
            raise TransformError("sub_cent_amount", f"{value!r} has a fraction of a cent")
        raise TransformError("amount_out_of_range", f"{value!r} does not fit numeric(14,2)")
    raise TransformError("not_a_number", f"expected an amount, found {_describe(value)}")


def to_whole_dollars(value) -> Decimal | None:
    """INTEGER whole dollars (career salaries) to cents."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked_money(Decimal(value).quantize(CENT))
    raise TransformError("not_an_integer", f"expected whole dollars, found {_describe(value)}")


def to_display_money(value) -> Decimal | None:
    """The old UI's display strings: ``$1,234.56``, ``-$12.00``, ``($12.00)``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TransformError("bad_money_text", f"expected text like $1,234.56, found {_describe(value)}")
    match = _DISPLAY_MONEY.match(value.strip())
    if match is None or bool(match["open"]) != bool(match["close"]) or (match["open"] and match["minus"]):
        raise TransformError("bad_money_text", f"{_describe(value)} is not an amount like $1,234.56")
    amount = Decimal(match["int"].replace(",", "") + "." + (match["frac"] or "00"))
    if match["open"] or match["minus"]:
        amount = -amount
    return _checked_money(amount)


def _checked_money(amount: Decimal) -> Decimal:
    if abs(amount) >= MONEY_LIMIT:
        raise TransformError("amount_out_of_range", f"{amount} does not fit numeric(14,2)")
    return amount


def to_bool(value) -> bool | None:
    """INTEGER 0/1, or the text an older release wrote (true/false/True/False)."""
    if value is None:
        return None
    if value in _TRUE and not isinstance(value, float):
        return True
    if value in _FALSE and not isinstance(value, float):
        return False
    raise TransformError("bad_boolean", f"{_describe(value)} is not a boolean")


def _reject_constant(name: str):
    raise TransformError("invalid_json", f"JSON holds {name}, which PostgreSQL jsonb cannot store")


EMPTY_JSON = object()


def to_json(value):
    """JSON text to a Python value for jsonb.

    The empty string (a legacy write bug) is returned as :data:`EMPTY_JSON`
    so the caller can store NULL and count it; truncated JSON is an error.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TransformError("invalid_json", f"expected JSON text, found {_describe(value)}")
    if not value.strip():
        return EMPTY_JSON
    if "\\u0000" in value:
        raise TransformError("invalid_json", "JSON holds \\u0000, which PostgreSQL jsonb cannot store")
    try:
        result = json.loads(value, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise TransformError("invalid_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        if isinstance(exc, TransformError):
            raise
        # A plain ValueError for, e.g., an integer of more digits than Python converts.
        reason = f"{exc.msg} at {exc.pos}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise TransformError("invalid_json", f"not valid JSON ({reason}): {_describe(value)}") from None
    if _brackets(value) > MAX_JSON_DEPTH and _deeper_than(result, MAX_JSON_DEPTH):
        raise TransformError("invalid_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if "\\u" in value:
        # A lone surrogate escape (\ud800) parses in Python but jsonb refuses it.
        try:
            json.dumps(result, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise TransformError("invalid_json", "JSON holds a lone UTF-16 surrogate escape") from None
    return result


def check_json(value):
    """What :func:`to_json` decides, without building the Python value: the text itself.

    Returns ``value`` when it is JSON that jsonb stores, None for NULL and
    :data:`EMPTY_JSON` for the empty string; raises like :func:`to_json`.
    orjson (about five times faster than ``json``) accepts only RFC 8259
    JSON and refuses NaN, infinite numbers and lone surrogate escapes, so a
    text it accepts is one ``to_json`` accepts too. Whatever it refuses is
    decided, and named, by ``to_json`` itself (it also takes integers too
    long for a double).
    """
    # Texts that could nest deeper than MAX_JSON_DEPTH are left to to_json, which measures.
    if (
        type(value) is str
        and "\\u0000" not in value
        and (len(value) <= MAX_JSON_DEPTH or _brackets(value) <= MAX_JSON_DEPTH)
    ):
        try:
            orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
        else:
            return value
    result = to_json(value)
    return result if result is None or result is EMPTY_JSON else value


def _brackets(text: str) -> int:
    # At least the nesting depth: every level opens one (brackets inside strings count too).
    return text.count("[") + text.count("{")


def _deeper_than(document, limit: int) -> bool:
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise TransformError("invalid_json", f"JSON number {text[:30]} is beyond float range")
    return number


def to_naive_utc(value) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` (or with ``T``), naive, meaning UTC."""
    if value is None:
        return None
    # Cheap shape checks instead of a regex on this hot path; fromisoformat does the rest.
    if (
        type(value) is not str
        or not 19 <= len(value) <= 26
        or value[10] not in " T"
        or value[4] != "-"
        or (len(value) > 19 and (value[19] != "." or value[-1] == "."))
    ):
        raise TransformError("bad_timestamp", f"{_describe(value)} is not YYYY-MM-DD HH:MM:SS[.ffffff]")
    try:
        # Parsed with an explicit UTC offset: a value that carries its own offset fails here,
        # and this is several times cheaper than datetime.replace(tzinfo=UTC) afterwards.
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:
        if _NAIVE_STAMP.match(value):
            raise TransformError("invalid_timestamp", f"{_describe(value)} is not a real date and time") from None
        raise TransformError("bad_timestamp", f"{_describe(value)} is not YYYY-MM-DD HH:MM:SS[.ffffff]") from None


def to_offset_timestamp(value) -> datetime | None:
    """ISO 8601 with ``Z`` or an explicit UTC offset; a naive value is ambiguous and refused."""
    if value is None:
        return None
    if not isinstance(value, str) or not _OFFSET_STAMP.match(value):
        raise TransformError("bad_timestamp", f"{_describe(value)} is not ISO 8601 with Z or an offset")
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise TransformError("invalid_timestamp", f"{_describe(value)} is not a real date and time") from None


def to_epoch(value) -> datetime | None:
    """Unix epoch seconds (INTEGER or REAL)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransformError("bad_timestamp", f"expected epoch seconds, found {_describe(value)}")
    if not 0 <= value < _EPOCH_MAX:
        raise TransformError("epoch_out_of_range", f"{value!r} is not epoch seconds between 1970 and 2100")
    return datetime.fromtimestamp(value, UTC)


def to_date(value) -> date | None:
    """``YYYY-MM-DD``."""
    if value is None:
        return None
    if type(value) is str:
        return _iso_date(value)
    raise TransformError("bad_date", f"{_describe(value)} is not YYYY-MM-DD")


@lru_cache(maxsize=65_536)
def _iso_date(value: str) -> date:
    # Dates repeat a lot (a few thousand distinct days in millions of rows): parse each once.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise TransformError("bad_date", f"{_describe(value)} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TransformError("invalid_date", f"{value} is not a calendar date") from None


def to_us_date(value) -> date | None:
    """``MM/DD/YYYY`` (user_expense_due_dates.due_date)."""
    if value is None:
        return None
    match = _US_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise TransformError("bad_date", f"{_describe(value)} is not MM/DD/YYYY")
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise TransformError("invalid_date", f"{value} is not a calendar date") from None


def to_setting_value(value, value_type):
    """``system_settings.value`` typed by ``value_type`` (int, float, bool, json, str)."""
    if value is None:
        return None
    if not isinstance(value, str):
        # TEXT affinity stores everything as text; anything else is not what the app wrote.
        raise TransformError("bad_setting", f"expected text, found {_describe(value)}")
    try:
        if value_type == "int":
            return int(value.strip())
        if value_type == "float":
            result = float(value.strip())
            if not math.isfinite(result):
                raise ValueError
            return result
        if value_type == "bool":
            lowered = value.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if value_type == "json":
            parsed = to_json(value)
            if parsed is EMPTY_JSON:
                raise ValueError
            return parsed
        if value_type == "str" or value_type is None:
            return to_text(value)
    except (ValueError, InvalidOperation) as exc:
        if isinstance(exc, TransformError):
            raise
        raise TransformError("bad_setting", f"{_describe(value)} is not a valid {value_type}") from None
    raise TransformError("bad_setting", f"unknown value_type {value_type!r}")
