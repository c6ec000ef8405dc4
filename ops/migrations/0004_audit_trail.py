"""The audit trail: database-set columns, seals, the retention functions, privileges and append-only triggers.

Row-change triggers of the ops tables are added here too (the other apps get theirs in their own
audit_triggers migration, which depends on this one for mingus_uuid7() and mingus_audit_context()).
See ops/audit_triggers.py for the trigger definitions and README "Audit trail" for the design.
"""

import django.contrib.postgres.indexes
import django.db.models.expressions
import django.utils.timezone
import mingus.db
import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


APP_ROLE = "mingus_app"
STAFF_ROLE = "mingus_staff"
# The database refuses to purge anything younger than this, whatever AUDIT_RETENTION_DAYS says.
RETENTION_FLOOR_DAYS = 365
# Audit sources the CHECK constraint audit_logs_source_valid admits (ops.models.AuditSource, frozen here).
SOURCES = ("admin", "api", "task", "import", "shell", "legacy")

_SECURE = "SET search_path = pg_catalog, public, pg_temp"

HELPERS = f"""
-- Time-ordered ids for trigger-written entries (mingus.db.uuid7 in Python). PostgreSQL 18 has uuidv7().
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 180000 THEN
        CREATE FUNCTION mingus_uuid7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT uuidv7()';
    ELSE
        -- A random version-4 UUID with the first 48 bits replaced by the Unix time in milliseconds
        -- and the version nibble turned from 4 into 7 (bits 52 and 53 set).
        CREATE FUNCTION mingus_uuid7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $f$
            SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                   PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                   FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
        $f$;
    END IF;
END
$$;

-- The transaction's audit context (mingus.scope): who acts, from where, for which request.
-- A source the CHECK constraint would refuse becomes NULL: a label must never fail a write.
CREATE FUNCTION mingus_audit_context(OUT actor text, OUT source text, OUT request_id text)
    LANGUAGE sql STABLE
    AS $$
        SELECT NULLIF(current_setting('mingus.actor', true), ''),
               CASE WHEN current_setting('mingus.source', true) IN ({", ".join(f"'{s}'" for s in SOURCES)})
                    THEN current_setting('mingus.source', true) END,
               left(NULLIF(current_setting('mingus.request_id', true), ''), 64)
    $$;

-- Case-insensitive replacement of each term as a whole word (taken literally: every non-alphanumeric
-- character is escaped), so that "ann" leaves "annual" alone.
CREATE FUNCTION mingus_audit_scrub_text(value text, terms text[], replacement text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE {_SECURE}
    AS $$
    DECLARE
        term text;
    BEGIN
        IF value IS NULL THEN
            RETURN NULL;
        END IF;
        FOREACH term IN ARRAY terms LOOP
            value := regexp_replace(
                value,
                '(?<![[:alnum:]_])' || regexp_replace(term, '([^[:alnum:]])', '\\\\\\1', 'g') || '(?![[:alnum:]_])',
                replacement,
                'gi'
            );
        END LOOP;
        RETURN value;
    END
    $$;

-- The same inside a JSON document: keys and string values, structure untouched.
CREATE FUNCTION mingus_audit_scrub(value jsonb, terms text[], replacement text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE {_SECURE}
    AS $$
    BEGIN
        CASE jsonb_typeof(value)
            WHEN 'object' THEN
                RETURN (SELECT COALESCE(jsonb_object_agg(mingus_audit_scrub_text(e.key, terms, replacement),
                                                         mingus_audit_scrub(e.value, terms, replacement)), '{{}}')
                        FROM jsonb_each(value) AS e);
            WHEN 'array' THEN
                RETURN (SELECT COALESCE(jsonb_agg(mingus_audit_scrub(e.value, terms, replacement) ORDER BY e.n), '[]')
                        FROM jsonb_array_elements(value) WITH ORDINALITY AS e(value, n));
            WHEN 'string' THEN
                RETURN to_jsonb(mingus_audit_scrub_text(value #>> '{{}}', terms, replacement));
            ELSE
                RETURN value;
        END CASE;
    END
    $$;
"""  # noqa: S608 (built from the constants above)

