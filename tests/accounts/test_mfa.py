import time

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings

from ostoja.accounts.demo import current_code
from ostoja.audit.models import AuditEntry
from tests.conftest import TEST_TOTP_SECRET, make_user
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_privileged_user_without_mfa_is_sent_to_setup():
    analyst = make_user("hotline_analyst", mfa=False)
    client = Client()
    client.force_login(analyst)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/2fa/totp/activate/")
    assert client.get("/organisations/").status_code == 302


def test_non_privileged_user_is_not_forced():
    member = make_user("network_member")
    client = Client()
    client.force_login(member)
    assert client.get("/dashboard/").status_code == 200


def test_login_with_totp_then_dashboard():
    supervisor = make_user("hotline_supervisor", email="sup@example.test")
    client = Client()
    r = client.post("/accounts/login/", {"login": "sup@example.test", "password": TEST_PASSWORD})
    assert r.status_code == 302 and "/accounts/2fa/authenticate" in r["Location"]
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "code" in wrong.content.decode().lower()
    ok = client.post("/accounts/2fa/authenticate/", {"code": current_code(TEST_TOTP_SECRET)})
    assert ok.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.user.logged_in", actor=supervisor).exists()


def test_a_code_typed_just_after_the_step_boundary_is_still_accepted(monkeypatch):
    """The helper's code is read at the last moment of a 30-second step and typed in the next
    one (a slow browser test did exactly this): it must still be accepted."""
    make_user("hotline_supervisor", email="late@example.test")
    client = Client()
    client.post("/accounts/login/", {"login": "late@example.test", "password": TEST_PASSWORD})
    step_end = (int(time.time()) // 30 + 1) * 30
    monkeypatch.setattr(time, "time", lambda: step_end - 0.1)
    code = current_code(TEST_TOTP_SECRET)
    monkeypatch.setattr(time, "time", lambda: step_end + 1.0)
    ok = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert ok.status_code == 302 and ok["Location"].endswith("/dashboard/")


def test_activation_is_audited(django_capture_on_commit_callbacks):
    analyst = make_user("hotline_analyst", mfa=False, email="new-analyst@example.test")
    client = Client()
    r = client.post(
        "/accounts/login/", {"login": "new-analyst@example.test", "password": TEST_PASSWORD}
    )
    assert r.status_code == 302
    assert client.get("/dashboard/")["Location"].endswith("/accounts/2fa/totp/activate/")
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert r.status_code == 302
    assert Authenticator.objects.filter(user=analyst, type="totp").exists()
    assert AuditEntry.objects.filter(action="accounts.user.mfa_enabled", actor=analyst).exists()
    assert client.get("/dashboard/").status_code == 200


@override_settings(OSTOJA_STAFF_IDLE_TIMEOUT_MINUTES=30)
def test_idle_timeout_logs_privileged_users_out():
    coordinator = make_user("coordinator")
    client = Client()
    client.force_login(coordinator)
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session["ostoja_last_activity"] = time.time() - 31 * 60
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/dashboard/").status_code == 302  # really signed out


def test_login_is_throttled_after_failures():
    make_user("network_member", email="victim@example.test")
    client = Client()
    for _ in range(5):
        r = client.post(
            "/accounts/login/", {"login": "victim@example.test", "password": "wrong-pass-123"}
        )
        assert r.status_code == 200 and "_auth_user_id" not in client.session
    # Throttled now: even the right password is refused, with a clear message.
    r = client.post("/accounts/login/", {"login": "victim@example.test", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Zbyt wiele" in r.content.decode() or "Too many" in r.content.decode()


def test_password_reset_sends_mail_in_users_language(mailoutbox):
    make_user("network_member", email="en@example.test", language="en")
    make_user("network_member", email="pl@example.test", language="pl")
    Client().post("/accounts/password/reset/", {"email": "en@example.test"})
    Client().post("/accounts/password/reset/", {"email": "pl@example.test"})
    assert len(mailoutbox) == 2
    english, polish = mailoutbox
    assert "Password" in english.subject
    assert english.subject != polish.subject  # same template, the recipient's language
