"""What the scheduler has done: one row per job and scheduled time (the claim), and the jobs it
has seen (so that a job added later does not "catch up" on slots from before it existed)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class KnownJob(models.Model):
    """A job the scheduler has seen, and since when (slots before that were never missed)."""

    name = models.CharField(_("job"), max_length=100, primary_key=True)
    first_seen_at = models.DateTimeField(pgettext_lazy("scheduler", "first seen"))

    class Meta:
        verbose_name = _("known job")
        verbose_name_plural = _("known jobs")

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """One run of a job for one scheduled time.

    The unique (job, scheduled time) row is the claim: of several schedulers that reach the same
    slot, exactly one inserts it, and only the inserter queues the run. A worker then moves it
    from *queued* to *running* with a conditional UPDATE, so a task delivered twice runs once.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    FINAL_STATES = (State.OK.value, State.FAILED.value)

    job = models.CharField(_("job"), max_length=100)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    missed_slots = models.PositiveIntegerField(
        _("missed slots"),
        default=0,
        help_text=_("Earlier scheduled times this run stands for (the scheduler was not running)."),
    )
    command = models.CharField(_("command"), max_length=100)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    claimed_by = models.CharField(_("claimed by"), max_length=200)
    claimed_at = models.DateTimeField(_("claimed at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(_("duration (ms)"), null=True, blank=True)
    # Short and free of personal data: an exception's class, a CommandError's own text, or one
    # of the scheduler's messages (stored in English, shown translated). Tracebacks go to the log.
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "scheduled_for"], name="scheduler_one_run_per_slot"
            )
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="scheduler_run_state")]

    def __str__(self):
        return f"{self.job} @ {self.scheduled_for:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000