# The retention path. Each function runs as its owner (the owner of audit_logs) and sets the
# transaction-local marker mingus.audit_retention through its SET clause, for its own duration
# only; the append_only trigger lets a DELETE or UPDATE through only with both. Each records
# an audit entry of its own, which verify_audit uses to tell retention from tampering.
RETENTION = f"""
CREATE FUNCTION mingus_audit_purge(older_than_days integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER {_SECURE} SET mingus.audit_retention = 'purge'
    AS $$
    DECLARE
        cutoff timestamptz;
        deleted bigint;
    BEGIN
        IF older_than_days IS NULL OR older_than_days < {RETENTION_FLOOR_DAYS} THEN
            RAISE EXCEPTION 'audit entries are kept at least {RETENTION_FLOOR_DAYS} days (asked: %)', older_than_days
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        cutoff := now() - make_interval(days => older_than_days);
        DELETE FROM audit_logs WHERE created_at < cutoff;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        INSERT INTO audit_logs (id, created_at, actor, action, source, details, request_id)
        SELECT mingus_uuid7(), statement_timestamp(), ctx.actor, 'audit_purge', ctx.source,
               jsonb_build_object('cutoff', cutoff, 'older_than_days', older_than_days, 'deleted', deleted),
               ctx.request_id
        FROM mingus_audit_context() AS ctx;
        RETURN deleted;
    END
    $$;

CREATE FUNCTION mingus_audit_pseudonymise(subject uuid, distinctive text[], personal text[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER {_SECURE} SET mingus.audit_retention = 'pseudonymise'
    AS $$
    DECLARE
        pseudonym uuid := gen_random_uuid();
        everywhere text[];
        own text[];
        patterns text[];
        changed uuid[];
    BEGIN
        IF subject IS NULL THEN
            RAISE EXCEPTION 'pseudonymise: no user given' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- Longest first, so that an email is replaced before a name inside it.
        everywhere := ARRAY(SELECT t FROM (SELECT DISTINCT btrim(t) AS t
                                           FROM unnest(array_append(COALESCE(distinctive, '{{}}'), subject::text)) AS t) AS d
                            WHERE length(t) >= 2 ORDER BY length(t) DESC, t);
        own := ARRAY(SELECT t FROM (SELECT DISTINCT btrim(t) AS t
                                    FROM unnest(everywhere || COALESCE(personal, '{{}}')) AS t) AS d
                     WHERE length(t) >= 2 ORDER BY length(t) DESC, t);
        patterns := ARRAY(SELECT '%' || replace(replace(replace(t, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'
                          FROM unnest(everywhere) AS t);
        WITH scrubbed AS (
            SELECT a.id,
                   CASE WHEN a.user_id = subject THEN pseudonym ELSE a.user_id END AS user_id,
                   mingus_audit_scrub_text(a.actor, t.terms, pseudonym::text) AS actor,
                   left(mingus_audit_scrub_text(a.entity_id, t.terms, pseudonym::text), 64) AS entity_id,
                   mingus_audit_scrub(a.changes, t.terms, pseudonym::text) AS changes,
                   mingus_audit_scrub(a.details, t.terms, pseudonym::text) AS details,
                   -- The address is the person's when the entry is about them or they acted.
                   CASE WHEN a.user_id = subject
                          OR mingus_audit_scrub_text(a.actor, everywhere, '') IS DISTINCT FROM a.actor
                        THEN NULL ELSE a.ip_address END AS ip_address
            FROM audit_logs AS a
            -- Names may be someone else's too: they are scrubbed only in the person's own entries.
            CROSS JOIN LATERAL (SELECT CASE WHEN a.user_id = subject THEN own ELSE everywhere END AS terms) AS t
            WHERE a.user_id = subject
               OR concat_ws(' ', a.actor, a.entity_id, a.changes::text, a.details::text) ILIKE ANY (patterns)
        ), updated AS (
            UPDATE audit_logs AS a
            SET user_id = s.user_id, actor = s.actor, entity_id = s.entity_id, changes = s.changes,
                details = s.details, ip_address = s.ip_address
            FROM scrubbed AS s
            WHERE a.id = s.id
              AND (a.user_id, a.actor, a.entity_id, a.changes, a.details, a.ip_address)
                  IS DISTINCT FROM (s.user_id, s.actor, s.entity_id, s.changes, s.details, s.ip_address)
            RETURNING a.id
        )
        SELECT array_agg(id ORDER BY id) INTO changed FROM updated;
        INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, details, request_id)
        SELECT mingus_uuid7(), statement_timestamp(), pseudonym, ctx.actor, 'audit_pseudonymise', ctx.source,
               jsonb_build_object('pseudonym', pseudonym, 'changed', COALESCE(cardinality(changed), 0),
                                  'audit_ids', COALESCE(to_jsonb(changed), '[]')),
               ctx.request_id
        FROM mingus_audit_context() AS ctx;
        RETURN COALESCE(cardinality(changed), 0);
    END
    $$;

-- rollback_import removes the legacy entries a run imported, by the UUID ranges its chunks recorded.
CREATE FUNCTION mingus_audit_remove_legacy(lows uuid[], highs uuid[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER {_SECURE} SET mingus.audit_retention = 'legacy_rollback'
    AS $$
    DECLARE
        removed bigint;
    BEGIN
        DELETE FROM audit_logs AS a
        USING unnest(lows, highs) AS r(low, high)
        WHERE a.source = 'legacy' AND a.id BETWEEN r.low AND r.high;
        GET DIAGNOSTICS removed = ROW_COUNT;
        INSERT INTO audit_logs (id, created_at, actor, action, source, details, request_id)
        SELECT mingus_uuid7(), statement_timestamp(), ctx.actor, 'audit_legacy_removed', ctx.source,
               jsonb_build_object('removed', removed,
                                  'ranges', (SELECT jsonb_agg(jsonb_build_array(r.low, r.high))
                                             FROM unnest(lows, highs) AS r(low, high))),
               ctx.request_id
        FROM mingus_audit_context() AS ctx;
        RETURN removed;
    END
    $$;

REVOKE ALL ON FUNCTION mingus_audit_purge(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mingus_audit_pseudonymise(uuid, text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mingus_audit_remove_legacy(uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mingus_audit_purge(integer) TO {STAFF_ROLE};
GRANT EXECUTE ON FUNCTION mingus_audit_pseudonymise(uuid, text[], text[]) TO {STAFF_ROLE};
-- mingus_audit_remove_legacy: the owner only (rollback_import runs on the owner login).
"""  # noqa: S608 (built from the constants above)

# Append-only by privilege as well as by trigger: the runtime roles may add entries, never change
# or remove them, nor own the tables (so they cannot disable the triggers). INSERT ... RETURNING of
# the database-set columns (Django reads back txid, db_role and db_login) needs SELECT on just
# those columns, which reveals no entry's content. That nobody sets those columns to anything
# but their defaults is the stamp_row trigger's job: a column privilege cannot do it, since
# PostgreSQL requires it even for an explicit DEFAULT, which is how Django writes them.
PRIVILEGES = f"""
REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_logs FROM {APP_ROLE}, {STAFF_ROLE}, PUBLIC;
REVOKE SELECT ON audit_logs FROM {APP_ROLE};
GRANT SELECT, INSERT ON audit_logs TO {STAFF_ROLE};
GRANT INSERT ON audit_logs TO {APP_ROLE};
GRANT SELECT (txid, db_role, db_login) ON audit_logs TO {APP_ROLE};
REVOKE ALL ON audit_seals FROM {APP_ROLE}, {STAFF_ROLE}, PUBLIC;
GRANT SELECT, INSERT ON audit_seals TO {STAFF_ROLE};
"""  # noqa: S608 (built from the constants above)

REVERSE_PRIVILEGES = f"""
REVOKE SELECT (txid, db_role, db_login) ON audit_logs FROM {APP_ROLE};
REVOKE ALL ON audit_seals FROM {APP_ROLE}, {STAFF_ROLE};
"""  # noqa: S608 (built from the constants above)

DROP_RETENTION = """
DROP FUNCTION mingus_audit_remove_legacy(uuid[], uuid[]);
DROP FUNCTION mingus_audit_pseudonymise(uuid, text[], text[]);
DROP FUNCTION mingus_audit_purge(integer);
"""

