"""Building joint texts for tests through the service functions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ostoja.positions import services

BODY = (
    "Wstęp: dzieci potrzebują ochrony.\n\n"
    "Postulat 1: szkolenia dla nauczycieli.\n\n"
    "Postulat 2: standardy w każdej szkole."
)


def document(
    coordinator, *, kind="position", title="Stanowisko w sprawie szkół", body=BODY, editors=()
):
    return services.create_document(
        actor=coordinator, kind=kind, title=title, body=body, editors=list(editors)
    )


def signing(coordinator, doc, *, days=7):
    return services.call_for_signatures(
        actor=coordinator, document=doc, deadline=timezone.now() + dt.timedelta(days=days)
    )
