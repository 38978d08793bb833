"""Search and the digest see only what the reader may see; both languages, any accents."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ostoja.forum import search, services
from ostoja.forum.models import ForumProfile, Post
from ostoja.outbox.models import OutboxMessage

from .helpers import category, group, member, thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum():
    insider, reader = member(), member()
    g = group("Superwizja", insider)
    open_cat = category("Ogólne")
    secret = category("Superwizja", restricted_to=[g])
    sub = category("Tajne przypadki", parent=secret)
    public = thread(
        insider, open_cat, title="Szkolenie w Łodzi", body="Terapia dzieci po przemocy."
    )
    hidden_thread = thread(
        insider, sub, title="Superwizja grupowa", body="Terapia dzieci w Łodzi, poufne."
    )
    services.reply(actor=reader, thread=public, body="Therapy for children, English notes.")
    return {
        "insider": insider,
        "reader": reader,
        "public": public,
        "secret": hidden_thread,
        "open": open_cat,
    }


def titles(results):
    return {p.thread.title for p in results.posts}


def test_search_finds_inflected_and_unaccented_words_in_both_languages(forum):
    reader = forum["reader"]
    assert titles(search.search(reader, "łódź")) == {"Szkolenie w Łodzi"}
    assert titles(search.search(reader, "lodzi terapia")) == {"Szkolenie w Łodzi"}
    assert titles(search.search(reader, "dzieciom")) == {"Szkolenie w Łodzi"}
    assert titles(search.search(reader, "children therapy")) == {"Szkolenie w Łodzi"}
    assert search.search(reader, "nieistniejące słowo").posts == []


def test_search_never_shows_a_restricted_category_to_an_outsider(forum):
    assert titles(search.search(forum["reader"], "terapia")) == {"Szkolenie w Łodzi"}
    assert titles(search.search(forum["insider"], "terapia")) == {
        "Szkolenie w Łodzi",
        "Superwizja grupowa",
    }
    page = Client()
    page.force_login(forum["reader"])
    html = page.get(reverse("forum:search"), {"q": "poufne"}).content.decode()
    assert "Superwizja grupowa" not in html and "Terapia dzieci w" not in html
    html = page.get(reverse("forum:search"), {"q": "terapia"}).content.decode()
    assert "Szkolenie w Łodzi" in html and "Superwizja grupowa" not in html


def test_search_skips_hidden_and_pending_posts_and_hidden_threads(forum):
    reader, insider = forum["reader"], forum["insider"]
    post = forum["public"].posts.order_by("pk").first()
    services.moderate_post(actor=_coordinator(), post=post, action="hide")
    assert titles(search.search(reader, "terapia")) == set()
    services.moderate_post(actor=_coordinator(), post=Post.objects.get(pk=post.pk), action="show")
    services.moderate_thread(actor=_coordinator(), thread=forum["public"], action="hide")
    assert titles(search.search(reader, "terapia")) == set()
    assert insider  # the insider still finds the restricted thread
    assert titles(search.search(insider, "poufne")) == {"Superwizja grupowa"}


def _coordinator():
    from .helpers import coordinator

    return coordinator()


@pytest.mark.parametrize(
    "query", ['"', "*", "AND OR NOT", "a\u0000b", "((", "'; DROP TABLE", "ł" * 500]
)
def test_hostile_queries_are_harmless(forum, query):
    assert isinstance(search.search(forum["reader"], query).posts, list)


def test_an_edited_post_is_found_by_its_new_words(forum):
    post = forum["public"].posts.order_by("pk").first()
    services.edit_post(actor=forum["insider"], post=post, body="Warsztaty o cyberprzemocy.")
    assert titles(search.search(forum["reader"], "cyberprzemocy")) == {"Szkolenie w Łodzi"}
    assert titles(search.search(forum["reader"], "przemocy terapia")) == set()


def test_the_digest_lists_only_what_the_reader_may_see(forum):
    reader, insider = forum["reader"], forum["insider"]
    for person in (reader, insider):
        services.set_preferences(actor=person, digest="daily", email_notifications=False)
    ForumProfile.objects.update(last_seen_at=timezone.now() - timedelta(days=3))
    writer = member()
    group_obj = forum["secret"].category.parent.restricted_to.get()
    services.add_group_member(actor=None, group=group_obj, user=writer)
    services.reply(actor=writer, thread=forum["secret"], body="Nowe w superwizji")
    services.reply(actor=writer, thread=forum["public"], body="Nowe w ogólnych")
    assert services.send_digests("daily") == 2
    digests = {
        m.recipients[0]: m
        for m in OutboxMessage.objects.filter(dedup_key__startswith="forum:digest:")
    }
    assert "Superwizja grupowa" not in digests[reader.email].body_text
    assert "Szkolenie w Łodzi" in digests[reader.email].body_text
    assert "Superwizja grupowa" in digests[insider.email].body_text
    # Nothing new since: no second digest; and someone who visited today gets none.
    assert services.send_digests("daily") == 0


def test_no_digest_for_people_who_visited_or_left(forum):
    reader = forum["reader"]
    services.set_preferences(actor=reader, digest="daily", email_notifications=False)
    services.touch_visit(reader)
    services.reply(actor=forum["insider"], thread=forum["public"], body="Nowość")
    assert services.send_digests("daily") == 0
    ForumProfile.objects.update(last_seen_at=timezone.now() - timedelta(days=3))
    from ostoja.network.membership import set_state

    set_state(reader.memberships.get().organisation, "left", reason="test")
    assert services.send_digests("daily") == 0
