"""Load the source data files, validating each one as it is read.

Every chapter gets its data through :func:`load`. A file that breaks its schema raises
:class:`DataError`, whose message names the file, the row and the column.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from cmac.errors import DataError
from cmac.paths import data_dir, display_path
from cmac.results import DEFAULT_FORMATS, Finding

# A month from 1950-01 to 2049-12: the study's sources run from 1970 to 2030 ("0000-01" and
# "9999-12" are typing slips, not dates).
MONTH_PATTERN = r"^(19[5-9][0-9]|20[0-4][0-9])-(0[1-9]|1[0-2])$"
# A number cell is written in ASCII digits, with an optional minus and decimal point, and no
# more than 15 digits before it. int(), float() and pandas also accept Arabic-Indic and
# full-width digits, "2_010", "+2009", "1e3" and "inf"; none of them belongs in these files.
PLAIN_INTEGER = re.compile(r"-?[0-9]{1,15}")
PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]+)?")
# The most items of one kind a row can count, and the most land it can cover (Cambodia's
# area, 181,035 km²): far above every figure in the sources, and far below where an int64
# sum of a few hundred rows could wrap around.
MAX_COUNT = 100_000_000
CAMBODIA_AREA_M2 = 181_035 * 1_000_000
# Characters no cell may hold: control characters (NUL, line breaks, tabs, ...) and the
# bidirectional controls that reorder what a reader sees ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
SNAKE_CASE = r"^[a-z][a-z0-9_]*$"
# The most rows any file may hold (the study's files hold tens): every row reaches a table on
# a page. Files whose rows each draw a mark or bar in a figure have a lower limit of their own
# (Dataset.max_rows): past it the figure cannot show them apart, or grows too large to draw.
MAX_ROWS = 5_000


def col(
    dtype: str,
    unit: str,
    meaning: str,
    checks: list[pa.Check] | pa.Check | None = None,
    nullable: bool = False,
    unique: bool = False,
) -> pa.Column:
    """A schema column that also documents its unit and meaning (read by the data appendix)."""
    return pa.Column(
        dtype,
        checks=checks,
        nullable=nullable,
        unique=unique,
        coerce=True,
        description=meaning,
        metadata={"unit": unit},
    )


def count(meaning: str) -> pa.Column:
    return col("int64", "count", meaning, pa.Check.in_range(0, MAX_COUNT))


def month(meaning: str) -> pa.Column:
    return col("str", "YYYY-MM", meaning, pa.Check.str_matches(MONTH_PATTERN))


def optional_count(meaning: str) -> pa.Column:
    return col("Int64", "count", meaning, pa.Check.in_range(0, MAX_COUNT), nullable=True)


def printed(meaning: str) -> pa.Column:
    """A figure kept exactly as the source prints it ('>32', '~1700', '1.25M')."""
    return col("str", "text", meaning, pa.Check.str_length(min_value=1), nullable=True)


def quoted_source(source_column: str) -> dict[str, pa.Column]:
    """Every external row names its source, its address (where one was seen) and the quote."""
    return {
        source_column: label("Source of the figure"),
        "url": label("Address of the source, where one was seen", nullable=True),
        "quote": label("The source's exact words"),
    }


def label(meaning: str, allowed: list[str] | None = None, nullable: bool = False) -> pa.Column:
    checks = [pa.Check.isin(allowed)] if allowed else [pa.Check.str_length(min_value=1)]
    return col("str", "text", meaning, checks, nullable=nullable)


def year_and_month(first: int, last: int) -> dict[str, pa.Column]:
    """Year and month columns of a dated event."""
    return {
        "year": col("int64", "year", "Year", pa.Check.in_range(first, last)),
        "month": col("int64", "month", "Month", pa.Check.in_range(1, 12)),
    }


CLEARANCE_MEASURES = {
    "area_m2": col(
        "int64", "m²", "Area of land cleared", pa.Check.in_range(0, CAMBODIA_AREA_M2)
    ),
    "ap_mines": count("Anti-personnel mines found or destroyed"),
    "at_mines": count("Anti-tank mines found or destroyed"),
    "uxo": count("Items of unexploded ordnance found or destroyed"),
}


def schema(columns: dict[str, pa.Column], name: str) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, strict=True, ordered=True, coerce=True, name=name)


@dataclass(frozen=True)
class Dataset:
    """One data file: where it is, what it holds, where it came from and how it is checked."""

    name: str
    title: str
    provenance: str
    schema: pa.DataFrameSchema
    extra_checks: tuple[Callable[[pd.DataFrame, Path], None], ...] = field(default=())
    max_rows: int = MAX_ROWS
    drawn_as: str = ""  # what each row becomes in a figure, for the message past max_rows

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def path(self, folder: Path | None = None) -> Path:
        """Where the file is: in ``folder``, or in the project's data/ folder."""
        return (folder or data_dir()) / self.filename


