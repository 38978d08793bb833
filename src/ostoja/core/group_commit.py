"""Group commit: the writes of concurrent callers in one process share one transaction.

A web process serves several requests at once (threads). When each request writes its own
small transaction, the fixed costs — statements compiled and sent one by one, a lock on a
shared row such as the audit chain head, the commit's WAL flush — are paid per request. A
:class:`GroupCommitter` lets the callers that arrive while a write is in progress wait and
then writes all of them together (*leader/follower*, as databases do with their own log):

* a caller hands over its job and, if no write is running, becomes the **leader**: it takes
  every job waiting (its own included, up to ``max_group``), runs ``write_group(jobs)`` (one
  transaction, committed before it returns) and gives every caller its own result;
* a caller that arrives while a leader is writing waits; when the leader is done it hands the
  lead to the first waiting caller, which writes the next group (so no caller waits for more
  than the group in progress and its own).

Nothing is acknowledged before its group committed: each caller gets its result (or its
exception) only after ``write_group`` returned. With one caller at a time a group is one job,
so an idle process behaves exactly as if it wrote directly.

If ``write_group`` raises for a group of several jobs, each job is written again on its own,
so one bad job (a unique-key race, say) gets its own exception and cannot fail the others.
``write_group`` must therefore be all-or-nothing (one transaction). Jobs that
``can_join(first, job)`` refuses (a different hotline, say) wait for a later group.

The committer is Django-free: it runs callables in the callers' threads (so each write uses
the leader thread's own database connection) and needs no background thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")


class _Ticket(Generic[J, R]):
    __slots__ = ("job", "ready", "lead", "answered", "result", "error")

    def __init__(self, job: J):
        self.job = job
        self.ready = threading.Event()
        self.lead = False
        self.answered = False
        self.result: R | None = None
        self.error: BaseException | None = None

    def answer(self, result: R | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.answered = result, error, True


class GroupCommitter(Generic[J, R]):
    def __init__(
        self,
        write_group: Callable[[list[J]], list[R]],
        *,
        max_group: int = 64,
        can_join: Callable[[J, J], bool] | None = None,
        weight: Callable[[J], int] | None = None,
        max_weight: int | None = None,
    ):
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        self._write_group = write_group
        self._max_group = max_group
        self._can_join = can_join
        self._weight = weight
        self._max_weight = max_weight
        self._lock = threading.Lock()
        self._waiting: list[_Ticket[J, R]] = []
        self._leader_busy = False
        self.groups_written = 0  # statistics (read without the lock: approximate)
        self.jobs_written = 0

    def submit(self, job: J) -> R:
        """Write ``job`` (with whatever else is waiting) and return its result, or raise."""
        ticket: _Ticket[J, R] = _Ticket(job)
        with self._lock:
            self._waiting.append(ticket)
            if not self._leader_busy:
                self._leader_busy = True
                ticket.lead = True
        if not ticket.lead:
            ticket.ready.wait()
        if ticket.lead:  # either we started the lead, or it was handed to us
            self._lead()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]

    # -- the leader ------------------------------------------------------------------------

    def _take_group(self) -> list[_Ticket[J, R]]:
        with self._lock:
            group: list[_Ticket[J, R]] = []
            rest: list[_Ticket[J, R]] = []
            weight = 0
            for ticket in self._waiting:
                joins = len(group) < self._max_group and (
                    not group or self._can_join is None or self._can_join(group[0].job, ticket.job)
                )
                if joins and group and self._weight is not None and self._max_weight:
                    joins = weight + self._weight(ticket.job) <= self._max_weight
                if joins:
                    group.append(ticket)
                    if self._weight is not None:
                        weight += self._weight(ticket.job)
                else:
                    rest.append(ticket)
            self._waiting = rest
            return group

    def _lead(self) -> None:
        group = self._take_group()
        try:
            self._write(group)
        finally:
            # Whatever happened, every ticket of the group is answered and the lead passes on.
            for ticket in group:
                if not ticket.answered:
                    ticket.answer(error=RuntimeError("the group write ended without an answer"))
            with self._lock:
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                else:
                    successor = None
                    self._leader_busy = False
            for ticket in group:
                ticket.lead = False
                ticket.ready.set()
            if successor is not None:
                successor.ready.set()

    def _write(self, group: list[_Ticket[J, R]]) -> None:
        if not group:
            return
        try:
            results = self._write_group([t.job for t in group])
            if len(results) != len(group):
                raise RuntimeError("write_group must return one result per job")
        except Exception as exc:  # noqa: BLE001 - re-raised to the caller it belongs to
            if len(group) == 1:
                group[0].answer(error=exc)
                return
            for ticket in group:  # one bad job must not fail the others
                try:
                    [result] = self._write_group([ticket.job])
                except Exception as single_exc:  # noqa: BLE001
                    ticket.answer(error=single_exc)
                else:
                    ticket.answer(result)
            self.groups_written += len(group)
            self.jobs_written += len(group)
            return
        for ticket, result in zip(group, results, strict=True):
            ticket.answer(result)
        self.groups_written += 1
        self.jobs_written += len(group)
