"""Checks on chapter parameters, so a bad papermill -p value fails with the parameter's name."""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cmac.errors import ParameterError


def require(name: str, value: object, ok: bool, expected: str) -> None:
    if not ok:
        raise ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")


def one_of(name: str, value: object, allowed: Collection[object]) -> None:
    require(name, value, value in allowed, "one of " + ", ".join(map(repr, allowed)))


def year_in(name: str, value: object, first: int, last: int) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and first <= value <= last
    require(name, value, ok, f"a whole year from {first} to {last}")


def whole_number(name: str, value: object, minimum: int, maximum: int | None = None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if maximum is None:
        require(name, value, ok, f"a whole number of at least {minimum}")
    else:
        ok = ok and value <= maximum  # type: ignore[operator]
        require(name, value, ok, f"a whole number from {minimum:,} to {maximum:,}")


def rate(name: str, value: object, maximum: float) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= maximum
    )
    require(name, value, ok, f"0 or a positive number up to {maximum:,}")


# Upper bounds that keep a rerun to minutes and its numbers meaningful.
MAX_BOOTSTRAP_REPLICATIONS = 100_000
MAX_SEED = 2**32 - 1  # numpy's seed range
MAX_MIN_SEGMENT = 6  # two breaks in 13 years leave segments of at most 4 or 5 years
MAX_MINES_RATE_KM2 = 10_000.0  # well above any national rate reported


def month_text(name: str, value: object) -> None:
    ok = isinstance(value, str) and re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value) is not None
    require(name, value, ok, "a month written YYYY-MM")


@dataclass(frozen=True)
class ModelParameters:
    """The models chapter's parameters, checked together."""

    brush_cutter_year: int = 2005
    land_release_step_year: int = 2009
    land_release_ramp_start: int = 2008
    land_release_ramp_end: int = 2010
    scale: str = "log"
    series_start: int = 2000
    drop_2010: bool = False
    bootstrap_replications: int = 4999
    seed: int = 2005
    min_segment: int = 3
    first_period_start: str = "1992-06"

    def __post_init__(self) -> None:
        year_in("brush_cutter_year", self.brush_cutter_year, 2003, 2010)
        year_in("land_release_step_year", self.land_release_step_year, 2006, 2011)
        year_in("land_release_ramp_start", self.land_release_ramp_start, 2006, 2011)
        year_in("land_release_ramp_end", self.land_release_ramp_end, 2006, 2011)
        require(
            "land_release_ramp_end",
            self.land_release_ramp_end,
            self.land_release_ramp_end > self.land_release_ramp_start,
            f"a year after land_release_ramp_start ({self.land_release_ramp_start})",
        )
        one_of("scale", self.scale, ["log", "level"])
        one_of("series_start", self.series_start, [1992, 2000])
        one_of("drop_2010", self.drop_2010, [True, False])
        whole_number(
            "bootstrap_replications", self.bootstrap_replications, 99, MAX_BOOTSTRAP_REPLICATIONS
        )
        whole_number("seed", self.seed, 0, MAX_SEED)
        whole_number("min_segment", self.min_segment, 2, MAX_MIN_SEGMENT)
        month_text("first_period_start", self.first_period_start)


def check_period_start(first_period_start: str) -> None:
    """Chapters 2 and 3: the assumed first month of the first period."""
    month_text("first_period_start", first_period_start)


def check_density_parameters(
    land_release_ramp_start: int, land_release_ramp_end: int, bootstrap_replications: int, seed: int
) -> None:
    """Chapter 6: the land-release ramp, and the parametric bootstrap."""
    year_in("land_release_ramp_start", land_release_ramp_start, 2006, 2011)
    year_in("land_release_ramp_end", land_release_ramp_end, 2007, 2012)
    require(
        "land_release_ramp_end",
        land_release_ramp_end,
        land_release_ramp_end > land_release_ramp_start,
        f"a year after land_release_ramp_start ({land_release_ramp_start})",
    )
    whole_number("bootstrap_replications", bootstrap_replications, 19, MAX_BOOTSTRAP_REPLICATIONS)
    whole_number("seed", seed, 0, MAX_SEED)


def check_national_parameters(mines_rate_km2: float, deadline_year: int, change_year: int) -> None:
    """Chapter 8: the mined-area rate, the deadline and the pre-specified change year."""
    rate("mines_rate_km2", mines_rate_km2, MAX_MINES_RATE_KM2)
    year_in("deadline_year", deadline_year, 2010, 2060)
    year_in("change_year", change_year, 2000, 2020)


