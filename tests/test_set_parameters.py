"""``--set CHAPTER.NAME=VALUE``: literals of the parameter's type only, checked before anything
runs; the build's own parameters (where a chapter reads and writes) cannot be set."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cmac.book.build import main, read_chapters
from cmac.book.cache import ExpressionDefault, parameter_defaults, typed_value
from cmac.book.toc import check_toc
from cmac.errors import BuildError, ParameterNameError
from cmac.paths import PROJECT_ROOT

FILES = check_toc(PROJECT_ROOT)


@pytest.mark.parametrize(
    ("raw", "default", "value"),
    [
        ("2010", 2005, 2010),
        ("-3", 0, -3),
        ("1_000", 0, 1000),
        ("1.5", 0.0, 1.5),
        ("2", 0.0, 2.0),
        ("True", False, True),
        ("false", True, False),
        ("level", "log", "level"),
        ("'level'", "log", "level"),
        ('"1992-12"', "1992-06", "1992-12"),
        ("1992-12", "1992-06", "1992-12"),  # text as typed, not 1992 minus 12
    ],
)
def test_literals_of_the_parameters_type_are_accepted(
    raw: str, default: object, value: object
) -> None:
    result = typed_value("p", raw, default)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("raw", "default", "problem"),
    [
        ("2010.5", 2005, "whole number"),
        ("2**31", 2005, "not an expression"),
        ("__import__('os').getpid()", 2005, "not an expression"),
        ("{1, 2}", 2005, "not a set"),
        ("[1]", 2005, "not a list"),
        ("b'1'", 2005, "not bytes"),
        ("'2010'", 2005, "not str"),
        ("ten", 2005, "not an expression"),
        ("1", False, "True or False"),
        ("b'log'", "log", "bytes are not accepted"),
    ],
)
def test_other_values_are_refused_with_the_reason(raw: str, default: object, problem: str) -> None:
    with pytest.raises(ParameterNameError, match=problem):
        typed_value("p", raw, default)


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("05-trends-and-breaks.results_dir=/tmp/x", "set by the build, not with --set"),
        ("01-context.data_dir=/etc", "set by the build, not with --set"),
        ("07-sensitivity.baseline={}", "set by the build, not with --set"),
        ("intro.chapter_results={}", "set by the build, not with --set"),
        ("05-trends-and-breaks.bootstrap_replications=100001", "from 99 to 100,000"),
        ("06-finds-per-km2.bootstrap_replications=1000000", "from 19 to 100,000"),
        ("05-trends-and-breaks.scale=cubic", "one of 'log', 'level'"),
        ("05-trends-and-breaks.brush_cutter_year=1990", "from 2003 to 2010"),
        ("05-trends-and-breaks.seed=-1", "05-trends-and-breaks: parameter 'seed'"),
        ("08-national-context.mines_rate_km2=-1", "0 or a positive number"),
        ("08-national-context.mines_rate_km2=1e308", "0 or a positive number"),
        ("08-national-context.deadline_year=2030.0", "whole number"),
        ("02-emergency-phase.first_period_start=1992-13", "a month written YYYY-MM"),
        ("02-emergency-phase.first_period_start=banana", "'banana': expected a month"),
        ("03-reform-and-growth.first_period_start=1992-6", "'1992-6': expected a month"),
        ("05-trends-and-breaks.sclae=level", "not a parameter of 05-trends-and-breaks"),
        ("05-trends-and-breaks.nope=1", "not a parameter of 05-trends-and-breaks"),
    ],
)
def test_the_build_refuses_bad_settings_before_anything_runs(assignment: str, problem: str) -> None:
    with pytest.raises(BuildError, match=problem):
        read_chapters(FILES, [assignment])


def test_good_settings_reach_the_chapters_typed() -> None:
    chapters = {
        c.name: c
        for c in read_chapters(
            FILES,
            [
                "05-trends-and-breaks.scale=level",
                "05-trends-and-breaks.bootstrap_replications=100000",
                "08-national-context.mines_rate_km2=50",
            ],
        )
    }
    assert chapters["05-trends-and-breaks"].parameters == {
        "scale": "level",
        "bootstrap_replications": 100000,
    }
    assert chapters["08-national-context"].parameters == {"mines_rate_km2": 50.0}
    assert (
        chapters["07-sensitivity"].parameters["baseline"]
        == chapters["05-trends-and-breaks"].parameters
    )


def chapter_with_parameters(folder: Path, source: str, name: str = "ch") -> Path:
    cell = new_code_cell(source, metadata={"tags": ["parameters"]})
    path = folder / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=[cell, new_code_cell("print(start)")]), path)
    return path


PARAMETERS = (
    "start = 1990 + 2  # an expression\n"
    "seed: int = 2005\n"
    'label = "a=b"\n'
    "low = 1; high = 2\n"
    "if False:\n"
    "    hidden = 1\n"
    "count = 3\n"
    "count += 1\n"
)


def test_defaults_are_read_with_pythons_parser(tmp_path: Path) -> None:
    """Annotated, two on a line, an '=' inside a string: all read; an indented assignment is
    no parameter; what is no literal is kept as the expression it is."""
    defaults = parameter_defaults(chapter_with_parameters(tmp_path, PARAMETERS))
    assert defaults == {
        "start": ExpressionDefault("1990 + 2"),
        "seed": 2005,
        "label": "a=b",
        "low": 1,
        "high": 2,
        "count": ExpressionDefault(""),
    }


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("ch.start=1993", "parameter 'start' of ch cannot be set: its default `1990 \\+ 2` is an"),
        ("ch.count=4", "parameter 'count' of ch cannot be set: it has no default"),
    ],
)
def test_an_expression_default_set_from_the_command_line_is_named(
    tmp_path: Path, assignment: str, problem: str
) -> None:
    notebook = chapter_with_parameters(tmp_path, PARAMETERS)
    with pytest.raises(BuildError, match=problem):
        read_chapters([notebook], [assignment])


def test_a_literal_beside_an_expression_default_can_be_set(tmp_path: Path) -> None:
    notebook = chapter_with_parameters(tmp_path, PARAMETERS)
    (chapter,) = read_chapters([notebook], ["ch.seed=7", "ch.label=x"])
    assert chapter.parameters == {"seed": 7, "label": "x"}


def test_a_parameters_cell_that_is_not_python_is_named(tmp_path: Path) -> None:
    notebook = chapter_with_parameters(tmp_path, "start = (1992\n")
    with pytest.raises(BuildError, match=r"ch.ipynb: its parameters cell is not valid Python"):
        read_chapters([notebook], ["ch.start=1993"])


def test_the_build_ends_in_one_line_naming_chapter_and_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the command line, as a reader would meet it: one line, no traceback, no
    "unexpected", and nothing run."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: ch\n")
    chapter_with_parameters(tmp_path, PARAMETERS)
    code = main(["--root", str(tmp_path), "--set", "ch.start=1993"])
    failure = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert code == 1 and len(failure) == 1
    assert "parameter 'start' of ch cannot be set" in failure[0]
    assert "unexpected" not in failure[0] and "Traceback" not in failure[0]
