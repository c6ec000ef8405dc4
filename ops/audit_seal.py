"""Tamper evidence for the audit log: seals over transaction-id ranges, and their verification.

Every audit entry records the transaction that wrote it (``txid``, set by the
database). A seal covers the range ``[txid_from, txid_to)``, where ``txid_to``
is the ``xmin`` of a snapshot taken while sealing: every transaction below it
has ended, so no entry can still appear in the range and the seal is complete.
The next seal starts where the previous one ended.

A seal stores, per entry, an HMAC-SHA256 (key ``AUDIT_SEAL_KEY``, kept outside
the database) over a canonical serialisation of the entry, and a MAC chaining
it to the previous seal. Each seal's summary is also appended to a file outside
the database (``AUDIT_SEAL_LOG``), so that removing the newest seals from the
database shows too.

:func:`verify_audit_log` then finds, for every sealed range, the entries
changed (MAC differs), deleted (sealed but gone) or inserted later (in a sealed
range but in no seal), and reports entries written since the last seal as
pending. Changes made by the retention path are not tampering: the retention
functions record entries of their own (written as the table owner, which no
runtime role can forge), and verification accepts what they account for: a
purge, entries older than its cut-off; a pseudonymisation, the ids it lists (the
next seal re-MACs them as an amendment); an import rollback, legacy entries in
its id ranges.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import struct
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from mingus.scope import staff_scope
from ops.audit import RETENTION_FLOOR_DAYS
from ops.models import AuditSeal

ROW_FORMAT = "mingus-audit-row-v1"
SEAL_FORMAT = "mingus-audit-seal-v1"
# Per entry in a seal: id, created_at in microseconds since the epoch, first 16 bytes of the HMAC.
RECORD = struct.Struct(">16sq16s")
DEFAULT_MAX_ROWS_PER_SEAL = 200_000
RETENTION_ACTIONS = ("audit_purge", "audit_pseudonymise", "audit_legacy_removed")
# pg_try_advisory_xact_lock key: one sealing at a time.
_SEAL_LOCK = int.from_bytes(b"mgaudseal", "big") & 0x7FFF_FFFF_FFFF_FFFF

# The canonical fields of an entry, in this order. Text and JSON are read as PostgreSQL prints
# them (jsonb's text form is normalised), timestamps as integer microseconds: no float anywhere.
_ROW_COLUMNS = """
    id, (extract(epoch FROM created_at) * 1000000)::bigint, user_id, actor, action, source, entity_type,
    entity_id, changes::text, details::text, ip_address::text, request_id, db_role, db_login, txid
