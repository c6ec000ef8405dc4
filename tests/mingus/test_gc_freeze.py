"""long_lived_objects_frozen keeps what is alive at its start out of garbage collection (mingus/gc_freeze.py)."""

from __future__ import annotations

import gc

import pytest

from mingus.gc_freeze import long_lived_objects_frozen


def _collected_in_the_oldest_generation(thing: object) -> bool:
    # Frozen objects sit in the permanent generation, which get_objects(generation=2) leaves out.
    return any(candidate is thing for candidate in gc.get_objects(generation=2))


@pytest.fixture(autouse=True)
def _nothing_frozen_around_each_test():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_objects_alive_when_the_block_starts_are_skipped_by_collections_until_it_ends():
    long_lived = [object()]
    gc.collect()
    assert _collected_in_the_oldest_generation(long_lived)

    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > 0
        assert not _collected_in_the_oldest_generation(long_lived)

    assert gc.get_freeze_count() == 0
    assert _collected_in_the_oldest_generation(long_lived)


def test_a_block_that_raises_still_hands_every_frozen_object_back():
    with pytest.raises(RuntimeError, match="failed"), long_lived_objects_frozen():
        raise RuntimeError("failed")

    assert gc.get_freeze_count() == 0


def test_garbage_frozen_in_the_block_is_collected_after_it():
    with long_lived_objects_frozen():
        cycle: list = []
        cycle.append(cycle)
        gc.freeze()  # as before a fork
        del cycle
        assert gc.collect() == 0  # frozen: not even looked at

    assert gc.collect() >= 1
