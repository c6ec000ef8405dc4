"""Secondary indexes of empty tables, dropped for an import's load and built again after it.

PostgreSQL maintains every index of a table row by row as COPY adds rows; building
an index once its table is loaded costs a fraction of that (at scale 100 the plain
secondary indexes took about 4 of the server's 11 CPU-seconds of an import, and
building them all again 1.5 s). So an import that loads a table which is empty
when the run starts drops that table's plain secondary indexes first and builds
them again as soon as the table is loaded, while other tables go on loading.

Only indexes that enforce nothing are deferred: never a primary key, a unique
index, or an index behind a constraint (so duplicates are still refused, and
foreign keys still have their targets), nor one that is clustered, commented or
in another tablespace (building it again would not give back exactly the same
index). Each is recorded (:class:`~ops.models.DeferredIndex`, with its
``pg_get_indexdef``) in the transaction that drops it, and the record is
deleted in the transaction that builds it again: a record exists exactly while
its index is missing. A run that fails builds its indexes again before it
stops; after a run killed outright, the next ``import_sqlite`` or
``rollback_import`` does.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from mingus.db import quote_identifier as _quote
from ops.models import DeferredIndex, ImportRun

logger = logging.getLogger(__name__)

# Plain secondary indexes: nothing that enforces a rule, nothing that would not be rebuilt exactly.
_DEFERRABLE = """
    SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.oid = ANY(%s::regclass[])
      AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion AND NOT x.indisclustered
      AND x.indisvalid AND i.reltablespace = 0
      AND obj_description(i.oid, 'pg_class') IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY t.relname, i.relname
"""


def defer_indexes(*, run: ImportRun, tables: list[str]) -> dict[str, list[str]]:
    """Drop the plain secondary indexes of those ``tables`` that hold no row; ``{table: [index names]}``.

    A table that holds a row keeps its indexes (an import into a live table must
    not slow down its readers).
    """
    if not tables:
        return {}
    deferred: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_DEFERRABLE, [tables])
        found = cursor.fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, index, definition in found:
        by_table.setdefault(table, []).append((index, definition))
    for table, indexes in by_table.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _bookkeeping_only(cursor)
                for index, definition in indexes:
                    DeferredIndex.objects.create(run=run, table_name=table, index_name=index, definition=definition)
                    cursor.execute(f"DROP INDEX {_quote(index)}")
                # DROP INDEX holds the table's exclusive lock until the commit: checked now, the
                # table stays empty until the import's own rows arrive.
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_quote(table)})")  # noqa: S608
                if cursor.fetchone()[0]:
                    raise _HoldsRows
        except _HoldsRows:
            continue
        deferred[table] = [index for index, _ in indexes]
    return deferred


class _HoldsRows(Exception):
    pass


def _bookkeeping_only(cursor) -> None:
    """No audit row per record: the run's one audit entry lists the indexes built again.

    Row triggers are off for this transaction only (``session_replication_role``,
    as the import's chunks are written); a login that may not set it is audited.
    """
    cursor.execute("SAVEPOINT bookkeeping_only")
    try:
        cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        cursor.execute("ROLLBACK TO SAVEPOINT bookkeeping_only")
    else:
        cursor.execute("RELEASE SAVEPOINT bookkeeping_only")


def rebuild_indexes(*, run_id=None, table: str | None = None, exclude_run_id=None) -> list[str]:
    """Build again the deferred indexes (of one run, one table, or every run but one); their names.

    Each index is built and its record deleted in one transaction, so an
    interruption leaves the record of exactly the indexes still missing.
    """
    records = DeferredIndex.objects.order_by("table_name", "index_name")
    if run_id is not None:
        records = records.filter(run_id=run_id)
    if table is not None:
        records = records.filter(table_name=table)
    if exclude_run_id is not None:
        records = records.exclude(run_id=exclude_run_id)
    rebuilt = []
    for record in records:
        with transaction.atomic(), connection.cursor() as cursor:
            _bookkeeping_only(cursor)
            if not DeferredIndex.objects.select_for_update().filter(pk=record.pk).exists():
                continue  # built meanwhile by another process
            cursor.execute(record.definition)
            record.delete()
        rebuilt.append(record.index_name)
    return rebuilt


def deferred_tables(*, run_id) -> set[str]:
    """The tables whose indexes ``run_id`` deferred and has not built again yet."""
    return set(DeferredIndex.objects.filter(run_id=run_id).values_list("table_name", flat=True))
