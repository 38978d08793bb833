from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BanksConfig(AppConfig):
    name = "ostoja.banks"
    label = "banks"
    verbose_name = _("Hash banks")
