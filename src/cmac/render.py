"""Turn tables into numbered, captioned MyST tables that {numref} can cite.

Every table has two faces. The page shows text for people: headers in words with their units,
thousands separators, a true minus sign (−), one format per column. The CSV behind it is for
analysis: numbers as numbers, an estimate and its interval in separate columns, units in the
header (``effect_pct,effect_pct_low,effect_pct_high``). Layout functions build both and attach
the CSV frame to the shown one (:func:`with_csv`); for any other frame :func:`show_table`
derives the CSV from the shown text (:func:`analysis_ready`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cmac.cells import BLANKS, DATA_TABLE_CLASS, literal

MINUS = "\u2212"  # the true minus sign; "-" is a hyphen
NBSP = "\u00a0"
DASH = "–"  # an empty cell: not applicable


# --- numbers as text --------------------------------------------------------------------------


def number(value: object, digits: int = 0, sign: bool = False) -> str:
    """Thousands separators and a true minus sign; ``sign`` puts + before positive values.
    Missing values are a dash; a value that rounds to zero has no sign ("0.0", not "−0.0")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    text = f"{value:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text.lstrip("-")
    if sign and value > 0:
        text = "+" + text
    return text.replace("-", MINUS)


def estimate_ci(estimate: float, low: float, high: float, digits: int = 1, unit: str = "") -> str:
    """'21.4 (17.2 to 25.7)'; with ``unit`` ("%"): '21.4 % (17.2 to 25.7)'."""
    head = number(estimate, digits) + (f"{NBSP}{unit}" if unit else "")
    return f"{head} ({number(low, digits)} to {number(high, digits)})"


def p_value(p: float) -> str:
    """Three decimals, '< 0.001' below that (a no-break space: it never splits)."""
    if p is None or pd.isna(p):
        return DASH
    return f"<{NBSP}0.001" if p < 0.001 else number(p, 3)


def with_minus(text: str) -> str:
    """Hyphens used as minus signs (before a digit, not inside a date, a word or an address)
    become −."""
    if "://" in text:
        return text
    return re.sub(r"(?<![\w\-–./])-(?=\d)", MINUS, text)


# --- headers --------------------------------------------------------------------------------------

# Column names that reach a table unrenamed, in words for the page.
HEADERS = {
    "year": "Year",
    "cmac_km2": "CMAC area (km²)",
    "national_km2": "National area (km²)",
    "area_qualifier": "National figure",
    "share": "CMAC share",
    "measure": "Measure",
    "source": "Source",
    "published": "Published",
    "recomputed": "Recomputed",
    "difference": "Difference",
    "source_id": "Source ID",
    "date_basis": "Date basis",
    "area_m2": "Area (m²)",
    "area_km2": "Area (km²)",
    "ap_mines": "Anti-personnel mines",
    "at_mines": "Anti-tank mines",
    "uxo": "UXO",
}
_UNITS = [("km2", "km²"), ("m2", "m²"), ("pct", "%")]


def is_column_name(header: object) -> bool:
    """A data frame's column name rather than words: snake_case, or one lower-case word."""
    return bool(re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][a-z0-9]+", str(header)))


def human_header(header: object) -> str:
    """Words for a column name ('cmac_km2' -> 'CMAC area (km²)', 'date_basis' -> 'Date basis');
    headers already in words are kept."""
    text = str(header)
    if not is_column_name(text):
        return text
    if text in HEADERS:
        return HEADERS[text]
    words = text.split("_")
    units = [dict(_UNITS)[w] for w in words if w in dict(_UNITS)]
    words = [w for w in words if w not in dict(_UNITS)]
    label = " ".join(words).capitalize()
    return f"{label} ({', '.join(units)})" if units else label


def machine_name(header: object) -> str:
    """A CSV column name for a header: 'Area (km²/yr)' -> 'area_km2_per_yr',
    'Effect, % (95 % CI)' -> 'effect_pct'; column names are kept."""
    text = str(header)
    if is_column_name(text):
        return text
    text = re.sub(r"\(\s*95\s*%[^)]*\)", " ", text.lower())
    for old, new in [("km²", "km2"), ("m²", "m2"), ("%", " pct "), ("/", " per "), ("×", " x ")]:
        text = text.replace(old, new)
    text = text.replace("δ", "delta ").replace("α", "alpha ")
    text = re.sub(r"\byr\b", "year", text)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "column"


# --- the two faces of a table ---------------------------------------------------------------------


def with_csv(shown: pd.DataFrame, csv: pd.DataFrame) -> pd.DataFrame:
    """The shown (text) frame carrying its analysis-ready CSV frame in ``attrs``."""
    if len(shown) != len(csv):
        raise ValueError(f"table has {len(shown)} rows but its CSV {len(csv)}")
    shown.attrs["csv"] = csv.reset_index(drop=True)
    shown.attrs["csv_for"] = [str(c) for c in shown.columns]
    return shown


