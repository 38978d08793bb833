"""Writing and verifying the audit log. Every service function logs through ``log_action``."""

from __future__ import annotations

import json
from contextlib import contextmanager
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


@contextmanager
def _snapshot():
    """One consistent view of the log for a verification.

    PostgreSQL: a READ ONLY, REPEATABLE READ transaction, so the walk and the head are read
    in the same snapshot whatever is written meanwhile. Inside an outer transaction (tests)
    the outer one is used as it is. SQLite has no such level; there, as everywhere, the walk
    stops at the head read first: a writer commits its entries and the head's advance in one
    transaction, so every entry up to a committed head is there.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@dataclass(frozen=True)
class ChainState:
    """The head as verified: the number and hash of the last entry."""

    seq: int
    last_hash: str


def verify_chain(
    batch_size: int = 2000, *, anchor: ChainState | None = None
) -> ChainProblem | None:
    """Walk the chain in order, up to the head; return the first problem, or None if intact.

    Checks every entry's link and content hash, that no entry is missing up to the head, that
    the head's ``last_hash`` is the hash of the last entry (a removed tail with the head's
    number set back is caught), and that nothing lies beyond the head. With ``anchor`` (from
    a signed checkpoint) the entry at ``anchor.seq`` must also carry ``anchor.last_hash``: the
    chain then provably holds every entry up to the checkpoint unchanged and in order.
    """
    problem, _state = verify_chain_state(batch_size, anchor=anchor)
    return problem


def verify_chain_state(
    batch_size: int = 2000, *, anchor: ChainState | None = None
) -> tuple[ChainProblem | None, ChainState]:
    """:func:`verify_chain`, also returning the verified head."""
    with _snapshot():
        head = AuditChainHead.objects.filter(pk=1).first()
        head_seq = head.seq if head else 0
        head_hash = head.last_hash if head else GENESIS_HASH
        state = ChainState(head_seq, head_hash)
        expected_prev = GENESIS_HASH
        expected_seq = 1
        entries = AuditEntry.objects.filter(seq__lte=head_seq).order_by("seq")
        for entry in entries.iterator(chunk_size=batch_size):
            if entry.seq != expected_seq:
                return ChainProblem(expected_seq, f"entry #{expected_seq} is missing"), state
            if entry.prev_hash != expected_prev:
                return (
                    ChainProblem(entry.seq, "its previous-entry hash does not match the chain"),
                    state,
                )
            if (
                entry_digest(prev_hash=entry.prev_hash, fields=_hashed_fields(entry))
                != entry.entry_hash
            ):
                return (
                    ChainProblem(entry.seq, "its content does not match its hash (it was altered)"),
                    state,
                )
            if (
                anchor is not None
                and entry.seq == anchor.seq
                and entry.entry_hash != anchor.last_hash
            ):
                return (
                    ChainProblem(
                        entry.seq,
                        "it differs from the signed checkpoint (entries up to it were changed, "
                        "removed or reordered)",
                    ),
                    state,
                )
            expected_prev = entry.entry_hash
            expected_seq += 1
        last = expected_seq - 1
        if last != head_seq:
            return (
                ChainProblem(
                    expected_seq, f"the chain ends at #{last} but the head says #{head_seq}"
                ),
                state,
            )
        if expected_prev != head_hash:
            return (
                ChainProblem(
                    last,
                    "the head's hash is not the hash of the last entry (entries were removed "
                    "from the end or the head was edited)",
                ),
                state,
            )
        beyond = AuditEntry.objects.filter(seq__gt=head_seq).order_by("seq").first()
        if beyond is not None:
            return ChainProblem(beyond.seq, f"it lies beyond the head (#{head_seq})"), state
        if anchor is not None and anchor.seq > head_seq:
            return (
                ChainProblem(
                    anchor.seq,
                    f"the signed checkpoint reaches #{anchor.seq} but the chain ends at "
                    f"#{head_seq} (entries were removed from the end)",
                ),
                state,
            )
    return None, state


def send_checkpoint(data: bytes, checkpoint, filename: str) -> int:
    """E-mail a signed checkpoint to every active coordinator (through the outbox), in each
    one's language, and log it. Returns the number of recipients."""
    from django.contrib.auth import get_user_model
    from django.utils import translation
    from django.utils.translation import gettext as _

    from ostoja.organisations.roles import Role
    from ostoja.outbox.services import enqueue_email

    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.COORDINATOR, email__isnull=False)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    sent = 0
    with transaction.atomic():
        for user in users:
            with translation.override(getattr(user, "language", "") or "pl"):
                subject = _("Audit log checkpoint: entry #%(seq)d") % {"seq": checkpoint.seq}
                body = _(
                    "Attached is today's signed checkpoint of the platform's audit log "
                    "(entry #%(seq)d, hash %(hash)s).\n\nKeep this e-mail or the attached "
                    "file outside the platform. With it, `manage.py audit_verify --checkpoint "
                    "FILE` proves that no entry up to #%(seq)d was changed, removed or "
                    "reordered since."
                ) % {"seq": checkpoint.seq, "hash": checkpoint.entry_hash}
            enqueue_email(
                dedup_key=f"audit-checkpoint:{checkpoint.seq}:{checkpoint.created_at}:{user.pk}",
                to=[user.email],
                subject=subject,
                body_text=body,
                attachments=[
                    {
                        "name": filename,
                        "content_type": "application/json",
                        "content": data.decode("utf-8"),
                    }
                ],
                language=getattr(user, "language", "") or "pl",
            )
            sent += 1
        log_action(
            "audit.checkpoint.signed",
            data={"seq": checkpoint.seq, "entry_hash": checkpoint.entry_hash, "recipients": sent},
        )
    return sent
