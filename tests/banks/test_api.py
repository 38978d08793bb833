"""The matching API: answers, OpenAPI description and every kind of bad input."""

import io
import json

import pytest
from django.test import Client
from PIL import Image

from ostoja.banks import services
from ostoja.banks.api import MAX_HASHES, MAX_IMAGE_BYTES
from ostoja.matching import pdq_from_image
from ostoja.organisations.services import issue_api_token
from tests.factories import OrganisationFactory

from .helpers import PDQ_A, add, flip_bits, make_bank, synthetic_image

pytestmark = pytest.mark.django_db

MD5 = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def bank(hotline_org):
    # Shared: every platform is told its name. Private banks: test_private_banks_api.py.
    return make_bank(hotline_org, slug="bank-a", name="Bank A", visibility="shared")


def post_json(client, payload, **extra):
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post("/api/v1/match", body, content_type="application/json", **extra)


def h(signal_type, value):
    return {"signal_type": signal_type, "value": value}


# -- /v1/match ----------------------------------------------------------------------------------


def test_match_answers_each_hash_in_order(api, bank):
    add(bank, "pdq", PDQ_A, classification="baseline", category="A", age_band="3-13")
    add(bank, "md5", MD5, classification="national")
    near = flip_bits(PDQ_A, 7)
    response = post_json(
        api, {"hashes": [h("pdq", near.upper()), h("md5", MD5), h("sha1", "a" * 40)]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matched"] == 2 and body["pdq_threshold"] == 31
    first, second, third = body["results"]
    assert first["value"] == near  # normalised to lower case
    assert first["matches"] == [
        {
            "bank": "bank-a",
            "bank_name": "Bank A",
            "organisation": "hotline-a",
            "distance": 7,
            "classification": {"classification": "baseline", "category": "A", "age_band": "3-13"},
            "disclosure": "full",
        }
    ]
    assert second["matches"][0]["distance"] == 0
    assert third["matches"] == [] and third["truncated"] is False


def test_threshold_boundary_and_strictness(api, bank):
    add(bank, "pdq", PDQ_A)
    hashes = [h("pdq", flip_bits(PDQ_A, d)) for d in (30, 31, 32, 33)]
    body = post_json(api, {"hashes": hashes}).json()
    assert [len(r["matches"]) for r in body["results"]] == [1, 1, 0, 0]
    body = post_json(api, {"hashes": hashes, "pdq_threshold": 30}).json()
    assert [len(r["matches"]) for r in body["results"]] == [1, 0, 0, 0]


def test_disabled_banks_and_removed_entries_do_not_match(api, bank):
    entry = add(bank, "md5", MD5)
    assert post_json(api, {"hashes": [h("md5", MD5)]}).json()["matched"] == 1
    services.set_bank_enabled(actor=None, bank=bank, enabled=False)
    assert post_json(api, {"hashes": [h("md5", MD5)]}).json()["matched"] == 0
    services.set_bank_enabled(actor=None, bank=bank, enabled=True)
    assert post_json(api, {"hashes": [h("md5", MD5)]}).json()["matched"] == 1
    services.remove_entry(actor=None, entry=entry)
    assert post_json(api, {"hashes": [h("md5", MD5)]}).json()["matched"] == 0


def test_ten_thousand_hashes_in_one_call(api, bank):
    add(bank, "sha256", "ab" * 32)
    hashes = [h("sha256", f"{i:064x}") for i in range(MAX_HASHES - 1)] + [h("sha256", "AB" * 32)]
    response = post_json(api, {"hashes": hashes})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == MAX_HASHES and body["matched"] == 1
    assert body["results"][-1]["matches"][0]["bank"] == "bank-a"


def _error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"hashes": [h("pdq", "g" * 64)]}, "hashes.0.value", "not a hexadecimal digit"),
        ({"hashes": [h("pdq", PDQ_A[:-1])]}, "hashes.0.value", "64 hexadecimal digits"),
        ({"hashes": [h("md5", MD5 + "0")]}, "hashes.0.value", "32 hexadecimal digits"),
        ({"hashes": [h("md5", "")]}, "hashes.0.value", "empty"),
        ({"hashes": [h("md5", "０" * 32)]}, "hashes.0.value", "not a hexadecimal digit"),
        ({"hashes": [h("md5", MD5[:31] + "\u200b")]}, "hashes.0.value", "not a hexadecimal digit"),
        ({"hashes": [h("md5", "a" * 5000)]}, "hashes.0.value", "at most 200"),
        ({"hashes": [h("md5", 12345)]}, "hashes.0.value", "Enter text"),
        ({"hashes": [h("md4", MD5)]}, "hashes.0.signal_type", "pdq, md5, sha1, sha256"),
        ({"hashes": [{"value": MD5}]}, "hashes.0.signal_type", "required"),
        ({"hashes": []}, "hashes", "at least 1"),
        ({}, "hashes", "required"),
        ({"hashes": [h("md5", MD5)], "pdq_threshold": 32}, "pdq_threshold", "31"),
        ({"hashes": [h("md5", MD5)], "pdq_threshold": -1}, "pdq_threshold", "0"),
    ],
)
def test_bad_hashes_are_named(api, payload, field, fragment):
    body = _error(post_json(api, payload), 422)
    fields = [e["field"] for e in body["errors"]]
    assert field in fields, body
    message = next(e["message"] for e in body["errors"] if e["field"] == field)
    assert fragment in message, message


