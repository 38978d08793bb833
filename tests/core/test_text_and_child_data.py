"""Members' Markdown is rendered inert; the child-data check flags what it should, only that."""

import re

import pytest

from ostoja.core import child_data
from ostoja.core.text import mentions, plain_text, render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x.example" onclick="alert(1)">x</a>',
        "![i](https://tracker.example/pixel.png)",
    ],
)
def test_html_and_javascript_in_markdown_are_rendered_inert(source):
    html = str(render_markdown(source))
    tags = re.findall(r"<[^>]*>", html)  # what a browser would interpret; the rest is text
    assert tags, html
    assert not [t for t in tags if re.search(r"script|onerror|onclick|javascript:", t)], html
    assert "<img" not in html  # no remote images: no third-party requests from a post


def test_links_are_nofollow_and_markdown_still_works():
    html = str(render_markdown("**bold** and [a link](https://example.org/x)\n\n- one\n- two"))
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org/x"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
    assert "<li>one</li>" in html


def test_plain_text_and_mentions():
    assert plain_text("# Title\n\nSome *text*.") == "Title\nSome text."
    assert mentions("Hi @anna.k and @Jan, also @anna.k. mail x@y.pl") == ["anna.k", "jan"]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("PESEL dziecka: 44051401359.", ["pesel"]),
        ("44051401358 is not a valid PESEL", []),
        ("zadzwoń 601 234 567 albo +48 22 123 45 67", ["phone"]),
        ("Jan Kowalski, ur. 03.05.2015, uczeń", ["name_dob"]),
        ("born 2015-05-03 Anna Nowak", ["name_dob"]),
        ("7-letni Jan Nowak", ["name_dob"]),
        ("Spotkanie 12.05.2025 o 10:00 w sali 204", []),
        ("Konferencja Pomoc Dzieciom 2026", []),
    ],
)
def test_child_identifying_data_is_flagged(text, kinds):
    assert child_data.kinds(text) == kinds


def test_findings_point_at_the_data_without_copying_it():
    text = "Numer 44051401359 w notatce"
    (finding,) = child_data.findings(text)
    assert text[finding.start : finding.end] == "44051401359"
    assert "4405" not in repr(finding.kind)
