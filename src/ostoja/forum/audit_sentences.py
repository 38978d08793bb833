"""Sentences of the forum's audit action codes (registered in ``ForumConfig.ready()``)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "forum.group.created": _("Forum group created"),
    "forum.group.member_added": _("Person added to a forum group"),
    "forum.group.member_removed": _("Person removed from a forum group"),
    "forum.category.created": _("Forum category created"),
    "forum.category.updated": _("Forum category changed"),
    "forum.thread.created": _("Forum thread started"),
    "forum.post.created": _("Reply posted in the forum"),
    "forum.post.edited": _("Forum post edited"),
    "forum.post.approved": _("Forum post approved by a moderator"),
    "forum.post.hidden": _("Forum post hidden by a moderator"),
    "forum.post.shown": _("Forum post shown again by a moderator"),
    "forum.post.reported": _("Forum post reported to the moderators"),
    "forum.report.resolved": _("Report of a forum post closed"),
    "forum.thread.locked": _("Forum thread locked"),
    "forum.thread.unlocked": _("Forum thread unlocked"),
    "forum.thread.pinned": _("Forum thread pinned"),
    "forum.thread.unpinned": _("Forum thread unpinned"),
    "forum.thread.hidden": _("Forum thread hidden"),
    "forum.thread.shown": _("Forum thread shown again"),
    "forum.thread.moved": _("Forum thread moved to another category"),
    "forum.subscription.added": _("Forum subscription added"),
    "forum.subscription.removed": _("Forum subscription removed"),
    "forum.preferences.changed": _("Forum notification settings changed"),
    "forum.digest.sent": _("Forum digests queued"),
}
