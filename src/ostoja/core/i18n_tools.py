"""Message extraction, merging, compiling and checking with Babel (pure Python).

Why not ``makemessages``/``compilemessages``: they need GNU gettext binaries, and a fresh
machine with only Python, git and make has none. Babel does the same in Python; Django's own
``templatize`` turns templates into code Babel's Python extractor understands (exactly what
``makemessages`` feeds to xgettext).

Layout: each app keeps ``<app>/locale/pl/LC_MESSAGES/django.po``; project-wide templates
(``src/ostoja/templates``) and settings go to ``src/ostoja/locale``. English is the source
language, so only Polish needs a catalogue (add another language by adding its code).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
TARGET_LANGUAGES = ["pl"]
TEMPLATE_SUFFIXES = {".html", ".txt", ".svg"}


@dataclass
class Domain:
    """A source tree and the locale directory its messages go to."""

    name: str
    sources: list[Path]
    locale_dir: Path
    exclude: tuple[Path, ...] = ()


def discover_domains(package_dir: Path) -> list[Domain]:
    domains = []
    project_sources = [package_dir / "templates", package_dir / "config"]
    domains.append(Domain("ostoja", project_sources, package_dir / "locale"))
    for app_dir in sorted(p for p in package_dir.iterdir() if p.is_dir()):
        if app_dir.name in {"templates", "config", "locale", "static", "__pycache__", "matching"}:
            continue
        if not (app_dir / "__init__.py").exists():
            continue
        domains.append(Domain(app_dir.name, [app_dir], app_dir / "locale"))
    return domains


def _files(domain: Domain) -> Iterator[Path]:
    for root in domain.sources:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "migrations" in path.parts or "locale" in path.parts:
                continue
            if "static" in path.relative_to(root).parts:
                continue
            if path.suffix == ".py" or path.suffix in TEMPLATE_SUFFIXES:
                yield path


def _extract_file(path: Path) -> Iterator[tuple[int, str | tuple, list[str], str | None]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in TEMPLATE_SUFFIXES:
        from django.utils.translation.template import templatize

        text = templatize(text, origin=str(path))
    fileobj = io.BytesIO(text.encode("utf-8"))
    for lineno, funcname, messages, comments in extract_python(
        fileobj, list(KEYWORDS), [], {"encoding": "utf-8"}
    ):
        spec = KEYWORDS.get(funcname)
        if not isinstance(messages, tuple | list):
            messages = (messages,)
        context = None
        if spec and isinstance(spec[0], tuple):  # pgettext-style: first arg is the context
            context, messages = messages[0], messages[1:]
        msgs = tuple(m for m in messages if m is not None)
        if not msgs or not msgs[0]:
            continue
        yield lineno, (msgs if len(msgs) > 1 else msgs[0]), comments, context


def extract(domain: Domain, base: Path) -> Catalog:
    catalog = Catalog(project="Ostoja", charset="utf-8")
    for path in _files(domain):
        rel = str(path.relative_to(base))
        for lineno, message, comments, context in _extract_file(path):
            flags = set()
            msg0 = message[0] if isinstance(message, tuple) else message
            if "%(" in msg0 or "%s" in msg0 or "%d" in msg0:
                flags.add("python-format")
            catalog.add(
                message,
                locations=[(rel, lineno)],
                auto_comments=comments,
                context=context,
                flags=flags,
            )
    return catalog


def po_path(domain: Domain, lang: str) -> Path:
    return domain.locale_dir / lang / "LC_MESSAGES" / "django.po"


def load_po(path: Path, lang: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=lang, project="Ostoja", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def update(domain: Domain, base: Path) -> list[Path]:
    """Merge freshly extracted messages into each language's .po (keeping translations)."""
    template = extract(domain, base)
    written = []
    if not len(template) and not any(po_path(domain, lang).exists() for lang in TARGET_LANGUAGES):
        return written
    for lang in TARGET_LANGUAGES:
        path = po_path(domain, lang)
        catalog = load_po(path, lang)
        catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(
                fh, catalog, width=100, sort_output=False, omit_header=False, include_previous=False
            )
        written.append(path)
    return written


def compile_all(domain: Domain) -> list[Path]:
    written = []
    for lang in TARGET_LANGUAGES:
        path = po_path(domain, lang)
        if not path.exists():
            continue
        catalog = load_po(path, lang)
        mo = path.with_suffix(".mo")
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        if not mo.exists() or mo.read_bytes() != buf.getvalue():
            mo.write_bytes(buf.getvalue())
            written.append(mo)
    return written


@dataclass
class Problem:
    domain: str
    lang: str
    msgid: str
    reason: str


def check(domain: Domain, base: Path) -> list[Problem]:
    """Every UI string in the sources has a non-fuzzy translation in every target language."""
    template = extract(domain, base)
    problems = []
    for lang in TARGET_LANGUAGES:
        catalog = load_po(po_path(domain, lang), lang)
        for message in template:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            found = catalog.get(message.id, context=message.context) or catalog.get(
                key, context=message.context
            )
            label = key if not message.context else f"{message.context}|{key}"
            if found is None:
                problems.append(Problem(domain.name, lang, label, "missing from the catalogue"))
            elif found.fuzzy:
                problems.append(Problem(domain.name, lang, label, "marked fuzzy"))
            else:
                strings = found.string if isinstance(found.string, tuple) else (found.string,)
                if not all(strings):
                    problems.append(Problem(domain.name, lang, label, "not translated"))
    return problems


def fill(domain: Domain, lang: str, translations: dict[str, str | list[str]]) -> int:
    """Fill empty translations from a mapping (used when adding many strings at once)."""
    path = po_path(domain, lang)
    if not path.exists():
        return 0
    catalog = load_po(path, lang)
    filled = 0
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not key or key not in translations:
            continue
        value = translations[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = value if isinstance(value, list) else [value] * catalog.num_plurals
            message.string = tuple(forms[: catalog.num_plurals])
        else:
            message.string = value if isinstance(value, str) else value[0]
        message.flags.discard("fuzzy")
        filled += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False, include_previous=False)
    return filled
