from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "ostoja.newsletter"
    label = "newsletter"
    verbose_name = _("Newsletter")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ostoja.audit.sentences import register

        for code, sentence in AUDIT_SENTENCES.items():
            register(code, sentence)


# What each audit action of the newsletter means (registered with the audit log in ready(), so
# the sentences are translated in this app's catalogue and the audit app imports nothing here).
AUDIT_SENTENCES = {
    "newsletter.list.created": _("Newsletter list created"),
    "newsletter.subscriber.confirmed": _("Newsletter subscription confirmed"),
    "newsletter.subscriber.member_subscribed": _("Member subscribed to the members' newsletter"),
    "newsletter.subscriber.unsubscribed": _("Unsubscribed from a newsletter"),
    "newsletter.subscriber.stopped": _("Newsletter delivery to an address stopped (bounces)"),
    "newsletter.issue.created": _("Newsletter issue drafted"),
    "newsletter.issue.updated": _("Newsletter issue edited"),
    "newsletter.issue.scheduled": _("Newsletter issue scheduled"),
    "newsletter.issue.unscheduled": _("Newsletter issue taken back to draft"),
    "newsletter.issue.test_sent": _("Test copy of a newsletter issue sent"),
    "newsletter.issue.sent": _("Newsletter issue sent"),
}
