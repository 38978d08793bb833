from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PactConfig(AppConfig):
    name = "ostoja.pact"
    label = "pact"
    verbose_name = _("Pact of Towns and Regions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The audit log's sentences for this module's action codes (the audit app never
        # imports the module; see ostoja.audit.sentences.register).
        from .audit_sentences import register_all

        register_all()