# --- checks that span rows or files -------------------------------------------------------


def check_consecutive_years(first: int, last: int) -> Callable[[pd.DataFrame, Path], None]:
    def check(frame: pd.DataFrame, path: Path) -> None:
        years = frame["year"].tolist()
        expected = list(range(first, last + 1))
        missing = sorted(set(expected) - set(years))
        extra = sorted(set(years) - set(expected))
        if missing:
            raise DataError(
                path,
                f"year {missing[0]} is missing (every year {first}–{last} is expected)",
                column="year",
                more=[f"year {y} is missing" for y in missing[1:]],
            )
        if extra:
            row = years.index(extra[0]) + 1
            raise DataError(path, f"year {extra[0]} is outside {first}–{last}", row, "year")
        for row, (got, want) in enumerate(zip(years, expected, strict=True), start=1):
            if got != want:
                raise DataError(path, f"year {got} is out of order (expected {want})", row, "year")

    return check


def check_contiguous_periods(frame: pd.DataFrame, path: Path) -> None:
    starts = pd.PeriodIndex(frame["start_month"], freq="M")
    ends = pd.PeriodIndex(frame["end_month"], freq="M")
    for row in range(len(frame)):
        if ends[row] < starts[row]:
            raise DataError(
                path,
                f"period ends ({ends[row]}) before it starts ({starts[row]})",
                row + 1,
                "end_month",
            )
        if row and starts[row] != ends[row - 1] + 1:
            raise DataError(
                path,
                f"period starts {starts[row]} but the one before ends {ends[row - 1]}: "
                "periods must follow on without gap or overlap",
                row + 1,
                "start_month",
            )


def check_published_total(frame: pd.DataFrame, path: Path) -> None:
    """The Total row as printed must equal the sum of the rows above it."""
    total_set = DATASETS["clearance_1992_1999_published_total"]
    total = load(total_set.name, path.parent)
    for column in CLEARANCE_MEASURES:
        printed, summed = int(total.at[0, column]), int(frame[column].sum())
        if printed != summed:
            raise DataError(
                total_set.path(path.parent),
                f"published total {printed:,} does not match the sum of the rows in "
                f"{display_path(path)}, {summed:,} (difference {printed - summed:+,})",
                1,
                column,
            )


def check_source_ids(frame: pd.DataFrame, path: Path) -> None:
    known = set(load("sources", path.parent)["source_id"])
    for row, source_id in enumerate(frame["source_id"], start=1):
        if source_id not in known:
            raise DataError(
                path, f"source '{source_id}' is not listed in data/sources.csv", row, "source_id"
            )


QUALIFIER_WORDS = {
    "~": r"about|approximately|roughly|around|nearly|almost|some",
    ">": r"over|more than|above|exceeding",
}


def check_qualifiers_kept(*columns: str) -> Callable[[pd.DataFrame, Path], None]:
    """A figure the quote gives as "about N" must be printed "~N", and "over N" as ">N"."""

    def check(frame: pd.DataFrame, path: Path) -> None:
        for row, record in enumerate(frame.to_dict("records"), start=1):
            for column in columns:
                printed_value = record[column]
                if printed_value is None or pd.isna(printed_value):
                    continue
                number = re.fullmatch(r"\s*[>~]?\s*(\d[\d,]*(?:\.\d+)?)\s*", str(printed_value))
                if not number:
                    continue
                digits = number.group(1).replace(",", "")
                whole, _, fraction = digits.partition(".")
                shapes = {whole, f"{int(whole):,}"}
                written = "|".join(
                    re.escape(w + ("." + fraction if fraction else "")) for w in shapes
                )
                for mark, words in QUALIFIER_WORDS.items():
                    said = re.search(
                        rf"\b(?:{words})\s+(?:{written})(?![\d.,]\d)", record["quote"], re.I
                    )
                    if said and not str(printed_value).strip().startswith(mark):
                        raise DataError(
                            path,
                            f"the quote says {said.group(0)!r} but the figure is printed "
                            f"{printed_value!r}: write it '{mark}{number.group(1)}' to keep "
                            "the qualifier",
                            row,
                            column,
                        )

    return check


