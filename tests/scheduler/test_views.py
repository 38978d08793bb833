"""Coordinators see every job's schedule, next run, last run, outcome and duration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ostoja.scheduler import services
from ostoja.scheduler.models import JobRun
from ostoja.scheduler.registry import registered_jobs

pytestmark = pytest.mark.django_db
State = JobRun.State


def make_run(job, *, state, hours_ago=1, error="", duration_ms=1234, missed=0):
    at = timezone.now() - timedelta(hours=hours_ago)
    return JobRun.objects.create(
        job=job,
        scheduled_for=at,
        missed_slots=missed,
        command=job,
        state=state,
        claimed_by="host:1",
        claimed_at=at,
        started_at=at if state != State.QUEUED else None,
        finished_at=at if state in JobRun.FINAL_STATES else None,
        duration_ms=duration_ms if state in JobRun.FINAL_STATES else None,
        error=error,
    )


def test_the_page_lists_every_job_with_its_last_outcome_in_polish(coordinator_client):
    make_run("hotline_retention", state=State.OK, duration_ms=2500, missed=2)
    make_run("directory_send_reminders", state=State.FAILED, error="ValueError")
    make_run("takedown_appeal_retention", state=State.FAILED, error=services.ERROR_NOT_STARTED)
    response = coordinator_client.get("/scheduler/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in registered_jobs():
        assert name in html
    assert "15 3 * * *" in html and "*/5 * * * *" in html
    assert "Usuwa adresy e-mail zgłaszających" in html  # the job's description, translated
    assert "Zaplanowane zadania" in html
    assert "Powodzenie" in html and "Błąd" in html and "ValueError" in html
    assert "Nie uruchomiono na czas: czy działa proces wykonujący zadania?" in html
    assert "2,5 s" in html
    assert "zastępuje też 2 pominięte uruchomienia" in html
    assert "jeszcze nie uruchomiono" in html  # hotline_rescore has not run


def test_the_page_in_english(coordinator_client):
    make_run("hotline_retention", state=State.OK, duration_ms=500)
    html = coordinator_client.get("/en/scheduler/").content.decode()
    assert "Scheduled jobs" in html and "Succeeded" in html and "0.5 s" in html
    assert "Deletes reporters&#x27; e-mail addresses" in html


def test_the_job_page_lists_its_runs_latest_first(coordinator_client):
    make_run("hotline_retention", state=State.OK, hours_ago=48)
    make_run("hotline_retention", state=State.FAILED, hours_ago=24, error="OperationalError")
    make_run("hotline_retention", state=State.QUEUED, hours_ago=0)
    make_run("hotline_rescore", state=State.OK)
    response = coordinator_client.get("/en/scheduler/hotline_retention/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "manage.py hotline_retention" in html
    assert html.index("Queued") < html.index("Failed") < html.index("Succeeded")
    assert "OperationalError" in html
    assert len(response.context["page"].object_list) == 3  # the other job's run is not listed


@pytest.mark.parametrize("name", ["no_such_job", "hotline_retention-x", "a" * 300])
def test_an_unknown_job_is_404(coordinator_client, name):
    assert coordinator_client.get(f"/scheduler/{name}/").status_code == 404


def test_bad_page_numbers_fall_back_to_a_page(coordinator_client):
    make_run("hotline_retention", state=State.OK)
    for page in ("0", "-1", "abc", "999999", "1e9"):
        response = coordinator_client.get("/scheduler/hotline_retention/", {"page": page})
        assert response.status_code == 200


def test_only_get_is_allowed(coordinator_client):
    assert coordinator_client.post("/scheduler/").status_code == 405


def test_the_coordinators_dashboard_links_to_the_jobs_page(coordinator_client):
    page = coordinator_client.get("/dashboard/").content.decode()
    assert 'href="/scheduler/"' in page
    assert "Zaplanowane zadania" in page
