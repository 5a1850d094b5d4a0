"""references.bib: every source a data row cites is one entry a reader can follow."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pybtex.database
import pytest
from pybtex.scanner import PybtexSyntaxError

from cmac.book.bibliography import (
    REFERENCES_BIB,
    SECONDARY_KINDS,
    SOURCE_ID_KEYS,
    data_urls,
    is_secondary,
    kinds,
    parse_references,
    problems,
    read_references,
    source_key,
    source_keys,
    url_index,
    with_source_key,
)
from cmac.errors import BibliographyError, UnknownSourceError
from cmac.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"

GOOD = """
@misc{press_x_2020,
  author = {{Some Paper}}, title = {{A story}}, year = {2020},
  url = {https://example.org/story?id=1&p=%2523top}, urldate = {2026-11-30},
  keywords = {press}, note = {Secondary source: press report of CMAA figures}
}
@misc{report_y,
  author = {{Some Monitor}}, title = {{A report}}, year = {2010},
  url = {https://example.org/report}, urldate = {2026-11-30},
  keywords = {report}, note = {Country report}
}
@article{paper_z,
  author = {Doe, Jane}, title = {A paper}, journal = {J}, year = {1990}
}
"""


@pytest.fixture(scope="module")
def bib() -> pybtex.database.BibliographyData:
    return read_references()


@pytest.fixture(scope="module")
def index(bib: pybtex.database.BibliographyData) -> dict[str, str]:
    return url_index(bib)


def test_references_bib_parses_with_pybtex() -> None:
    parsed = pybtex.database.parse_file(str(REFERENCES_BIB))
    assert len(parsed.entries) > 0


def test_a_malformed_bib_does_not_parse() -> None:
    with pytest.raises(PybtexSyntaxError):
        parse_references("@misc{broken, title = {no closing brace}\n")


def test_the_data_files_cite_addresses() -> None:
    # Guards the next test against passing vacuously (e.g. a wrong data folder).
    assert len(data_urls(DATA)) > 50


def test_every_data_url_is_the_url_of_exactly_one_entry(
    bib: pybtex.database.BibliographyData,
) -> None:
    holders: dict[str, list[str]] = {}
    for key, entry in bib.entries.items():
        if "url" in entry.fields:
            holders.setdefault(entry.fields["url"].strip(), []).append(key)
    wrong = {
        url: (places, holders.get(url, []))
        for url, places in data_urls(DATA).items()
        if len(holders.get(url, [])) != 1
    }
    assert not wrong, "data url not on exactly one entry (url: rows, entries):\n" + "\n".join(
        f"{url}: {places} -> {keys}" for url, (places, keys) in wrong.items()
    )


def test_source_key_maps_every_row_of_every_data_file(index: dict[str, str]) -> None:
    checked = 0
    for path in sorted(DATA.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "url" not in frame.columns:
            continue
        mapped = with_source_key(frame, index)
        assert list(mapped.columns).index("source_key") == list(mapped.columns).index("url") + 1
        for url, key in zip(mapped["url"], mapped["source_key"], strict=True):
            assert (key is None) == (url.strip() == ""), (path.name, url, key)
            if key is not None:
                assert index[url.strip()] == key
                checked += 1
    assert checked > 100


def test_a_url_missing_from_the_bib_raises(index: dict[str, str]) -> None:
    missing = "https://example.org/deliberately-not-in-references-bib"
    with pytest.raises(UnknownSourceError) as caught:
        source_key(missing, index)
    assert caught.value.url == missing
    frame = pd.DataFrame({"source": ["x"], "url": [missing], "quote": ["y"]})
    with pytest.raises(UnknownSourceError):
        with_source_key(frame, index)


def test_a_url_close_to_a_real_one_is_not_matched(index: dict[str, str]) -> None:
    real = next(iter(index))
    with pytest.raises(UnknownSourceError):
        source_key(real + "x", index)


def test_blank_urls_have_no_key_and_known_ones_do() -> None:
    index = url_index(parse_references(GOOD))
    assert source_keys(["", None, "  ", float("nan")], index) == [None, None, None, None]
    assert source_key(" https://example.org/report ", index) == "report_y"
    assert source_key("https://example.org/story?id=1&p=%2523top", index) == "press_x_2020"


def test_one_url_on_two_entries_is_rejected() -> None:
    twice = GOOD + "@misc{copy, title = {{B}}, url = {https://example.org/report}}\n"
    with pytest.raises(BibliographyError, match="copy"):
        url_index(parse_references(twice))


def test_every_entry_has_url_and_urldate_except_printed_works(
    bib: pybtex.database.BibliographyData,
) -> None:
    assert problems(bib) == []


def test_problems_finds_each_kind_of_breach() -> None:
    assert problems(parse_references(GOOD)) == []
    bad = parse_references(
        """
@misc{no_url, title = {{A}}, urldate = {2026-11-30}, keywords = {report}}
@misc{no_date, title = {{B}}, url = {https://example.org/b}, keywords = {report}}
@misc{bad_date, title = {{C}}, url = {https://example.org/c}, urldate = {30 Nov 2026},
  keywords = {report}}
@misc{report_called_secondary, title = {{D}}, url = {https://example.org/d},
  urldate = {2026-11-30}, keywords = {report}, note = {Secondary source: a report}}
@misc{press_not_flagged, title = {{E}}, url = {https://example.org/e},
  urldate = {2026-11-30}, keywords = {press}, note = {A press item}}
@misc{no_kind, title = {{F}}, url = {https://example.org/f}, urldate = {2026-11-30}}
@misc{same_url, title = {{G}}, url = {https://example.org/b}, urldate = {2026-11-30},
  keywords = {report}}
@book{printed, author = {Doe, J.}, title = {H}, publisher = {P}, year = {2000}}
"""
    )
    found = problems(bad)
    for expected in [
        "no_url: no url",
        "no_date: urldate missing",
        "bad_date: urldate missing or not YYYY-MM-DD",
        "report_called_secondary: note says secondary",
        "press_not_flagged: press, blog or AI item whose note does not say secondary",
        "no_kind: no keywords",
        "same_url: url also on no_date",
    ]:
        assert any(line.startswith(expected) for line in found), (expected, found)
    assert not any(line.startswith("printed") for line in found)


def test_entries_marked_secondary_are_press_or_blog_items(
    bib: pybtex.database.BibliographyData,
) -> None:
    secondary = {key for key, entry in bib.entries.items() if is_secondary(entry)}
    assert secondary, "no entry is marked secondary"
    for key in secondary:
        assert kinds(bib.entries[key]) & SECONDARY_KINDS, key
        assert bib.entries[key].type.lower() == "misc", key


def test_blogs_and_ai_summaries_in_the_data_are_flagged(
    bib: pybtex.database.BibliographyData, index: dict[str, str]
) -> None:
    flagged = 0
    for path in sorted(DATA.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                url = (row.get("url") or "").strip()
                label = (row.get("source") or "").lower()
                if not url:
                    continue
                note = bib.entries[index[url]].fields.get("note", "")
                if "blogspot." in url or "blog" in label:
                    assert note.startswith("Blog; secondary"), (path.name, url, note)
                    flagged += 1
                if "ai-written" in label:
                    assert note.startswith("AI-written summary; used only because"), url
                    flagged += 1
    assert flagged >= 6


def test_source_documents_map_to_entries(bib: pybtex.database.BibliographyData) -> None:
    with (DATA / "sources.csv").open(newline="", encoding="utf-8") as handle:
        ids = {row["source_id"] for row in csv.DictReader(handle)}
    assert ids <= set(SOURCE_ID_KEYS)
    for key in SOURCE_ID_KEYS.values():
        assert key in bib.entries
        assert bib.entries[key].fields.get("url")


def cited_keys(root: Path) -> set[str]:
    pattern = re.compile(r"\{cite:[a-z]+\}`([^`]+)`")
    keys: set[str] = set()
    for path in [*root.glob("chapters/*.ipynb"), *root.glob("*.md"), root / "intro.ipynb"]:
        if path.exists():
            for group in pattern.findall(path.read_text(encoding="utf-8")):
                keys.update(part.strip() for part in group.split(","))
    return keys


def test_every_key_the_book_cites_exists(bib: pybtex.database.BibliographyData) -> None:
    cited = cited_keys(PROJECT_ROOT)
    assert "komukai_jica" in cited
    assert cited <= set(bib.entries), sorted(cited - set(bib.entries))
