"""Sanitising search input for full-text search; FTS5 expressions checked against SQLite."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostoja.directory.search_text import (
    MAX_TERM_LENGTH,
    MAX_TERMS,
    MIN_TERM_LENGTH,
    fts5_match_expression,
    normalise_query,
    tsquery_prefix_expression,
    unaccent_pl,
)


@pytest.fixture(scope="module")
def fts():
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
    )
    texts = [
        "Łódź: bezpłatna pomoc dla rodziców i opiekunów",
        "Program samopomocowy online dla osób zaniepokojonych swoimi myślami",
        "Telefon zaufania 116 111 dla dzieci i młodzieży",
    ]
    connection.executemany("INSERT INTO doc(body) VALUES (?)", [(unaccent_pl(t),) for t in texts])
    yield connection
    connection.close()


def search(connection, raw):
    terms = [unaccent_pl(t) for t in normalise_query(raw)]
    expression = fts5_match_expression(terms)
    if not expression:
        return []
    rows = connection.execute(
        "SELECT rowid FROM doc WHERE doc MATCH ? ORDER BY rowid", (expression,)
    ).fetchall()
    return [r[0] for r in rows]


# -- normalise_query ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("Pomoc dla RODZICÓW", ["pomoc", "dla", "rodziców"]),
        ('"pomoc" OR NOT terapia* NEAR(a b)', ["pomoc", "terapia"]),
        ("pomoc AND (rodzice | dzieci) & !x <-> y:*", ["pomoc", "rodzice", "dzieci"]),
        ("col:pomoc ^start -minus +plus {a b}", ["col", "pomoc", "start", "minus", "plus"]),
        ("pe\u200bdo\u200dfil\u202eia", ["pedofilia"]),  # zero-width and bidi characters vanish
        ("mło\u00addzież", ["młodzież"]),  # soft hyphen
        ("pomoc\tdla\nrodziców\x00x", ["pomoc", "dla", "rodziców"]),  # controls separate
        ("ｐｏｍｏｃ ﬁlm", ["pomoc", "film"]),  # NFKC: full width, ligature
        ("Bielsko-Biała 116 111", ["bielsko", "biała", "116", "111"]),
        ("a b c d", []),  # one-character words are dropped
        ("pomoc pomoc POMOC", ["pomoc"]),
        ("snake_case", ["snake", "case"]),
        ("", []),
        ("   ", []),
        ("\U0001f600\U0001f600 ???", []),
        ("Straße", ["strasse"]),  # case-folded
    ],
)
def test_normalise_query(raw, terms):
    assert normalise_query(raw) == terms


def test_term_and_length_limits():
    words = [f"słowo{i}" for i in range(30)]
    assert normalise_query(" ".join(words)) == words[:MAX_TERMS]
    assert normalise_query("x" * 1000, max_len=1000) == ["x" * MAX_TERM_LENGTH]
    assert normalise_query("ab " * 100 + "późno", max_len=200) == ["ab"]
    assert normalise_query("pomoc dla", max_len=5) == ["pomoc"]
    assert normalise_query("pomoc", max_len=0) == []


def test_none_and_non_text():
    assert normalise_query(None) == []
    with pytest.raises(TypeError):
        normalise_query(b"pomoc")


def test_lone_surrogates_are_removed():
    assert normalise_query("po\ud800moc \udfff") == ["pomoc"]


# Any Unicode (surrogates, controls and unassigned included), or text dense in FTS syntax.
fts_syntax = st.sampled_from([*'"*^:()-+{},.', "AND", "OR", "NOT", "NEAR", "ab", "ł", " "])
any_text = st.text(alphabet=st.characters(codec=None), max_size=250) | st.lists(
    fts_syntax, max_size=40
).map("".join)


def invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn")


@settings(max_examples=500)
@given(any_text)
def test_terms_are_always_clean(raw):
    terms = normalise_query(raw)
    assert len(terms) <= MAX_TERMS
    assert len(set(terms)) == len(terms)
    for term in terms:
        assert MIN_TERM_LENGTH <= len(term) <= MAX_TERM_LENGTH
        assert not any(invisible(c) for c in term)
        assert not set(term) & set("\"'*:()^{}[]-+&|!<> \t\n_")
        assert term == term.casefold()
        term.encode("utf-8")  # storable: no surrogates


# -- FTS5 ---------------------------------------------------------------------------------------


def test_fts5_available():
    assert "ENABLE_FTS5" in {
        row[0] for row in sqlite3.connect(":memory:").execute("PRAGMA compile_options")
    }


def test_fts5_match_expression():
    assert fts5_match_expression(["pomoc", "dla"]) == '"pomoc"* AND "dla"*'
    assert fts5_match_expression(['a"b', "  ", ""]) == '"a""b"*'
    assert fts5_match_expression([]) == ""
    assert fts5_match_expression(["\x00\u200b"]) == ""


def test_searching_with_and_without_diacritics(fts):
    assert search(fts, "lodz") == [1]
    assert search(fts, "ŁÓDŹ rodziców") == [1]
    assert search(fts, "rodzic") == [1]  # prefix match
    assert search(fts, "mlodziez 116") == [3]
    assert search(fts, "dla") == [1, 2, 3]
    assert search(fts, "dla dzieci") == [3]  # all terms must match
    # Quotes and operators typed by a person can neither widen nor negate the search.
    assert search(fts, 'pomoc" OR "telefon') == []
    assert search(fts, "pomoc OR telefon") == []
    assert search(fts, "NOT pomoc") == [1]
    assert search(fts, "*") == []


@settings(max_examples=400, deadline=None)
@given(raw=any_text)
def test_any_text_gives_a_valid_fts5_query(fts, raw):
    expression = fts5_match_expression(normalise_query(raw))
    if expression:
        fts.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (expression,)).fetchone()
    else:
        assert normalise_query(raw) == []


@settings(max_examples=400, deadline=None)
@given(terms=st.lists(any_text, max_size=15))
def test_any_terms_give_a_valid_fts5_query(fts, terms):
    """Even terms that did not come from normalise_query cannot break the MATCH syntax."""
    expression = fts5_match_expression(terms)
    if expression:
        fts.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (expression,)).fetchone()


# -- PostgreSQL tsquery -------------------------------------------------------------------------


def test_tsquery_prefix_expression():
    assert tsquery_prefix_expression(["pomoc", "dla"]) == "'pomoc':* & 'dla':*"
    assert tsquery_prefix_expression(["it's", "a\\b"]) == "'it''s':* & 'a\\\\b':*"
    assert tsquery_prefix_expression([]) == ""


# -- unaccent_pl --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zażółć gęślą jaźń", "Zazolc gesla jazn"),
        ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAZOLC GESLA JAZN"),
        ("Łódź", "Lodz"),
        ("Müller, café, Dvořák", "Muller, cafe, Dvorak"),
        ("plain ascii 123", "plain ascii 123"),
        ("", ""),
    ],
)
def test_unaccent_pl(text, expected):
    assert unaccent_pl(text) == expected


@given(st.text())
def test_unaccent_pl_is_idempotent(text):
    once = unaccent_pl(text)
    assert unaccent_pl(once) == once
