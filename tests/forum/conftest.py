import pytest


@pytest.fixture(autouse=True)
def _forum_files(settings, tmp_path):
    settings.OSTOJA_FORUM_FILES_DIR = tmp_path / "forum-files"
    settings.OSTOJA_FORUM_MAX_ATTACHMENT_BYTES = 200_000
