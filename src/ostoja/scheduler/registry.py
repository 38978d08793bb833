"""The periodic jobs of the platform, declared by each app in ``<app>/jobs.py``.

A module that needs work done on a schedule declares it as plain data, without importing the
scheduler::

    from django.utils.translation import gettext_noop

    JOBS = [
        {"name": "hotline_retention", "command": "hotline_retention", "args": [],
         "cron": "15 3 * * *", "description": gettext_noop("Deletes reporters' e-mail …")},
    ]

``command`` is a management command of that app; ``cron`` a 5-field crontab in the platform's
time zone (Europe/Warsaw); ``description`` is shown (translated) to coordinators.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import get_commands

from . import cron

NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
KEYS = {"name", "command", "args", "cron", "description"}


@dataclass(frozen=True)
class Job:
    name: str
    command: str
    args: tuple[str, ...]
    cron: str
    description: str
    app: str = ""


class JobDefinitionError(ImproperlyConfigured):
    pass


def parse_job(entry, *, app: str = "", check_command: bool = True) -> Job:
    """One ``JOBS`` entry → a :class:`Job`; raises ``JobDefinitionError`` naming the problem."""
    where = f"{app}.jobs" if app else "jobs"
    if not isinstance(entry, dict):
        raise JobDefinitionError(f"{where}: each job is a dict, got {type(entry).__name__}")
    name = entry.get("name")
    label = f"{where}: job {name!r}"
    if set(entry) != KEYS:
        missing, unknown = sorted(KEYS - set(entry)), sorted(set(entry) - KEYS)
        raise JobDefinitionError(f"{label}: missing keys {missing}, unknown keys {unknown}")
    if not isinstance(name, str) or not NAME.match(name):
        raise JobDefinitionError(f"{label}: the name is lower-case letters, digits and _")
    command, args = entry["command"], entry["args"]
    if not isinstance(command, str) or not command:
        raise JobDefinitionError(f"{label}: command must be a management command's name")
    if check_command:
        owner = get_commands().get(command)
        if owner is None:
            raise JobDefinitionError(f"{label}: there is no management command {command!r}")
        if app and owner != app:
            raise JobDefinitionError(f"{label}: {command!r} is a command of {owner}, not {app}")
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        raise JobDefinitionError(f"{label}: args must be a list of strings")
    if not isinstance(entry["cron"], str):
        raise JobDefinitionError(f"{label}: cron must be a string")
    try:
        cron.validate(entry["cron"])
    except cron.CronSimError as exc:
        raise JobDefinitionError(f"{label}: invalid cron {entry['cron']!r}: {exc}") from exc
    description = entry["description"]
    if not isinstance(description, str) or not description.strip():
        raise JobDefinitionError(f"{label}: a description is required")
    return Job(name, command, tuple(args), " ".join(entry["cron"].split()), description, app)


def discover() -> dict[str, Job]:
    """Read ``jobs.py`` of every installed Ostoja app; job names are unique platform-wide."""
    jobs: dict[str, Job] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("ostoja."):
            continue
        module_name = f"{config.name}.jobs"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)  # errors inside jobs.py surface here
        for entry in getattr(module, "JOBS", []):
            job = parse_job(entry, app=config.name)
            if job.name in jobs:
                raise JobDefinitionError(
                    f"job {job.name!r} is declared by {jobs[job.name].app} and {config.name}"
                )
            jobs[job.name] = job
    return dict(sorted(jobs.items()))


@lru_cache(maxsize=1)
def registered_jobs() -> dict[str, Job]:
    """The jobs of this installation (read once per process)."""
    return discover()
