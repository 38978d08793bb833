"""What notices say: X-ARF reports, e-mail texts, webhook payloads, the referral export and the
providers' signed links. Pure building; ``services.py`` decides when and stores.

* **Language**: every text is rendered under ``translation.override(recipient language)``
  (Polish or English), from templates in ``templates/takedown/email/``.
* **Links**: ``/ntd/<token>/`` with a token from ``signing.make_token`` (purpose
  ``takedown.respond``, subject ``notice:<uuid>``, valid ``OSTOJA_NTD_LINK_TTL_DAYS``). The key
  is derived from ``SECRET_KEY`` (label ``takedown.notice-link``); keys derived from
  ``SECRET_KEY_FALLBACKS`` are still accepted, so rotating the secret does not break links
  already sent. Every re-notice carries a fresh link, so the latest e-mail always works.
* **X-ARF classification**: ``baseline`` for the international baseline; content illegal
  under national law only is sent as ``A2`` (prepubescent) or ``B2`` (pubescent or unknown
  age). The assessment form does not record whether sexual activity is shown, so the
  conservative "2" categories are used; the receiving hotline classifies for itself anyway.
* Times in texts are UTC with the zone named, so no reader guesses our time zone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import conf, signing, xarf

LINK_PURPOSE = "takedown.respond"
_KEY_LABEL = "takedown.notice-link"
XARF_ATTACHMENT = "xarf.json"
REFERRAL_ATTACHMENT = "referral.json"
NTD_FORMAT = "ostoja-ntd"
REFERRAL_FORMAT = "ostoja-referral"


# --- links ----------------------------------------------------------------------------------


def link_keys() -> list[bytes]:
    masters = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [signing.derive_key(m, _KEY_LABEL) for m in masters if m]


@dataclass(frozen=True)
class Link:
    """A signed token for a notice and when it expires."""

    token: str
    expires_at: datetime


def make_link(notice, *, now: datetime | None = None) -> Link:
    issued = now or timezone.now()
    ttl = conf.link_ttl_seconds()
    token = signing.make_token(
        secret=link_keys()[0],
        purpose=LINK_PURPOSE,
        subject=f"notice:{notice.uuid}",
        ttl_seconds=ttl,
        now=issued.timestamp(),
    )
    return Link(token, datetime.fromtimestamp(int(issued.timestamp()) + ttl, tz=UTC))


def read_link_token(token: str, *, now: float | None = None) -> tuple[str, signing.TokenClaims]:
    """The notice UUID (text) in a valid token; ``signing.TokenError`` otherwise."""
    claims = signing.read_token(token, secret=link_keys(), purpose=LINK_PURPOSE, now=now)
    kind, _sep, value = claims.subject.partition(":")
    if kind != "notice" or not value:
        raise signing.TokenError("malformed", "Not a notice token.")
    return value, claims


def absolute(path: str) -> str:
    return f"{conf.site_url()}{path}"


def response_link(notice, token: str) -> str:
    with translation.override(notice.language or "en"):
        return absolute(reverse("takedown:respond", kwargs={"token": token}))


def api_response_url(notice) -> str:
    return absolute(f"/api/v1/notices/{notice.uuid}/response")


# --- facts ----------------------------------------------------------------------------------


def utc_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _site_domain() -> str:
    return urlsplit(conf.site_url()).hostname or "ostoja.invalid"


def _address(value: str) -> str:
    """The bare address of ``"Name <a@b>"`` or ``a@b``."""
    value = (value or "").strip()
    if "<" in value and value.endswith(">"):
        return value.rsplit("<", 1)[1][:-1].strip()
    return value


def reporter_party(hotline) -> xarf.Party:
    contact = hotline.contact_email or _address(settings.DEFAULT_FROM_EMAIL)
    return xarf.Party(org=hotline.name[:200], contact=contact, domain=_site_domain())


def classification(case) -> str:
    if case.baseline:
        return "baseline"
    return "A2" if case.age_band in ("0-2", "3-13") else "B2"


MEDIA_TYPES = {
    "image": "image",
    "video": "video",
    "live_stream": "video",
    "text": "text",
    "mixed": "mixed",
}


def xarf_report(case, notice, hosting_trace, *, sequence: int) -> dict:
    item = case.item
    ips = list(hosting_trace.ips) if hosting_trace else []
    provider = case.provider.name if case.provider_id else None
    return xarf.build_csam_report(
        url=item.canonical_url,
        observed_at=case.confirmed_at,
        reporter=reporter_party(case.hotline),
        report_id=notice.uuid,
        source_ip=ips[0] if ips else None,
        classification=classification(case),
        detection_method="manual_review",
        evidence_source="hotline_report",
        media_type=MEDIA_TYPES.get(case.content_type),
        hosting_provider=provider,
        asn=hosting_trace.asn if hosting_trace and hosting_trace.asn else None,
        country_code=case.hosting_country or None,
        verified_at=case.last_verified_at or case.confirmed_at,
        tags=["ostoja:notice", f"ostoja:sequence-{sequence}"],
    )


def url_sha256(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _context(case, notice, hosting_trace, *, sequence: int, link: Link | None) -> dict:
    return {
        "case": case,
        "item": case.item,
        "notice": notice,
        "hotline": case.hotline,
        "recipient": notice.recipient,
        "reference": str(notice.uuid),
        "short_reference": str(notice.uuid)[:8].upper(),
        "sequence": sequence,
        "is_reminder": sequence > 1,
        "url": case.item.canonical_url,
        "host": case.item.host,
        "ips": ", ".join(hosting_trace.ips) if hosting_trace and hosting_trace.ips else "",
        "country": case.hosting_country,
        "baseline": case.baseline,
        "confirmed_at": utc_text(case.confirmed_at),
        "first_notice_at": utc_text(case.first_notice_at),
        "link": response_link(notice, link.token) if link else "",
        "link_expires": utc_text(link.expires_at) if link else "",
        "api_url": api_response_url(notice),
        "renotice_hours": int(conf.renotice_interval().total_seconds() // 3600) or 1,
        "contact": case.hotline.contact_email or _address(settings.DEFAULT_FROM_EMAIL),
    }


def _render(template: str, context: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, context).strip() + "\n"


def _subject(template: str, context: dict, language: str) -> str:
    text = _render(template, context, language)
    return " ".join(text.split())[:255]


# --- the three kinds of notice ---------------------------------------------------------------


def ntd_message(case, notice, hosting_trace, *, sequence: int, link: Link) -> dict:
    """Subject, body, attachments and webhook payload of an NTD notice (or re-notice)."""
    report = xarf_report(case, notice, hosting_trace, sequence=sequence)
    context = _context(case, notice, hosting_trace, sequence=sequence, link=link)
    language = notice.language or "en"
    payload = {
        "format": NTD_FORMAT,
        "version": 1,
        "type": "renotice" if sequence > 1 else "notice",
        "notice_id": str(notice.uuid),
        "sequence": sequence,
        "sent_at": iso(timezone.now()),
        "first_notice_at": iso(case.first_notice_at),
        "xarf": report,
        "respond": {
            "link": context["link"],
            "link_expires_at": iso(link.expires_at),
            "api": context["api_url"],
            "actions": ["acknowledged", "removed", "disputed"],
        },
    }
    return {
        "subject": _subject("takedown/email/ntd_subject.txt", context, language),
        "body": _render("takedown/email/ntd_notice.txt", context, language),
        "attachments": [
            {
                "name": XARF_ATTACHMENT,
                "content_type": "application/json",
                "content": xarf.dumps(report),
            }
        ],
        "payload": payload,
        "language": language,
    }


def police_message(case, notice, hosting_trace) -> dict:
    report = xarf_report(case, notice, hosting_trace, sequence=1)
    context = _context(case, notice, hosting_trace, sequence=1, link=None)
    language = notice.language or "pl"
    return {
        "subject": _subject("takedown/email/police_subject.txt", context, language),
        "body": _render("takedown/email/police_notice.txt", context, language),
        "attachments": [
            {
                "name": XARF_ATTACHMENT,
                "content_type": "application/json",
                "content": xarf.dumps(report),
            }
        ],
        "language": language,
    }


def referral_export(case, notice, hosting_trace, *, sequence: int, link: Link | None) -> dict:
    """The referral JSON (documented in ``docs/ntd-referral-format.md``)."""
    report = xarf_report(case, notice, hosting_trace, sequence=sequence)
    partner = notice.recipient
    hotline = case.hotline
    return {
        "format": REFERRAL_FORMAT,
        "version": 1,
        "referral_id": str(notice.uuid),
        "sequence": sequence,
        "sent_at": iso(timezone.now()),
        "from": {
            "org": hotline.name,
            "contact": hotline.contact_email or _address(settings.DEFAULT_FROM_EMAIL),
            "country": hotline.country,
        },
        "to": {
            "org": partner.name if partner else "",
            "country": partner.country if partner else case.hosting_country,
        },
        "url": case.item.canonical_url,
        "url_sha256": url_sha256(case.item.canonical_url),
        "host": case.item.host,
        "hosting": {
            "country": case.hosting_country or None,
            "ips": list(hosting_trace.ips) if hosting_trace else [],
            "asn": hosting_trace.asn if hosting_trace else None,
            "as_org": (hosting_trace.as_org or None) if hosting_trace else None,
            "traced_at": iso(hosting_trace.traced_at) if hosting_trace else None,
        },
        "assessment": {
            "legal_basis": "international_baseline" if case.baseline else "national_law",
            "classification": classification(case),
            "assessed_at": iso(case.confirmed_at),
            "content_type": case.content_type or None,
            "site_type": case.site_type or None,
            "age_band": case.age_band or None,
        },
        "first_reported_at": iso(case.reported_at),
        "xarf": report,
        "respond": {
            "link": response_link(notice, link.token) if link else None,
            "link_expires_at": iso(link.expires_at) if link else None,
            "api": api_response_url(notice),
            "actions": ["acknowledged", "removed", "disputed"],
        },
    }


def referral_message(case, notice, hosting_trace, *, sequence: int, link: Link) -> dict:
    export = referral_export(case, notice, hosting_trace, sequence=sequence, link=link)
    context = _context(case, notice, hosting_trace, sequence=sequence, link=link)
    language = notice.language or "en"
    return {
        "subject": _subject("takedown/email/referral_subject.txt", context, language),
        "body": _render("takedown/email/referral.txt", context, language),
        "attachments": [
            {
                "name": REFERRAL_ATTACHMENT,
                "content_type": "application/json",
                "content": json.dumps(export, ensure_ascii=False, indent=2),
            }
        ],
        "payload": export,
        "language": language,
    }


def escalation_message(case, language: str) -> dict:
    context = {
        "case": case,
        "item_id": case.item_id,
        "days": round(conf.escalate_after().total_seconds() / 86400, 1),
        "first_notice_at": utc_text(case.first_notice_at),
    }
    with translation.override(language):
        context["state"] = str(case.get_state_display())
        context["link"] = absolute(reverse("takedown:item", kwargs={"pk": case.item_id}))
    return {
        "subject": _subject("takedown/email/escalation_subject.txt", context, language),
        "body": _render("takedown/email/escalation.txt", context, language),
        "language": language,
    }


def appeal_reply(appeal, language: str) -> dict:
    context = {"appeal": appeal, "state": appeal.state, "note": appeal.decision_note}
    return {
        "subject": _subject("takedown/email/appeal_subject.txt", context, language),
        "body": _render("takedown/email/appeal_decided.txt", context, language),
        "language": language,
    }
