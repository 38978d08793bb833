"""Reading the "what" box: synonyms and stems from the taxonomy data, typos, places."""

from __future__ import annotations

import pytest

from ostoja.directory import data
from ostoja.directory.query_words import MAX_ALTERNATIVES, lexicon, plan, words_match
from ostoja.directory.search_text import fts5_groups_expression, tsquery_groups_expression


@pytest.mark.parametrize(
    ("token", "word", "expected"),
    [
        ("pedofilem", "pedofil", True),  # a listed word is a prefix
        ("pedofilie", "pedofilia", True),  # an inflection shares the stem
        ("pedofilja", "pedofilia", True),  # one typo
        ("terapja", "terapia", True),
        ("dziecinstwie", "dziecko", False),  # a longer, different word
        ("seksualne", "seksuolog", False),
        ("syn", "syn", True),
        ("synonim", "syn", False),  # short words only exactly
    ],
)
def test_words_match(token, word, expected):
    assert words_match(token, word) is expected


def test_every_term_has_search_words_in_both_languages_where_people_need_them():
    for code in (
        "audience.worried-about-thoughts",
        "audience.viewed-abuse-material",
        "audience.children-and-young-people",
        "audience.adult-survivors",
        "audience.parents-and-carers",
        "audience.professionals",
    ):
        words = data.term(code)["search_words"]
        assert words["pl"] and words["en"], code
    assert lexicon().concepts and "pomoc" in lexicon().ignore
    # No alternative is cut off (the term's name comes first, then its words).
    assert all(len(c.alternatives) <= MAX_ALTERNATIVES for c in lexicon().concepts)


def test_a_colloquial_word_finds_the_term_by_its_name():
    groups = plan("pedofilia").groups
    assert len(groups) == 1
    alternatives = {" ".join(a) for a in groups[0]}
    assert "pedofil" in alternatives
    # The term's name (in every service labelled with it) is one of the alternatives.
    assert any("zaniepokojone" in a and "dzieci" in a for a in alternatives)


def test_ignored_words_never_make_a_search_fail():
    assert plan("szukam pomocy dla siebie").groups == [[("siebi",)]]
    assert plan("I need help").groups == []


@pytest.mark.parametrize(
    ("text", "town", "rest"),
    [
        ("terapia Kraków", "Kraków", "terapia"),
        ("terapia w Krakowie", "Kraków", "terapia"),
        ("psycholog we Wrocławiu", "Wrocław", "psycholog we"),
        ("pomoc z Gdańska", "Gdańsk", "pomoc"),
        ("grupa Zielona Góra", "Zielona Góra", "grupa"),
        ("czat 00-950", "Warszawa", "czat"),
        ("report to police", None, "report to police"),
        ("dzieci", None, "dzieci"),
    ],
)
def test_places_typed_among_the_words(text, town, rest):
    result = plan(text)
    assert (result.place.name if result.place else None) == town
    assert result.text == rest


def test_boolean_expressions_are_safe_and_grouped():
    groups = [[("pedofil",), ("mysl", "seksual")], [('te"rap',)]]
    assert fts5_groups_expression(groups) == (
        '("pedofil"* OR ("mysl"* AND "seksual"*)) AND "te""rap"*'
    )
    assert tsquery_groups_expression([[("a'b",)], [("c",), ("d",)]]) == "'a''b':* & ('c':* | 'd':*)"
    assert fts5_groups_expression([]) == ""
