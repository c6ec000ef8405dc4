"""The quarantine admin shows every column of a legacy row, except the values of secrets."""

import pytest
from django.urls import reverse

from mingus.accounts.models import User
from ops.models import ImportRun, QuarantinedRow
from tests.factories import make_row

TOKEN = "gAAAAABlegacyFernetTokenThatMustNeverBeShown=="
HASH = "pbkdf2:sha256:600000$salt$0123456789abcdef"


@pytest.fixture
def quarantined_secrets(db):
    run = make_row(ImportRun, None)
    rows = [
        ("encrypted_financial_profiles", [["id", "integer", 7], ["encrypted_data", "blob", TOKEN]]),
        ("users", [["id", "integer", 3], ["email", "text", "a@example.com"], ["password_hash", "text", HASH]]),
    ]
    return [
        QuarantinedRow.objects.create(
            run=run,
            source_file="mingus.db",
            source_table=table,
            source_rowid=i,
            original=original,
            reason_code="bad_value",
            reason="test",
        )
        for i, (table, original) in enumerate(rows, start=1)
    ]


def test_the_quarantine_page_names_secret_columns_but_never_shows_their_values(client, quarantined_secrets):
    client.force_login(User.objects.create_superuser(email="ops@example.com", password=None))
    for row in quarantined_secrets:
        body = client.get(reverse("admin:ops_quarantinedrow_change", args=[row.pk])).content.decode()
        assert TOKEN not in body and HASH not in body
        assert "[hidden:" in body
    # Everything else of the row is still there for staff to act on.
    assert "a@example.com" in body
