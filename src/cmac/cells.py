"""What a table cell holds, read from its text: a number, a date or words, and where a line
may break in it without splitting a value. Pure text functions: both the table layouts
(:mod:`cmac.render`) and the book's Sphinx extension (:mod:`cmac.book.sphinx_ext`) use them,
the latter without loading pandas."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

# Cell texts that say "no value" without breaking a column of numbers.
BLANKS = {"", "–", "—", "-", "never", "n/a"}
DATA_TABLE_CLASS = "data-table"  # the class of every table made from a frame

_UNIT = r"(?:\s?(?:%|km²/yr|km²|m²))"
_VALUE = rf"(?:[<>≤≥~]\s?)?[+\-−]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?{_UNIT}?"
_DATE = r"\d{4}-\d{2}(?:-\d{2})?"
_RANGE = rf"{_VALUE}(?:\s(?:to|–|→)\s{_VALUE})?"
_ITEM = rf"(?:{_DATE}|{_RANGE})"
_LIST = rf"{_RANGE}(?:,\s{_RANGE})*"
_NUMERIC = re.compile(
    rf"{_LIST}(?:\s?\({_ITEM}(?:,\s{_ITEM})*\))?(?:\s→\s{_LIST}(?:\s?\({_ITEM}\))?)?"
)
_DATELIKE = re.compile(rf"\d{{4}}|{_DATE}|\d{{4}}\s?[–-]\s?\d{{2,4}}")
# A run of characters that reads as one value: 4,320 · −14.1 % · 1992-06 · 2018-2020 · 12/9 ·
# '< 0.001' · '1 to 6' · '21.4 (17.2 to 25.7)' · '469 (2025-03)'.
_ATOM = rf"(?:[<>≤≥~]\s?)?[+\-−]?\d(?:[,.]?\d)*(?:[\-–/]\d(?:[,.]?\d)*)*{_UNIT}?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_MONTHS = rf"(?:\d{{4}}\s)?{_MONTH}[\-–]{_MONTH}(?:\s\d{{4}})?"  # 2021 Jan-Nov
_FORMAT = r"YYYY(?:-MM(?:-DD)?)?"  # a date format named in a schema
_CHAIN = rf"(?:{_MONTHS}|{_FORMAT}|{_ATOM})(?:\s(?:to|–)\s{_ATOM})*"
VALUE_RUN = re.compile(rf"{_CHAIN}(?:\s?\({_CHAIN}(?:,\s{_CHAIN})*\))?")
SHORT_CELL = 20  # a cell this short with a digit in it ("1992–Oct. 1993") never wraps


def is_numeric_text(text: str) -> bool:
    """Does the cell read as a number: 1,234 · −0.5 · 12 % · <0.001 · +3 · 2 to 5 ·
    21.4 (17.2 to 25.7) · 2.20 (1, 10) · 469 (2025-03) → 400 (2026-01) · 2005, 2010."""
    return bool(_NUMERIC.fullmatch(text.strip()))


def is_date_text(text: str) -> bool:
    """A year, a month (1996-10) or a span of years (1992–2012, 2018-2020)."""
    return bool(_DATELIKE.fullmatch(text.strip()))


def column_kind(cells: Sequence[str]) -> str:
    """'num' when every cell with a value reads as a number (right-aligned, never wraps);
    'date' when they are years or months (never wrap); 'text' otherwise."""
    values = [c.strip() for c in cells if c.strip() not in BLANKS]
    if not values:
        return "text"
    if all(is_date_text(v) for v in values):
        return "date"
    if all(is_numeric_text(v) or is_date_text(v) for v in values):
        return "num"
    return "text"


def number_pieces(text: str) -> list[str]:
    """A number cell cut where a line may end without breaking a value: after an arrow if it
    has one ('563 (2023-06) →', '469 (2025-03)'), else before a bracketed interval or note
    ('−86.2', '(−94.2 to −67.3)'). One piece if there is no such place."""
    cut = r"(?<=→) " if "→" in text else r" (?=\()"
    return [piece for piece in re.split(cut, text.strip()) if piece]


def value_runs(text: str) -> list[tuple[str, bool]]:
    """The text cut into pieces, True for a value that must stay on one line (one that has a
    space, hyphen, dash or slash a browser could break at)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in VALUE_RUN.finditer(text):
        if not re.search(r"[\s\-–/]", found.group()):
            continue
        if found.start() > at:
            pieces.append((text[at : found.start()], False))
        pieces.append((found.group(), True))
        at = found.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, which makes
# it stand for itself, so no role, directive, substitution, HTML tag, entity, link, emphasis,
# math or list marker can start from it.
MARKUP_CHARACTER = re.compile(r"([!-/:-@\[-`{-~])")
# Characters that end a line (Python's and Unicode's), and other control characters.
LINE_BREAK = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def literal(value: object) -> str:
    """Text from a data file, or any text, as MyST that shows exactly that text.

    This is the one place where text becomes page markup: every table cell, and every
    citation built from CITATION.cff, passes through it.
    Line breaks become spaces (a table cell is one line) and control characters are dropped;
    everything else is shown as itself, escaped, never interpreted.
    """
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    text = "" if missing else str(value)
    text = CONTROL.sub("", LINE_BREAK.sub(" ", text))
    return MARKUP_CHARACTER.sub(r"\\\1", text)
