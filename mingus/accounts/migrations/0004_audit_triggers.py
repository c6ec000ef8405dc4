"""Audit triggers on this app's tables (definitions: ops/audit_triggers.py)."""

import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_audit_trail"),
        ("accounts", "0003_staff_groups"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"id\", ctx.actor, 'insert', ctx.source, 'users', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('password', CASE WHEN r.\"password\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="31d8fb95d7cdd2545f1e2c62db6854a68d567f5e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_6f624",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'users\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."id", o."id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."last_login" IS DISTINCT FROM n."last_login" THEN \'"last_login":{"old":\' || COALESCE(to_json(o."last_login")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."last_login")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_superuser" IS DISTINCT FROM n."is_superuser" THEN \'"is_superuser":{"old":\' || COALESCE(to_json(o."is_superuser")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_superuser")::text, \'null\') || \'}\' END,\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."email" IS DISTINCT FROM n."email" THEN \'"email":{"old":\' || COALESCE(to_json(o."email")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."email")::text, \'null\') || \'}\' END,\n                CASE WHEN o."password" IS DISTINCT FROM n."password" THEN \'"password":"changed"\' END,\n                CASE WHEN o."first_name" IS DISTINCT FROM n."first_name" THEN \'"first_name":{"old":\' || COALESCE(to_json(o."first_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."first_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."last_name" IS DISTINCT FROM n."last_name" THEN \'"last_name":{"old":\' || COALESCE(to_json(o."last_name")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."last_name")::text, \'null\') || \'}\' END,\n                CASE WHEN o."phone" IS DISTINCT FROM n."phone" THEN \'"phone":{"old":\' || COALESCE(to_json(o."phone")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."phone")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_active" IS DISTINCT FROM n."is_active" THEN \'"is_active":{"old":\' || COALESCE(to_json(o."is_active")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_active")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_staff" IS DISTINCT FROM n."is_staff" THEN \'"is_staff":{"old":\' || COALESCE(to_json(o."is_staff")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_staff")::text, \'null\') || \'}\' END,\n                CASE WHEN o."is_app_admin" IS DISTINCT FROM n."is_app_admin" THEN \'"is_app_admin":{"old":\' || COALESCE(to_json(o."is_app_admin")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."is_app_admin")::text, \'null\') || \'}\' END,\n                CASE WHEN o."email_verified" IS DISTINCT FROM n."email_verified" THEN \'"email_verified":{"old":\' || COALESCE(to_json(o."email_verified")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."email_verified")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."legacy_email" IS DISTINCT FROM n."legacy_email" THEN \'"legacy_email":{"old":\' || COALESCE(to_json(o."legacy_email")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."legacy_email")::text, \'null\') || \'}\' END,\n                CASE WHEN o."legacy_status" IS DISTINCT FROM n."legacy_status" THEN \'"legacy_status":{"old":\' || COALESCE(to_json(o."legacy_status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."legacy_status")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="7705f04987eb11a60951dcbf7f28af395aa956d3",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_b852b",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"id\", ctx.actor, 'delete', ctx.source, 'users', r.\"id\"::text, (to_jsonb(r) || jsonb_build_object('password', CASE WHEN r.\"password\" IS NULL THEN NULL ELSE 'changed' END)), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="37da5f9a39160cc9f32831f1b317abdc9dac20f3",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_5dfd0",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="users",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'user_profiles', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="83fee846f8cbcd7c80b5b1c00913c0e1b336d71e",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_48358",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="user_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'user_profiles\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."date_of_birth" IS DISTINCT FROM n."date_of_birth" THEN \'"date_of_birth":{"old":\' || COALESCE(to_json(o."date_of_birth")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."date_of_birth")::text, \'null\') || \'}\' END,\n                CASE WHEN o."zip_code" IS DISTINCT FROM n."zip_code" THEN \'"zip_code":{"old":\' || COALESCE(to_json(o."zip_code")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."zip_code")::text, \'null\') || \'}\' END,\n                CASE WHEN o."state" IS DISTINCT FROM n."state" THEN \'"state":{"old":\' || COALESCE(to_json(o."state")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."state")::text, \'null\') || \'}\' END,\n                CASE WHEN o."household_size" IS DISTINCT FROM n."household_size" THEN \'"household_size":{"old":\' || COALESCE(to_json(o."household_size")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."household_size")::text, \'null\') || \'}\' END,\n                CASE WHEN o."annual_income" IS DISTINCT FROM n."annual_income" THEN \'"annual_income":{"old":\' || COALESCE(to_json(o."annual_income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."annual_income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."employment_status" IS DISTINCT FROM n."employment_status" THEN \'"employment_status":{"old":\' || COALESCE(to_json(o."employment_status")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."employment_status")::text, \'null\') || \'}\' END,\n                CASE WHEN o."demographics" IS DISTINCT FROM n."demographics" THEN \'"demographics":{"old":\' || COALESCE(to_json(o."demographics")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."demographics")::text, \'null\') || \'}\' END,\n                CASE WHEN o."preferences" IS DISTINCT FROM n."preferences" THEN \'"preferences":{"old":\' || COALESCE(to_json(o."preferences")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."preferences")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="1bb5f607510ade56bfb8b4174f279578ce58349c",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_01a7f",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="user_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'user_profiles', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="1fbe07f9383ce75ebe87fad79676cb2394bba965",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_b202c",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="user_profiles",
                    when="AFTER",
                ),
            ),
        ),
    ]
