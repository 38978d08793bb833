"""Role × URL expectations of the forum (see tests/matrix.py).

The forum is for partnership members: in the matrix world the coordinator and the people of
the two partner organisations (network member, organisation manager). Everyone else signed in
gets 403, anonymous visitors the login page. Coordinators manage groups and categories and
moderate; the network member wrote the post (so edits it and sees its history). Restricted
categories (404 outside their groups) are tested in test_permissions.py.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import COORD, MANAGER, MEMBER, Case, only

FORUM = [COORD, MEMBER, MANAGER]


def _forum(world):
    from ostoja.forum import services
    from tests.forum.helpers import png_bytes

    group = services.create_group(actor=None, name="Grupa robocza")
    category = services.create_category(actor=None, name="Sprawy ogólne")
    thread = services.start_thread(
        actor=world.users[MEMBER],
        category=category,
        title="Spotkanie partnerstwa",
        body="Zapraszamy na spotkanie.",
        files=[SimpleUploadedFile("plan.png", png_bytes())],
    )
    post = thread.posts.get()
    services.edit_post(actor=world.users[MEMBER], post=post, body="Zapraszamy na spotkanie w maju.")
    report = services.report_post(actor=world.users[MANAGER], post=post, reason="Test zgłoszenia")
    world.extra.update(
        group=group,
        category=category,
        thread=thread,
        post=post,
        report=report,
        attachment=post.attachments.get(),
    )


def _slug(w):
    return {"slug": w.extra["category"].slug}


def _thread(w):
    return {"pk": w.extra["thread"].pk}


def _post(w):
    return {"pk": w.extra["post"].pk}


S = [_forum]

MATRIX = {
    "forum:index": Case(expect=only(FORUM), setup=S),
    "forum:search": Case(expect=only(FORUM), setup=S),
    "forum:notifications": Case(expect=only(FORUM), setup=S),
    "forum:preferences": Case(expect=only(FORUM), setup=S),
    "forum:moderation": Case(expect=only([COORD]), setup=S),
    "forum:resolve_report": Case(
        expect=only([COORD], ok=302),
        setup=S,
        method="post",
        kwargs=lambda w: {"pk": w.extra["report"].pk},
    ),
    "forum:category": Case(expect=only(FORUM), setup=S, kwargs=_slug),
    "forum:new_thread": Case(expect=only(FORUM), setup=S, kwargs=_slug),
    "forum:subscribe_category": Case(
        expect=only(FORUM, ok=302), setup=S, kwargs=_slug, method="post"
    ),
    "forum:thread": Case(expect=only(FORUM), setup=S, kwargs=_thread),
    "forum:subscribe_thread": Case(
        expect=only(FORUM, ok=302), setup=S, kwargs=_thread, method="post"
    ),
    "forum:moderate_thread": Case(
        expect=only([COORD], ok=302),
        setup=S,
        kwargs=_thread,
        method="post",
        data=lambda w: {"action": "pin"},
    ),
    "forum:post": Case(expect=only(FORUM, ok=302), setup=S, kwargs=_post),
    "forum:edit_post": Case(expect=only([COORD, MEMBER]), setup=S, kwargs=_post),
    "forum:post_history": Case(expect=only([COORD, MEMBER]), setup=S, kwargs=_post),
    "forum:report_post": Case(expect=only(FORUM), setup=S, kwargs=_post),
    "forum:moderate_post": Case(
        expect=only([COORD], ok=302),
        setup=S,
        kwargs=_post,
        method="post",
        data=lambda w: {"action": "hide"},
    ),
    "forum:attachment": Case(
        expect=only(FORUM), setup=S, kwargs=lambda w: {"pk": w.extra["attachment"].pk}
    ),
    "forum:groups": Case(expect=only([COORD]), setup=S),
    "forum:group": Case(
        expect=only([COORD]), setup=S, kwargs=lambda w: {"pk": w.extra["group"].pk}
    ),
    "forum:categories": Case(expect=only([COORD]), setup=S),
    "forum:edit_category": Case(
        expect=only([COORD]), setup=S, kwargs=lambda w: {"pk": w.extra["category"].pk}
    ),
}
