"""Supervision's reaction to a completed training (connected in ``LearningConfig.ready``)."""

from __future__ import annotations

from django.dispatch import receiver

from .signals import training_completed


@receiver(training_completed, dispatch_uid="learning:supervision-eligibility")
def grant_supervision(sender, *, enrolment, user, **kwargs):
    from .services.supervision import grant_eligibility

    grant_eligibility(user, source_key=f"learning.enrolment:{enrolment.pk}")
