"""Role × URL expectations of the newsletter (see tests/matrix.py).

Public: the sign-up page, the archive, a public issue, the confirmation and unsubscribe pages
(the token is the credential; an unknown one gets the same page). Members' actions: people of
partner organisations (the network member's and the organisation manager's) and coordinators.
The management pages are the coordinators'.
"""

from tests.matrix import COORD, MANAGER, MEMBER, Case, everyone, only


def _setup(world):
    from django.utils import timezone

    from ostoja.newsletter.models import Issue, NewsletterList

    public = NewsletterList.objects.create(name="Publiczny", slug="m-public")
    members = NewsletterList.objects.create(name="Lista X-1", slug="m-members", audience="members")
    issue = Issue.objects.create(
        newsletter=public,
        subject_pl="Numer 1",
        body_pl="Treść",
        state="sent",
        sent_at=timezone.now(),
    )
    members_issue = Issue.objects.create(
        newsletter=members,
        subject_pl="Wydanie X-1",
        body_pl="Treść",
        state="sent",
        sent_at=timezone.now(),
    )
    world.extra.update(public=public, members=members, issue=issue, members_issue=members_issue)


TOKEN = {"token": "unknown-token-0123456789abcdef"}
MEMBERS = [COORD, MEMBER, MANAGER]


MATRIX = {
    "newsletter:index": Case(expect=everyone(200), setup=[_setup]),
    "newsletter:confirm": Case(expect=everyone(200), kwargs=lambda w: TOKEN),
    "newsletter:unsubscribe": Case(expect=everyone(200), kwargs=lambda w: TOKEN),
    "newsletter:archive": Case(expect=everyone(200), setup=[_setup]),
    "newsletter:archive_issue": Case(
        expect=everyone(200), setup=[_setup], kwargs=lambda w: {"pk": w.extra["issue"].pk}
    ),
    "newsletter:member_subscribe": Case(
        expect=only(MEMBERS, ok=302),
        method="post",
        setup=[_setup],
        kwargs=lambda w: {"pk": w.extra["members"].pk},
    ),
    "newsletter:member_unsubscribe": Case(
        expect=only(MEMBERS, ok=302),
        method="post",
        setup=[_setup],
        kwargs=lambda w: {"pk": w.extra["members"].pk},
    ),
    "newsletter:manage": Case(expect=only([COORD]), setup=[_setup]),
    "newsletter:list_new": Case(expect=only([COORD])),
    "newsletter:list_detail": Case(
        expect=only([COORD]), setup=[_setup], kwargs=lambda w: {"pk": w.extra["public"].pk}
    ),
    "newsletter:issue_new": Case(
        expect=only([COORD]), setup=[_setup], kwargs=lambda w: {"pk": w.extra["public"].pk}
    ),
    "newsletter:issue_edit": Case(
        expect=only([COORD]), setup=[_setup], kwargs=lambda w: {"pk": w.extra["issue"].pk}
    ),
}
