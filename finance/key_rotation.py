"""Re-encrypt every field-encrypted value under the newest key of ``FIELD_ENCRYPTION_KEYS``.

Rotating a key: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keeping the
old ones after it), deploy, run ``manage.py rotate_encryption_keys``, and once it
reports nothing left under an older key, drop the old keys from the setting.

The work goes in batches of rows in primary-key order (keyset pagination), each
batch its own transaction holding its rows locked, so a run can be killed at any
moment: committed batches stay rotated and the next run passes over their rows
cheaply (the newest key's signature check alone, no decryption), redoing
nothing. A value no key of the ring opens is reported by row id and left as it
is; the run then fails, it never skips such a row silently nor overwrites it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection

from mingus import crypto
from mingus.fernet_ring import FernetRing
from mingus.scope import staff_scope
from ops.audit import record_event
from ops.models import AuditSource

logger = logging.getLogger(__name__)

# Every column of the project that holds a Fernet token under FIELD_ENCRYPTION_KEYS.
# (tests/finance/test_key_rotation.py fails if a model gains a column named like
# an encrypted one that is not listed here.)
ENCRYPTED_COLUMNS: tuple[tuple[str, str], ...] = (("finance.EncryptedFinancialProfile", "encrypted_data"),)

DEFAULT_BATCH_SIZE = 500


@dataclass
class ColumnReport:
    """What one run did to one encrypted column."""

    table: str
    column: str
    scanned: int = 0
    rotated: int = 0
    already_current: int = 0
    empty: int = 0
    undecryptable: list[str] = field(default_factory=list)
    batches: int = 0


@dataclass
class RotationReport:
    """What one run did, column by column. ``ok`` is False when a value could not be decrypted."""

    newest_key_id: str
    keyring_size: int
    batch_size: int
    columns: list[ColumnReport] = field(default_factory=list)
    seconds: float = 0.0
    interrupted_by: str | None = None

    @property
    def ok(self) -> bool:
        return self.interrupted_by is None and not self.undecryptable

    @property
    def scanned(self) -> int:
        return sum(column.scanned for column in self.columns)

    @property
    def rotated(self) -> int:
        return sum(column.rotated for column in self.columns)

    @property
    def already_current(self) -> int:
        return sum(column.already_current for column in self.columns)

    @property
    def undecryptable(self) -> dict[str, list[str]]:
        """``table.column`` → ids of the rows whose value no key decrypts."""
        return {f"{c.table}.{c.column}": c.undecryptable for c in self.columns if c.undecryptable}

    def as_audit_details(self) -> dict:
        return {
            "newest_key_id": self.newest_key_id,
            "keyring_size": self.keyring_size,
            "batch_size": self.batch_size,
            "scanned": self.scanned,
            "rotated": self.rotated,
            "already_current": self.already_current,
            "undecryptable": self.undecryptable,
            "columns": [asdict(column) for column in self.columns],
            "seconds": round(self.seconds, 3),
            "interrupted_by": self.interrupted_by,
        }


def key_id(key: str | bytes) -> str:
    """A short, non-secret name for a key (a prefix of its SHA-256), for logs and the audit trail."""
    raw = key.encode() if isinstance(key, str) else key
    return hashlib.sha256(raw).hexdigest()[:12]


def rotate_encryption_keys(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[ColumnReport], None] | None = None,
    actor: str | None = None,
    source: str = AuditSource.SHELL,
) -> RotationReport:
    """Re-encrypt every value of :data:`ENCRYPTED_COLUMNS` not yet under the newest key.

    Runs with staff reach (the per-user tables are under row-level security),
    one transaction per batch of ``batch_size`` rows. ``progress`` is called with
    the column's running totals after each committed batch. One ``key_rotation``
    audit event records the run's counts, also when the run is interrupted by an
    exception (which is then raised again). Check ``report.ok``: row ids whose
    value no key decrypts are in ``report.undecryptable``.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    keyring = crypto.build_keyring(keys=keys)
    newest = Fernet(keys[0].encode() if isinstance(keys[0], str) else keys[0])
    report = RotationReport(newest_key_id=key_id(keys[0]), keyring_size=len(keys), batch_size=batch_size)
    started = time.monotonic()
    try:
        for label, column in ENCRYPTED_COLUMNS:
            model = apps.get_model(label)
            column_report = ColumnReport(table=model._meta.db_table, column=column)
            report.columns.append(column_report)
            _rotate_column(
                model=model,
                column=column,
                keyring=keyring,
                newest=newest,
                batch_size=batch_size,
                report=column_report,
                progress=progress,
                actor=actor,
                source=source,
            )
    except BaseException as exc:
        report.interrupted_by = f"{type(exc).__name__}: {exc}"
        report.seconds = time.monotonic() - started
        try:
            _record(report=report, actor=actor, source=source)
        except Exception:
            # The database may be what failed; the original error is the one to raise.
            logger.exception("Could not record the interrupted key rotation in the audit trail")
        raise
    report.seconds = time.monotonic() - started
    _record(report=report, actor=actor, source=source)
    return report


