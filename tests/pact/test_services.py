"""Signing, self-assessment, review and plans through the service functions, bad input first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ostoja.audit.models import AuditEntry
from ostoja.pact import services
from ostoja.pact.models import Answer, Assessment, Measure, PlanItem, Signatory

from .helpers import item, signatory

pytestmark = pytest.mark.django_db


def _errors(exc) -> dict:
    return exc.value.message_dict


def test_signing_a_gmina_from_the_register():
    s = signatory("0606022", verify=False)
    assert (s.name, s.kind, s.voivodeship, s.state) == (
        "Fajsławice",
        "gmina_rural",
        "06",
        "pending",
    )
    assert s.slug == "fajslawice-0606022"
    assert AuditEntry.objects.filter(action="pact.signatory.signed").count() == 1


@pytest.mark.parametrize("code", ["9999999", "0201044", "abc", ""])
def test_a_code_not_an_authority_in_the_register_is_refused(code):
    with pytest.raises(ValidationError) as exc:
        signatory(code, verify=False)
    assert "teryt_code" in _errors(exc)
    assert not Signatory.objects.exists()


def test_an_authority_cannot_sign_twice_but_may_sign_again_after_leaving():
    s = signatory("2261")
    with pytest.raises(ValidationError, match="już podpisał Pakt"):
        signatory("2261", verify=False)
    services.leave_pact(s, actor=None, reason="Nowa rada", left_on=dt.date(2026, 1, 1))
    again = signatory("2261", verify=False)
    assert again.pk != s.pk and Signatory.objects.count() == 2


def test_a_town_abroad_signs_without_teryt():
    s = signatory("", country="ee", name="Tartu", foreign_kind="foreign_town")
    assert (s.country, s.teryt_code, s.kind) == ("EE", "", "foreign_town")
    with pytest.raises(ValidationError) as exc:
        signatory("", country="EE", name="", foreign_kind="", verify=False)
    assert {"name", "foreign_kind"} <= set(_errors(exc))


def test_a_resolution_file_must_be_a_pdf_and_is_renamed():
    fake = SimpleUploadedFile(
        "uchwala.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as exc:
        signatory("2261", resolution_url="", resolution_file=fake, verify=False)
    assert "resolution_file" in _errors(exc)
    assert not Signatory.objects.exists()
    real = SimpleUploadedFile("../../uchwała.pdf", b"%PDF-1.7\n%%EOF\n")
    s = signatory("2261", resolution_url="", resolution_file=real, verify=False)
    assert s.resolution_file.name.endswith(".pdf") and "uchwa" not in s.resolution_file.name


def test_a_signature_needs_a_resolution_and_a_date_not_in_the_future():
    with pytest.raises(ValidationError) as exc:
        signatory("2261", resolution_url="", signed_on=dt.date(2999, 1, 1), verify=False)
    assert {"resolution_url", "signed_on"} <= set(_errors(exc))


def test_rejection_needs_a_reason_and_only_pending_signatures_are_decided():
    s = signatory("2261", verify=False)
    with pytest.raises(ValidationError):
        services.verify_signatory(s, actor=None, accept=False, reason=" ")
    services.verify_signatory(s, actor=None, accept=True)
    with pytest.raises(ValidationError):
        services.verify_signatory(s, actor=None, accept=True)


def test_self_assessment_question_by_question_with_expiring_evidence():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    assert assessment.answers.count() == Measure.objects.filter(retired_in__isnull=True).count()
    answer = assessment.answers.get(measure__code="PRE-4")
    with pytest.raises(ValidationError) as exc:
        services.save_answer(answer, actor=None, status="implemented")
    assert "evidence_url" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.save_answer(
            answer,
            actor=None,
            status="implemented",
            evidence_note="rejestr",
            evidence_valid_until=dt.date(2020, 1, 1),
        )
    assert "evidence_valid_until" in _errors(exc)
    with pytest.raises(ValidationError):
        services.save_answer(answer, actor=None, status="done-ish")
    services.save_answer(
        answer,
        actor=None,
        status="implemented",
        evidence_url="https://example.org/rejestr",
        evidence_valid_until=dt.date(2099, 1, 1),
    )
    services.submit_assessment(assessment, actor=None)
    with pytest.raises(ValidationError, match="nie można zmieniać"):
        services.save_answer(answer, actor=None, status="planned")


def test_evidence_that_expired_after_it_was_given_blocks_the_next_submission():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    answer = assessment.answers.get(measure__code="PRE-4")
    services.save_answer(
        answer,
        actor=None,
        status="implemented",
        evidence_note="x",
        evidence_valid_until=dt.date(2099, 1, 1),
    )
    Answer.objects.filter(pk=answer.pk).update(evidence_valid_until=dt.date(2021, 1, 1))
    with pytest.raises(ValidationError, match="PRE-4"):
        services.submit_assessment(assessment, actor=None)
    assert Assessment.objects.get(pk=assessment.pk).state == "draft"


def test_a_request_for_evidence_returns_the_assessment_and_is_resolved_by_evidence():
    s = signatory("2261")
    assessment = services.start_assessment(s, 2025, actor=None)
    services.submit_assessment(assessment, actor=None)
    answer = assessment.answers.get(measure__code="GOV-1")
    services.comment_on_answer(
        answer, actor=None, text="Prosimy o uchwałę.", requests_evidence=True
    )
    assessment.refresh_from_db()
    assert assessment.state == "changes"
    comment = answer.comments.get()
    assert comment.resolved_at is None
    services.save_answer(
        answer, actor=None, status="implemented", evidence_url="https://example.org/uchwala"
    )
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    services.submit_assessment(assessment, actor=None)
    services.accept_assessment(assessment, actor=None)
    assert Assessment.objects.get(pk=assessment.pk).state == "accepted"


def test_assessment_years_and_state():
    pending = signatory("0606", verify=False)
    with pytest.raises(ValidationError):
        services.start_assessment(pending, 2025, actor=None)
    s = signatory("2261")
    with pytest.raises(ValidationError):
        services.start_assessment(s, 2024, actor=None)  # before signing
    first = services.start_assessment(s, 2025, actor=None)
    assert services.start_assessment(s, 2025, actor=None).pk == first.pk


def test_plan_items_progress_dates_parents_and_milestones():
    s = signatory("2261")
    other = signatory("12")
    parent = item(s, progress=0)
    with pytest.raises(ValidationError) as exc:
        item(s, progress=101)
    assert "progress" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        item(s, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2025, 1, 1))
    assert "ends_on" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        item(s, parent=item(other))
    assert "parent" in _errors(exc)
    child = item(s, parent=parent, progress=40)
    with pytest.raises(ValidationError) as exc:
        item(s, parent=child)  # two levels only
    assert "parent" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.add_milestone(parent, actor=None, title="Po planie", due_on=dt.date(2030, 1, 1))
    assert "due_on" in _errors(exc)
    services.add_milestone(parent, actor=None, title="Przegląd", due_on=dt.date(2026, 1, 1))
    assert PlanItem.objects.filter(signatory=s).count() == 2
    assert parent.milestones.count() == 1


def test_catalogue_sync_updates_and_retires_without_deleting(tmp_path):
    services.active_measures()
    import json

    from ostoja.pact import catalogue

    data = json.loads(catalogue.DATA_FILE.read_text(encoding="utf-8"))
    data["version"] = 2
    removed = data["measures"].pop()
    data["measures"][0]["title"]["en"] = "Changed title"
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = services.sync_catalogue(actor=None, path=path)
    assert result == {"version": 2, "created": 0, "updated": len(data["measures"]), "retired": 1}
    assert Measure.objects.get(code=removed["code"]).retired_in == 2
    assert removed["code"] not in {m.code for m in services.active_measures()}
