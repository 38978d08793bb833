"""Issue 11 item 10: an untraceable host is not a dead end.

When the hosting cannot be traced (no DNS, a resolver error) the analyst sees a translated
explanation (the raw error only behind "Technical details"), can trace again, and can enter
the hosting by hand with a reason. A supervisor's override of a *traced* result stays a
supervisor's. Coordinators are warned on their dashboard while OSTOJA_POLICE_CONTACT is unset.
"""

from __future__ import annotations

import re
import socket

import pytest
from django.test import Client

from ostoja.audit.models import AuditEntry
from ostoja.takedown.models import CaseState, Flag
from tests.takedown.conftest import open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _visible(html: str) -> str:
    """The page without its collapsed <details> blocks."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)


@pytest.fixture
def untraced(td, dns):
    dns["files.example.com"] = socket.gaierror(-2, "Name or service not known")
    case = open_case(td)
    assert case.flag == Flag.NO_TRACE and case.state == CaseState.HOSTING_UNKNOWN
    return case


def test_analyst_sees_an_explanation_not_a_python_error(td, untraced):
    for prefix, sentence in [
        ("/en", "The host name could not be resolved"),
        ("", "Nie udało się przetłumaczyć nazwy hosta na adres IP"),
    ]:
        page = client_for(td.analyst).get(f"{prefix}/takedown/items/{untraced.item_id}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert sentence in html
        shown = _visible(html)
        assert "Errno" not in shown and "dns_failed" not in shown and "gaierror" not in shown
        # The raw error is still there for whoever needs it, collapsed.
        assert "Errno -2" in html


def test_analyst_can_retry_the_trace(td, untraced, dns):
    c = client_for(td.analyst)
    url = f"/en/takedown/items/{untraced.item_id}/trace/"
    failed = c.post(url, follow=True).content.decode()
    assert "still unknown: The host name could not be resolved" in failed
    assert "dns_failed" not in _visible(failed)
    dns["files.example.com"] = ["192.0.2.10"]
    c.post(url)
    untraced.refresh_from_db()
    assert untraced.state == CaseState.NOTIFIED and untraced.hosting_country == "PL"


def test_analyst_enters_the_hosting_by_hand_with_a_reason(td, untraced):
    c = client_for(td.analyst)
    page = c.get(f"/en/takedown/items/{untraced.item_id}/").content.decode()
    assert "Enter the hosting by hand" in page
    url = f"/en/takedown/items/{untraced.item_id}/override/"
    refused = c.post(url, {"country": "PL", "provider": td.provider.pk, "reason": ""})
    assert refused.status_code == 400
    untraced.refresh_from_db()
    assert untraced.state == CaseState.HOSTING_UNKNOWN
    done = c.post(
        url, {"country": "PL", "provider": td.provider.pk, "reason": "WHOIS: Hosting Testowy."}
    )
    assert done.status_code == 302
    untraced.refresh_from_db()
    assert untraced.state == CaseState.NOTIFIED and untraced.provider_id == td.provider.pk
    entry = AuditEntry.objects.get(action="takedown.hosting.overridden")
    assert entry.actor_id == td.analyst.pk and entry.data["reason"] == "WHOIS: Hosting Testowy."


def test_a_traced_result_is_still_overridden_only_by_a_supervisor(td):
    case = open_case(td)  # traced: PL, the provider
    url = f"/en/takedown/items/{case.item_id}/override/"
    data = {"country": "DE", "reason": "CDN in front."}
    page = client_for(td.analyst).get(f"/en/takedown/items/{case.item_id}/").content.decode()
    assert "Enter the hosting by hand" not in page and "Set the hosting by hand" not in page
    assert client_for(td.analyst).post(url, data).status_code == 403
    assert client_for(td.supervisor).post(url, data).status_code == 302


def test_coordinators_are_warned_while_police_contact_is_unset(td, settings, coordinator):
    settings.OSTOJA_POLICE_CONTACT = ""
    html = client_for(coordinator).get("/en/dashboard/").content.decode()
    assert "OSTOJA_POLICE_CONTACT is not set" in html
    assert "OSTOJA_POLICE_CONTACT" in client_for(coordinator).get("/dashboard/").content.decode()
    assert "OSTOJA_POLICE_CONTACT" not in (
        client_for(td.analyst).get("/en/dashboard/").content.decode()
    )
    settings.OSTOJA_POLICE_CONTACT = "td-police"
    assert "OSTOJA_POLICE_CONTACT" not in (
        client_for(coordinator).get("/en/dashboard/").content.decode()
    )
