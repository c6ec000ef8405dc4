"""Helpers for tests that prove PostgreSQL itself rejects bad data."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def rejected_by_database(constraint: str):
    """Expect the enclosed ORM write to fail with an IntegrityError naming ``constraint``."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert constraint in str(excinfo.value), f"expected {constraint!r} in {excinfo.value}"
