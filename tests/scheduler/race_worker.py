"""A scheduler process for the SQLite race test (``python -m tests.scheduler.race_worker``).

Modes: ``setup`` (migrate), ``compete <identity> <dir> <n>`` (tick through the race's moments,
meeting the other ``n - 1`` processes before each; every executed command is appended to
``<dir>/executed``; print the claimed slots as JSON), ``enqueue`` (claim and queue the first
due runs, with the real commands), ``report`` (print every run as JSON).
The job's command is recorded, not run: the race is about who runs it, not what it does.
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.scheduler.race_settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from ostoja.scheduler import services  # noqa: E402
from ostoja.scheduler.models import JobRun  # noqa: E402
from tests.scheduler.race_helpers import compete, slot_key  # noqa: E402


def file_barrier(folder, identity, n):
    def wait(k):
        open(os.path.join(folder, f"tick{k}-{identity}"), "w").close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(name.startswith(f"tick{k}-") for name in os.listdir(folder)) >= n:
                return
            time.sleep(0.001)
        raise TimeoutError(f"the other schedulers did not reach tick {k}")

    return wait


def main(mode, *args):
    if mode == "setup":
        call_command("migrate", verbosity=0)
    elif mode == "compete":
        identity, folder, n = args[0], args[1], int(args[2])
        log = os.path.join(folder, "executed")

        def record(command, job_args):
            with open(log, "a") as fh:  # one short O_APPEND write per run
                fh.write(command + "\n")
            time.sleep(0.02)  # a job takes time: the other scheduler ticks meanwhile

        services.run_command = record
        print(json.dumps(compete(identity, file_barrier(folder, identity, n))))
    elif mode == "enqueue":
        # First sight of the jobs, then 03:15 on 2 March: the two jobs due are queued.
        from tests.scheduler.race_helpers import TICKS, race_jobs

        clock = iter(TICKS[:2])
        scheduler = services.Scheduler(race_jobs(), clock=lambda: next(clock), identity="enqueuer")
        scheduler.tick()
        print(json.dumps([slot_key(run) for run in scheduler.tick().claimed]))
    elif mode == "report":
        runs = [[*slot_key(r), r.state, r.claimed_by] for r in JobRun.objects.all()]
        print(json.dumps(runs))


if __name__ == "__main__":
    main(*sys.argv[1:])
