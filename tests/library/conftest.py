import pytest


@pytest.fixture(autouse=True)
def _library_files(settings, tmp_path):
    """Uploaded files go to a temporary directory (never var/)."""
    settings.OSTOJA_LIBRARY_DIR = tmp_path / "library"
