"""The import's hot path in C: legacy rows straight to binary COPY tuples.

``mingus_rowcodec`` (``ops/legacy/native/``, built when the requirements are
installed) takes a legacy row, straight from a SQLite statement (``pump``)
or as a tuple, and writes the target row in PostgreSQL's binary COPY format,
with the table's NOT NULL, CHECK, foreign-key and already-present checks,
for every value the Python converter (:mod:`ops.legacy.convert`) accepts
unchanged or by one of its documented rules. Anything else it *declines*:
that row takes the Python path, which converts it or says why it cannot be
converted. So the C code never decides an error or a quarantine reason, and
a case it does not implement exactly (ISO week dates, dates in non-ASCII
digits, the empty JSON text, ...) is simply declined. For values of a kind it
does not take natively (IPv6, JSON it is not sure of, Fernet tokens,
password hashes, the email policy's columns, ...) it calls the Python
conversion and encodes its result. ``tests/ops/test_row_codec.py`` holds the
two paths equal. validate_import uses the same code to compare a range of
source rows with the target's (:class:`RowComparer`, ``RangeCheck``).

Without the compiled module (a machine with no C compiler) the import runs
the Python path alone: the same results, less than half the speed.
:func:`codec_status` says which, and the import report records it.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from decimal import Decimal

from psycopg import sql
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import Format

from ops.legacy import ids, transforms
from ops.legacy.convert import _REFERENCE_CACHE_SIZE, RowConverter

try:
    import mingus_rowcodec as _native
except ImportError:  # pragma: no cover - CI builds it; the Python path covers machines without a compiler
    _native = None

ABI_VERSION = 8
if _native is not None and getattr(_native, "ABI_VERSION", None) != ABI_VERSION:  # pragma: no cover
    _native = None  # an old build left in the venv: reinstall requirements/base.txt
if _native is not None and not hasattr(_native, "Reader"):  # pragma: no cover
    _native = None  # built without SQLite's header: the encoder takes its rows from the compiled reader

DECLINED = 0
PRESENT = 1
# RangeCheck.next(): a source row to look at closely; a target row with no source row.
RANGE_CHECK, RANGE_UNEXPECTED = 0, 1
# pump(): the rows are done, the buffer is full, a row was added but keeps extra columns.
PUMP_END, PUMP_FLUSH, PUMP_EXTRAS = 0, 1, 2

# COPY's binary header (signature, flags, header extension length) and trailer.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = b"\xff\xff"

(_K_ID, _K_TEXT, _K_INT, _K_FLOAT, _K_MONEY, _K_BOOL, _K_DATE, _K_NAIVE_TS, _K_REF, _K_CALL, _K_CONST, _K_JSON) = range(
    1, 13
)
_K_OFFSET_TS, _K_EPOCH, _K_INET, _K_DISPLAY_MONEY, _K_US_DATE, _K_DOLLARS, _K_ROW, _K_PLAINTEXT = range(13, 21)
# Columns made from the whole row (the email policy's, typed settings); for validation only, Fernet
# columns as their plaintext.
_ROW_KINDS = {"email", "derived", "setting"}
_NATIVE_KINDS = {
    "text": _K_TEXT,
    "int": _K_INT,
    "float": _K_FLOAT,
    "money": _K_MONEY,
    "bool": _K_BOOL,
    "date": _K_DATE,
    "naive_ts": _K_NAIVE_TS,
    "user": _K_REF,
    "user_uuid": _K_REF,
    "json": _K_JSON,
    "offset_ts": _K_OFFSET_TS,
    "epoch": _K_EPOCH,
}
# Conversions called in Python, with no side effects, whose results C encodes by type.
_CALLED_KINDS = {"us_date", "dollars", "display_money", "inet", "fernet", "blob", "password"}
# Called kinds C takes natively for their common values (dotted-quad IPv4, $1,234.56, MM/DD/YYYY,
# whole dollars), calling the Python conversion for every other value.
_PARTLY_NATIVE = {"inet": _K_INET, "display_money": _K_DISPLAY_MONEY, "us_date": _K_US_DATE, "dollars": _K_DOLLARS}
_PG_TYPES = {
    "uuid": 1,
    "text": 2,
    "int2": 3,
    "int4": 4,
    "int8": 5,
    "float8": 6,
    "numeric": 7,
    "bool": 8,
    "date": 9,
    "timestamptz": 10,
    "jsonb": 11,
    "bytea": 12,
    "inet": 13,
}
_INT_BITS = {"int2": 16, "int4": 32, "int8": 64}
# Kinds whose converted Python value C can hand to a CHECK predicate or a unique key.
_VALUED = {
    _K_TEXT,
    _K_INT,
    _K_FLOAT,
    _K_MONEY,
    _K_BOOL,
    _K_DATE,
    _K_REF,
    _K_CALL,
    _K_DISPLAY_MONEY,
    _K_US_DATE,
    _K_DOLLARS,
    _K_ROW,
}


def codec_status() -> str:
    """``"compiled"`` when the C encoder is in use, ``"python"`` when the import runs without it."""
    return "compiled" if _native is not None else "python"


def _cents_to_decimal(cents: int) -> Decimal:
    # What transforms.to_money returns for those cents.
    return Decimal(cents).scaleb(-2)


def _encode_constant(value, pg_type: str) -> bytes | None:
    if value is None:
        return None
    if pg_type == "bool" and type(value) is bool:
        return b"\x01" if value else b"\x00"
    if pg_type == "text" and type(value) is str:
        return value.encode()
    raise _Unsupported(f"constant {value!r} for {pg_type}")


class _Unsupported(Exception):
    pass


class RowEncoder:
    """One chunk's encoder and the buffer COPY takes.

    ``encode(row)`` returns None when the row is added, :data:`PRESENT` when
    it is already in the target, :data:`DECLINED` when it must take the
    Python path (:meth:`add_values` then writes it, if it passes), or
    ``(unique number, key, first rowid)`` when an earlier row of the chunk
    holds one of its unique keys.

    ``pump(reader, limit)`` takes the rows straight from a snapshot reader
    (:func:`ops.legacy.snapshot_rows.open_reader`), without a Python object
    per value, until the buffer holds ``limit`` bytes (:data:`PUMP_FLUSH`),
    the rows are done (:data:`PUMP_END`) or a row needs Python: it returns
    ``(row, DECLINED)``, ``(row, duplicate triple)`` or, for a table with
    extra columns, ``(row, PUMP_EXTRAS)`` for a row it added. Expired cache
    rows are skipped; :attr:`counts` and ``take_inserted()`` say what the
    rows came to.
    """

    def __init__(self, native, transformer: Transformer, width: int):
        self.encode: Callable = native.encode
        self.take: Callable = native.take
        self.write: Callable = native.write
        self.pump: Callable = native.pump
        self.take_inserted: Callable = native.take_inserted
        self._native = native
        self._transformer = transformer
        self._formats = [PyFormat.BINARY] * width

    @property
    def size(self) -> int:
        return self._native.size

    @property
    def counts(self) -> tuple[int, int, int]:
        """What the pump's rows came to: (read, already present, expired and skipped)."""
        native = self._native
        return native.read, native.present, native.expired

    def add_values(self, values: list) -> None:
        """Append a row the Python path converted, dumped by psycopg as COPY would."""
        out = bytearray(struct.pack("!h", len(values)))
        for dumped in self._transformer.dump_sequence(values, self._formats):
            if dumped is None:
                out += b"\xff\xff\xff\xff"
            else:
                out += struct.pack("!i", len(dumped))
                out += dumped
        self.write(out)


