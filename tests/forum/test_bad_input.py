"""Bad input: HTML and JavaScript in posts rendered inert, attachments over the limit or not
what their names say, hostile file names, empty and oversized text. Nothing half-written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from ostoja.forum import files, services
from ostoja.forum.models import Attachment, Post, Thread

from .helpers import (
    category,
    docx_bytes,
    member,
    odt_bytes,
    pdf_bytes,
    plain_zip_bytes,
    png_bytes,
    thread,
)

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)> '
    '[klik](javascript:alert(1)) <a href="https://example.com" onclick="steal()">a</a> '
    "[dobry link](https://example.com/a)"
)


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_html_and_javascript_in_a_post_are_inert():
    author, reader = member(), member()
    t = thread(author, category(), title="<b>Tytuł</b><script>x()</script>", body=HOSTILE)
    page = client(reader).get(reverse("forum:thread", args=[t.pk])).content.decode()
    main = page.split('id="content"', 1)[1]
    assert "<script" not in main.split("</main>")[0]
    assert "<img" not in main and "&lt;img src=x onerror=alert(1)&gt;" in main
    assert 'href="javascript:' not in main
    assert '<a href="https://example.com" onclick' not in main
    assert '&lt;a href="https://example.com" onclick="steal()"&gt;' in main  # text
    assert "&lt;script&gt;" in main  # shown as text
    assert 'href="https://example.com/a" rel="nofollow noopener noreferrer"' in main
    assert "&lt;b&gt;Tytuł&lt;/b&gt;" in main  # the title is escaped too


def test_a_stored_rendering_altered_outside_the_services_is_cleaned_on_the_way_out():
    author = member()
    t = thread(author, category(), body="zwykły tekst")
    Post.objects.filter(thread=t).update(body_html='<p onclick="x()">a</p><script>evil()</script>')
    page = client(member()).get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert "evil()" not in page and 'onclick="x()"' not in page


def _upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("protokol.pdf", pdf_bytes(), "application/pdf"),
        (
            "plan.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("plan.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("zdjecie.png", png_bytes(), "image/png"),
    ],
)
def test_accepted_types_are_stored_under_a_random_name(settings, name, content, kind):
    checked = files.check_upload(_upload(name, content))
    assert checked.content_type == kind
    stored = files.store(checked)
    assert name.split(".")[0] not in stored and len(stored) == 40
    assert (settings.OSTOJA_FORUM_FILES_DIR / stored).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("raport.pdf", png_bytes()),  # an image named as a PDF
        ("plan.docx", plain_zip_bytes()),  # a plain zip named as a document
        ("plan.docx", odt_bytes()),  # an OpenDocument named as Word
        ("skrypt.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("strona.png", b"<html><script>alert(1)</script></html>"),
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 200),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, content):
    author = member()
    cat = category()
    with pytest.raises(services.ForumError) as refused:
        thread(author, cat, files=[_upload(name, content)])
    assert name in str(refused.value.message)
    assert not Thread.objects.exists() and not Attachment.objects.exists()


def test_an_attachment_over_the_limit_is_refused_before_it_is_read(settings):
    settings.OSTOJA_FORUM_MAX_ATTACHMENT_BYTES = 1000

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("read although too large")

    upload = Unreadable("duzy.pdf", b"%PDF-" + b"0" * 5000)
    with pytest.raises(services.ForumError) as refused:
        thread(member(), category(), files=[upload])
    assert "duzy.pdf" in str(refused.value.message)
    assert not Thread.objects.exists()


def test_an_oversized_upload_through_the_page_gets_a_clear_message_and_nothing_is_saved(settings):
    settings.OSTOJA_FORUM_MAX_ATTACHMENT_BYTES = 10_000
    author = member()
    cat = category()
    c = client(author)
    response = c.post(
        reverse("forum:new_thread", args=[cat.slug]),
        {
            "title": "Duży plik",
            "body": "Treść",
            "files": [_upload("wielki.pdf", b"%PDF-" + b"1" * 20_000)],
        },
    )
    assert response.status_code == 200
    assert "wielki.pdf" in response.content.decode()
    assert not Thread.objects.exists()


def test_a_request_body_over_what_a_post_can_carry_is_refused_unread(settings):
    settings.OSTOJA_FORUM_MAX_ATTACHMENT_BYTES = 1000
    author = member()
    t = thread(author, category())
    c = client(author)
    response = c.post(
        reverse("forum:thread", args=[t.pk]),
        {"body": "x", "files": [_upload("a.pdf", b"%PDF-" + b"1" * 700_000)]},
    )
    assert response.status_code == 413
    assert Post.objects.filter(thread=t).count() == 1


def test_images_are_reencoded_without_their_metadata():
    data = png_bytes(size=(20, 20), exif=True)
    assert b"CameraMaker" in data
    checked = files.check_upload(_upload("foto.jpg", data))
    assert b"CameraMaker" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (20, 20) and not image.getexif()


def test_too_many_files_and_hostile_names():
    uploads = [_upload(f"p{i}.png", png_bytes()) for i in range(files.MAX_FILES_PER_POST + 1)]
    with pytest.raises(services.ForumError):
        thread(member(), category(), files=uploads)
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name("a\u202egnp.exe") == "agnp.exe"
    assert files.clean_name("<img src=x>.pdf") == "_img src_x_.pdf"
    assert files.clean_name("") == "plik"


@pytest.mark.parametrize("body", ["", "   \n\t", "\u200b\u200b", "x" * 50_001])
def test_empty_or_oversized_text_is_refused(body):
    with pytest.raises(services.ForumError):
        thread(member(), category(), body=body)
    assert not Thread.objects.exists()


def test_unicode_tricks_in_titles_are_cleaned():
    t = thread(member(), category(), title="Spo\u200btkanie\u202e  w\u0000 maju")
    assert t.title == "Spotkanie w maju"


@pytest.mark.django_db(transaction=True)
def test_a_file_written_before_its_transaction_rolled_back_is_swept_once_old(settings):
    """The post's transaction fails after the file was written: the file has no row. The daily
    sweep deletes it once it is an hour old, and never touches files whose post exists."""
    from django.core.management import call_command
    from django.db import transaction

    author, cat = member(), category()
    kept = thread(author, cat, files=[_upload("plan.pdf", pdf_bytes())])
    (attachment,) = Attachment.objects.filter(post__thread=kept)
    with pytest.raises(RuntimeError), transaction.atomic():
        thread(author, cat, files=[_upload("zdjecie.png", png_bytes())])
        raise RuntimeError("the database went away before the commit")
    folder = settings.OSTOJA_FORUM_FILES_DIR
    names = {p.name for p in folder.iterdir()}
    (orphan,) = names - {attachment.stored_name}
    # Young files are left alone (their post may still be committing).
    assert files.sweep_orphans() == []
    hour_later = (folder / orphan).stat().st_mtime + 3600
    assert files.sweep_orphans(now=hour_later) == [orphan]
    assert {p.name for p in folder.iterdir()} == {attachment.stored_name}
    call_command("forum_sweep_files", "--older-than-minutes", "0")
    assert (folder / attachment.stored_name).exists()
