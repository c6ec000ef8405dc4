"""Account services used by commands and the admin."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mingus.accounts.models import User


@dataclass(frozen=True)
class AdminLogin:
    email: str
    password: str | None  # None when the stored password no longer works (it was changed)
    created: bool


def ensure_admin_login(*, email: str, credentials_path: Path) -> AdminLogin:
    """Create a superuser for a developer's machine, or give back the one created before.

    The generated password is kept in ``credentials_path`` (mode 0600, under
    var/) so the quick start can print it again; if someone has changed it
    since, it is not reset.
    """
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(email=email, password=password)
        credentials_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(credentials_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        return AdminLogin(email=email, password=password, created=True)
    stored = credentials_path.read_text().strip() if credentials_path.exists() else None
    still_valid = stored is not None and user.check_password(stored)
    return AdminLogin(email=user.email, password=stored if still_valid else None, created=False)
