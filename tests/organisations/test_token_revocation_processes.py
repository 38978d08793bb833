"""Issue 11, item 4, with two real processes (PostgreSQL): a token revoked in this process is
refused by another process, which had it cached, on that process's next request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ostoja.organisations.services import issue_api_token, revoke_api_token
from tests.factories import OrganisationFactory

OTHER_PROCESS = """
import os, sys, django
django.setup()
from ostoja.organisations.services import authenticate_token
secret = sys.argv[1]
print(authenticate_token(secret) is not None, flush=True)  # now cached in this process
print(authenticate_token(secret) is not None, flush=True)
sys.stdin.readline()  # the first process revokes the token meanwhile
print(authenticate_token(secret) is not None, flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_revocation_in_one_process_holds_in_another_on_its_next_request():
    if connection.vendor != "postgresql":
        pytest.skip("two processes need a shared database: PostgreSQL")
    org = OrganisationFactory(slug="two-processes")
    token, secret = issue_api_token(actor=None, organisation=org, name="t")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "ostoja.config.settings.test",
        "PYTHONPATH": str(root / "src") + os.pathsep + str(root),
    }
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, secret],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert other.stdout.readline().strip() == "True"
        assert other.stdout.readline().strip() == "True"
        revoke_api_token(actor=None, token=token)
        other.stdin.write("go\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "False", other.stderr.read()
    finally:
        other.kill()
        other.wait(timeout=30)
