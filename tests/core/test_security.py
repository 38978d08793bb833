import os
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_security_headers_on_home():
    response = Client().get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Request-ID"]
    assert not response.cookies, "the public home page must not set cookies"


def test_polish_by_default_and_english_under_prefix():
    pl = Client().get("/")
    assert '<html lang="pl">' in pl.content.decode()
    assert "Razem chronimy dzieci" in pl.content.decode()
    en = Client().get("/en/")
    assert '<html lang="en">' in en.content.decode()
    assert "Protecting children together" in en.content.decode()


@pytest.mark.parametrize("path", ["/de/", "/xx/dashboard/", "/zz-ZZ/", "/%F0%9F%92%A9/"])
def test_unknown_language_is_a_translated_404(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.content.decode()


def test_english_404():
    response = Client().get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_healthz():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_authenticated_pages_are_not_cached(coordinator_client):
    response = coordinator_client.get("/dashboard/")
    assert response["Cache-Control"] == "no-store"
    assert response.cookies.get("sessionid") is None or response.cookies["sessionid"]["httponly"]


def test_oversized_form_post_is_a_clear_413(coordinator_client):
    from ostoja.organisations.models import ApiToken

    slug = coordinator_client.get("/organisations/").context["organisations"][0].slug
    response = coordinator_client.post(
        f"/organisations/{slug}/tokens/", data={"name": "a" * (3 * 1024 * 1024)}
    )
    # Refused before the body is read (issue 11): 413 with a translated page.
    assert response.status_code == 413
    assert "Wysłano zbyt dużo danych" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_get_only_pages_refuse_other_methods(coordinator_client):
    assert coordinator_client.post("/organisations/").status_code == 405


def test_expired_csrf_gives_translated_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.test", "password": "x"})
    assert response.status_code == 403
    assert "Formularz wygasł" in response.content.decode()


def test_api_bad_json_is_a_400_naming_the_body():
    from ostoja.organisations.services import issue_api_token
    from tests.factories import OrganisationFactory

    _token, secret = issue_api_token(
        actor=None, organisation=OrganisationFactory(kind="online_platform"), name="t"
    )
    response = Client().post(
        "/api/v1/reports",
        data="{bad",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_check_deploy_is_clean_under_prod_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "ostoja.config.settings.prod",
        "SECRET_KEY": "k" * 20 + "Zq8#mP2$vL9@xR4!nT7&bW1*cY6^dF3%hJ5",
        "ALLOWED_HOSTS": "ostoja.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_null_origin_accepted_only_for_same_origin_fetch_metadata():
    from ostoja.organisations.models import ApiToken  # noqa: F401

    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    data = {"login": "nobody@example.test", "password": "x", "csrfmiddlewaretoken": token}
    cross = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert cross.status_code == 403
    same = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert same.status_code == 200  # the form answers (wrong password), no CSRF failure


def test_dev_server_request_log_is_silenced(capfd):
    """runserver's request lines carry full paths (search terms, status codes): never logged."""
    import logging

    logging.getLogger("django.server").warning('"GET /help/?q=%s HTTP/1.1" 404 10', "secret-term")
    out, err = capfd.readouterr()
    assert "secret-term" not in out + err
