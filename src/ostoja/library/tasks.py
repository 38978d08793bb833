"""Background work of the library (django-tasks): text extraction never blocks a request."""

from django_tasks import task

from . import services


@task()
def extract_text(version_id: int) -> str:
    """Read the text of an uploaded version and index it (see ``extraction``)."""
    return services.extract_version_text(version_id)
