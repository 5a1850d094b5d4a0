"""Plain-words phrasing of changes and intervals (cmac.words)."""

from __future__ import annotations

import pytest

from cmac.words import change_between, change_words, month_words, spans_no_change


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (21.4, 0, "a rise of 21\u00a0%"),
        (-31.9, 0, "a fall of 32\u00a0%"),
        (108.6, 1, "a rise of 108.6\u00a0%"),
        (0.3, 0, "no change"),
        (-0.04, 1, "no change"),
        (1234.0, 0, "a rise of 1,234\u00a0%"),
    ],
)
def test_change_words(value: float, digits: int, expected: str) -> None:
    assert change_words(value, digits) == expected


def test_an_interval_across_zero_names_both_directions() -> None:
    assert change_between(-31.9, 108.6) == "between a fall of 32\u00a0% and a rise of 109\u00a0%"


def test_an_interval_on_one_side_names_one_direction_nearest_first() -> None:
    assert change_between(17.2, 25.7, 1) == "between a rise of 17.2\u00a0% and 25.7\u00a0%"
    assert change_between(-94.2, -67.3) == "between a fall of 67\u00a0% and 94\u00a0%"


def test_an_interval_out_of_order_is_refused() -> None:
    with pytest.raises(ValueError, match="out of order"):
        change_between(5, 1)


def test_spans_no_change() -> None:
    assert spans_no_change(-1, 2) and spans_no_change(0, 3)
    assert not spans_no_change(0.1, 3) and not spans_no_change(-3, -0.1)


def test_month_words() -> None:
    assert month_words("2025-03") == "March 2025"
    assert month_words("1999-12") == "December 1999"
    for other in ["2025-13", "2025-00", "25-03", "2025", "２０２５-03", "2025-3x", "2022 (Feb)"]:
        assert month_words(other) == other  # not a month: as printed
