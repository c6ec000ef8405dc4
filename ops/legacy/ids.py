"""Deterministic UUIDs for imported rows.

A legacy row is identified by (file, table, rowid). Its UUID is computed from
that triple, so every reference can be rewritten without a lookup table,
across files and across processes, and a second import of the same files
finds the same ids (idempotence and resume come from this).

Layout (RFC 9562 version 8, "custom"): 16 bits of table namespace, then the
48-bit rowid spread around the version and variant bits, then 58 constant
bits. Within one table the UUIDs sort like the rowids, so imported rows land
in index order and a run's rows are contiguous UUID ranges (rollback deletes
by range).
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

ROWID_LIMIT = 1 << 48
_LOW_MASK = (1 << 58) - 1


class RowidOutOfRange(ValueError):
    pass


@lru_cache(maxsize=256)
def namespace(source_file: str, source_table: str) -> tuple[int, int]:
    """The 16-bit namespace of a legacy table and its 58 constant low bits."""
    digest = hashlib.sha256(f"mingus-legacy:{source_file}:{source_table}".encode()).digest()
    return int.from_bytes(digest[:2], "big"), int.from_bytes(digest[2:10], "big") & _LOW_MASK


def uuid_int(ns: tuple[int, int], rowid: int) -> int:
    """The UUID of row ``rowid`` of the table with namespace ``ns``, as an int."""
    if not 0 <= rowid < ROWID_LIMIT:
        raise RowidOutOfRange(f"rowid {rowid} is outside 0..2^48")
    prefix, low = ns
    return (
        (prefix << 112)
        | ((rowid >> 16) << 80)
        | (0x8 << 76)
        | (((rowid >> 4) & 0xFFF) << 64)
        | (0b10 << 62)
        | ((rowid & 0xF) << 58)
        | low
    )


_new = object.__new__
_set = object.__setattr__


def uuid_from_int(number: int) -> uuid.UUID:
    """``uuid.UUID(int=number)`` without its argument checks (the hot path builds millions)."""
    value = _new(uuid.UUID)
    _set(value, "int", number)
    _set(value, "is_safe", uuid.SafeUUID.unknown)
    return value


def uuid_bytes(number: int) -> bytes:
    """The 16 bytes of a UUID: what binary COPY sends (see ``convert.use_converted_values``)."""
    return number.to_bytes(16, "big")


def legacy_uuid(source_file: str, source_table: str, rowid: int) -> uuid.UUID:
    """The UUID a legacy row gets in the unified schema."""
    return uuid.UUID(int=uuid_int(namespace(source_file, source_table), rowid))


def user_uuid(legacy_user_id: int) -> uuid.UUID:
    """The UUID of ``mingus.db`` user ``legacy_user_id`` (all user_id columns refer to it)."""
    return legacy_uuid("mingus.db", "users", legacy_user_id)


def uuid_bounds(source_file: str, source_table: str, first: int, last: int) -> tuple[uuid.UUID, uuid.UUID]:
    """UUIDs of rowids ``first`` and ``last``: every row between them sorts between them."""
    ns = namespace(source_file, source_table)
    return uuid.UUID(int=uuid_int(ns, first)), uuid.UUID(int=uuid_int(ns, last))


def rowid_of(value: uuid.UUID) -> int:
    """The legacy rowid inside an imported row's UUID."""
    number = value.int
    return ((number >> 80) & 0xFFFFFFFF) << 16 | ((number >> 64) & 0xFFF) << 4 | ((number >> 58) & 0xF)