"""


class SealingBusy(RuntimeError):
    """Another sealing holds the lock."""


class SealChainBroken(RuntimeError):
    """The newest seal does not verify: sealing stops until verify_audit has been looked at."""


@dataclass
class Finding:
    """One entry verification could not account for."""

    kind: str  # changed | deleted | inserted | forged retention entry
    entry_id: str
    seal: int | None
    detail: str = ""

    def __str__(self) -> str:
        where = f" (seal {self.seal})" if self.seal is not None else ""
        return f"{self.kind}: audit entry {self.entry_id}{where}{': ' + self.detail if self.detail else ''}"


@dataclass
class VerifyReport:
    seals: int = 0
    sealed_entries: int = 0
    pending_entries: int = 0
    problems: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    accepted: Counter = field(default_factory=Counter)

    @property
    def tampered(self) -> bool:
        return bool(self.problems or self.findings)


# --------------------------------------------------------------------------------------------
# Keys and MACs
# --------------------------------------------------------------------------------------------


def seal_key() -> bytes:
    """The HMAC key, from ``AUDIT_SEAL_KEY`` (never derived from ``SECRET_KEY``)."""
    key = settings.AUDIT_SEAL_KEY or ""
    if len(key) < 32:
        raise ImproperlyConfigured("AUDIT_SEAL_KEY must be at least 32 characters (a random value kept secret)")
    return key.encode()


def key_fingerprint(key: bytes) -> str:
    """A public name for the key, stored in each seal: tells a wrong key from a forged seal."""
    return hashlib.sha256(b"mingus-audit-seal-key-id:" + key).hexdigest()[:16]


def entry_mac(key: bytes, row: tuple) -> bytes:
    """The 128-bit HMAC-SHA256 tag of one entry, as selected by ``_ROW_COLUMNS``."""
    entry_id, micros, *texts, txid = row
    canonical = [ROW_FORMAT, str(entry_id), micros, *(None if v is None else str(v) for v in texts), txid]
    message = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:16]


def seal_mac(key: bytes, seal: AuditSeal) -> str:
    """The MAC over a seal's header, its entry records and the previous seal's MAC."""
    header = [
        SEAL_FORMAT,
        seal.number,
        seal.txid_from,
        seal.txid_to,
        seal.row_count,
        seal.amended_count,
        hashlib.sha256(bytes(seal.rows)).hexdigest(),
        hashlib.sha256(bytes(seal.amendments)).hexdigest(),
        seal.previous_mac,
    ]
    return hmac.new(key, json.dumps(header, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()


def _records(data: bytes) -> dict[bytes, tuple[int, bytes]]:
    return {entry_id: (micros, mac) for entry_id, micros, mac in RECORD.iter_unpack(bytes(data))}


# --------------------------------------------------------------------------------------------
# Sealing
# --------------------------------------------------------------------------------------------


def seal_audit_log(*, max_rows_per_seal: int = DEFAULT_MAX_ROWS_PER_SEAL, using: str = "default") -> list[AuditSeal]:
    """Seal every audit entry of a finished transaction that no seal covers yet; return the new seals.

    Runs with staff reach in one transaction; a second sealing at the same time
    raises :class:`SealingBusy`. Ranges with many entries are split at
    transaction boundaries into seals of about ``max_rows_per_seal`` entries.
    After the commit each new seal's summary is appended to ``AUDIT_SEAL_LOG``.
    """
    key = seal_key()
    created: list[AuditSeal] = []
    with staff_scope(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEAL_LOCK])
        if not cursor.fetchone()[0]:
            raise SealingBusy("another seal_audit is running")
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        horizon = cursor.fetchone()[0]
        last = AuditSeal.objects.using(using).order_by("-number").first()
        if last is not None and not hmac.compare_digest(seal_mac(key, last), last.mac):
            raise SealChainBroken(f"seal {last.number} does not verify; run verify_audit before sealing again")
        txid_from = last.txid_to if last else 0
        owner = _audit_owner(cursor)
        for txid_to in _range_ends(cursor, txid_from, horizon, max_rows_per_seal):
            seal = AuditSeal(
                number=(last.number + 1) if last else 1,
                txid_from=txid_from,
                txid_to=txid_to,
                key_id=key_fingerprint(key),
                previous_mac=last.mac if last else "",
            )
            seal.rows = _sealed_records(using, key, "txid >= %s AND txid < %s", [txid_from, txid_to])
            pseudonymised = _pseudonymised_ids(cursor, owner, txid_from, txid_to)
            seal.amendments = (
                _sealed_records(using, key, "id = ANY(%s) AND txid < %s", [pseudonymised, txid_from])
                if pseudonymised
                else b""
            )
            seal.row_count = len(seal.rows) // RECORD.size
            seal.amended_count = len(seal.amendments) // RECORD.size
            seal.mac = seal_mac(key, seal)
            seal.save(using=using, force_insert=True)
            created.append(seal)
            last, txid_from = seal, txid_to
    _sync_seal_log(using=using)
    return created


def _range_ends(cursor, txid_from: int, horizon: int, max_rows: int) -> list[int]:
    """Ends of the seals to make: split at transaction boundaries, the last one at the horizon."""
    cursor.execute(
        "SELECT txid, count(*) FROM audit_logs WHERE txid >= %s AND txid < %s GROUP BY txid ORDER BY txid",
        [txid_from, horizon],
    )
    ends, in_seal = [], 0
    for txid, count in cursor.fetchall():
        if in_seal and in_seal + count > max_rows:
            ends.append(txid)
            in_seal = 0
        in_seal += count
    if in_seal:
        ends.append(horizon)
    return ends


def _sealed_records(using: str, key: bytes, where: str, params: list) -> bytes:
    records = []
    with connections[using].chunked_cursor() as cursor:
        cursor.execute(f"SELECT {_ROW_COLUMNS} FROM audit_logs WHERE {where}", params)  # noqa: S608
        for row in cursor:
            records.append(RECORD.pack(row[0].bytes, row[1], entry_mac(key, row)))
    records.sort()
    return b"".join(records)


def _audit_owner(cursor) -> str:
    cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'audit_logs'::regclass")
    return cursor.fetchone()[0]


def _pseudonymised_ids(cursor, owner: str, txid_from: int, txid_to: int) -> list[uuid.UUID]:
    cursor.execute(
        "SELECT DISTINCT jsonb_array_elements_text(details->'audit_ids')::uuid FROM audit_logs"
        " WHERE action = 'audit_pseudonymise' AND db_role = %s AND txid >= %s AND txid < %s",
        [owner, txid_from, txid_to],
    )
    return [row[0] for row in cursor.fetchall()]


# --------------------------------------------------------------------------------------------
# The seal log outside the database
# --------------------------------------------------------------------------------------------


def _seal_summary(seal: AuditSeal) -> dict:
    return {
        "number": seal.number,
        "created_at": seal.created_at.isoformat(),
        "txid_from": seal.txid_from,
        "txid_to": seal.txid_to,
        "row_count": seal.row_count,
        "amended_count": seal.amended_count,
        "rows_sha256": hashlib.sha256(bytes(seal.rows)).hexdigest(),
        "amendments_sha256": hashlib.sha256(bytes(seal.amendments)).hexdigest(),
        "key_id": seal.key_id,
        "previous_mac": seal.previous_mac,
        "mac": seal.mac,
    }


def _read_seal_log() -> tuple[dict[int, dict], list[str]]:
    path = Path(settings.AUDIT_SEAL_LOG)
    entries, problems = {}, []
    if not path.exists():
        return entries, problems
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entries[int(entry["number"])] = entry
        except (ValueError, KeyError, TypeError):
            problems.append(f"seal log {path}, line {number}: not a seal summary")
    return entries, problems


def _sync_seal_log(*, using: str) -> None:
    """Append the seals newer than the log's last line (after a commit, or a crash before the write)."""
    entries, _ = _read_seal_log()
    newest = max(entries, default=0)
    path = Path(settings.AUDIT_SEAL_LOG)
    with staff_scope(using=using):  # the runtime role alone may not read the seals
        missing = AuditSeal.objects.using(using).filter(number__gt=newest).order_by("number")
        lines = [json.dumps(_seal_summary(seal), separators=(",", ":")) + "\n" for seal in missing]
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


