"""System checks for configuration that would otherwise fail only at first use, or in production."""

import ipaddress
import os

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


_ENCRYPTED_SSLMODES = ("require", "verify-ca", "verify-full")


def _is_local(host: str) -> bool:
    # Empty or a path means a Unix socket on this machine.
    if not host or host.startswith("/"):
        return True
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@checks.register(checks.Tags.security, deploy=True)
def check_database_sslmode(app_configs, **kwargs):
    """In production, a database reached over the network must be reached over TLS."""
    if settings.DEBUG:
        return []
    connections = dict(settings.DATABASES)
    owner = getattr(settings, "DATABASE_OWNER", None)
    if owner:
        connections["owner (DATABASE_OWNER_URL)"] = owner
    return database_tls_warnings(connections=connections, pgsslmode=os.environ.get("PGSSLMODE", ""))


def database_tls_warnings(*, connections: dict[str, dict], pgsslmode: str = "") -> list[checks.Warning]:
    """One warning per remote database connection that would not insist on TLS.

    ``pgsslmode`` is libpq's fallback when a connection names no sslmode.
    """
    warnings, seen = [], set()
    for alias, config in connections.items():
        host = str(config.get("HOST") or "")
        sslmode = (config.get("OPTIONS") or {}).get("sslmode") or pgsslmode or ""
        where = (host, str(config.get("PORT") or ""), sslmode)
        if _is_local(host) or sslmode in _ENCRYPTED_SSLMODES or where in seen:
            continue
        seen.add(where)
        warnings.append(
            checks.Warning(
                f"Database connection {alias!r} goes to {host} without TLS (sslmode={sslmode or 'unset'}).",
                hint="Set DATABASE_SSLMODE=require (or verify-full with the server's CA); see README.md.",
                id="mingus.W020",
            )
        )
    return warnings
