"""System checks for configuration that would otherwise fail only at first use."""

from django.conf import settings
from django.core import checks

from mingus.crypto import KeyringError, build_keyring


@checks.register(checks.Tags.security)
def check_field_encryption_keys(app_configs, **kwargs):
    try:
        build_keyring(keys=list(settings.FIELD_ENCRYPTION_KEYS))
    except KeyringError as exc:
        return [checks.Error(str(exc), hint="See FIELD_ENCRYPTION_KEYS in README.md.", id="mingus.E001")]
    return []
