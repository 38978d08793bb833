"""Settings of the scheduler, with their defaults.

==========================================  =======  ==============================================
setting                                     default  meaning
==========================================  =======  ==============================================
``OSTOJA_SCHEDULER_QUEUED_TIMEOUT_MINUTES``  60       a run no worker started by then is failed
``OSTOJA_SCHEDULER_RUN_TIMEOUT_MINUTES``     720      a run not finished by then is failed
``OSTOJA_SCHEDULER_KEEP_DAYS``               90       run history kept by ``scheduler_prune_runs``
==========================================  =======  ==============================================
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def queued_timeout() -> timedelta:
    return timedelta(minutes=getattr(settings, "OSTOJA_SCHEDULER_QUEUED_TIMEOUT_MINUTES", 60))


def run_timeout() -> timedelta:
    return timedelta(minutes=getattr(settings, "OSTOJA_SCHEDULER_RUN_TIMEOUT_MINUTES", 720))


def keep_days() -> int:
    return int(getattr(settings, "OSTOJA_SCHEDULER_KEEP_DAYS", 90))
