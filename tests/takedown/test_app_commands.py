"""The sweep command, the demo data and tenant scoping of appeals."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from ostoja.takedown.models import Appeal, Case, CaseState, HostingTrace, Notice, ProviderRule
from tests.hotline.factories import HotlineFactory
from tests.takedown.conftest import illegal_item, open_case

pytestmark = pytest.mark.django_db


class ExplodingResolver:
    """Fails the test if anything tries to resolve a name."""

    def resolve(self, host):
        raise AssertionError(f"the demo must not resolve {host}")


def test_sweep_command_renotices_due_cases(td, monkeypatch):
    case = open_case(td)
    Case.objects.filter(pk=case.pk).update(next_action_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("takedown_sweep", stdout=out)
    assert "re-noticed 1" in out.getvalue()
    case.refresh_from_db()
    assert case.notice_count == 2
    out = io.StringIO()
    call_command("takedown_sweep", "--loop", "--iterations", "1", "--interval", "0", stdout=out)
    assert "re-noticed" not in out.getvalue()  # nothing due: the loop stays quiet


def test_demo_seeds_without_network_and_is_idempotent(td, settings, user_factory):
    from ostoja.takedown import demo
    from tests.factories import OrganisationFactory, UserFactory

    settings.OSTOJA_TAKEDOWN_RESOLVER = "tests.takedown.test_app_commands.ExplodingResolver"
    hotline = HotlineFactory(slug=demo.DEMO_HOTLINE, name="Demo hotline")
    OrganisationFactory(slug=demo.DEMO_PROVIDER, kind="hosting_provider")
    OrganisationFactory(slug=demo.DEMO_PARTNER, kind="hotline", country="DE", language="en")
    analyst = UserFactory(email="analityk@demo.ostoja.invalid")
    supervisor = UserFactory(email="superwizor@demo.ostoja.invalid")
    from ostoja.organisations.models import Membership

    Membership.objects.create(user=analyst, organisation=hotline, role="hotline_analyst")
    Membership.objects.create(user=supervisor, organisation=hotline, role="hotline_supervisor")
    illegal_item(hotline, supervisor, "https://files.example.com/demo-existing")
    out = io.StringIO()
    demo.seed_demo(out)
    cases = Case.objects.filter(hotline=hotline)
    assert cases.count() == 1 + len(demo.EXTRA)
    states = set(cases.values_list("state", flat=True))
    assert {CaseState.REMOVED, CaseState.REFERRED, CaseState.HOSTING_UNKNOWN} <= states
    assert Appeal.objects.filter(hotline=hotline).count() == 1
    rules = ProviderRule.objects.count()
    demo.seed_demo(out)  # idempotent
    assert cases.count() == 1 + len(demo.EXTRA) and ProviderRule.objects.count() == rules
    assert "already present" in out.getvalue()
    assert not HostingTrace.objects.filter(item__hotline=hotline, purpose="renotice").exists()
    assert Notice.objects.filter(case__hotline=hotline).exists()


def test_appeals_of_another_hotline_are_404(td, user_factory):
    appeal = Appeal.objects.create(
        hotline=td.hotline, url="https://x.example/", email="a@b.example", message="m"
    )
    other = user_factory("hotline_supervisor", HotlineFactory(slug="other-appeals"))
    c = Client()
    c.force_login(other)
    assert c.get(f"/en/takedown/appeals/{appeal.pk}/").status_code == 404
    response = c.post(f"/en/takedown/appeals/{appeal.pk}/", {"decision": "closed"})
    assert response.status_code == 404
    assert Appeal.objects.get().state == "new"
    assert f"appeals/{appeal.pk}/" not in c.get("/en/takedown/supervision/").content.decode()
