"""Demo data of the newsletter: the members' and the public list, a few confirmed subscribers
(example.org addresses), one issue already sent (in the archive) and one draft."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .models import Issue, NewsletterList, Subscriber

SENT_PL = """Witamy w pierwszym numerze newslettera Partnerstwa!

W tym miesiącu:

* **nowe organizacje członkowskie** z województw lubuskiego i opolskiego,
* spotkanie sieci w Warszawie — zapisy w zakładce *Wydarzenia*,
* nowe materiały o standardach ochrony małoletnich.

Dziękujemy za Waszą pracę."""
SENT_EN = """Welcome to the first issue of the Partnership's newsletter!

This month:

* **new member organisations** from the Lubuskie and Opolskie voivodeships,
* a network meeting in Warsaw — sign up under *Events*,
* new materials on child-protection standards.

Thank you for your work."""


def seed_demo(stdout) -> None:
    if NewsletterList.objects.filter(slug="newsletter-partnerstwa").exists():
        return
    coordinator = get_user_model().objects.filter(email="koordynator@demo.ostoja.invalid").first()
    if coordinator is None:
        return
    members = services.create_list(
        actor=coordinator,
        name="Newsletter członków Partnerstwa",
        slug="newsletter-czlonkow",
        description="Dla organizacji członkowskich: sprawy wewnętrzne sieci.",
        audience=NewsletterList.Audience.MEMBERS,
    )
    public = services.create_list(
        actor=coordinator,
        name="Newsletter Partnerstwa",
        slug="newsletter-partnerstwa",
        description="Co miesiąc: wiadomości Partnerstwa dla wszystkich zainteresowanych.",
        audience=NewsletterList.Audience.PUBLIC,
    )
    now = timezone.now()
    for email, language in [
        ("anna.czytelniczka@example.org", "pl"),
        ("jan.odbiorca@example.org", "pl"),
        ("reader@example.org", "en"),
    ]:
        Subscriber.objects.create(
            newsletter=public,
            email=email,
            language=language,
            state=Subscriber.State.CONFIRMED,
            confirmed_at=now,
            unsubscribe_token=services.new_token(),
        )
    services.subscribe_member(newsletter=members, user=coordinator)
    sent = services.save_issue(
        actor=coordinator,
        newsletter=public,
        subject_pl="Newsletter Partnerstwa — numer 1",
        body_pl=SENT_PL,
        subject_en="Partnership newsletter — issue 1",
        body_en=SENT_EN,
    )
    # Shown as sent in the archive; the demo does not e-mail example.org addresses.
    Issue.objects.filter(pk=sent.pk).update(
        state=Issue.State.SENT, sent_at=now, recipients=3, scheduled_at=now
    )
    services.save_issue(
        actor=coordinator,
        newsletter=members,
        subject_pl="Numer 2 (szkic): przyjęcie nowego regulaminu",
        body_pl="Szkic. Prosimy o zapoznanie się z nowym regulaminem do końca miesiąca.",
    )
    stdout.write("newsletter: 2 lists, 4 subscribers, 1 sent issue, 1 draft")
