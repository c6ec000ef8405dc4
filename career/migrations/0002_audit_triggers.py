"""Audit triggers on this app's tables (definitions: ops/audit_triggers.py)."""

import ops.audit_triggers
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_audit_trail"),
        ("career", "0001_initial"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name="careerprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'career_profiles', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="bc52183acf3039e095c7024d182e367bc98de58f",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_80637",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="career_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="careerprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'career_profiles\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."job_title" IS DISTINCT FROM n."job_title" THEN \'"job_title":{"old":\' || COALESCE(to_json(o."job_title")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."job_title")::text, \'null\') || \'}\' END,\n                CASE WHEN o."industry" IS DISTINCT FROM n."industry" THEN \'"industry":{"old":\' || COALESCE(to_json(o."industry")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."industry")::text, \'null\') || \'}\' END,\n                CASE WHEN o."years_experience" IS DISTINCT FROM n."years_experience" THEN \'"years_experience":{"old":\' || COALESCE(to_json(o."years_experience")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."years_experience")::text, \'null\') || \'}\' END,\n                CASE WHEN o."education_level" IS DISTINCT FROM n."education_level" THEN \'"education_level":{"old":\' || COALESCE(to_json(o."education_level")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."education_level")::text, \'null\') || \'}\' END,\n                CASE WHEN o."location" IS DISTINCT FROM n."location" THEN \'"location":{"old":\' || COALESCE(to_json(o."location")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."location")::text, \'null\') || \'}\' END,\n                CASE WHEN o."current_salary" IS DISTINCT FROM n."current_salary" THEN \'"current_salary":{"old":\' || COALESCE(to_json(o."current_salary")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."current_salary")::text, \'null\') || \'}\' END,\n                CASE WHEN o."target_salary" IS DISTINCT FROM n."target_salary" THEN \'"target_salary":{"old":\' || COALESCE(to_json(o."target_salary")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."target_salary")::text, \'null\') || \'}\' END,\n                CASE WHEN o."skills" IS DISTINCT FROM n."skills" THEN \'"skills":{"old":\' || COALESCE(to_json(o."skills")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."skills")::text, \'null\') || \'}\' END,\n                CASE WHEN o."created_at" IS DISTINCT FROM n."created_at" THEN \'"created_at":{"old":\' || COALESCE(to_json(o."created_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."created_at")::text, \'null\') || \'}\' END,\n                CASE WHEN o."updated_at" IS DISTINCT FROM n."updated_at" THEN \'"updated_at":{"old":\' || COALESCE(to_json(o."updated_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."updated_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="25537b45746ffa50d15a716881aeb83d962e8074",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_80442",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="career_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="careerprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'career_profiles', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9eb4d3268e2131dceec1f99cc07685726aee39bd",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_e39aa",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="career_profiles",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomebenchmark",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'insert', ctx.source, 'bi_income_comparisons', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="5ec366aeb930c72c0e8712ba7dd0cbe38784d9d0",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_b0e3c",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="bi_income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomebenchmark",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'bi_income_comparisons\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT NULL::uuid AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."demographic_key" IS DISTINCT FROM n."demographic_key" THEN \'"demographic_key":{"old":\' || COALESCE(to_json(o."demographic_key")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."demographic_key")::text, \'null\') || \'}\' END,\n                CASE WHEN o."metro_area" IS DISTINCT FROM n."metro_area" THEN \'"metro_area":{"old":\' || COALESCE(to_json(o."metro_area")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."metro_area")::text, \'null\') || \'}\' END,\n                CASE WHEN o."age_band" IS DISTINCT FROM n."age_band" THEN \'"age_band":{"old":\' || COALESCE(to_json(o."age_band")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."age_band")::text, \'null\') || \'}\' END,\n                CASE WHEN o."education_level" IS DISTINCT FROM n."education_level" THEN \'"education_level":{"old":\' || COALESCE(to_json(o."education_level")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."education_level")::text, \'null\') || \'}\' END,\n                CASE WHEN o."median_income" IS DISTINCT FROM n."median_income" THEN \'"median_income":{"old":\' || COALESCE(to_json(o."median_income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."median_income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."p25_income" IS DISTINCT FROM n."p25_income" THEN \'"p25_income":{"old":\' || COALESCE(to_json(o."p25_income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."p25_income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."p75_income" IS DISTINCT FROM n."p75_income" THEN \'"p75_income":{"old":\' || COALESCE(to_json(o."p75_income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."p75_income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."sample_size" IS DISTINCT FROM n."sample_size" THEN \'"sample_size":{"old":\' || COALESCE(to_json(o."sample_size")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."sample_size")::text, \'null\') || \'}\' END,\n                CASE WHEN o."source" IS DISTINCT FROM n."source" THEN \'"source":{"old":\' || COALESCE(to_json(o."source")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."source")::text, \'null\') || \'}\' END,\n                CASE WHEN o."year" IS DISTINCT FROM n."year" THEN \'"year":{"old":\' || COALESCE(to_json(o."year")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."year")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="ccceaaad4d5af338d3e3a36ec536d28d069a43e2",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_87e25",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="bi_income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomebenchmark",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), NULL::uuid, ctx.actor, 'delete', ctx.source, 'bi_income_comparisons', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="fc97d10e788235b8391902a9046df8fd5db8e1a8",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_f262a",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="bi_income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomecomparison",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_insert",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'insert', ctx.source, 'income_comparisons', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM new_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="7627cf0d5dea61a293e10a1d0fb57520d2275308",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_audit_insert_89f2b",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomecomparison",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_update",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func='INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), d.subject, ctx.actor, \'update\', ctx.source, \'income_comparisons\', d.entity_id, d.changes, ctx.request_id\nFROM (SELECT COALESCE(n."user_id", o."user_id") AS subject, COALESCE(n."id", o."id")::text AS entity_id,\n             (\'{\' || concat_ws(\',\',\n                CASE WHEN o."id" IS DISTINCT FROM n."id" THEN \'"id":{"old":\' || COALESCE(to_json(o."id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_id" IS DISTINCT FROM n."user_id" THEN \'"user_id":{"old":\' || COALESCE(to_json(o."user_id")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_id")::text, \'null\') || \'}\' END,\n                CASE WHEN o."comparison_group" IS DISTINCT FROM n."comparison_group" THEN \'"comparison_group":{"old":\' || COALESCE(to_json(o."comparison_group")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."comparison_group")::text, \'null\') || \'}\' END,\n                CASE WHEN o."user_income" IS DISTINCT FROM n."user_income" THEN \'"user_income":{"old":\' || COALESCE(to_json(o."user_income")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."user_income")::text, \'null\') || \'}\' END,\n                CASE WHEN o."group_median" IS DISTINCT FROM n."group_median" THEN \'"group_median":{"old":\' || COALESCE(to_json(o."group_median")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."group_median")::text, \'null\') || \'}\' END,\n                CASE WHEN o."percentile" IS DISTINCT FROM n."percentile" THEN \'"percentile":{"old":\' || COALESCE(to_json(o."percentile")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."percentile")::text, \'null\') || \'}\' END,\n                CASE WHEN o."computed_at" IS DISTINCT FROM n."computed_at" THEN \'"computed_at":{"old":\' || COALESCE(to_json(o."computed_at")::text, \'null\') || \',"new":\' || COALESCE(to_json(n."computed_at")::text, \'null\') || \'}\' END\n             ) || \'}\')::jsonb AS changes\n      FROM old_values AS o FULL JOIN new_values AS n ON o."id" = n."id"\n      OFFSET 0) AS d, mingus_audit_context() AS ctx\nWHERE d.changes <> \'{}\'::jsonb;\nRETURN NULL;',
                    hash="4a493fdece024bcf0094f7119cc3086b954670d6",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_audit_update_b653d",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incomecomparison",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_delete",
                sql=ops.audit_triggers.UnskippableTriggerSql(
                    func="INSERT INTO audit_logs (id, created_at, user_id, actor, action, source, entity_type, entity_id, changes, request_id)\nSELECT mingus_uuid7(), statement_timestamp(), r.\"user_id\", ctx.actor, 'delete', ctx.source, 'income_comparisons', r.\"id\"::text, to_jsonb(r), ctx.request_id\nFROM old_values AS r, mingus_audit_context() AS ctx;\nRETURN NULL;",
                    hash="9534e6af779bdb372135421807df6d0cbc29a92d",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_audit_delete_ec47a",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="income_comparisons",
                    when="AFTER",
                ),
            ),
        ),
    ]
