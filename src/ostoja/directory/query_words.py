"""Reading what people type into the directory's "what" box.

People type "pedofilia", "boję się, że skrzywdzę dziecko", "terapia Kraków" or "czat dla
nastolatkow" -- not the words the services describe themselves with. :func:`plan` turns the
text into a :class:`QueryPlan`:

* a place typed among the words (``"terapia w Krakowie"``) is recognised with the offline
  lookup of :mod:`ostoja.directory.geo` (also in the locative/genitive: "Krakowie",
  "Gdańska") and taken out of the words;
* words are matched against the synonym and stem lists of ``data/taxonomy.json`` (each term's
  ``search_words`` and the ``search.synonyms`` groups, Polish and English, clinical and
  colloquial): a word that belongs to a group may be found as any of the group's words, and a
  word for a taxonomy term also finds the services labelled with that term (its name is in
  every such service's search document);
* words that carry no meaning for a search ("szukam", "pomoc", "for", "help") are dropped,
  so they never make a search fail;
* one typo is forgiven in a known word of five letters or more (two from eight letters).

The result is a list of groups; a service must match every group, and a group matches when the
service's document contains any of its alternatives, each alternative being one or more word
prefixes that must all be there. Nothing here logs a query.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ostoja.directory import data

from . import geo
from .search_text import normalise_query, unaccent_pl

__all__ = ["QueryPlan", "fold", "plan", "words_match"]

MAX_QUERY = 200
#: A group never has more alternatives than this (bounds the FTS query).
MAX_ALTERNATIVES = 48

Alternative = tuple[str, ...]


def fold(word: str) -> str:
    return unaccent_pl(word).casefold()


def stem(term: str) -> str:
    """Cut inflectional endings off a long term for prefix matching (crude, on purpose)."""
    if len(term) >= 6 and not term.isdigit():
        return term[: max(5, len(term) - 2)]
    return term


def _words(phrase: str, ignore=frozenset()) -> tuple[str, ...]:
    words = (fold(w) for w in normalise_query(phrase, max_len=MAX_QUERY))
    return tuple(w for w in words if w not in ignore)


@dataclass(frozen=True)
class _Concept:
    """Words that mean the same for a search, and the term names that stand for them."""

    entries: tuple[Alternative, ...]  # each entry: the words of one phrase (folded)
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class _Lexicon:
    concepts: tuple[_Concept, ...]
    ignore: frozenset[str]
    not_places: frozenset[str]


def _stems(words: tuple[str, ...]) -> Alternative:
    return tuple(stem(w) for w in words if len(w) >= 2)


@functools.cache
def lexicon() -> _Lexicon:
    source = data.load_taxonomy()
    search = source.get("search", {})
    concepts = []
    ignore_words = search.get("ignore", {})
    ignore = frozenset(fold(w) for w in [*ignore_words.get("pl", []), *ignore_words.get("en", [])])

    def concept(phrases, names=()):
        entries = tuple(dict.fromkeys(w for w in (_words(p, ignore) for p in phrases) if w))
        alternatives = []
        for name in names:  # first: the name is in the documents word for word
            words = tuple(w for w in _words(name) if len(w) >= 3)
            if words:
                alternatives.append(words)
        alternatives += [_stems(e) for e in entries]
        alternatives = tuple(dict.fromkeys(a for a in alternatives if a))
        if entries:
            concepts.append(_Concept(entries, alternatives))

    for facet in source["facets"]:
        for term in facet["terms"]:
            words = term.get("search_words", {})
            concept([*words.get("pl", []), *words.get("en", [])], term["name"].values())
    for group in search.get("synonyms", []):
        concept([*group.get("pl", []), *group.get("en", [])])
    return _Lexicon(
        concepts=tuple(concepts),
        ignore=ignore,
        not_places=frozenset(fold(w) for w in search.get("not_places", [])),
    )


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a typo: one letter wrong, missing, extra or two
    letters swapped), giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def words_match(token: str, word: str) -> bool:
    """Does a typed (folded) token stand for a listed (folded) word?

    The listed word is a prefix ("pedofil" matches "pedofilem"), or shares its stem with a
    token of about its length (an inflection: "pedofilię" for "pedofilia", but not
    "dzieciństwie" for "dziecko"); a short listed word (three letters or fewer: "nfz", "syn")
    must be typed exactly; a whole word may carry one typo (two from nine letters:
    "pedofilja", "terapja"), letters wrong, missing, extra or swapped.
    """
    if len(word) <= 3 or len(token) <= 3:
        return token == word
    if token.startswith(word):
        return True
    if token.startswith(stem(word)) and len(token) <= len(word) + 2:
        return True
    if len(word) < 5 or len(token) < 5:
        return False
    limit = 1 if len(word) < 9 else 2
    return _distance(token, word, limit) <= limit


@dataclass
class QueryPlan:
    #: Every group must match; a group matches when any of its alternatives does; an
    #: alternative matches when the document has all its prefixes.
    groups: list[list[Alternative]] = field(default_factory=list)
    #: A place recognised among the words (``None`` if none was).
    place: geo.Place | None = None
    #: The words that named the place (normalised).
    place_words: str = ""
    #: The query without the place's words (normalised), for a search by text.
    text: str = ""

    def terms(self) -> list[str]:
        """Every prefix of the plan (flat), for backends without boolean queries."""
        seen: dict[str, None] = {}
        for group in self.groups:
            for alternative in group:
                seen.update(dict.fromkeys(alternative))
        return list(seen)


# Polish case endings of town names: (ending, replacement) -- "Krakowie" -> "Krakow",
# "Gdańska" -> "Gdańsk", "Łodzi" -> "Łódź" (folded: "lodz"), "Katowicach" -> "Katowice".
_TOWN_ENDINGS = (
    ("ach", "e"),
    ("ie", ""),
    ("ie", "a"),
    ("iu", ""),
    ("cie", "t"),
    ("u", ""),
    ("u", "e"),
    ("a", ""),
    ("i", ""),
    ("i", "a"),
    ("y", ""),
    ("y", "a"),
    ("em", ""),
    ("e", "a"),
)


def _locate(words: list[str]) -> geo.Place | None:
    text = " ".join(words)
    if len(words) == 1 and fold(text) in lexicon().not_places:
        return None
    place = geo.locate(text)
    if (
        place is not None
        and place.kind == "postcode_area"
        and not re.fullmatch(r"\d{2}-?\d{3}", text)
    ):
        return None
    if place is not None or len(words) != 1 or len(text) < 5 or text.isdigit():
        return place
    for ending, replacement in _TOWN_ENDINGS:
        if text.endswith(ending) and len(text) - len(ending) >= 3:
            candidate = text[: len(text) - len(ending)] + replacement
            if fold(candidate) in lexicon().not_places:
                continue
            place = geo.locate(candidate)
            if place is not None and place.kind != "postcode_area":
                return place
    return None


def _find_place(tokens: list[str]) -> tuple[geo.Place | None, int, int]:
    """The longest run of tokens (three at most) that names a place: (place, start, end)."""
    for size in (3, 2, 1):
        for start in range(len(tokens) - size + 1):
            place = _locate(tokens[start : start + size])
            if place is not None:
                return place, start, start + size
    return None, 0, 0


_POSTCODE = re.compile(r"\b(\d{2})[-\u2010-\u2014 ]?(\d{3})\b")


def plan(text: str | None, *, find_place: bool = True) -> QueryPlan:
    """Read a query (see the module doc). ``find_place``: look for a place among the words."""
    result = QueryPlan()
    text = (text or "")[: MAX_QUERY * 2]
    if find_place:
        match = _POSTCODE.search(text)
        if match is not None:
            result.place = geo.locate(f"{match.group(1)}-{match.group(2)}")
            if result.place is not None:
                result.place_words = match.group()
                text = text[: match.start()] + " " + text[match.end() :]
    tokens = normalise_query(text, max_len=MAX_QUERY)
    if find_place and result.place is None and tokens:
        place, start, end = _find_place(tokens)
        if place is not None:
            result.place, result.place_words = place, " ".join(tokens[start:end])
            tokens = tokens[:start] + tokens[end:]
    result.text = " ".join(tokens)
    folded = [fold(t) for t in tokens]
    lex = lexicon()
    used = [False] * len(folded)
    groups: dict[int, list[Alternative]] = {}  # concept index -> alternatives
    order: list[tuple[int, object]] = []  # (first token position, concept index or token)

    # Phrases first (longest first), so "attracted to children" is one idea, not three.
    candidates = sorted(
        (
            (len(entry), c, entry)
            for c, concept in enumerate(lex.concepts)
            for entry in concept.entries
        ),
        key=lambda item: -item[0],
    )
    for _size, c, entry in candidates:
        positions = []
        for word in entry:
            found = next(
                (
                    i
                    for i, token in enumerate(folded)
                    if not used[i] and i not in positions and words_match(token, word)
                ),
                None,
            )
            if found is None:
                break
            positions.append(found)
        else:
            for i in positions:
                used[i] = True
            if c not in groups:
                groups[c] = list(lex.concepts[c].alternatives)
                order.append((min(positions), c))
    for i, token in enumerate(folded):
        if used[i] or token in lex.ignore:
            continue
        order.append((i, token))
    for _position, key in sorted(order, key=lambda item: item[0]):
        alternatives = groups[key] if isinstance(key, int) else [(stem(key),)]
        alternatives = list(dict.fromkeys(alternatives))[:MAX_ALTERNATIVES]
        if alternatives not in result.groups:
            result.groups.append(alternatives)
    return result
