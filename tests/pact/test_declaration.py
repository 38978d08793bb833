"""The declaration of signing as a PDF, and the uploaded council resolution: for the
authority's officers and the coordinators only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from ostoja.organisations.roles import Role
from tests.conftest import login, make_user
from tests.factories import OrganisationFactory

from .helpers import signatory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_officer_and_the_coordinator_get_the_declaration_with_the_authoritys_name():
    org = OrganisationFactory(kind="local_authority")
    officer = make_user(Role.AUTHORITY_OFFICER, org)
    s = signatory("0606022", organisation=org)  # Fajsławice: Polish letters in the name
    text = _text(login(Client(), officer).get(f"/pact/s/{s.slug}/declaration.pdf"))
    assert "Fajsławice" in text
    assert "Jan Testowy" in text and "0606022" in text
    assert "Deklaracja przystąpienia do Paktu" in text  # Polish by default
    english = _text(
        login(Client(), make_user(Role.COORDINATOR)).get(f"/en/pact/s/{s.slug}/declaration.pdf")
    )
    assert "Fajsławice" in english and "Declaration of signing the Pact" in english
    assert f"/pact/s/{s.slug}/" in english  # the public page of a verified signatory


def test_another_authority_and_the_public_do_not_get_it():
    s = signatory("2261", organisation=OrganisationFactory(kind="local_authority"))
    stranger = make_user(Role.AUTHORITY_OFFICER, OrganisationFactory(kind="local_authority"))
    assert login(Client(), stranger).get(f"/pact/s/{s.slug}/declaration.pdf").status_code == 404
    assert Client().get(f"/pact/s/{s.slug}/declaration.pdf").status_code == 302
    member = make_user(Role.NETWORK_MEMBER)
    assert login(Client(), member).get(f"/pact/s/{s.slug}/declaration.pdf").status_code == 403


def test_the_uploaded_resolution_is_served_to_the_authority_only():
    org = OrganisationFactory(kind="local_authority")
    officer = make_user(Role.AUTHORITY_OFFICER, org)
    content = b"%PDF-1.4\n% uchwala rady gminy\n"
    s = signatory(
        "0606022",
        organisation=org,
        resolution_url="",
        resolution_file=SimpleUploadedFile("uchwala.pdf", content),
    )
    response = login(Client(), officer).get(f"/pact/s/{s.slug}/resolution.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert "no-store" in response["Cache-Control"]
    stranger = make_user(Role.AUTHORITY_OFFICER, OrganisationFactory(kind="local_authority"))
    assert login(Client(), stranger).get(f"/pact/s/{s.slug}/resolution.pdf").status_code == 404
    # A signature given by link has no file to serve.
    linked = signatory("2261", organisation=org)
    assert login(Client(), officer).get(f"/pact/s/{linked.slug}/resolution.pdf").status_code == 404
