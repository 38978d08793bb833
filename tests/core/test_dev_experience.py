"""Issue 11 item 16: what `make run` looks like to a developer.

* In development e-mail goes to files under var/mail/ (not whole MIME messages on the
  console) and coordinators read it at /dev/mail/ (only when DEBUG; plain text only, an HTML
  part is named, never rendered).
* The demo logins are the last thing `make run` prints before the server's banner: the
  background processes log to var/log/.
* /favicon.ico exists (self-made, served by Ostoja itself).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_dev_settings_write_mail_to_files_under_var(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_BACKEND", "EMAIL_FILE_PATH", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ostoja.config.settings.dev",
        OSTOJA_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(ROOT / "src"),
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.EMAIL_BACKEND); "
            "print(settings.EMAIL_FILE_PATH)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["django.core.mail.backends.filebased.EmailBackend", str(tmp_path / "mail")]


@pytest.fixture
def mailbox(tmp_path, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = mail.EmailMultiAlternatives(
        subject="Zaproszenie do Ostoi",
        body="Dzień dobry,\nkliknij link, aby ustawić hasło.",
        to=["nowa@example.test"],
    )
    message.attach_alternative("<p>HTML</p><script>alert('x')</script>", "text/html")
    message.send()
    mail.send_mail("Second", "Another body", None, ["b@example.test"])
    return tmp_path / "mail"


def test_coordinator_reads_dev_mail_as_plain_text(mailbox, coordinator, user_factory):
    assert any(mailbox.iterdir())
    page = client_for(coordinator).get("/en/dev/mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zaproszenie do Ostoi" in html and "kliknij link, aby ustawić hasło." in html
    assert "Another body" in html and "nowa@example.test" in html
    assert "<script>alert" not in html and "<p>HTML</p>" not in html
    assert "text/html" in html  # named, not rendered
    analyst = user_factory("hotline_analyst")
    assert client_for(analyst).get("/en/dev/mail/").status_code == 403
    assert Client().get("/en/dev/mail/").status_code == 302
    dashboard = client_for(coordinator).get("/en/dashboard/").content.decode()
    assert "/en/dev/mail/" in dashboard


def test_dev_mail_is_not_there_without_debug(coordinator, settings):
    settings.DEBUG = False
    assert client_for(coordinator).get("/en/dev/mail/").status_code == 404
    assert "/dev/mail/" not in client_for(coordinator).get("/en/dashboard/").content.decode()


def test_seed_demo_can_print_only_the_logins(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = "/tmp/ostoja-mail"
    from ostoja.organisations.models import Organisation

    out = StringIO()
    call_command("seed_demo", "--logins-only", stdout=out)
    text = out.getvalue()
    assert "Demo logins" in text and "koordynator@demo.ostoja.invalid" in text
    assert "/dev/mail/" in text
    assert Organisation.objects.count() == 0  # nothing seeded


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_prints_the_logins_last():
    # A dry run (-n) only prints the recipe; VENV points nowhere so nothing is installed.
    dry = subprocess.run(
        ["make", "-n", "run", "VENV=/nonexistent-venv", "PYTHON=true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "seed_demo --quiet-logins" in dry
    recipe = dry[dry.index("mkdir -p var/log") :]
    for command in ("db_worker", "outbox_deliver --loop", "takedown_sweep --loop"):
        assert re.search(rf"{command}[^&]*>>var/log/\w+\.log 2>&1 &", recipe), command
    logins = recipe.index("seed_demo --logins-only")
    assert logins > recipe.index("takedown_sweep")
    between = recipe[logins : recipe.index("manage.py runserver")]
    assert 'echo ""' in between and 'echo "O' not in between  # nothing else is printed


def test_favicon_is_served_by_ostoja():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in response["Cache-Control"]
