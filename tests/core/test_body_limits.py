"""Issue 11, item 1: a form refuses a body it cannot use before reading it (413, translated)."""

import pytest
from django.http import multipartparser
from django.urls import resolve

from ostoja.core.body_limits import MULTIPART_SLACK, body_limit

pytestmark = pytest.mark.django_db

SIXTY_MB = 60 * 1024 * 1024


@pytest.fixture
def no_parsing(monkeypatch):
    def must_not_parse(self):
        raise AssertionError("the body was read")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", must_not_parse)


@pytest.mark.parametrize(
    ("path", "phrase"),
    [("/report/", "Wysłano zbyt dużo danych"), ("/en/report/", "Too much data sent")],
)
def test_report_form_refuses_a_huge_multipart_body_unread(client, no_parsing, path, phrase):
    response = client.generic(
        "POST",
        path,
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(SIXTY_MB),
    )
    assert response.status_code == 413
    assert phrase in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_urlencoded_bodies_over_the_form_limit_are_refused_too(client, settings, no_parsing):
    response = client.generic(
        "POST",
        "/report/",
        b"a=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MULTIPART_SLACK + 1),
    )
    assert response.status_code == 413


def test_a_normal_report_post_is_not_refused(client):
    response = client.post("/report/", {"urls": "https://example.com/x"})
    assert response.status_code != 413


def test_upload_views_declare_their_larger_limit(settings):
    for path in ("/banks/bank-x/import/", "/directory/manage/import/"):
        try:
            match = resolve(path)
        except Exception:  # noqa: BLE001 - path shape differs: look the view up by name
            continue
        assert body_limit(match.func) >= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    from ostoja.banks.views import import_upload
    from ostoja.directory.views import import_view

    for view in (import_upload, import_view):
        assert body_limit(view) >= settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def test_the_api_keeps_its_own_json_answers(client, no_parsing):
    response = client.generic(
        "POST",
        "/api/v1/match/image",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(SIXTY_MB),
    )
    assert response.status_code == 401  # the API's own (JSON) answer, not the HTML 413
    assert response["Content-Type"].startswith("application/json")
