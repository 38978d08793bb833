"""SVG bar charts: well-formed XML, accessible, escaped, no script or inline style."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostoja.takedown.svg_charts import Bar, bar_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg):
    return ET.fromstring(svg)


def test_chart_structure_and_values():
    svg = bar_chart(
        [("Polska", 74), Bar("Niemcy", 12.5, display="12,5 %"), ("Holandia", 0)],
        title="Usunięte w ciągu 3 dni",
        description="Odsetek usuniętych treści według kraju.",
        chart_id="removed-3d",
    )
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "removed-3d-title removed-3d-desc"
    assert root.find("svg:title", NS).get("id") == "removed-3d-title"
    assert root.find("svg:title", NS).text == "Usunięte w ciągu 3 dni"
    assert root.find("svg:desc", NS).text == "Odsetek usuniętych treści według kraju."
    groups = root.findall("svg:g", NS)
    assert [g.get("data-value") for g in groups] == ["74", "12.5", "0"]
    texts = ["".join(t.itertext()) for g in groups for t in g.findall("svg:text", NS)]
    assert texts == ["Polska", "74", "Niemcy", "12,5 %", "Holandia", "0"]
    widths = [float(g.find("svg:rect", NS).get("width")) for g in groups]
    assert widths[0] == 640 - 200 - 96 and widths[2] == 0
    assert widths[1] == pytest.approx(widths[0] * 12.5 / 74, abs=0.01)
    assert "<script" not in svg and "style" not in svg


def test_hostile_labels_are_escaped_and_the_output_still_parses():
    evil = '<script>alert("x")</script> & \' " \x00\x1b\ufffe'
    svg = bar_chart([(evil, 1)], title=evil, description=evil)
    root = parse(svg)
    assert "<script" not in svg
    assert root.find("svg:title", NS).text.startswith('<script>alert("x")</script> & \'')
    assert root.find("svg:g/svg:title", NS).text.startswith("<script>")


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip():
    label = "Bardzo długa nazwa dostawcy usług hostingowych sp. z o.o."
    root = parse(bar_chart([(label, 3)], title="t", description="d"))
    shown = root.find("svg:g/svg:text", NS).text
    assert shown.endswith("…") and len(shown) < len(label)
    assert root.find("svg:g/svg:title", NS).text == f"{label}: 3"


def test_empty_chart_says_so():
    root = parse(bar_chart([], title="t", description="d", empty_text="Brak danych"))
    assert root.find("svg:text", NS).text == "Brak danych"


def test_max_value_and_formatting():
    root = parse(
        bar_chart(
            [("a", 50), ("b", 150)],
            title="t",
            description="d",
            max_value=100,
            value_format=lambda v: f"{v:.0f} %",
        )
    )
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths == [pytest.approx(172), 344]  # clipped at max_value
    assert [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")][1::2] == [
        "50 %",
        "150 %",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bars": [("a", -1)]},
        {"bars": [("a", float("nan"))]},
        {"bars": [("a", float("inf"))]},
        {"bars": [("a", "7")]},
        {"bars": [("a", True)]},
        {"chart_id": '"><script>'},
        {"chart_id": "1abc"},
        {"fill": 'red" onload="x'},
        {"width": 250},
        {"max_value": float("nan")},
    ],
)
def test_invalid_arguments(kwargs):
    args = {"bars": [("a", 1)], "title": "t", "description": "d"}
    args.update(kwargs)
    with pytest.raises(ValueError):
        bar_chart(**args)


@given(
    st.lists(st.tuples(st.text(max_size=80), st.floats(min_value=0, max_value=1e12)), max_size=30),
    st.text(max_size=200),
)
def test_any_labels_and_values_give_parseable_xml_with_every_value(bars, title):
    svg = bar_chart(bars, title=title, description="d")
    root = parse(svg)
    assert len(root.findall("svg:g", NS)) == len(bars)
    shown = [g.findall("svg:text", NS)[1].text for g in root.findall("svg:g", NS)]
    assert shown == [str(int(v)) if float(v).is_integer() else f"{v:.1f}" for _, v in bars]