# --- the registry -------------------------------------------------------------------------

JICA = "JICA report (Komukai), "
EXTERNAL = "Copied unchanged from the study's collection of published national figures: "

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "sources",
            "The source documents",
            "The two documents the book is built from: the JICA report and the CMAC news item.",
            schema(
                {
                    "source_id": label("Short identifier used by other files"),
                    "author": label("Author or issuing body"),
                    "title": label("Title of the document"),
                    "publisher": label("Publisher"),
                    "year": col(
                        "int64", "year", "Year of publication", pa.Check.in_range(1990, 2030)
                    ),
                    "date_basis": label("Whether the date is stated in the document or inferred"),
                    "file": label("Plain-text copy of the document"),
                },
                "sources",
            ),
        ),
        Dataset(
            "conflict_chronology",
            "Chronology of conflict in Cambodia, 1970–1998",
            JICA
            + "table 'Chronology of conflict in Cambodia'. Events paraphrased as short labels.",
            schema(
                {
                    "year": col(
                        "int64", "year", "Year of the event", pa.Check.in_range(1970, 1998)
                    ),
                    "order": col(
                        "int64", "rank", "Order of the event within its year", pa.Check.ge(1)
                    ),
                    "category": label(
                        "Kind of event (assigned by this project)",
                        [
                            "armed conflict",
                            "regime change",
                            "peace process",
                            "UN mission",
                            "elections and government",
                            "international context",
                        ],
                    ),
                    "event": label("The event, in this project's words"),
                },
                "conflict_chronology",
            ),
        ),
        Dataset(
            "clearance_1992_1999_published_total",
            "Total row of CMAC's clearance table for 1992–1999, as printed",
            JICA + "table 'CMAC's achievements in mine/UXO clearance during 1992–1999', Total row.",
            schema(
                {"row_label": label("Row label as printed", ["Total"]), **CLEARANCE_MEASURES},
                "clearance_1992_1999_published_total",
            ),
        ),
        Dataset(
            "clearance_1992_1999",
            "CMAC's mine/UXO clearance, 1992–1999",
            JICA + "table 'CMAC's achievements in mine/UXO clearance during 1992–1999' "
            "(data provided by CMAC). The first period's start month is an assumption: CMAC was "
            "created in June 1992.",
            schema(
                {
                    "period": label("Year or period as printed"),
                    "start_month": month("First month of the period"),
                    "end_month": month("Last month of the period"),
                    "start_basis": label(
                        "Whether the start month is printed or assumed", ["printed", "assumed"]
                    ),
                    **CLEARANCE_MEASURES,
                },
                "clearance_1992_1999",
            ),
            (check_contiguous_periods, check_published_total),
            max_rows=60,
            drawn_as="a bar of the item-mix figure (0.38 in tall)",
        ),
        Dataset(
            "clearance_2000_2012",
            "CMAC's mine/UXO clearance, 2000–2012",
            JICA + "table 'CMAC's achievements in mine/UXO clearance (2000–2012)' "
            "(data provided by CMAC).",
            schema(
                {
                    "year": col("int64", "year", "Calendar year", unique=True),
                    **CLEARANCE_MEASURES,
                },
                "clearance_2000_2012",
            ),
            (check_consecutive_years(2000, 2012),),
        ),
        Dataset(
            "japan_cambodia_events_1996_2000",
            "Japan's assistance for CMAC and related events, 1996–2000",
            JICA + "table 'Japan's assistance for CMAC; major events of the Governments of "
            "Cambodia and Japan'. Events paraphrased; 'actor' is the table column they sit in.",
            schema(
                {
                    **year_and_month(1996, 2000),
                    "actor": label(
                        "Column of the source table",
                        ["Cambodia", "Japan", "Japan's assistance to CMAC"],
                    ),
                    "kind": label(
                        "Kind of event (assigned by this project)",
                        [
                            "treaty",
                            "conference",
                            "policy",
                            "funding",
                            "mission",
                            "equipment",
                            "expert",
                        ],
                    ),
                    "event": label("The event, in this project's words"),
                },
                "japan_cambodia_events_1996_2000",
            ),
            max_rows=100,
            drawn_as="a numbered mark on the events figure's time line",
        ),
        Dataset(
            "south_south_calendar",
            "CMAC's South-South cooperation calendar, 2009–2015",
            JICA + "table 'CMAC's South-South cooperation calendar'. Symbols mapped to kinds: "
            "open star = visit or meeting, filled star = training or workshop, dot = related "
            "milestone. Activities paraphrased.",
            schema(
                {
                    **year_and_month(2009, 2015),
                    "partner": label(
                        "Partner column of the source table",
                        ["Colombia", "Laos", "Angola", "Other"],
                    ),
                    "kind": label(
                        "Kind of activity",
                        ["visit or meeting", "training or workshop", "related milestone"],
                    ),
                    "activity": label("The activity, in this project's words"),
                    "place": label("Place, where the source states it", nullable=True),
                },
                "south_south_calendar",
            ),
            max_rows=100,
            drawn_as="a numbered mark on the calendar figure's time line",
        ),
        Dataset(
            "uxo_lao_workshops",
            "Workshops of the CMAC–UXO Lao South-South cooperation, 2012–2014",
            JICA + "table 'Achievements in workshops held under CMAC-UXO Lao South-South "
            "cooperation'. Themes paraphrased; durations in days derived (1 week = 7 days).",
            schema(
                {
                    "workshop": col(
                        "int64", "number", "Workshop number", pa.Check.in_range(1, 6), unique=True
                    ),
                    "theme": label("Theme, in this project's words"),
                    "start_month": month("Month held"),
                    "duration_printed": label("Duration as printed"),
                    "duration_days": col(
                        "int64", "days", "Duration in days", pa.Check.in_range(1, 31)
                    ),
                    "country": label("Host country", ["Cambodia", "Laos"]),
                },
                "uxo_lao_workshops",
            ),
        ),
        Dataset(
            "casualties_monitor",
            "National mine/ERW casualties per year, Landmine Monitor, 1998–2017",
            EXTERNAL + "casualties_monitor.csv (Landmine & Cluster Munition Monitor reports); "
            "2000 and 2004 are missing.",
            schema(
                {
                    "year": col(
                        "int64", "year", "Calendar year", pa.Check.in_range(1979, 2030), unique=True
                    ),
                    "casualties_total": count("People killed or injured"),
                    "killed": optional_count("People killed"),
                    "injured": optional_count("People injured"),
                    **quoted_source("report"),
                },
                "casualties_monitor",
            ),
        ),
        Dataset(
            "casualties_press",
            "National casualties from CMAA/CMVIS figures quoted by the press, 1979–2024",
            EXTERNAL + "casualties_press.csv. Several years have conflicting reports; all are "
            "kept.",
            schema(
                {
                    "year": col("int64", "year", "Calendar year", pa.Check.in_range(1979, 2030)),
                    "casualties_total": count("People killed or injured"),
                    "killed": optional_count("People killed"),
                    "injured_incl_amputated": optional_count(
                        "People injured, amputations included"
                    ),
                    **quoted_source("source"),
                },
                "casualties_press",
            ),
        ),
        Dataset(
            "casualties_cumulative_since_1979",
            "Cumulative national casualties since 1979, 2009–2024",
            EXTERNAL + "casualties_cumulative_since_1979.csv.",
            schema(
                {
                    "as_of": label("Date of the count, as printed (YYYY-MM)"),
                    "cumulative_total": count("People killed or injured since 1979"),
                    "cumulative_killed": optional_count("People killed since 1979"),
                    "cumulative_injured": optional_count("People injured since 1979"),
                    "url": label("Address of the source", nullable=True),
                    "quote": label("The source's words"),
                },
                "casualties_cumulative_since_1979",
            ),
        ),
        Dataset(
            "national_clearance",
            "National area cleared or released per year (all operators), 1999–2024",
            "Copied from the study's collection of published national figures with one "
            "change: the 1999 area is marked '~11.9' because the Monitor's words are 'about "
            "11.9'. Definitions change between rows (clearance, cancellation, release; armed "
            "forces in or out); figures kept as printed.",
            schema(
                {
                    "year": label("Year or period, as printed"),
                    "measure": label("What the figure counts, as the source words it"),
                    "area_km2": printed("Area, km², as printed ('>' kept)"),
                    "ap_mines": optional_count("Anti-personnel mines"),
                    "at_mines": optional_count("Anti-tank mines"),
                    "uxo_erw": optional_count("UXO or other ERW"),
                    **quoted_source("source"),
                },
                "national_clearance",
            ),
            (check_qualifiers_kept("area_km2"),),
        ),
        Dataset(
            "national_clearance_cumulative",
            "National cumulative area and items since 1992",
            EXTERNAL + "national_clearance_cumulative.csv; rounding and scope differ.",
            schema(
                {
                    "period": label("Period covered, as printed"),
                    "cum_area_km2": printed("Cumulative area, km², as printed"),
                    "cum_ap_mines": printed("Cumulative anti-personnel mines, as printed"),
                    "cum_at_mines": printed("Cumulative anti-tank mines, as printed"),
                    "cum_erw": printed("Cumulative ERW, as printed"),
                    **quoted_source("source"),
                },
                "national_clearance_cumulative",
            ),
            (check_qualifiers_kept("cum_area_km2", "cum_ap_mines", "cum_at_mines", "cum_erw"),),
        ),
        Dataset(
            "cmac_other_figures",
            "CMAC's figures outside the JICA table (averages, later years, cumulative)",
            "Copied from the study's collection of published national figures with one "
            "change: the January–April 2020 area is marked '~30' because the words are "
            "'almost 30'.",
            schema(
                {
                    "period": label("Period, as printed"),
                    "measure": label("What the figure counts"),
                    "area_km2": printed("Area, km², as printed"),
                    "ap_mines": optional_count("Anti-personnel mines"),
                    "at_mines": optional_count("Anti-tank mines"),
                    "uxo": optional_count("UXO"),
                    **quoted_source("source"),
                },
                "cmac_other_figures",
            ),
            (check_qualifiers_kept("area_km2"),),
        ),
        Dataset(
            "remaining_contamination",
            "Estimates of the remaining contaminated area",
            EXTERNAL + "remaining_contamination.csv. Scopes differ (AP mines only, all mines, "
            "mines plus cluster munitions and ERW): not one series.",
            schema(
                {
                    "as_of": label("Date of the estimate, as printed"),
                    "estimate_km2": label("Estimate, as printed, with its scope"),
                    **quoted_source("source"),
                },
                "remaining_contamination",
            ),
        ),
        Dataset(
            "article5_deadlines",
            "Cambodia's Ottawa Convention Article 5 clearance deadlines",
            EXTERNAL + "article5_deadlines.csv.",
            schema(
                {
                    "step": label("Step, as printed"),
                    "deadline": label("Deadline, as printed"),
                    **quoted_source("source"),
                },
                "article5_deadlines",
            ),
            max_rows=20,
            drawn_as="a labelled mark on the deadlines time line",
        ),
        Dataset(
            "text_figures",
            "Figures stated in the text of the source documents",
            "Single figures and dates stated in the prose (not the tables) of the two sources; "
            "'section' names where each is found.",
            schema(
                {
                    "key": col(
                        "str", "text", "Identifier", pa.Check.str_matches(SNAKE_CASE), unique=True
                    ),
                    "value": col("float64", "see unit", "The figure"),
                    "unit": label("Unit of the figure"),
                    "month": col(
                        "Int64",
                        "month",
                        "Month, for dates",
                        pa.Check.in_range(1, 12),
                        nullable=True,
                    ),
                    "qualifier": label("How exact the source is", ["exact", "about", "more than"]),
                    "description": label("What the figure is, in this project's words"),
                    "source_id": label("Document, from data/sources.csv"),
                    "section": label("Section or table of the document"),
                },
                "text_figures",
            ),
            (check_source_ids,),
        ),
    ]
}


