"""Django-free cores of the Pact: the catalogue file and the roll-up of progress."""

from __future__ import annotations

import copy
import json

import pytest

from ostoja.pact import catalogue
from ostoja.pact.progress import by_pillar, rolled_up


def _data():
    with open(catalogue.DATA_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def test_the_shipped_catalogue_covers_every_p_and_names_sources():
    version, measures = catalogue.load()
    assert version >= 1
    assert {m.pillar for m in measures} == set(catalogue.PILLARS)
    assert all(m.source and m.title["pl"] and m.title["en"] for m in measures)
    # The Convention articles the issue names are all served by some measure.
    served = {a for m in measures for a in m.lanzarote}
    assert {"5", "6", "7", "8", "9", "10", "12", "13", "14", "35"} <= served
    # The child-protection standards duty (art. 22b-22c) is mapped.
    assert any("22b" in d["en"] for m in measures for d in m.legal_duties)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=0), "version"),
        (lambda d: d["measures"][1].update(code=d["measures"][0]["code"]), "repeated"),
        (lambda d: d["measures"][0].update(pillar="punishment"), "pillar"),
        (lambda d: d["measures"][0].update(lanzarote=["99"]), "Lanzarote"),
        (lambda d: d["measures"][0]["title"].pop("en"), "title needs pl and en"),
        (lambda d: d["measures"][0].update(source=""), "source"),
        (lambda d: d.update(measures=[]), "no measures"),
    ],
)
def test_a_broken_catalogue_is_refused(change, message):
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(catalogue.CatalogueError, match=message):
        catalogue.parse(data)


def test_sub_items_roll_up_into_their_parent():
    # 1 has children 2 (40) and 3 (81): (40 + 81) // 2 = 60, its own 0 is ignored.
    values = rolled_up([(1, None, 0), (2, 1, 40), (3, 1, 81), (4, None, 25)])
    assert values == {1: 60, 2: 40, 3: 81, 4: 25}


def test_progress_by_pillar_is_the_mean_of_top_level_items():
    assert by_pillar([("prevention", 10), ("prevention", 31), ("protection", 100)]) == {
        "prevention": 20,
        "protection": 100,
    }
    assert by_pillar([]) == {}
