"""ops_import_deferred_indexes: the plain secondary indexes an import dropped to load empty tables.

A row exists exactly while its index is missing (see ops/legacy/deferred_indexes.py).
Audited like every other table. No data to move: the reverse drops the empty table.
"""

import django.db.models.deletion
import django.utils.timezone
import mingus.db
import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0005_audit_ids_sub_millisecond"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeferredIndex",
            fields=[
                ("id", models.UUIDField(default=mingus.db.uuid7, editable=False, primary_key=True, serialize=False)),
                ("table_name", models.CharField(max_length=100)),
                ("index_name", models.CharField(max_length=100, unique=True)),
                ("definition", models.TextField(help_text="pg_get_indexdef() of the index: what builds it again.")),
                ("dropped_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="deferred_indexes", to="ops.importrun"
                    ),
                ),
            ],
            options={
                "db_table": "ops_import_deferred_indexes",
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="deferredindex",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'ops_import_deferred_indexes', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="15055fea3ad6a50db422ab93db52968015aeefcd",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_438fa",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="ops_import_deferred_indexes",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="deferredindex",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'ops_import_deferred_indexes\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."run_id" IS DISTINCT FROM n."run_id" THEN \'"run_id":{"old":\' || COALESCE(to_json(o."run_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."run_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."table_name" IS DISTINCT FROM n."table_name" THEN \'"table_name":{"old":\' || COALESCE(to_json(o."table_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."table_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."index_name" IS DISTINCT FROM n."index_name" THEN \'"index_name":{"old":\' || COALESCE(to_json(o."index_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."index_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."definition" IS DISTINCT FROM n."definition" THEN \'"definition":{"old":\' || COALESCE(to_json(o."definition")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."definition")::text, \'null\') || \'}\' END,\n                CASE WHEN o."dropped_at" IS DISTINCT FROM n."dropped_at" THEN \'"dropped_at":{"old":\' || COALESCE(to_json(o."dropped_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."dropped_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="a3baf066fc3d5eb862ee6f50572ccf069c266ccb",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_5ffc6",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="ops_import_deferred_indexes",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="deferredindex",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'ops_import_deferred_indexes', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="b3b93645be4fdf34b85b117248390962178b2495",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_4450c",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="ops_import_deferred_indexes",
                    when="AFTER",
                ),
            ),
        ),
    ]
