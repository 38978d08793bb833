"""Role × URL expectations of the safeguarding register (see tests/matrix.py).

Only safeguarding officers of the organisation reach its register. The world's manager holds
the role in another organisation, so every page of this one is a 404 for them (a manager of
the same organisation is tested in test_views.py: access log yes, register only when the
officers allow it). Users without a safeguarding role anywhere get 403; coordinators too —
platform administrators do not read criminal-record checks.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import (
    ALL_ROLES,
    ANON,
    MANAGER,
    SAFEGUARD,
    Case,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sg(ok=200, manager=404):
    result = {}
    for role in ALL_ROLES:
        if role is ANON:
            result[role] = 302
        elif role == SAFEGUARD:
            result[role] = ok
        elif role == MANAGER:
            result[role] = manager
        else:
            result[role] = 403
    return result


def _record(world):
    from ostoja.safeguarding import services, sharing
    from tests.safeguarding import factories

    org = world.orgs[SAFEGUARD]
    officer = world.users[SAFEGUARD]
    day = services.today() - timedelta(days=3)
    person = factories.person(org, actor=officer)
    factories.register_check(
        person,
        actor=officer,
        on=day,
        attachment=SimpleUploadedFile("wydruk.pdf", PDF, content_type="application/pdf"),
    )
    factories.krk_information(person, actor=officer, on=day)
    services.record_residence(actor=officer, person=person, declared_on=day, text_version="v")
    period = factories.residence_period(
        person, "DE", day - timedelta(days=800), day - timedelta(days=400), actor=officer
    )
    factories.foreign_record(person, "DE", actor=officer, on=day)
    engagement = factories.engagement(
        person,
        actor=officer,
        start=services.today(),
        role="Trener X-1",
        activity="sport",
    )
    consent, _code = sharing.create_share(
        actor=officer, person=person, recipient=world.orgs[MANAGER], consent_on=day
    )
    world.extra.update(
        person=person,
        engagement=engagement,
        period=period,
        consent=consent,
        check=person.checks.get(kind="register"),
    )


def _slug(world):
    return {"slug": world.orgs[SAFEGUARD].slug}


def _person(world):
    return {**_slug(world), "pk": world.extra["person"].pk}


MATRIX = {
    "safeguarding:index": Case(expect=sg(302, manager=302)),
    "safeguarding:register": Case(kwargs=_slug, expect=sg()),
    "safeguarding:person_add": Case(kwargs=_slug, expect=sg()),
    "safeguarding:share_redeem": Case(kwargs=_slug, expect=sg()),
    "safeguarding:policy": Case(kwargs=_slug, expect=sg()),
    "safeguarding:access_log": Case(kwargs=_slug, expect=sg()),
    "safeguarding:export_csv": Case(setup=[_record], kwargs=_slug, expect=sg()),
    "safeguarding:export_pdf": Case(setup=[_record], kwargs=_slug, expect=sg()),
    "safeguarding:person": Case(setup=[_record], kwargs=_person, expect=sg()),
    "safeguarding:person_edit": Case(setup=[_record], kwargs=_person, expect=sg()),
    "safeguarding:person_delete": Case(
        setup=[_record], kwargs=_person, method="post", expect=sg(302)
    ),
    "safeguarding:engagement_add": Case(setup=[_record], kwargs=_person, expect=sg()),
    "safeguarding:engagement_end": Case(
        setup=[_record],
        kwargs=lambda w: {**_person(w), "engagement_pk": w.extra["engagement"].pk},
        expect=sg(),
    ),
    "safeguarding:check_add": Case(
        setup=[_record], kwargs=lambda w: {**_person(w), "kind": "krk"}, expect=sg()
    ),
    "safeguarding:attachment": Case(
        setup=[_record],
        kwargs=lambda w: {**_person(w), "check_pk": w.extra["check"].pk},
        expect=sg(),
    ),
    "safeguarding:residence": Case(setup=[_record], kwargs=_person, expect=sg()),
    "safeguarding:period_remove": Case(
        setup=[_record],
        kwargs=lambda w: {**_person(w), "period_pk": w.extra["period"].pk},
        method="post",
        expect=sg(302),
    ),
    "safeguarding:admit": Case(
        setup=[_record],
        kwargs=_person,
        method="post",
        data=lambda w: {"on": w.extra["engagement"].start_date.isoformat()},
        expect=sg(302),
    ),
    "safeguarding:share_create": Case(setup=[_record], kwargs=_person, expect=sg()),
    "safeguarding:share_withdraw": Case(
        setup=[_record],
        kwargs=lambda w: {**_person(w), "share_pk": w.extra["consent"].pk},
        method="post",
        expect=sg(302),
    ),
}


def _standards(world):
    from ostoja.safeguarding import elements, services, standards
    from ostoja.safeguarding.models import StandardsTemplate

    org = world.orgs[SAFEGUARD]
    officer = world.users[SAFEGUARD]
    text = "Treść elementu standardów ochrony małoletnich, wystarczająco długa."
    doc = standards.start_draft(actor=officer, organisation=org)
    standards.update_draft(
        actor=officer,
        document=doc,
        sections=dict.fromkeys(elements.KEYS, text),
        children_text=text,
        parents_text=text,
    )
    standards.adopt(
        actor=officer,
        document=doc,
        adopted_on=services.today(),
        adopted_by_body="Zarząd",
        decision_reference="1/2026",
    )
    standards.start_draft(actor=officer, organisation=org)  # a revision in progress
    world.extra["questionnaire"] = standards.open_questionnaire(
        actor=officer, organisation=org, audience="staff"
    )
    world.extra["template"] = StandardsTemplate.objects.create(name="Model", published=True)


def only_coordinator(ok=200):
    from tests.matrix import COORD

    return {role: (302 if role is ANON else ok if role == COORD else 403) for role in ALL_ROLES}


def _q(world):
    return {**_slug(world), "pk": world.extra["questionnaire"].pk}


MATRIX.update(
    {
        "safeguarding:template_list": Case(expect=only_coordinator()),
        "safeguarding:template_new": Case(expect=only_coordinator()),
        "safeguarding:template_edit": Case(
            setup=[_standards],
            kwargs=lambda w: {"pk": w.extra["template"].pk},
            expect=only_coordinator(),
        ),
        "safeguarding:standards": Case(setup=[_standards], kwargs=_slug, expect=sg()),
        "safeguarding:standards_start": Case(
            setup=[_standards], kwargs=_slug, method="post", expect=sg(302)
        ),
        "safeguarding:standards_edit": Case(setup=[_standards], kwargs=_slug, expect=sg()),
        "safeguarding:standards_adopt": Case(setup=[_standards], kwargs=_slug, expect=sg()),
        "safeguarding:standards_review": Case(setup=[_standards], kwargs=_slug, expect=sg()),
        "safeguarding:standards_paper": Case(setup=[_standards], kwargs=_slug, expect=sg()),
        "safeguarding:procedures": Case(kwargs=_slug, expect=sg()),
        # Any member of the organisation confirms; members of other organisations get 404.
        "safeguarding:standards_acknowledge": Case(
            setup=[_standards],
            kwargs=_slug,
            expect={
                role: 302 if role is ANON else 200 if role == SAFEGUARD else 404
                for role in ALL_ROLES
            },
        ),
        "safeguarding:questionnaire_open": Case(
            kwargs=_slug, method="post", data=lambda w: {"audience": "children"}, expect=sg(302)
        ),
        "safeguarding:questionnaire_close": Case(
            setup=[_standards], kwargs=_q, method="post", expect=sg(302)
        ),
        "safeguarding:questionnaire_results": Case(setup=[_standards], kwargs=_q, expect=sg()),
        # Public: no account needed.
        "safeguarding:standards_public": Case(
            setup=[_standards], kwargs=_slug, expect=dict.fromkeys(ALL_ROLES, 200)
        ),
        "safeguarding:standards_public_children": Case(
            setup=[_standards], kwargs=_slug, expect=dict.fromkeys(ALL_ROLES, 200)
        ),
        "safeguarding:standards_public_parents": Case(
            setup=[_standards], kwargs=_slug, expect=dict.fromkeys(ALL_ROLES, 200)
        ),
        "safeguarding:standards_pdf": Case(
            setup=[_standards], kwargs=_slug, expect=dict.fromkeys(ALL_ROLES, 200)
        ),
        "safeguarding:questionnaire": Case(
            setup=[_standards],
            kwargs=lambda w: {"token": w.extra["questionnaire"].token},
            expect=dict.fromkeys(ALL_ROLES, 200),
        ),
    }
)


def _intervention(world):
    from ostoja.safeguarding import interventions, services

    world.extra["intervention"] = interventions.open_intervention(
        actor=world.users[SAFEGUARD],
        organisation=world.orgs[SAFEGUARD],
        child_name="A. B.",
        child_details="",
        concern="Opis zdarzenia.",
        opened_on=services.today(),
    )


def _iv(world):
    return {**_slug(world), "pk": world.extra["intervention"].pk}


MATRIX.update(
    {
        "safeguarding:interventions": Case(kwargs=_slug, expect=sg()),
        "safeguarding:intervention_new": Case(kwargs=_slug, expect=sg()),
        "safeguarding:intervention": Case(setup=[_intervention], kwargs=_iv, expect=sg()),
        "safeguarding:intervention_step": Case(
            setup=[_intervention],
            kwargs=_iv,
            method="post",
            data=lambda w: {
                "kind": "note",
                "on": w.extra["intervention"].opened_on.isoformat(),
                "text": "Notatka.",
            },
            expect=sg(302),
        ),
        "safeguarding:intervention_close": Case(
            setup=[_intervention],
            kwargs=_iv,
            method="post",
            data=lambda w: {"closed_on": w.extra["intervention"].opened_on.isoformat()},
            expect=sg(302),
        ),
    }
)


def _training(world):
    from ostoja.safeguarding import services, training

    world.extra["training"] = training.record_training(
        actor=None,
        organisation=world.orgs[SAFEGUARD],
        person_name="Jan",
        title="Standardy",
        completed_on=services.today(),
    )


MATRIX.update(
    {
        "safeguarding:trainings": Case(kwargs=_slug, expect=sg()),
        "safeguarding:training_delete": Case(
            setup=[_training],
            kwargs=lambda w: {**_slug(w), "pk": w.extra["training"].pk},
            method="post",
            expect=sg(302),
        ),
    }
)
