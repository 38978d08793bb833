"""The hotline's demo data: idempotent, example domains only, a queue that looks real."""

from io import StringIO

import pytest
from django.core.management import call_command

from ostoja.hotline.models import Assessment, Item, Report

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_seed_demo_is_idempotent_and_synthetic():
    out = StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=out)
    assert "demo reports" in out.getvalue()
    reports, items = Report.objects.count(), Item.objects.count()
    assert reports >= 30 and items >= 25
    domains = ("example.com", "example.net", "example.org")
    for host in Item.objects.values_list("host", flat=True):
        assert any(host == d or host.endswith(f".{d}") for d in domains), host
    assert Item.objects.filter(priority_level="P1").exists()
    assert Item.objects.filter(reappeared=True).exists()
    assert Item.objects.filter(report_count__gt=1).exists()
    assert Report.objects.exclude(escalate_reason="").count() >= 3
    assert Assessment.objects.exists()
    call_command("seed_demo", "--quiet-logins", stdout=StringIO())
    assert (Report.objects.count(), Item.objects.count()) == (reports, items)
