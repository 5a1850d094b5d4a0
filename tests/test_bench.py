"""make bench's report: the cold build is compared with jupyter-book's by the medians of
their turns, and every target is printed with its verdict."""

from __future__ import annotations

from cmac.book.bench import COLD, OWN, Phase, report


def test_cold_build_is_judged_by_the_medians_of_the_turns() -> None:
    phases = [
        Phase("fresh clone to HTML, install included", 60.0, 900, True),
        Phase(f"{OWN}, run 1", 90.0, 400, True),
        Phase(f"{COLD}, run 1", 40.0, 900, True),  # a slow turn: the median ignores it
        Phase(f"{OWN}, run 2", 100.0, 400, True),
        Phase(f"{COLD}, run 2", 30.0, 900, True),
        Phase(f"{OWN}, run 3", 80.0, 400, True),
        Phase(f"{COLD}, run 3", 32.0, 950, True),
        Phase("rebuild, nothing changed", 0.3, 40, True),
    ]
    text = report(phases)
    assert "medians of 3 turns each: 32.0 s / 90.0 s = 0.36" in text
    assert "(target <= 0.4): meets the target" in text
    assert "ratio in each turn: 0.44, 0.30, 0.40" in text
    assert "fresh clone to HTML: 60.0 s (target <= 90 s): meets the target" in text
    assert "no-op rebuild: 0.30 s (target <= 0.5 s): meets the target" in text
    assert "peak memory: 950 MB" in text


def test_a_slow_cold_build_misses_the_target() -> None:
    phases = [Phase(f"{OWN}, run 1", 50.0, 400, True), Phase(f"{COLD}, run 1", 25.0, 900, True)]
    assert "= 0.50 (target <= 0.4): MISSES the target" in report(phases)
