"""The forum's service functions: posting, quoting, mentions, notifications, edits with
history, the child-data check, moderation and the audit entries."""

import pytest
from django.core import mail

from ostoja.audit.models import AuditEntry
from ostoja.forum import services
from ostoja.forum.models import (
    ModerationLogEntry,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    Thread,
)
from ostoja.forum.services.posting import quote_source
from ostoja.outbox.models import OutboxMessage

from .helpers import category, group, member, thread

pytestmark = pytest.mark.django_db


def test_a_thread_and_a_reply_are_rendered_once_counted_and_audited():
    author, other = member(), member()
    cat = category()
    t = thread(author, cat, title="Konferencja", body="**Ważne**: spotkanie.")
    post = t.posts.get()
    assert "<strong>Ważne</strong>" in post.body_html
    r = services.reply(actor=other, thread=t, body="Będę.")
    t.refresh_from_db()
    assert t.post_count == 2 and t.last_post_at == r.created_at
    actions = set(
        AuditEntry.objects.filter(action__startswith="forum.").values_list("action", flat=True)
    )
    assert {"forum.category.created", "forum.thread.created", "forum.post.created"} <= actions


def test_quoting_prefills_the_quoted_text_with_the_handle():
    author = member(full_name="Anna Kowalska")
    t = thread(author, category(), body="Pierwsza linia\nDruga linia")
    source = quote_source(t.posts.get())
    assert source.startswith("> @anna.kowalska:\n>\n> Pierwsza linia\n> Druga linia")


def test_category_subscribers_and_mentioned_members_are_notified_by_email():
    author = member(full_name="Anna Autorka")
    follower = member(full_name="Bartek Obserwator", language="en")
    mentioned = member(full_name="Celina Wspomniana")
    cat = category("Prawo")
    services.subscribe(actor=follower, category=cat)
    handle = services.profile_for(mentioned).handle
    t = thread(author, cat, title="Nowelizacja", body=f"Co sądzisz, @{handle}?")
    post = t.posts.get()
    kinds = dict(Notification.objects.filter(post=post).values_list("user_id", "kind"))
    assert kinds == {follower.pk: NotificationKind.THREAD, mentioned.pk: NotificationKind.MENTION}
    messages = {
        m.recipients[0]: m
        for m in OutboxMessage.objects.filter(dedup_key__startswith="forum:notify:")
    }
    assert set(messages) == {follower.email, mentioned.email}
    english = messages[follower.email]
    assert "New thread: Nowelizacja" in english.subject
    assert "Co sądzisz" not in english.body_text  # the post's text stays in the forum
    assert f"/en/forum/p/{post.pk}/" in english.body_text


def test_a_mention_of_someone_who_cannot_see_the_category_notifies_nobody():
    author, insider, outsider_member = member(), member(), member()
    g = group("Zarząd", author, insider)
    cat = category("Zarząd", restricted_to=[g])
    handle = services.profile_for(outsider_member).handle
    thread(author, cat, body=f"@{handle} zobacz")
    assert not Notification.objects.filter(user=outsider_member).exists()
    sent_to = [m.recipients for m in OutboxMessage.objects.all()] + [m.to for m in mail.outbox]
    assert all(outsider_member.email not in to for to in sent_to)


def test_thread_followers_get_replies_and_the_author_is_not_notified_of_their_own_post():
    a, b = member(), member()
    t = thread(a, category())  # the author follows the thread automatically
    services.reply(actor=b, thread=t, body="Odpowiedź")
    services.reply(actor=a, thread=t, body="Dziękuję")
    assert list(Notification.objects.filter(user=a).values_list("kind", flat=True)) == ["reply"]
    assert list(Notification.objects.filter(user=b).values_list("kind", flat=True)) == ["reply"]


def test_edits_keep_the_history():
    author = member()
    t = thread(author, category(), body="Wersja 1")
    post = t.posts.get()
    services.edit_post(actor=author, post=post, body="Wersja 2")
    services.edit_post(actor=author, post=post, body="Wersja 3")
    post.refresh_from_db()
    assert post.body == "Wersja 3" and post.edited_at
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        "Wersja 2",
        "Wersja 1",
    ]
    other = member()
    with pytest.raises(services.NotAllowed):
        services.edit_post(actor=other, post=post, body="Cudza zmiana")


def test_the_child_data_check_stops_until_the_author_confirms_and_stores_only_kinds():
    author = member()
    cat = category()
    text = "Chłopiec Jan Kowalski, ur. 03.05.2015, PESEL 15250312340, tel. 600 700 800"
    with pytest.raises(services.ChildDataFound) as found:
        thread(author, cat, body=text)
    assert {"name_dob", "phone"} <= set(found.value.kinds)
    assert not Thread.objects.exists()
    t = thread(author, cat, body=text, confirm_child_data=True)
    post = t.posts.get()
    assert post.child_data_kinds == found.value.kinds
    entry = AuditEntry.objects.get(action="forum.thread.created")
    assert "Kowalski" not in str(entry.data) and entry.data["child_data_kinds"] == found.value.kinds


def test_premoderation_holds_the_post_and_approval_publishes_and_notifies():
    author, follower, mod = member(), member(), member()
    cat = category("Moderowana", premoderated=True, moderator_users=[mod])
    services.subscribe(actor=follower, category=cat)
    t = thread(author, cat)
    post = t.posts.get()
    assert post.state == "pending" and t.post_count == 0
    assert Notification.objects.filter(user=mod, kind="approval").exists()
    assert not Notification.objects.filter(user=follower).exists()
    services.moderate_post(actor=mod, post=post, action="approve")
    t.refresh_from_db()
    assert t.post_count == 1
    assert Notification.objects.filter(user=follower, kind="thread").exists()
    with pytest.raises(services.NotAllowed):
        services.moderate_post(actor=follower, post=post, action="hide")


def test_lock_pin_move_and_the_moderation_log():
    author, mod = member(), member()
    g = group("Moderatorzy", mod)
    a = category("A", moderator_groups=[g])
    b = category("B", moderator_groups=[g])
    t = thread(author, a)
    services.moderate_thread(actor=mod, thread=t, action="lock", reason="koniec dyskusji")
    with pytest.raises(services.NotAllowed):
        services.reply(actor=author, thread=t, body="jeszcze")
    services.moderate_thread(actor=mod, thread=t, action="pin")
    services.moderate_thread(actor=mod, thread=t, action="move", to_category=b)
    t.refresh_from_db()
    assert t.locked and t.pinned and t.category == b
    assert set(Post.objects.filter(thread=t).values_list("category_id", flat=True)) == {b.pk}
    log = list(ModerationLogEntry.objects.values_list("action", flat=True))
    assert {"lock", "pin", "move"} <= set(log)
    assert AuditEntry.objects.filter(action="forum.thread.moved").exists()


def test_a_report_reaches_the_moderators_once():
    author, reporter, mod = member(), member(), member()
    cat = category(moderator_users=[mod])
    post = thread(author, cat).posts.get()
    report = services.report_post(actor=reporter, post=post, reason="Narusza zasady")
    assert Notification.objects.filter(user=mod, kind="report").exists()
    with pytest.raises(services.ForumError):
        services.report_post(actor=reporter, post=post, reason="Jeszcze raz")
    services.resolve_report(actor=mod, report=report)
    report.refresh_from_db()
    assert report.resolved_by == mod


def test_group_membership_is_only_for_partnership_members():
    from .helpers import outsider

    g = group("Grupa")
    with pytest.raises(services.ForumError):
        services.add_group_member(actor=None, group=g, user=outsider())
