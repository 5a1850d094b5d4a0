"""Checks on chapter parameters, so a bad papermill -p value fails with the parameter's name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd


class ParameterError(ValueError):
    """A chapter parameter has a value the chapter cannot use."""


def require(name: str, value: object, ok: bool, expected: str) -> None:
    if not ok:
        raise ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")


def one_of(name: str, value: object, allowed: Collection[object]) -> None:
    require(name, value, value in allowed, "one of " + ", ".join(map(repr, allowed)))


def year_in(name: str, value: object, first: int, last: int) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and first <= value <= last
    require(name, value, ok, f"a whole year from {first} to {last}")


def whole_number(name: str, value: object, minimum: int) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    require(name, value, ok, f"a whole number of at least {minimum}")


def month_text(name: str, value: object) -> None:
    try:
        ok = isinstance(value, str) and str(pd.Period(value, freq="M")) == value
    except ValueError:
        ok = False
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
        whole_number("bootstrap_replications", self.bootstrap_replications, 99)
        whole_number("seed", self.seed, 0)
        whole_number("min_segment", self.min_segment, 2)
        month_text("first_period_start", self.first_period_start)
