"""The results record: every number quoted in prose is glued and written down here.

Each chapter keeps a :class:`ResultsRecord`. ``add`` glues the formatted value for the prose
and writes the raw value to
``<build>/results/<chapter>.json``; the build merges those files into ``results.csv``
(columns: chapter, key, value, unit, description, text) and the results page.

Only an estimate a reviewer would cite links to its row in the prose: a value whose unit is in
:data:`PLAIN_UNITS` (a year, a date, a count, a phrase) is glued as plain text, so that a stray
tap on "2005" does not jump to the record. Every value is recorded all the same.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from cmac.errors import RecordError
from cmac.paths import build_dir
from cmac.words import change_between

RESULT_COLUMNS = ["chapter", "key", "value", "unit", "description", "text"]
# How a number is printed in the prose when the chapter gives no format, by unit.
DEFAULT_FORMATS = {
    "year": "{}",
    "date": "{}",
    "text": "{}",
    "count": "{:,}",
    "km²": "{:,.1f}",
    "km²/yr": "{:,.1f}",
    "ratio": "{:.2f}",
    "%": "{:.0f}",
    "p": "{:.3f}",
}
# Units of values that are glued as plain text, not as links: years and dates, counts (of
# events, items, people) and durations in whole units, and phrases. They are still recorded.
PLAIN_UNITS = frozenset(
    {"year", "years", "year-month", "date", "text", "count", "persons", "days", "months", "hours"}
)
RESULTS_PAGE = "results.html"
# The Unit cell of a number that has none (a test statistic, a weight, a share).
NO_UNIT = '<span title="no unit">–</span>'


def anchor(chapter: str, key: str) -> str:
    """The id of a number's row on the results page: stable, so reviewers can cite it."""
    return f"r-{chapter}-{key}".replace("_", "-")


def result_link(text: str, href: str, description: str) -> str:
    """The glued form of a number: its text, linked to its entry. Everything is escaped:
    descriptions and texts can carry words from the data files."""
    return (
        f'<a class="result-ref" href="{html.escape(href)}" '
        f'title="{html.escape(description)}">{html.escape(text)}</a>'
    )


def is_linked(unit: str) -> bool:
    """Does a value with this unit link to the record in the prose? Estimates and measures
    (%, km², p, ratios) do; years, dates, counts and phrases (:data:`PLAIN_UNITS`) do not."""
    return unit not in PLAIN_UNITS


def glued_value(text: str, unit: str, href: str, description: str) -> str:
    """The glued form of a value: a link to its row (:func:`result_link`) for an estimate,
    the escaped text for a year, a date, a count or a phrase."""
    if is_linked(unit):
        return result_link(text, href, description)
    return html.escape(text)


def as_fall(change: tuple[float, float, float]) -> tuple[float, float, float]:
    """An estimated change (estimate, low, high) as a fall: each sign flipped, and the limits
    swapped so that low stays below high (a change of -14 (-16 to -13) is a fall of 14 (13 to
    16))."""
    estimate, low, high = change
    return -estimate, -high, -low


class Finding(NamedTuple):
    """One number a chapter quotes, as the study code that computes it returns it: its key
    (the glue name), value, unit, what it is, and how the prose prints it (None: as its unit
    usually is, :data:`DEFAULT_FORMATS`)."""

    key: str
    value: float | int | str
    unit: str
    description: str
    fmt: str | None = None


def ci_findings(
    key: str,
    estimate_low_high: tuple[float, float, float],
    unit: str,
    description: str,
    fmt: str | None = None,
) -> list[Finding]:
    """An estimate and its 95 % CI as three findings, key, key_low and key_high (one decimal
    unless ``fmt`` says otherwise)."""
    fmt = fmt or "{:,.1f}"
    estimate, low, high = estimate_low_high
    return [
        Finding(key, estimate, unit, description, fmt),
        Finding(f"{key}_low", low, unit, f"{description}: lower 95 % limit", fmt),
        Finding(f"{key}_high", high, unit, f"{description}: upper 95 % limit", fmt),
    ]


def glue_link(key: str, link: str) -> None:
    from IPython.display import HTML
    from myst_nb import glue

    glue(key, HTML(link), display=False)


