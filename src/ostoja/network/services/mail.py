"""The network's e-mails: rendered from templates in the recipient's language, sent through
the outbox inside the caller's transaction."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ostoja.organisations.models import Membership
from ostoja.organisations.roles import Role
from ostoja.outbox.services import enqueue_email


def absolute(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        path = reverse(name, kwargs=kwargs)
    return f"{settings.SITE_URL}{path}"


def send(
    template: str,
    *,
    to: str,
    language: str,
    context: dict,
    dedup_key: str,
    related=None,
    organisation=None,
    sensitive: bool = False,
) -> None:
    language = language if language in dict(settings.LANGUAGES) else "pl"
    with translation.override(language):
        subject = render_to_string(f"network/email/{template}_subject.txt", context)
        body = render_to_string(f"network/email/{template}_body.txt", context)
    enqueue_email(
        dedup_key=dedup_key,
        to=[to],
        subject=" ".join(subject.split()),
        body_text=body.strip() + "\n",
        language=language,
        related=related,
        organisation=organisation,
        sensitive=sensitive,
    )


def coordinators():
    """(user id, e-mail, language) of every coordinator with an active membership."""
    rows = (
        Membership.objects.active()
        .filter(role=Role.COORDINATOR, user__is_active=True)
        .values_list("user_id", "user__email", "user__language")
        .distinct()
    )
    return sorted(set(rows))


def managers_of(organisation):
    """(user id, e-mail, language) of the organisation's managers; if it has none yet, its
    contact address (user id 0) so that the organisation still hears from the partnership."""
    rows = sorted(
        set(
            Membership.objects.active()
            .filter(
                organisation=organisation,
                role=Role.ORGANISATION_MANAGER,
                user__is_active=True,
            )
            .values_list("user_id", "user__email", "user__language")
        )
    )
    if rows:
        return rows
    if organisation.contact_email:
        return [(0, organisation.contact_email, organisation.language)]
    return []