def build_encoder(
    *,
    converter: RowConverter,
    cursor,
    not_null: list[tuple[int, str]],
    checks: list[tuple[int, Callable, str]],
    parents: list[tuple[int, str, str, object]],
    uniques: list[tuple[tuple[int, ...], str, tuple[str, ...]]],
    present: set[bytes],
    seen: list[dict],
    expires: tuple[int, float] | None = None,
    with_extras: bool = False,
) -> RowEncoder | None:
    """The C encoder for one chunk of ``converter``'s table, or None to use the Python path.

    ``not_null``, ``checks``, ``parents`` and ``uniques`` are the importer's
    fast checks (target positions); ``present`` the ids already in the
    target; ``seen`` the chunk's first row of each unique key (shared with
    the Python path); ``cursor`` the COPY's cursor, whose dumpers write
    declined rows; ``expires`` the source position of a cache table's expiry
    and the run's cut-off (the pump skips expired rows); ``with_extras`` that
    the pump hands back the rows it adds, for their extra columns.
    None when the module is missing or the table has a column kind the
    encoder does not take.
    """
    if _native is None:
        return None
    try:
        columns = _columns(converter, not_null, checks, parents)
    except _Unsupported:
        return None
    keys = None
    if uniques:
        slots: dict[int, int] = {}
        keys = []
        for positions, *_ in uniques:
            for position in positions:
                if columns[position]["kind"] not in _VALUED:
                    return None
                slots.setdefault(position, len(slots))
                columns[position]["key_slot"] = slots[position]
            keys.append(tuple(slots[p] for p in positions))
    transformer = Transformer(cursor)
    oids = [cursor.adapters.types[name].oid for name in converter.pg_types]
    transformer.set_dumper_types(oids, Format.BINARY)
    native = _native.Encoder(
        namespace=converter.namespace,
        columns=columns,
        present=present or None,
        decimal=_cents_to_decimal,
        empty_json=transforms.EMPTY_JSON,
        keys=keys,
        seen=seen if keys is not None else None,
        error_type=transforms.TransformError,
        expires=expires,
        with_extras=with_extras,
    )
    return RowEncoder(native, transformer, len(converter.target_columns))


