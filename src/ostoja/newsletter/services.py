"""Every change to lists, subscribers and issues (the only place they change; audited).

Subscribing is double opt-in: :func:`request_subscription` stores a pending subscriber and
e-mails a single-use link that expires; nothing else is ever sent to a pending address. Its
caller shows the same page whatever happened (new, pending, already subscribed, throttled),
so the page never tells a visitor whether an address is on a list.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from ostoja.audit.services import log_action
from ostoja.core import child_data
from ostoja.network.membership import is_coordinator, is_partnership_member
from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import cancel_unsent, enqueue_email

from . import conf, consent
from .models import Bounce, Consent, Issue, NewsletterList, Subscriber

#: A second confirmation e-mail to the same address is not sent sooner than this.
RESEND_AFTER = timedelta(minutes=10)
LANGUAGES = ("pl", "en")


class NewsletterError(ValueError):
    """A request refused with a message for the person (translated)."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(f"ostoja-newsletter:{token}".encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > 254 or any(ch in email for ch in "\r\n\x00"):
        raise NewsletterError(gettext("Enter a valid e-mail address."))
    try:
        validate_email(email)
    except ValidationError as exc:
        raise NewsletterError(gettext("Enter a valid e-mail address.")) from exc
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


# --- lists ----------------------------------------------------------------------------------


@transaction.atomic
def create_list(*, actor, name: str, slug: str, description: str = "", audience: str):
    if not is_coordinator(actor):
        raise NewsletterError(gettext("Only a coordinator can create a list."))
    if NewsletterList.objects.filter(slug=slug).exists():
        raise NewsletterError(gettext("A list with this short name already exists."))
    newsletter = NewsletterList.objects.create(
        name=name.strip(), slug=slug, description=description.strip(), audience=audience
    )
    log_action(
        "newsletter.list.created",
        actor=actor,
        target=newsletter,
        data={"slug": slug, "audience": audience},
    )
    return newsletter


# --- subscribing ----------------------------------------------------------------------------


def _send_confirmation(subscriber: Subscriber, token: str) -> None:
    language = subscriber.language if subscriber.language in LANGUAGES else "pl"
    with translation.override(language):
        path = reverse("newsletter:confirm", args=[token])
        context = {
            "newsletter": subscriber.newsletter,
            "link": f"{conf_site_url()}{path}",
            "hours": conf.confirm_hours(),
        }
        subject = gettext("Confirm your subscription: %(name)s") % {
            "name": subscriber.newsletter.name
        }
        body = render_to_string("newsletter/email/confirm.txt", context)
    enqueue_email(
        dedup_key=f"newsletter:confirm:{subscriber.pk}:{token_hash(token)[:16]}",
        to=[subscriber.email],
        subject=subject,
        body_text=body,
        from_email=conf.from_email(),
        language=language,
        related=subscriber,
    )


def conf_site_url() -> str:
    from django.conf import settings

    return settings.SITE_URL


def request_subscription(
    *, newsletter: NewsletterList, email: str, language: str, source: str, now=None
) -> None:
    """Ask for a subscription to a public list; e-mail a confirmation link if appropriate.

    Returns nothing on purpose: an already confirmed address gets no e-mail and no change, a
    pending one gets a new link at most every ten minutes — and the caller cannot tell.
    """
    email = normalise_email(email)
    if newsletter.members_only or not newsletter.active:
        raise NewsletterError(gettext("This list does not take sign-ups here."))
    language = language if language in LANGUAGES else "pl"
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(newsletter=newsletter, email=email)
            .first()
        )
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(
                        newsletter=newsletter,
                        email=email,
                        language=language,
                        unsubscribe_token=new_token(),
                    )
            except IntegrityError:  # the same address at the same moment: one row wins
                return
        elif subscriber.state == Subscriber.State.CONFIRMED or (
            subscriber.state == Subscriber.State.PENDING
            and subscriber.confirm_sent_at
            and now - subscriber.confirm_sent_at < RESEND_AFTER
        ):
            return
        token = new_token()
        subscriber.state = Subscriber.State.PENDING
        subscriber.language = language
        subscriber.confirm_hash = token_hash(token)
        subscriber.confirm_expires_at = now + timedelta(hours=conf.confirm_hours())
        subscriber.confirm_sent_at = now
        subscriber.save()
        with translation.override(language):
            text = str(consent.TEXT)
        Consent.objects.create(
            subscriber=subscriber,
            action=Consent.Action.GIVEN,
            text=text,
            version=consent.VERSION,
            language=language,
            source=source[:60],
        )
        _send_confirmation(subscriber, token)


