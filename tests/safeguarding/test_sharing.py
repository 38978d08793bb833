"""Reusing checks with consent: codes, refusals (recorded), withdrawal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ostoja.audit.models import AuditEntry
from ostoja.safeguarding import services, sharing
from ostoja.safeguarding.errors import SafeguardingError
from ostoja.safeguarding.models import Check, Person, ShareUse
from tests.factories import OrganisationFactory

from . import factories

pytestmark = pytest.mark.django_db
TODAY = services.today()


@pytest.fixture
def shared(org, officer, other_org):
    p = factories.admitted(
        org,
        actor=officer,
        name="Kamil Udostępniony",
        on=TODAY - timedelta(days=5),
        start=TODAY - timedelta(days=1),
    )
    consent, code = sharing.create_share(
        actor=officer, person=p, recipient=other_org, consent_on=TODAY
    )
    return p, consent, code


def test_code_is_random_and_stored_only_as_a_hash(shared):
    _p, consent, code = shared
    assert len(code.replace("-", "")) == 16
    assert code.replace("-", "") not in consent.code_hash
    assert consent.code_hint == code.replace("-", "")[-4:]


def test_receiving_organisation_gets_reused_checks_but_must_check_the_register(
    shared, other_org, other_officer, other_client
):
    source, _consent, code = shared
    response = other_client.post(
        reverse("safeguarding:share_redeem", kwargs={"slug": other_org.slug}),
        {"code": code.lower()},
    )
    assert response.status_code == 302
    target = Person.objects.get(organisation=other_org)
    assert target.pk != source.pk and target.full_name == source.full_name
    reused = list(target.checks.all())
    assert {c.kind for c in reused} == {"krk"}
    assert all(c.is_reused and c.reused_from_organisation == "Klub Sportowy Orlik" for c in reused)
    assert all(c.reference == "" for c in reused)  # content (reference) not copied
    assert target.missing == [["register", ""]]
    assert target.residence.reused_from_organisation == "Klub Sportowy Orlik"
    use = ShareUse.objects.get()
    assert use.outcome == "accepted" and use.organisation == other_org
    page = other_client.get(response["Location"]).content.decode()
    assert "Klub Sportowy Orlik" in page


def test_guessed_code_refused_and_recorded(other_org, other_officer, other_client, shared):
    response = other_client.post(
        reverse("safeguarding:share_redeem", kwargs={"slug": other_org.slug}),
        {"code": "AAAA-BBBB-CCCC-DDDD"},
    )
    assert response.status_code == 422
    assert ShareUse.objects.get().outcome == "unknown"
    assert AuditEntry.objects.filter(action="safeguarding.share.refused").count() == 1
    assert not Person.objects.filter(organisation=other_org).exists()


def test_code_used_by_a_third_organisation_is_refused(shared):
    _p, consent, code = shared
    third = OrganisationFactory(slug="trzecia")
    result = sharing.redeem(actor=None, organisation=third, code=code)
    assert not result.ok and result.outcome == "other_org"
    assert ShareUse.objects.get().consent == consent
    assert not Person.objects.filter(organisation=third).exists()


def test_withdrawn_consent_refuses_further_use(shared, other_org, officer):
    _p, consent, code = shared
    assert sharing.redeem(actor=None, organisation=other_org, code=code).ok
    sharing.withdraw_share(actor=officer, consent=consent)
    result = sharing.redeem(actor=None, organisation=other_org, code=code)
    assert not result.ok and result.outcome == "withdrawn"
    with pytest.raises(SafeguardingError):
        sharing.withdraw_share(actor=officer, consent=consent)
    assert list(consent.uses.values_list("outcome", flat=True).order_by("id")) == [
        "accepted",
        "withdrawn",
    ]


def test_expired_code_refused(shared, other_org):
    _p, consent, code = shared
    consent.expires_at = timezone.now() - timedelta(seconds=1)
    consent.save()
    assert sharing.redeem(actor=None, organisation=other_org, code=code).outcome == "expired"


def test_guessing_is_throttled(shared, other_org):
    _p, _consent, code = shared
    for i in range(sharing.MAX_REFUSALS_PER_HOUR):
        assert (
            sharing.redeem(actor=None, organisation=other_org, code=f"X{i:015d}").outcome
            == "unknown"
        )
    # Even the right code is refused for the rest of the hour.
    assert sharing.redeem(actor=None, organisation=other_org, code=code).outcome == "throttled"


def test_incomplete_record_cannot_be_shared(org, officer, other_org):
    p = factories.person(org, actor=officer)
    with pytest.raises(SafeguardingError):
        sharing.create_share(actor=officer, person=p, recipient=other_org, consent_on=TODAY)
    assert not Check.objects.exists()