def _columns(converter: RowConverter, not_null, checks, parents, *, for_comparison: bool = False) -> list[dict]:
    columns: list[dict] = [{"kind": _K_ID}]
    _constants: dict[int, object] = {}
    for planned in converter.column_plan():
        column: dict = {"index": planned.index, "pgtype": _PG_TYPES.get(planned.pg_type)}
        kind = planned.kind
        if kind in _ROW_KINDS and not planned.index:
            column.update(kind=_K_ROW, func=planned.step)
        elif for_comparison and kind == "fernet" and planned.index:
            column.update(kind=_K_PLAINTEXT, func=planned.step)
        elif kind == "constant":
            column.update(kind=_K_CONST, constant=_encode_constant(planned.constant, planned.pg_type))
            _constants[len(columns)] = planned.constant
        elif kind in _NATIVE_KINDS:
            column["kind"] = _NATIVE_KINDS[kind]
            if kind == "text":
                column["max_length"] = planned.max_length
            elif kind == "int":
                column["bits"] = _INT_BITS[planned.pg_type]
            elif kind == "json":
                column["func"] = transforms.check_json
        elif kind.startswith("ref:"):
            column["kind"] = _K_REF
        elif kind in _CALLED_KINDS and planned.index:
            column.update(kind=_PARTLY_NATIVE.get(kind, _K_CALL), func=planned.step)
        else:
            raise _Unsupported(kind)
        if column["kind"] == _K_REF:
            column.update(cache=planned.step.cache, cache_size=_REFERENCE_CACHE_SIZE, namespace=_referenced(kind))
        if column["kind"] in (_K_CALL, _K_ROW, *_PARTLY_NATIVE.values()) and column["pgtype"] is None:
            raise _Unsupported(planned.pg_type)
        columns.append(column)
    for position, _column in not_null:
        columns[position]["not_null"] = 1
    for position, predicate, _name in checks:
        if columns[position]["kind"] == _K_CONST:
            # The same value in every row: the constraint holds for all of them or for none.
            if not predicate(_constants[position]):
                raise _Unsupported(f"the constant {_constants[position]!r} fails its CHECK")
            continue
        column = columns[position]
        bounds = getattr(predicate, "bounds", None)
        allowed = getattr(predicate, "allowed", None)
        if (
            bounds is not None
            and column["kind"] in (_K_INT, _K_FLOAT, _K_MONEY)
            and all(b is None or type(b) is int for b in bounds)
        ):
            column["low"], column["high"] = bounds  # NaN cannot occur: such values are declined
        elif allowed is not None and column["kind"] == _K_TEXT and isinstance(allowed, frozenset):
            column["allowed"] = allowed
        elif column["kind"] in _VALUED:
            column["predicate"] = predicate
        else:
            raise _Unsupported(f"CHECK on {column}")
    for position, _column, _table, known in parents:
        if columns[position]["kind"] != _K_REF:
            raise _Unsupported("a foreign key on a column that is not a reference")
        columns[position]["parents"] = _id_set(known)
    return columns


