from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The module card's text (core/modules.py shows it; kept here so the forum's catalogue
# carries its translation).
MODULE_SUMMARY = _(
    "The closed forum of the partnership's member organisations: categories, "
    "restricted groups, attachments, notifications and search."
)


class ForumConfig(AppConfig):
    name = "ostoja.forum"
    label = "forum"
    verbose_name = _("Partnership forum")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ostoja.audit.sentences import register

        from .audit_sentences import SENTENCES

        for code, sentence in SENTENCES.items():
            register(code, sentence)