# --- reading ------------------------------------------------------------------------------


def check_data_file(path: Path, project: Path) -> None:
    """A registered data file must be a regular file inside the project: not a folder, a
    device or pipe, a link to nothing, or a link that leads out of the project."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            raise DataError(path, f"is a link to nothing (it points to {os.readlink(path)})")
        if not target.is_relative_to(project.resolve()):
            raise DataError(path, f"is a link that leads outside the project, to {target}")
    if not path.exists():
        raise DataError(path, "file not found")
    if path.is_dir():
        raise DataError(path, "is a folder where a data file is expected")
    if not path.is_file():
        raise DataError(path, "is not a regular file (a device, pipe or socket?)")


def check_data_folder(folder: Path | None = None) -> list[Path]:
    """The data folder holds exactly the registered files, each a proper file; returns their
    paths. Anything else (an unknown file, two names that differ only in case) is an error
    that names it, so only registered, validated files are ever published."""
    folder = folder or data_dir()
    if not folder.is_dir():
        raise DataError(folder, "the data folder is missing")
    registered = {dataset.filename for dataset in DATASETS.values()}
    entries = sorted(folder.iterdir())
    seen: dict[str, str] = {}
    for entry in entries:
        other = seen.setdefault(entry.name.lower(), entry.name)
        if other != entry.name:
            raise DataError(entry, f"differs from {other} only in letter case")
    for entry in entries:
        if entry.name not in registered:
            raise DataError(
                entry,
                "is not a registered data file: remove it, or register it in cmac.data.DATASETS "
                "with its schema and provenance",
            )
    paths = [folder / name for name in sorted(registered)]
    for path in paths:
        check_data_file(path, folder.resolve().parent)
    return paths


def read_csv_text(path: Path) -> str:
    """The file's text, or a DataError if it is missing, not a file, or not UTF-8."""
    check_data_file(path, path.absolute().parent.parent)  # the project holding data/
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    if raw.startswith(codecs.BOM_UTF8):
        raise DataError(
            path,
            "starts with a byte-order mark (BOM), which would become part of the first column "
            "name; save it as UTF-8 without a BOM",
            row=None,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            path,
            f"not valid UTF-8 at byte {exc.start} (file line {line}); save it as UTF-8",
            row=line - 1 if line > 1 else None,
        ) from None


