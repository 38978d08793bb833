"""Builders for the network's tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ostoja.network import services
from ostoja.network.models import CharterVersion

VALID_NIP = "5260250274"
VALID_REGON = "123456785"
VALID_KRS = "0000012345"


def charter(number: int = 1, **over) -> CharterVersion:
    return CharterVersion.objects.create(
        number=number,
        charter=over.pop("charter", f"## Regulamin {number}\n\nTreść."),
        declaration=over.pop("declaration", "Deklarujemy współpracę."),
        **over,
    )


def data(**over) -> services.ApplicationData:
    current = services.applications.current_charter()
    values = {
        "name": "Fundacja Próbna",
        "legal_form": "foundation",
        "krs": VALID_KRS,
        "nip": VALID_NIP,
        "regon": VALID_REGON,
        "website": "https://example.org/",
        "description": "Pomagamy dzieciom i rodzinom.",
        "voivodeships": ["14", "10"],
        "areas": ["therapy", "prevention"],
        "contact_name": "Ewa Kontaktowa",
        "contact_email": "ewa@example.org",
        "signatory_name": "Jan Prezes",
        "signatory_function": "prezes zarządu",
        "accepted": True,
        "charter_number": current.number if current else None,
    }
    values.update(over)
    return services.ApplicationData(**values)


def confirmed(**over):
    """A submitted and confirmed application; returns (application, access token)."""
    application, token = services.submit_application(data(**over))
    return services.confirm_application(token)


def tomorrow_plus(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)