def attached_csv(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The CSV frame a layout attached, if it still fits the frame (same rows and columns:
    a caller that picked columns or rows gets a CSV derived from what it shows)."""
    csv = frame.attrs.get("csv")
    if csv is None or len(csv) != len(frame):
        return None
    if frame.attrs.get("csv_for") != [str(c) for c in frame.columns]:
        return None
    return csv


def _plain(text: str) -> str:
    return text.replace(MINUS, "-").replace(NBSP, " ").replace("\u2009", " ")


def parse_number(text: str) -> float | None:
    """'1,234' -> 1234.0; '−0.5' -> -0.5; '12 %' -> 12.0; None if not a plain number
    (a bound such as '< 0.001' is not one)."""
    found = re.fullmatch(
        r"\s*([+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?:%|km²/yr|km²|m²)?\s*",
        _plain(text),
    )
    return float(found.group(1).replace(",", "")) if found else None


_CI = re.compile(r"\s*(\S+?)\s*(%|km²/yr|km²|m²)?\s*\((\S+) to (\S+)\)\s*")


def _numbers(cells: list[str]) -> pd.Series | None:
    values = []
    for cell in cells:
        if cell.strip() in BLANKS:
            values.append(math.nan)
            continue
        value = parse_number(cell)
        if value is None:
            return None
        values.append(value)
    series = pd.Series(values, dtype="float64")
    whole = series.dropna()
    if len(whole) and (whole == whole.round()).all() and not any("." in c for c in cells):
        return series.astype("Int64")
    return series


def _split_ci(name: str, cells: list[str]) -> pd.DataFrame | None:
    rows = []
    for cell in cells:
        if cell.strip() in BLANKS:
            rows.append((math.nan, "", math.nan, math.nan))
            continue
        found = _CI.fullmatch(_plain(cell))
        if not found:
            return None
        parts = [parse_number(found.group(i)) for i in (1, 3, 4)]
        if any(p is None for p in parts):
            return None
        rows.append((parts[0], found.group(2) or "", parts[1], parts[2]))
    units = {unit for _, unit, _, _ in rows if unit}
    suffix = ""
    if len(units) == 1 and "pct" not in name:
        suffix = "_" + machine_name(units.pop())
    out = pd.DataFrame(
        {
            f"{name}{suffix}": [r[0] for r in rows],
            f"{name}{suffix}_low": [r[2] for r in rows],
            f"{name}{suffix}_high": [r[3] for r in rows],
        }
    )
    if len(units) > 1:
        out.insert(1, f"{name}_unit", [r[1] for r in rows])
    return out


def analysis_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV frame derived from a shown one: numbers parsed back ('1,234', '−0.5', '12 %'),
    'x (low to high)' split into three columns, 'A (B)' headers over 'x (y)' cells into two,
    column names without spaces or symbols, units in them."""
    parts: list[pd.DataFrame] = []
    for column in frame.columns:
        name = machine_name(column)
        values = frame[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            parts.append(pd.DataFrame({name: values}))
            continue
        cells = ["" if pd.isna(v) else str(v) for v in values]
        numbers = _numbers(cells)
        if numbers is not None:
            if any("%" in c for c in cells) and "pct" not in name:
                name += "_pct"
            parts.append(pd.DataFrame({name: numbers}))
            continue
        ci = _split_ci(name, cells)
        if ci is not None:
            parts.append(ci)
            continue
        pair = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", str(column))
        found = [re.fullmatch(r"\s*(\S+)\s*\(([^()]+)\)\s*", _plain(c)) for c in cells]
        if pair and all(found):
            first = _numbers([f.group(1) for f in found])  # type: ignore[union-attr]
            second = _numbers([f.group(2) for f in found])  # type: ignore[union-attr]
            if first is not None and second is not None:
                a = machine_name(pair.group(1))
                parts.append(pd.DataFrame({a: first, f"{a}_{machine_name(pair.group(2))}": second}))
                continue
        parts.append(pd.DataFrame({name: [_plain(c) for c in cells]}))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


# CSV names for tables a chapter builds itself, where the shown header leaves out what the
# caption says (the unit, what a count counts).
CSV_NAMES = {
    "tbl-density": {
        "year_per_period": "period",
        "anti_personnel_mines": "ap_mines_per_km2",
        "anti_tank_mines": "at_mines_per_km2",
        "uxo": "uxo_per_km2",
    },
    "tbl-casualty-conflicts": {
        "preferred": "casualties_preferred",
        "source_of_the_preferred_figure": "source_preferred",
        "other_reports": "other_reports_casualties_source",
    },
}


def table_csv(frame: pd.DataFrame, name: str = "") -> pd.DataFrame:
    """What a table's CSV holds: the frame its layout attached, or one derived from it."""
    attached = attached_csv(frame)
    csv = attached if attached is not None else analysis_ready(frame)
    return csv.rename(columns=CSV_NAMES.get(name, {}))


def _decimals(values: pd.Series) -> int:
    for digits in range(4):
        if (values.round(digits) == values.round(6)).all():
            return digits
    return 3


# A header that names a time: its whole numbers of four digits are years (2106 as well).
TIME_HEADER = re.compile(r"year|during|finish|deadline|date", re.IGNORECASE)


def _is_years(values: pd.Series, header: object = "") -> bool:
    whole = values.dropna()
    low, high = (1000, 9999) if TIME_HEADER.search(str(header)) else (1900, 2100)
    return bool(len(whole)) and bool(((whole >= low) & (whole <= high) & (whole % 1 == 0)).all())


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the page shows it: headers in words, numbers with one format per column
    (thousands separators, a true minus sign; years as years), yes/no for true/false."""
    shown = {}
    for column in frame.columns:
        values = frame[column].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(values):
            cells = values.map({True: "yes", False: "no"})
        elif pd.api.types.is_numeric_dtype(values):
            floats = values.astype("float64")
            if _is_years(floats, column):
                cells = floats.map(lambda v: DASH if pd.isna(v) else str(int(v)))
            else:
                digits = _decimals(floats.dropna())
                cells = floats.map(lambda v, d=digits: number(v, d))
        else:
            texts = ["" if pd.isna(v) else str(v) for v in values]
            plain = [re.fullmatch(r"-?\d+(?:\.(\d+))?", t) for t in texts if t not in BLANKS]
            if plain and all(plain):
                floats = pd.Series([float(t) if t not in BLANKS else math.nan for t in texts])
                if _is_years(floats, column):
                    cells = pd.Series(texts)
                else:
                    digits = max(len(m.group(1) or "") for m in plain)  # type: ignore[union-attr]
                    cells = floats.map(lambda v, d=digits: number(v, d))
            else:
                cells = pd.Series([with_minus(t) for t in texts])
        shown[human_header(column)] = cells.to_numpy()
    return pd.DataFrame(shown)


# --- MyST -----------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A list-table cell: literal text on one line (a space if empty)."""
    return literal(value).strip() or " "


# The class of every table made here: Sphinx leaves its text as it is (cmac.book.sphinx_ext).
def myst_table(
    frame: pd.DataFrame,
    caption: str,
    name: str,
    align: str = "left",
    widths: list[int] | None = None,
) -> str:
    """A MyST ``list-table`` directive: numbered by Sphinx, labelled ``name``, captioned."""
    if not name.replace("-", "").isalnum():
        raise ValueError(f"table label {name!r} must be letters, digits and hyphens")
    header = [cell_text(c) for c in frame.columns]
    rows = [[cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    lines = [
        f"```{{list-table}} {caption}",
        f":name: {name}",
        ":header-rows: 1",
        f":align: {align}",
        f":class: {DATA_TABLE_CLASS}",
    ]
    if widths:
        lines.append(":widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines.extend(f"  - {cell}" for cell in row[1:])
    lines.append("```")
    return "\n".join(lines)


# Chapters live one folder below the site root.
SITE_ROOT_FROM_CHAPTER = "../"
TABLES_FOLDER = "_static/tables"


def data_href(source: str) -> str:
    """Where a table's source is served: a data set's CSV, or the results record."""
    if source == "results":
        return f"{SITE_ROOT_FROM_CHAPTER}results.csv"
    return f"{SITE_ROOT_FROM_CHAPTER}_static/data/{source}.csv"


def link(href: str) -> str:
    return f'<a href="{href}" download>{Path(href).name}</a>'


def data_links(name: str, sources: Sequence[str]) -> str:
    """Links to the table itself as CSV and to the data files it was computed from."""
    if not sources:
        raise ValueError(f"table {name}: name the data behind it")
    table = link(f"{SITE_ROOT_FROM_CHAPTER}{TABLES_FOLDER}/{name}.csv")
    behind = ", ".join(link(data_href(s)) for s in sources)
    return f'<p class="data-links">This table as CSV: {table}. Computed from: {behind}.</p>'


def show_table(
    frame: pd.DataFrame,
    caption: str,
    name: str,
    data: Sequence[str],
    tables_dir: Path | None = None,
    **options: object,
) -> None:
    """Display the table as MyST, save it as CSV for download, and link its data files.

    The page gets :func:`display_frame` (headers in words, numbers formatted); the CSV gets
    the analysis-ready frame the layout attached, or one derived from the shown text."""
    from IPython.display import Markdown, display

    shown = display_frame(frame)
    text = myst_table(shown, caption, name, **options) + "\n\n" + data_links(name, data)
    if tables_dir is not None:
        tables_dir.mkdir(parents=True, exist_ok=True)
        table_csv(frame, name).to_csv(tables_dir / f"{name}.csv", index=False)
    display(Markdown(text))
