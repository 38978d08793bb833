import io

import pytest
from django.core import mail
from django.core.management import call_command

from ostoja.outbox.models import OutboxMessage
from ostoja.outbox.services import enqueue_email

pytestmark = pytest.mark.django_db


def _enqueue(n):
    for i in range(n):
        enqueue_email(dedup_key=f"cmd:{i}", to=["a@example.com"], subject="S", body_text="B")


def test_one_sweep_sends_what_is_due(settings):
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    _enqueue(3)
    out = io.StringIO()
    call_command("outbox_deliver", stdout=out)
    assert "sent 3, retrying 0, failed 0" in out.getvalue()
    assert len(mail.outbox) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_loop_mode_runs_full_batches_back_to_back_and_stops(settings):
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    _enqueue(5)
    out = io.StringIO()
    call_command(
        "outbox_deliver",
        "--loop",
        "--limit",
        "2",
        "--interval",
        "0",
        "--iterations",
        "4",
        stdout=out,
    )
    assert len(mail.outbox) == 5
    assert out.getvalue().count("sent 2") == 2 and "sent 1," in out.getvalue()
