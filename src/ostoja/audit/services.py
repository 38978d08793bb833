"""Writing and verifying the audit log. Every service function logs through ``log_action``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from ostoja.core.db import insert_objects
from ostoja.core.request_context import get_request_id

from .chain import GENESIS_HASH, entry_digest, mask_secrets
from .models import AuditChainHead, AuditEntry


def _hashed_fields(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "data": entry.data,
        "request_id": entry.request_id,
    }


def _target_info(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:254]
    return type(target).__name__, "", str(target)[:254]


def _head_table() -> str:
    return connection.ops.quote_name(AuditChainHead._meta.db_table)


def _advance_head(count: int = 1) -> tuple[int, str]:
    """Reserve ``count`` sequence numbers; return the first one and the previous hash.

    ``UPDATE … RETURNING`` takes the row lock (PostgreSQL) or the write lock (SQLite) and reads
    the head in the same round trip, so two writers can never fork the chain, and the lock is
    held only from here to the caller's commit.
    """
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_head_table()} SET seq = seq + %s WHERE id = 1 RETURNING seq, last_hash",  # noqa: S608
                [count],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]) - count + 1, row[1]
        # First entry ever (or the table was flushed): create the head, then advance it.
        AuditChainHead.objects.get_or_create(pk=1)
    raise RuntimeError("Could not advance the audit chain head.")


@dataclass
class Action:
    """One entry to append, for :func:`log_actions` (the request id is taken when it is made)."""

    action: str
    actor: object = None
    organisation: object = None
    target: object = None
    data: dict | None = None
    request_id: str = field(default_factory=get_request_id)

    def __post_init__(self):
        if not self.action or "." not in self.action:
            raise ValueError("Audit action codes are namespaced, e.g. 'hotline.item.assessed'.")


def log_action(
    action: str,
    *,
    actor=None,
    organisation=None,
    target=None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction (or its own)."""
    [entry] = log_actions(
        [Action(action, actor=actor, organisation=organisation, target=target, data=data)]
    )
    return entry


def log_actions(actions: list[Action]) -> list[AuditEntry]:
    """Append several entries, in order, with one advance of the chain head.

    For writers that store many things in one transaction (grouped report intake): the head
    is advanced once by ``len(actions)``, the entries are chained in memory and inserted in
    one statement, so the chain lock costs the same for one entry or a hundred.
    """
    if not actions:
        return []
    created_at = timezone.now()
    # Inside the caller's transaction no savepoint is needed: if anything fails, the caller's
    # transaction (and with it the whole state change) rolls back.
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _advance_head(len(actions))
        entries = []
        for offset, item in enumerate(actions):
            actor = item.actor if getattr(item.actor, "is_authenticated", False) else None
            target_type, target_id, target_label = _target_info(item.target)
            entry = AuditEntry(
                seq=seq + offset,
                created_at=created_at,
                actor=actor,
                actor_label=(actor.email if actor else "")[:254],
                organisation=item.organisation,
                action=item.action,
                target_type=target_type,
                target_id=target_id,
                target_label=target_label,
                # Round-trip through JSON so the hash covers exactly what the database returns.
                data=json.loads(json.dumps(mask_secrets(item.data or {}), default=str)),
                request_id=item.request_id,
                prev_hash=prev_hash,
            )
            entry.entry_hash = entry_digest(prev_hash=entry.prev_hash, fields=_hashed_fields(entry))
            prev_hash = entry.entry_hash
            entries.append(entry)
        insert_objects(entries)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_head_table()} SET last_hash = %s WHERE id = 1",  # noqa: S608
                [prev_hash],
            )
    return entries


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def verify_chain(batch_size: int = 2000) -> ChainProblem | None:
    """Walk the whole chain in order; return the first broken entry, or None if intact."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainProblem(expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainProblem(entry.seq, "its previous-entry hash does not match the chain")
        if (
            entry_digest(prev_hash=entry.prev_hash, fields=_hashed_fields(entry))
            != entry.entry_hash
        ):
            return ChainProblem(entry.seq, "its content does not match its hash (it was altered)")
        expected_prev = entry.entry_hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.seq != expected_seq - 1:
        return ChainProblem(
            expected_seq, f"the chain ends at #{expected_seq - 1} but the head says #{head.seq}"
        )
    return None
