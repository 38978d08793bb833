from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PactConfig(AppConfig):
    name = "ostoja.pact"
    label = "pact"
    verbose_name = _("Pact of Towns and Regions")
    default_auto_field = "django.db.models.BigAutoField"
