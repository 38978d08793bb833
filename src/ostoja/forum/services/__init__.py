"""Every state change of the forum (one function each; validated, in one transaction,
audited). Views, commands, demo data and tests call these and nothing else.

* :mod:`.structure` -- groups, categories, moderators (the coordinators);
* :mod:`.posting` -- threads, replies, edits, attachments, the child-data check;
* :mod:`.moderation` -- approve, hide, lock, pin, move, reports, the moderation log;
* :mod:`.following` -- subscriptions, notifications, preferences, visits;
* :mod:`.digest` -- the daily and weekly e-mail digest.
"""

from .common import ChildDataFound, ForumError, NotAllowed, profile_for
from .digest import send_digests
from .following import (
    mark_read,
    set_preferences,
    subscribe,
    touch_visit,
    unsubscribe,
)
from .moderation import moderate_post, moderate_thread, report_post, resolve_report
from .posting import edit_post, reply, start_thread
from .structure import (
    add_group_member,
    create_category,
    create_group,
    remove_group_member,
    update_category,
)

__all__ = [
    "ChildDataFound",
    "ForumError",
    "NotAllowed",
    "add_group_member",
    "create_category",
    "create_group",
    "edit_post",
    "mark_read",
    "moderate_post",
    "moderate_thread",
    "profile_for",
    "remove_group_member",
    "reply",
    "report_post",
    "resolve_report",
    "send_digests",
    "set_preferences",
    "start_thread",
    "subscribe",
    "touch_visit",
    "unsubscribe",
    "update_category",
]