@dataclass
class _RetentionEvents:
    purge_cutoff: int | None = None  # microseconds: sealed entries older than this may be purged
    pseudonymised: dict[bytes, int] = field(default_factory=dict)  # entry id -> newest event txid
    legacy_ranges: list[tuple[bytes, bytes]] = field(default_factory=list)


def verify_audit_log(*, using: str = "default") -> VerifyReport:
    """Check the seal chain, the seal log and every sealed entry; name what does not add up.

    Problems (seal chain or seal log) and findings (entries changed, deleted or
    inserted after sealing) mean tampering; retention the path accounts for is
    counted under ``accepted``; entries written since the last seal are pending.
    """
    key = seal_key()
    report = VerifyReport()
    logged, report.problems = _read_seal_log()
    with staff_scope(using=using), connections[using].cursor() as cursor:
        owner = _audit_owner(cursor)
        events = _retention_events(cursor, owner, report)
        numbers = list(AuditSeal.objects.using(using).order_by("number").values_list("number", flat=True))
        # Entry id -> (MAC, end of the range whose seal made it), for entries re-MACed after a pseudonymisation.
        amended: dict[bytes, tuple[bytes, int]] = {}
        for txid_to, amendments in (
            AuditSeal.objects.using(using).order_by("number").values_list("txid_to", "amendments")
        ):
            for entry_id, (_, mac) in _records(amendments).items():
                amended[entry_id] = (mac, txid_to)
        previous = None
        for number in numbers:
            seal = AuditSeal.objects.using(using).get(number=number)
            _check_seal(key, seal, previous, logged, report)
            _check_entries(using, key, seal, amended, events, report)
            previous = seal
        for number in sorted(set(logged) - set(numbers)):
            report.problems.append(f"seal {number} is in the seal log but not in the database (removed)")
        if numbers and not logged:
            report.problems.append(f"the seal log {settings.AUDIT_SEAL_LOG} is missing or empty")
        cursor.execute("SELECT count(*) FROM audit_logs WHERE txid >= %s", [previous.txid_to if previous else 0])
        report.pending_entries = cursor.fetchone()[0]
    report.seals = len(numbers)
    return report


