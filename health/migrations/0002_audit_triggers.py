"""Audit triggers on this app's tables (definitions: ops/audit_triggers.py)."""

import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_audit_trail"),
        ("health", "0001_initial"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="healthcorrelation",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'health_correlations', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="93d24908352908a5bbc6d826ea49a26b6974eaa1",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_8d3b4",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="health_correlations",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="healthcorrelation",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'health_correlations\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."health_metric" IS DISTINCT FROM n."health_metric" THEN \'"health_metric":{"old":\' || COALESCE(to_json(o."health_metric")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."health_metric")::text, \'null\') || \'}\' END,\n                CASE WHEN o."spending_category" IS DISTINCT FROM n."spending_category" THEN \'"spending_category":{"old":\' || COALESCE(to_json(o."spending_category")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."spending_category")::text, \'null\') || \'}\' END,\n                CASE WHEN o."correlation_coefficient" IS DISTINCT FROM n."correlation_coefficient" THEN \'"correlation_coefficient":{"old":\' || COALESCE(to_json(o."correlation_coefficient")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."correlation_coefficient")::text, \'null\') || \'}\' END,\n                CASE WHEN o."p_value" IS DISTINCT FROM n."p_value" THEN \'"p_value":{"old":\' || COALESCE(to_json(o."p_value")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."p_value")::text, \'null\') || \'}\' END,\n                CASE WHEN o."sample_size" IS DISTINCT FROM n."sample_size" THEN \'"sample_size":{"old":\' || COALESCE(to_json(o."sample_size")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."sample_size")::text, \'null\') || \'}\' END,\n                CASE WHEN o."period_start" IS DISTINCT FROM n."period_start" THEN \'"period_start":{"old":\' || COALESCE(to_json(o."period_start")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."period_start")::text, \'null\') || \'}\' END,\n                CASE WHEN o."period_end" IS DISTINCT FROM n."period_end" THEN \'"period_end":{"old":\' || COALESCE(to_json(o."period_end")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."period_end")::text, \'null\') || \'}\' END,\n                CASE WHEN o."computed_at" IS DISTINCT FROM n."computed_at" THEN \'"computed_at":{"old":\' || COALESCE(to_json(o."computed_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."computed_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="ca76f39c91d0c5169b22c859ee75d7d32c694ab3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_32a89",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="health_correlations",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="healthcorrelation",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'health_correlations', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="a6e9abf0e4acbd4a7b362ea2ccf4298e9242f184",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_74bac",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="health_correlations",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userhealthcheckin",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'user_health_checkins', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="faeb4d49dece0295a04fefbec4d98aefa2f86589",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_54bff",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="user_health_checkins",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userhealthcheckin",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'user_health_checkins\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."checkin_date" IS DISTINCT FROM n."checkin_date" THEN \'"checkin_date":{"old":\' || COALESCE(to_json(o."checkin_date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."checkin_date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."sleep_hours" IS DISTINCT FROM n."sleep_hours" THEN \'"sleep_hours":{"old":\' || COALESCE(to_json(o."sleep_hours")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."sleep_hours")::text, \'null\') || \'}\' END,\n                CASE WHEN o."physical_activity_minutes" IS DISTINCT FROM n."physical_activity_minutes" THEN \'"physical_activity_minutes":{"old":\' || COALESCE(to_json(o."physical_activity_minutes")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."physical_activity_minutes")::text, \'null\') || \'}\' END,\n                CASE WHEN o."stress_level" IS DISTINCT FROM n."stress_level" THEN \'"stress_level":{"old":\' || COALESCE(to_json(o."stress_level")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."stress_level")::text, \'null\') || \'}\' END,\n                CASE WHEN o."mood_rating" IS DISTINCT FROM n."mood_rating" THEN \'"mood_rating":{"old":\' || COALESCE(to_json(o."mood_rating")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."mood_rating")::text, \'null\') || \'}\' END,\n                CASE WHEN o."relationships_rating" IS DISTINCT FROM n."relationships_rating" THEN \'"relationships_rating":{"old":\' || COALESCE(to_json(o."relationships_rating")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."relationships_rating")::text, \'null\') || \'}\' END,\n                CASE WHEN o."mindfulness_minutes" IS DISTINCT FROM n."mindfulness_minutes" THEN \'"mindfulness_minutes":{"old":\' || COALESCE(to_json(o."mindfulness_minutes")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."mindfulness_minutes")::text, \'null\') || \'}\' END,\n                CASE WHEN o."notes" IS DISTINCT FROM n."notes" THEN \'"notes":{"old":\' || COALESCE(to_json(o."notes")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."notes")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="e6dad9e8eda88611352ad24afaae84c22bd47fd7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_67001",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="user_health_checkins",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userhealthcheckin",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'user_health_checkins', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="1483b74b9b9d78e0fb74151b74af16c4f68dbb5d",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_7a1cd",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="user_health_checkins",
                    when="AFTER",
                ),
            ),
        ),
    ]