def parse_csv(path: Path, text: str, expected_columns: list[str]) -> pd.DataFrame:
    """Parse as strings; pandera coerces types so that bad values are reported per cell."""
    # strict: an unbalanced quote is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text), strict=True)
    rows: list[list[str]] = []
    first_line = 1  # the file line the next record starts on
    try:
        for cells in reader:
            if reader.line_num != first_line:  # a quoted field ran over a line break
                raise DataError(
                    path,
                    f"the record that starts on line {first_line} runs to line "
                    f"{reader.line_num}: a quoted field holds a line break (an unclosed quote?)",
                    row=first_line - 1 if first_line > 1 else None,
                )
            rows.append(cells)
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(
            path,
            f"cannot be read as CSV from line {first_line} on: {exc} (an unclosed quote?)",
            row=first_line - 1 if first_line > 1 else None,
        ) from None
    if not rows:
        raise DataError(path, "file is empty (no header line)")
    header, body = rows[0], rows[1:]
    if len(header) != len(set(header)):
        raise DataError(path, f"header repeats a column name: {header}")
    for row_number, cells in enumerate(body, start=1):
        if cells and len(cells) != len(header):
            raise DataError(
                path,
                f"has {len(cells)} fields but the header has {len(header)} "
                "(a truncated or mis-quoted line?)",
                row_number,
            )
    missing = [c for c in expected_columns if c not in header]
    if missing:
        raise DataError(path, f"required column is missing (header: {header})", column=missing[0])
    unexpected = [c for c in header if c not in expected_columns]
    if unexpected:
        raise DataError(path, "column is not in the schema", column=unexpected[0])
    for row_number, cells in enumerate([r for r in body if r], start=1):
        for name, cell in zip(header, cells, strict=True):
            check_characters(path, cell, row_number, name)
    frame = pd.DataFrame([r for r in body if r], columns=header, dtype=object)
    return frame.replace({"": None}).reindex(columns=expected_columns)


