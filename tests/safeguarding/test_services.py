"""The register's rules through its service functions."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import translation

from ostoja.audit.models import AuditEntry
from ostoja.safeguarding import pesel, services, vetting
from ostoja.safeguarding.errors import SafeguardingError
from ostoja.safeguarding.models import Check, Engagement, Person, ResidencePeriod

from . import factories

pytestmark = pytest.mark.django_db
TODAY = services.today()


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English (Polish is the default language)."""
    with translation.override("en"):
        yield


def test_bad_pesel_is_refused_and_nothing_written(org, officer):
    born = date(1990, 5, 17)
    good = pesel.make(born, 1234)
    bad_digit = good[:10] + str((int(good[10]) + 1) % 10)
    for value, message in [
        (bad_digit, "check digit"),
        (pesel.make(date(1990, 5, 18), 1234), "date of birth"),
        ("123", "11 digits"),
    ]:
        with pytest.raises(SafeguardingError) as exc:
            services.create_person(
                actor=officer,
                organisation=org,
                full_name="Anna Nowak",
                date_of_birth=born,
                pesel_value=value,
                citizenships=["PL"],
            )
        assert message in str(exc.value.message)
        assert exc.value.field == "pesel"
    assert not Person.objects.exists()


def test_pesel_or_foreign_document_required_and_duplicate_refused(org, officer):
    with pytest.raises(SafeguardingError):
        services.create_person(
            actor=officer,
            organisation=org,
            full_name="Anna Nowak",
            date_of_birth=date(1990, 1, 1),
            citizenships=["PL"],
        )
    p = services.create_person(
        actor=officer,
        organisation=org,
        full_name="John Smith",
        date_of_birth=date(1990, 1, 1),
        foreign_id="passport GB 123456789",
        citizenships=["GB"],
    )
    assert p.pesel == "" and p.foreign_id == "passport GB 123456789"
    first = factories.person(org, actor=officer)
    with pytest.raises(SafeguardingError) as exc:
        services.create_person(
            actor=officer,
            organisation=org,
            full_name="Kopia",
            date_of_birth=first.date_of_birth,
            pesel_value=first.pesel,
            citizenships=["PL"],
        )
    assert "already" in str(exc.value.message)


@pytest.mark.parametrize("codes", [[], ["XX"], ["PL", "DE", "FR", "IT", "ES", "PT"], ["EU"]])
def test_citizenships_must_be_real_countries(org, officer, codes):
    with pytest.raises(SafeguardingError) as exc:
        factories.person(org, actor=officer, citizenships=codes)
    assert exc.value.field == "citizenships"


def test_volunteer_with_a_year_in_germany_needs_the_german_record(org, officer):
    p = factories.person(org, actor=officer, name="Ewa Wolontariuszka")
    day = TODAY - timedelta(days=5)
    factories.register_check(p, actor=officer, on=day, reference="RSP/1/2026")
    factories.krk_information(p, actor=officer, on=day)
    services.record_residence(actor=officer, person=p, declared_on=day, text_version="v1")
    factories.residence_period(p, actor=officer)
    p.refresh_from_db()
    assert p.missing == [["foreign_record", "DE"]] and not p.complete
    factories.engagement(p, actor=officer, start=TODAY, role="Opiekunka na obozie")
    with translation.override("en"), pytest.raises(SafeguardingError) as exc:
        services.admit(actor=officer, person=p)
    assert exc.value.items == ["Criminal-record information of Germany (or a declaration)"]
    p.refresh_from_db()
    assert not p.is_admitted
    factories.foreign_record(p, "DE", actor=officer, on=day)
    services.admit(actor=officer, person=p)
    p.refresh_from_db()
    assert p.is_admitted and p.complete and p.admitted_by == officer
    assert p.recheck_due == vetting.add_months(day, 24)  # the default policy


def test_foreign_record_only_for_a_required_country(org, officer):
    p = factories.complete_checks(factories.person(org, actor=officer), actor=officer)
    with pytest.raises(SafeguardingError) as exc:
        factories.foreign_record(p, "FR", actor=officer, on=TODAY, issued_on=None)
    assert exc.value.field == "country"
    assert not Check.objects.filter(kind="foreign_record").exists()


def test_register_check_needs_both_registers_and_krk_its_scope(org, officer):
    p = factories.person(org, actor=officer)
    with pytest.raises(SafeguardingError) as exc:
        factories.register_check(p, actor=officer, on=TODAY, both_registers=False)
    assert exc.value.field == "both_registers"
    with pytest.raises(SafeguardingError) as exc:
        factories.krk_information(p, actor=officer, on=TODAY, scope_confirmed=False)
    assert exc.value.field == "scope_confirmed"
    with pytest.raises(SafeguardingError):
        factories.krk_information(p, actor=officer, on=TODAY, issued_on=TODAY + timedelta(days=1))
    with pytest.raises(SafeguardingError):
        factories.register_check(p, actor=officer, on=TODAY + timedelta(days=1))
    assert not Check.objects.exists()


