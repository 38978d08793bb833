"""Background work of the directory (django-tasks)."""

from django_tasks import task

from . import services


@task()
def send_verification_reminders() -> dict:
    """Remind providers every 6 months to verify their services (see the management command
    ``directory_send_reminders``, run daily)."""
    return services.send_verification_reminders()