def test_a_bad_hash_among_many_is_located(api):
    hashes = [h("md5", MD5)] * 50 + [h("md5", "x" * 32)] + [h("md5", MD5)] * 10
    body = _error(post_json(api, {"hashes": hashes}), 422)
    assert [e["field"] for e in body["errors"]] == ["hashes.50.value"]


def test_one_more_than_the_limit(api):
    hashes = [h("md5", MD5)] * (MAX_HASHES + 1)
    body = _error(post_json(api, {"hashes": hashes}), 422)
    assert body["errors"][0]["field"] == "hashes"
    assert "10000" in body["errors"][0]["message"]


def test_oversized_body_and_broken_json(api):
    _error(post_json(api, b'{"hashes": [' + b" " * (3 * 1024 * 1024) + b"]}"), 413)
    response = post_json(api, b'{"hashes": [')
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_tokens_and_scopes(bank, client):
    payload = {"hashes": [h("md5", MD5)]}
    _error(post_json(client, payload), 401)
    org = OrganisationFactory()
    _t, secret = issue_api_token(actor=None, organisation=org, name="r", scopes=["reports"])
    _error(post_json(client, payload, HTTP_AUTHORIZATION=f"Bearer {secret}"), 403)


def test_nothing_is_written_by_matching(api, bank):
    from ostoja.audit.models import AuditEntry
    from ostoja.banks.models import BankEntry

    add(bank, "md5", MD5)
    before = (AuditEntry.objects.count(), BankEntry.objects.count())
    post_json(api, {"hashes": [h("md5", MD5)]})
    post_json(api, {"hashes": [h("md5", "bad")]})
    assert (AuditEntry.objects.count(), BankEntry.objects.count()) == before


# -- /v1/match/image ----------------------------------------------------------------------------


def post_image(client, data: bytes, name="picture.png", **fields):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/api/v1/match/image", {"image": upload, **fields})


def test_image_is_hashed_and_matched(api, bank):
    image = synthetic_image(1)
    pdq = pdq_from_image(image).hash
    add(bank, "pdq", pdq, classification="baseline")
    import hashlib

    add(bank, "sha256", hashlib.sha256(image).hexdigest())
    response = post_image(api, image)
    assert response.status_code == 200, response.content
    body = response.json()
    by_type = {r["signal_type"]: r for r in body["results"]}
    assert set(by_type) == {"pdq", "md5", "sha1", "sha256"}
    assert by_type["pdq"]["value"] == pdq and by_type["pdq"]["variant"] == "original"
    assert by_type["pdq"]["matches"][0]["distance"] == 0
    assert by_type["sha256"]["matches"][0]["bank"] == "bank-a"
    assert by_type["md5"]["value"] == hashlib.md5(image).hexdigest()
    assert body["matched"] == 2 and body["pdq_quality"] >= 50


def test_recompressed_copy_matches_by_pdq_only(api, bank):
    original = synthetic_image(2)
    add(bank, "pdq", pdq_from_image(original).hash)
    im = Image.open(io.BytesIO(original)).convert("RGB").resize((250, 250))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=60)
    body = post_image(api, buf.getvalue(), name="copy.jpg").json()
    pdq = next(r for r in body["results"] if r["signal_type"] == "pdq")
    assert pdq["matches"] and pdq["matches"][0]["distance"] <= 31
    assert body["matched"] == 1


def test_dihedral_finds_a_rotated_copy(api, bank):
    original = synthetic_image(3)
    add(bank, "pdq", pdq_from_image(original).hash)
    rotated = Image.open(io.BytesIO(original)).rotate(90, expand=True)
    buf = io.BytesIO()
    rotated.save(buf, format="PNG")
    plain = post_image(api, buf.getvalue()).json()
    assert plain["matched"] == 0
    turned = post_image(api, buf.getvalue(), dihedral="true").json()
    pdq = [r for r in turned["results"] if r["signal_type"] == "pdq"]
    assert len(pdq) > 1
    assert any(r["matches"] and r["variant"] != "original" for r in pdq)


def test_featureless_image_is_not_matched_by_pdq(api, bank):
    buf = io.BytesIO()
    Image.new("RGB", (200, 200), (128, 128, 128)).save(buf, format="PNG")
    flat = pdq_from_image(buf.getvalue())
    add(bank, "pdq", flat.hash)
    body = post_image(api, buf.getvalue()).json()
    pdq = next(r for r in body["results"] if r["signal_type"] == "pdq")
    assert body["pdq_quality"] < 50
    assert pdq["skipped"] == "low_quality" and pdq["matches"] == []


def _bomb() -> bytes:
    buf = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buf, format="PNG")  # 100 megapixels, tiny file
    return buf.getvalue()


