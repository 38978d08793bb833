r"""State changes of notice and takedown. Views, the API, commands, tasks and tests call these.

Each function validates, runs in one transaction, stores an event on the case, writes its
audit entry and queues e-mails and webhooks in the outbox *in the same transaction* (so a
notice exists if and only if its state change committed; delivery, retries and back-off are
the outbox's job).

The flow
========
1. :func:`handle_illegal_assessment` (called by the hotline after an "illegal" assessment
   commits, or by the "Take action" button) opens a :class:`~.models.Case`, puts the URL on
   the block list and queues :func:`process_case` as a task. The case is due for the sweep
   five minutes later as well, so a lost task only delays it.
2. :func:`process_case` traces the hosting (DNS → ``.mmdb`` → provider rules; an analyst's
   override wins) and routes the case:

   * hosted in the home country (``OSTOJA_HOME_COUNTRY``, Poland) → the configured police
     contact is notified once, and an NTD notice goes to the provider (e-mail in the
     provider's language with an X-ARF v4 attachment, and/or a signed webhook);
   * hosted abroad → a referral to the partner hotline of that country (organisation of kind
     hotline with that country); without one, an NTD notice straight to the provider if we
     know it;
   * hosting or recipient unknown → the case stays in the analysts' list, flagged with the
     reason, and is traced again every ``OSTOJA_RETRACE_MINUTES``.
3. :func:`sweep` (``manage.py takedown_sweep [--loop]`` or the ``sweep`` task) re-traces and
   re-sends the active notices of every case not confirmed removed every
   ``OSTOJA_RENOTICE_HOURS`` — provider notices until the removal is confirmed, referrals
   until the partner hotline acknowledges them (if the hosting moved, the old notice is
   superseded and the case is routed again) — and escalates cases still online
   ``OSTOJA_ESCALATE_DAYS`` after the first notice to the hotline's supervisors.
4. Answers — :func:`record_response` (provider's signed link, API or signed webhook; partner
   hotline), :func:`record_check` (analyst) — move the case to acknowledged, removed or
   disputed. Removal closes the hotline item, drops the URL from the block list, freezes
   the times for the statistics and cancels the case's messages not sent yet (notices,
   re-notices, referrals, escalation e-mails; never the police notification) — as does a
   supervisor withdrawing the notice (:func:`resolve_case`).

Writes to ``hotline.Item`` (state ``actioned``/``removed``, ``closed_at``,
``hosted_in_poland``) are conditional ``UPDATE``\ s that never move an item backwards.

Modules by subject
==================

* :mod:`.answers` — answers from providers, partner hotlines and analysts
* :mod:`.appeals` — appeals against the block list
* :mod:`.common` — exceptions and shared constants
* :mod:`.feedback` — feedback to reporters
* :mod:`.helpers` — small helpers (recipients, text cleaning)
* :mod:`.manual_trace` — manual trace and hosting override
* :mod:`.opening` — opening a case
* :mod:`.providers` — the provider directory (contact points and rules)
* :mod:`.routing` — tracing, routing and sending notices, referrals and the police notification
* :mod:`.sweep` — re-notices, escalation and the sweep

Every name is re-exported here: callers keep writing ``services.submit_report(...)``.
"""

# ruff: noqa: F401

from .answers import (
    record_check,
    record_response,
    resolve_case,
)
from .appeals import (
    RETENTION_REASON,
    apply_appeal_retention,
    decide_appeal,
    submit_appeal,
)
from .common import (
    APPEAL_DECISIONS,
    CHECK_RESULTS,
    FIRST_SWEEP_DELAY,
    MAX_COMMENT,
    RESOLVE_DECISIONS,
    RESPONSE_ACTIONS,
    SOURCE_ORDER,
    SWEEP_LEASE,
    ResponseConflict,
    TakedownError,
    Via,
)
from .feedback import (
    PUBLIC_OUTCOMES,
    public_outcome,
    public_outcome_text,
)
from .helpers import (
    Recipient,
    clean_text,
    partner_hotline_for,
    police_recipient,
    primary_source,
    recipient_for,
)
from .manual_trace import (
    override_hosting,
    retrace,
)
from .opening import (
    can_open_case,
    handle_illegal_assessment,
    process_case,
)
from .providers import (
    CONTACT_KINDS,
    add_provider_rule,
    delete_provider_rule,
    save_contact_point,
)
from .routing import (
    CANCEL_REASONS,
)
from .sweep import (
    SweepReport,
    escalate_case,
    renotice_case,
    sweep,
)
