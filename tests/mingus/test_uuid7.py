"""Time-ordered ids: Python's uuid7() and the database's mingus_uuid7() sort in the order they were made."""

import time
import uuid

import pytest
from django.db import connection

from mingus.db import uuid7


def _millis(value: uuid.UUID) -> int:
    return value.int >> 80


def test_uuid7_is_a_version_7_rfc_uuid_stamped_with_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= _millis(value) <= after


def test_uuid7_made_within_one_millisecond_sort_in_the_order_they_were_made():
    ids = [uuid7() for _ in range(2000)]
    # Thousands of ids in a few milliseconds: the sub-millisecond bits, not chance, keep them in order.
    assert len({_millis(value) for value in ids}) < len(ids)
    assert ids == sorted(ids)


@pytest.mark.django_db
def test_database_uuid7_made_statement_after_statement_sort_in_that_order():
    with connection.cursor() as cursor:
        ids = []
        for _ in range(200):
            cursor.execute("SELECT mingus_uuid7()")
            ids.append(cursor.fetchone()[0])
        cursor.execute("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        now = cursor.fetchone()[0]
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in ids)
    assert ids == sorted(ids)
    assert now - 60_000 < _millis(ids[0]) <= now
