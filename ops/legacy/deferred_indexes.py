"""Indexes of the tables an import loads, dropped for its load and built again after it.

PostgreSQL maintains every index of a table row by row as COPY adds rows; building
an index once its table is loaded costs a fraction of that (at scale 100 the plain
secondary indexes took about 4 of the server's 11 CPU-seconds of an import, and
building them all again 1.5 s). So an import that loads a table which is empty
when the run starts drops those indexes first and builds them again as soon as
the table is loaded, while other tables go on loading.

A table that already holds rows keeps its primary key, and keeps everything when
it holds a tenth or more of the rows the run may add: a second run over the same
files, which adds nothing, must not drop and build again the indexes of loaded
tables, nor slow down their readers meanwhile. One that holds fewer loses only its
plain secondary indexes. That is the audit trail at cut-over, which holds the
entries written before the import: at scale 1000 its three secondary indexes made
``audit_logs``' load take 2.6 s instead of 1.5 s, and building them after it 0.6 s.

Deferred are the plain secondary indexes, which enforce nothing, and the primary
key of a table that no foreign key points at. Such a key guards nothing during
the load: the import's ids are unique by construction (one per source rowid,
each chunk loaded once into a table that was empty), no foreign key needs it as
its target, and building it again refuses any duplicate. Never deferred: a
unique index or constraint (the import relies on them to refuse duplicates
across chunks), a primary key that a foreign key points at, or anything
clustered, commented, in another tablespace or a replica identity (building it
again would not give back exactly the same thing). Each is recorded
(:class:`~ops.models.DeferredIndex`, with the statement that builds it again) in
the transaction that drops it, and the record is deleted in the transaction that
builds it again: a record exists exactly while its index is missing. A run that
fails builds its indexes again before it stops; after a run killed outright, the
next ``import_sqlite`` or ``rollback_import`` does.
"""

from __future__ import annotations

import logging

import psycopg
from django.db import DatabaseError, OperationalError, connection, transaction

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

# Primary keys no foreign key points at, with the statement that adds each again.
_DEFERRABLE_KEYS = """
    SELECT t.relname, k.conname,
           format('ALTER TABLE %%I.%%I ADD CONSTRAINT %%I %%s', n.nspname, t.relname, k.conname,
                  pg_get_constraintdef(k.oid))
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_class i ON i.oid = k.conindid
    JOIN pg_index x ON x.indexrelid = k.conindid
    WHERE t.oid = ANY(%s::regclass[]) AND k.contype = 'p'
      AND NOT x.indisclustered AND NOT x.indisreplident AND x.indisvalid AND i.reltablespace = 0
      AND obj_description(k.oid, 'pg_constraint') IS NULL AND obj_description(i.oid, 'pg_class') IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = t.oid)
    ORDER BY t.relname
"""
_KEY_PREFIX = "ALTER TABLE "  # how a deferred primary key's statement starts (an index's: CREATE INDEX)
_FEW_ROWS_SHARE = 10  # a table holding fewer than 1/10 of the rows the run may add loses its plain indexes


def defer_indexes(*, run: ImportRun, tables: dict[str, int]) -> dict[str, list[str]]:
    """Drop the deferrable indexes of ``tables`` ({table: rows the run may add}); ``{table: [index names]}``.

    An empty table loses them all. One that holds rows keeps its primary key (the
    run's chunks look up the rows already there by it), and keeps everything when it
    holds a tenth or more of the rows the run may add (see the module docstring).
    """
    if not tables:
        return {}
    deferred: dict[str, list[str]] = {}
    names = list(tables)
    with connection.cursor() as cursor:
        cursor.execute(_DEFERRABLE_KEYS, [names])
        found = cursor.fetchall()
        cursor.execute(_DEFERRABLE, [names])
        found += cursor.fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, index, definition in found:
        by_table.setdefault(table, []).append((index, definition))
    for table, indexes in by_table.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _bookkeeping_only(cursor)
                # Locked, then counted: the table holds what it holds until the import's own rows arrive.
                cursor.execute(f"LOCK TABLE {_quote(table)} IN ACCESS EXCLUSIVE MODE")
                few = (tables[table] - 1) // _FEW_ROWS_SHARE  # the most rows that are fewer than a tenth
                counted = f"SELECT count(*) FROM (SELECT FROM {_quote(table)} LIMIT %s) AS held"  # noqa: S608
                cursor.execute(counted, [few + 1])
                held = cursor.fetchone()[0]
                if held:
                    indexes = [item for item in indexes if not item[1].startswith(_KEY_PREFIX)]
                if held > few or not indexes:
                    raise _HoldsRows
                for index, definition in indexes:
                    DeferredIndex.objects.create(run=run, table_name=table, index_name=index, definition=definition)
                    if definition.startswith(_KEY_PREFIX):
                        cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(index)}")
                    else:
                        cursor.execute(f"DROP INDEX {_quote(index)}")
        except _HoldsRows:
            continue
        except OperationalError as exc:
            # Rows written and deleted earlier in the caller's own transaction leave foreign-key
            # checks pending, and PostgreSQL refuses to alter the table until they have run.
            if not isinstance(exc.__cause__, psycopg.errors.ObjectInUse):
                raise
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


def rebuild_indexes(*, run_id=None, table: str | None = None) -> list[str]:
    """Build again the deferred indexes (of every run, of one run, or of one run's table); their names.

    Each index is built and its record deleted in one transaction, so an
    interruption leaves the record of exactly the indexes still missing.
    """
    records = DeferredIndex.objects.order_by("table_name", "index_name")
    if run_id is not None:
        records = records.filter(run_id=run_id)
    if table is not None:
        records = records.filter(table_name=table)
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


def keyless_tables(*, run_id) -> set[str]:
    """The tables whose primary key ``run_id`` deferred and has not built again yet."""
    records = DeferredIndex.objects.filter(run_id=run_id, definition__startswith=_KEY_PREFIX)
    return set(records.values_list("table_name", flat=True))