@dataclass
class ResultsRecord:
    chapter: str
    out_dir: Path = field(default_factory=lambda: build_dir() / "results")
    glue: Callable[[str, str], None] = glue_link
    page_prefix: str = "../"  # from the chapter's page to the book's root
    entries: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.out_dir / f"{self.chapter}.json"

    def add(
        self,
        key: str,
        value: float | int | str,
        unit: str,
        description: str,
        fmt: str | None = None,
    ) -> None:
        """Record ``value`` and glue it as ``key``, formatted with ``fmt`` or, by default, as
        its unit is usually written (:data:`DEFAULT_FORMATS`: years as 2005, counts as
        1,234, areas to one decimal)."""
        fmt = fmt or DEFAULT_FORMATS.get(unit, "{:,}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"result {key!r} is not a finite number: {value}")
        if hasattr(value, "item"):  # numpy scalars -> plain Python for JSON
            value = value.item()
        text = fmt.format(value)
        if isinstance(value, int | float):
            text = text.replace("-", "−")  # a true minus sign in the text
        href = f"{self.page_prefix}{RESULTS_PAGE}#{anchor(self.chapter, key)}"
        self.glue(key, glued_value(text, unit, href, description))
        self.entries[key] = {
            "chapter": self.chapter,
            "key": key,
            "value": value,
            "unit": unit,
            "description": description,
            "text": text,
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(list(self.entries.values()), indent=1) + "\n")

    def add_ci(
        self,
        key: str,
        estimate_low_high: tuple[float, float, float],
        unit: str,
        description: str,
        fmt: str | None = None,
    ) -> None:
        """An estimate and its 95 % CI as key, key_low and key_high (:func:`ci_findings`)."""
        self.add_rows(ci_findings(key, estimate_low_high, unit, description, fmt))

    def add_rows(self, findings: Iterable[Finding]) -> None:
        """Record and glue each finding a study function returned, in order."""
        for finding in findings:
            self.add(*finding)

    def quote(self, record: pd.DataFrame, chapter: str, key: str, as_key: str = "") -> str:
        """Glue another chapter's number as that chapter printed it, linked to its row if it
        is an estimate (:func:`is_linked`). Nothing is recorded again: it already has its row."""
        rows = record[(record["chapter"] == chapter) & (record["key"] == key)]
        if rows.empty:
            raise KeyError(f"no result {key!r} from chapter {chapter!r} in the record")
        entry = rows.iloc[0]
        href = f"{self.page_prefix}{RESULTS_PAGE}#{anchor(chapter, key)}"
        text, description = str(entry["text"]), str(entry["description"])
        self.glue(as_key or key, glued_value(text, str(entry["unit"]), href, description))
        return str(entry["text"])

    def quote_each(self, record: pd.DataFrame, quoted: dict[str, list[str]]) -> None:
        """Glue each chapter's listed numbers (chapter -> keys) as :meth:`quote` does."""
        for chapter, keys in quoted.items():
            for key in keys:
                self.quote(record, chapter, key)

    def values_with_unit(self, unit: str) -> pd.Series:
        """Every number recorded so far with this unit (for example all p-values), by key."""
        return pd.Series(
            {k: e["value"] for k, e in self.entries.items() if e["unit"] == unit}, dtype=float
        )


def chapter_records(chapter: str, path: Path) -> pd.DataFrame:
    """One chapter's record, checked: it exists, parses, holds at least one number, and
    every row is that chapter's."""
    if not path.exists():
        raise RecordError(f"chapter {chapter} left no results record ({path.name})")
    try:
        rows = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordError(
            f"chapter {chapter}: its results record {path} is corrupt: {exc}"
        ) from None
    if not isinstance(rows, list) or not rows:
        raise RecordError(f"chapter {chapter}: its results record {path} is empty")
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    others = sorted(set(frame["chapter"].astype(str)) - {chapter})
    if others:
        raise RecordError(f"chapter {chapter}: its results record has rows of {others}")
    return frame


def merge_results(files: dict[str, Path]) -> pd.DataFrame:
    """Every chapter's record, in the order given (chapter -> its JSON), one row per number.
    A missing or empty record is an error that names the chapter: a published record never
    silently lacks one."""
    frames = [chapter_records(chapter, Path(path)) for chapter, path in files.items()]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def full_value(value: object) -> str:
    """A recorded value at full precision (ten significant figures), with a true minus."""
    if isinstance(value, float):
        return f"{value:.10g}".replace("-", "−")
    return str(value)


def _same_number(text: str, value: object) -> bool:
    """Does the printed text say the value exactly ('1,696' for 1696.0, '2005' for 2005)?"""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return float(text.replace(",", "").replace("−", "-")) == float(value)
    except ValueError:
        return False


def breakable(key: str) -> str:
    """A key, escaped, that a narrow column may wrap after each underscore (an HTML <wbr>,
    which copies as nothing) rather than inside a word or not at all."""
    return "_<wbr>".join(html.escape(part) for part in str(key).split("_"))


# A value in words longer than this wraps between its words; shorter ones stay on one line.
SHORT_WORDS = 16


def value_class(value: object, unit: str) -> str:
    """'num' (right-aligned, on one line) for a number or a short text such as 'June 1992';
    'words' (left-aligned, wraps between words, never inside one) for a phrase."""
    if unit == "text" or (isinstance(value, str) and len(value) > SHORT_WORDS):
        return "words"
    return "num"


def value_cell(value: object, text: object) -> str:
    """A value as the text prints it ('21.4'), with the full value beside it when that says
    more ('21.35845799'); both escaped. A value never printed (no text) shows in full."""
    printed = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    full = full_value(value)
    if not printed or printed == full or _same_number(printed, value):
        return f'<span class="value">{html.escape(printed or full)}</span>'
    return (
        f'<span class="value">{html.escape(printed)}</span> '
        f'<span class="full" title="full precision">({html.escape(full)})</span>'
    )


def results_table_html(record: pd.DataFrame, chapters: dict[str, tuple[str, str]]) -> str:
    """The results page's tables, one per chapter in book order: one row per number, with
    the anchor that the glued numbers link to, and a filter box. ``chapters`` maps a chapter
    to its number and title. Every cell is escaped text. Each chapter's section is rendered
    only when scrolled near (content-visibility), so the long page paints quickly."""

    def cell(value: object) -> str:
        return html.escape(str(value))

    sections = []
    for chapter, entries in record.groupby("chapter", sort=False):
        number, title = chapters.get(chapter, (chapter, chapter))
        page = "intro.html" if chapter == "intro" else f"chapters/{chapter}.html"
        kind = "Chapter " + str(number) if str(number).isdigit() else "Landing page"
        heading = f"{kind}: {title}"
        rows = []
        for entry in entries.itertuples(index=False):
            row_id = anchor(entry.chapter, entry.key)
            rows.append(
                f'<tr id="{row_id}" role="row"><td role="cell"><a href="#{row_id}">'
                f"<code>{breakable(entry.key)}</code></a>"
                f'<br><span class="what">{cell(entry.description)}</span></td>'
                f'<td role="cell" class="{value_class(entry.value, entry.unit)}">'
                f"{value_cell(entry.value, entry.text)}</td>"
                f'<td role="cell" class="unit">{cell(entry.unit) or NO_UNIT}</td></tr>'
            )
        sections += [
            f'<section class="results-chapter" id="{cell(anchor(chapter, "chapter"))}">',
            f'<h2><a href="{cell(page)}">{cell(heading)}</a></h2>',
            # roles: still a table to assistive technology when a phone lays rows out as grids
            '<div class="table-wrapper results-record"><table class="table" role="table">',
            '<thead role="rowgroup"><tr role="row">'
            '<th role="columnheader">Key and what it is</th>'
            '<th role="columnheader">Value as printed (in full)</th>'
            '<th role="columnheader">Unit</th></tr></thead>',
            '<tbody role="rowgroup">',
            *rows,
            "</tbody></table></div></section>",
        ]
    return "\n".join(
        [
            '<p><label for="results-filter">Filter</label> '
            '<input type="search" id="results-filter" placeholder="key, word or chapter"></p>',
            *sections,
            "<script>document.getElementById('results-filter').addEventListener('input', e => {"
            " const q = e.target.value.toLowerCase();"
            " for (const r of document.querySelectorAll('.results-record tbody tr'))"
            " r.hidden = q && !r.textContent.toLowerCase().includes(q);"
            " for (const s of document.querySelectorAll('.results-chapter'))"
            " s.hidden = !s.querySelector('tbody tr:not([hidden])'); });</script>",
        ]
    )


def read_results(files: dict[str, str], published: Path | None = None) -> pd.DataFrame:
    """Other chapters' records: the files the build passes (chapter -> JSON path), or, run
    by hand after a build, the published record."""
    if files:
        return merge_results({chapter: Path(path) for chapter, path in files.items()})
    published = published or build_dir() / "results.csv"
    if not published.exists():
        raise FileNotFoundError(f"no results record at {published}: build the book first")
    return pd.read_csv(published, dtype={"text": str}, keep_default_na=False)


def landing_findings(record: pd.DataFrame) -> list[Finding]:
    """The landing page's own numbers, from other chapters' records: the area cleared over
    both JICA tables, and the brush-cutter and land-release intervals in words."""
    parts = record.set_index(["chapter", "key"])["value"]

    def number(chapter: str, key: str) -> float:
        return float(parts[chapter, key])

    total = number("02-emergency-phase", "total_area_km2")
    total += number("03-reform-and-growth", "area_2000_2012")
    models = "05-trends-and-breaks"
    lows = [number(models, f"lr_{form}_low") for form in ("step", "ramp")]
    highs = [number(models, f"lr_{form}_high") for form in ("step", "ramp")]
    return [
        Finding("area_1992_2012", total, "km²",
                "Area CMAC cleared, mid-1992 to 2012 (JICA tables)", "{:,.0f}"),
        Finding("bc_avg_between", change_between(number(models, "bc_avg_low"),
                                                 number(models, "bc_avg_high")), "text",
                "Brush-cutter change, model-averaged: its 95 % interval in words"),
        Finding("lr_models_between", change_between(min(lows), max(highs)), "text",
                "Land release: the widest span of the two single models' 95 % intervals, in "
                "words"),
    ]
