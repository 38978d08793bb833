from ostoja.outbox.models import OutboxMessage
from tests.matrix import COORD, SUPER, Case, only


def _failed_message(world):
    world.extra["outbox_message"] = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL,
        dedup_key="matrix:1",
        organisation=world.orgs[SUPER],  # the world's hotline
        recipients=["abuse@hosting.example"],
        subject="Notice",
        body_text="Body",
        state=OutboxMessage.State.FAILED,
        attempts=3,
    )


MATRIX = {
    "outbox:list": Case(expect=only([COORD, SUPER])),
    "outbox:retry": Case(
        method="post",
        setup=[_failed_message],
        kwargs=lambda w: {"pk": w.extra["outbox_message"].pk},
        expect=only([COORD, SUPER], ok=302),
    ),
}
