"""Issue 11, item 1: a process hashes few images at once; the others wait briefly or get 503."""

import io

from django.http import multipartparser

from ostoja.banks import image_limits

from .helpers import synthetic_image


def _post(api):
    upload = io.BytesIO(synthetic_image(3))
    upload.name = "x.png"
    return api.post("/api/v1/match/image", {"image": upload})


def test_busy_process_answers_503_with_retry_after_without_reading_the_body(
    api, settings, monkeypatch
):
    settings.OSTOJA_IMAGE_HASH_SLOTS = 1
    settings.OSTOJA_IMAGE_HASH_WAIT_SECONDS = 0.05
    semaphore = image_limits._slots()
    assert semaphore.acquire(timeout=1)
    try:
        real_parse = multipartparser.MultiPartParser.parse

        def must_not_parse(self):
            raise AssertionError("the body of a refused request was read")

        monkeypatch.setattr(multipartparser.MultiPartParser, "parse", must_not_parse)
        response = _post(api)
        assert response.status_code == 503
        assert response["Retry-After"] == str(image_limits.RETRY_AFTER_SECONDS)
        assert response.json()["detail"]
        monkeypatch.setattr(multipartparser.MultiPartParser, "parse", real_parse)
    finally:
        semaphore.release()
    assert _post(api).status_code == 200


def test_slot_is_given_back_after_errors(api, settings):
    settings.OSTOJA_IMAGE_HASH_SLOTS = 1
    settings.OSTOJA_IMAGE_HASH_WAIT_SECONDS = 0.05
    bad = io.BytesIO(b"not an image")
    bad.name = "x.png"
    for _ in range(3):
        assert api.post("/api/v1/match/image", {"image": bad}).status_code == 422
        bad.seek(0)
    assert _post(api).status_code == 200


def test_openapi_documents_the_503(client):
    schema = client.get("/api/openapi.json").json()
    assert "503" in schema["paths"]["/api/v1/match/image"]["post"]["responses"]
