"""Every permission decision of training, supervision and consultations, in one place.

* **Coordinators** run it: courses and editions, supervision groups, the practitioners'
  flags, consultation statistics (counts only). They see supervision dates and attendance,
  never the supervisors' notes, and never the content of consultations.
* **Trainers, supervisors, experts** are :class:`~ostoja.learning.models.Practitioner`
  profiles a coordinator flags — not platform roles: a trainer marks attendance in their own
  editions, a supervisor keeps their own group's attendance and notes, an expert answers the
  consultations assigned to them.
* **Professionals of member organisations** (``ostoja.network.membership``) enrol in
  training, ask for consultations; graduates of a training book supervision.
"""

from __future__ import annotations

from ostoja.network import membership

from .models import Practitioner


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_coordinator(user) -> bool:
    return membership.is_coordinator(user)


def practitioner(user) -> Practitioner | None:
    if not _authenticated(user):
        return None
    return Practitioner.objects.filter(user=user).first()


def is_trainer(user) -> bool:
    p = practitioner(user)
    return bool(p and p.is_trainer)


def is_supervisor(user) -> bool:
    p = practitioner(user)
    return bool(p and p.is_supervisor)


def is_expert(user) -> bool:
    p = practitioner(user)
    return bool(p and p.is_expert)


def is_professional(user) -> bool:
    """A person of a partner organisation (coordinators are not, unless they also are)."""
    return bool(membership.partner_organisation_ids(user))


def can_use_learning(user) -> bool:
    """The overview and the training catalogue."""
    if not _authenticated(user):
        return False
    p = practitioner(user)
    return bool(
        membership.is_partnership_member(user)
        or (p and (p.is_trainer or p.is_supervisor or p.is_expert))
    )


def can_enrol(user) -> bool:
    return is_professional(user)


def can_manage_training(user) -> bool:
    """Create courses and editions."""
    return is_coordinator(user)


def can_run_edition(user, edition) -> bool:
    """The cohort, sessions, attendance and assessment of one edition."""
    if is_coordinator(user):
        return True
    return _authenticated(user) and edition.trainers.filter(pk=user.pk).exists()


def can_see_supervision(user) -> bool:
    return can_use_learning(user)


def can_manage_supervision(user) -> bool:
    return is_coordinator(user)


def can_see_group(user, group) -> bool:
    """Dates and attendance: the group's supervisor and coordinators."""
    return is_coordinator(user) or (_authenticated(user) and group.supervisor_id == user.pk)


def can_keep_notes(user, group) -> bool:
    """Only the group's supervisor — a coordinator never reads notes."""
    return _authenticated(user) and group.supervisor_id == user.pk


def can_manage_practitioners(user) -> bool:
    return is_coordinator(user)


def can_ask_consultation(user) -> bool:
    return is_professional(user)


def can_see_consultations(user) -> bool:
    return can_ask_consultation(user) or is_expert(user)


def can_see_consultation(user, request) -> bool:
    """The person who asked and the expert assigned: nobody else reads a consultation."""
    if not _authenticated(user):
        return False
    return request.requester_id == user.pk or request.expert_id == user.pk


def can_declare_availability(user) -> bool:
    return is_expert(user)


def can_see_statistics(user) -> bool:
    return is_coordinator(user)
