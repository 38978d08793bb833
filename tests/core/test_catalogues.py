"""The Polish catalogues agree with each other.

Django merges every app's catalogue into one, and the first app in INSTALLED_APPS wins: when
two apps translate the same msgid differently, one of them shows the other's word. That is how
"open" (a case that is open) became "otwórz" (the verb, from the directory's catalogue) on the
takedown page. Words that mean different things in different places need a context
(``pgettext`` / ``{% translate "open" context "cases" %}``), not two translations.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

from tests.page_text import SRC


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """Requests to /en/ pages activate English in this thread; leave it as it was."""
    with translation.override(translation.get_language()):
        yield


def _translations():
    found = defaultdict(dict)
    for path in sorted(SRC.glob("**/locale/pl/LC_MESSAGES/django.po")):
        domain = path.parents[3].name
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="pl")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                found[(message.context, message.id)][domain] = message.string
    return found


def test_one_msgid_has_one_translation_in_every_catalogue():
    conflicts = {
        key: by_domain
        for key, by_domain in _translations().items()
        if len(set(by_domain.values())) > 1
    }
    assert not conflicts, "\n".join(f"{key}: {value}" for key, value in conflicts.items())


def test_adjectives_and_verbs_are_told_apart():
    with translation.override("pl"):
        assert translation.pgettext("cases", "Open") == "Otwarte"
        assert translation.gettext("Open") == "Otwórz"
        assert translation.pgettext("hosting", "Provider") == "Dostawca"
        assert translation.pgettext("service status", "Closed") == "Zamknięta"
        # One appeal waits: not the plural "Czekają".
        assert translation.gettext("Waiting for a supervisor") == "Oczekuje na superwizora"


def test_counts_use_polish_plural_forms(world):
    from tests.matrix import ANALYST, COORD

    page = world.client(COORD).get("/takedown/stats/").content.decode()
    assert "<strong>0</strong> otrzymanych zgłoszeń" in page
    with translation.override("pl"):
        forms = [
            translation.ngettext(
                "<strong>%(counter)s</strong> waits for a supervisor",
                "<strong>%(counter)s</strong> wait for a supervisor",
                n,
            )
            % {"counter": n}
            for n in (1, 3, 5)
        ]
    assert forms == [
        "<strong>1</strong> czeka na superwizora",
        "<strong>3</strong> czekają na superwizora",
        "<strong>5</strong> czeka na superwizora",
    ]
    cases = world.client(ANALYST).get("/takedown/").content.decode()
    assert "<strong>0</strong> otwartych spraw" in cases
