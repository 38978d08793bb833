"""State changes of the hotline. Views, the API, commands, tasks and tests call these only.

Each function validates, runs in one transaction, writes its audit entry last (the audit
chain head is a single locked row, so holding it for the shortest time keeps intake fast)
and schedules side effects with ``transaction.on_commit``.

Intake
======
:func:`submit_report` (one report) and :func:`submit_batch` (up to 1,000) share one bulk path,
:func:`_ingest`. Everything is validated first (:mod:`.intake`), so an invalid report writes
nothing. Then, in one transaction: the reports are inserted; the items of all accepted URLs
(open and closed) are read with one ``SELECT … FOR UPDATE`` in primary-key order (two
concurrent batches lock rows in the same order and cannot deadlock); reports are folded into
existing open items (one UPDATE each); missing items are created with their final counts and
priority under the partial unique index "one open item per URL" (if a concurrent transaction
created one first, the savepoint is rolled back and the lookup repeated); report URLs and
hashes go in as plain multi-row INSERTs (:mod:`ostoja.core.db`). One audit entry per report
(single) or per batch (the entry names the batch; each report row points at it), never one per
URL: URLs are the bulk of the volume and the audit chain serialises its writers. The report is
committed before the API answers 201.

Single reports that threads of one process submit at the same moment are written together by
one of them (group commit, :mod:`ostoja.core.group_commit`): one transaction, one advance of
the audit chain head for all their entries (:func:`ostoja.audit.services.log_actions`), one
items look-up. Each caller still gets its own answer, after the commit. See
``bench/results/hotline_intake.md`` and docs/benchmarks.md for throughput and what it cost.

Retries: an ``Idempotency-Key`` is unique per source organisation (report and batch tables).
A retry with the same key and the same request fingerprint returns the stored result; a
different request under the same key is an :class:`IdempotencyConflict`. Two concurrent
retries race on the unique constraint; the loser reads the winner's result.

Known or new: all hashes of a call are checked in one call of :func:`.known.check_known`; a
failing checker leaves items unchecked rather than losing the report.

Which hotline receives reports
==============================
The setting ``OSTOJA_PUBLIC_HOTLINE_SLUG`` names it. Unset, it is the verified organisation of
kind "hotline" in Poland (the earliest created if there are several; production should set the
setting). Reports from partners' API tokens go to the same hotline; the token's organisation
kind gives the source's trust (police → police, hotline → partner hotline, platform or hosting
provider → platform, anything else → public).

Priority
========
Items are re-scored (1) when a report attaches to them, (2) for all waiting items of a hotline
when its rules change (a task after commit), and (3) lazily when the queue is shown or "next
item" is pressed, for waiting items scored more than ``RESCORE_AFTER`` ago (the waiting-time
factor grows by the hour). Re-scoring is a deterministic function of the item, the rules and
the clock; it is not audit-logged (the rule change that causes it is).

Modules by subject
==================

* :mod:`.assessment` — assessment (with the four-eyes rule)
* :mod:`.claims` — claims and the next item
* :mod:`.disclosure` — revealing an original URL to an analyst
* :mod:`.common` — the exceptions and shared constants
* :mod:`.for_banks` — hashes of an item, for the hash banks
* :mod:`.receiving` — which hotline receives reports, its settings and priority rules
* :mod:`.retention` — retention
* :mod:`.scoring` — priority scores and re-scoring
* :mod:`.submission` — intake of single reports and batches

Every name is re-exported here: callers keep writing ``services.submit_report(...)``.
"""

# ruff: noqa: F401

from .assessment import (
    assess_item,
    assessed_today,
)
from .claims import (
    claim_item,
    next_item,
    release_claim,
    try_claim,
)
from .common import (
    RESCORE_AFTER,
    STATUS_CODE_ALPHABET,
    STATUS_CODE_LENGTH,
    ClaimError,
    HotlineNotConfigured,
    IdempotencyConflict,
)
from .disclosure import (
    reveal_url,
)
from .for_banks import (
    hashes_of_item,
)
from .receiving import (
    HOTLINE_CACHE_SECONDS,
    SETTINGS_FIELDS,
    active_rules,
    forget_receiving_hotline,
    receiving_hotline,
    save_rules,
    settings_for,
    source_kind_for,
    update_settings,
)
from .retention import (
    apply_retention,
)
from .scoring import (
    PRIORITY_FIELDS,
    apply_priority,
    item_facts,
    rescore_items,
    rescore_stale,
)
from .submission import (
    _INTAKE_GROUPS,
    Submitted,
    SubmittedBatch,
    UrlOutcome,
    find_report_by_status_code,
    format_status_code,
    new_status_code,
    normalise_status_code,
    status_code_hash,
    submit_batch,
    submit_report,
    url_outcomes,
)
