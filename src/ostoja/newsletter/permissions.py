"""Every permission decision of the newsletter, in one place.

Coordinators run the lists and write the issues. Anyone may subscribe to a public list and
read its past issues; the members' lists and their issues are for partnership members only
(``ostoja.network.membership``), and a members' issue is a 404 for everyone else.
"""

from __future__ import annotations

from ostoja.network.membership import is_coordinator, is_partnership_member

from .models import Issue, NewsletterList


def can_manage(user) -> bool:
    return is_coordinator(user)


def visible_lists(user):
    lists = NewsletterList.objects.filter(active=True)
    if not is_partnership_member(user):
        lists = lists.filter(audience=NewsletterList.Audience.PUBLIC)
    return lists


def archive(user):
    """Sent issues the user may read."""
    issues = Issue.objects.filter(state=Issue.State.SENT).select_related("newsletter")
    if not is_partnership_member(user):
        issues = issues.filter(newsletter__audience=NewsletterList.Audience.PUBLIC)
    return issues