def _retention_events(cursor, owner: str, report: VerifyReport) -> _RetentionEvents:
    events = _RetentionEvents()
    cursor.execute(
        "SELECT id, action, db_role, txid, created_at, details FROM audit_logs WHERE action = ANY(%s)",
        [list(RETENTION_ACTIONS)],
    )
    for entry_id, action, db_role, txid, created_at, details in cursor.fetchall():
        if db_role != owner:
            # Only the retention functions (running as the owner) write these; anyone else forged one.
            report.findings.append(
                Finding("forged retention entry", str(entry_id), None, f"{action} written by {db_role}, not {owner}")
            )
            continue
        details = json.loads(details) if details else {}  # raw cursors return jsonb as text under Django
        if action == "audit_purge":
            cutoff = datetime.datetime.fromisoformat(details["cutoff"])
            if cutoff > created_at - datetime.timedelta(days=RETENTION_FLOOR_DAYS):
                report.findings.append(Finding("forged retention entry", str(entry_id), None, "cut-off too recent"))
                continue
            micros = _micros(cutoff)
            events.purge_cutoff = max(events.purge_cutoff or micros, micros)
        elif action == "audit_pseudonymise":
            for changed in details.get("audit_ids", []):
                changed_id = uuid.UUID(changed).bytes
                events.pseudonymised[changed_id] = max(events.pseudonymised.get(changed_id, txid), txid)
        else:
            events.legacy_ranges += [(uuid.UUID(low).bytes, uuid.UUID(high).bytes) for low, high in details["ranges"]]
    return events


def _micros(moment: datetime.datetime) -> int:
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _check_seal(key: bytes, seal: AuditSeal, previous: AuditSeal | None, logged: dict, report: VerifyReport) -> None:
    expected = previous.number + 1 if previous else 1
    if seal.number != expected:
        report.problems.append(f"seals {expected}..{seal.number - 1} are missing from the database")
    if seal.txid_from != (previous.txid_to if previous else 0):
        report.problems.append(f"seal {seal.number} does not start where the seal before it ended")
    if seal.previous_mac != (previous.mac if previous else ""):
        report.problems.append(f"seal {seal.number} does not chain to the seal before it")
    if seal.key_id != key_fingerprint(key):
        report.problems.append(f"seal {seal.number} was made with another AUDIT_SEAL_KEY (key id {seal.key_id})")
    elif not hmac.compare_digest(seal_mac(key, seal), seal.mac):
        report.problems.append(f"seal {seal.number} has been altered (its MAC does not match)")
    entry = logged.get(seal.number)
    if entry is None:
        report.problems.append(f"seal {seal.number} is not in the seal log {settings.AUDIT_SEAL_LOG}")
    elif entry.get("mac") != seal.mac:
        report.problems.append(f"seal {seal.number} differs from its line in the seal log")


def _check_entries(
    using: str,
    key: bytes,
    seal: AuditSeal,
    amended: dict[bytes, tuple[bytes, int]],
    events: _RetentionEvents,
    report: VerifyReport,
) -> None:
    expected = _records(seal.rows)
    report.sealed_entries += len(expected)
    with connections[using].chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT {_ROW_COLUMNS} FROM audit_logs WHERE txid >= %s AND txid < %s",  # noqa: S608
            [seal.txid_from, seal.txid_to],
        )
        for row in cursor:
            entry_id = row[0].bytes
            sealed = expected.pop(entry_id, None)
            if sealed is None:
                report.findings.append(Finding("inserted", str(row[0]), seal.number, _describe(row)))
                continue
            mac, made_before = amended.get(entry_id, (sealed[1], seal.txid_to))
            if hmac.compare_digest(entry_mac(key, row), mac):
                continue
            if events.pseudonymised.get(entry_id, -1) >= made_before:
                report.accepted["pseudonymised"] += 1
            else:
                report.findings.append(Finding("changed", str(row[0]), seal.number, _describe(row)))
    if not expected:
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT id, txid FROM audit_logs WHERE id = ANY(%s)", [[uuid.UUID(bytes=i) for i in expected]])
        moved = {row[0].bytes: row[1] for row in cursor.fetchall()}
    for entry_id, (micros, _) in sorted(expected.items()):
        shown = str(uuid.UUID(bytes=entry_id))
        if entry_id in moved:
            detail = f"its txid was changed to {moved[entry_id]}"
            report.findings.append(Finding("changed", shown, seal.number, detail))
        elif events.purge_cutoff is not None and micros < events.purge_cutoff:
            report.accepted["purged"] += 1
        elif any(low <= entry_id <= high for low, high in events.legacy_ranges):
            report.accepted["legacy entries removed by an import rollback"] += 1
        else:
            created = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(microseconds=micros)
            report.findings.append(Finding("deleted", shown, seal.number, f"created {created.isoformat()}"))


def _describe(row: tuple) -> str:
    actor, action, entity_type, entity_id = row[3], row[4], row[6], row[7]
    parts = [action, f"{entity_type} {entity_id}" if entity_type else "", f"actor {actor}" if actor else ""]
    return ", ".join(part for part in parts if part)
