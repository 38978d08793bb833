"""A coordinator checks the scheduled jobs in a real browser: the list with each job's last
outcome, then one job's runs. No serious accessibility violations."""

from __future__ import annotations

import pytest

from ostoja.scheduler.models import JobRun
from ostoja.scheduler.registry import registered_jobs
from ostoja.scheduler.services import Scheduler
from tests.browser.conftest import serious_axe_violations
from tests.browser.test_hotline_assess import sign_in
from tests.conftest import make_user
from tests.scheduler.conftest import Clock, warsaw

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sees_the_jobs_and_a_jobs_runs(page):
    make_user("coordinator", email="coord-sched@example.test")
    clock = Clock(warsaw(2026, 3, 1, 12, 0))
    scheduler = Scheduler(clock=clock)
    scheduler.tick()  # first sight of every job
    clock.set(2026, 3, 2, 3, 15)
    scheduler.tick()  # retention and re-scoring are due and run

    sign_in(page, "coord-sched@example.test")
    page.goto("/scheduler/")
    assert page.locator("h1").inner_text() == "Zaplanowane zadania"
    table = page.locator("table").inner_text()
    for name in registered_jobs():
        assert name in table
    ran = set(JobRun.objects.filter(state="ok").values_list("job", flat=True))
    assert {"hotline_retention", "hotline_rescore"} <= ran  # due at 03:15 on 2 March
    assert table.count("Powodzenie") == len(ran)  # one line per job, each with its last run
    assert "jeszcze nie uruchomiono" in table
    assert serious_axe_violations(page) == []
    page.screenshot(path="/tmp/scheduler_list.png", full_page=True)

    page.get_by_role("link", name="hotline_retention").click()
    page.wait_for_url("**/scheduler/hotline_retention/")
    assert "manage.py hotline_retention" in page.content()
    runs = page.locator("table").inner_text()
    assert "02.03.2026, 03:15" in runs and "Powodzenie" in runs
    assert serious_axe_violations(page) == []
