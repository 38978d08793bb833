"""Pages of joint texts (drafts, comments, versions, co-signing, publication, sending,
answers, adoption) and of campaigns (public calendar, map, .ics feed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ostoja.core.permissions import permission_required
from ostoja.core.text import render_markdown
from ostoja.organisations.models import Organisation, Voivodeship
from ostoja.pact import tilemap

from . import calendar, drafting, forms, pdf, permissions, services
from .errors import PositionsError
from .models import (
    Addressee,
    Campaign,
    Dispatch,
    Document,
    DocumentKind,
    Stage,
)

PUBLIC_STAGES = (Stage.PUBLISHED, Stage.ADOPTED)


def _apply_error(form, exc: PositionsError) -> None:
    target = exc.field if exc.field in form.fields else None
    form.add_error(target, str(exc.message))


def _member_document(slug) -> Document:
    return get_object_or_404(Document, slug=slug)


@require_GET
def index(request):
    members = permissions.is_member(request.user)
    qs = Document.objects.all() if members else Document.objects.filter(stage__in=PUBLIC_STAGES)
    return render(
        request,
        "positions/index.html",
        {
            "positions": qs.filter(kind=DocumentKind.POSITION),
            "standards": qs.filter(kind=DocumentKind.STANDARD),
            "members": members,
            "coordinator": permissions.is_coordinator(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_coordinator)
def new(request):
    from ostoja.network import membership

    users = (
        get_user_model()
        .objects.filter(memberships__organisation__in=membership.partner_organisations())
        .distinct()
    )
    form = forms.DocumentForm(request.POST or None, editors=users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.create_document(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                editors=list(data["editors"]),
            )
        except PositionsError as exc:
            _apply_error(form, exc)
        else:
            return redirect("positions:document", slug=document.slug)
    return render(request, "positions/new.html", {"form": form})


@require_GET
@permission_required(permissions.is_member)
def document(request, slug):
    doc = _member_document(slug)
    latest = doc.latest
    current, outdated = services.comments_by_paragraph(doc)
    paragraphs = [
        (key, render_markdown(text), current.get(key, []))
        for key, text in drafting.keyed(latest.body)
    ]
    versions = list(doc.versions.order_by("-number"))
    organisations = permissions.acting_organisations(request.user)
    live = list(services.signatories(doc))
    signed_ids = {s.organisation_id for s in live}
    return render(
        request,
        "positions/document.html",
        {
            "doc": doc,
            "latest": latest,
            "paragraphs": paragraphs,
            "outdated": outdated,
            "versions": versions,
            "can_edit": permissions.can_edit(request.user, doc),
            "coordinator": permissions.is_coordinator(request.user),
            "comments_open": services.comments_open(doc),
            "signing_open": doc.stage == Stage.SIGNING and doc.signing_deadline > timezone.now(),
            "to_sign": [o for o in organisations if o.pk not in signed_ids],
            "my_signatures": [s for s in live if s.organisation in organisations],
            "signatories": live,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_member)
def edit(request, slug):
    doc = _member_document(slug)
    if not permissions.can_edit(request.user, doc):
        raise PermissionDenied
    form = forms.VersionForm(request.POST or None, initial={"body": doc.latest.body})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.add_version(
                actor=request.user,
                document=doc,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
            )
        except PositionsError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The new version is saved."))
            return redirect("positions:diff", slug=doc.slug, a=version.number - 1, b=version.number)
    return render(request, "positions/edit.html", {"doc": doc, "form": form})


@require_GET
@permission_required(permissions.is_member)
def diff(request, slug, a, b):
    doc = _member_document(slug)
    old = get_object_or_404(doc.versions, number=a)
    new = get_object_or_404(doc.versions, number=b)
    blocks = drafting.diff(old.body, new.body)
    return render(
        request,
        "positions/diff.html",
        {"doc": doc, "old": old, "new": new, "blocks": blocks, "summary": drafting.summary(blocks)},
    )


@require_POST
@permission_required(permissions.is_member)
def comment(request, slug):
    doc = _member_document(slug)
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is 1–10,000 characters."))
        return redirect("positions:document", slug=doc.slug)
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(doc.comments, pk=form.cleaned_data["parent"])
    try:
        services.add_comment(
            actor=request.user,
            document=doc,
            paragraph_key=form.cleaned_data["paragraph"] or "",
            body=form.cleaned_data["body"],
            parent=parent,
        )
    except PositionsError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The comment is added."))
    return redirect("positions:document", slug=doc.slug)


@require_POST
@permission_required(permissions.is_member)
def stage(request, slug):
    """Open comments, call for co-signing, publish or adopt (editors/coordinator)."""
    doc = _member_document(slug)
    action = request.POST.get("action")
    try:
        if action == "comments":
            until = parse_date(request.POST.get("until", "") or "")
            if until is None:
                raise PositionsError(_("Give the last day of the comment round."))
            services.open_comments(actor=request.user, document=doc, until=until)
            messages.success(request, _("The comment round is open."))
        elif action == "signing":
            deadline = parse_datetime(request.POST.get("deadline", "") or "")
            if deadline is None:
                raise PositionsError(_("Give the co-signing deadline."))
            if timezone.is_naive(deadline):
                deadline = timezone.make_aware(deadline)
            services.call_for_signatures(actor=request.user, document=doc, deadline=deadline)
            messages.success(request, _("Member organisations are called to co-sign."))
        elif action == "publish":
            services.publish(actor=request.user, document=doc)
            messages.success(request, _("Published."))
        else:
            raise PermissionDenied
    except (PositionsError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    return redirect("positions:document", slug=doc.slug)


@require_POST
@permission_required(permissions.can_act_for_any)
def sign(request, slug):
    doc = _member_document(slug)
    organisation = get_object_or_404(Organisation, pk=request.POST.get("organisation") or 0)
    try:
        services.sign(actor=request.user, document=doc, organisation=organisation)
    except PositionsError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(organisation)s has signed.") % {"organisation": organisation.name}
        )
    return redirect("positions:document", slug=doc.slug)


@require_POST
@permission_required(permissions.can_act_for_any)
def withdraw(request, slug):
    doc = _member_document(slug)
    mine = [o.pk for o in permissions.acting_organisations(request.user)]
    signature = get_object_or_404(
        doc.signatures.filter(organisation__in=mine, withdrawn_at__isnull=True),
        pk=request.POST.get("signature") or 0,
    )
    try:
        services.withdraw(actor=request.user, signature=signature)
    except PositionsError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The signature is withdrawn."))
    return redirect("positions:document", slug=doc.slug)


def _published(slug) -> Document:
    return get_object_or_404(Document, slug=slug, stage__in=PUBLIC_STAGES)


@require_GET
def public(request, slug):
    doc = _published(slug)
    return render(
        request,
        "positions/public.html",
        {
            "doc": doc,
            "body": render_markdown(doc.final_version.body),
            "signatories": services.signatories(doc),
        },
    )


@require_GET
def position_pdf(request, slug):
    doc = _published(slug)
    data = pdf.position_pdf(doc, list(services.signatories(doc)))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{doc.slug}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_coordinator)
def addressees(request):
    form = forms.AddresseeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_addressee(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The addressee is in the address book."))
        return redirect("positions:addressees")
    return render(
        request,
        "positions/addressees.html",
        {"form": form, "addressees": Addressee.objects.filter(active=True)},
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_coordinator)
def dispatches(request, slug):
    doc = get_object_or_404(Document, slug=slug, kind=DocumentKind.POSITION)
    reply_form = forms.ReplyForm(request.POST or None) if "dispatch" in request.POST else None
    if request.method == "POST":
        try:
            if "dispatch" in request.POST:
                if reply_form.is_valid():
                    dispatch = get_object_or_404(
                        doc.dispatches, pk=reply_form.cleaned_data["dispatch"]
                    )
                    services.record_reply(
                        actor=request.user,
                        dispatch=dispatch,
                        kind=reply_form.cleaned_data["kind"],
                        on=reply_form.cleaned_data["on"],
                        summary=reply_form.cleaned_data["summary"],
                    )
                    messages.success(request, _("The answer is recorded."))
                else:
                    messages.error(request, _("Give the kind, the date and a summary."))
            else:
                ids = [int(i) for i in request.POST.getlist("addressee") if i.isdigit()]
                chosen = list(Addressee.objects.filter(pk__in=ids, active=True))
                sent = services.send(actor=request.user, document=doc, addressees=chosen)
                messages.success(
                    request,
                    _("Sent to %(count)s addressee(s) through the outbox.") % {"count": len(sent)},
                )
        except PositionsError as exc:
            messages.error(request, str(exc.message))
        return redirect("positions:dispatches", slug=doc.slug)
    sent = list(
        Dispatch.objects.filter(document=doc)
        .select_related("addressee", "message")
        .prefetch_related("replies")
    )
    sent_ids = {d.addressee_id for d in sent}
    return render(
        request,
        "positions/dispatches.html",
        {
            "doc": doc,
            "dispatches": sent,
            "unsent": Addressee.objects.filter(active=True).exclude(pk__in=sent_ids),
            "reply_form": forms.ReplyForm(initial={"on": timezone.localdate()}),
            "rendered": {r.pk: render_markdown(r.summary) for d in sent for r in d.replies.all()},
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_member)
def adoption(request, slug):
    doc = get_object_or_404(Document, slug=slug, kind=DocumentKind.STANDARD, stage=Stage.ADOPTED)
    organisations = permissions.acting_organisations(request.user)
    if request.method == "POST":
        organisation = get_object_or_404(
            Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
            pk=request.POST.get("organisation") or 0,
        )
        adopted = request.POST.get("adopted") == "yes"
        on = parse_date(request.POST.get("adopted_on", "") or "")
        try:
            services.declare_adoption(
                actor=request.user,
                document=doc,
                organisation=organisation,
                adopted=adopted,
                adopted_on=on,
            )
        except PositionsError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The declaration is saved."))
        return redirect("positions:adoption", slug=doc.slug)
    rows = services.adoption_by_voivodeship(doc)
    coordinator = permissions.is_coordinator(request.user)
    declared = {a.organisation_id: a for a in doc.adoptions.all()}
    return render(
        request,
        "positions/adoption.html",
        {
            "doc": doc,
            "mine": [(o, declared.get(o.pk)) for o in organisations],
            "rows": rows,
            "coordinator": coordinator,
            "map": tilemap.render(rows, title=_("Adoption by voivodeship"), value_key="adopted")
            if coordinator
            else None,
        },
    )


# --- campaigns and the calendar --------------------------------------------------------------


@require_GET
def events(request):
    """The public calendar of campaigns and local events, with the voivodeship map."""
    voivodeship = request.GET.get("voivodeship", "")
    voivodeship = voivodeship if voivodeship in Voivodeship.values else ""
    upcoming = calendar.upcoming_events()
    shown = [e for e in upcoming if not voivodeship or e.voivodeship == voivodeship]
    rows = calendar.voivodeship_rows(upcoming)
    svg = tilemap.render(
        rows,
        title=_("Local events by voivodeship"),
        value_key="events",
        link=lambda code: f"{reverse('positions:events')}?voivodeship={code}",
    )
    return render(
        request,
        "positions/events.html",
        {
            "events": shown,
            "campaigns": calendar.current_campaigns(),
            "map": svg,
            "rows": rows,
            "voivodeship": voivodeship,
            "can_add": permissions.can_act_for_any(request.user),
            "coordinator": permissions.is_coordinator(request.user),
        },
    )


@require_GET
def ics(request):
    response = HttpResponse(calendar.ics_feed(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ostoja-wydarzenia.ics"'
    return response


@require_GET
def campaign(request, slug):
    item = get_object_or_404(Campaign, slug=slug)
    organisations = permissions.acting_organisations(request.user)
    return render(
        request,
        "positions/campaign.html",
        {
            "campaign": item,
            "goal": render_markdown(item.goal),
            "kit": [
                m
                for m in item.kit.all()
                if m.access == "public" or permissions.is_member(request.user)
            ],
            "participants": item.participants.select_related("organisation"),
            "events": item.events.select_related("organisation"),
            "organisations": organisations,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.is_coordinator)
def campaign_new(request):
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_campaign(actor=request.user, **form.cleaned_data)
        except PositionsError as exc:
            _apply_error(form, exc)
        else:
            return redirect("positions:campaign", slug=item.slug)
    return render(request, "positions/form.html", {"form": form, "title": _("New campaign")})


@require_POST
@permission_required(permissions.can_act_for_any)
def campaign_join(request, slug):
    item = get_object_or_404(Campaign, slug=slug)
    organisation = get_object_or_404(
        Organisation.objects.filter(
            pk__in=[o.pk for o in permissions.acting_organisations(request.user)]
        ),
        pk=request.POST.get("organisation") or 0,
    )
    try:
        services.join_campaign(
            actor=request.user,
            campaign=item,
            organisation=organisation,
            contribution=request.POST.get("contribution", ""),
        )
    except PositionsError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your organisation takes part."))
    return redirect("positions:campaign", slug=item.slug)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.can_act_for_any)
def event_new(request):
    form = forms.EventForm(
        request.POST or None, organisations=permissions.acting_organisations(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_event(actor=request.user, **form.cleaned_data)
        except PositionsError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The event is on the public calendar."))
            return redirect("positions:events")
    return render(request, "positions/form.html", {"form": form, "title": _("Add a local event")})
