"""Keeping long-lived objects out of the garbage collector while a long job runs.

A full collection walks every tracked object, and Django with the project's
apps loaded holds a few hundred thousand of them, none of which a job like
the import or its validation will ever free. The jobs that build large plans
(the email policy, the tables' ranges) trigger such collections again and
again: at scale 100 they cost the validator 0.16 s of its plan. Frozen
objects are skipped by every collection, and a worker forked from a frozen
process never writes to the parent's objects' headers, so it does not copy
their memory pages either (the recipe of the ``gc`` module's documentation
for processes that fork).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """Within the block, collections skip every object alive at its start.

    Call ``gc.freeze()`` again inside the block (before forking workers, say)
    to add what was built since. Everything frozen is handed back to the
    collector when the block ends, so a long-lived process (a Celery worker)
    frees what became garbage meanwhile.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
