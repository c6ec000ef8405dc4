"""The test database as a DATABASE_URL, for tests that start manage.py in a subprocess."""

from urllib.parse import quote

from django.db import connection


def database_url(*, user: str | None = None, password: str | None = None) -> str:
    """The test database's URL, as the connection's login or as ``user`` (a socket directory goes in the query)."""
    db = connection.settings_dict
    if user is None:
        user, password = db["USER"] or "", db.get("PASSWORD") or ""
    secret = f":{quote(password, safe='')}" if password else ""
    login = quote(user, safe="") + secret
    host, port = db["HOST"] or "", db["PORT"] or ""
    if host.startswith("/"):
        return f"postgres://{login}@/{db['NAME']}?host={quote(host, safe='')}&port={port}"
    return f"postgres://{login}@{host}:{port}/{db['NAME']}"
