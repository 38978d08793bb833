"""Schemathesis over the whole partner API, inside the test suite (issue 11, item 8).

Every operation of ``/api/openapi.json`` is called with generated requests — valid ones
(positive mode) and ones that break the document (negative mode) — carrying a real token
with every scope, so the requests reach the handlers rather than stopping at 401. Each answer
must be free of server errors, have a documented status and content type, and match the
documented schema; a request without the token must get 401. The examples are bounded and
seeded (``derandomize``) so the run is repeatable.

Not checked: schemathesis's ``negative_data_rejection``. It counts an unknown query parameter
(``?x=1``) as invalid data that must be refused; the API ignores unknown query parameters,
as HTTP APIs commonly do. Invalid data is still generated (negative mode) and must not cause
a server error, an undocumented status or an answer that breaks the document.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
#: Per operation (11 operations): enough to hit every field's edge cases, small enough for CI.
MAX_EXAMPLES = 30

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def _keep_the_test_connection():
    """Django closes the database connection at the end of every request; its test Client
    stops that, schemathesis's WSGI client does not (on PostgreSQL the test's transaction
    would be gone after the first call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def all_scopes_token(db, settings, _keep_the_test_connection):
    settings.OSTOJA_BANKS_REFRESH_SECONDS = 0
    OrganisationFactory(kind="hotline", slug="receiving-hotline", verified=True, country="PL")
    org = OrganisationFactory(kind="online_platform", slug="schemathesis-platform")
    _token, secret = issue_api_token(
        actor=None,
        organisation=org,
        name="schemathesis",
        scopes=["reports", "match", "ntd", "urllist"],
    )
    return secret


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.django_db
def test_api_conforms_to_its_document(case, all_scopes_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {all_scopes_token}"}, checks=CHECKS)
