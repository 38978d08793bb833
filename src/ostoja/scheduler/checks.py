"""``manage.py check`` fails when a ``jobs.py`` declares a job the scheduler cannot run."""

from django.core.checks import Error, register

from .registry import JobDefinitionError, discover


@register()
def check_job_definitions(app_configs=None, **kwargs):
    try:
        discover()
    except JobDefinitionError as exc:
        return [Error(str(exc), id="scheduler.E001")]
    return []
