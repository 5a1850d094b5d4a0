"""Tie the external data rows to their entries in references.bib.

Each row of the external data files (data/*.csv with a ``url`` column) names the address it
was read from. Every such address is the ``url`` of exactly one entry in references.bib, so
the address is the row's link to its bibliography entry: :func:`source_key` maps one to the
other without changing the data files.

The functions that take parsed data are pure; :func:`read_references` and :func:`data_urls`
are the only ones that read files. The .bib file is read with pybtex, the BibTeX parser that
sphinxcontrib-bibtex itself uses, so the book and these checks see the same entries.

Conventions in references.bib that :func:`problems` enforces:

* every entry has a ``url`` and an ISO ``urldate`` (YYYY-MM-DD), except printed articles
  and books (entry types in :data:`PRINTED_TYPES`);
* ``keywords`` gives the kind of source: ``report``, ``standard``, ``organisation-news``,
  ``press``, ``blog`` or ``ai-summary``;
* a ``note`` that calls the entry secondary belongs to a press, blog or AI-summary item, and
  every such item says in its note that it is secondary.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from pybtex.database import BibliographyData, Entry, parse_file, parse_string

from cmac.errors import BibliographyError, UnknownSourceError
from cmac.paths import PROJECT_ROOT, data_dir

REFERENCES_BIB = PROJECT_ROOT / "references.bib"

#: Entry types that may go without url and urldate (printed articles and books).
PRINTED_TYPES = frozenset({"article", "book"})
#: Kinds of source (``keywords``) that can only be secondary.
SECONDARY_KINDS = frozenset({"press", "blog", "ai-summary"})
#: All kinds allowed in ``keywords``.
KINDS = SECONDARY_KINDS | {"report", "standard", "organisation-news"}
#: The two source documents of data/sources.csv and their bibliography keys.
SOURCE_ID_KEYS = {"jica_report": "komukai_jica", "cmac_news_2025": "cmac_news_2025"}

ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def parse_references(text: str) -> BibliographyData:
    """Parse BibTeX text (pybtex raises on malformed input)."""
    return parse_string(text, "bibtex")


def read_references(path: str | Path | None = None) -> BibliographyData:
    """Read and parse references.bib (or another .bib file)."""
    return parse_file(str(path or REFERENCES_BIB), "bibtex")


def url_index(bibliography: BibliographyData) -> dict[str, str]:
    """Map each entry's url to its key; two entries with one url are an error."""
    index: dict[str, str] = {}
    for key, entry in bibliography.entries.items():
        url = entry.fields.get("url", "").strip()
        if not url:
            continue
        if url in index:
            raise BibliographyError(f"url {url!r} is on two entries: {index[url]!r} and {key!r}")
        index[url] = key
    return index


def source_key(url: str | None, index: Mapping[str, str]) -> str | None:
    """The bibliography key of a data row's url; None for a row without one.

    Raises :class:`UnknownSourceError` for an address that no entry carries.
    """
    if url is None or (isinstance(url, float) and url != url):  # None or NaN
        return None
    address = str(url).strip()
    if not address:
        return None
    try:
        return index[address]
    except KeyError:
        raise UnknownSourceError(address) from None


def source_keys(urls: Iterable[str | None], index: Mapping[str, str]) -> list[str | None]:
    """:func:`source_key` for each url, in order."""
    return [source_key(url, index) for url in urls]


def with_source_key(frame: pd.DataFrame, index: Mapping[str, str]) -> pd.DataFrame:
    """A copy of a data table with a ``source_key`` column next to its ``url`` column."""
    if "url" not in frame.columns:
        raise KeyError("the table has no 'url' column")
    result = frame.copy()
    keys = pd.Series(source_keys(result["url"].tolist(), index), index=result.index, dtype=object)
    result.insert(result.columns.get_loc("url") + 1, "source_key", keys)
    return result


def kinds(entry: Entry) -> set[str]:
    """The entry's kinds of source, from its comma-separated ``keywords``."""
    words = entry.fields.get("keywords", "")
    return {word.strip().lower() for word in words.split(",") if word.strip()}


def is_secondary(entry: Entry) -> bool:
    """Whether the entry's note marks it as a secondary source."""
    return "secondary" in entry.fields.get("note", "").lower()


def needs_url(entry: Entry) -> bool:
    return entry.type.lower() not in PRINTED_TYPES


def problems(bibliography: BibliographyData) -> list[str]:
    """Every breach of the conventions in the module docstring, one line each."""
    found: list[str] = []
    seen: dict[str, str] = {}
    for key, entry in bibliography.entries.items():
        fields = entry.fields
        url = fields.get("url", "").strip()
        if needs_url(entry):
            if not url:
                found.append(f"{key}: no url")
            if not ISO_DATE.match(fields.get("urldate", "").strip()):
                found.append(f"{key}: urldate missing or not YYYY-MM-DD")
        elif url and not ISO_DATE.match(fields.get("urldate", "").strip()):
            found.append(f"{key}: has a url but no YYYY-MM-DD urldate")
        if url:
            if url in seen:
                found.append(f"{key}: url also on {seen[url]}")
            seen.setdefault(url, key)
        entry_kinds = kinds(entry)
        if needs_url(entry) and not entry_kinds:
            found.append(f"{key}: no keywords (kind of source)")
        if unknown := entry_kinds - KINDS:
            found.append(f"{key}: unknown kind(s) {sorted(unknown)}")
        if is_secondary(entry) and not entry_kinds & SECONDARY_KINDS:
            found.append(f"{key}: note says secondary but it is not a press, blog or AI item")
        if entry_kinds & SECONDARY_KINDS and not is_secondary(entry):
            found.append(f"{key}: press, blog or AI item whose note does not say secondary")
    return found


def data_urls(folder: str | Path | None = None) -> dict[str, list[str]]:
    """Every non-blank url in the data files that have a ``url`` column.

    Maps each address to where it occurs (``file.csv:row``, rows counted from 1).
    """
    where: dict[str, list[str]] = {}
    for path in sorted(Path(folder or data_dir()).glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if "url" not in (reader.fieldnames or []):
                continue
            for row_number, row in enumerate(reader, start=1):
                url = (row.get("url") or "").strip()
                if url:
                    where.setdefault(url, []).append(f"{path.name}:{row_number}")
    return where
