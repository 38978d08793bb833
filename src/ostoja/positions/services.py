"""Every state change of positions, standards and campaigns: validated, one transaction,
one audit entry each; e-mails through the outbox after the business change."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ostoja.audit.services import log_action
from ostoja.core.child_data import findings
from ostoja.core.text import plain_text
from ostoja.network import membership
from ostoja.outbox.services import enqueue_email

from . import drafting
from .errors import PositionsError
from .models import (
    Addressee,
    Adoption,
    Campaign,
    Comment,
    Dispatch,
    Document,
    DocumentKind,
    LocalEvent,
    Participation,
    Reply,
    Signature,
    Stage,
    Version,
)
from .permissions import can_act_for, can_edit, is_coordinator, is_member

MAX_BODY = 200_000
MAX_COMMENT = 10_000


def _no_child_data(text: str, field: str) -> None:
    if findings(text or ""):
        raise PositionsError(
            _(
                "The text seems to contain data that could identify a child (a PESEL number, "
                "a phone number or a name next to a date of birth). Remove it first."
            ),
            field=field,
        )


def _unique_slug(model, title: str) -> str:
    base = slugify(title)[:60] or "tekst"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _locked(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


# --- drafting ------------------------------------------------------------------------------


@transaction.atomic
def create_document(*, actor, kind: str, title: str, body: str, editors=()) -> Document:
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator starts a joint text."), status=403)
    if kind not in DocumentKind.values:
        raise PositionsError(_("Choose a joint position or a standard of help."), field="kind")
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise PositionsError(_("The title is 1–300 characters."), field="title")
    document = Document.objects.create(
        kind=kind, title=title, slug=_unique_slug(Document, title), created_by=actor
    )
    document.editors.set([e for e in editors if is_member(e)])
    _new_version(document, actor, body, note="")
    log_action(
        "positions.document.created",
        actor=actor,
        target=document,
        data={"kind": kind, "editors": [e.pk for e in editors]},
    )
    return document


def _new_version(document: Document, actor, body: str, note: str) -> Version:
    body = (body or "").strip()
    if not body or len(body) > MAX_BODY:
        raise PositionsError(_("The text is empty or too long."), field="body")
    _no_child_data(body, "body")
    last = document.versions.aggregate(n=Max("number"))["n"] or 0
    return Version.objects.create(
        document=document, number=last + 1, body=body, note=note[:300], created_by=actor
    )


@transaction.atomic
def add_version(*, actor, document: Document, body: str, note: str = "") -> Version:
    document = _locked(document)
    if not can_edit(actor, document):
        raise PositionsError(_("Only the editor group changes the text."), status=403)
    if document.stage not in (Stage.DRAFT, Stage.COMMENTS):
        raise PositionsError(
            _("The text is final once co-signing, publication or adoption has begun."), status=409
        )
    latest = document.latest
    if latest and latest.body.strip() == (body or "").strip():
        raise PositionsError(_("The new version is the same as the last one."), field="body")
    version = _new_version(document, actor, body, note)
    log_action(
        "positions.version.added",
        actor=actor,
        target=document,
        data={"version": version.number, **drafting.summary(drafting.diff(latest.body, body))},
    )
    return version


@transaction.atomic
def open_comments(*, actor, document: Document, until: dt.date) -> Document:
    document = _locked(document)
    if not can_edit(actor, document):
        raise PositionsError(_("Only the editor group opens a comment round."), status=403)
    if document.stage not in (Stage.DRAFT, Stage.COMMENTS):
        raise PositionsError(_("The comment round can no longer be opened."), status=409)
    if until < timezone.localdate():
        raise PositionsError(_("The comment round ends in the future."), field="until")
    document.stage, document.comments_until = Stage.COMMENTS, until
    document.save(update_fields=["stage", "comments_until"])
    log_action(
        "positions.comments.opened",
        actor=actor,
        target=document,
        data={"until": until.isoformat()},
    )
    return document


def comments_open(document: Document) -> bool:
    return (
        document.stage == Stage.COMMENTS
        and document.comments_until is not None
        and timezone.localdate() <= document.comments_until
    )


@transaction.atomic
def add_comment(
    *, actor, document: Document, paragraph_key: str = "", body: str, parent: Comment | None = None
) -> Comment:
    """A comment on a paragraph of the latest version, or a reply to a comment."""
    document = Document.objects.get(pk=document.pk)  # the stage as it is now
    if not is_member(actor):
        raise PositionsError(_("Comments are open to partnership members."), status=403)
    if not comments_open(document) and not can_edit(actor, document):
        raise PositionsError(_("The comment round is closed."), status=409)
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise PositionsError(_("The comment is 1–10,000 characters."), field="body")
    _no_child_data(body, "body")
    version = document.latest
    if parent is not None:
        if parent.document_id != document.pk:
            raise PositionsError(_("That comment is not on this text."), status=404)
        paragraph_key, quote, version = parent.paragraph_key, parent.quote, parent.version
        parent = parent.parent or parent  # replies stay one level deep
    else:
        quote = dict(drafting.keyed(version.body)).get(paragraph_key)
        if quote is None:
            raise PositionsError(
                _("That paragraph is not in the current version; comment on the current text."),
                field="paragraph",
            )
    ids = membership.partner_organisation_ids(actor)
    comment = Comment.objects.create(
        document=document,
        version=version,
        paragraph_key=paragraph_key,
        quote=quote,
        parent=parent,
        body=body,
        author=actor,
        organisation_id=min(ids) if ids else None,
    )
    log_action(
        "positions.comment.added",
        actor=actor,
        target=document,
        data={"comment": comment.pk, "reply": parent is not None},
    )
    return comment


def comments_by_paragraph(document: Document):
    """``({paragraph key: [comments]}, [outdated comments])`` for the latest version: a
    comment whose paragraph is no longer in the text is outdated (kept, shown apart)."""
    keys = {k for k, _p in drafting.keyed(document.latest.body)}
    current: dict[str, list[Comment]] = {}
    outdated: list[Comment] = []
    comments = list(
        document.comments.filter(parent__isnull=True)
        .select_related("author", "organisation", "version")
        .prefetch_related("replies__author", "replies__organisation")
    )
    for comment in comments:
        if comment.paragraph_key in keys:
            current.setdefault(comment.paragraph_key, []).append(comment)
        else:
            outdated.append(comment)
    return current, outdated


# --- co-signing ----------------------------------------------------------------------------


@transaction.atomic
def call_for_signatures(*, actor, document: Document, deadline: dt.datetime) -> Document:
    document = _locked(document)
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator calls for co-signing."), status=403)
    if document.kind != DocumentKind.POSITION:
        raise PositionsError(_("Only joint positions are co-signed."), status=409)
    if document.stage not in (Stage.DRAFT, Stage.COMMENTS):
        raise PositionsError(_("Co-signing has already been called."), status=409)
    if deadline <= timezone.now():
        raise PositionsError(_("The co-signing deadline must be in the future."), field="deadline")
    document.stage = Stage.SIGNING
    document.signing_deadline = deadline
    document.final_version = document.latest
    document.save(update_fields=["stage", "signing_deadline", "final_version"])
    log_action(
        "positions.signing.called",
        actor=actor,
        target=document,
        data={"deadline": deadline.isoformat(), "version": document.final_version.number},
    )
    return document


def _signing_open(document: Document) -> None:
    if document.stage != Stage.SIGNING:
        raise PositionsError(_("This position is not open for co-signing."), status=409)
    if timezone.now() > document.signing_deadline:
        raise PositionsError(_("The co-signing deadline has passed."), status=409)


@transaction.atomic
def sign(*, actor, document: Document, organisation) -> Signature:
    """Co-sign for an organisation; refused for anyone not authorised to act for it, a
    second time, or after the deadline."""
    document = _locked(document)
    if not can_act_for(actor, organisation):
        raise PositionsError(
            _("Only the manager of a member organisation may sign for it."), status=403
        )
    _signing_open(document)
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                document=document, organisation=organisation, signed_by=actor
            )
    except IntegrityError:
        raise PositionsError(
            _("%(organisation)s has already signed this position.")
            % {"organisation": organisation.name},
            status=409,
        ) from None
    log_action(
        "positions.signature.added",
        actor=actor,
        organisation=organisation,
        target=document,
        data={"signature": signature.pk},
    )
    return signature


@transaction.atomic
def withdraw(*, actor, signature: Signature) -> Signature:
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    document = _locked(signature.document)
    if not can_act_for(actor, signature.organisation):
        raise PositionsError(
            _("Only the manager of a member organisation may withdraw its signature."),
            status=403,
        )
    if signature.withdrawn_at is not None:
        raise PositionsError(_("The signature was already withdrawn."), status=409)
    _signing_open(document)
    signature.withdrawn_at, signature.withdrawn_by = timezone.now(), actor
    signature.save(update_fields=["withdrawn_at", "withdrawn_by"])
    log_action(
        "positions.signature.withdrawn",
        actor=actor,
        organisation=signature.organisation,
        target=document,
        data={"signature": signature.pk},
    )
    return signature


def signatories(document: Document):
    return (
        document.signatures.filter(withdrawn_at__isnull=True)
        .select_related("organisation", "signed_by")
        .order_by("organisation__name")
    )


@transaction.atomic
def publish(*, actor, document: Document) -> Document:
    """Publish a position (after the co-signing deadline, or ended early by the coordinator)
    or adopt a standard."""
    document = _locked(document)
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator publishes."), status=403)
    if document.kind == DocumentKind.POSITION:
        if document.stage != Stage.SIGNING:
            raise PositionsError(_("Call for co-signing before publishing."), status=409)
        if not signatories(document).exists():
            raise PositionsError(_("No organisation has signed yet."), status=409)
        document.stage = Stage.PUBLISHED
        if document.signing_deadline > timezone.now():
            document.signing_deadline = timezone.now()  # signing ends with publication
    else:
        if document.stage not in (Stage.DRAFT, Stage.COMMENTS):
            raise PositionsError(_("The standard is already adopted."), status=409)
        document.stage = Stage.ADOPTED
        document.final_version = document.latest
    document.published_at = timezone.now()
    document.save(update_fields=["stage", "signing_deadline", "final_version", "published_at"])
    log_action(
        "positions.document.published",
        actor=actor,
        target=document,
        data={
            "stage": document.stage,
            "signatories": [s.organisation_id for s in signatories(document)],
        },
    )
    return document


# --- addressees and answers ----------------------------------------------------------------


@transaction.atomic
def add_addressee(*, actor, name: str, kind: str, email: str, postal_address: str = ""):
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator keeps the address book."), status=403)
    addressee = Addressee.objects.create(
        name=name.strip()[:300], kind=kind, email=email.strip(), postal_address=postal_address
    )
    log_action("positions.addressee.added", actor=actor, target=addressee)
    return addressee


def public_url(document: Document, language: str = "pl") -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("positions:public", kwargs={"slug": document.slug})


@transaction.atomic
def send(*, actor, document: Document, addressees) -> list[Dispatch]:
    """E-mail the published position to each addressee (once each) through the outbox."""
    document = _locked(document)
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator sends positions."), status=403)
    if document.stage != Stage.PUBLISHED:
        raise PositionsError(_("Publish the position before sending it."), status=409)
    names = ", ".join(s.organisation.name for s in signatories(document))
    body_text = plain_text(document.final_version.body)
    sent = []
    for addressee in addressees:
        dispatch, created = Dispatch.objects.get_or_create(
            document=document, addressee=addressee, defaults={"sent_by": actor}
        )
        if not created:
            continue
        with translation.override("pl"):
            subject = gettext("Joint position: %(title)s") % {"title": document.title}
            text = gettext(
                "To: %(addressee)s\n\n%(body)s\n\nSigned by: %(names)s\n\n"
                "The position with the list of signatory organisations (page and PDF): %(url)s"
            ) % {
                "addressee": addressee.name,
                "body": body_text,
                "names": names,
                "url": public_url(document),
            }
        message, _created = enqueue_email(
            dedup_key=f"positions:dispatch:{dispatch.pk}",
            to=[addressee.email],
            subject=subject[:255],
            body_text=text + "\n",
            language="pl",
            related=dispatch,
        )
        dispatch.message = message
        dispatch.save(update_fields=["message"])
        sent.append(dispatch)
        log_action(
            "positions.dispatch.sent",
            actor=actor,
            target=document,
            data={"addressee": addressee.pk, "message": message.pk},
        )
    return sent


@transaction.atomic
def record_reply(*, actor, dispatch: Dispatch, kind: str, on: dt.date, summary: str) -> Reply:
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator records answers."), status=403)
    if kind not in Reply.Kind.values:
        raise PositionsError(_("An answer or a follow-up."), field="kind")
    summary = (summary or "").strip()
    if not summary:
        raise PositionsError(_("Summarise the answer."), field="summary")
    if on > timezone.localdate():
        raise PositionsError(_("The date cannot be in the future."), field="on")
    reply = Reply.objects.create(
        dispatch=dispatch, kind=kind, on=on, summary=summary, recorded_by=actor
    )
    log_action(
        "positions.reply.recorded",
        actor=actor,
        target=dispatch.document,
        data={"addressee": dispatch.addressee_id, "kind": kind},
    )
    return reply


# --- standards: adoption by member organisations -------------------------------------------


@transaction.atomic
def declare_adoption(
    *, actor, document: Document, organisation, adopted: bool, adopted_on: dt.date | None
) -> Adoption:
    if not can_act_for(actor, organisation):
        raise PositionsError(
            _("Only the manager of a member organisation declares for it."), status=403
        )
    if document.kind != DocumentKind.STANDARD or document.stage != Stage.ADOPTED:
        raise PositionsError(_("Only an adopted standard can be declared."), status=409)
    if adopted and adopted_on is None:
        raise PositionsError(_("Give the date since when."), field="adopted_on")
    if adopted_on and adopted_on > timezone.localdate():
        raise PositionsError(_("The date cannot be in the future."), field="adopted_on")
    adoption, _created = Adoption.objects.update_or_create(
        document=document,
        organisation=organisation,
        defaults={
            "adopted": adopted,
            "adopted_on": adopted_on if adopted else None,
            "declared_by": actor,
        },
    )
    log_action(
        "positions.adoption.declared",
        actor=actor,
        organisation=organisation,
        target=document,
        data={"adopted": adopted},
    )
    return adoption


def adoption_by_voivodeship(document: Document) -> list[dict]:
    """Per voivodeship: partner organisations, how many declared adoption."""
    from ostoja.organisations.models import Voivodeship

    partners = list(membership.partner_organisations())
    adopted = set(document.adoptions.filter(adopted=True).values_list("organisation_id", flat=True))
    rows = []
    for code, name in Voivodeship.choices:
        orgs = [o for o in partners if o.voivodeship == code]
        rows.append(
            {
                "code": code,
                "name": name,
                "partners": len(orgs),
                "adopted": sum(1 for o in orgs if o.pk in adopted),
            }
        )
    return rows


# --- campaigns and local events ------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *, actor, title: str, scope: str, starts_on, ends_on, goal: str, kit=(), voivodeship: str = ""
) -> Campaign:
    if not is_coordinator(actor):
        raise PositionsError(_("Only a coordinator starts a joint campaign."), status=403)
    if ends_on < starts_on:
        raise PositionsError(_("The campaign ends after it starts."), field="ends_on")
    if scope == Campaign.Scope.LOCAL and not voivodeship:
        raise PositionsError(_("A local campaign names its voivodeship."), field="voivodeship")
    _no_child_data(goal, "goal")
    campaign = Campaign.objects.create(
        title=title.strip(),
        slug=_unique_slug(Campaign, title),
        scope=scope,
        voivodeship=voivodeship if scope == Campaign.Scope.LOCAL else "",
        starts_on=starts_on,
        ends_on=ends_on,
        goal=goal,
        created_by=actor,
    )
    campaign.kit.set(kit)
    log_action("positions.campaign.created", actor=actor, target=campaign)
    return campaign


@transaction.atomic
def join_campaign(*, actor, campaign: Campaign, organisation, contribution: str) -> Participation:
    if not can_act_for(actor, organisation):
        raise PositionsError(
            _("Only the manager of a member organisation joins for it."), status=403
        )
    contribution = (contribution or "").strip()
    if not contribution:
        raise PositionsError(_("Say what your organisation does."), field="contribution")
    participation, _created = Participation.objects.update_or_create(
        campaign=campaign, organisation=organisation, defaults={"contribution": contribution[:500]}
    )
    log_action("positions.campaign.joined", actor=actor, organisation=organisation, target=campaign)
    return participation


@transaction.atomic
def add_event(
    *,
    actor,
    organisation,
    title: str,
    starts_at,
    town: str,
    voivodeship: str,
    description: str = "",
    ends_at=None,
    campaign: Campaign | None = None,
) -> LocalEvent:
    if not can_act_for(actor, organisation):
        raise PositionsError(
            _("Only the manager of a member organisation adds its events."), status=403
        )
    if ends_at is not None and ends_at < starts_at:
        raise PositionsError(_("The event ends after it starts."), field="ends_at")
    _no_child_data(f"{title}\n{description}", "description")
    event = LocalEvent.objects.create(
        organisation=organisation,
        campaign=campaign,
        title=title.strip(),
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        town=town.strip(),
        voivodeship=voivodeship,
        created_by=actor,
    )
    log_action(
        "positions.event.added",
        actor=actor,
        organisation=organisation,
        target=event,
        data={"campaign": campaign.pk if campaign else None},
    )
    return event
