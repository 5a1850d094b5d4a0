"""A run's parameters, checked where every chapter starts (``start_chapter``): a misspelt name
stops the run and names the nearest real one; a bad value stops it in one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cmac.errors import ParameterError
from cmac.params import (
    ModelParameters,
    assigned_names,
    check_chapter_parameters,
    check_names,
    check_period_start,
    check_run,
    injected_parameters,
    named_check,
)
from cmac.paths import PROJECT_ROOT

PARAMETERS_CELL = (
    "# Papermill parameters.\n"
    'scale = "log"  # "log" or "level"\n'
    "series_start = 2000\n"
    "seed: int = 2005\n"
    'data_dir = ""\n'
)
SETUP_CELL = "chapter = start_chapter(chapter_name, data_dir, results_dir, check=ModelParameters)"


def notebook(chapter: str) -> Path:
    return PROJECT_ROOT / "chapters" / f"{chapter}.ipynb"


def injected(**values: object) -> str:
    """A cell as papermill injects it."""
    return "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in values.items())


def test_a_cells_parameters_are_its_top_level_assignments() -> None:
    assert assigned_names(PARAMETERS_CELL) == ["scale", "series_start", "seed", "data_dir"]
    assert assigned_names("if x:\n    y = 1\nz = 2\n") == ["z"]


def test_the_injected_cell_and_the_parameters_cell_before_it_are_found() -> None:
    history = ["", "import os", PARAMETERS_CELL, injected(sclae="level"), SETUP_CELL]
    assert injected_parameters(history) == (
        ["sclae"],
        ["scale", "series_start", "seed", "data_dir"],
    )
    assert injected_parameters(["", PARAMETERS_CELL, SETUP_CELL]) is None  # run by hand


def test_the_latest_injected_cell_counts() -> None:  # a kept kernel: an earlier chapter's run
    history = ["", "a = 1", injected(a=2), PARAMETERS_CELL, injected(scale="level"), SETUP_CELL]
    assert injected_parameters(history) == (["scale"], assigned_names(PARAMETERS_CELL))


def test_a_misspelt_name_is_refused_with_the_nearest_real_one() -> None:
    with pytest.raises(ParameterError) as caught:
        check_names("05-trends-and-breaks", ["sclae"], ["scale", "series_start", "seed"])
    message = str(caught.value)
    assert message.startswith("'sclae' is not a parameter of 05-trends-and-breaks")
    assert "did you mean 'scale'?" in message
    assert "its parameters: scale, series_start, seed" in message


def test_a_name_nothing_resembles_gets_the_list_only() -> None:
    with pytest.raises(ParameterError, match="of ch; its parameters: scale") as caught:
        check_names("ch", ["zzzzzz"], ["scale"])
    assert "did you mean" not in str(caught.value)


def test_declared_names_and_papermills_own_pass() -> None:
    check_names("ch", ["scale", "PAPERMILL_INPUT_PATH"], ["scale"])


def test_check_run_refuses_a_misspelt_name_before_the_values() -> None:
    history = ["", PARAMETERS_CELL, injected(sclae="level"), SETUP_CELL]
    with pytest.raises(ParameterError, match="did you mean 'scale'"):
        check_run("05-trends-and-breaks", history, {"scale": "log", "sclae": "level"})


@pytest.mark.parametrize("value", ["banana", "1992-6", "1992-13", "", 199206, None])
@pytest.mark.parametrize("chapter", ["02-emergency-phase", "03-reform-and-growth"])
def test_first_period_start_is_checked_in_chapters_2_and_3(chapter: str, value: object) -> None:
    with pytest.raises(ParameterError, match="'first_period_start' = .*a month written YYYY-MM"):
        values = {"first_period_start": value, "data_dir": ""}
        check_run(chapter, [""], values, named_check(notebook(chapter)))


@pytest.mark.parametrize("value", ["1992-06", "1992-01", "1993-10"])
def test_a_good_first_period_start_passes(value: str) -> None:
    check_run("02-emergency-phase", [""], {"first_period_start": value}, check_period_start)


def test_values_are_checked_as_the_chapter_checks_them() -> None:
    with pytest.raises(ParameterError, match="'scale' = 'cubic'"):
        check_run("05-trends-and-breaks", [""], {"scale": "cubic"}, ModelParameters)
    with pytest.raises(ParameterError, match="'mines_rate_km2' = -1"):
        check_run(
            "08-national-context",
            [""],
            {"mines_rate_km2": -1, "deadline_year": 2030, "change_year": 2010},
            named_check(notebook("08-national-context")),
        )


def test_a_chapter_without_checks_or_outside_a_notebook_passes() -> None:
    check_run("01-context", [""], {}, named_check(notebook("01-context")))
    # not run from its notebook: nothing to check
    check_run("02-emergency-phase", [""], {}, check_period_start)


def test_each_chapter_names_its_own_check_in_its_setup_cell() -> None:
    """No registry: the build reads the check a notebook passes to start_chapter."""
    assert named_check(notebook("01-context")) is None
    assert named_check(notebook("02-emergency-phase")) is check_period_start
    assert named_check(notebook("05-trends-and-breaks")) is ModelParameters
    with pytest.raises(ParameterError, match="'seed' = -1"):
        check_chapter_parameters(
            notebook("06-finds-per-km2"),
            {"land_release_ramp_start": 2008, "land_release_ramp_end": 2010,
             "bootstrap_replications": 199, "seed": -1, "data_dir": ""},
        )


def test_a_check_that_is_not_in_params_is_refused(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "source": ["start_chapter(chapter_name, check=print)"]}]
    copy = tmp_path / "copy.ipynb"
    copy.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ParameterError, match=r"copy.ipynb: start_chapter\(check=print\)"):
        named_check(copy)


def test_ipython_shows_one_line_for_a_parameter_error() -> None:
    error = ParameterError("parameter 'scale' = 'cubic': expected one of 'log', 'level'")
    assert error._render_traceback_() == [
        "ParameterError: parameter 'scale' = 'cubic': expected one of 'log', 'level'"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "line"),
    [
        (
            ["-p", "first_period_strat", "1992-01"],
            # run by papermill alone, the chapter does not know its file's name
            "ParameterError: 'first_period_strat' is not a parameter of this chapter; "
            "did you mean 'first_period_start'? its parameters: first_period_start, data_dir, "
            "results_dir, chapter_name",
        ),
        (
            ["-p", "first_period_start", "banana"],
            "ParameterError: parameter 'first_period_start' = 'banana': expected a month "
            "written YYYY-MM",
        ),
    ],
)
def test_papermill_stops_a_bad_run_with_one_clear_line(
    tmp_path: Path, setting: list[str], line: str
) -> None:
    """What a reader sees on the terminal: papermill's own traceback, then one line that says
    what was wrong (not the chapter's code, not pandas' parser)."""
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "papermill"),
            str(PROJECT_ROOT / "chapters" / "02-emergency-phase.ipynb"),
            str(tmp_path / "out.ipynb"),
            "--no-progress-bar",
            "-p",
            "results_dir",
            str(tmp_path),
            *setting,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    tail = run.stderr.rstrip().splitlines()
    assert tail[-1] == line
    assert tail[-2] == 'Exception encountered at "In [3]":'
    assert not (tmp_path / "results").exists()  # stopped before the chapter wrote anything


def make_rerun(assignment: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """`make rerun` of chapter 2 with one parameter set, into ``folder``."""
    return subprocess.run(
        [
            "make",
            "-s",
            "-o",
            ".venv/.ready",
            "rerun",
            "CHAPTER=02-emergency-phase",
            f"SET={assignment}",
            f"RERUN_DIR={folder}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_make_rerun_prints_the_error_first_in_one_line(tmp_path: Path) -> None:
    """`make rerun`: a failed run's first line on the terminal is the error itself."""
    run = make_rerun("first_period_strat=1992-01", tmp_path / "run")
    assert run.returncode != 0
    assert run.stderr.splitlines()[0] == (
        "RERUN FAILED: ParameterError: 'first_period_strat' is not a parameter of "
        "02-emergency-phase; did you mean 'first_period_start'? its parameters: "
        "first_period_start, data_dir, results_dir, chapter_name"
    )
    assert (tmp_path / "run" / "papermill.log").exists()
    assert not (tmp_path / "run" / "results").exists()


@pytest.mark.slow
def test_make_rerun_writes_the_chapters_results_where_asked(tmp_path: Path) -> None:
    run = make_rerun("first_period_start=1992-01", tmp_path / "run")
    assert run.returncode == 0, run.stderr
    record = json.loads((tmp_path / "run" / "results" / "02-emergency-phase.json").read_text())
    months = {row["key"]: row["value"] for row in record}["months_first"]
    assert months == 22  # January 1992 to October 1993; the default June 1992 gives 17
