"""Links from the Pact to the rest of the platform (issue 15, "Links to the rest of the
platform"): what a plan item may link to, and the child-protection standards of the
authority's own units.

* network: the partnership's member organisations (``ostoja.network.membership``) that work
  in the authority's voivodeship (``Partner.voivodeships`` holds two-digit TERC codes);
* directory: published services in that area — regional services covering the voivodeship
  and local services with a location there (services for the whole country are left out:
  they would be offered to every plan item in Poland);
* safeguarding: the standards in force of the organisations the authority names as its own
  units (schools, social services, cultural centres).

An authority abroad has no voivodeship: nothing is offered.
"""

from __future__ import annotations

from django.db.models import Q

from ostoja.organisations.models import Organisation

from .models import Signatory


def partner_choices(signatory: Signatory):
    """Member organisations of the network working in the signatory's voivodeship."""
    from ostoja.network.membership import partner_organisations

    if not signatory.voivodeship:
        return Organisation.objects.none()
    code = signatory.voivodeship
    # JSON containment is not portable (SQLite); the list is short, filter in Python.
    ids = [
        pk
        for pk, voivodeships in partner_organisations().values_list("pk", "partner__voivodeships")
        if code in (voivodeships or [])
    ]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def service_choices(signatory: Signatory):
    """Published services of the directory in the signatory's voivodeship."""
    from ostoja.directory.models import Service

    if not signatory.voivodeship:
        return Service.objects.none()
    code = signatory.voivodeship
    return (
        Service.objects.public()
        .filter(
            Q(coverage=Service.Coverage.REGIONAL, service_areas__voivodeship=code)
            | Q(coverage=Service.Coverage.LOCAL, service_at_locations__location__voivodeship=code)
        )
        .select_related("provider")
        .distinct()
    )


def unit_choices(signatory: Signatory):
    """Organisations that may be named as the authority's units: active, not authorities
    (an authority is not another one's unit), in Poland."""
    return (
        Organisation.objects.active()
        .filter(country="PL")
        .exclude(kind=Organisation.Kind.LOCAL_AUTHORITY)
        .order_by("name")
    )


def unit_standards(signatory: Signatory) -> list[dict]:
    """Per named unit: its child-protection standards in force (or none), for the public
    page. Only what the standards' own public page shows."""
    from ostoja.safeguarding.models import StandardsDocument

    units = list(signatory.units.order_by("name"))
    adopted = {
        d.organisation_id: d
        for d in StandardsDocument.objects.filter(
            organisation__in=units, status=StandardsDocument.Status.ADOPTED
        )
    }
    return [{"unit": u, "standards": adopted.get(u.pk)} for u in units]