DROP_HELPERS = """
DROP FUNCTION mingus_audit_scrub(jsonb, text[], text);
DROP FUNCTION mingus_audit_scrub_text(text, text[], text);
DROP FUNCTION mingus_audit_context();
DROP FUNCTION mingus_uuid7();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0003_database_roles_and_rls"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("id", models.UUIDField(default=mingus.db.uuid7, editable=False, primary_key=True, serialize=False)),
                ("number", models.PositiveIntegerField(help_text="1, 2, 3... with no gaps.", unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("txid_from", models.BigIntegerField(help_text="First transaction id covered (inclusive).")),
                (
                    "txid_to",
                    models.BigIntegerField(
                        help_text="End of the range (exclusive): every transaction below it had ended."
                    ),
                ),
                ("row_count", models.PositiveIntegerField()),
                ("amended_count", models.PositiveIntegerField(default=0)),
                ("rows", models.BinaryField()),
                ("amendments", models.BinaryField(default=bytes)),
                (
                    "key_id",
                    models.CharField(help_text="Fingerprint of the AUDIT_SEAL_KEY that made the MACs.", max_length=16),
                ),
                ("previous_mac", models.CharField(blank=True, max_length=64)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "db_table": "audit_seals",
            },
        ),
        migrations.RemoveIndex(
            model_name="auditlog",
            name="audit_logs_created_idx",
        ),
        migrations.RemoveIndex(
            model_name="auditlog",
            name="audit_logs_entity_idx",
        ),
        migrations.AddField(
            model_name="auditlog",
            name="db_login",
            field=models.TextField(
                db_default=django.db.models.expressions.RawSQL("session_user", []),
                editable=False,
                help_text="Database login of that session.",
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="db_role",
            field=models.TextField(
                db_default=django.db.models.expressions.RawSQL("current_user", []),
                editable=False,
                help_text="Database role that wrote the entry.",
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="txid",
            field=models.BigIntegerField(
                db_default=django.db.models.expressions.RawSQL("pg_current_xact_id()::text::bigint", []),
                editable=False,
                help_text="Writing transaction (pg_current_xact_id); seals cover ranges of it.",
            ),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=django.contrib.postgres.indexes.BrinIndex(
                fields=["created_at", "txid"], name="audit_logs_created_txid_brin"
            ),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["entity_id"], name="audit_logs_entity_id_idx"),
        ),
        migrations.RunSQL(HELPERS, reverse_sql=DROP_HELPERS),
        migrations.RunSQL(RETENTION, reverse_sql=DROP_RETENTION),
        migrations.RunSQL(PRIVILEGES, reverse_sql=REVERSE_PRIVILEGES),
        pgtrigger.migrations.AddTrigger(
            model_name="alert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'alerts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="49fad0841602f526f1e3abc503cc908e5e9e0a09",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_3c48c",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'alerts\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rule_id" IS DISTINCT FROM n."rule_id" THEN \'"rule_id":{"old":\' || COALESCE(to_json(o."rule_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rule_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."severity" IS DISTINCT FROM n."severity" THEN \'"severity":{"old":\' || COALESCE(to_json(o."severity")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."severity")::text, \'null\') || \'}\' END,\n                CASE WHEN o."title" IS DISTINCT FROM n."title" THEN \'"title":{"old":\' || COALESCE(to_json(o."title")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."title")::text, \'null\') || \'}\' END,\n                CASE WHEN o."message" IS DISTINCT FROM n."message" THEN \'"message":{"old":\' || COALESCE(to_json(o."message")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."message")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."acknowledged_at" IS DISTINCT FROM n."acknowledged_at" THEN \'"acknowledged_at":{"old":\' || COALESCE(to_json(o."acknowledged_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."acknowledged_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."resolved_at" IS DISTINCT FROM n."resolved_at" THEN \'"resolved_at":{"old":\' || COALESCE(to_json(o."resolved_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."resolved_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="6aa21837b5d24950a7c44678f31d329a952f31c9",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_13760",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'alerts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="6a72da272cba6fbb4c81ec30888f26195549c11a",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_9598b",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertnotification",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'alert_notifications', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="e723a0f7451980093e90ccd91ecfdc02ec45f001",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_b6502",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="alert_notifications",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertnotification",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'alert_notifications\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."alert_id" IS DISTINCT FROM n."alert_id" THEN \'"alert_id":{"old":\' || COALESCE(to_json(o."alert_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."alert_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."channel" IS DISTINCT FROM n."channel" THEN \'"channel":{"old":\' || COALESCE(to_json(o."channel")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."channel")::text, \'null\') || \'}\' END,\n                CASE WHEN o."recipient" IS DISTINCT FROM n."recipient" THEN \'"recipient":{"old":\' || COALESCE(to_json(o."recipient")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."recipient")::text, \'null\') || \'}\' END,\n                CASE WHEN o."sent_at" IS DISTINCT FROM n."sent_at" THEN \'"sent_at":{"old":\' || COALESCE(to_json(o."sent_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."sent_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."response_code" IS DISTINCT FROM n."response_code" THEN \'"response_code":{"old":\' || COALESCE(to_json(o."response_code")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."response_code")::text, \'null\') || \'}\' END,\n                CASE WHEN o."error" IS DISTINCT FROM n."error" THEN \'"error":{"old":\' || COALESCE(to_json(o."error")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."error")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="2f8ecd678adf0000e89164affd94adcf89806bf1",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_6ec8c",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="alert_notifications",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertnotification",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'alert_notifications', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="f63c6e3dd99842760ac46c42c4d6432d14880d31",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_26edd",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="alert_notifications",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertrule",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'alert_rules', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="d0bbd587edaec562369d1ee0bab4446257f58a8c",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_2d961",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="alert_rules",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertrule",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'alert_rules\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."name" IS DISTINCT FROM n."name" THEN \'"name":{"old":\' || COALESCE(to_json(o."name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metric_name" IS DISTINCT FROM n."metric_name" THEN \'"metric_name":{"old":\' || COALESCE(to_json(o."metric_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metric_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."operator" IS DISTINCT FROM n."operator" THEN \'"operator":{"old":\' || COALESCE(to_json(o."operator")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."operator")::text, \'null\') || \'}\' END,\n                CASE WHEN o."threshold" IS DISTINCT FROM n."threshold" THEN \'"threshold":{"old":\' || COALESCE(to_json(o."threshold")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."threshold")::text, \'null\') || \'}\' END,\n                CASE WHEN o."severity" IS DISTINCT FROM n."severity" THEN \'"severity":{"old":\' || COALESCE(to_json(o."severity")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."severity")::text, \'null\') || \'}\' END,\n                CASE WHEN o."channel" IS DISTINCT FROM n."channel" THEN \'"channel":{"old":\' || COALESCE(to_json(o."channel")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."channel")::text, \'null\') || \'}\' END,\n                CASE WHEN o."enabled" IS DISTINCT FROM n."enabled" THEN \'"enabled":{"old":\' || COALESCE(to_json(o."enabled")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."enabled")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="715ca439889a1f15541defdfffff4e77e6eed14e",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_87494",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="alert_rules",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertrule",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'alert_rules', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="b2c3e3c0d169c5efe05f1b49c84a079dfd992774",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_d599d",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="alert_rules",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertsubscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'alert_subscriptions', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="c9fa75b760fa73c908edc7fcf041e5c12ff79299",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_af61e",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="alert_subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertsubscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'alert_subscriptions\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rule_id" IS DISTINCT FROM n."rule_id" THEN \'"rule_id":{"old":\' || COALESCE(to_json(o."rule_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rule_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."channel" IS DISTINCT FROM n."channel" THEN \'"channel":{"old":\' || COALESCE(to_json(o."channel")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."channel")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="af632fd13ccde42c3feff87d9087fb5f9f3b1149",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_b9628",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="alert_subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="alertsubscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'alert_subscriptions', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="5aee0fdc9c80623ab232050ac9a9bd47776fa74b",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_abbfb",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="alert_subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="analyticsevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'analytics_events', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="7f742ffd7857ccf30625c87d7aed7e52903699ff",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_05f0c",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="analytics_events",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="analyticsevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'analytics_events\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."event_type" IS DISTINCT FROM n."event_type" THEN \'"event_type":{"old":\' || COALESCE(to_json(o."event_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."event_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."event_name" IS DISTINCT FROM n."event_name" THEN \'"event_name":{"old":\' || COALESCE(to_json(o."event_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."event_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."properties" IS DISTINCT FROM n."properties" THEN \'"properties":{"old":\' || COALESCE(to_json(o."properties")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."properties")::text, \'null\') || \'}\' END,\n                CASE WHEN o."session_id" IS DISTINCT FROM n."session_id" THEN \'"session_id":{"old":\' || COALESCE(to_json(o."session_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."session_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."page_url" IS DISTINCT FROM n."page_url" THEN \'"page_url":{"old":\' || COALESCE(to_json(o."page_url")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."page_url")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="35f9a9086e9216c33d1a8c3fc801dea3595e74c3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_affb7",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="analytics_events",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="analyticsevent",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'analytics_events', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="6afc0735221da00d6cd98f29f9f5f2b79f113b35",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_48b9b",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="analytics_events",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apicache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'api_cache', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('response', CASE WHEN r.\"response\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="dfddd051dee27a10fd875ec9c4aac22c3b131171",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_ad15c",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="api_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apicache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'api_cache\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."endpoint" IS DISTINCT FROM n."endpoint" THEN \'"endpoint":{"old":\' || COALESCE(to_json(o."endpoint")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."endpoint")::text, \'null\') || \'}\' END,\n                CASE WHEN o."params_hash" IS DISTINCT FROM n."params_hash" THEN \'"params_hash":{"old":\' || COALESCE(to_json(o."params_hash")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."params_hash")::text, \'null\') || \'}\' END,\n                CASE WHEN o."response" IS DISTINCT FROM n."response" THEN \'"response":"changed"\' END,\n                CASE WHEN o."status_code" IS DISTINCT FROM n."status_code" THEN \'"status_code":{"old":\' || COALESCE(to_json(o."status_code")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status_code")::text, \'null\') || \'}\' END,\n                CASE WHEN o."expires_at" IS DISTINCT FROM n."expires_at" THEN \'"expires_at":{"old":\' || COALESCE(to_json(o."expires_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."expires_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="193cb2a6ea77160e1b94cb5e8506ebe62b421ba1",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_6f6d9",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="api_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apicache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'api_cache', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('response', CASE WHEN r.\"response\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="d0fc2a5874124e2021e0bc77373295eff367aa07",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_f8370",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="api_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apiresponsetime",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'api_response_times', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="2bd922c6582930d61e9861859d6c2ae6601af135",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_643ab",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="api_response_times",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apiresponsetime",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'api_response_times\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."endpoint" IS DISTINCT FROM n."endpoint" THEN \'"endpoint":{"old":\' || COALESCE(to_json(o."endpoint")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."endpoint")::text, \'null\') || \'}\' END,\n                CASE WHEN o."method" IS DISTINCT FROM n."method" THEN \'"method":{"old":\' || COALESCE(to_json(o."method")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."method")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status_code" IS DISTINCT FROM n."status_code" THEN \'"status_code":{"old":\' || COALESCE(to_json(o."status_code")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status_code")::text, \'null\') || \'}\' END,\n                CASE WHEN o."response_ms" IS DISTINCT FROM n."response_ms" THEN \'"response_ms":{"old":\' || COALESCE(to_json(o."response_ms")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."response_ms")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."recorded_at" IS DISTINCT FROM n."recorded_at" THEN \'"recorded_at":{"old":\' || COALESCE(to_json(o."recorded_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."recorded_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="89a06a9fa38678089cc8216396f2b89a5f5ed35a",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_8096e",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="api_response_times",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="apiresponsetime",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'api_response_times', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="eacde188903842cc11ead63ace7d3f81f94ea05b",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_38aa7",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="api_response_times",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditlog",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="IF ((TG_OP = 'DELETE' AND current_setting('mingus.audit_retention', true) IN ('purge', 'legacy_rollback')) OR (TG_OP = 'UPDATE' AND current_setting('mingus.audit_retention', true) IN ('pseudonymise'))) AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN\n    RETURN NULL;\nEND IF;\nRAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP\n    USING ERRCODE = 'insufficient_privilege',\n          HINT = 'Audit entries are removed only by the retention functions (see README, Audit trail).';",
                    hash="35f793646cd6377f62b4ca1ed148e52578c0a762",
                    level="STATEMENT",
                    operation="UPDATE OR DELETE OR TRUNCATE",
                    pgid="pgtrigger_append_only_cbc77",
                    table="audit_logs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditlog",
            trigger=pgtrigger.compiler.Trigger(
                name="stamp_row",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    condition="WHEN (NEW.txid IS DISTINCT FROM pg_current_xact_id()::text::bigint OR NEW.db_role IS DISTINCT FROM current_user::text OR NEW.db_login IS DISTINCT FROM session_user::text)",
                    func="RAISE EXCEPTION 'audit_logs: txid, db_role and db_login are set by the database, not by the writer' USING ERRCODE = 'insufficient_privilege';",
                    hash="c4e1b36d173dca00812623761f859717bdbea746",
                    operation="INSERT",
                    pgid="pgtrigger_stamp_row_f332d",
                    table="audit_logs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="biuser",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'bi_users', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="99b5ca781e36da032fdbd9bed7ab9931ef699b81",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_4b374",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="bi_users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="biuser",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'bi_users\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."segment" IS DISTINCT FROM n."segment" THEN \'"segment":{"old":\' || COALESCE(to_json(o."segment")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."segment")::text, \'null\') || \'}\' END,\n                CASE WHEN o."acquisition_channel" IS DISTINCT FROM n."acquisition_channel" THEN \'"acquisition_channel":{"old":\' || COALESCE(to_json(o."acquisition_channel")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."acquisition_channel")::text, \'null\') || \'}\' END,\n                CASE WHEN o."lifetime_value" IS DISTINCT FROM n."lifetime_value" THEN \'"lifetime_value":{"old":\' || COALESCE(to_json(o."lifetime_value")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."lifetime_value")::text, \'null\') || \'}\' END,\n                CASE WHEN o."churn_risk" IS DISTINCT FROM n."churn_risk" THEN \'"churn_risk":{"old":\' || COALESCE(to_json(o."churn_risk")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."churn_risk")::text, \'null\') || \'}\' END,\n                CASE WHEN o."first_seen" IS DISTINCT FROM n."first_seen" THEN \'"first_seen":{"old":\' || COALESCE(to_json(o."first_seen")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."first_seen")::text, \'null\') || \'}\' END,\n                CASE WHEN o."last_seen" IS DISTINCT FROM n."last_seen" THEN \'"last_seen":{"old":\' || COALESCE(to_json(o."last_seen")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."last_seen")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="5df4497eea64284477791f1f2ecd94fec0e52379",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_b302d",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="bi_users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="biuser",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'bi_users', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="59abba504f70c063e4a22654fa93bc0874aaeeb6",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_69634",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="bi_users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cacheentry",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'cache_entries', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('value', CASE WHEN r.\"value\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="d7a09c5135cb545572e4f71ab3f2512ca42fac28",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_487e8",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="cache_entries",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cacheentry",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'cache_entries\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."key" IS DISTINCT FROM n."key" THEN \'"key":{"old":\' || COALESCE(to_json(o."key")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."key")::text, \'null\') || \'}\' END,\n                CASE WHEN o."value" IS DISTINCT FROM n."value" THEN \'"value":"changed"\' END,\n                CASE WHEN o."expires_at" IS DISTINCT FROM n."expires_at" THEN \'"expires_at":{"old":\' || COALESCE(to_json(o."expires_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."expires_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="a62c3a57aac5cf5d71e4c19116c4ade7c53f8eab",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_55d24",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="cache_entries",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cacheentry",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'cache_entries', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('value', CASE WHEN r.\"value\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="50c0a2192cb0e3711cda4c7a400cb851c02e1303",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_76b39",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="cache_entries",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohort",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'cohorts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="a0c6ffd99f5d3d6f62e3f4b769cc6b6a4b296577",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_934ec",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="cohorts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohort",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'cohorts\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."name" IS DISTINCT FROM n."name" THEN \'"name":{"old":\' || COALESCE(to_json(o."name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."definition" IS DISTINCT FROM n."definition" THEN \'"definition":{"old":\' || COALESCE(to_json(o."definition")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."definition")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="36789bff02710e60f9ac40368b64ddbf19f4434a",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_3ea77",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="cohorts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohort",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'cohorts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="5e77376fa97d524b9469739f73989810e4e0ee5c",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_4886a",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="cohorts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohortmembership",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'cohort_memberships', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="368887a13e56855c829b421715d560d7c624b06e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_d7cc1",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="cohort_memberships",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohortmembership",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'cohort_memberships\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."cohort_id" IS DISTINCT FROM n."cohort_id" THEN \'"cohort_id":{"old":\' || COALESCE(to_json(o."cohort_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."cohort_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."joined_at" IS DISTINCT FROM n."joined_at" THEN \'"joined_at":{"old":\' || COALESCE(to_json(o."joined_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."joined_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="aac48023dfd640299d433a5a474454b075a388f1",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_ffb03",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="cohort_memberships",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cohortmembership",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'cohort_memberships', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="f6ddb50feff0d3d9c21de253b1613a09695a5ca0",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_cba77",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="cohort_memberships",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dbquerystat",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'db_query_stats', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9e334be372b9ab0a53785c83667fc721927fbb3c",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_f48a9",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="db_query_stats",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dbquerystat",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'db_query_stats\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."query_fingerprint" IS DISTINCT FROM n."query_fingerprint" THEN \'"query_fingerprint":{"old":\' || COALESCE(to_json(o."query_fingerprint")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."query_fingerprint")::text, \'null\') || \'}\' END,\n                CASE WHEN o."calls" IS DISTINCT FROM n."calls" THEN \'"calls":{"old":\' || COALESCE(to_json(o."calls")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."calls")::text, \'null\') || \'}\' END,\n                CASE WHEN o."total_ms" IS DISTINCT FROM n."total_ms" THEN \'"total_ms":{"old":\' || COALESCE(to_json(o."total_ms")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."total_ms")::text, \'null\') || \'}\' END,\n                CASE WHEN o."mean_ms" IS DISTINCT FROM n."mean_ms" THEN \'"mean_ms":{"old":\' || COALESCE(to_json(o."mean_ms")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."mean_ms")::text, \'null\') || \'}\' END,\n                CASE WHEN o."max_ms" IS DISTINCT FROM n."max_ms" THEN \'"max_ms":{"old":\' || COALESCE(to_json(o."max_ms")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."max_ms")::text, \'null\') || \'}\' END,\n                CASE WHEN o."recorded_at" IS DISTINCT FROM n."recorded_at" THEN \'"recorded_at":{"old":\' || COALESCE(to_json(o."recorded_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."recorded_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="2e1d052403897f7c8f673da8fb16974bee886ea4",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_def99",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="db_query_stats",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dbquerystat",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'db_query_stats', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="5da9f752cc109f770dc8790e984fed05b856b5b3",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_a5535",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="db_query_stats",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="errorlog",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'error_logs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="97926a2d7079a025c270a72831ec8b5fe1dea030",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_29989",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="error_logs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="errorlog",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'error_logs\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."level" IS DISTINCT FROM n."level" THEN \'"level":{"old":\' || COALESCE(to_json(o."level")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."level")::text, \'null\') || \'}\' END,\n                CASE WHEN o."logger" IS DISTINCT FROM n."logger" THEN \'"logger":{"old":\' || COALESCE(to_json(o."logger")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."logger")::text, \'null\') || \'}\' END,\n                CASE WHEN o."message" IS DISTINCT FROM n."message" THEN \'"message":{"old":\' || COALESCE(to_json(o."message")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."message")::text, \'null\') || \'}\' END,\n                CASE WHEN o."traceback" IS DISTINCT FROM n."traceback" THEN \'"traceback":{"old":\' || COALESCE(to_json(o."traceback")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."traceback")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="06a793ed1a4eb3e9878706c0ea0afa28848b0b3d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_3798e",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="error_logs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="errorlog",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'error_logs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="bf812a9744395f99723dfa9268c9aae3d8dae349",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_e8a39",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="error_logs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importchunk",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'ops_import_chunks', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="af512a32d5862385c1d3e485045312552a6fdca5",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_13375",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="ops_import_chunks",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importchunk",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'ops_import_chunks\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."run_id" IS DISTINCT FROM n."run_id" THEN \'"run_id":{"old":\' || COALESCE(to_json(o."run_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."run_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_file" IS DISTINCT FROM n."source_file" THEN \'"source_file":{"old":\' || COALESCE(to_json(o."source_file")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_file")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_table" IS DISTINCT FROM n."source_table" THEN \'"source_table":{"old":\' || COALESCE(to_json(o."source_table")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_table")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_table" IS DISTINCT FROM n."target_table" THEN \'"target_table":{"old":\' || COALESCE(to_json(o."target_table")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_table")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rowid_from" IS DISTINCT FROM n."rowid_from" THEN \'"rowid_from":{"old":\' || COALESCE(to_json(o."rowid_from")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rowid_from")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rowid_to" IS DISTINCT FROM n."rowid_to" THEN \'"rowid_to":{"old":\' || COALESCE(to_json(o."rowid_to")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rowid_to")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rows_read" IS DISTINCT FROM n."rows_read" THEN \'"rows_read":{"old":\' || COALESCE(to_json(o."rows_read")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rows_read")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rows_inserted" IS DISTINCT FROM n."rows_inserted" THEN \'"rows_inserted":{"old":\' || COALESCE(to_json(o."rows_inserted")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rows_inserted")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rows_present" IS DISTINCT FROM n."rows_present" THEN \'"rows_present":{"old":\' || COALESCE(to_json(o."rows_present")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rows_present")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rows_quarantined" IS DISTINCT FROM n."rows_quarantined" THEN \'"rows_quarantined":{"old":\' || COALESCE(to_json(o."rows_quarantined")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rows_quarantined")::text, \'null\') || \'}\' END,\n                CASE WHEN o."rows_skipped" IS DISTINCT FROM n."rows_skipped" THEN \'"rows_skipped":{"old":\' || COALESCE(to_json(o."rows_skipped")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."rows_skipped")::text, \'null\') || \'}\' END,\n                CASE WHEN o."inserted_rowids" IS DISTINCT FROM n."inserted_rowids" THEN \'"inserted_rowids":{"old":\' || COALESCE(to_json(o."inserted_rowids")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."inserted_rowids")::text, \'null\') || \'}\' END,\n                CASE WHEN o."notes" IS DISTINCT FROM n."notes" THEN \'"notes":{"old":\' || COALESCE(to_json(o."notes")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."notes")::text, \'null\') || \'}\' END,\n                CASE WHEN o."seconds" IS DISTINCT FROM n."seconds" THEN \'"seconds":{"old":\' || COALESCE(to_json(o."seconds")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."seconds")::text, \'null\') || \'}\' END,\n                CASE WHEN o."finished_at" IS DISTINCT FROM n."finished_at" THEN \'"finished_at":{"old":\' || COALESCE(to_json(o."finished_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."finished_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="09b328c0b23b6ce4861804e140bfe526d4b5693f",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_c5e05",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="ops_import_chunks",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importchunk",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'ops_import_chunks', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="c2d04a09e24ff18feef7a5a7f41913f2c4fa01d9",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_9a50b",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="ops_import_chunks",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'ops_import_runs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="ea036db568d3d41be419804fc9d4801f01bc3425",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_fce2f",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="ops_import_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'ops_import_runs\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_dir" IS DISTINCT FROM n."source_dir" THEN \'"source_dir":{"old":\' || COALESCE(to_json(o."source_dir")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_dir")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_checksums" IS DISTINCT FROM n."source_checksums" THEN \'"source_checksums":{"old":\' || COALESCE(to_json(o."source_checksums")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_checksums")::text, \'null\') || \'}\' END,\n                CASE WHEN o."backup_path" IS DISTINCT FROM n."backup_path" THEN \'"backup_path":{"old":\' || COALESCE(to_json(o."backup_path")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."backup_path")::text, \'null\') || \'}\' END,\n                CASE WHEN o."options" IS DISTINCT FROM n."options" THEN \'"options":{"old":\' || COALESCE(to_json(o."options")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."options")::text, \'null\') || \'}\' END,\n                CASE WHEN o."started_by" IS DISTINCT FROM n."started_by" THEN \'"started_by":{"old":\' || COALESCE(to_json(o."started_by")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."started_by")::text, \'null\') || \'}\' END,\n                CASE WHEN o."started_at" IS DISTINCT FROM n."started_at" THEN \'"started_at":{"old":\' || COALESCE(to_json(o."started_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."started_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."finished_at" IS DISTINCT FROM n."finished_at" THEN \'"finished_at":{"old":\' || COALESCE(to_json(o."finished_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."finished_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."timings" IS DISTINCT FROM n."timings" THEN \'"timings":{"old":\' || COALESCE(to_json(o."timings")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."timings")::text, \'null\') || \'}\' END,\n                CASE WHEN o."report" IS DISTINCT FROM n."report" THEN \'"report":{"old":\' || COALESCE(to_json(o."report")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."report")::text, \'null\') || \'}\' END,\n                CASE WHEN o."error" IS DISTINCT FROM n."error" THEN \'"error":{"old":\' || COALESCE(to_json(o."error")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."error")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="175135898d837013cebe0ba44b1fc6bb4c41307a",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_762c0",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="ops_import_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'ops_import_runs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="885bcf9d13ee8641977e512b912323a533970667",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_48824",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="ops_import_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidaily",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'kpi_daily', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="7149ef831dff1bc1325c6b6aa525bc7932cf3232",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_889be",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="kpi_daily",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidaily",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'kpi_daily\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."date" IS DISTINCT FROM n."date" THEN \'"date":{"old":\' || COALESCE(to_json(o."date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metric" IS DISTINCT FROM n."metric" THEN \'"metric":{"old":\' || COALESCE(to_json(o."metric")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metric")::text, \'null\') || \'}\' END,\n                CASE WHEN o."value" IS DISTINCT FROM n."value" THEN \'"value":{"old":\' || COALESCE(to_json(o."value")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."value")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="1ac230e16791cc4c7cb3125b361479f570f715e7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_4c085",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="kpi_daily",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="kpidaily",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'kpi_daily', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="06ae5a84aed0ab1c0000da01fbd05a9f08f5fe4f",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_bc19d",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="kpi_daily",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="legacyextra",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'ops_legacy_extras', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('data', CASE WHEN r.\"data\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="719a43247486a21003e10e422955e1daa808e837",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_001f9",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="ops_legacy_extras",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="legacyextra",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'ops_legacy_extras\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."run_id" IS DISTINCT FROM n."run_id" THEN \'"run_id":{"old":\' || COALESCE(to_json(o."run_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."run_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_file" IS DISTINCT FROM n."source_file" THEN \'"source_file":{"old":\' || COALESCE(to_json(o."source_file")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_file")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_table" IS DISTINCT FROM n."source_table" THEN \'"source_table":{"old":\' || COALESCE(to_json(o."source_table")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_table")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_rowid" IS DISTINCT FROM n."source_rowid" THEN \'"source_rowid":{"old":\' || COALESCE(to_json(o."source_rowid")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_rowid")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_table" IS DISTINCT FROM n."target_table" THEN \'"target_table":{"old":\' || COALESCE(to_json(o."target_table")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_table")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_id" IS DISTINCT FROM n."target_id" THEN \'"target_id":{"old":\' || COALESCE(to_json(o."target_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."data" IS DISTINCT FROM n."data" THEN \'"data":"changed"\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="337856edfc0894d1ad427bc0da732ec9243937f9",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_d40d4",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="ops_legacy_extras",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="legacyextra",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'ops_legacy_extras', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('data', CASE WHEN r.\"data\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="3a629d37c2265fc49c616d0521ed3ea05e4b4e0d",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_2675b",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="ops_legacy_extras",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="perfalert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'perf_alerts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="5206c78bd65d9320dfb7b40f72cbf7c36d4d2da3",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_32373",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="perf_alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="perfalert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'perf_alerts\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metric_name" IS DISTINCT FROM n."metric_name" THEN \'"metric_name":{"old":\' || COALESCE(to_json(o."metric_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metric_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."threshold" IS DISTINCT FROM n."threshold" THEN \'"threshold":{"old":\' || COALESCE(to_json(o."threshold")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."threshold")::text, \'null\') || \'}\' END,\n                CASE WHEN o."observed" IS DISTINCT FROM n."observed" THEN \'"observed":{"old":\' || COALESCE(to_json(o."observed")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."observed")::text, \'null\') || \'}\' END,\n                CASE WHEN o."severity" IS DISTINCT FROM n."severity" THEN \'"severity":{"old":\' || COALESCE(to_json(o."severity")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."severity")::text, \'null\') || \'}\' END,\n                CASE WHEN o."triggered_at" IS DISTINCT FROM n."triggered_at" THEN \'"triggered_at":{"old":\' || COALESCE(to_json(o."triggered_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."triggered_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."resolved_at" IS DISTINCT FROM n."resolved_at" THEN \'"resolved_at":{"old":\' || COALESCE(to_json(o."resolved_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."resolved_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="b55aeaba124d85cb1cae55e1273879e0038ecbe6",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_4bed5",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="perf_alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="perfalert",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'perf_alerts', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="88d3e8d50245b8f6fbad0e4a029771478caba1d6",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_40b42",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="perf_alerts",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="performancemetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'performance_metrics', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="565522768df9853711e360b0ae3023be92c5b7b5",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_3d555",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="performance_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="performancemetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'performance_metrics\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metric_name" IS DISTINCT FROM n."metric_name" THEN \'"metric_name":{"old":\' || COALESCE(to_json(o."metric_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metric_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metric_value" IS DISTINCT FROM n."metric_value" THEN \'"metric_value":{"old":\' || COALESCE(to_json(o."metric_value")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metric_value")::text, \'null\') || \'}\' END,\n                CASE WHEN o."unit" IS DISTINCT FROM n."unit" THEN \'"unit":{"old":\' || COALESCE(to_json(o."unit")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."unit")::text, \'null\') || \'}\' END,\n                CASE WHEN o."tags" IS DISTINCT FROM n."tags" THEN \'"tags":{"old":\' || COALESCE(to_json(o."tags")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."tags")::text, \'null\') || \'}\' END,\n                CASE WHEN o."recorded_at" IS DISTINCT FROM n."recorded_at" THEN \'"recorded_at":{"old":\' || COALESCE(to_json(o."recorded_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."recorded_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="21a2b28dcc91adff6e52d663f75ffca1a6d6a227",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_2210c",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="performance_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="performancemetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'performance_metrics', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="424a42d7fe0139eee54874b9280404bce51effd3",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_959a6",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="performance_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarantinedrow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'ops_quarantined_rows', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('original', CASE WHEN r.\"original\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="56f538ca1b232e5904ad020d0f0c32f9a0625ec8",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_58235",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="ops_quarantined_rows",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarantinedrow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'ops_quarantined_rows\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."run_id" IS DISTINCT FROM n."run_id" THEN \'"run_id":{"old":\' || COALESCE(to_json(o."run_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."run_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_file" IS DISTINCT FROM n."source_file" THEN \'"source_file":{"old":\' || COALESCE(to_json(o."source_file")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_file")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_table" IS DISTINCT FROM n."source_table" THEN \'"source_table":{"old":\' || COALESCE(to_json(o."source_table")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_table")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source_rowid" IS DISTINCT FROM n."source_rowid" THEN \'"source_rowid":{"old":\' || COALESCE(to_json(o."source_rowid")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source_rowid")::text, \'null\') || \'}\' END,\n                CASE WHEN o."original" IS DISTINCT FROM n."original" THEN \'"original":"changed"\' END,\n                CASE WHEN o."reason_code" IS DISTINCT FROM n."reason_code" THEN \'"reason_code":{"old":\' || COALESCE(to_json(o."reason_code")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."reason_code")::text, \'null\') || \'}\' END,\n                CASE WHEN o."reason" IS DISTINCT FROM n."reason" THEN \'"reason":{"old":\' || COALESCE(to_json(o."reason")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."reason")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."resolved_at" IS DISTINCT FROM n."resolved_at" THEN \'"resolved_at":{"old":\' || COALESCE(to_json(o."resolved_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."resolved_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."resolution_note" IS DISTINCT FROM n."resolution_note" THEN \'"resolution_note":{"old":\' || COALESCE(to_json(o."resolution_note")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."resolution_note")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="843235323bd7680775ce4df07af7ee3838128ae8",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_27a91",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="ops_quarantined_rows",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="quarantinedrow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'ops_quarantined_rows', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('original', CASE WHEN r.\"original\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="f71a9bfcf39104f954257a088fa5a0606b5dd7c0",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_557b3",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="ops_quarantined_rows",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="querycache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'query_cache', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('result', CASE WHEN r.\"result\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="688bd6b65dd6b8715e3e55ce73a2b5802058c617",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_21577",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="query_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="querycache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'query_cache\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."query_hash" IS DISTINCT FROM n."query_hash" THEN \'"query_hash":{"old":\' || COALESCE(to_json(o."query_hash")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."query_hash")::text, \'null\') || \'}\' END,\n                CASE WHEN o."result" IS DISTINCT FROM n."result" THEN \'"result":"changed"\' END,\n                CASE WHEN o."hit_count" IS DISTINCT FROM n."hit_count" THEN \'"hit_count":{"old":\' || COALESCE(to_json(o."hit_count")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."hit_count")::text, \'null\') || \'}\' END,\n                CASE WHEN o."expires_at" IS DISTINCT FROM n."expires_at" THEN \'"expires_at":{"old":\' || COALESCE(to_json(o."expires_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."expires_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="7bb865d29e41f22e49f4468c22d4a9e925bdc586",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_1e993",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="query_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="querycache",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'query_cache', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('result', CASE WHEN r.\"result\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="3981926207240246ccfc91a68f54ff949d954e5a",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_09768",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="query_cache",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="report",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'reports', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9a2f199e2b6127086bff145733c5b6eee583657a",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_852a6",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="reports",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="report",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'reports\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."name" IS DISTINCT FROM n."name" THEN \'"name":{"old":\' || COALESCE(to_json(o."name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."description" IS DISTINCT FROM n."description" THEN \'"description":{"old":\' || COALESCE(to_json(o."description")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."description")::text, \'null\') || \'}\' END,\n                CASE WHEN o."query" IS DISTINCT FROM n."query" THEN \'"query":{"old":\' || COALESCE(to_json(o."query")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."query")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_by_id" IS DISTINCT FROM n."created_by_id" THEN \'"created_by_id":{"old":\' || COALESCE(to_json(o."created_by_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_by_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="76cc713c1f6586163ccf44cfa95668f36a307e4e",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_53f02",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="reports",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="report",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'reports', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="c8da5629dedcfbe6d4cb88f7ed3c46c7114a404a",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_ddaba",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="reports",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="reportrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'report_runs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="457d990f19a7b9045808148add5ffd7d71493f5d",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_e6029",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="report_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="reportrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'report_runs\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."report_id" IS DISTINCT FROM n."report_id" THEN \'"report_id":{"old":\' || COALESCE(to_json(o."report_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."report_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."started_at" IS DISTINCT FROM n."started_at" THEN \'"started_at":{"old":\' || COALESCE(to_json(o."started_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."started_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."finished_at" IS DISTINCT FROM n."finished_at" THEN \'"finished_at":{"old":\' || COALESCE(to_json(o."finished_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."finished_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."row_count" IS DISTINCT FROM n."row_count" THEN \'"row_count":{"old":\' || COALESCE(to_json(o."row_count")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."row_count")::text, \'null\') || \'}\' END,\n                CASE WHEN o."result" IS DISTINCT FROM n."result" THEN \'"result":{"old":\' || COALESCE(to_json(o."result")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."result")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="99b6723acd83d621913cb40b5add9dfc65941fb8",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_a231d",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="report_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="reportrun",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'report_runs', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="95fab93f4678c4a5f29eb35651b5fb3590c5292f",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_d44b3",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="report_runs",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemmetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'system_metrics', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="0f447a9fae14e29a4436f64baaecc050cc84041c",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_b6bfd",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="system_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemmetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'system_metrics\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."host" IS DISTINCT FROM n."host" THEN \'"host":{"old":\' || COALESCE(to_json(o."host")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."host")::text, \'null\') || \'}\' END,\n                CASE WHEN o."cpu_percent" IS DISTINCT FROM n."cpu_percent" THEN \'"cpu_percent":{"old":\' || COALESCE(to_json(o."cpu_percent")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."cpu_percent")::text, \'null\') || \'}\' END,\n                CASE WHEN o."memory_percent" IS DISTINCT FROM n."memory_percent" THEN \'"memory_percent":{"old":\' || COALESCE(to_json(o."memory_percent")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."memory_percent")::text, \'null\') || \'}\' END,\n                CASE WHEN o."disk_percent" IS DISTINCT FROM n."disk_percent" THEN \'"disk_percent":{"old":\' || COALESCE(to_json(o."disk_percent")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."disk_percent")::text, \'null\') || \'}\' END,\n                CASE WHEN o."recorded_at" IS DISTINCT FROM n."recorded_at" THEN \'"recorded_at":{"old":\' || COALESCE(to_json(o."recorded_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."recorded_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="f7dca3757a6e41cba13e25321d3d3f3613ca080d",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_bc23b",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="system_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemmetric",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'system_metrics', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="353f058d4c657255753a0f32b43a72e5473196e1",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_9fedc",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="system_metrics",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemsetting",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'system_settings', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="14a833e892432c62546fb237d2b1f13a95f1a97c",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_b4f96",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="system_settings",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemsetting",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'system_settings\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."key" IS DISTINCT FROM n."key" THEN \'"key":{"old":\' || COALESCE(to_json(o."key")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."key")::text, \'null\') || \'}\' END,\n                CASE WHEN o."value" IS DISTINCT FROM n."value" THEN \'"value":{"old":\' || COALESCE(to_json(o."value")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."value")::text, \'null\') || \'}\' END,\n                CASE WHEN o."value_type" IS DISTINCT FROM n."value_type" THEN \'"value_type":{"old":\' || COALESCE(to_json(o."value_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."value_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."description" IS DISTINCT FROM n."description" THEN \'"description":{"old":\' || COALESCE(to_json(o."description")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."description")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="0641ae95d7a43486abbf1b145ac4dc0949459233",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_8d6a2",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="system_settings",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="systemsetting",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'system_settings', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="6e426fe980c19bb8191cc535277fea14b13038b0",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_5e2f4",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="system_settings",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="auditseal",
            constraint=models.CheckConstraint(
                condition=models.Q(("txid_to__gt", models.F("txid_from"))), name="audit_seals_range"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditseal",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="IF (false) AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN\n    RETURN NULL;\nEND IF;\nRAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP\n    USING ERRCODE = 'insufficient_privilege',\n          HINT = 'Audit entries are removed only by the retention functions (see README, Audit trail).';",
                    hash="4ac3d4c83906dac46fca35579947e71c2ce028ef",
                    level="STATEMENT",
                    operation="UPDATE OR DELETE OR TRUNCATE",
                    pgid="pgtrigger_append_only_cf891",
                    table="audit_seals",
                    when="BEFORE",
                ),
            ),
        ),
    ]
