from __future__ import annotations

from django.utils import timezone

from ostoja.newsletter import services
from ostoja.newsletter.models import NewsletterList, Subscriber


def make_list(slug="public-nl", audience="public", name="Newsletter publiczny"):
    return NewsletterList.objects.create(name=name, slug=slug, audience=audience)


def confirmed(newsletter, email, language="pl", user=None):
    return Subscriber.objects.create(
        newsletter=newsletter,
        email=email,
        language=language,
        user=user,
        state=Subscriber.State.CONFIRMED,
        confirmed_at=timezone.now(),
        unsubscribe_token=services.new_token(),
    )
