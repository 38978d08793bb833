"""Role × URL expectations of the Pact (see tests/matrix.py).

Public: the overview, the catalogue, open data and verified signatories' pages. The workspace
is for authority officers (their own authority), coordinators, and reviewers assigned by a
coordinator; another authority's plan or questionnaire is a 404 (test_views.py).
"""

from tests.matrix import COORD, OFFICER, Case, everyone, only


def _signatory(world):
    from ostoja.pact import services
    from tests.pact.helpers import item, signatory

    s = signatory("2261", organisation=world.orgs[OFFICER])
    world.extra["signatory"] = s
    world.extra["item"] = item(s)
    assessment = services.start_assessment(s, 2025, actor=None)
    services.submit_assessment(assessment, actor=None)


def _catalogue(world):
    from ostoja.pact import services

    services.active_measures()


def _signatory_with_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pact.helpers import signatory

    world.extra["signatory"] = signatory(
        "0606022",
        organisation=world.orgs[OFFICER],
        resolution_url="",
        resolution_file=SimpleUploadedFile("u.pdf", b"%PDF-1.4\n% uchwala\n"),
    )


def _slug(w):
    return {"slug": w.extra["signatory"].slug}


WORKERS = [COORD, OFFICER]

MATRIX = {
    "pact:overview": Case(expect=everyone(200), setup=[_signatory]),
    "pact:catalogue": Case(expect=everyone(200)),
    "pact:catalogue_edit": Case(expect=only([COORD])),
    "pact:measure_new": Case(expect=only([COORD])),
    "pact:measure_edit": Case(
        expect=only([COORD]), setup=[_catalogue], kwargs=lambda w: {"code": "PRE-1"}
    ),
    "pact:declaration": Case(expect=only(WORKERS), setup=[_signatory], kwargs=_slug),
    "pact:resolution_file": Case(expect=only(WORKERS), setup=[_signatory_with_file], kwargs=_slug),
    "pact:open_data": Case(expect=everyone(200), setup=[_signatory]),
    "pact:signatory": Case(expect=everyone(200), setup=[_signatory], kwargs=_slug),
    "pact:lanzarote": Case(expect=everyone(200), setup=[_signatory], kwargs=_slug),
    "pact:workspace": Case(expect=only(WORKERS), setup=[_signatory]),
    "pact:sign": Case(expect=only(WORKERS)),
    "pact:manage": Case(expect=only([COORD]), setup=[_signatory], kwargs=_slug),
    "pact:plan": Case(expect=only(WORKERS), setup=[_signatory], kwargs=_slug),
    "pact:plan_item": Case(
        expect=only(WORKERS),
        setup=[_signatory],
        kwargs=lambda w: {"slug": w.extra["signatory"].slug, "pk": w.extra["item"].pk},
    ),
    "pact:units": Case(expect=only(WORKERS), setup=[_signatory], kwargs=_slug),
    "pact:review": Case(expect=only(WORKERS), setup=[_signatory], kwargs=_slug),
    "pact:assessment": Case(
        expect=only(WORKERS), setup=[_signatory], kwargs=lambda w: {**_slug(w), "year": 2025}
    ),
    "pact:answer": Case(
        expect=only(WORKERS),
        setup=[_signatory],
        kwargs=lambda w: {**_slug(w), "year": 2025, "code": "GOV-1"},
    ),
}