def confirm(token: str, *, now=None) -> Subscriber | None:
    """Confirm the address behind ``token``; None if the link is unknown, used or expired."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("newsletter")
            .filter(confirm_hash=token_hash(token), state=Subscriber.State.PENDING)
            .first()
        )
        if subscriber is None or not subscriber.confirm_expires_at:
            return None
        if subscriber.confirm_expires_at <= now:
            return None
        subscriber.state = Subscriber.State.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.confirm_hash = ""
        subscriber.confirm_expires_at = None
        subscriber.ended_at = None
        subscriber.stop_kind = subscriber.stop_reason = ""
        subscriber.bounce_score = 0
        subscriber.save()
        Consent.objects.create(
            subscriber=subscriber,
            action=Consent.Action.CONFIRMED,
            version=consent.VERSION,
            language=subscriber.language,
            source="confirmation link",
        )
        log_action(
            "newsletter.subscriber.confirmed",
            target=subscriber,
            data={"list": subscriber.newsletter.slug},
        )
    return subscriber


def member_subscription(newsletter: NewsletterList, user) -> Subscriber | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Subscriber.objects.filter(newsletter=newsletter, email__iexact=user.email).first()


@transaction.atomic
def subscribe_member(*, newsletter: NewsletterList, user) -> Subscriber:
    """A signed-in partnership member subscribes to a members' list with their account's
    (already verified) address: no confirmation e-mail is needed."""
    if not newsletter.members_only or not newsletter.active:
        raise NewsletterError(gettext("This list does not take sign-ups here."))
    if not is_partnership_member(user):
        raise NewsletterError(gettext("Only members of the partnership can subscribe."))
    language = getattr(user, "language", "") or translation.get_language() or "pl"
    language = language if language in LANGUAGES else "pl"
    email = normalise_email(user.email)
    subscriber = (
        Subscriber.objects.select_for_update().filter(newsletter=newsletter, email=email).first()
    )
    if subscriber is None:
        subscriber = Subscriber(
            newsletter=newsletter, email=email, unsubscribe_token=new_token(), language=language
        )
    elif subscriber.state == Subscriber.State.CONFIRMED:
        return subscriber
    now = timezone.now()
    subscriber.user = user
    subscriber.state = Subscriber.State.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.ended_at = None
    subscriber.stop_kind = subscriber.stop_reason = ""
    subscriber.bounce_score = 0
    subscriber.confirm_hash = ""
    subscriber.save()
    with translation.override(language):
        text = str(consent.MEMBER_TEXT)
    Consent.objects.create(
        subscriber=subscriber,
        action=Consent.Action.GIVEN,
        text=text,
        version=consent.VERSION,
        language=language,
        source="member account",
    )
    log_action(
        "newsletter.subscriber.member_subscribed",
        actor=user,
        target=subscriber,
        data={"list": newsletter.slug},
    )
    return subscriber


def _cancel_pending_messages(subscriber: Subscriber, reason: str) -> None:
    unsent = OutboxMessage.objects.filter(
        related_type=ContentType.objects.get_for_model(Subscriber),
        related_id=str(subscriber.pk),
        dedup_key__startswith="newsletter:issue:",
    )
    cancel_unsent(actor=None, messages=unsent, reason=reason)


def unsubscribe(token: str, *, source: str, actor=None) -> bool:
    """End the subscription behind ``token`` at once. False (and nothing changed) if the
    token is unknown or the subscription had already ended; callers answer the same way."""
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("newsletter")
            .filter(unsubscribe_token=token)
            .first()
        )
        if subscriber is None or subscriber.state == Subscriber.State.UNSUBSCRIBED:
            return False
        previous = subscriber.state
        subscriber.state = Subscriber.State.UNSUBSCRIBED
        subscriber.ended_at = timezone.now()
        subscriber.confirm_hash = ""
        subscriber.confirm_expires_at = None
        subscriber.save()
        Consent.objects.create(
            subscriber=subscriber,
            action=Consent.Action.WITHDRAWN,
            version=consent.VERSION,
            language=subscriber.language,
            source=source[:60],
        )
        _cancel_pending_messages(subscriber, gettext_noop("The subscriber unsubscribed."))
        log_action(
            "newsletter.subscriber.unsubscribed",
            actor=actor,
            target=subscriber,
            data={"list": subscriber.newsletter.slug, "source": source, "previous": previous},
        )
    return True


# --- bounces --------------------------------------------------------------------------------


def record_bounce(
    *, subscriber_id: int, issue_id: int | None, kind: str, source: str, detail: str, now=None
) -> str:
    """Apply one bounce to a subscriber. Returns "stopped", "counted" or "ignored"."""
    now = now or timezone.now()
    detail = "".join(ch if ch.isprintable() else " " for ch in (detail or ""))[:300]
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("newsletter")
            .filter(pk=subscriber_id)
            .first()
        )
        if subscriber is None:
            return "ignored"
        issue = Issue.objects.filter(pk=issue_id).first() if issue_id else None
        Bounce.objects.create(
            subscriber=subscriber, issue=issue, kind=kind, source=source, detail=detail
        )
        if subscriber.state != Subscriber.State.CONFIRMED:
            return "ignored"
        if kind == Bounce.Kind.HARD:
            stop = Subscriber.StopKind.HARD
        else:
            stale = timedelta(days=conf.soft_bounce_stale_days())
            if subscriber.last_bounce_at and now - subscriber.last_bounce_at > stale:
                subscriber.bounce_score = 0
            # At most one point a day, as Mailman counts: one bad day of a mail server
            # (several messages bouncing) is not several reasons to give up on an address.
            if not (
                subscriber.last_bounce_at
                and timezone.localdate(subscriber.last_bounce_at) == timezone.localdate(now)
                and subscriber.bounce_score
            ):
                subscriber.bounce_score += 1
            stop = (
                Subscriber.StopKind.SOFT
                if subscriber.bounce_score >= conf.soft_bounce_threshold()
                else ""
            )
        subscriber.last_bounce_at = now
        if not stop:
            subscriber.save(update_fields=["bounce_score", "last_bounce_at"])
            return "counted"
        subscriber.state = Subscriber.State.STOPPED
        subscriber.stop_kind = stop
        subscriber.stop_reason = detail
        subscriber.ended_at = now
        subscriber.save()
        _cancel_pending_messages(subscriber, gettext_noop("Delivery to this address stopped."))
        log_action(
            "newsletter.subscriber.stopped",
            target=subscriber,
            data={
                "list": subscriber.newsletter.slug,
                "kind": stop,
                "score": subscriber.bounce_score,
                "source": source,
            },
        )
    return "stopped"


# --- issues ---------------------------------------------------------------------------------


def child_data_findings(issue: Issue) -> list[str]:
    """Labels of what may identify a child in any version of the issue."""
    text = "\n".join([issue.subject_pl, issue.body_pl, issue.subject_en, issue.body_en])
    return [str(child_data.KIND_LABELS[k]) for k in child_data.kinds(text)]


def _check_editable(issue: Issue) -> None:
    if issue.state not in (Issue.State.DRAFT, Issue.State.SCHEDULED):
        raise NewsletterError(gettext("An issue that has been sent cannot be changed."))


@transaction.atomic
def save_issue(
    *, actor, newsletter, issue: Issue | None = None, subject_pl, body_pl, subject_en="", body_en=""
) -> Issue:
    if not is_coordinator(actor):
        raise NewsletterError(gettext("Only a coordinator can write issues."))
    if not subject_pl.strip() or not body_pl.strip():
        raise NewsletterError(gettext("The Polish subject and text are required."))
    if bool(subject_en.strip()) != bool(body_en.strip()):
        raise NewsletterError(gettext("The English version needs both a subject and a text."))
    for subject in (subject_pl, subject_en):
        if any(ch in subject for ch in "\r\n\x00"):
            raise NewsletterError(gettext("A subject is one line."))
    created = issue is None
    if created:
        issue = Issue(newsletter=newsletter, created_by=actor)
    else:
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        _check_editable(issue)
    issue.subject_pl, issue.body_pl = subject_pl.strip(), body_pl
    issue.subject_en, issue.body_en = subject_en.strip(), body_en
    issue.save()
    log_action(
        "newsletter.issue.created" if created else "newsletter.issue.updated",
        actor=actor,
        target=issue,
        data={"list": issue.newsletter.slug, "english": issue.has_english},
    )
    return issue


@transaction.atomic
def schedule_issue(
    *, actor, issue: Issue, at: datetime | None = None, child_data_confirmed: bool = False
) -> Issue:
    """Send the issue at ``at`` (now if None). Refused while it may identify a child, unless
    the coordinator confirmed they checked it."""
    if not is_coordinator(actor):
        raise NewsletterError(gettext("Only a coordinator can send issues."))
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    _check_editable(issue)
    now = timezone.now()
    if at is not None and at < now - timedelta(minutes=1):
        raise NewsletterError(gettext("Choose a time in the future."))
    found = child_data_findings(issue)
    if found and not child_data_confirmed:
        raise NewsletterError(
            gettext(
                "The issue may identify a child (%(what)s). Edit it, or confirm that you "
                "checked it."
            )
            % {"what": ", ".join(found)}
        )
    issue.state = Issue.State.SCHEDULED
    issue.scheduled_at = at or now
    issue.save(update_fields=["state", "scheduled_at", "updated_at"])
    log_action(
        "newsletter.issue.scheduled",
        actor=actor,
        target=issue,
        data={
            "list": issue.newsletter.slug,
            "at": issue.scheduled_at.isoformat(),
            "child_data_confirmed": bool(found),
        },
    )
    return issue


@transaction.atomic
def unschedule_issue(*, actor, issue: Issue) -> Issue:
    if not is_coordinator(actor):
        raise NewsletterError(gettext("Only a coordinator can send issues."))
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.state != Issue.State.SCHEDULED:
        raise NewsletterError(gettext("This issue is not scheduled."))
    issue.state = Issue.State.DRAFT
    issue.scheduled_at = None
    issue.save(update_fields=["state", "scheduled_at", "updated_at"])
    log_action("newsletter.issue.unscheduled", actor=actor, target=issue)
    return issue


@transaction.atomic
def send_test(*, actor, issue: Issue, language: str) -> None:
    """Send the issue to the coordinator's own address, as subscribers will get it."""
    from . import sending

    if not is_coordinator(actor):
        raise NewsletterError(gettext("Only a coordinator can send issues."))
    language = language if language in LANGUAGES else "pl"
    sending.enqueue_test(issue, actor, language)
    log_action(
        "newsletter.issue.test_sent",
        actor=actor,
        target=issue,
        data={"language": issue.version(language)[0]},
    )
