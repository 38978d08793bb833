"""Sanitising free-text search input for full-text search (PostgreSQL and SQLite FTS5).

What people type into the directory's search box goes through :func:`normalise_query`, which
returns plain search terms: Unicode-normalised (NFKC), stripped of control, zero-width, bidi and
other invisible characters, split on everything that is not a letter or digit (so FTS
operators, quotes, brackets, ``*``, ``:`` and ``-`` never survive), case-folded, at least two
characters long, at most :data:`MAX_TERMS` of them. Each backend then builds its query from the
terms:

* SQLite FTS5: :func:`fts5_match_expression` quotes every term as a string and adds a prefix
  ``*``; the result is always a valid MATCH expression, bound as a parameter.
* PostgreSQL: :func:`tsquery_prefix_expression` builds a ``to_tsquery`` string the same way.

Accents: FTS5's ``unicode61`` tokenizer with ``remove_diacritics`` does not fold ``ł`` (it
has no decomposition), so "lodz" would not find "Łódź". Index ``unaccent_pl(text)`` and search
with ``[unaccent_pl(t) for t in terms]`` to match with or without Polish diacritics.

Nothing here logs the query; search input can reveal why someone is looking for help.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "MIN_TERM_LENGTH",
    "fts5_groups_expression",
    "fts5_match_expression",
    "normalise_query",
    "tsquery_groups_expression",
    "tsquery_prefix_expression",
    "unaccent_pl",
]

MAX_TERMS = 12
MIN_TERM_LENGTH = 2
#: Longer terms are cut; with the prefix match they still find the longer word.
MAX_TERM_LENGTH = 64

# Words that are operators in FTS5 (AND, OR, NOT, NEAR) or in websearch_to_tsquery (or); they
# carry no meaning as search terms, so they are dropped rather than quoted.
_OPERATOR_WORDS = frozenset({"and", "or", "not", "near"})

# Runs of letters and digits (\w without the underscore, which both FTS backends treat as a
# separator). Everything else -- punctuation, quotes, operators, symbols -- separates terms.
_TERM = re.compile(r"[^\W_]+")

# Categories removed outright: format characters (zero-width space/joiners, bidi controls,
# soft hyphen, BOM), surrogates (cannot even be encoded for the database), private use,
# unassigned. Control characters (Cc: tabs, newlines, NUL, ...) become spaces instead so that
# "a\tb" stays two words.
_DROP = frozenset({"Cf", "Cs", "Co", "Cn"})


def _clean(text: str) -> str:
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            out.append(" ")
        elif category not in _DROP:
            out.append(char)
    return "".join(out)


def normalise_query(raw: str | None, max_len: int = 200) -> list[str]:
    """Turn free text typed by a person into safe search terms (possibly none).

    ``max_len`` bounds the characters looked at (the rest is ignored, not an error). Terms
    are deduplicated, in the order typed. Never raises for any string input.
    """
    if raw is None:
        return []
    if not isinstance(raw, str):
        raise TypeError(f"search text must be a string, not {type(raw).__name__}")
    if max_len < 1:
        return []
    # Bound the work before normalising (NFKC can expand a character up to 18-fold), then cut
    # to max_len again after it.
    text = unicodedata.normalize("NFKC", _clean(raw[: max_len * 2]))
    text = _clean(text)[:max_len].casefold()
    terms: list[str] = []
    for match in _TERM.finditer(text):
        word = unicodedata.normalize("NFC", match.group())[:MAX_TERM_LENGTH]
        if len(word) < MIN_TERM_LENGTH or word in _OPERATOR_WORDS or word in terms:
            continue
        terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts5_match_expression(terms: Iterable[str]) -> str:
    """A safe SQLite FTS5 MATCH expression: every term a quoted string with a prefix ``*``,
    joined by ``AND`` (``"pomoc"* AND "dla"*``).

    Safe for any strings, not just those from :func:`normalise_query`: double quotes are
    doubled, and characters SQLite cannot carry in a query (NUL, surrogates, other invisible
    characters) are removed. Returns ``""`` when no term is left -- an empty MATCH is a syntax
    error in FTS5, so the caller must not run the query then.
    """
    parts = []
    for term in terms:
        cleaned = _clean(str(term)).strip()
        if cleaned:
            parts.append('"' + cleaned.replace('"', '""') + '"*')
    return " AND ".join(parts)


def tsquery_prefix_expression(terms: Iterable[str]) -> str:
    """A PostgreSQL ``to_tsquery`` string matching every term as a prefix (``'pomoc':* & ...``).

    Meant for terms from :func:`normalise_query` (letters and digits only); each is still
    quoted as a tsquery lexeme (single quotes doubled, backslashes doubled). Returns ``""`` when
    there are no terms; do not run the query then. Pass it as a bound parameter.
    """
    parts = []
    for term in terms:
        cleaned = _clean(str(term)).strip()
        if cleaned:
            escaped = cleaned.replace("\\", "\\\\").replace("'", "''")
            parts.append(f"'{escaped}':*")
    return " & ".join(parts)


def _boolean(groups, quote, conj: str, disj: str) -> str:
    """``(a AND b) OR c`` per group, groups joined by AND; empty parts are dropped."""
    parts = []
    for group in groups:
        alternatives = []
        for alternative in group:
            terms = [quote(t) for t in alternative]
            terms = [t for t in terms if t]
            if terms:
                alternatives.append(terms[0] if len(terms) == 1 else f"({conj.join(terms)})")
        if alternatives:
            parts.append(
                alternatives[0] if len(alternatives) == 1 else f"({disj.join(alternatives)})"
            )
    return conj.join(parts)


def _fts5_term(term) -> str:
    cleaned = _clean(str(term)).strip()
    return '"' + cleaned.replace('"', '""') + '"*' if cleaned else ""


def _tsquery_term(term) -> str:
    cleaned = _clean(str(term)).strip()
    if not cleaned:
        return ""
    return "'" + cleaned.replace("\\", "\\\\").replace("'", "''") + "':*"


def fts5_groups_expression(groups: Iterable[Iterable[Iterable[str]]]) -> str:
    """A safe FTS5 MATCH expression for groups of alternatives of prefix conjunctions:
    every group must match, any alternative of a group, all prefixes of an alternative
    (``("pedofil"* OR ("mysl"* AND "seksual"*)) AND "terapi"*``). ``""`` when empty."""
    return _boolean(groups, _fts5_term, " AND ", " OR ")


def tsquery_groups_expression(groups: Iterable[Iterable[Iterable[str]]]) -> str:
    """The same as :func:`fts5_groups_expression` for PostgreSQL ``to_tsquery``."""
    return _boolean(groups, _tsquery_term, " & ", " | ")


# ą ć ę ł ń ó ś ź ż and capitals; ł/Ł need the table (no Unicode decomposition), the others
# would also fall to the generic rule below but the table is explicit and fast.
_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def unaccent_pl(text: str) -> str:
    """Remove Polish diacritics (``Łódź`` -> ``Lodz``), and those of other Latin letters.

    Case is kept. Used on both the indexed text and the search terms for accent-insensitive
    matching.
    """
    text = text.translate(_POLISH)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)
