"""MyST tables and the results record."""

from __future__ import annotations

import html
import json
import random
import string
from pathlib import Path

import pandas as pd
import pytest

from cmac.errors import RecordError
from cmac.render import cell_text, data_links, literal, myst_table
from cmac.results import ResultsRecord, merge_results
from tests.hostile import HOSTILE


def test_myst_table_is_a_labelled_list_table() -> None:
    frame = pd.DataFrame({"A": ["x|y", "z"], "B": [1, None]})
    text = myst_table(frame, "A caption", "tbl-demo", widths=[50, 50])
    lines = text.splitlines()
    assert lines[0] == "```{list-table} A caption"
    assert ":name: tbl-demo" in lines
    assert ":widths: 50 50" in lines
    assert "* - A" in lines and "  - B" in lines
    assert "* - x\\|y" in lines  # pipes escaped
    assert lines[-1] == "```"
    assert text.count("* - ") == 3  # header + two rows


def render_myst(text: str) -> str:
    """What MyST (with the book's extensions) makes of a paragraph: its HTML."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = {"amsmath", "colon_fence", "deflist", "dollarmath"}
    parser = create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)
    return parser.render(text).strip()


def shown_text(text: str) -> str:
    """The text a reader sees once MyST has rendered ``text`` as one paragraph."""
    rendered = render_myst(text)
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    inner = rendered[3:-4]
    assert "<" not in inner, f"markup was made from {text!r}: {rendered}"
    return html.unescape(inner)


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_text_is_shown_as_itself_by_myst(text: str) -> None:
    assert shown_text(literal(text)) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("+ level change", "+ level change"),
        ("- x", "- x"),
        ("1. first", "1. first"),
        (">1,600", ">1,600"),
        ("    four spaces", "four spaces"),  # no code block
        ("a\nb\u2028c\rd", "a b c d"),  # one line
        ("bell\x07", "bell"),
    ],
)
def test_cell_text_is_one_literal_line(text: str, shown: str) -> None:
    assert shown_text(cell_text(text)) == shown


def test_literal_survives_random_punctuation() -> None:
    """Many random strings of markup characters, letters and spaces come back unchanged."""
    rng = random.Random(20261201)
    alphabet = string.punctuation + "ab1 " * 3
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))).strip()
        if text:
            assert shown_text(literal(text)) == text, text


def test_an_empty_cell_is_a_space() -> None:
    assert cell_text(None) == " " and cell_text("") == " "


def test_data_links_name_table_csv_and_sources() -> None:
    html = data_links("tbl-demo", ["clearance_2000_2012", "results"])
    assert 'href="../_static/tables/tbl-demo.csv"' in html
    assert 'href="../_static/data/clearance_2000_2012.csv"' in html
    assert 'href="../results.csv"' in html
    with pytest.raises(ValueError, match="name the data"):
        data_links("tbl-demo", [])


def test_myst_table_rejects_bad_label() -> None:
    with pytest.raises(ValueError, match="label"):
        myst_table(pd.DataFrame({"A": [1]}), "c", "bad label!")


def test_results_record_glues_a_link_to_the_entry_and_writes_raw_value(tmp_path: Path) -> None:
    glued: dict[str, str] = {}
    record = ResultsRecord("02-demo", out_dir=tmp_path, glue=glued.__setitem__)
    record.add("area_total", 72.734427, "km²", "Total area", "{:.1f}")
    record.add("share", 17.2, "%", "Anti-tank <mines>")
    assert glued["area_total"] == (
        '<a class="result-ref" href="../results.html#r-02-demo-area-total" '
        'title="Total area">72.7</a>'
    )
    assert ">17</a>" in glued["share"] and 'title="Anti-tank &lt;mines&gt;"' in glued["share"]
    rows = json.loads((tmp_path / "02-demo.json").read_text())
    assert rows[0] == {
        "chapter": "02-demo",
        "key": "area_total",
        "value": 72.734427,
        "unit": "km²",
        "description": "Total area",
        "text": "72.7",
    }


def test_landing_page_links_from_the_root(tmp_path: Path) -> None:
    glued: dict[str, str] = {}
    ResultsRecord("intro", out_dir=tmp_path, glue=glued.__setitem__, page_prefix="").add(
        "k", 1.5, "%", "d"
    )
    assert 'href="results.html#r-intro-k"' in glued["k"]


def test_results_record_rejects_non_finite(tmp_path: Path) -> None:
    record = ResultsRecord("x", out_dir=tmp_path, glue=lambda k, v: None)
    with pytest.raises(ValueError, match="not a finite"):
        record.add("bad", float("nan"), "", "")


def test_merge_results_in_book_order(tmp_path: Path) -> None:
    for chapter in ["b", "a"]:
        ResultsRecord(chapter, out_dir=tmp_path, glue=lambda k, v: None).add("k", 1, "u", "d")
    merged = merge_results({name: tmp_path / f"{name}.json" for name in ["a", "b"]})
    assert merged["chapter"].tolist() == ["a", "b"]
    assert list(merged.columns) == ["chapter", "key", "value", "unit", "description", "text"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "chapter c left no results record"),
        ("[]", "chapter c: its results record .* is empty"),
        ("{", "chapter c: its results record .* is corrupt"),
        ('[{"chapter": "a", "key": "k", "value": 1}]', r"chapter c: .* rows of \['a'\]"),
    ],
)
def test_merge_results_refuses_an_incomplete_record(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    ResultsRecord("a", out_dir=tmp_path, glue=lambda k, v: None).add("k", 1, "u", "d")
    if content is not None:
        (tmp_path / "c.json").write_text(content)
    with pytest.raises(RecordError, match=problem):
        merge_results({name: tmp_path / f"{name}.json" for name in ["a", "c"]})


def test_results_table_rows_have_anchors_and_escaped_text() -> None:
    from cmac.results import anchor, results_table_html

    record = pd.DataFrame(
        [
            ["05-x", "growth_low", -1.5, "%", "Lower <b>limit</b>", "−1.5"],
            ["08-y", "when", "March <script>", "date", "A date", "March"],
        ],
        columns=["chapter", "key", "value", "unit", "description", "text"],
    )
    table = results_table_html(record, {"05-x": ("5", "Trends & breaks")})
    assert f'<tr id="{anchor("05-x", "growth_low")}" role="row">' in table
    assert 'id="r-05-x-growth-low"' in table
    assert "−1.5" in table  # a true minus sign
    assert "&lt;b&gt;limit&lt;/b&gt;" in table and "<b>" not in table
    assert "March &lt;script&gt;" in table
    assert '<h2><a href="chapters/05-x.html">Chapter 5: Trends &amp; breaks</a></h2>' in table
    assert table.index("r-05-x-growth-low") < table.index("r-08-y-when")  # book order


def test_results_record_shows_each_value_as_printed_with_full_precision_beside() -> None:
    from cmac.results import results_table_html

    record = pd.DataFrame(
        [
            ["05-x", "growth", 21.35845799305779, "%/yr", "Growth", "21.4"],
            ["05-x", "low", -31.8956047419457, "%", "Lower limit", "−31.9"],
            ["05-x", "events", 1696.0, "count", "Events", "1,696"],
            ["05-x", "month", "September 1993", "date", "A month", "September 1993"],
            ["05-x", "f_lr_p", 0.27266453101562743, "p", "A p-value", "0.273"],
        ],
        columns=["chapter", "key", "value", "unit", "description", "text"],
    )
    table = results_table_html(record, {})
    assert '<span class="value">21.4</span> <span class="full"' in table
    assert ">(21.35845799)</span>" in table
    assert '<span class="value">−31.9</span>' in table and "(−31.89560474)" in table
    # nothing more to say: the printed text is the value
    assert '<span class="value">1,696</span></td>' in table
    assert '<span class="value">September 1993</span></td>' in table
    assert '<td role="cell" class="unit">%/yr</td>' in table
    assert "<code>growth</code>" in table and "<code>f_<wbr>lr_<wbr>p</code>" in table


def test_quote_glues_another_chapters_number_as_printed_without_recording_it(
    tmp_path: Path,
) -> None:
    from cmac.results import read_results

    ResultsRecord("05-x", out_dir=tmp_path, glue=lambda k, v: None).add(
        "growth", 21.358, "%/yr", "Growth", "{:.1f}"
    )
    record = read_results({"05-x": str(tmp_path / "05-x.json")})
    glued: dict[str, str] = {}
    landing = ResultsRecord("intro", out_dir=tmp_path, glue=glued.__setitem__, page_prefix="")
    assert landing.quote(record, "05-x", "growth") == "21.4"
    assert glued["growth"] == (
        '<a class="result-ref" href="results.html#r-05-x-growth" title="Growth">21.4</a>'
    )
    assert not (tmp_path / "intro.json").exists()
    with pytest.raises(KeyError, match="no result 'nope' from chapter '05-x'"):
        landing.quote(record, "05-x", "nope")
    with pytest.raises(RecordError, match="chapter 06-y left no results record"):
        read_results({"06-y": str(tmp_path / "missing.json")})


def test_negative_numbers_get_a_true_minus_sign(tmp_path: Path) -> None:
    glued: dict[str, str] = {}
    record = ResultsRecord("05-x", out_dir=tmp_path, glue=glued.__setitem__)
    record.add("low", -31.9, "%", "Lower limit", "{:.1f}")
    record.add("span", "2008-2010", "years", "A span written with a hyphen", "{}")
    assert ">−31.9</a>" in glued["low"]
    assert glued["span"] == "2008-2010"  # text values keep their own characters


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2005, "year", "2005"),
        (1234, "count", "1,234"),
        (1234.56, "km²", "1,234.6"),
        (2.5, "ratio", "2.50"),
        (-12.4, "%", "−12"),
        ("March 1997", "date", "March 1997"),
        (0.0123, "p", "0.012"),
        (12345, "persons", "12,345"),  # any other unit: thousands separators
    ],
)
def test_numbers_are_printed_as_their_unit_is_written(
    tmp_path: Path, value: object, unit: str, text: str
) -> None:
    record = ResultsRecord("x", out_dir=tmp_path, glue=lambda k, v: None)
    record.add("k", value, unit, "d")
    assert record.entries["k"]["text"] == text


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (2005, "year"),
        ("2008–2010", "years"),
        ("March 1997", "date"),
        ("1999-03", "year-month"),
        (1696, "count"),
        (4320, "persons"),
        (45, "days"),
        ("includes no change", "text"),
    ],
)
def test_years_dates_counts_and_phrases_are_glued_as_plain_text(
    tmp_path: Path, value: object, unit: str
) -> None:
    glued: dict[str, str] = {}
    record = ResultsRecord("05-x", out_dir=tmp_path, glue=glued.__setitem__)
    record.add("k", value, unit, "A <value>", None if isinstance(value, int) else "{}")
    text = str(record.entries["k"]["text"])
    assert glued["k"] == text  # no link, no markup: a tap on it goes nowhere
    assert "<a" not in glued["k"]
    rows = json.loads((tmp_path / "05-x.json").read_text())
    assert rows[0]["unit"] == unit and rows[0]["value"] == value  # still recorded


@pytest.mark.parametrize(
    "unit", ["%", "%/yr", "km²", "km²/yr", "p", "ratio", "F", "", "items/km²", "persons/day"]
)
def test_estimates_link_to_their_row(tmp_path: Path, unit: str) -> None:
    glued: dict[str, str] = {}
    ResultsRecord("05-x", out_dir=tmp_path, glue=glued.__setitem__).add("k", 0.5, unit, "d")
    assert glued["k"].startswith('<a class="result-ref" href="../results.html#r-05-x-k"')


def test_plain_text_glue_is_escaped(tmp_path: Path) -> None:
    glued: dict[str, str] = {}
    record = ResultsRecord("05-x", out_dir=tmp_path, glue=glued.__setitem__)
    record.add("phrase", "<b>bold</b> & more", "text", "A phrase from a data file")
    assert glued["phrase"] == "&lt;b&gt;bold&lt;/b&gt; &amp; more"


def test_quote_of_a_year_is_plain_text(tmp_path: Path) -> None:
    from cmac.results import read_results

    ResultsRecord("05-x", out_dir=tmp_path, glue=lambda k, v: None).add(
        "bc_year", 2005, "year", "Brush cutters"
    )
    record = read_results({"05-x": str(tmp_path / "05-x.json")})
    glued: dict[str, str] = {}
    landing = ResultsRecord("intro", out_dir=tmp_path, glue=glued.__setitem__, page_prefix="")
    assert landing.quote(record, "05-x", "bc_year") == "2005"
    assert glued["bc_year"] == "2005"


def test_a_change_as_a_fall_keeps_its_limits_in_order() -> None:
    from cmac.results import as_fall

    assert as_fall((-14.3, -15.7, -12.8)) == (14.3, 12.8, 15.7)
    assert as_fall((2.0, -1.0, 5.0)) == (-2.0, -5.0, 1.0)
