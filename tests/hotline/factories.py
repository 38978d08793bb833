"""Factories and helpers for hotline tests. Reports go through the real service functions."""

from __future__ import annotations

import factory

from ostoja.hotline import services
from ostoja.hotline.intake import ReportInput
from ostoja.hotline.models import HotlineSettings, Item, Report
from tests.factories import OrganisationFactory


class HotlineFactory(OrganisationFactory):
    kind = "hotline"
    country = "PL"


class PartnerFactory(OrganisationFactory):
    kind = "online_platform"


class HotlineSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HotlineSettings
        django_get_or_create = ("hotline",)

    hotline = factory.SubFactory(HotlineFactory)


_counter = {"n": 0}


def example_url(prefix: str = "https://example.com/page/") -> str:
    _counter["n"] += 1
    return f"{prefix}{_counter['n']}"


def report(
    hotline,
    urls=None,
    *,
    source=None,
    channel="api",
    actor=None,
    **fields,
) -> services.Submitted:
    """Submit a report through the service (as the API or the form would)."""
    data = ReportInput(
        incident_type=fields.pop("incident_type", "csam"),
        urls=list(urls) if urls is not None else [example_url()],
        **fields,
    )
    return services.submit_report(
        actor=actor,
        data=data,
        channel=channel,
        hotline=hotline,
        source_organisation=source,
    )


def item(hotline, url=None, **fields) -> Item:
    submitted = report(hotline, [url or example_url()], **fields)
    return Item.objects.get(pk=submitted.urls[0].item_id)


def counts() -> dict:
    from ostoja.audit.models import AuditEntry
    from ostoja.hotline.models import ReportBatch, ReportHash, ReportUrl

    return {
        "reports": Report.objects.count(),
        "urls": ReportUrl.objects.count(),
        "hashes": ReportHash.objects.count(),
        "items": Item.objects.count(),
        "batches": ReportBatch.objects.count(),
        "audit": AuditEntry.objects.filter(action__startswith="hotline.").count(),
    }
