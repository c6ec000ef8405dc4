"""The triggers of the audit trail, declared with django-pgtrigger so they land in migrations.

Row changes: every table of the domain apps gets three statement-level AFTER
triggers (insert, update, delete) whose transition tables feed one set-based
``INSERT INTO audit_logs ... SELECT``: one audit row per changed row, with no
per-row PL/pgSQL. They are registered for every model by
:func:`register_audit_triggers` (called from ``OpsConfig.ready``), so a new
model is audited as soon as ``makemigrations`` runs.

Why not pgtrigger's stock template: its trigger functions first consult the
``pgtrigger.ignore`` setting, which any SQL may set with ``set_config()``; the
runtime role could then write without being audited, or get past a
``Protect``. :class:`UnskippableTrigger` compiles the same definition without
that hook. What still switches these triggers off needs ownership of the table
(``ALTER TABLE ... DISABLE TRIGGER``) or superuser
(``session_replication_role = replica``, which the importer uses on purpose):
no runtime role has either, and tamper evidence (``verify_audit``) covers the
owner.
"""

from __future__ import annotations

import json

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import models
from pgtrigger import compiler

from mingus.db import DOMAIN_APPS
from mingus.db import quote_identifier as _quote

NOT_AUDITED = frozenset({"ops.AuditLog", "ops.AuditSeal"})

# Columns whose values never enter the log: it records that they changed ("changed"), not what they hold.
SECRET_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts.User": ("password",),
    "finance.EncryptedFinancialProfile": ("encrypted_data",),
    # Raw legacy rows: a quarantined users row carries its password hash, a financial profile its legacy token.
    "ops.QuarantinedRow": ("original",),
    "ops.LegacyExtra": ("data",),
    # Opaque copies of data kept elsewhere; in an undeletable log they could not be pseudonymised.
    "ops.CacheEntry": ("value",),
    "ops.QueryCache": ("result",),
    "ops.ApiCache": ("response",),
}
# Columns that alone do not make an update worth an entry (and are left out of its changes).
QUIET_COLUMNS: dict[str, tuple[str, ...]] = {
    "ops.ImportRun": ("heartbeat_at",),
}

_UNSKIPPABLE_TEMPLATE = """
    CREATE OR REPLACE FUNCTION {pgid}()
    RETURNS TRIGGER AS $$
        {declare}
        BEGIN
            {func}
        END;
    $$ LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp SET work_mem = '32MB';

    DROP TRIGGER IF EXISTS {pgid} ON {table};
    CREATE {constraint} TRIGGER {pgid}
        {when} {operation} ON {table}
        {timing}
        {referencing}
        FOR EACH {level} {condition}
        EXECUTE PROCEDURE {execute};

    COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
"""


class UnskippableTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's install SQL without the ``pgtrigger.ignore`` check, with a pinned search_path.

    The search_path puts ``pg_temp`` last: a temporary table named ``audit_logs``
    cannot divert the trigger's inserts. ``work_mem`` (for the function's own
    duration) lets the join of a 100k-row statement's old and new rows sort in
    memory instead of on disk. Migrations reference this class, so the
    template must only ever change together with a migration that reinstalls
    the triggers.
    """

    def get_template(self) -> str:
        return _UNSKIPPABLE_TEMPLATE


class UnskippableTrigger(pgtrigger.Trigger):
    """A pgtrigger trigger that no session setting can skip (see the module docstring)."""

    def compile(self, model: type[models.Model]) -> compiler.Trigger:
        stock = super().compile(model)
        return compiler.Trigger(name=self.name, sql=UnskippableTriggerSql(**stock.sql.kwargs))


class AuditRowChanges(UnskippableTrigger):
    """One audit row per row an INSERT, UPDATE or DELETE statement changed.

    Actor, source and request id come from the transaction's audit context
    (``mingus.actor``, ``mingus.source``, ``mingus.request_id``, see
    :mod:`mingus.scope`) through ``mingus_audit_context()``; ids from
    ``mingus_uuid7()``; both are created by the ops migration that installs the
    audit trail. ``txid`` and the database roles take their column defaults.
    """

    when = pgtrigger.After
    level = pgtrigger.Statement

    _NAMES = {"INSERT": "audit_insert", "UPDATE": "audit_update", "DELETE": "audit_delete"}

    def __init__(self, *, operation: pgtrigger.Operation) -> None:
        referencing = {
            "INSERT": pgtrigger.Referencing(new="new_values"),
            "UPDATE": pgtrigger.Referencing(old="old_values", new="new_values"),
            "DELETE": pgtrigger.Referencing(old="old_values"),
        }[str(operation)]
        super().__init__(name=self._NAMES[str(operation)], operation=operation, referencing=referencing)

    def get_func(self, model: type[models.Model]) -> str:
        table = model._meta.db_table
        pk = _quote(model._meta.pk.column)
        subject = _subject_column(model)
        secrets = set(SECRET_COLUMNS.get(model._meta.label, ()))
        quiet = set(QUIET_COLUMNS.get(model._meta.label, ()))
        columns = [field.column for field in model._meta.concrete_fields]
        insert = (
            "INSERT INTO audit_logs"
            " (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\n"
        )
        context = "mingus_audit_context() AS ctx"
        if str(self.operation) == "UPDATE":
            changes = _update_changes(columns, secrets, quiet)
            subject_sql = f"COALESCE(n.{_quote(subject)}, o.{_quote(subject)})" if subject else "NULL::uuid"
            # Identifiers come from the model (quoted), values from the transition tables: nothing to inject.
            select = (
                "SELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, 'update', ctx.source,"  # noqa: S608
                f" {_literal(table)}, d.entity_id, d.changes, ctx.request_id\n"
                f"FROM (SELECT {subject_sql} AS subject, COALESCE(n.{pk}, o.{pk})::text AS entity_id,\n"
                f"             {changes} AS changes\n"
                # A full join keeps both halves of a row whose primary key changed.
                f"      FROM old_values AS o FULL JOIN new_values AS n ON o.{pk} = n.{pk}\n"
                # OFFSET 0 keeps the subquery whole: flattened, the changes would be built twice
                # (once for the WHERE below, once for the INSERT).
                f"      OFFSET 0) AS d, {context}\n"
            )
            return insert + select + "WHERE d.changes <> '{}'::jsonb;\nRETURN NULL;"
        rows, action = ("new_values", "insert") if str(self.operation) == "INSERT" else ("old_values", "delete")
        subject_sql = f"r.{_quote(subject)}" if subject else "NULL::uuid"
        return (
            insert
            + f"SELECT mingus_uuid7(), statement_timestamp(), {subject_sql}, ctx.actor, {_literal(action)}, ctx.source,"
            f" {_literal(table)}, r.{pk}::text, {_row_values(secrets)}, ctx.request_id\n"
            f"FROM {rows} AS r, {context};\n"
            "RETURN NULL;"
        )


class RefuseAuditChanges(UnskippableTrigger):
    """Refuse UPDATE, DELETE and TRUNCATE of an append-only audit table, whoever runs them.

    The only way through is the retention path: a DELETE or UPDATE running
    inside one of the SECURITY DEFINER functions of the ops migration, which
    alone set ``mingus.audit_retention`` (through their ``SET`` clause, for
    their own duration) and run as the table owner. A session setting on its
    own grants nothing: the runtime roles are not the owner. The owner could
    set it, or simply disable the trigger; that is what ``verify_audit`` is for.
    """

    when = pgtrigger.Before
    level = pgtrigger.Statement
    operation = pgtrigger.Update | pgtrigger.Delete | pgtrigger.Truncate

    def __init__(self, *, name: str, allowed: dict[str, tuple[str, ...]]) -> None:
        self.allowed = allowed
        super().__init__(name=name)

    def get_func(self, model: type[models.Model]) -> str:
        checks = [
            f"(TG_OP = {_literal(op)} AND current_setting('mingus.audit_retention', true)"
            f" IN ({', '.join(_literal(m) for m in markers)}))"
            for op, markers in sorted(self.allowed.items())
        ]
        allowed = " OR ".join(checks) if checks else "false"
        owner = "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)"
        return (
            f"IF ({allowed}) AND current_user = {owner} THEN\n"
            "    RETURN NULL;\n"
            "END IF;\n"
            "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP\n"
            "    USING ERRCODE = 'insufficient_privilege',\n"
            "          HINT = 'Audit entries are removed only by the retention functions (see README, Audit trail).';"
        )


class StampAuditRow(UnskippableTrigger):
    """Refuse an audit row whose transaction id or database roles are not the inserting session's own.

    Sealing relies on ``txid``: a row claiming another transaction could hide in
    a range already sealed or never be sealed. The WHEN clause is evaluated by
    the executor, so rows that take the column defaults never call the function.
    """

    when = pgtrigger.Before
    level = pgtrigger.Row
    operation = pgtrigger.Insert
    condition = pgtrigger.Condition(
        "NEW.txid IS DISTINCT FROM pg_current_xact_id()::text::bigint"
        " OR NEW.db_role IS DISTINCT FROM current_user::text"
        " OR NEW.db_login IS DISTINCT FROM session_user::text"
    )
    func = (
        "RAISE EXCEPTION 'audit_logs: txid, db_role and db_login are set by the database, not by the writer'"
        " USING ERRCODE = 'insufficient_privilege';"
    )


def audited_models() -> list[type[models.Model]]:
    """Every model whose table gets the row-change triggers: the concrete models of the domain apps.

    Auto-created many-to-many tables (a user's groups and permissions) are not
    models of their own; pgtrigger could reach them only through proxy models,
    which the row-level-security check and the erasure policy would then count
    as per-user tables of their own.
    """
    return [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in NOT_AUDITED and model._meta.managed and not model._meta.proxy
    ]


def register_audit_triggers() -> None:
    """Register the three row-change triggers on every audited model (idempotent)."""
    for model in audited_models():
        present = {trigger.name for trigger in getattr(model._meta, "triggers", [])}
        for operation in (pgtrigger.Insert, pgtrigger.Update, pgtrigger.Delete):
            trigger = AuditRowChanges(operation=operation)
            if trigger.name not in present:
                trigger.register(model)


def _subject_column(model: type[models.Model]) -> str | None:
    """The column naming the person a row is about: ``id`` of users, else a ``user_id`` column."""
    if model._meta.label == settings.AUTH_USER_MODEL:
        return model._meta.pk.column
    columns = {field.column for field in model._meta.concrete_fields}
    return "user_id" if "user_id" in columns else None


def _row_values(secrets: set[str]) -> str:
    values = "to_jsonb(r)"
    if secrets:
        masks = ", ".join(
            f"{_literal(column)}, CASE WHEN r.{_quote(column)} IS NULL THEN NULL ELSE 'changed' END"
            for column in sorted(secrets)
        )
        values = f"({values} || jsonb_build_object({masks}))"
    return values


def _update_changes(columns: list[str], secrets: set[str], quiet: set[str]) -> str:
    """``{"column": {"old": .., "new": ..}}`` for the changed columns, ``{}`` when none changed.

    Built as JSON text and parsed once per row: ``concat_ws`` drops the NULL
    pieces of unchanged columns, which is cheaper than merging one ``jsonb``
    object per column. ``to_json`` converts values exactly as ``to_jsonb`` does.
    """
    pieces = []
    for column in columns:
        if column in quiet:
            continue
        old, new = f"o.{_quote(column)}", f"n.{_quote(column)}"
        key = json.dumps(column)
        if column in secrets:
            piece = _literal(key + ':"changed"')
        else:
            opening, middle = _literal(key + ':{"old":'), _literal(',"new":')
            piece = (
                f"{opening} || COALESCE(to_json({old})::text, 'null')"
                f" || {middle} || COALESCE(to_json({new})::text, 'null') || '}}'"
            )
        pieces.append(f"CASE WHEN {old} IS DISTINCT FROM {new} THEN {piece} END")
    separator = ",\n                "
    return f"('{{' || concat_ws(','{separator}{separator.join(pieces)}\n             ) || '}}')::jsonb"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