def check_characters(path: Path, cell: str, row: int, column: str) -> None:
    """Refuse a control or bidirectional-control character, naming it."""
    for char in cell:
        if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            name = unicodedata.name(char, "control character")
            raise DataError(
                path,
                f"holds an invisible character U+{ord(char):04X} ({name}); remove it",
                row,
                column,
            )


def check_plain_numbers(path: Path, frame: pd.DataFrame, schema: pa.DataFrameSchema) -> None:
    """Every number cell is ASCII digits (:data:`PLAIN_INTEGER`, :data:`PLAIN_DECIMAL`), before
    the schema converts it; every such cell is listed."""
    problems = []
    for name, column in schema.columns.items():
        kind = str(column.dtype)
        if kind not in ("int64", "Int64", "float64"):
            continue
        pattern = PLAIN_DECIMAL if kind == "float64" else PLAIN_INTEGER
        what = (
            "a decimal number written in the digits 0-9"
            if kind == "float64"
            else "a whole number written in the digits 0-9 (no +, _, separator or exponent)"
        )
        for row, cell in enumerate(frame[name], start=1):
            if cell is not None and not pattern.fullmatch(cell):
                problems.append((row, name, f"value {cell!r} is not {what}"))
    if problems:
        problems.sort()
        (row, name, problem), more = problems[0], problems[1:]
        raise DataError(
            path, problem, row, name, [f"row {r}, column '{c}': {p}" for r, c, p in more]
        )


