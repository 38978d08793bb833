"""Every page every role may see, in Polish and in English: no raw action code, no Python
repr, no UI string of the other language, and ISO values in date inputs (see page_text.py).

The pages are the GET entries of the role × URL matrix (``tests/<app>/matrix.py``, collected
by test_permission_matrix.py) that answer 200 for a role; each page is rendered for each of
those roles, with the matrix's own world, set-up hooks and URL kwargs. A new page is checked
as soon as it is in the matrix.

Known exceptions are listed in KNOWN with the reason; each must still fail (a stale entry
fails the test, so fixed pages lose their exception), and nothing is skipped silently.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from ostoja.organisations.services import issue_api_token

from .matrix import ANON, COORD
from .page_text import problems
from .test_permission_matrix import MATRIX


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests to /en/ pages activate English in this thread; leave it as it was."""
    with translation.override(translation.get_language()):
        yield


LANGUAGES = ("pl", "en")

#: (URL name, role, language) -> why the page still fails. The role may be "*" (every role
#: that sees the page), the language "*" (both).
KNOWN: dict[tuple[str, str | None, str], str] = {}


def _log_every_action(world):
    """The audit log with one entry per known action code, and two unknown ones."""
    from ostoja.audit.sentences import SENTENCES
    from ostoja.audit.services import log_action

    organisation = world.orgs[COORD]
    for code in SENTENCES:
        log_action(
            code,
            actor=world.users[COORD],
            organisation=organisation,
            target=organisation,
            data={"detail": "x", "n": 1},
        )
    log_action("directory.unknown.happened", target=world.users[COORD], data={"k": None})
    log_action("elsewhere.thing.done")


#: Extra content for pages that would otherwise be empty in the matrix world.
EXTRA_SETUP = {"audit:list": [_log_every_action]}

PAGES = sorted(
    name
    for name, case in MATRIX.items()
    if case.method == "get" and any(status == 200 for status in case.expect.values())
)


def _ostoja_labels() -> set[str]:
    return {c.label for c in apps.get_app_configs() if c.name.startswith("ostoja.")}


def _known(name, role, language):
    for key in ((name, role, language), (name, "*", language), (name, role, "*"), (name, "*", "*")):
        if key in KNOWN:
            return KNOWN[key]
    return None


@pytest.mark.parametrize("name", PAGES)
def test_page_speaks_one_language(world, name):
    case = MATRIX[name]
    world.extra["token"], _ = issue_api_token(
        actor=None, organisation=world.orgs["network_member"], name="matrix"
    )
    for hook in [*(case.setup or []), *EXTRA_SETUP.get(name, [])]:
        hook(world)
    kwargs = case.kwargs(world) if case.kwargs else {}
    labels = _ostoja_labels()
    roles = [role for role, status in case.expect.items() if status == 200]
    failures, stale = [], []
    for role in roles:
        client = world.client(role)
        for language in LANGUAGES:
            with translation.override(language):
                url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            who = role or "anonymous"
            if response.status_code != 200:
                found = [f"status {response.status_code}"]
            elif "html" not in response.get("Content-Type", ""):
                continue
            else:
                found = problems(response.content.decode(), language, labels)
            reason = _known(name, role, language)
            if reason is not None:
                if not found:
                    stale.append(f"{who} {language}: passes now, remove it from KNOWN")
                continue
            failures += [f"{who} GET {url}: {problem}" for problem in found]
    assert not failures, "\n".join(failures)
    assert not stale, "\n".join(stale)


def test_known_exceptions_name_real_pages():
    for name, role, language in KNOWN:
        assert name in PAGES, name
        assert role == "*" or MATRIX[name].expect.get(role) == 200, (name, role)
        assert language in (*LANGUAGES, "*")


assert ANON is None
