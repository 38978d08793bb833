from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "ostoja.events"
    label = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ostoja.audit.sentences import register

        from .sentences import SENTENCES
        from .services import mail  # noqa: F401 - registers the participants' e-mail composer

        for code, sentence in SENTENCES.items():
            register(code, sentence)
