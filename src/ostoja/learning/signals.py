"""What the training announces to the rest of the platform (GUIDE habit 11).

``training_completed(sender=Enrolment, enrolment=…, user=…)`` is sent by
:func:`ostoja.learning.services.training.evaluate_completion` when a person completes an
edition. Supervision subscribes (``receivers.py``) and records the right to book a group; any
other module may subscribe the same way without the training knowing about it.
"""

from django.dispatch import Signal

training_completed = Signal()
