"""Building Pact data for tests through the service functions."""

from __future__ import annotations

import datetime as dt

from ostoja.pact import services

SIGNED = dt.date(2025, 3, 1)


def signatory(code="2261", *, organisation=None, actor=None, verify=True, **overrides):
    fields = {
        "actor": actor,
        "organisation": organisation,
        "teryt_code": code,
        "signed_by_name": "Jan Testowy",
        "signed_by_function": "prezydent miasta",
        "signed_on": SIGNED,
        "contact_name": "Anna Kontakt",
        "contact_email": "pakt@example.test",
        "resolution_url": "https://example.org/uchwala.pdf",
    }
    fields.update(overrides)
    s = services.sign_pact(**fields)
    if verify:
        services.verify_signatory(s, actor=None, accept=True)
    return s


def item(s, *, progress=50, parent=None, measure=None, title="Szkolenia X-1", **overrides):
    fields = {
        "title": title,
        "measure": measure,
        "parent": parent,
        "responsible_unit": "Wydział Edukacji",
        "partners": "",
        "budget_pln": None,
        "indicator": "",
        "progress": progress,
        "children_participation": "",
        "starts_on": dt.date(2025, 4, 1),
        "ends_on": dt.date(2027, 3, 31),
    }
    fields.update(overrides)
    return services.save_plan_item(s, actor=None, **fields)
