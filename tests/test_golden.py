"""The golden snapshot: every number the book quotes is locked, and a move is shown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cmac.book import golden
from cmac.paths import PROJECT_ROOT


def record(rows: list[tuple[str, str, object, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["chapter", "key", "value", "unit"]).assign(description="d")
    return frame.astype(str).set_index(["chapter", "key"])[golden.COMPARED]


def test_compare_reports_moves_beyond_tolerance_units_text_added_and_removed() -> None:
    before = record(
        [
            ("05", "a", 1.0, "%"),
            ("05", "b", 2.0, "%"),
            ("05", "c", "x", "text"),
            ("05", "d", 1, "count"),
            ("05", "gone", 1, ""),
        ]
    )
    after = record(
        [
            ("05", "a", 1.0 + 1e-9, "%"),
            ("05", "b", 2.1, "%"),
            ("05", "c", "y", "text"),
            ("05", "d", 1, "years"),
            ("05", "new", 1, ""),
        ]
    )
    diff = golden.compare(before, after)
    assert [m[1] for m in diff.moved] == ["b", "c", "d"]
    assert diff.added == [("05", "new")] and diff.removed == [("05", "gone")]
    text = golden.format_diff(diff)
    assert "05.b: 2.0 % -> 2.1 %" in text and "added   05.new" in text
    assert not golden.compare(before, before)


def test_cli_exit_codes(tmp_path: Path) -> None:
    rows = [("05", "a", 1.0, "%")]
    path = tmp_path / "r.csv"
    record(rows).reset_index().to_csv(path, index=False)
    snapshot = tmp_path / "golden.csv"
    assert golden.main(["--record", str(tmp_path / "none.csv")]) == 2
    assert golden.main(["--record", str(path), "--snapshot", str(snapshot), "--update"]) == 0
    assert golden.main(["--record", str(path), "--snapshot", str(snapshot)]) == 0
    record([("05", "a", 1.5, "%")]).reset_index().to_csv(path, index=False)
    assert golden.main(["--record", str(path), "--snapshot", str(snapshot)]) == 1


def test_results_record_matches_golden_snapshot() -> None:
    built = PROJECT_ROOT / "_build" / "results.csv"  # not build_dir(): tests re-point it
    assert built.exists(), f"no results record at {built}: `make test` builds it first"
    diff = golden.compare(golden.read_record(golden.SNAPSHOT), golden.read_record(built))
    assert not diff, (
        golden.format_diff(diff) + "\nIf the change is intended, run `make golden` and commit "
        "the snapshot with the code change, saying why."
    )
