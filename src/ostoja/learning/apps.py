from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "ostoja.learning"
    label = "learning"
    verbose_name = _("Training, supervision and consultations")
    default_auto_field = "django.db.models.BigAutoField"
    # The module card's text (core/modules.py); kept here so its translation is in this app's
    # catalogue.
    summary = _(
        "Training courses in editions with completion certificates, supervision groups "
        "for their graduates, and consultations with experts by phone, video or in writing."
    )

    def ready(self):
        # Supervision subscribes to the training's completion signal (GUIDE habit 11).
        from . import receivers  # noqa: F401
        from .audit_sentences import register_sentences

        register_sentences()
