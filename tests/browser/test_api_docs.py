"""``/api/docs`` renders in a real browser and lists every operation (issue 11, item 8).

Swagger UI comes from django-ninja's own static files (no CDN): every request the page makes
goes to this site, and the CSP (``script-src 'self'``) lets it run.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_list_every_operation_from_local_assets(page, live_server):
    doc = json.loads(Client().get("/api/openapi.json").content)
    operations = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.goto("/api/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    shown = set()
    for block in page.query_selector_all(".opblock"):
        method = block.query_selector(".opblock-summary-method").inner_text().strip().upper()
        path = block.query_selector(".opblock-summary-path").get_attribute("data-path")
        shown.add((method, path))
    assert shown == operations
    assert len(operations) >= 11
    # No error banner from the document itself (a broken document shows "Errors").
    assert not page.query_selector(".errors-wrapper")
    assert page.request_log.foreign() == []
    assert any("/static/ninja/swagger-ui-bundle" in u for u in page.request_log.urls)
    assert csp_errors == []
