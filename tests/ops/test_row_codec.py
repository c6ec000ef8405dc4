"""The C row encoder gives exactly what the Python converter and psycopg give, or declines.

``ops/legacy/row_codec.py`` may only ever *add* a row the Python path would
add, with the same bytes for every value (numerics compared as values: both
are valid encodings, PostgreSQL stores one form). A row it declines takes the
Python path, so declining is always safe; these tests also hold how rarely it
declines on realistic data, since that is its whole point.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import struct
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import Format

from ops.legacy import ids, importer, row_codec, transforms
from ops.legacy.convert import EmailDecision, ImportContext, RowConverter, use_converted_values
from ops.legacy.mapping import TABLE_MAPPINGS
from ops.legacy.transforms import TransformError
from tests.ops.legacy_fixtures import (  # noqa: F401 (the fixtures)
    readable_copy,
    sample_dir_fixture,
    sample_settings_fixture,
)
from tests.ops.test_transform_fast_paths import _money_floats

pytestmark = pytest.mark.skipif(row_codec.codec_status() != "compiled", reason="the C encoder is not built")

_native = row_codec._native


def test_the_compiled_row_encoder_is_installed():
    # The import still works without it, but at half the speed: CI must notice if the build breaks.
    assert row_codec.codec_status() == "compiled"


# ---- one value at a time, against the transforms and psycopg's dumpers -----------------------------------


def _split(data: bytes) -> list[bytes | None]:
    count = struct.unpack("!h", data[:2])[0]
    fields, at = [], 2
    for _ in range(count):
        (size,) = struct.unpack("!i", data[at : at + 4])
        at += 4
        if size < 0:
            fields.append(None)
        else:
            fields.append(data[at : at + size])
            at += size
    assert at == len(data)
    return fields


_OIDS = {name: psycopg.postgres.types[name].oid for name in ("uuid", "text", "int2", "int4", "int8")}
_OIDS.update({name: psycopg.postgres.types[name].oid for name in ("float8", "numeric", "bool", "date")})
_OIDS.update({name: psycopg.postgres.types[name].oid for name in ("timestamptz", "jsonb", "inet", "bytea")})


def _python_field(value, pg_type: str) -> bytes | None:
    tx = Transformer()
    tx.set_dumper_types([_OIDS[pg_type]], Format.BINARY)
    (dumped,) = tx.dump_sequence([value], [PyFormat.BINARY])
    return None if dumped is None else bytes(dumped)


def _load(data: bytes | None, pg_type: str):
    tx = Transformer()
    tx.set_loader_types([_OIDS[pg_type]], Format.BINARY)
    return tx.load_sequence([data])[0]


def _encode_one(column: dict, value) -> bytes | str | None:
    """The C encoding of ``value`` in a one-column table, or "declined"."""
    encoder = _native.Encoder(
        namespace=(1, 2),
        columns=[{"kind": row_codec._K_ID}, {"index": 1, **column}],
        present=None,
        decimal=row_codec._cents_to_decimal,
        empty_json=transforms.EMPTY_JSON,
        keys=None,
        error_type=TransformError,
    )
    if encoder.encode((7, value)) == row_codec.DECLINED:
        assert encoder.size == 0, "a declined row leaves nothing behind"
        return "declined"
    return _split(encoder.take())[1]


def _agrees(column: dict, pg_type: str, convert, values) -> list:
    """Values where C and Python disagree; also returns how many C declined."""
    differing, declined = [], 0
    for value in values:
        try:
            expected = convert(value)
        except (TransformError, OverflowError, ValueError):
            expected = TransformError
        actual = _encode_one(column, value)
        if actual == "declined":
            declined += 1
            continue
        if expected is TransformError:
            differing.append((value, "python refuses, C added", actual))
        elif pg_type == "numeric":
            if _load(actual, "numeric") != expected or str(_load(actual, "numeric")) != str(expected):
                differing.append((value, expected, _load(actual, "numeric")))
        elif actual != _python_field(expected, pg_type):
            differing.append((value, expected, actual))
    return differing, declined


def test_money_in_c_is_the_pythons_cents_and_noise_within_four_ulps_is_not_declined():
    # The fast-path tests' floats (around cents, with noise of 1 to 64 ULPs), and amounts only C could get wrong.
    values = [*_money_floats(), 1e15, 1234.5600000000002, 0, 5, -7, 10**12 - 1, 10**12, -(10**12), 2**63]
    differing, declined = _agrees({"kind": row_codec._K_MONEY}, "numeric", transforms.to_money, values)
    assert differing == []
    refused = sum(1 for v in values if _outcome_is_error(transforms.to_money, v))
    assert declined == refused  # every value Python accepts, C takes too


def _outcome_is_error(function, value) -> bool:
    try:
        function(value)
    except TransformError:
        return True
    return False


def test_money_ranges_are_checked_on_the_cents():
    column = {"kind": row_codec._K_MONEY, "low": 0}
    assert _encode_one(column, -0.01) == "declined"
    assert _load(_encode_one(column, 0.0), "numeric") == Decimal("0.00")
    assert _load(_encode_one(column, -0.0), "numeric") == Decimal("0.00")
    assert _load(_encode_one(column, 1234.5600000000002), "numeric") == Decimal("1234.56")


def _timestamps() -> list:
    values = ["2024-01-01 12:00:00", "2024-01-01T12:00:00.5", "2024-02-29 23:59:59.999999", "2023-02-29 00:00:00"]
    values += ["2024-01-01 24:00:00", "2024-01-01 12:60:00", "2024-01-01 12:00:60", "2024-01-01 12:00:00."]
    values += ["2024-W01-1 12:00:00", "2024-01-01 12:00:00.1234567", "0001-01-01 00:00:00", "9999-12-31 23:59:59"]
    values += [
        "0000-01-01 00:00:00",
        "\uff12\uff10\uff12\uff14-01-01 12:00:00",
        "2024-01-01x12:00:00",
        "2024-01-01 12:00:00Z",
        5,
        None,
    ]
    rng = random.Random(7)
    start = datetime(1990, 1, 1)
    for _ in range(3000):
        moment = start + timedelta(seconds=rng.uniform(0, 50 * 365 * 86400))
        values.append(moment.isoformat(sep=rng.choice(" T"), timespec=rng.choice(["seconds", "microseconds"])))
        values.append(moment.strftime("%Y-%m-%d %H:%M:%S.") + str(rng.randint(0, 99999)))
    return values


def test_naive_timestamps_in_c_are_pythons_instants():
    differing, declined = _agrees(
        {"kind": row_codec._K_NAIVE_TS}, "timestamptz", transforms.to_naive_utc, _timestamps()
    )
    assert differing == []
    assert declined < 20


def test_offset_timestamps_in_c_are_pythons_instants():
    values = ["2024-01-01T12:00:00Z", "2024-01-01T12:00:00+05:30", "2024-01-01T00:30:00.25-01:00"]
    values += ["2024-01-01T12:00:00+24:00", "2024-01-01T12:00:00+05:60", "2024-01-01 12:00:00Z", "2024-01-01T12:00:00"]
    values += ["2024-01-01T12:00:00.Z", "2024-01-01T12:00:00.1234567Z", "0001-01-01T00:00:00+01:00", "x", 3]
    rng = random.Random(8)
    for _ in range(3000):
        moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randint(0, 25 * 365 * 86400 * 10**6))
        hours = rng.randint(-12, 14)
        text = moment.astimezone(datetime.now(UTC).astimezone().tzinfo).isoformat()
        values += [moment.isoformat().replace("+00:00", "Z"), text]
        values.append(
            moment.isoformat()[:-6] + f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:{rng.choice([0, 30, 45]):02d}"
        )
    differing, declined = _agrees(
        {"kind": row_codec._K_OFFSET_TS}, "timestamptz", transforms.to_offset_timestamp, values
    )
    assert differing == []
    assert declined <= 12


def test_epoch_seconds_in_c_round_like_datetime_fromtimestamp():
    rng = random.Random(9)
    values = [0, 0.0, 1, 4_102_444_799, 4_102_444_800, -1, 1735692282.821136, 0.0000005, 0.0000015, 1.9999995]
    values += [math.nan, math.inf, "1", None, 2**70]
    values += [rng.uniform(0, 4.1e9) for _ in range(5000)] + [rng.randint(0, 4_102_444_799) for _ in range(500)]
    values += [round(rng.uniform(0, 4.1e9), 6) + 5e-7 for _ in range(2000)]
    differing, _declined = _agrees({"kind": row_codec._K_EPOCH}, "timestamptz", transforms.to_epoch, values)
    assert differing == []


def test_dates_booleans_integers_floats_and_text_in_c_are_pythons():
    dates = ["2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "0000-01-01", "9999-12-31", "2024-1-01", 3]
    dates += ["2024-01-01\n", "\uff12\uff10\uff12\uff14-01-01"] + [
        f"20{y:02d}-{m:02d}-{d:02d}" for y in range(30) for m in (1, 2, 12) for d in (1, 28, 29, 30, 31)
    ]
    refused = sum(_outcome_is_error(transforms.to_date, value) for value in dates)
    assert _agrees({"kind": row_codec._K_DATE}, "date", transforms.to_date, dates) == ([], refused)
    booleans = [0, 1, 2, -1, "1", "0", "true", "false", "True", "False", "TRUE", "yes", 1.0, "", None]
    assert _agrees({"kind": row_codec._K_BOOL}, "bool", transforms.to_bool, booleans)[0] == []
    for bits, pg_type in ((16, "int2"), (32, "int4"), (64, "int8")):
        limit = 2 ** (bits - 1)
        ints = [0, 1, -1, limit - 1, limit, -limit, -limit - 1, 2**63, 5.0, "5", True]
        convert = _bounded(pg_type)
        assert _agrees({"kind": row_codec._K_INT, "bits": bits}, pg_type, convert, ints)[0] == []
    floats = [0.0, -0.0, 1.5, 1e308, math.inf, math.nan, 3, 2**1100, "1.5"]
    assert _agrees({"kind": row_codec._K_FLOAT}, "float8", transforms.to_float, floats)[0] == []
    texts = ["", "plain", "ünïcödé ✓", "a" * 10, "a" * 11, "nul\x00inside", 5, b"bytes"]
    column = {"kind": row_codec._K_TEXT, "max_length": 10}
    assert _agrees(column, "text", lambda v: transforms.to_text(v, max_length=10), texts)[0] == []


def test_dotted_quad_addresses_in_c_are_pythons_and_the_rest_go_to_python():
    from ops.legacy.convert import _inet

    # Addresses to parse, not to bind to.
    values = ["1.2.3.4", "0.0.0.0", "255.255.255.255", " 10.0.0.1\n", "\x1c10.0.0.1\x0b", "256.1.1.1"]  # noqa: S104
    values += ["1.2.3"]
    values += ["01.2.3.4", "1.2.3.04", "1.2.3.4.5", "1..2.3", "1.2.3.4 5", "1.2.3.4/32", "::1", "2001:db8::7", ""]
    values += ["1.2.3.0000", "\uff11.2.3.4", "1.2.3.4\x00", " ", 5, 2**40, None, b"1.2.3.4"]
    rng = random.Random(11)
    values += [".".join(str(rng.randint(0, 300)) for _ in range(4)) for _ in range(3000)]
    column = {"kind": row_codec._K_INET, "pgtype": row_codec._PG_TYPES["inet"], "func": _inet}
    differing, declined = _agrees(column, "inet", _inet, values)
    assert differing == []
    refused = sum(_outcome_is_error(_inet, value) for value in values)
    assert declined == refused  # IPv6 and the rest are converted by the Python step, inside C


def _ipv6_corpus(rng: random.Random, count: int) -> list[str]:
    """Hex-group IPv6 texts: well formed (compressed or not, any case, leading zeros) and near misses."""
    values = []
    for _ in range(count):
        groups = [format(rng.getrandbits(16), rng.choice(["x", "X", "04x"])) for _ in range(8)]
        if rng.random() < 0.5:
            first = rng.randint(0, 8)
            last = rng.randint(first, 8)
            text = ":".join(groups[:first]) + "::" + ":".join(groups[last:])
        else:
            text = ":".join(groups)
        if rng.random() < 0.3:  # a near miss: one character dropped, doubled or replaced
            at = rng.randrange(len(text))
            text = rng.choice(
                [
                    text[:at] + text[at + 1 :],
                    text[:at] + text[at] + text[at:],
                    text[:at] + rng.choice(":0fgG") + text[at + 1 :],
                ]
            )
        values.append(text)
    alphabet = "0123456789abcdefABCDEF::::"
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 41))) for _ in range(count)]
    return values


def test_hex_group_ipv6_addresses_in_c_are_pythons_and_the_rest_go_to_python():
    from ops.legacy.convert import _inet

    values = ["::", "::1", "1::", "2001:db8::7", "2001:DB8:0:0:0:0:0:7", " fe80::1\n", "0:0:0:0:0:0:0:0", "ffff::ffff"]
    values += ["1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "0001:2:3:4:5:6:7:8", "00001:2:3:4:5:6:7:8"]
    values += [":::", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1:2"]
    values += ["::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::/32", "2001:db8::g", "1:2:3:4:5:6:7", "", ":"]
    values += _ipv6_corpus(random.Random(17), 5000)
    called = []

    def python_step(value):
        called.append(value)
        return _inet(value)

    column = {"kind": row_codec._K_INET, "pgtype": row_codec._PG_TYPES["inet"], "func": python_step}
    differing, declined = _agrees(column, "inet", _inet, values)
    assert differing == []
    assert declined == sum(_outcome_is_error(_inet, value) for value in values)
    # Every hex-group address Python takes was written by C without calling it.
    hex_groups = set("0123456789abcdefABCDEF:")
    plain = {v for v in values if set(v.strip()) <= hex_groups and not _outcome_is_error(_inet, v)}
    assert len(plain) > 3000
    assert not plain & set(called)
    assert {"::ffff:1.2.3.4", "fe80::1%eth0"} <= set(called)  # left to Python, which takes them


def test_display_amounts_in_c_are_pythons_cents_and_the_rest_go_to_python():
    values = ["$1,234.56", "$1234.56", "-$12.00", "($12.00)", "$0.00", "-$0.00", "$7", "$007.10", " $5.00\n", "$1,23"]
    values += ["$1,2345.00", "$,123.00", "$1,234,567.89", "$999,999,999,999.99", "$1,000,000,000,000.00", "$1.5"]
    values += ["(-$1.00)", "($1.00", "$1.00)", "1.00", "$ 1.00", "$1.001", "\uff04\uff11.00", "$\uff11.00", "", None, 5]
    values += ["$1,234.56\n", "-($1.00)", "$12345678901234.00", "$.50"]
    rng = random.Random(12)
    for _ in range(3000):
        amount = rng.randint(0, 10 ** rng.randint(1, 13)) / 100
        text = f"${amount:,.2f}" if rng.random() < 0.5 else f"${amount:.2f}"
        values.append(rng.choice(["", "-", "("]) + text + rng.choice(["", ")"]))
    column = {"kind": row_codec._K_DISPLAY_MONEY, "pgtype": row_codec._PG_TYPES["numeric"]}
    column["func"] = transforms.to_display_money
    differing, declined = _agrees(column, "numeric", transforms.to_display_money, values)
    assert differing == []
    assert declined == sum(_outcome_is_error(transforms.to_display_money, value) for value in values)


def test_us_dates_and_whole_dollars_in_c_are_pythons_and_the_rest_go_to_python():
    dates = ["01/02/2024", "12/31/9999", "02/29/2024", "02/29/2023", "13/01/2024", "00/10/2024", "01/00/2024"]
    dates += ["01/02/0000", "1/2/2024", "01-02-2024", "01/02/2024\n", "\uff10\uff11/02/2024", "", None, 20240102]
    dates += [
        f"{m:02d}/{d:02d}/{y}" for y in (1, 1999, 2000, 2023, 2024) for m in range(1, 13) for d in (1, 28, 29, 30, 31)
    ]
    column = {"kind": row_codec._K_US_DATE, "pgtype": row_codec._PG_TYPES["date"], "func": transforms.to_us_date}
    differing, declined = _agrees(column, "date", transforms.to_us_date, dates)
    assert differing == []
    assert declined == sum(_outcome_is_error(transforms.to_us_date, value) for value in dates)
    dollars = [0, 1, -1, 85000, 999_999_999_999, 10**12, -(10**12), 2**63 - 1, 1.5, "85000", True, None]
    column = {
        "kind": row_codec._K_DOLLARS,
        "pgtype": row_codec._PG_TYPES["numeric"],
        "func": transforms.to_whole_dollars,
    }
    differing, declined = _agrees(column, "numeric", transforms.to_whole_dollars, dollars)
    assert differing == []
    assert declined == sum(_outcome_is_error(transforms.to_whole_dollars, value) for value in dollars)


def _bounded(pg_type: str):
    from ops.legacy.convert import _bounded_int

    return _bounded_int(pg_type)


def test_references_use_the_shared_cache_and_refuse_what_python_refuses():
    ns = ids.namespace("mingus.db", "users")
    cache: dict = {}
    column = {"kind": row_codec._K_REF, "cache": cache, "cache_size": 2, "namespace": ns}
    for value in (1, 2, 3, 0, 2**48 - 1):
        assert _encode_one(column, value) == ids.user_uuid(value).bytes
    assert len(cache) == 2  # the cap holds
    for value in (-1, 2**48, 5.0, "5"):
        assert _encode_one(column, value) == "declined"
    parents = {ids.user_uuid(1).bytes}
    assert _encode_one({**column, "parents": parents}, 1) == ids.user_uuid(1).bytes
    assert _encode_one({**column, "parents": parents}, 2) == "declined"  # a missing parent


def test_a_conversion_that_raises_declines_the_row_and_the_python_path_names_it():
    column = {"kind": row_codec._K_CALL, "pgtype": row_codec._PG_TYPES["numeric"], "func": transforms.to_display_money}
    assert _load(_encode_one(column, "($1,234.50)"), "numeric") == Decimal("-1234.50")
    assert _encode_one(column, "$1,23") == "declined"
    column = {"kind": row_codec._K_JSON, "func": transforms.check_json}
    assert _encode_one(column, '{"a": 0.10}') == b'\x01{"a": 0.10}'
    assert _encode_one(column, "") == "declined"  # stored as NULL and counted, by the Python path
    assert _encode_one(column, '{"a": NaN}') == "declined"


def test_json_the_c_check_is_sure_of_never_reaches_python_and_the_rest_does():
    def refuse(value):
        raise ZeroDivisionError(value)  # not a TransformError: a call would fail the encode

    column = {"kind": row_codec._K_JSON, "func": refuse}
    text = '{"b": [1, 2.50], "a": "\u00e9t\u00e9", "c": "\\u00e9"}'  # é raw, and as a JSON escape
    assert _encode_one(column, text) == b"\x01" + text.encode()
    with pytest.raises(ZeroDivisionError):
        _encode_one(column, '{"a": NaN}')


def test_a_json_value_whose_jsonb_text_differs_only_in_form_matches_without_python(tmp_path):
    from ops.legacy.snapshot_rows import open_reader

    path = tmp_path / "j.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (doc TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [('{"zz": 1, "a": [true, "\\u00e9"]}',), ('{"a": 1}',), ("[1.0]",)])
    conn.commit()
    conn.close()

    def must_not_be_asked(source, target):
        raise AssertionError((source, target))

    encoder = _native.Encoder(
        namespace=(1, 2), columns=[{"kind": row_codec._K_ID}, {"kind": row_codec._K_JSON, "index": 1,
        "func": transforms.check_json}], present=None, decimal=row_codec._cents_to_decimal,
        empty_json=transforms.EMPTY_JSON, keys=None, error_type=TransformError,
    )  # fmt: skip
    texts = ['{"a": [true, "é"], "zz": 1}', '{"a": 2}', "[1.0]"]  # what jsonb prints: the second differs
    target = b"".join(
        _record(ids.uuid_int((1, 2), rowid).to_bytes(16, "big"), text) for rowid, text in enumerate(texts, 1)
    )
    with open_reader(path=path, table="t", columns=["doc"], first=1, last=3) as reader:
        check = _native.RangeCheck(
            encoder=encoder, reader=reader, target=target, quarantined=[], json_equal=must_not_be_asked
        )
        items = []
        while (item := check.next()) is not None:
            items.append(item[:2])
    assert items == [(row_codec.RANGE_CHECK, 2)]
    assert (check.matched, check.source_rows, check.target_rows) == (2, 3, 3)


def _record(uuid_bytes: bytes, json_text: str) -> bytes:
    """record_send of (id uuid, doc jsonb): count, then oid, size and data per field."""
    doc = b"\x01" + json_text.encode()
    return (
        struct.pack("!i", 2)
        + struct.pack("!ii", _OIDS["uuid"], 16) + uuid_bytes
        + struct.pack("!ii", _OIDS["jsonb"], len(doc)) + doc
    )  # fmt: skip


# ---- whole rows of a generated sample, against the importer's Python path --------------------------------


def _sample_rows(sample_dir, tmp_path_factory):
    yield from _sample_rows_in(readable_copy(sample_dir, tmp_path_factory.mktemp("codec-sample")))


class _Plan:
    def __init__(self, mapping):
        self.mapping = mapping


def test_every_sample_row_the_encoder_adds_is_the_python_paths_row_byte_for_byte(
    db, sample_dir, sample_settings, tmp_path_factory
):
    from django.db import connection

    context = ImportContext(legacy_keyring=importer._legacy_keyring(), cache_cutoff_epoch=0)
    # Decisions of the email policy for two accounts: the columns the policy makes take both branches.
    conflict = EmailDecision(email="duplicate-1@legacy.invalid", legacy_email="Bob@x.com", status="email_conflict")
    context.email_policy = {1: conflict, 2: EmailDecision(email="ann@x.com", legacy_email=" ann@x.com", status=None)}
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    use_converted_values(cursor)
    compared = declined = 0
    differing = []
    for mapping, columns, rows in _sample_rows(sample_dir, tmp_path_factory):
        converter = RowConverter(mapping=mapping, source_columns=columns, context=context)
        checks = importer._compile_fast_checks(_Plan(mapping), converter)
        if checks is None:
            continue
        seen = [{} for _ in checks.uniques]
        encoder = row_codec.build_encoder(
            converter=converter, cursor=cursor, not_null=checks.not_null, checks=checks.checks, parents=[],
            uniques=checks.uniques, present=set(), seen=seen,
        )  # fmt: skip
        if encoder is None:
            continue
        python_seen = [{} for _ in checks.uniques]
        for row in rows:
            outcome = encoder.encode(row)
            try:
                values = converter.convert(row)
                reason = importer._check_row(values, checks, [])
                if reason is None and checks.uniques:
                    reason = importer._first_of_key(values, row[0], checks, python_seen)
            except (TransformError, ids.RowidOutOfRange):
                values, reason = None, "refused"
            if outcome == row_codec.DECLINED:
                declined += 1
                # The importer would now take the Python path, which records the key itself.
                if values is not None and reason is None and checks.uniques:
                    importer._first_of_key(values, row[0], checks, seen)
                continue
            compared += 1
            if outcome is not None:  # a duplicate key, by the encoder's reckoning
                if not (reason and reason[0] == "duplicate"):
                    differing.append((mapping.target_table, row[0], "duplicate only in C", reason))
                continue
            if reason is not None:
                differing.append((mapping.target_table, row[0], "added only by C", reason))
                continue
            encoder.add_values(values)
            data = encoder.take()
            added, python = _split_two(data)
            for i, (a, b) in enumerate(zip(added, python, strict=True)):
                if a != b and not (converter.pg_types[i] == "numeric" and _load(a, "numeric") == _load(b, "numeric")):
                    if converter.pg_types[i] == "text" and converter.target_columns[i] == "encrypted_data":
                        continue  # a fresh Fernet token every time: compared by plaintext below
                    differing.append((mapping.target_table, row[0], converter.target_columns[i], a, b))
    cursor.close()
    assert differing == []
    assert compared > 2000
    assert declined < 0.03 * (compared + declined)


def test_the_pump_takes_every_sample_row_straight_from_sqlite_as_the_tuple_path_takes_it(
    db, sample_dir, sample_settings, tmp_path_factory
):
    from django.db import connection

    from ops.legacy.snapshot_rows import open_reader

    copy = readable_copy(sample_dir, tmp_path_factory.mktemp("pump-sample"))
    cutoff = datetime.fromisoformat(json.loads((sample_dir / "sample-info.json").read_text())["reference_now"])
    context = ImportContext(legacy_keyring=importer._legacy_keyring(), cache_cutoff_epoch=cutoff.timestamp())
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    use_converted_values(cursor)
    pumped = handed_back = expired_rows = 0
    for mapping, columns, rows in _sample_rows_in(copy):
        converter = RowConverter(mapping=mapping, source_columns=columns, context=context)
        checks = importer._compile_fast_checks(_Plan(mapping), converter)
        if checks is None:
            continue

        def make(checks=checks, converter=converter):
            return row_codec.build_encoder(
                converter=converter, cursor=cursor, not_null=checks.not_null, checks=checks.checks, parents=[],
                uniques=checks.uniques, present=set(), seen=[{} for _ in checks.uniques],
                expires=converter.expiry(), with_extras=bool(converter.extra_columns),
            )  # fmt: skip

        by_tuple, by_pump = make(), make()
        if by_tuple is None:
            continue
        expected, inserted, expired = [], [], 0
        for row in rows:
            if converter.is_expired(row):
                expired += 1
                continue
            outcome = by_tuple.encode(row)
            if outcome is None:
                inserted.append(row[0])
                if converter.extra_columns:
                    expected.append((row, row_codec.PUMP_EXTRAS))
            else:
                expected.append((row, outcome))
        data, handed = bytearray(), []
        with open_reader(path=copy / mapping.source_file, table=mapping.source_table, columns=columns,
                         first=0, last=2**62) as reader:  # fmt: skip
            while (outcome := by_pump.pump(reader, 1 << 16)) != row_codec.PUMP_END:
                if outcome == row_codec.PUMP_FLUSH:
                    data += by_pump.take()
                else:
                    handed.append(outcome)
        data += by_pump.take()
        fresh_tokens = any(planned.kind == "fernet" for planned in converter.column_plan())
        if fresh_tokens:  # a new Fernet token on every encryption: the same length, other bytes
            assert len(data) == len(by_tuple.take()), mapping.target_table
        else:
            assert bytes(data) == by_tuple.take(), mapping.target_table
        assert handed == expected, mapping.target_table
        assert by_pump.take_inserted() == inserted
        assert by_pump.counts == (len(rows), 0, expired)
        pumped += len(rows)
        handed_back += sum(outcome != row_codec.PUMP_EXTRAS for _row, outcome in handed)
        expired_rows += expired
    cursor.close()
    assert (pumped, expired_rows) > (2000, 0) and expired_rows > 20, (pumped, expired_rows)
    assert handed_back < 0.03 * pumped


def test_the_pump_says_undecodable_text_as_the_reader_does_and_skips_rows_expired_before_the_cutoff(tmp_path):
    from ops.legacy.snapshot_rows import UndecodableText, open_reader

    path = tmp_path / "cache.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (name TEXT, expires)")
    cutoff = 1_700_000_000.5
    expiries = [1_700_000_000, 1_700_000_001, 1_699_999_999.9, 1_700_000_000.5, 2**62, -(2**62), "1", None, b"x"]
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(f"row {i}", value) for i, value in enumerate(expiries)])
    conn.execute("INSERT INTO t VALUES (CAST(x'ff61' AS TEXT), 5)")
    conn.commit()
    conn.close()
    column = {"kind": row_codec._K_TEXT, "index": 1}
    encoder = _native.Encoder(
        namespace=(1, 2), columns=[{"kind": row_codec._K_ID}, column], present=None,
        decimal=row_codec._cents_to_decimal, empty_json=transforms.EMPTY_JSON, keys=None,
        error_type=TransformError, expires=(2, cutoff),
    )  # fmt: skip
    with open_reader(path=path, table="t", columns=["name", "expires"], first=1, last=len(expiries)) as reader:
        assert encoder.pump(reader, 1 << 20) == row_codec.PUMP_END
    python = [isinstance(v, int | float) and v < cutoff for v in expiries]
    assert encoder.expired == sum(python) == 3
    assert encoder.take_inserted() == [i + 1 for i, gone in enumerate(python) if not gone]
    with (
        pytest.raises(UndecodableText),
        open_reader(path=path, table="t", columns=["name", "expires"], first=1, last=100) as reader,
    ):
        while encoder.pump(reader, 1 << 20) != row_codec.PUMP_END:
            pass


def _sample_rows_in(copy):
    for mapping in TABLE_MAPPINGS:
        conn = sqlite3.connect(copy / mapping.source_file)
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({mapping.source_table})")]
        rows = conn.execute(f"SELECT rowid, * FROM {mapping.source_table} ORDER BY rowid").fetchall()  # noqa: S608
        conn.close()
        yield mapping, columns, rows


def _split_two(data: bytes):
    """Two consecutive COPY tuples as two lists of fields."""
    count = struct.unpack("!h", data[:2])[0]
    first, at = [], 2
    for _ in range(count):
        (size,) = struct.unpack("!i", data[at : at + 4])
        at += 4
        first.append(None if size < 0 else data[at : at + size])
        at += max(size, 0)
    return first, _split(data[at:])


# ---- a binary COPY read in C ---------------------------------------------------------------------------------


def test_a_binary_copy_read_in_c_gives_psycopgs_tuples_and_leaves_the_connection_usable(db):
    from django.db import connection

    connection.ensure_connection()
    conn = connection.connection
    query = (
        "COPY (SELECT g, 'ü' || g::text, g * 1.5, CASE WHEN g % 3 = 0 THEN NULL ELSE now() END "
        "FROM generate_series(1, 5000) g) TO STDOUT (FORMAT BINARY)"
    )
    data = row_codec.read_copy(conn, query)
    assert data is not None, "the libpq psycopg loaded was not found"
    with conn.cursor() as cursor, cursor.copy(query) as copy:
        expected = b"".join(bytes(block) for block in copy)
    assert data == expected[len(row_codec.SIGNATURE) : -len(row_codec.TRAILER)]
    assert conn.execute("SELECT 41 + 1").fetchone() == (42,)

    # (a savepoint, as the test runs in a transaction; the validator's connection is in autocommit)
    with pytest.raises(OSError, match="no_such_table"), conn.transaction():
        row_codec.read_copy(conn, "COPY (SELECT * FROM no_such_table) TO STDOUT (FORMAT BINARY)")
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the failure left the connection idle
    assert row_codec.read_copy(conn, "COPY (SELECT 1 WHERE false) TO STDOUT (FORMAT BINARY)") == b""


def test_parent_ids_read_by_copy_answer_in_as_a_set_of_their_bytes_does(db, monkeypatch):
    from django.db import connection

    connection.ensure_connection()
    conn = connection.connection
    conn.execute("CREATE TEMP TABLE parents AS SELECT gen_random_uuid() AS id FROM generate_series(1, 3000)")
    expected = {row[0].bytes for row in conn.execute("SELECT id FROM parents")}

    known = row_codec.read_id_set(conn, "parents", psycopg.sql.SQL("true"))

    assert len(known) == len(expected) == 3000
    assert all(value in known for value in expected)
    strangers = [uuid.uuid4().bytes for _ in range(3000)]
    assert not any(value in known for value in strangers if value not in expected)
    for odd in (bytes(16), next(iter(expected))[:15], "text", None, 7):
        assert odd not in known
    assert row_codec._id_set(known) is known  # the encoder takes it as it is

    monkeypatch.setattr(row_codec, "_native", None)  # no C module: the caller falls back to a Python set
    assert row_codec.read_copy(conn, "COPY (SELECT id FROM parents) TO STDOUT (FORMAT BINARY)") is None
    assert row_codec.read_id_set(conn, "parents", psycopg.sql.SQL("true")) is None


def _legacy_ids(table: str, rowids) -> list[bytes]:
    ns = ids.namespace("mingus.db", table)
    return [ids.uuid_bytes(ids.uuid_int(ns, rowid)) for rowid in rowids]


def test_ids_of_one_legacy_table_are_held_as_a_bitmap_and_answer_as_a_set_of_their_bytes_does():
    rng = random.Random(3)
    users = _legacy_ids("users", [r for r in range(1, 12_001) if r % 7])  # gaps, as deleted users leave
    others = [uuid.UUID(int=rng.getrandbits(128), version=4).bytes for _ in range(50)]
    others += _legacy_ids("user_profiles", range(1, 21))  # another table's ids, same rowids
    members = users + others

    known = row_codec.id_set(members)

    assert known.dense
    assert len(known) == len(set(members))
    assert all(value in known for value in members)
    strangers = _legacy_ids("users", [0, 7, 14, 11_998, 12_001, 12_064, 2**20, 2**48 - 1])
    strangers += _legacy_ids("user_profiles", [21, 22])
    strangers += [uuid.UUID(int=rng.getrandbits(128), version=4).bytes for _ in range(1000)]
    # A users id with its version nibble changed is no legacy id: it is looked up among the others.
    strangers.append(bytes([*users[0][:6], (users[0][6] & 0x0F) | 0x40, *users[0][7:]]))
    assert not any(value in known for value in strangers)
    assert bytes(16) not in known


def test_an_id_set_stays_a_hash_table_when_no_table_holds_most_of_it_or_a_bitmap_would_be_large():
    rng = random.Random(4)
    randoms = [uuid.UUID(int=rng.getrandbits(128), version=4).bytes for _ in range(5000)]
    sparse = _legacy_ids("users", range(1, 500_000_000, 100_000))  # 5,000 ids over 500 million rowids
    mixed = _legacy_ids("users", range(1, 2501)) + _legacy_ids("subscriptions", range(1, 2501))  # half each
    small = _legacy_ids("users", range(1, 1001))

    for members in (randoms, sparse, mixed, small):
        known = row_codec.id_set(members)
        assert not known.dense
        assert len(known) == len(members)
        assert all(value in known for value in members)
        assert not any(value in known for value in _legacy_ids("users", [0, 2, 500_000_001]) if value not in members)


def test_legacy_ids_read_by_copy_are_held_as_a_bitmap_beside_the_apps_own(db):
    from django.db import connection

    connection.ensure_connection()
    conn = connection.connection
    users = _legacy_ids("users", range(1, 9001, 2))
    conn.execute("CREATE TEMP TABLE parents (id uuid)")
    with conn.cursor().copy("COPY parents (id) FROM STDIN") as copy:
        for value in users:
            copy.write_row((uuid.UUID(bytes=value),))
    conn.execute("INSERT INTO parents SELECT gen_random_uuid() FROM generate_series(1, 100)")
    every_id = [row[0].bytes for row in conn.execute("SELECT id FROM parents")]

    known = row_codec.read_id_set(conn, "parents", psycopg.sql.SQL("true"))

    assert known.dense
    assert len(known) == 4600
    assert all(value in known for value in every_id)
    assert not any(value in known for value in _legacy_ids("users", range(0, 9002, 2)))


def test_rowid_ranges_in_c_are_the_python_runs_for_any_order_of_rowids():
    rng = random.Random(5)
    cases = [[], [7], [1, 2, 3], [3, 2, 1], [1, 1, 2], [-2, -1, 0, 5], [2**63 - 2, 2**63 - 1], [True, 2, 3]]
    for _ in range(300):
        kept = sorted(rng.sample(range(1, 5000), rng.randrange(1, 400)))
        cases.append(kept if rng.random() < 0.7 else rng.sample(kept, len(kept)))
    cases.append(list(range(1, 50_001)))  # a chunk where every row went in: one run

    for rowids in cases:
        assert _native.rowid_ranges(rowids) == row_codec._rowid_ranges(rowids), rowids
    assert row_codec.rowid_ranges(list(range(1, 50_001))) == [[1, 50_000]]
    with pytest.raises(TypeError, match="a rowid is an int, not float"):
        _native.rowid_ranges([1, 2.0])
    with pytest.raises(OverflowError):
        _native.rowid_ranges([2**63])


# ---- the snapshot reader -----------------------------------------------------------------------------------


def test_the_compiled_reader_gives_the_very_rows_sqlite3_gives_for_every_sample_table(sample_dir, tmp_path_factory):
    from ops.legacy import snapshot_rows

    assert snapshot_rows._Reader is not None
    copy = readable_copy(sample_dir, tmp_path_factory.mktemp("reader-sample"))
    checked = 0
    for mapping in TABLE_MAPPINGS:
        path = copy / mapping.source_file
        conn = sqlite3.connect(path)
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({mapping.source_table})")]
        expected = conn.execute(
            f"SELECT rowid, * FROM {mapping.source_table} WHERE rowid BETWEEN 2 AND 3000 ORDER BY rowid"  # noqa: S608
        ).fetchall()
        conn.close()
        args = {"path": path, "table": mapping.source_table, "columns": columns, "first": 2, "last": 3000}
        actual = [row for rows in snapshot_rows.read_row_batches(**args, safe_text=False) for row in rows]
        assert actual == expected
        assert [tuple(map(type, row)) for row in actual] == [tuple(map(type, row)) for row in expected]
        checked += len(actual)
    assert checked > 2000


def test_the_compiled_reader_says_undecodable_text_and_keeps_blobs_and_reals(tmp_path):
    from ops.legacy import snapshot_rows

    path = tmp_path / "odd.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (a, b, c, d)")
    conn.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (b"\x00\xffblob", 1.5, 2**63 - 1, None))
    conn.execute("INSERT INTO t VALUES (?, ?, ?, ?)", ("nul\x00inside", "ünï", -(2**63), 0.1))
    conn.execute("INSERT INTO t VALUES (CAST(x'ff61' AS TEXT), 1, 2, 3)")
    conn.commit()
    conn.close()
    args = {"path": path, "table": "t", "columns": ["a", "b", "c", "d"]}
    rows = [row for rows in snapshot_rows.read_row_batches(**args, first=1, last=2, safe_text=False) for row in rows]
    assert rows == [(1, b"\x00\xffblob", 1.5, 2**63 - 1, None), (2, "nul\x00inside", "ünï", -(2**63), 0.1)]
    with pytest.raises(snapshot_rows.UndecodableText):
        list(snapshot_rows.read_row_batches(**args, first=1, last=3, safe_text=False))
    (row,) = [row for rows in snapshot_rows.read_row_batches(**args, first=3, last=3, safe_text=True) for row in rows]
    assert isinstance(row[1], transforms.BadText) and row[1].raw == b"\xffa"