# One IdSet per parent set and process: the importer loads each parent table's ids once.
_ID_SETS: dict[int, tuple[set, object]] = {}


def _id_set(known):
    """``known`` (a set of 16-byte UUIDs, or already an IdSet) as the encoder's IdSet."""
    if isinstance(known, _native.IdSet):
        return known
    entry = _ID_SETS.get(id(known))
    if entry is None or entry[0] is not known or len(entry[1]) != len(known):
        entry = _ID_SETS[id(known)] = (known, _native.IdSet(known))
    return entry[1]


def _referenced(kind: str) -> tuple[int, int]:
    if kind in ("user", "user_uuid"):
        return ids.namespace("mingus.db", "users")
    _, ref_file, ref_table = kind.split(":")
    return ids.namespace(ref_file, ref_table)


class RowComparer:
    """validate_import's quick check: a source row, encoded, against the target's COPY tuple.

    ``same(row, target)`` is True when every field is byte for byte what the
    import would have written (jsonb texts that differ are handed to the
    validator's own JSON comparison); False means "compare the slow way", not
    "differs". :func:`split_rows` cuts a binary ``COPY ... TO STDOUT`` stream
    into ``(rowid, tuple bytes)``.
    """

    def __init__(self, native, json_equal: Callable[[str, str], bool], plaintext_of: Callable | None):
        compare = native.compare
        self.same = lambda row, target: compare(row, target, json_equal, plaintext_of)
        self._native = native
        self._json_equal = json_equal
        self._plaintext_of = plaintext_of

    def range_check(
        self,
        *,
        reader,
        target: bytes,
        quarantined,
        keep_matched=False,
        copy_format=False,
        references=None,
        users=None,
    ):
        """A C loop over one rowid range: the reader's source rows against ``target``'s rows.

        ``target`` is every target row of the range, one after another in any
        order, as ``record_send`` bytes or (``copy_format``) binary COPY tuples
        (:func:`read_copy`); ``quarantined`` the rowids of the range's
        quarantined rows. Its ``next()`` gives None at the end, or ``(RANGE_CHECK,
        rowid, source row, target COPY tuple or None)`` for a row to look at
        closely, or ``(RANGE_UNEXPECTED, rowid, None, target COPY tuple)``; rows
        equal byte for byte are only counted (``matched``, and ``skipped`` for
        expired cache rows with no target row), as are ``source_rows`` and
        ``target_rows``; with ``keep_matched``, ``matched_rowids()`` lists them.
        ``references`` lists ``(target field position, IdSet of the parent's
        ids)``; ``dangling()`` then says, for each, how many target rows of the
        range hold a value that is no parent's id. ``users`` is ``(IdSet of the
        legacy users' UUIDs, the users' namespace, [source positions of user
        ids]``; ``orphans()`` then lists the ids the range's source rows hold
        that no legacy user has.
        """
        return _native.RangeCheck(
            encoder=self._native,
            reader=reader,
            target=target,
            quarantined=quarantined,
            json_equal=self._json_equal,
            plaintext_of=self._plaintext_of,
            keep_matched=keep_matched,
            copy_format=copy_format,
            references=references,
            users=users,
        )


