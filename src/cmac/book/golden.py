"""Golden snapshot of the results record: every quoted number, locked.

``python -m cmac.book.golden`` compares the built record (``_build/results.csv``) with the
snapshot in ``tests/golden/results.csv`` and prints the keys that moved; ``--update`` rewrites
the snapshot. A moved number is updated in the same commit as the code that moved it.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cmac.paths import PROJECT_ROOT, build_dir

SNAPSHOT = PROJECT_ROOT / "tests" / "golden" / "results.csv"
COMPARED = ["value", "unit", "description"]


def read_record(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.set_index(["chapter", "key"])[COMPARED]


def same_value(a: str, b: str, rel_tol: float, abs_tol: float) -> bool:
    """Numbers compare within tolerance (bootstrap draws are seeded, but BLAS may differ in
    the last digits); text compares exactly."""
    try:
        return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)
    except ValueError:
        return a == b


@dataclass
class Diff:
    moved: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.moved or self.added or self.removed)


def compare(
    snapshot: pd.DataFrame, current: pd.DataFrame, rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> Diff:
    diff = Diff()
    diff.added = [k for k in current.index if k not in snapshot.index]
    diff.removed = [k for k in snapshot.index if k not in current.index]
    for key in current.index.intersection(snapshot.index):
        old, new = snapshot.loc[key], current.loc[key]
        changed = not same_value(old["value"], new["value"], rel_tol, abs_tol) or any(
            old[c] != new[c] for c in ("unit", "description")
        )
        if changed:
            diff.moved.append(
                (
                    *key,
                    f"{old['value']} {old['unit']}",
                    f"{new['value']} {new['unit']}",
                    new["description"],
                )
            )
    return diff


def format_diff(diff: Diff) -> str:
    lines = [f"{len(diff.moved)} moved, {len(diff.added)} added, {len(diff.removed)} removed"]
    lines += [f"  moved   {c}.{k}: {old} -> {new}  ({d})" for c, k, old, new, d in diff.moved]
    lines += [f"  added   {c}.{k}" for c, k in diff.added]
    lines += [f"  removed {c}.{k}" for c, k in diff.removed]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, default=None)
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--update", action="store_true", help="rewrite the snapshot")
    args = parser.parse_args(argv)
    record = args.record or build_dir() / "results.csv"
    if not record.exists():
        print(f"no results record at {record}: build the book first (make book)", file=sys.stderr)
        return 2
    current = read_record(record)
    previous = read_record(args.snapshot) if args.snapshot.exists() else current.iloc[0:0]
    diff = compare(previous, current)
    print(format_diff(diff))
    if args.update:
        args.snapshot.parent.mkdir(parents=True, exist_ok=True)
        current.sort_index().reset_index().to_csv(args.snapshot, index=False)
        print(f"snapshot written: {args.snapshot}")
        return 0
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
