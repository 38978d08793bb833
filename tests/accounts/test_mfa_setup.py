"""MFA set-up (issue 11 item 14): a stable TOTP secret, a way on after the recovery codes,
passkeys (WebAuthn) accepted as the second factor of privileged roles."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from ostoja.accounts.demo import current_code
from ostoja.accounts.mfa import has_second_factor
from tests.conftest import make_user
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in_without_mfa(email="analityk@example.test"):
    user = make_user("hotline_analyst", mfa=False, email=email)
    client = Client()
    r = client.post("/accounts/login/", {"login": email, "password": TEST_PASSWORD})
    assert r.status_code == 302
    return user, client


def test_totp_secret_does_not_change_between_visits():
    _user, client = _signed_in_without_mfa()
    first = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    second = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    assert first == second
    # A wrong code keeps the secret too; the code of the shown secret activates it.
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].secret == first
    r = client.post("/accounts/2fa/totp/activate/", {"code": current_code(first)})
    assert r.status_code == 302


def test_recovery_codes_page_leads_back_to_the_page_the_person_wanted():
    _user, client = _signed_in_without_mfa()
    r = client.get("/hotline/")
    assert r.status_code == 302 and r["Location"].endswith("/accounts/2fa/totp/activate/")
    secret = client.get(r["Location"]).context["form"].secret
    r = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert r["Location"].endswith("/accounts/2fa/recovery-codes/")
    page = client.get(r["Location"]).content.decode()
    assert re.search(r'<a class="button" id="mfa-continue" href="/hotline/">', page)
    assert client.get("/hotline/").status_code == 200


def _with_recovery_codes(user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(user)
    return user


def test_continue_goes_to_the_dashboard_without_a_remembered_page():
    coordinator = _with_recovery_codes(make_user("coordinator"))
    client = Client()
    client.force_login(coordinator)
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert 'id="mfa-continue" href="/dashboard/"' in page


def test_continue_never_leaves_the_site():
    coordinator = _with_recovery_codes(make_user("coordinator"))
    client = Client()
    client.force_login(coordinator)
    session = client.session
    session["ostoja_mfa_next"] = "https://evil.example/"
    session.save()
    page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert "evil.example" not in page
    assert 'id="mfa-continue" href="/dashboard/"' in page


def test_webauthn_is_a_supported_second_factor():
    assert "webauthn" in settings.MFA_SUPPORTED_TYPES
    assert settings.MFA_PASSKEY_LOGIN_ENABLED is False  # a second factor, not a password


def test_passkey_pages_are_reachable_during_setup_and_need_no_inline_script():
    _user, client = _signed_in_without_mfa()
    totp_page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "/accounts/2fa/webauthn/add/" in totp_page
    r = client.get("/accounts/2fa/webauthn/add/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "mfa/js/webauthn.js" in body
    # CSP allows only scripts from the site: every <script> either has a src or is data.
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "script-src 'self'" in r["Content-Security-Policy"]


def test_a_passkey_satisfies_the_mfa_requirement():
    user = make_user("hotline_supervisor", mfa=False)
    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 302
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Klucz USB", "credential": {}},
    )
    assert has_second_factor(user)
    assert client.get("/dashboard/").status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor():
    user = make_user("hotline_supervisor", mfa=False)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"}
    )
    assert not has_second_factor(user)


def test_session_version_ends_sessions_and_version_zero_keeps_djangos_hash():
    user = make_user("network_member")
    assert user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(user)
    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    user.session_version = 1
    user.save(update_fields=["session_version"])
    r = client.get("/dashboard/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
