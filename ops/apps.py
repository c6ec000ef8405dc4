from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mingus import rls  # noqa: F401  (registers the row-level security check)
        from ops.audit_triggers import register_audit_triggers

        # Before any migration is detected: every domain model gets its audit triggers.
        register_audit_triggers()
