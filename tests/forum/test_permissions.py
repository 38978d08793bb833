"""Who sees what: members only; restricted categories (and everything in them) are 404
outside their groups; moderators inherited by subcategories; "former member"."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ostoja.forum import permissions, services
from ostoja.forum.models import Post
from ostoja.network.membership import set_state
from ostoja.network.models import PartnerState

from .helpers import category, coordinator, group, member, outsider, pdf_bytes, thread

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def restricted():
    supervisor = member()
    reader = member()  # a member of another partner organisation, not in the group
    sup = group("Superwizorzy", supervisor)
    secret = category("Superwizja", restricted_to=[sup])
    sub = category("Przypadki", parent=secret)
    t = thread(
        supervisor, sub, title="Omówienie", body="Poufne.",
        files=[SimpleUploadedFile("notatka.pdf", pdf_bytes())],
    )  # fmt: skip
    post = t.posts.get()
    return {
        "supervisor": supervisor,
        "reader": reader,
        "category": secret,
        "sub": sub,
        "thread": t,
        "post": post,
        "file": post.attachments.get(),
    }


def _urls(r):
    return [
        reverse("forum:category", args=[r["category"].slug]),
        reverse("forum:category", args=[r["sub"].slug]),
        reverse("forum:new_thread", args=[r["sub"].slug]),
        reverse("forum:thread", args=[r["thread"].pk]),
        reverse("forum:post", args=[r["post"].pk]),
        reverse("forum:edit_post", args=[r["post"].pk]),
        reverse("forum:post_history", args=[r["post"].pk]),
        reverse("forum:report_post", args=[r["post"].pk]),
        reverse("forum:attachment", args=[r["file"].pk]),
    ]


def test_member_outside_the_group_gets_404_for_everything_in_a_restricted_category(restricted):
    c = client(restricted["reader"])
    for url in _urls(restricted):
        assert c.get(url).status_code == 404, url
    for url in (
        reverse("forum:subscribe_thread", args=[restricted["thread"].pk]),
        reverse("forum:subscribe_category", args=[restricted["category"].slug]),
        reverse("forum:moderate_post", args=[restricted["post"].pk]),
        reverse("forum:thread", args=[restricted["thread"].pk]),
    ):
        assert c.post(url, {"body": "x", "action": "hide"}).status_code == 404, url
    index = c.get(reverse("forum:index")).content.decode()
    assert "Superwizja" not in index and "Omówienie" not in index


def test_a_coordinator_outside_the_group_does_not_read_it_either(restricted):
    c = client(coordinator())
    assert c.get(reverse("forum:thread", args=[restricted["thread"].pk])).status_code == 404
    assert c.get(reverse("forum:attachment", args=[restricted["file"].pk])).status_code == 404
    # ...but manages the structure, so sees the category's name on the management page.
    assert "Superwizja" in c.get(reverse("forum:categories")).content.decode()


def test_the_group_member_reads_the_thread_and_downloads_the_file(restricted):
    c = client(restricted["supervisor"])
    assert c.get(reverse("forum:thread", args=[restricted["thread"].pk])).status_code == 200
    response = c.get(reverse("forum:attachment", args=[restricted["file"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_non_members_and_anonymous_get_nothing(restricted):
    url = reverse("forum:thread", args=[restricted["thread"].pk])
    assert client(outsider()).get(url).status_code == 403
    assert (
        client(outsider())
        .get(reverse("forum:attachment", args=[restricted["file"].pk]))
        .status_code
        == 403
    )
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_every_forum_page_is_noindex(restricted):
    c = client(restricted["supervisor"])
    response = c.get(reverse("forum:thread", args=[restricted["thread"].pk]))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_moderators_are_inherited_by_subcategories_and_several_are_allowed():
    mod_a, mod_b, person, plain = member(), member(), member(), member()
    g = group("Moderatorzy", mod_a)
    top = category("Top", moderator_groups=[g], moderator_users=[mod_b])
    child = category("Dziecko", parent=top)
    grandchild = category("Wnuk", parent=child, moderator_users=[person])
    for user in (mod_a, mod_b):
        assert permissions.is_moderator(user, grandchild)
    assert permissions.is_moderator(person, grandchild)
    assert not permissions.is_moderator(person, child)
    assert not permissions.is_moderator(plain, grandchild)
    names = {u.pk for u in permissions.moderators_of(grandchild)}
    assert {mod_a.pk, mod_b.pk, person.pk} <= names and plain.pk not in names


def test_a_subcategory_of_a_restricted_category_is_never_more_visible():
    inside, outside = member(), member()
    g = group("Zarząd", inside)
    parent = category("Zarząd", restricted_to=[g])
    child = category("Otwarta w środku", parent=parent)
    assert permissions.can_see_category(inside, child)
    assert not permissions.can_see_category(outside, child)


def test_a_removed_member_posts_stay_as_former_member():
    org_author = member()
    reader = member()
    cat = category()
    t = thread(org_author, cat, body="Moja wypowiedź.")
    c = client(reader)
    page = c.get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert org_author.full_name in page
    set_state(org_author.memberships.get().organisation, PartnerState.LEFT, reason="left")
    page = client(reader).get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert "były członek" in page or "former member" in page
    assert org_author.full_name not in page
    assert "Moja wypowiedź." in page
    assert client(org_author).get(reverse("forum:index")).status_code == 403


def test_hidden_and_pending_posts_are_only_for_moderators_and_the_author():
    author, reader, mod = member(), member(), member()
    cat = category("Wstępna moderacja", premoderated=True, moderator_users=[mod])
    t = thread(author, cat, body="Czeka na zatwierdzenie.")
    post = t.posts.get()
    assert post.state == "pending"
    assert client(reader).get(reverse("forum:thread", args=[t.pk])).status_code == 404
    assert client(author).get(reverse("forum:thread", args=[t.pk])).status_code == 200
    assert client(mod).get(reverse("forum:thread", args=[t.pk])).status_code == 200
    services.moderate_post(actor=mod, post=post, action="approve")
    assert client(reader).get(reverse("forum:thread", args=[t.pk])).status_code == 200
    services.moderate_post(actor=mod, post=Post.objects.get(pk=post.pk), action="hide")
    page = client(reader).get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert "Czeka na zatwierdzenie." not in page
