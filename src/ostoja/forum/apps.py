from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
