from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafeguardingConfig(AppConfig):
    name = "ostoja.safeguarding"
    label = "safeguarding"
    verbose_name = _("Safeguarding")

    def ready(self):
        # The audit log's sentences for this module's action codes (the audit app never
        # imports the module; see ostoja.audit.sentences.register).
        from .audit_sentences import register_all

        register_all()