def test_a_check_dated_after_the_start_is_refused(org, officer):
    p = factories.person(org, actor=officer)
    factories.engagement(
        p,
        actor=officer,
        start=TODAY - timedelta(days=30),
        role="Trener",
        activity="sport",
        basis="employment",
    )
    with pytest.raises(SafeguardingError) as exc:
        factories.register_check(p, actor=officer, on=TODAY)
    assert "after the person started" in str(exc.value.message)
    assert not Check.objects.exists()


def test_a_start_before_the_checks_is_refused(org, officer):
    p = factories.complete_checks(
        factories.person(org, actor=officer), actor=officer, on=TODAY - timedelta(days=3)
    )
    with pytest.raises(SafeguardingError) as exc:
        factories.engagement(
            p,
            actor=officer,
            start=TODAY - timedelta(days=4),
            role="Trener",
            activity="sport",
            basis="employment",
        )
    assert exc.value.field == "start_date"
    assert not Engagement.objects.exists()


def test_residence_period_overlap_refused(org, officer):
    p = factories.person(org, actor=officer)
    services.record_residence(actor=officer, person=p, declared_on=TODAY, text_version="v1")
    factories.residence_period(p, actor=officer)
    with pytest.raises(SafeguardingError) as exc:
        factories.residence_period(p, "AT", date(2019, 6, 1), date(2020, 6, 1), actor=officer)
    assert "overlaps" in str(exc.value.message)
    assert ResidencePeriod.objects.count() == 1


def test_an_entry_bars_admission_and_withdraws_an_existing_one(org, officer):
    p = factories.admitted(
        org, actor=officer, on=TODAY - timedelta(days=20), start=TODAY - timedelta(days=10)
    )
    assert p.is_admitted
    factories.register_check(p, actor=officer, on=TODAY, result="entry")
    p.refresh_from_db()
    assert not p.is_admitted and p.adverse
    with pytest.raises(SafeguardingError):
        services.admit(actor=officer, person=p)
    assert AuditEntry.objects.filter(action="safeguarding.person.admission_withdrawn").exists()


def test_audit_entries_never_carry_names_or_identifiers(org, officer):
    p = factories.admitted(
        org, actor=officer, name="Zofia Unikalna-Nazwisko", on=TODAY - timedelta(days=2)
    )
    blob = " ".join(
        f"{e.target_label} {e.data}"
        for e in AuditEntry.objects.filter(action__startswith="safeguarding.")
    )
    assert "safeguarding.person.admitted" in set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    assert "Zofia" not in blob and p.pesel not in blob


def test_encrypted_fields_are_not_readable_in_the_database(org, officer):
    p = factories.person(
        org,
        actor=officer,
        name="Maria Zaszyfrowana",
        previous_names="Maria Panieńska",
        born=date(1985, 7, 3),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pesel, date_of_birth, previous_names, pesel_index FROM "
            "safeguarding_person WHERE id = %s",
            [p.pk],
        )
        raw_pesel, raw_dob, raw_prev, raw_index = cursor.fetchone()
    assert p.pesel not in raw_pesel and raw_pesel.startswith("v1.dev1.")
    assert "1985" not in raw_dob and "Panieńska" not in raw_prev
    assert p.pesel not in raw_index and len(raw_index) == 64
    fresh = Person.objects.get(pk=p.pk)
    assert fresh.pesel == p.pesel and fresh.date_of_birth == date(1985, 7, 3)
    assert fresh.previous_names == "Maria Panieńska"


def test_policy_validation_and_due_recomputed(org, officer):
    p = factories.admitted(org, actor=officer, on=TODAY - timedelta(days=2))
    old_due = p.recheck_due
    with pytest.raises(SafeguardingError):
        factories.policy(org, actor=officer, recheck_months=0)
    factories.policy(org, actor=officer, recheck_months=12)
    p.refresh_from_db()
    assert p.recheck_due < old_due


def test_ending_an_engagement_keeps_the_admission_on_record(org, officer):
    p = factories.complete_checks(
        factories.person(org, actor=officer), actor=officer, on=TODAY - timedelta(days=20)
    )
    engagement = factories.engagement(
        p,
        actor=officer,
        start=TODAY - timedelta(days=10),
        role="Trener",
        activity="sport",
    )
    services.admit(actor=officer, person=p, on=TODAY - timedelta(days=10))
    # engagement.person is the instance from before the admission.
    assert engagement.person.admitted_on is None
    services.end_engagement(actor=officer, engagement=engagement, end_date=TODAY)
    p.refresh_from_db()
    assert p.is_admitted and not p.has_open_engagement and p.engaged_until == TODAY
