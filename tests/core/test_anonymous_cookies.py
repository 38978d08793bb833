"""Issue 11 item 7: anonymous pages leave no lasting trace on a shared device.

The report form, the status page and the appeal form set only the CSRF cookie their form
needs, and only for the browser session (no ``Max-Age``/``Expires``): closing the browser
removes it. Their privacy notes say so. The home page says how it may be cached.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.hotline.factories import HotlineFactory

pytestmark = pytest.mark.django_db

FORM_PAGES = ["/report/", "/report/status/", "/blocked/appeal/"]


@pytest.mark.parametrize("path", FORM_PAGES)
def test_form_pages_set_only_a_session_csrf_cookie(path):
    HotlineFactory(slug="hotline-a")
    response = Client().get(path)
    assert response.status_code == 200
    assert set(response.cookies) == {"csrftoken"}
    cookie = response.cookies["csrftoken"]
    assert cookie["max-age"] == "" and cookie["expires"] == "", "a lasting cookie"
    # The same after a (failed) post, which renders the form again.
    again = Client().post(path, {})
    for morsel in again.cookies.values():
        assert morsel["max-age"] == "" and morsel["expires"] == ""


@pytest.mark.parametrize("path", FORM_PAGES)
def test_privacy_note_says_the_cookie_goes_when_the_browser_closes(path):
    HotlineFactory(slug="hotline-a")
    pl = Client().get(path).content.decode()
    assert "przeglądarka usuwa go po zamknięciu" in pl
    en = Client().get(f"/en{path}").content.decode()
    assert "your browser deletes it when you close it" in en


@pytest.mark.parametrize("path", ["/", "/en/"])
def test_home_page_sends_cache_control_and_no_cookie(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
