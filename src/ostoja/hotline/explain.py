"""Words for codes: URL rejections, priority reasons and the public status of a report.

The Django-free cores return stable codes (``UrlRejected.code``, ``Reason.code``); this module
turns them into translated sentences, so the cores stay free of Django and the wording can
change without touching stored data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import GONE_STATES, ItemState, SourceKind

# The same English sentences as url_canonical.REJECTION_MESSAGES (tests check the codes match).
REJECTION_TEXT = {
    "empty": _("Enter a web address."),
    "too_long": _("The address is longer than 2,048 characters."),
    "control_character": _(
        "The address contains control characters such as tabs or line breaks. Enter it on one line."
    ),
    "unparseable": _("The address could not be understood."),
    "scheme_not_allowed": _("Only web addresses (http:// or https://) can be reported."),
    "defanged": _(
        "The address is written in defanged form (hxxp://, [.]). Enter it as an ordinary address."
    ),
    "credentials": _(
        "Remove the user name or password (the part before @) from the address. If they are "
        "needed to reach the content, put them in the description."
    ),
    "missing_host": _("The address has no host name."),
    "invalid_host": _("The host name is not a valid domain name or IP address."),
    "invalid_port": _("The port number is not valid."),
    "invisible_character": _("The host name contains invisible or text-direction characters."),
    "idn_unsupported": _(
        "The host name contains characters that are interpreted differently by different "
        "standards. Enter the host name in its xn-- form."
    ),
    "localhost": _("Addresses on the local computer (localhost) cannot be reported."),
    "private_host": _(
        "The address points to a private, local or reserved network, not the public internet."
    ),
}


def rejection_message(code: str):
    return REJECTION_TEXT.get(code, REJECTION_TEXT["unparseable"])


SOURCE_REASON = {
    SourceKind.POLICE: _("Reported by the police"),
    SourceKind.PARTNER_HOTLINE: _("Reported by a partner hotline"),
    SourceKind.PLATFORM: _("Reported by a platform or provider"),
    SourceKind.PUBLIC: _("Reported by a member of the public"),
}


def reason_text(reason: dict) -> str:
    """One human sentence for a stored priority reason ``{code, points, params}``."""
    code = reason.get("code")
    params = reason.get("params") or {}
    if code == "immediate_risk":
        return str(_("Immediate risk to a child: the reporter says a child may be in danger now"))
    if code == "live_stream":
        return str(_("Live streaming: the abuse may be happening now"))
    if code == "new_material":
        return str(_("New material: no match in the hash lists, the child may not be identified"))
    if code == "infant_or_toddler":
        return str(_("An infant or toddler may be involved"))
    if code == "sextortion_or_grooming":
        return str(_("Sextortion or grooming: a child may be under pressure now"))
    if code == "hosted_in_poland":
        return str(_("Hosted in Poland: within reach of Polish police and providers"))
    if code == "source_kind":
        return str(SOURCE_REASON.get(params.get("kind"), _("Reported by a trusted source")))
    if code == "reports":
        count = int(params.get("count", 0))
        return ngettext("Reported %(count)d time", "Reported %(count)d times", count) % {
            "count": count
        }
    if code == "waiting":
        hours = int(params.get("hours", 0))
        return ngettext("Waiting for %(hours)d hour", "Waiting for %(hours)d hours", hours) % {
            "hours": hours
        }
    return str(_("Other reason (%(code)s)") % {"code": code})


def explained_reasons(item) -> list[dict]:
    return [
        {
            "code": r.get("code"),
            "points": r.get("points", 0),
            "text": reason_text(r),
            "escalate_reason": (r.get("params") or {}).get("reason", ""),
        }
        for r in item.priority_reasons or []
    ]


class PublicStatus(models.TextChoices):
    """What a reporter (or a partner) is told: the outcome in plain words, no details."""

    RECEIVED = "received", _("Received: waiting for assessment")
    BEING_ASSESSED = "being_assessed", _("Being assessed")
    ACTION_TAKEN = "action_taken", _("Assessed: action taken")
    NOT_ILLEGAL = "not_illegal", _("Assessed: not illegal")
    NO_LONGER_AVAILABLE = "no_longer_available", _("Content no longer available")


_ACTION_STATES = (ItemState.ACTIONABLE, ItemState.ACTIONED, ItemState.REMOVED)


def public_status(item, *, _depth: int = 0) -> PublicStatus:
    state = item.state
    if state == ItemState.OPEN:
        if item.claimed_by_id or item.outcome:
            return PublicStatus.BEING_ASSESSED
        return PublicStatus.RECEIVED
    if state == ItemState.SECOND_OPINION:
        return PublicStatus.BEING_ASSESSED
    if state in _ACTION_STATES:
        return PublicStatus.ACTION_TAKEN
    if state == ItemState.CLOSED_NOT_ILLEGAL:
        return PublicStatus.NOT_ILLEGAL
    if state in GONE_STATES:
        return PublicStatus.NO_LONGER_AVAILABLE
    # A duplicate shares the fate of the item it duplicates.
    if item.duplicate_of_id and _depth < 5:
        return public_status(item.duplicate_of, _depth=_depth + 1)
    return PublicStatus.BEING_ASSESSED
