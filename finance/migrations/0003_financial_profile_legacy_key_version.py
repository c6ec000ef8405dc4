"""key_version of legacy encrypted_financial_profiles kept on the row (the audit trigger lists the new column)."""

import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0002_audit_triggers"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="encryptedfinancialprofile",
            name="audit_update",
        ),
        migrations.AddField(
            model_name="encryptedfinancialprofile",
            name="legacy_key_version",
            field=models.BigIntegerField(
                blank=True,
                editable=False,
                help_text="The legacy row's key_version: which LEGACY_FERNET_KEYS key had encrypted it (1 oldest) before the import. Empty for profiles created since.",
                null=True,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="encryptedfinancialprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'encrypted_financial_profiles\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."encrypted_data" IS DISTINCT FROM n."encrypted_data" THEN \'"encrypted_data":"changed"\' END,\n                CASE WHEN o."legacy_key_version" IS DISTINCT FROM n."legacy_key_version" THEN \'"legacy_key_version":{"old":\' || COALESCE(to_json(o."legacy_key_version")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."legacy_key_version")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="0cc37d7edccf24d839371a2703532472d2d53e17",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_3ffe8",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="encrypted_financial_profiles",
                    when="AFTER",
                ),
            ),
        ),
    ]
