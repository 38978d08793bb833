"""Role × URL expectations of the services directory (see tests/matrix.py).

The world's service editor belongs to ``world.orgs["service_editor"]`` (a service provider);
the cases use a service and a proposal of that organisation, so the editor is allowed. That
an editor of *another* organisation gets 404 is tested in tests/directory/test_manage.py.
"""

from ostoja.directory.models import ServiceChange
from ostoja.directory.services import provider_for
from ostoja.directory.taxonomy import ensure_taxonomy, facet_id, taxonomy_id
from tests.directory.factories import ServiceFactory
from tests.matrix import COORD, EDITOR, Case, everyone, only

MANAGERS = [COORD, EDITOR]


def _service(world):
    if "service" not in world.extra:
        ensure_taxonomy()
        provider = provider_for(world.orgs[EDITOR])
        world.extra["service"] = ServiceFactory(
            provider=provider,
            coverage="local",
            terms=["audience.parents-and-carers"],
            locations=[{"city": "Wrocław", "postal_code": "50-001"}],
        )
    return world.extra["service"]


def _change(world):
    if "change" not in world.extra:
        service = _service(world)
        from ostoja.directory.services import service_snapshot

        data = service_snapshot(service)
        data["description"] = {"pl": "Nowy opis.", "en": "New description."}
        world.extra["change"] = ServiceChange.objects.create(
            service=service,
            organisation=world.orgs[EDITOR],
            data=data,
            base=service_snapshot(service),
            proposed_by=world.users[EDITOR],
        )
    return world.extra["change"]


def _service_kwargs(world):
    return {"pk": _service(world).pk}


def _sal_kwargs(world):
    return {"pk": _service(world).service_at_locations.first().pk}


MATRIX = {
    # Public pages: everyone, signed in or not.
    "directory:search": Case(expect=everyone(200)),
    "directory:service": Case(kwargs=_service_kwargs, expect=everyone(200)),
    # Management: service editors and coordinators.
    "directory:manage": Case(expect=only(MANAGERS)),
    "directory:service_create": Case(expect=only(MANAGERS)),
    "directory:service_edit": Case(kwargs=_service_kwargs, expect=only(MANAGERS)),
    "directory:service_verify": Case(
        method="post", kwargs=_service_kwargs, expect=only(MANAGERS, ok=302)
    ),
    "directory:change_detail": Case(kwargs=lambda w: {"pk": _change(w).pk}, expect=only(MANAGERS)),
    # Decisions: coordinators only (the proposer's organisation gets 403 too).
    "directory:change_approve": Case(
        method="post", kwargs=lambda w: {"pk": _change(w).pk}, expect=only([COORD], ok=302)
    ),
    "directory:change_reject": Case(
        method="post",
        kwargs=lambda w: {"pk": _change(w).pk},
        data=lambda w: {"note": "Proszę uzupełnić godziny."},
        expect=only([COORD], ok=302),
    ),
    "directory:import": Case(expect=only([COORD])),
    "directory:export": Case(expect=only([COORD])),
    # The HSDS API: public and read-only.
    "hsds:root": Case(expect=everyone(200)),
    "hsds:openapi": Case(expect=everyone(200)),
    "hsds:profile": Case(expect=everyone(200)),
    "hsds:services": Case(expect=everyone(200)),
    "hsds:service": Case(kwargs=lambda w: {"pk": str(_service(w).pk)}, expect=everyone(200)),
    "hsds:organizations": Case(expect=everyone(200)),
    "hsds:organization": Case(
        kwargs=lambda w: {"pk": str(_service(w).provider_id)}, expect=everyone(200)
    ),
    "hsds:service_at_locations": Case(expect=everyone(200)),
    "hsds:service_at_location": Case(
        kwargs=lambda w: {"pk": str(_sal_kwargs(w)["pk"])}, expect=everyone(200)
    ),
    "hsds:taxonomies": Case(expect=everyone(200)),
    "hsds:taxonomy": Case(
        kwargs=lambda w: (ensure_taxonomy(), {"pk": str(taxonomy_id())})[1],
        expect=everyone(200),
    ),
    "hsds:taxonomy_terms": Case(expect=everyone(200)),
    "hsds:taxonomy_term": Case(
        kwargs=lambda w: (ensure_taxonomy(), {"pk": str(facet_id("audience"))})[1],
        expect=everyone(200),
    ),
}
