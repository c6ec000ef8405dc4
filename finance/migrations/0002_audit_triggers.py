"""Audit triggers on this app's tables (definitions: ops/audit_triggers.py)."""

import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_audit_trail"),
        ("finance", "0001_initial"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="dailycashflow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'daily_cashflow', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="1f709d9bb240c7ea713be96c427dd9248d1b8af1",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_53f0a",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="daily_cashflow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dailycashflow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'daily_cashflow\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."date" IS DISTINCT FROM n."date" THEN \'"date":{"old":\' || COALESCE(to_json(o."date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."opening_balance" IS DISTINCT FROM n."opening_balance" THEN \'"opening_balance":{"old":\' || COALESCE(to_json(o."opening_balance")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."opening_balance")::text, \'null\') || \'}\' END,\n                CASE WHEN o."income" IS DISTINCT FROM n."income" THEN \'"income":{"old":\' || COALESCE(to_json(o."income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."expenses" IS DISTINCT FROM n."expenses" THEN \'"expenses":{"old":\' || COALESCE(to_json(o."expenses")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."expenses")::text, \'null\') || \'}\' END,\n                CASE WHEN o."closing_balance" IS DISTINCT FROM n."closing_balance" THEN \'"closing_balance":{"old":\' || COALESCE(to_json(o."closing_balance")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."closing_balance")::text, \'null\') || \'}\' END,\n                CASE WHEN o."balance_status" IS DISTINCT FROM n."balance_status" THEN \'"balance_status":{"old":\' || COALESCE(to_json(o."balance_status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."balance_status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="29f4e9783a18c4dd293210e895d052d21db3026f",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_4d5c7",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="daily_cashflow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="dailycashflow",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'daily_cashflow', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9e8abd3141ff472c34a9c5674025e864c849c050",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_59a4c",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="daily_cashflow",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="encryptedfinancialprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'encrypted_financial_profiles', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('encrypted_data', CASE WHEN r.\"encrypted_data\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="1325242a061fa6e2df489b1be927e29426048d30",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_0f272",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="encrypted_financial_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="encryptedfinancialprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'encrypted_financial_profiles\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."encrypted_data" IS DISTINCT FROM n."encrypted_data" THEN \'"encrypted_data":"changed"\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="513a20b3a2645cdf156279fae36e3c5f27294d53",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_3ffe8",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="encrypted_financial_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="encryptedfinancialprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'encrypted_financial_profiles', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('encrypted_data', CASE WHEN r.\"encrypted_data\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="ec753faa05764084b6db90df22cd19a3182a8b20",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_fdfac",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="encrypted_financial_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importantdate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'important_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="2491d872be52d41447e64fb82f73a5e007af1688",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_7efe4",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="important_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importantdate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'important_dates\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."event_type" IS DISTINCT FROM n."event_type" THEN \'"event_type":{"old":\' || COALESCE(to_json(o."event_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."event_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."event_date" IS DISTINCT FROM n."event_date" THEN \'"event_date":{"old":\' || COALESCE(to_json(o."event_date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."event_date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."title" IS DISTINCT FROM n."title" THEN \'"title":{"old":\' || COALESCE(to_json(o."title")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."title")::text, \'null\') || \'}\' END,\n                CASE WHEN o."amount" IS DISTINCT FROM n."amount" THEN \'"amount":{"old":\' || COALESCE(to_json(o."amount")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."amount")::text, \'null\') || \'}\' END,\n                CASE WHEN o."reminder_days" IS DISTINCT FROM n."reminder_days" THEN \'"reminder_days":{"old":\' || COALESCE(to_json(o."reminder_days")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."reminder_days")::text, \'null\') || \'}\' END,\n                CASE WHEN o."notes" IS DISTINCT FROM n."notes" THEN \'"notes":{"old":\' || COALESCE(to_json(o."notes")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."notes")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="2a38a9c90d04adc675f3ca7f7b9afc2fcaa16ec6",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_4b401",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="important_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="importantdate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'important_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="4b3c55f31404007b3110d437aad53805fa2e75de",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_91c7f",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="important_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="subscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'subscriptions', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="3d637e0c05b3064281408230b496d144ff7454d1",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_d5c66",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="subscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'subscriptions\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."tier" IS DISTINCT FROM n."tier" THEN \'"tier":{"old":\' || COALESCE(to_json(o."tier")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."tier")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."price" IS DISTINCT FROM n."price" THEN \'"price":{"old":\' || COALESCE(to_json(o."price")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."price")::text, \'null\') || \'}\' END,\n                CASE WHEN o."billing_cycle" IS DISTINCT FROM n."billing_cycle" THEN \'"billing_cycle":{"old":\' || COALESCE(to_json(o."billing_cycle")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."billing_cycle")::text, \'null\') || \'}\' END,\n                CASE WHEN o."stripe_customer_id" IS DISTINCT FROM n."stripe_customer_id" THEN \'"stripe_customer_id":{"old":\' || COALESCE(to_json(o."stripe_customer_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."stripe_customer_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."stripe_subscription_id" IS DISTINCT FROM n."stripe_subscription_id" THEN \'"stripe_subscription_id":{"old":\' || COALESCE(to_json(o."stripe_subscription_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."stripe_subscription_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."current_period_start" IS DISTINCT FROM n."current_period_start" THEN \'"current_period_start":{"old":\' || COALESCE(to_json(o."current_period_start")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."current_period_start")::text, \'null\') || \'}\' END,\n                CASE WHEN o."current_period_end" IS DISTINCT FROM n."current_period_end" THEN \'"current_period_end":{"old":\' || COALESCE(to_json(o."current_period_end")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."current_period_end")::text, \'null\') || \'}\' END,\n                CASE WHEN o."cancel_at_period_end" IS DISTINCT FROM n."cancel_at_period_end" THEN \'"cancel_at_period_end":{"old":\' || COALESCE(to_json(o."cancel_at_period_end")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."cancel_at_period_end")::text, \'null\') || \'}\' END,\n                CASE WHEN o."billing_info" IS DISTINCT FROM n."billing_info" THEN \'"billing_info":{"old":\' || COALESCE(to_json(o."billing_info")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."billing_info")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="2a1af021b809692254923492424623286776b74a",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_dea5d",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="subscription",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'subscriptions', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9a03017c6379889d8a9b5f9c55f9be6cae61108a",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_5a0f1",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="subscriptions",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userexpenseduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'user_expense_due_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9a7f32bf191fe52f66934a7de29dfc59f97db10e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_46a44",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="user_expense_due_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userexpenseduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'user_expense_due_dates\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."expense_type" IS DISTINCT FROM n."expense_type" THEN \'"expense_type":{"old":\' || COALESCE(to_json(o."expense_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."expense_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."category" IS DISTINCT FROM n."category" THEN \'"category":{"old":\' || COALESCE(to_json(o."category")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."category")::text, \'null\') || \'}\' END,\n                CASE WHEN o."amount" IS DISTINCT FROM n."amount" THEN \'"amount":{"old":\' || COALESCE(to_json(o."amount")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."amount")::text, \'null\') || \'}\' END,\n                CASE WHEN o."frequency" IS DISTINCT FROM n."frequency" THEN \'"frequency":{"old":\' || COALESCE(to_json(o."frequency")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."frequency")::text, \'null\') || \'}\' END,\n                CASE WHEN o."due_date" IS DISTINCT FROM n."due_date" THEN \'"due_date":{"old":\' || COALESCE(to_json(o."due_date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."due_date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_active" IS DISTINCT FROM n."is_active" THEN \'"is_active":{"old":\' || COALESCE(to_json(o."is_active")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_active")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="e94c702773099ec7029a9c79438f6a0384cd16e7",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_f49ca",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="user_expense_due_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userexpenseduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'user_expense_due_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="b9af0cf89f076d982c0c5f16cc746860d807b6b9",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_f6dec",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="user_expense_due_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="usergoal",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'user_goals', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="66a797d64dc383a396c3d27bd93e32b7d52ab159",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_89740",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="user_goals",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="usergoal",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'user_goals\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."goal_type" IS DISTINCT FROM n."goal_type" THEN \'"goal_type":{"old":\' || COALESCE(to_json(o."goal_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."goal_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."title" IS DISTINCT FROM n."title" THEN \'"title":{"old":\' || COALESCE(to_json(o."title")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."title")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_amount" IS DISTINCT FROM n."target_amount" THEN \'"target_amount":{"old":\' || COALESCE(to_json(o."target_amount")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_amount")::text, \'null\') || \'}\' END,\n                CASE WHEN o."current_amount" IS DISTINCT FROM n."current_amount" THEN \'"current_amount":{"old":\' || COALESCE(to_json(o."current_amount")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."current_amount")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_date" IS DISTINCT FROM n."target_date" THEN \'"target_date":{"old":\' || COALESCE(to_json(o."target_date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."status" IS DISTINCT FROM n."status" THEN \'"status":{"old":\' || COALESCE(to_json(o."status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="e6a8acd8ca12e4c57d653a13a2cc8d6ee750d598",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_ff1e2",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="user_goals",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="usergoal",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'user_goals', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="a7367d951b313d5e2a47a3d159efdde6e00b1aca",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_aaff3",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="user_goals",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userincomeduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'user_income_due_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="b56228d75fd403b1331e28cc6aef26c0a7ce3bde",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_88ece",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="user_income_due_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userincomeduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'user_income_due_dates\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."income_type" IS DISTINCT FROM n."income_type" THEN \'"income_type":{"old":\' || COALESCE(to_json(o."income_type")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."income_type")::text, \'null\') || \'}\' END,\n                CASE WHEN o."amount" IS DISTINCT FROM n."amount" THEN \'"amount":{"old":\' || COALESCE(to_json(o."amount")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."amount")::text, \'null\') || \'}\' END,\n                CASE WHEN o."frequency" IS DISTINCT FROM n."frequency" THEN \'"frequency":{"old":\' || COALESCE(to_json(o."frequency")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."frequency")::text, \'null\') || \'}\' END,\n                CASE WHEN o."next_due_date" IS DISTINCT FROM n."next_due_date" THEN \'"next_due_date":{"old":\' || COALESCE(to_json(o."next_due_date")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."next_due_date")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_active" IS DISTINCT FROM n."is_active" THEN \'"is_active":{"old":\' || COALESCE(to_json(o."is_active")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_active")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="5550a7a58dad47a6504530cb724eebeca0fe3eb3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_325db",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="user_income_due_dates",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userincomeduedate",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'user_income_due_dates', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="d2fa9c1af52f1da3f28ac4d8335dfa71146a2f58",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_52909",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="user_income_due_dates",
                    when="AFTER",
                ),
            ),
        ),
    ]
