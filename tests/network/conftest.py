import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests to /en/ pages activate English in this thread; leave it as it was."""
    with translation.override("pl"):
        yield