def _rotate_column(*, model, column, keyring, newest, batch_size, report, progress, actor, source) -> None:
    after = None
    while True:
        with staff_scope(actor=actor, source=source):
            # FOR UPDATE: a concurrent save of a row between our read and our
            # write would otherwise be overwritten with its previous value.
            rows = model._base_manager.select_for_update().order_by("pk")
            if after is not None:
                rows = rows.filter(pk__gt=after)
            batch = list(rows.values_list("pk", column)[:batch_size])
            if not batch:
                return
            batch_counts = {"rotated": 0, "already_current": 0, "empty": 0}
            batch_failures: list[str] = []
            updates = []
            for pk, token in batch:
                outcome, new_token = _rotate_value(token, keyring=keyring, newest=newest)
                if outcome == "undecryptable":
                    batch_failures.append(str(pk))
                    continue
                batch_counts[outcome] += 1
                if new_token is not None:
                    updates.append((pk, new_token))
            _write_batch(model=model, column=column, rows=updates)
        # Counted only once the batch has committed, so an interrupted run reports what it left done.
        after = batch[-1][0]
        report.batches += 1
        report.scanned += len(batch)
        report.rotated += batch_counts["rotated"]
        report.already_current += batch_counts["already_current"]
        report.empty += batch_counts["empty"]
        report.undecryptable.extend(batch_failures)
        if progress is not None:
            progress(report)


def _rotate_value(token, *, keyring: FernetRing, newest: Fernet) -> tuple[str, str | None]:
    if token is None or token == "":
        return "empty", None
    raw = token.encode("ascii", errors="replace") if isinstance(token, str) else bytes(token)
    try:
        # Verifies the newest key's signature only (no decryption): the cheap
        # test that lets a resumed run pass over rows already rotated.
        newest.extract_timestamp(raw)
    except InvalidToken:
        pass
    else:
        return "already_current", None
    try:
        return "rotated", keyring.rotate(raw).decode("ascii")
    except InvalidToken:
        return "undecryptable", None


def _write_batch(*, model, column: str, rows: list[tuple]) -> None:
    """Set ``column`` for each ``(pk, value)`` in one statement (a join on VALUES, cheaper than bulk_update's CASE)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table, pk, target = quote(model._meta.db_table), quote(model._meta.pk.column), quote(column)
    pk_type = model._meta.pk.db_type(connection)
    values = ", ".join(["(%s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {target} = v.value FROM (VALUES {values}) AS v(pk, value) "  # noqa: S608  (identifiers quoted, values bound)
            f"WHERE t.{pk} = v.pk::{pk_type}",
            [item for row in rows for item in row],
        )


def _record(*, report: RotationReport, actor: str | None, source: str) -> None:
    with staff_scope(actor=actor, source=source):
        record_event(action="key_rotation", details=report.as_audit_details())