def describe_failure(case: pd.Series) -> str:
    check = str(case["check"])
    value = case["failure_case"]
    if check == "not_nullable" or value is None or (isinstance(value, float) and pd.isna(value)):
        return "value is missing"
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        return f"value {value!r} is not of type {check.split('(')[-1].rstrip(')')}"
    if check == "field_uniqueness":
        return f"value {value!r} is repeated (must be unique)"
    return f"value {value!r} fails check {check}"


def schema_error(path: Path, errors: SchemaErrors) -> DataError:
    cases = errors.failure_cases.copy()
    cases["row"] = pd.to_numeric(cases["index"], errors="coerce") + 1
    # A column that failed type coercion also fails its value checks as a whole column
    # (with no row); those follow-on failures only add noise.
    is_type = cases["check"].astype(str).str.match(r"(coerce_)?dtype")
    bad_type_columns = set(cases.loc[is_type, "column"])
    cases = cases[~(cases["column"].isin(bad_type_columns) & ~is_type & cases["row"].isna())]
    cases = cases.sort_values(["row", "column"], na_position="first", kind="stable")
    messages = list(
        dict.fromkeys(
            (None if pd.isna(c["row"]) else int(c["row"]), c["column"], describe_failure(c))
            for _, c in cases.iterrows()
        )
    )
    row, column, problem = messages[0]
    more = [
        f"row {r}, column '{c}': {p}" if r is not None else f"column '{c}': {p}"
        for r, c, p in messages[1:]
    ]
    return DataError(path, problem, row, column, more)


def read_validated(
    path: Path, dataset_schema: pa.DataFrameSchema, max_rows: int = MAX_ROWS, drawn_as: str = ""
) -> pd.DataFrame:
    """Read one CSV and validate it against its schema; DataError on any problem."""
    frame = parse_csv(path, read_csv_text(path), list(dataset_schema.columns))
    if frame.empty:
        raise DataError(path, "file has a header but no data rows")
    if len(frame) > max_rows:
        why = f"each row is {drawn_as}, and more" if drawn_as else "more"
        raise DataError(
            path,
            f"has {len(frame):,} rows; at most {max_rows:,} are accepted ({why} would not fit; "
            "split the file or raise the limit in cmac.data)",
        )
    check_plain_numbers(path, frame, dataset_schema)
    try:
        return dataset_schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        raise schema_error(path, errors) from None


def load(name: str, folder: Path | None = None) -> pd.DataFrame:
    """Load the named data file from ``folder`` (default: the project's data/), validated;
    the only way chapters read data."""
    try:
        dataset = DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from None
    path = dataset.path(folder)
    frame = read_validated(path, dataset.schema, dataset.max_rows, dataset.drawn_as)
    for check in dataset.extra_checks:
        check(frame, path)
    return frame


