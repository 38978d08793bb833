from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "ostoja.scheduler"
    label = "scheduler"
    verbose_name = _("Scheduled jobs")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system check of job definitions
