"""Every state change of training, supervision and consultations (one function each: validates,
one transaction, one audit entry). Split by subject; the public functions are re-exported."""

from .consultations import (  # noqa: F401
    ask_consultation,
    book_consultation,
    close_consultation,
    consultation_statistics,
    expert_slots,
    free_slots,
    post_message,
    send_reminders,
    set_availability,
)
from .errors import ChildDataFound, Conflict, LearningError, NotAllowed, check_child_data  # noqa: F401
from .practitioners import set_practitioner  # noqa: F401
from .supervision import (  # noqa: F401
    add_note,
    book_group,
    cancel_booking,
    create_group,
    grant_eligibility,
    is_eligible,
    mark_meeting_attendance,
    read_notes,
)
from .training import (  # noqa: F401
    accept_offer,
    add_session,
    attendance_summary,
    close_edition,
    completion_settled,
    create_edition,
    enrol,
    evaluate_completion,
    expire_offers,
    mark_attendance,
    record_assessment,
    update_edition,
    withdraw,
)
