"""make bench's report: the cold build is compared with jupyter-book's by the medians of
their turns, and every target is printed with its verdict."""

from __future__ import annotations

from cmac.book.bench import COLD, OWN, PRELOADED, PROSE, STOCK_PROSE, Phase, report


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
    assert "cold build / jupyter-book's own execution: 32.0 s / 90.0 s = 0.36" in text
    assert "(medians of 3 turns; target <= 0.5): meets the target" in text
    assert "ratio in each turn: 0.44, 0.30, 0.40" in text
    assert "fresh clone to HTML: 60.0 s (target <= 90 s): meets the target" in text
    assert "no-op rebuild: 0.30 s (target <= 0.5 s): meets the target" in text
    assert "peak memory: 950 MB" in text


def test_a_slow_cold_build_misses_the_target() -> None:
    phases = [Phase(f"{OWN}, run 1", 50.0, 400, True), Phase(f"{COLD}, run 1", 26.0, 900, True)]
    assert "= 0.52 (medians of 1 turns; target <= 0.5): MISSES the target" in report(phases)


def test_the_prose_edit_is_judged_against_stock_jupyter_book() -> None:
    note = "Ran 0: none; prose changed: merged"
    phases = [
        Phase(f"{PROSE}, run 1", 3.0, 500, True, note),
        Phase(f"{STOCK_PROSE}, run 1", 5.0, 400, True),
        Phase(f"{PROSE}, run 2", 2.0, 500, True, note),
        Phase(f"{STOCK_PROSE}, run 2", 6.0, 400, True),
        Phase(f"{PROSE}, run 3", 2.5, 500, True, note),
        Phase(f"{STOCK_PROSE}, run 3", 4.0, 400, True),
    ]
    text = report(phases)
    assert "prose-only edit / stock jupyter-book: 2.5 s / 5.0 s = 0.50" in text
    assert "(medians of 3 turns; target <= 0.5): meets the target" in text
    assert "ratio in each turn: 0.60, 0.33, 0.62" in text
    assert "Markdown-only edit: no kernel started" in text
    phases[0] = Phase(f"{PROSE}, run 1", 3.0, 500, True, "Ran 1: 03-reform-and-growth")
    phases[2] = Phase(f"{PROSE}, run 2", 4.0, 500, True, note)
    text = report(phases)
    assert "= 0.60 (medians of 3 turns; target <= 0.5): MISSES the target" in text
    assert "Markdown-only edit: A KERNEL RAN" in text


def test_the_floor_is_jupyter_book_loaded_before_the_edit() -> None:
    phases = [
        Phase(f"{PROSE}, run 1", 3.3, 500, True),
        Phase(f"{STOCK_PROSE}, run 1", 2.5, 400, True),
        Phase(f"{PRELOADED}, run 1", 1.5, 300, True),
    ]
    assert "  jupyter-book alone, loaded before the edit: 1.5 s = 0.60 of stock" in report(phases)
    phases[2] = Phase(f"{PRELOADED}, run 1", 1.5, 300, False)
    assert "jupyter-book alone" not in report(phases)