@pytest.mark.parametrize(
    ("make", "status", "reason"),
    [
        (lambda: synthetic_image(4, fmt="JPEG")[:1500], 422, "corrupt"),
        (lambda: b"this is a text file, not an image\n" * 10, 422, "not_an_image"),
        (lambda: b"", 422, "not_an_image"),
        (lambda: b"GIF89a" + b"\x00" * 20, 422, "not_an_image"),
        (_bomb, 422, "too_many_pixels"),
    ],
    ids=["truncated-jpeg", "text", "empty", "gif-header-only", "decompression-bomb"],
)
def test_bad_images(api, make, status, reason):
    data = make()
    body = _error(post_image(api, data), status)
    assert body["errors"][0]["field"] == "image"
    assert body["errors"][0]["type"] == reason


def test_twenty_megabytes_and_one_byte_is_refused(api):
    response = post_image(api, b"\xff\xd8\xff" + b"\x00" * (MAX_IMAGE_BYTES - 2))
    body = _error(response, 413)
    assert body["errors"][0]["type"] == "too_large"
    assert "20 MB" in body["detail"]


def test_huge_body_is_refused_before_it_is_read(api, monkeypatch):
    from django.http import multipartparser

    def must_not_parse(*a, **kw):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", must_not_parse)
    response = api.generic(
        "POST",
        "/api/v1/match/image",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert _error(response, 413)["errors"][0]["type"] == "too_large"


def test_request_shape_errors(api):
    _error(api.post("/api/v1/match/image", {"picture": io.BytesIO(b"x")}), 422)
    _error(api.post("/api/v1/match/image", b"raw", content_type="image/png"), 400)
    _error(
        api.generic(
            "POST",
            "/api/v1/match/image",
            b"garbage without boundary",
            content_type="multipart/form-data",
        ),
        400,
    )
    image = synthetic_image(5)
    _error(post_image(api, image, dihedral="perhaps"), 422)
    _error(post_image(api, image, pdq_threshold="40"), 422)
    _error(post_image(api, image, pdq_threshold="-1"), 422)
    two = api.post(
        "/api/v1/match/image",
        {"image": [io.BytesIO(image), io.BytesIO(image)]},
    )
    _error(two, 422)


def test_image_endpoint_needs_the_match_scope(client):
    _error(post_image(client, synthetic_image(6)), 401)


# -- other endpoints and the OpenAPI description ------------------------------------------------


def test_bank_list_for_platforms(api, bank, hotline_org):
    add(bank, "pdq", PDQ_A)
    add(bank, "md5", MD5)
    make_bank(hotline_org, slug="off", enabled=False)
    body = api.get("/api/v1/banks").json()
    assert body == [
        {
            "bank": "bank-a",
            "bank_name": "Bank A",
            "organisation": "hotline-a",
            "version": 3,
            "entries": {"pdq": 1, "md5": 1, "sha1": 0, "sha256": 0},
        }
    ]


def test_signing_key_endpoint(client, signing_key, settings, tmp_path):
    from ostoja.banks import signing

    body = client.get("/api/v1/banks/signing-key").json()
    assert body["key_id"] == signing.key_id(signing_key)
    assert body["public_key_pem"] == signing.public_key_pem(signing_key)
    settings.OSTOJA_BANK_SIGNING_KEY_FILE = str(tmp_path / "none.pem")
    assert client.get("/api/v1/banks/signing-key").status_code == 404


def test_openapi_describes_the_endpoints(client):
    schema = Client().get("/api/openapi.json").json()
    match = schema["paths"]["/api/v1/match"]["post"]
    assert {"200", "401", "413", "422"} <= set(match["responses"])
    body_schema = match["requestBody"]["content"]["application/json"]["schema"]
    ref = body_schema["$ref"].rsplit("/", 1)[-1]
    component = schema["components"]["schemas"][ref]
    assert component["properties"]["hashes"]["maxItems"] == MAX_HASHES
    assert component["examples"]
    image = schema["paths"]["/api/v1/match/image"]["post"]
    multipart = image["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert multipart["properties"]["image"]["format"] == "binary"
    assert "422" in image["responses"] and "413" in image["responses"]


# -- the answer of /v1/match is built without ninja's re-validation (bench/match_api_bench.py) ---


def test_the_answer_is_exactly_what_the_response_schema_describes(api, bank, hotline_org):
    from ostoja.banks.api import MatchOutList

    add(bank, "pdq", PDQ_A, classification="baseline", category="A", age_band="3-13")
    private = make_bank(hotline_org, slug="own", name="Own", visibility="private")
    private.match_disclosure = "known"
    private.save()
    add(private, "pdq", flip_bits(PDQ_A, 3, seed=9), classification="national")
    response = post_json(api, {"hashes": [h("pdq", PDQ_A), h("md5", MD5)]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body == MatchOutList.model_validate(body).model_dump()
    assert list(body) == ["results", "matched", "pdq_threshold"]
    assert list(body["results"][0]) == ["signal_type", "value", "matches", "truncated"]
    assert [m["disclosure"] for m in body["results"][0]["matches"]] == ["full", "known"]
    assert body["results"][0]["matches"][1]["bank"] is None
