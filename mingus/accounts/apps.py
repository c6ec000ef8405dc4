from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mingus.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin
        from django.core.signals import setting_changed

        from mingus import crypto
        from mingus.accounts import checks  # noqa: F401  (registers the checks)
        from mingus.accounts.login_protection import StaffLoginForm
        from mingus.accounts.signals import connect_signals

        connect_signals()
        admin.site.login_form = StaffLoginForm

        def _forget_keyring(*, setting, **kwargs):
            if setting == "FIELD_ENCRYPTION_KEYS":
                crypto.reset_keyring_cache()

        setting_changed.connect(_forget_keyring, weak=False)
