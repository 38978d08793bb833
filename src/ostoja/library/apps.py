from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "ostoja.library"
    label = "library"
    verbose_name = _("Materials library")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from ostoja.audit.sentences import register
        from ostoja.network.models import Partner

        from . import receivers
        from .sentences import SENTENCES

        for code, sentence in SENTENCES.items():
            register(code, sentence)
        post_save.connect(
            receivers.partner_saved, sender=Partner, dispatch_uid="library-journal-subscription"
        )
