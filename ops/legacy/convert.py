"""Turn one legacy row into one target row, per the specs of :mod:`ops.legacy.tables`.

A :class:`RowConverter` is compiled once per table and process: it knows the
target columns (and their PostgreSQL types for binary COPY), and converts a
row tuple ``(rowid, col1, col2, ...)`` into the target tuple or raises
:class:`~ops.legacy.transforms.TransformError`. Documented normalisations
(empty JSON read as NULL, emails trimmed, ...) are counted in ``notes``.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models
from psycopg.adapt import Dumper
from psycopg.pq import Format

from mingus import crypto
from mingus.accounts.hashers import UnknownLegacyHash, wrap_werkzeug_hash
from mingus.fernet_ring import FernetRing
from ops.legacy import ids, transforms
from ops.legacy.mapping import TableMapping
from ops.legacy.tables import SPECS, Col, target_of
from ops.legacy.transforms import TransformError

# PostgreSQL type names for binary COPY, by Django internal field type.
_PG_TYPES = {
    "UUIDField": "uuid",
    "CharField": "text",
    "TextField": "text",
    "EmailField": "text",
    "IntegerField": "int4",
    "SmallIntegerField": "int2",
    "BigIntegerField": "int8",
    "FloatField": "float8",
    "DecimalField": "numeric",
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "JSONField": "jsonb",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "ForeignKey": "uuid",
    "OneToOneField": "uuid",
}

# Django treats a hash starting with "!" as unusable: no password signs in.
UNUSABLE_LEGACY_PASSWORD = "!legacy-account-without-password"  # noqa: S105


@dataclass(frozen=True)
class EmailDecision:
    email: str
    legacy_email: str | None
    status: str | None


@dataclass(frozen=True)
class PlannedColumn:
    """One target column of a :class:`RowConverter`: its type and the step that makes it.

    ``kind`` is the spec's conversion kind, ``"constant"`` for a spec constant
    or ``"derived"`` for a column computed from the whole row (the email
    policy's); ``index`` is the source position the step reads (0: the row).
    """

    target: str
    pg_type: str
    kind: str
    index: int
    step: Callable
    max_length: int | None
    constant: object = None


@dataclass
class ImportContext:
    """Facts computed once per run and shared (by fork) with every worker."""

    legacy_keyring: FernetRing | None
    cache_cutoff_epoch: float
    email_policy: dict[int, EmailDecision] = field(default_factory=dict)


class _RawUUIDBinaryDumper(Dumper):
    """Binary UUID dumper that takes 16 raw bytes as well as uuid.UUID objects.

    Converted rows carry their UUIDs as bytes: building millions of uuid.UUID
    objects only to take their bytes again is most of the cost of an id.
    """

    format = Format.BINARY

    def dump(self, obj):
        return obj if type(obj) is bytes else obj.bytes


class JsonText:
    """Legacy JSON text that :func:`transforms.check_json` has accepted.

    COPY sends ``text`` to jsonb as it is: jsonb parses it again and keeps the
    source's numbers exactly (as numeric), and no Python value is serialised
    again. ``value`` is what the text means, for comparisons; it is parsed
    (by ``json``, as :func:`transforms.to_json` does) only when asked for.
    """

    __slots__ = ("_value", "text")
    _UNPARSED = object()

    def __init__(self, text: str) -> None:
        self.text = text
        self._value = self._UNPARSED

    @property
    def value(self):
        if self._value is self._UNPARSED:
            self._value = transforms.to_json(self.text)
        return self._value


class _JsonTextBinaryDumper(Dumper):
    """Binary jsonb dumper that sends :class:`JsonText` verbatim and dumps any other value."""

    format = Format.BINARY

    def dump(self, obj):
        text = obj.text if type(obj) is JsonText else json.dumps(obj)
        return b"\x01" + text.encode()  # jsonb binary format: version 1, then the text


def use_converted_values(cursor) -> None:
    """Let ``cursor``'s binary COPY (``set_types``) take UUIDs as 16 bytes and jsonb as :class:`JsonText`."""
    types = cursor.adapters.types
    dumper = type("RawUUIDBinaryDumper", (_RawUUIDBinaryDumper,), {"oid": types["uuid"].oid})
    cursor.adapters.register_dumper(_RawUUIDMarker, dumper)
    dumper = type("JsonTextBinaryDumper", (_JsonTextBinaryDumper,), {"oid": types["jsonb"].oid})
    cursor.adapters.register_dumper(JsonText, dumper)


class _RawUUIDMarker(bytes):
    # Registering needs a Python type; the by-oid entry is what set_types() uses.
    pass


def pg_type(model_field: models.Field) -> str:
    return _PG_TYPES[model_field.get_internal_type()]


def describe_value(value) -> list:
    """A legacy value as ``[storage class, JSON-safe value]``, losslessly."""
    if value is None:
        return ["null", None]
    if isinstance(value, bool):  # never from sqlite3, but keep JSON honest
        return ["integer", int(value)]
    if isinstance(value, int):
        return ["integer", value]
    if isinstance(value, float):
        return ["real", repr(value)]
    if isinstance(value, str):
        return ["text", value] if "\x00" not in value else ["text_base64", base64.b64encode(value.encode()).decode()]
    if isinstance(value, transforms.BadText):
        return ["text_base64", base64.b64encode(value.raw).decode()]
    if isinstance(value, bytes | memoryview):
        return ["blob_base64", base64.b64encode(bytes(value)).decode()]
    raise TypeError(f"unexpected value {type(value).__name__}")


class RowConverter:
    """Converts rows of one known legacy table; see the module docstring."""

    def __init__(
        self, *, mapping: TableMapping, source_columns: list[str], context: ImportContext, plaintexts: bool = False
    ):
        # plaintexts: Fernet columns give the decrypted bytes instead of a new token (validate_import
        # compares plaintexts, and a fresh encryption per row would be wasted).
        self.plaintexts = plaintexts
        self.mapping = mapping
        self.source_columns = source_columns
        self.context = context
        self.model = apps.get_model(mapping.model)
        spec = SPECS[(mapping.source_file, mapping.source_table)]
        self.spec = spec
        self.notes: Counter[str] = Counter()
        self.namespace = ids.namespace(mapping.source_file, mapping.source_table)
        fields_by_column = self._fields_by_column = {f.column: f for f in self.model._meta.concrete_fields}

        self.target_columns: list[str] = ["id"]
        self.pg_types: list[str] = ["uuid"]
        self._steps: list[tuple[int, str, Callable]] = []
        self.extra_columns: list[str] = []
        self._extra_indexes: list[int] = []
        self._email_index: int | None = None  # the row position of the email policy's column
        position = {name: index + 1 for index, name in enumerate(source_columns)}  # 0 is rowid
        for column in source_columns:
            col = spec.columns.get(column)
            if col is None:
                self.extra_columns.append(column)
                self._extra_indexes.append(position[column])
                continue
            target = target_of(column, col)
            if col.kind == "id":
                continue  # the UUID comes from the rowid, which is this column
            model_field = fields_by_column[target]
            self._add(target, pg_type(model_field))
            # Email and setting conversions read other columns of the row, so they get it whole.
            index = 0 if col.kind in ("email", "setting") else position[column]
            self._steps.append((index, column, self._converter(column, col, model_field, position)))
            if col.kind == "email":
                # Beside the login email, the two columns recording what the policy did to it.
                for name, step in (("legacy_email", self._legacy_email), ("legacy_status", self._legacy_status)):
                    self._add(name, pg_type(fields_by_column[name]))
                    self._steps.append((0, name, step))
        for target, value in spec.constants.items():
            self._add(target, pg_type(fields_by_column[target]))
            self._steps.append((0, target, _constant(value)))
        self.missing_columns = sorted(set(spec.columns) - set(source_columns))
        self._expires_index = position.get(spec.expires_column) if spec.expires_column else None
        self._fast = self._compile()

    def _add(self, target: str, type_name: str) -> None:
        self.target_columns.append(target)
        self.pg_types.append(type_name)

    def _compile(self) -> Callable:
        # One generated function per table: no per-value wrapper calls on the hot path. The
        # commonest values of the simple kinds are taken inline (_inline_form); any other
        # value, None included, goes to the step itself, which converts it or says why not.
        scope: dict = {"_uuid": self.uuid_for}
        parts = []
        for number, (index, column, step) in enumerate(self._steps):
            scope[f"_f{number}"] = step
            inline = self._inline_form(column, step, number, scope) if index else None
            if inline:
                parts.append(inline.format(value=f"row[{index}]", step=f"_f{number}"))
            else:
                parts.append(f"_f{number}(row[{index}])" if index else f"_f{number}(row)")
        source = f"def convert(row):\n    return [_uuid(row[0]), {', '.join(parts)}]\n"
        exec(source, scope)  # noqa: S102  (the source is built from this module's own names)
        return scope["convert"]

    def _inline_form(self, column: str, step: Callable, number: int, scope: dict) -> str | None:
        """An expression taking the usual values of ``column`` without a call, or None.

        Each form accepts only values its step would return unchanged (or, for
        references, that its step has cached), so the result is the step's.
        """
        col = self.spec.columns[column]
        kind = col.kind
        model_field = self._fields_by_column[target_of(column, col)]
        if kind == "text":
            length = getattr(model_field, "max_length", None)
            limit = f" and len(_v) <= {int(length)}" if length else ""
            return f"(_v if type(_v := {{value}}) is str{limit} and '\\x00' not in _v else {{step}}(_v))"
        if kind == "int":
            limit = _INT_RANGES[pg_type(model_field)]
            return f"(_v if type(_v := {{value}}) is int and {-limit} <= _v < {limit} else {{step}}(_v))"
        if kind == "float":
            # v - v is 0.0 for every finite float and NaN for infinities and NaN.
            return "(_v if type(_v := {value}) is float and _v - _v == 0.0 else {step}(_v))"
        if kind in ("user", "user_uuid") or kind.startswith("ref:"):
            scope[f"_c{number}"] = step.cache
            return f"((_c{number}.get(_v) if type(_v := {{value}}) is int else None) or {{step}}(_v))"
        return None

    # -- public ------------------------------------------------------------------------------

    def column_plan(self) -> list[PlannedColumn]:
        """How each target column after ``id`` is made: what :mod:`ops.legacy.row_codec` compiles."""
        planned = []
        for (index, column, step), target, type_name in zip(
            self._steps, self.target_columns[1:], self.pg_types[1:], strict=True
        ):
            col = self.spec.columns.get(column) if column not in self.spec.constants else None
            model_field = self._fields_by_column.get(target)
            planned.append(
                PlannedColumn(
                    target=target,
                    pg_type=type_name,
                    kind=col.kind if col is not None else ("constant" if column in self.spec.constants else "derived"),
                    index=index,
                    step=step,
                    max_length=getattr(model_field, "max_length", None),
                    constant=self.spec.constants.get(column),
                )
            )
        return planned

    def uuid_for(self, rowid: int) -> bytes:
        """The row's UUID as 16 bytes (converted rows carry UUIDs as bytes, see use_converted_values)."""
        return ids.uuid_int(self.namespace, rowid).to_bytes(16, "big")

    def is_expired(self, row: tuple) -> bool:
        """Whether a cache row's expiry time has passed at the run's cut-off."""
        if self._expires_index is None:
            return False
        expires = row[self._expires_index]
        return (
            isinstance(expires, int | float)
            and not isinstance(expires, bool)
            and (expires < self.context.cache_cutoff_epoch)
        )

    def expiry(self) -> tuple[int, float] | None:
        """Where a cache row's expiry is in the row, and the run's cut-off; None for other tables."""
        if self._expires_index is None:
            return None
        return self._expires_index, self.context.cache_cutoff_epoch

    def convert(self, row: tuple) -> list:
        try:
            return self._fast(row)
        except TransformError:
            pass
        # Slow path, only for failing rows: find the column and name it in the reason.
        for index, column, step in self._steps:
            try:
                step(row[index]) if index else step(row)
            except TransformError as exc:
                raise TransformError(exc.code, f"{column}: {exc.message}") from None
        raise AssertionError("a conversion failed only on the fast path")

    def extras(self, row: tuple) -> dict | None:
        if not self._extra_indexes:
            return None
        return {name: describe_value(row[i]) for name, i in zip(self.extra_columns, self._extra_indexes, strict=True)}

    # -- conversions -----------------------------------------------------------------------------

    def _converter(self, column: str, col: Col, model_field, position: dict[str, int]) -> Callable:
        kind = col.kind
        max_length = getattr(model_field, "max_length", None)
        simple = {
            "float": transforms.to_float,
            "money": transforms.to_money,
            "dollars": transforms.to_whole_dollars,
            "display_money": transforms.to_display_money,
            "bool": transforms.to_bool,
            "naive_ts": transforms.to_naive_utc,
            "offset_ts": transforms.to_offset_timestamp,
            "epoch": transforms.to_epoch,
            "date": transforms.to_date,
            "us_date": transforms.to_us_date,
        }
        if kind == "int":
            return _bounded_int(pg_type(model_field))
        if kind in simple:
            return simple[kind]
        if kind == "text":
            return lambda v: transforms.to_text(v, max_length=max_length)
        if kind == "json":
            return self._json(column)
        if kind == "blob":
            return _blob
        if kind == "inet":
            return _inet
        if kind in ("user", "user_uuid"):
            return _reference(ids.namespace("mingus.db", "users"))
        if kind.startswith("ref:"):
            _, ref_file, ref_table = kind.split(":")
            return _reference(ids.namespace(ref_file, ref_table))
        if kind == "email":
            self._email_index = position[column]
            return self._email
        if kind == "password":
            return _password
        if kind == "fernet":
            return self._reencrypt
        if kind == "setting":
            value_index, type_index = position[column], position["value_type"]

            def typed_setting(row):
                return transforms.to_setting_value(row[value_index], row[type_index])

            return typed_setting
        raise ValueError(f"unknown conversion kind {kind!r} for {column}")

    def _json(self, column: str) -> Callable:
        notes = self.notes

        def convert(value):
            result = transforms.check_json(value)
            if result is transforms.EMPTY_JSON:
                notes[f"{column}: empty JSON text stored as NULL"] += 1
                return None
            return None if result is None else JsonText(result)

        return convert

    # The policy lists only the accounts whose email changes (see plan_email_policy); the others,
    # nearly all, keep theirs with no legacy email or status, and cost no decision object (three
    # per row, once per column: 0.27 CPU-s of the validator's users check at scale 100).
    def _legacy_email(self, row: tuple):
        decision = self.context.email_policy.get(row[0])
        return None if decision is None else transforms.to_text(decision.legacy_email, max_length=255)

    def _legacy_status(self, row: tuple):
        decision = self.context.email_policy.get(row[0])
        return None if decision is None else decision.status

    def _email(self, row: tuple):
        decision = self.context.email_policy.get(row[0])
        email = row[self._email_index] if decision is None else decision.email
        # Too long or holding NUL: the row is quarantined here rather than failing the COPY.
        transforms.to_text(email, max_length=255)
        return email

    def email_notes(self, rowids: list[int]) -> Counter:
        """What the email policy did to the accounts ``rowids`` (those imported), for the report.

        Counted here, from the rows that went in, rather than as rows are converted: the
        C encoder converts without counting (see ops/legacy/row_codec.py).
        """
        notes: Counter[str] = Counter()
        if self._email_index is None:
            return notes
        policy = self.context.email_policy
        for rowid in rowids:
            decision = policy.get(rowid)
            if decision is None:
                continue
            if decision.status:
                notes[f"email: {decision.status}"] += 1
            elif decision.legacy_email is not None:
                notes["email: surrounding whitespace removed"] += 1
        return notes

    def _reencrypt(self, value):
        if self.context.legacy_keyring is None:
            raise TransformError("no_legacy_keys", "LEGACY_FERNET_KEYS is not set, the token cannot be decrypted")
        token = bytes(value) if isinstance(value, bytes | memoryview) else value
        if isinstance(token, str):
            token = token.encode("ascii", "replace")
        if not isinstance(token, bytes):
            raise TransformError("bad_token", f"expected a Fernet token, found {type(value).__name__}")
        try:
            plaintext = self.context.legacy_keyring.decrypt(token)
        except InvalidToken:
            raise TransformError("undecryptable", "no legacy key decrypts this token") from None
        return plaintext if self.plaintexts else crypto.encrypt_bytes(plaintext)


_INT_RANGES = {"int2": 2**15, "int4": 2**31, "int8": 2**63}


def _bounded_int(type_name: str) -> Callable:
    # Binary COPY keeps only the low bytes of an integer too big for its column: check first.
    limit = _INT_RANGES[type_name]

    def convert(value):
        result = transforms.to_int(value)
        if result is not None and not -limit <= result < limit:
            raise TransformError("out_of_range", f"{result} does not fit the {type_name} column")
        return result

    return convert


def _constant(value) -> Callable:
    return lambda row: value


# One cache per referenced table and process, shared by every column that points there: a
# cache per converter held up to 300,000 ids for each of some 25 tables that name a user.
_REFERENCE_CACHES: dict[tuple[int, int], dict[int, bytes]] = {}
# About 15 MB per referenced table and process; a miss costs under a microsecond.
_REFERENCE_CACHE_SIZE = 100_000


def _reference(ns: tuple[int, int]) -> Callable:
    # The same few hundred thousand users are referenced over and over: build each UUID once.
    cache = _REFERENCE_CACHES.setdefault(ns, {})

    def convert(value):
        # Only an int may hit the cache: 5.0 == 5 in a dict, and a REAL id must be refused
        # whether or not that user happens to be cached in this process.
        if type(value) is int:
            found = cache.get(value)
            if found is not None:
                return found
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TransformError("bad_reference", f"expected an integer id, found {value!r}")
        try:
            found = ids.uuid_int(ns, value).to_bytes(16, "big")
        except ids.RowidOutOfRange as exc:
            raise TransformError("bad_reference", str(exc)) from None
        if len(cache) < _REFERENCE_CACHE_SIZE:
            cache[value] = found
        return found

    convert.cache = cache  # read by the converter's inline form
    return convert


def _blob(value):
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, transforms.BadText):
        return value.raw
    raise TransformError("wrong_storage_class", f"expected a blob, found {type(value).__name__}")


def _inet(value):
    if value is None:
        return None
    try:
        return ipaddress.ip_address(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise TransformError("invalid_ip", f"{value!r} is not an IP address") from None


def _password(value):
    if value is None:
        return UNUSABLE_LEGACY_PASSWORD
    if not isinstance(value, str):
        raise TransformError("bad_password_hash", "the password hash is not text")
    try:
        return wrap_werkzeug_hash(value)
    except UnknownLegacyHash as exc:
        raise TransformError("bad_password_hash", str(exc)) from None