def load_all(folder: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every registered file, validated, in a folder that holds nothing else: the build runs
    this before any chapter."""
    check_data_folder(folder)
    return {name: load(name, folder) for name in DATASETS}


def text_figure(key: str, folder: Path | None = None) -> float:
    """One figure stated in the sources' prose, by its key."""
    figures = load("text_figures", folder).set_index("key")
    if key not in figures.index:
        raise KeyError(f"no text figure {key!r} in data/text_figures.csv")
    return float(figures.at[key, "value"])


PATTERN_NAMES = {
    MONTH_PATTERN: "a month, YYYY-MM, 1950-01 to 2049-12",
    SNAKE_CASE: "lower case, digits and _",
}
TYPE_NAMES = {
    "str": "text",
    "string[python]": "text",
    "int64": "integer",
    "Int64": "integer",
    "float64": "number",
}


def describe_check(check: pa.Check, unit: str = "") -> str:
    """A check in words, its numbers printed as the unit's values are everywhere else in the
    book (:data:`cmac.results.DEFAULT_FORMATS`: years as "1990", counts as "100,000,000")."""
    stats = check.statistics or {}
    number = DEFAULT_FORMATS.get(unit, "{:,}")
    if check.name == "isin":
        return "one of: " + ", ".join(map(str, stats["allowed_values"]))
    if check.name == "str_matches":
        return PATTERN_NAMES.get(stats["pattern"], f"matches {stats['pattern']}")
    symbols = {"greater_than_or_equal_to": "≥", "less_than_or_equal_to": "≤"}
    if check.name in symbols:
        return f"{symbols[check.name]} {next(iter(stats.values()))}"
    if check.name == "in_range":
        return f"{number.format(stats['min_value'])} to {number.format(stats['max_value'])}"
    if check.name == "str_length":
        return "not blank"
    return check.name


def schema_table(name: str) -> pd.DataFrame:
    """The documented schema of one file: column, type, unit, meaning and checks."""
    columns = DATASETS[name].schema.columns
    return pd.DataFrame(
        {
            "Column": list(columns),
            "Type": [TYPE_NAMES.get(str(c.dtype), str(c.dtype)) for c in columns.values()],
            "Unit": [(c.metadata or {}).get("unit", "") for c in columns.values()],
            "Meaning": [c.description or "" for c in columns.values()],
            "Checks": [
                "; ".join(
                    (["optional"] if c.nullable else ["required"])
                    + [
                        ("if given, " if c.nullable and i == 0 else "")
                        + describe_check(k, (c.metadata or {}).get("unit", ""))
                        for i, k in enumerate(c.checks)
                    ]
                    + (["unique"] if c.unique else [])
                )
                for c in columns.values()
            ],
        }
    )


def files_table(folder: Path | None = None) -> pd.DataFrame:
    """Every data file with its row count, title and provenance."""
    return pd.DataFrame(
        [
            {
                "File": f"data/{d.filename}",
                "Rows": len(load(d.name, folder)),
                "Holds": d.title,
                "Provenance": d.provenance,
            }
            for d in DATASETS.values()
        ]
    )


def files_findings(files: pd.DataFrame) -> list[Finding]:
    """The appendix's count of data files and rows (``files``: :func:`files_table`)."""
    return [
        Finding("n_files", len(files), "count", "Data files"),
        Finding("n_rows", int(files["Rows"].sum()), "count", "Data rows in all files"),
    ]


def schema_findings(schemas: dict[str, pd.DataFrame]) -> list[Finding]:
    """The schemas page's count of documented columns (``schemas``: :func:`schema_table` by
    file)."""
    columns = sum(len(table) for table in schemas.values())
    return [Finding("n_columns", columns, "count", "Columns documented in the data files' schemas")]


def sources_findings(sources: pd.DataFrame) -> list[Finding]:
    """The appendix's count of source documents, and the year given to the undated report."""
    return [
        Finding("n_sources", len(sources), "count", "Source documents"),
        Finding("jica_year", int(sources.set_index("source_id").at["jica_report", "year"]),
                "year", "Year assigned to the undated JICA report"),
    ]
