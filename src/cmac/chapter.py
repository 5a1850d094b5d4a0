"""What every chapter does first: figure style, data folder and its results record."""

from __future__ import annotations

from pathlib import Path

from cmac import render
from cmac.paths import build_dir, use_data_dir
from cmac.plots import set_style
from cmac.results import ResultsRecord


def start_chapter(
    name: str, data_dir: str = "", results_dir: str = "", page_prefix: str = "../"
) -> ResultsRecord:
    """Set the figure style, choose the data folder and open the chapter's results record.

    ``results_dir`` sends the record elsewhere (the sensitivity runs use it);
    ``page_prefix`` leads from the page to the book's root ("" for the landing page).
    """
    set_style()
    use_data_dir(data_dir)
    if results_dir:
        render.tables_dir = Path(results_dir)
        return ResultsRecord(name, Path(results_dir), page_prefix=page_prefix)
    render.tables_dir = build_dir() / "tables"
    return ResultsRecord(name, page_prefix=page_prefix)
