"""Every kind of broken data file gives a DataError that names the file, row and column."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cmac.book.build import main as build_main
from cmac.data import check_data_folder, load
from cmac.errors import DataError


def replace_in(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} not in file"
    return text.replace(old, new, 1)


def drop_line(text: str, start: str) -> str:
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(start)]
    assert len(kept) == len(lines) - 1
    return "".join(kept)


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Callable[[str], str | bytes]
    dataset: str
    row: int | None
    column: str | None
    words: str
    error_file: str | None = None  # when the error names another file than the edited one


CASES = [
    Case(
        "text in a number column",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2003,9708686", "2003,9.7 million"),
        "clearance_2000_2012",
        4,
        "area_m2",
        "is not a whole number",
    ),
    Case(
        "negative count",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, ",32688,", ",-32688,"),
        "clearance_2000_2012",
        3,
        "ap_mines",
        "in_range(0, 100000000)",
    ),
    Case(
        "duplicate year",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2007,27666058", "2006,27666058"),
        "clearance_2000_2012",
        7,
        "year",
        "repeated",
    ),
    Case(
        "missing year",
        "clearance_2000_2012.csv",
        lambda t: drop_line(t, "2008,"),
        "clearance_2000_2012",
        None,
        "year",
        "year 2008 is missing",
    ),
    Case(
        "years out of order",
        "clearance_2000_2012.csv",
        lambda t: replace_in(
            replace_in(t, "2001,9637455", "XXXX"), "2002,11582239", "2001,11582239"
        ).replace("XXXX", "2002,9637455"),
        "clearance_2000_2012",
        2,
        "year",
        "out of order",
    ),
    Case(
        "missing column",
        "clearance_2000_2012.csv",
        lambda t: "\n".join(",".join(line.split(",")[:4]) for line in t.splitlines()) + "\n",
        "clearance_2000_2012",
        None,
        "uxo",
        "required column is missing",
    ),
    Case(
        "unexpected column",
        "uxo_lao_workshops.csv",
        lambda t: t.replace("\n", ",x\n").replace("country,x", "country,notes"),
        "uxo_lao_workshops",
        None,
        "notes",
        "not in the schema",
    ),
    Case(
        "empty cell",
        "clearance_1992_1999.csv",
        lambda t: replace_in(t, "1996-12,printed,10493654", "1996-12,printed,"),
        "clearance_1992_1999",
        4,
        "area_m2",
        "missing",
    ),
    Case(
        "truncated line",
        "clearance_2000_2012.csv",
        lambda t: t[: t.index("2012,") + len("2012,7669")],
        "clearance_2000_2012",
        13,
        None,
        "fields but the header has",
    ),
    Case(
        "published total does not match",
        "clearance_1992_1999_published_total.csv",
        lambda t: replace_in(t, "105693", "105694"),
        "clearance_1992_1999",
        1,
        "ap_mines",
        "does not match the sum",
    ),
    Case(
        "row changed so the total no longer matches",
        "clearance_1992_1999.csv",
        lambda t: replace_in(t, "15565421", "15565420"),
        "clearance_1992_1999",
        1,
        "area_m2",
        "does not match the sum",
        error_file="clearance_1992_1999_published_total.csv",
    ),
    Case(
        "gap between periods",
        "clearance_1992_1999.csv",
        lambda t: replace_in(t, "1993-11,1994-12", "1994-01,1994-12"),
        "clearance_1992_1999",
        2,
        "start_month",
        "gap or overlap",
    ),
    Case(
        "badly formed month",
        "uxo_lao_workshops.csv",
        lambda t: replace_in(t, "2013-06", "June 2013"),
        "uxo_lao_workshops",
        3,
        "start_month",
        "str_matches",
    ),
    Case(
        "category outside the allowed list",
        "south_south_calendar.csv",
        lambda t: replace_in(t, "2012,10,Angola", "2012,10,Peru"),
        "south_south_calendar",
        13,
        "partner",
        "isin",
    ),
    Case(
        "unknown source",
        "text_figures.csv",
        lambda t: replace_in(
            t,
            "more than,Heavy clearance machines provided through Japan,cmac_news_2025",
            "more than,Heavy clearance machines provided through Japan,cmac_news",
        ),
        "text_figures",
        31,
        "source_id",
        "not listed",
    ),
    Case(
        "wrong encoding (Latin-1)",
        "conflict_chronology.csv",
        lambda t: replace_in(t, "Pol Pot dies", "Pol Pöt dies").encode("latin-1", "replace"),
        "conflict_chronology",
        21,
        None,
        "not valid UTF-8",
    ),
    Case(
        "wrong encoding (UTF-16)",
        "text_figures.csv",
        lambda t: t.encode("utf-16"),
        "text_figures",
        None,
        None,
        "not valid UTF-8",
    ),
    Case(
        "'about' dropped from a quoted figure",
        "national_clearance.csv",
        lambda t: replace_in(t, "1999,cleared,~11.9,", "1999,cleared,11.9,"),
        "national_clearance",
        1,
        "area_km2",
        "the quote says 'about 11.9'",
    ),
    Case(
        "'over' dropped from a quoted figure",
        "national_clearance.csv",
        lambda t: replace_in(t, "2004,cleared,>32,", "2004,cleared,32,"),
        "national_clearance",
        5,
        "area_km2",
        "printed '32': write it '>32'",
    ),
    Case("empty file", "sources.csv", lambda t: "", "sources", None, None, "empty"),
    Case(
        "header only",
        "sources.csv",
        lambda t: t.splitlines()[0] + "\n",
        "sources",
        None,
        None,
        "no data rows",
    ),
    Case(
        "byte-order mark",
        "clearance_2000_2012.csv",
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        "clearance_2000_2012",
        None,
        None,
        "starts with a byte-order mark (BOM)",
    ),
    Case(
        "field over the CSV field limit",
        "conflict_chronology.csv",
        lambda t: replace_in(t, "Lon Nol takes power", "x" * 200_000),
        "conflict_chronology",
        1,
        None,
        "field larger than field limit",
    ),
    Case(
        "Arabic-Indic digits in a year",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2003,9708686", "\u0662\u0660\u0660\u0663,9708686"),
        "clearance_2000_2012",
        4,
        "year",
        "is not a whole number written in the digits 0-9",
    ),
    Case(
        "full-width digits in a count",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, ",32688,", ",\uff13\uff12\uff16\uff18\uff18,"),
        "clearance_2000_2012",
        3,
        "ap_mines",
        "is not a whole number",
    ),
    Case(
        "underscore in a year",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2003,9708686", "2_003,9708686"),
        "clearance_2000_2012",
        4,
        "year",
        "is not a whole number",
    ),
    Case(
        "plus sign in a year",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2003,9708686", "+2003,9708686"),
        "clearance_2000_2012",
        4,
        "year",
        "is not a whole number",
    ),
    Case(
        "infinity as a figure",
        "text_figures.csv",
        lambda t: replace_in(t, "untac_start,1992,", "untac_start,inf,"),
        "text_figures",
        1,
        "value",
        "'inf' is not a decimal number",
    ),
    Case(
        "count near 2**63 (would wrap in an int64 sum)",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, ",32688,", ",9223372036854775000,"),
        "clearance_2000_2012",
        3,
        "ap_mines",
        "is not a whole number",
    ),
    Case(
        "count above the plausible maximum",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, ",32688,", ",999999999999999,"),
        "clearance_2000_2012",
        3,
        "ap_mines",
        "in_range(0, 100000000)",
    ),
    Case(
        "area larger than Cambodia",
        "clearance_2000_2012.csv",
        lambda t: replace_in(t, "2003,9708686", "2003,999999999999"),
        "clearance_2000_2012",
        4,
        "area_m2",
        "in_range(0, 181035000000)",
    ),
    Case(
        "month 0000-01",
        "clearance_1992_1999.csv",
        lambda t: replace_in(t, ",1992-06,", ",0000-01,"),
        "clearance_1992_1999",
        1,
        "start_month",
        "str_matches",
    ),
    Case(
        "month 9999-12",
        "clearance_1992_1999.csv",
        lambda t: replace_in(t, ",1993-10,", ",9999-12,"),
        "clearance_1992_1999",
        1,
        "end_month",
        "str_matches",
    ),
    Case(
        "unclosed quote that runs to the end",
        "conflict_chronology.csv",
        lambda t: replace_in(t, ",Lon Nol takes power", ',"Lon Nol takes power'),
        "conflict_chronology",
        1,
        None,
        "cannot be read as CSV from line 2 on",
    ),
    Case(
        "quote that swallows the next lines",
        "conflict_chronology.csv",
        lambda t: replace_in(
            replace_in(t, ",Lon Nol takes power", ',"Lon Nol takes power'),
            "War between",
            'x",War between',
        ),
        "conflict_chronology",
        1,
        None,
        "(an unclosed quote?)",
    ),
    Case(
        "bidirectional override in a text cell",
        "conflict_chronology.csv",
        lambda t: replace_in(t, "Lon Nol takes power", "Lon Nol \u202etakes power"),
        "conflict_chronology",
        1,
        "event",
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    Case(
        "NUL byte in a text cell",
        "conflict_chronology.csv",
        lambda t: replace_in(t, "Lon Nol takes power", "Lon Nol\x00 takes power"),
        "conflict_chronology",
        1,
        "event",
        "U+0000",
    ),
    Case(
        "carriage return inside a quoted cell",
        "conflict_chronology.csv",
        lambda t: replace_in(t, "Sihanouk is abroad\n", 'Sihanouk is\rabroad"\n').replace(
            ",Lon Nol takes", ',"Lon Nol takes', 1
        ),
        "conflict_chronology",
        1,
        "event",
        "U+000D",
    ),
]


def project_with(data: Path) -> Path:
    """A one-page project around a data folder, for the build to check."""
    root = data.parent
    (root / "chapters").mkdir(exist_ok=True)
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (root / "intro.md").write_text("# Intro\n")
    return root


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_gives_named_error(case: Case, data_copy: Path) -> None:
    path = data_copy / case.file
    write(path, case.edit(path.read_text(encoding="utf-8")))
    with pytest.raises(DataError) as caught:
        load(case.dataset, data_copy)
    error = caught.value
    assert error.path.name == (case.error_file or case.file)
    assert error.row == case.row
    assert error.column == case.column
    message = str(error)
    assert error.path.name in message
    assert case.words in message
    if case.row is not None:
        assert f"row {case.row}" in message
    if case.column is not None:
        assert f"column '{case.column}'" in message


def test_missing_file(data_copy: Path) -> None:
    (data_copy / "clearance_2000_2012.csv").unlink()
    with pytest.raises(DataError, match=r"clearance_2000_2012\.csv: file not found"):
        load("clearance_2000_2012", data_copy)


def test_every_problem_is_listed_not_only_the_first(data_copy: Path) -> None:
    path = data_copy / "clearance_2000_2012.csv"
    text = replace_in(path.read_text(), ",32688,", ",-32688,")
    write(path, replace_in(text, "2000,8369635", "2000,-1"))
    with pytest.raises(DataError) as caught:
        load("clearance_2000_2012", data_copy)
    assert (caught.value.row, caught.value.column) == (1, "area_m2")
    assert len(caught.value.more) == 1
    assert "row 3, column 'ap_mines'" in str(caught.value)


def test_every_number_that_is_not_plain_is_listed(data_copy: Path) -> None:
    path = data_copy / "clearance_2000_2012.csv"
    text = replace_in(path.read_text(), ",32688,", ",3e4,")
    write(path, replace_in(text, "2000,8369635", "2000,abc"))
    with pytest.raises(DataError) as caught:
        load("clearance_2000_2012", data_copy)
    assert (caught.value.row, caught.value.column) == (1, "area_m2")
    assert caught.value.more == [
        "row 3, column 'ap_mines': value '3e4' is not a whole number written in the digits 0-9 "
        "(no +, _, separator or exponent)"
    ]


def test_build_stops_before_any_chapter_runs(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_copy / "clearance_2000_2012.csv"
    write(path, replace_in(path.read_text(), ",32688,", ",-32688,"))
    assert (
        build_main(["--root", str(project_with(data_copy)), "--out", str(tmp_path / "build")]) == 1
    )
    err = capsys.readouterr().err
    assert "BUILD FAILED" in err
    assert "clearance_2000_2012.csv, row 3 (line 4), column 'ap_mines'" in err
    assert not list((tmp_path / "build").glob("cache/*/*.ipynb"))
    assert not (tmp_path / "build" / "html").exists()


def test_the_data_folder_holds_only_registered_files(data_copy: Path) -> None:
    assert len(check_data_folder(data_copy)) == 17
    (data_copy / "notes.txt").write_text("not data")
    with pytest.raises(DataError, match=r"notes\.txt: is not a registered data file"):
        check_data_folder(data_copy)


def test_names_that_differ_only_in_case_are_refused(data_copy: Path) -> None:
    (data_copy / "Sources.csv").write_text((data_copy / "sources.csv").read_text())
    with pytest.raises(DataError, match="differs from Sources.csv only in letter case"):
        check_data_folder(data_copy)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.symlink_to("/etc/hostname"), "a link that leads outside the project"),
        (lambda p: p.symlink_to(p.parent / "gone.csv"), "a link to nothing"),
        (lambda p: p.mkdir(), "a folder where a data file is expected"),
        (lambda p: os.mkfifo(p), "not a regular file"),
    ],
    ids=["link outside", "dangling link", "folder", "named pipe"],
)
def test_special_files_are_refused_by_name(
    data_copy: Path, make: Callable[[Path], None], words: str
) -> None:
    path = data_copy / "sources.csv"
    path.unlink()
    make(path)
    with pytest.raises(DataError, match=rf"sources\.csv: .*{words}"):
        check_data_folder(data_copy)
    with pytest.raises(DataError, match=words):
        load("sources", data_copy)


def test_a_link_inside_the_project_is_read(data_copy: Path) -> None:
    path = data_copy / "sources.csv"
    kept = data_copy.parent / "sources-original.csv"
    path.rename(kept)
    path.symlink_to(kept)
    assert len(load("sources", data_copy)) > 0


def test_build_names_an_unknown_file_in_data(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_copy / "extra.csv").write_text("a,b\n1,2\n")
    assert (
        build_main(["--root", str(project_with(data_copy)), "--out", str(tmp_path / "build")]) == 1
    )
    err = capsys.readouterr().err
    assert "BUILD FAILED" in err and "extra.csv: is not a registered data file" in err
    assert "Traceback" not in err
