from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PositionsConfig(AppConfig):
    name = "ostoja.positions"
    label = "positions"
    verbose_name = _("Joint positions, standards and campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ostoja.audit.sentences import register

        from .sentences import SENTENCES

        for code, sentence in SENTENCES.items():
            register(code, sentence)
