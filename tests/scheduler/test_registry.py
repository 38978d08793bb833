"""Jobs are declared by the apps in jobs.py as plain data; bad declarations are refused."""

from __future__ import annotations

import sys

import pytest
from django.core.management import call_command

from ostoja.scheduler import checks, registry
from ostoja.scheduler.registry import JobDefinitionError, parse_job


def good(**over):
    entry = {
        "name": "hotline_retention",
        "command": "hotline_retention",
        "args": [],
        "cron": "15 3 * * *",
        "description": "Deletes addresses.",
    }
    entry.update(over)
    return entry


def _install(monkeypatch, module):
    """Make ``module`` look like a jobs.py of its app (the other apps' stay as they are)."""
    real = registry.importlib.util.find_spec
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(
        registry.importlib.util,
        "find_spec",
        lambda name: True if name == module.__name__ else real(name),
    )


def test_the_platforms_jobs_are_discovered_with_their_schedules():
    jobs = registry.discover()
    assert {name: (j.command, j.cron, j.app) for name, j in jobs.items()} == {
        "hotline_retention": ("hotline_retention", "15 3 * * *", "ostoja.hotline"),
        "hotline_rescore": ("hotline_rescore", "*/5 * * * *", "ostoja.hotline"),
        "takedown_appeal_retention": (
            "takedown_appeal_retention",
            "30 3 * * *",
            "ostoja.takedown",
        ),
        "directory_send_reminders": ("directory_send_reminders", "0 9 * * *", "ostoja.directory"),
        "scheduler_prune_runs": ("scheduler_prune_runs", "45 4 * * *", "ostoja.scheduler"),
        "audit_verify": ("audit_verify", "10 2 * * *", "ostoja.audit"),
        "audit_checkpoint": ("audit_checkpoint", "20 2 * * *", "ostoja.audit"),
        "safeguarding_daily": ("safeguarding_daily", "30 2 * * *", "ostoja.safeguarding"),
        "safeguarding_retention": (
            "safeguarding_retention",
            "45 2 * * *",
            "ostoja.safeguarding",
        ),
        "learning_consultation_reminders": (
            "learning_reminders",
            "*/15 * * * *",
            "ostoja.learning",
        ),
        "certificates_expiry_reminders": (
            "certificates_remind",
            "0 8 * * *",
            "ostoja.certificates",
        ),
        "network_charter_reminders": ("network_charter_reminders", "0 8 * * *", "ostoja.network"),
        "forum_digest_daily": ("forum_digest", "0 7 * * *", "ostoja.forum"),
        "forum_digest_weekly": ("forum_digest", "0 7 * * 1", "ostoja.forum"),
        "forum_sweep_files": ("forum_sweep_files", "30 3 * * *", "ostoja.forum"),
        "newsletter_send": ("newsletter_send", "* * * * *", "ostoja.newsletter"),
        "newsletter_read_bounces": (
            "newsletter_read_bounces",
            "*/15 * * * *",
            "ostoja.newsletter",
        ),
        "events_expire_offers": ("events_expire_offers", "*/10 * * * *", "ostoja.events"),
        "learning_expire_offers": ("learning_expire_offers", "*/10 * * * *", "ostoja.learning"),
        "events_retention": ("events_retention", "50 3 * * *", "ostoja.events"),
        "positions_suggest_dates": ("positions_suggest_dates", "0 8 * * *", "ostoja.positions"),
        "pact_reminders": ("pact_reminders", "0 8 * * *", "ostoja.pact"),
        "banks_publish_index": ("banks_index_publish", "*/10 * * * *", "ostoja.banks"),
    }
    assert all(j.description for j in jobs.values())


def test_a_job_of_another_app_is_discovered_without_touching_the_scheduler(monkeypatch):
    """A later module registers its job by adding jobs.py; nothing in the scheduler changes."""
    import types

    module = types.ModuleType("ostoja.outbox.jobs")
    module.JOBS = [good(name="outbox_report", command="outbox_deliver", cron="0 * * * *")]
    _install(monkeypatch, module)
    jobs = registry.discover()
    assert jobs["outbox_report"].app == "ostoja.outbox"
    assert jobs["outbox_report"].command == "outbox_deliver"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (good(cron="61 3 * * *"), "invalid cron"),
        (good(cron="15 3 * *"), "invalid cron"),
        (good(command="no_such_command"), "no management command"),
        (good(command="outbox_deliver"), "is a command of ostoja.outbox"),
        (good(args="--all"), "args must be a list"),
        (good(args=[1]), "args must be a list"),
        (good(description=""), "description is required"),
        (good(name="Bad Name"), "lower-case"),
        (good(name="x" * 101), "lower-case"),
        ({"name": "x", "command": "hotline_retention"}, "missing keys"),
        (good(when="daily"), "unknown keys ['when']"),
        ("hotline_retention", "each job is a dict"),
    ],
)
def test_bad_declarations_are_refused_with_the_reason(entry, message):
    with pytest.raises(JobDefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_job(entry, app="ostoja.hotline")


def test_a_name_declared_twice_is_refused(monkeypatch):
    import types

    module = types.ModuleType("ostoja.outbox.jobs")
    module.JOBS = [good(command="outbox_deliver")]  # the hotline already declares this name
    _install(monkeypatch, module)
    with pytest.raises(JobDefinitionError, match="declared by ostoja.hotline and ostoja.outbox"):
        registry.discover()


def test_manage_py_check_reports_a_bad_declaration(monkeypatch):
    def broken():
        raise JobDefinitionError("jobs: job 'x': invalid cron")

    monkeypatch.setattr(checks, "discover", broken)
    (error,) = checks.check_job_definitions()
    assert error.id == "scheduler.E001" and "invalid cron" in error.msg
    monkeypatch.undo()
    assert checks.check_job_definitions() == []
    call_command("check")  # the real declarations pass


def test_the_readme_lists_every_scheduled_job():
    """The operator's table of jobs in README.md stays true as apps add theirs."""
    from tests.page_text import SRC

    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in registry.registered_jobs() if f"| `{name}` |" not in readme]
    assert not missing, f"README.md's scheduled-jobs table lacks {missing}"