# A chapter names its own check in its setup cell, ``start_chapter(..., check=<a function of
# this module>)``; the build reads that name from the notebook, so no registry needs an entry.
SETUP_CALL = "start_chapter"


def check_values(check: Callable[..., object], values: Mapping[str, object]) -> None:
    """The values ``check`` takes (by its signature), checked; ParameterError names the first
    bad one."""
    accepted = inspect.signature(check).parameters
    check(**{k: v for k, v in values.items() if k in accepted})


def can_check(check: Callable[..., object], namespace: Mapping[str, object]) -> bool:
    """Does the namespace hold every parameter ``check`` needs (those without a default)? A
    namespace without them is not a chapter's run: nothing to check."""
    needed = inspect.signature(check).parameters.values()
    return all(p.name in namespace for p in needed if p.default is inspect.Parameter.empty)


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def named_check(notebook: Path) -> Callable[..., object] | None:
    """The check the notebook's setup cell passes to ``start_chapter(check=...)``, read without
    running it: a function (or class) of this module, named plainly or as ``params.NAME``.
    None when the chapter has no parameters to check."""
    for source in code_cells(notebook):
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython magics is no setup cell
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == SETUP_CALL):
                continue
            for keyword in node.keywords:
                if keyword.arg == "check":
                    name = getattr(keyword.value, "id", getattr(keyword.value, "attr", ""))
                    check = globals().get(name)
                    if not callable(check) or getattr(check, "__module__", "") != __name__:
                        raise ParameterError(
                            f"{notebook.name}: start_chapter(check={name or '...'}) names no "
                            "check in cmac.params"
                        )
                    return check  # type: ignore[no-any-return]
            return None
    return None


def check_chapter_parameters(notebook: Path, values: dict[str, object]) -> None:
    """A chapter's parameters (defaults with any set ones), checked as the chapter checks
    them (:func:`named_check`); ParameterError names the first bad one."""
    check = named_check(notebook)
    if check is not None:
        check_values(check, values)


# papermill marks the cell it injects with this first line (its translators' "# Parameters"
# comment); --inject-paths and the like add names of their own, which chapters ignore.
INJECTED_CELL_FIRST_LINE = "# Parameters"
PAPERMILL_OWN_PREFIX = "PAPERMILL_"


def assigned_values(source: str) -> dict[str, ast.expr | None]:
    """The names a cell assigns at its top level, in order, each with the expression it ends up
    given (None when that is no plain value: ``x += 1``, ``x: int``). Python's own parser, not
    papermill's line-by-line one, which also reports ``y`` in ``if x:\n    y = 1`` and skips
    a line with two ``=`` (``label = "a=b"``, ``a = 1; b = 2``)."""
    values: dict[str, ast.expr | None] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        plain = isinstance(node, ast.Assign | ast.AnnAssign)
        for target in targets:
            if isinstance(target, ast.Name):
                values[target.id] = node.value if plain else None  # type: ignore[union-attr]
    return values


def assigned_names(source: str) -> list[str]:
    """The names a cell assigns at its top level, in order (a parameters cell's parameters)."""
    return list(assigned_values(source))


def injected_parameters(history: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """From a kernel's input history (IPython's ``In``): the names papermill injected and the
    names the chapter's parameters cell (the cell run just before them) declares; None when
    papermill injected nothing."""
    for index in range(len(history) - 1, 0, -1):
        if history[index].lstrip().startswith(INJECTED_CELL_FIRST_LINE + "\n"):
            return assigned_names(history[index]), assigned_names(history[index - 1])
    return None


def check_names(chapter: str, given: Sequence[str], declared: Sequence[str]) -> None:
    """Every name given is a parameter the chapter declares; ParameterError names the first
    that is not, with the nearest declared name."""
    for name in given:
        if name in declared or name.startswith(PAPERMILL_OWN_PREFIX):
            continue
        nearest = difflib.get_close_matches(name, declared, n=1, cutoff=0.6)
        hint = f"did you mean '{nearest[0]}'? " if nearest else ""
        raise ParameterError(
            f"'{name}' is not a parameter of {chapter}; {hint}"
            f"its parameters: {', '.join(declared)}"
        )


def check_run(
    chapter: str,
    history: Sequence[str],
    namespace: Mapping[str, object],
    check: Callable[..., object] | None = None,
) -> None:
    """A chapter's parameters as a run set them, before the chapter does anything: any name
    papermill injected must be one the chapter declares, and each value is checked by the
    chapter's own ``check``."""
    injected = injected_parameters(history)
    if injected is not None:
        given, declared = injected
        check_names(chapter, given, declared)
    if check is not None and can_check(check, namespace):
        check_values(check, namespace)
