"""Rows that would make a figure too large to draw are refused first, by file, with the limit
stated (issue 23, class 11): today 3,000 valid calendar rows ended, after 99 s, in Pillow's
unnamed DecompressionBombError."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from cmac import plots
from cmac.book.build import main as build_main
from cmac.data import DATASETS, MAX_ROWS, load, load_all
from cmac.errors import DataError, FigureTooLarge

matplotlib.use("Agg")


def repeat_rows(path: Path, rows: int) -> None:
    """The file with its data rows repeated to ``rows`` rows: every row valid."""
    header, *body = path.read_text().splitlines()
    path.write_text("\n".join([header] + [body[i % len(body)] for i in range(rows)]) + "\n")


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("south_south_calendar", 100),
        ("japan_cambodia_events_1996_2000", 100),
        ("article5_deadlines", 20),
    ],
)
def test_3000_valid_rows_are_refused_at_once_with_the_limit(
    data_copy: Path, name: str, limit: int
) -> None:
    repeat_rows(data_copy / f"{name}.csv", 3000)
    started = time.perf_counter()
    with pytest.raises(DataError) as caught:
        load(name, data_copy)
    assert time.perf_counter() - started < 5
    assert str(caught.value).startswith(
        f"{data_copy / name}.csv: has 3,000 rows; at most {limit} are accepted (each row is a"
    )


def test_every_file_has_a_row_limit(data_copy: Path) -> None:
    repeat_rows(data_copy / "casualties_press.csv", MAX_ROWS + 1)
    with pytest.raises(DataError, match=f"at most {MAX_ROWS:,} are accepted"):
        load_all(data_copy)


def test_the_build_names_the_file_before_any_chapter_runs(
    data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_bad_input import project_with

    repeat_rows(data_copy / "south_south_calendar.csv", 3000)
    out = tmp_path / "build"
    assert build_main(["--root", str(project_with(data_copy)), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "south_south_calendar.csv: has 3,000 rows; at most 100 are accepted" in err
    assert "cache/data" not in err and not list(out.glob("cache/*/*.ipynb"))


def test_a_figure_taller_than_the_limit_is_refused_before_drawing() -> None:
    with pytest.raises(FigureTooLarge, match="at most 30 in"):
        plots.new_figure(plots.MAX_HEIGHT_IN + 1)
    with pytest.raises(FigureTooLarge):
        plots.item_mix_bars(pd.Series([f"p{i}" for i in range(100)]), pd.DataFrame())


def test_the_limits_of_the_files_keep_their_figures_drawable(data_copy: Path) -> None:
    """At its row limit, the tallest figure of rows (the 1992–1999 item mix) still fits."""
    limit = DATASETS["clearance_1992_1999"].max_rows
    assert 0.38 * limit + 1.5 <= plots.MAX_HEIGHT_IN


def test_an_events_lane_with_more_marks_than_fit_is_refused() -> None:
    events = pd.DataFrame(
        {"year": [2010] * 200, "month": [1] * 200, "partner": ["Laos"] * 200,
         "kind": ["visit or meeting"] * 200, "number": range(1, 201)}
    )  # fmt: skip
    with pytest.raises(FigureTooLarge, match="lane 'Laos' has more events"):
        plots.event_lanes(events, "partner", ["Laos"], "kind", plots.KIND_MARKERS)


JAPAN_AID = "Japan's assistance to CMAC"


@pytest.mark.parametrize(
    ("name", "lane", "lanes"),
    [
        ("japan_cambodia_events_1996_2000", "actor", ["Cambodia", "Japan", JAPAN_AID]),
        ("south_south_calendar", "partner", ["Colombia", "Laos", "Angola", "Other"]),
    ],
)  # fmt: skip
def test_the_books_own_events_fit_their_lanes(name: str, lane: str, lanes: list[str]) -> None:
    events = load(name)
    events.insert(0, "number", range(1, len(events) + 1))
    figure = plots.event_lanes(events, lane, lanes, "kind")
    assert figure.get_size_inches()[1] <= plots.MAX_HEIGHT_IN
