"""The bounce webhook for a mail provider: ``POST /api/v1/newsletter/bounces``.

Authenticated by a bearer secret (``NEWSLETTER_BOUNCE_WEBHOOK_SECRET``, compared in constant
time); without that setting the endpoint does not exist (404). The body is either a raw
delivery status notification (``Content-Type: message/rfc822``), parsed like a bounce from the
mailbox, or JSON ``{"events": [{"recipient", "type": "hard"|"soft", "bounce_address",
"reason"}]}``. The answer counts outcomes and never says which addresses are subscribed.
"""

from __future__ import annotations

import hmac

from ninja import Router, Schema
from ninja.errors import HttpError

from ostoja.core.api_errors import ApiError

from . import bounces, conf

router = Router(tags=["newsletter"])


class BounceEvent(Schema):
    recipient: str = ""
    type: str = "hard"
    bounce_address: str = ""
    reason: str = ""


class BounceResult(Schema):
    processed: int


def _authorise(request) -> None:
    secret = conf.bounce_webhook_secret()
    if not secret:
        raise HttpError(404, "Not found.")
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise HttpError(401, "A valid bearer token is required.")


@router.post(
    "/v1/newsletter/bounces",
    # 404 while no webhook secret is configured (the endpoint does not exist then); 401 for a
    # wrong bearer token.
    response={200: BounceResult, 401: ApiError, 404: ApiError},
    auth=None,
    summary="Report bounces of newsletter messages (mail provider webhook)",
)
def report_bounces(request):
    """A provider reports bounces: a raw DSN or a JSON list of events (see the module)."""
    _authorise(request)
    body = request.body or b""
    if len(body) > bounces.MAX_MESSAGE:
        raise HttpError(413, "The body is too large.")
    content_type = (request.content_type or "").lower()
    if content_type in ("message/rfc822", "message/delivery-status", "text/plain"):
        report = bounces.process_message(body, source="webhook")
        return {"processed": len(report.outcomes)}
    import json

    try:
        data = json.loads(body or b"{}")
        events = [BounceEvent(**e) for e in data.get("events", [])][:1000]
    except (ValueError, TypeError, AttributeError) as exc:
        raise HttpError(400, "Expected JSON {'events': [...]} or a message/rfc822 body.") from exc
    report = bounces.BounceReport()
    for event in events:
        if event.type not in ("hard", "soft"):
            raise HttpError(400, "An event's type is 'hard' or 'soft'.")
    for event in events:
        bounces.process_event(
            recipient=event.recipient,
            kind=event.type,
            bounce_address=event.bounce_address,
            reason=event.reason[:300],
            report=report,
        )
    return {"processed": len(report.outcomes)}