def build_comparer(
    *, converter: RowConverter, json_equal: Callable[[str, str], bool], plaintext_of: Callable | None = None
) -> RowComparer | None:
    """The quick check for ``converter``'s table, or None (no compiled module, or a kind it does not take).

    ``converter`` gives plaintexts for Fernet columns (``plaintexts=True``), and
    ``plaintext_of(target token bytes)`` opens the target's: bytes, or None.
    """
    if _native is None:
        return None
    try:
        columns = _columns(converter, [], [], [], for_comparison=True)
    except _Unsupported:
        return None
    native = _native.Encoder(
        namespace=converter.namespace,
        columns=columns,
        present=None,
        decimal=_cents_to_decimal,
        empty_json=transforms.EMPTY_JSON,
        keys=None,
        error_type=transforms.TransformError,
        expires=converter.expiry(),
    )
    return RowComparer(native, json_equal, plaintext_of)


def read_copy(connection, query: str) -> bytes | None:
    """The tuples of ``COPY ... TO STDOUT (FORMAT BINARY)`` on a psycopg connection, read in C.

    PostgreSQL sends one message per row, and psycopg hands each to Python;
    read here they cost no Python call. None when the libpq psycopg uses cannot
    be told apart (the caller then reads another way). The connection must be
    idle; it is idle again afterwards, whatever happens.
    """
    if _native is None or not _libpq_bound():
        return None
    return _native.read_copy(connection.pgconn.pgconn_ptr, query.encode())


@functools.cache
def _libpq_bound() -> bool:
    # psycopg loaded its libpq (bundled or the system's); C must call that very library, found
    # among what this process has mapped. Two different ones, or none found: not here.
    if _native is None:
        return False
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "/libpq" in line and ".so" in line}
    except OSError:
        return False
    if len(paths) != 1:
        return False
    try:
        _native.bind_libpq(paths.pop())
    except OSError:
        return False
    return True


def id_set(uuids) -> object:
    """16-byte UUIDs as an IdSet (looked up in C)."""
    return _native.IdSet(uuids)


def read_id_set(connection, table: str, where: sql.Composable):
    """The ``id`` of the rows of ``table`` matching ``where``, read by binary COPY into an IdSet.

    No Python object per row. None when :func:`read_copy` cannot read here
    (the caller then reads another way).
    """
    query = sql.SQL("COPY (SELECT id FROM {} WHERE {}) TO STDOUT (FORMAT BINARY)").format(sql.Identifier(table), where)
    data = read_copy(connection, query.as_string(connection))
    return None if data is None else _native.idset_from_copy(data)


def rowid_ranges(rowids: list[int]) -> list[list[int]]:
    """The runs of consecutive rowids, in the order given: ``[[first, last], ...]`` (in C when built)."""
    return _rowid_ranges(rowids) if _native is None else _native.rowid_ranges(rowids)


def _rowid_ranges(rowids: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for rowid in rowids:
        if ranges and rowid == ranges[-1][1] + 1:
            ranges[-1][1] = rowid
        else:
            ranges.append([rowid, rowid])
    return ranges


def split_rows(data: bytes, offset: int) -> tuple[list[tuple[int, bytes]], int, bool]:
    """The complete tuples of a binary COPY TO stream from ``offset``: ``(rows, next offset, trailer seen)``."""
    return _native.split_rows(data, offset)
