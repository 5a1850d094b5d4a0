"""Turn tables into numbered, captioned MyST tables that {numref} can cite."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def cell_text(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    # A list-table cell is parsed as Markdown: keep it on one line, escape pipes, and escape a
    # start that would make a comment (%), a list (+, -, *, "1.") or a heading or quote.
    text = text.replace("\n", " ").replace("|", "\\|")
    if re.match(r"^(%|[-+*]\s|[#>])", text):
        text = "\\" + text
    text = re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", text)
    return text or " "


def myst_table(
    frame: pd.DataFrame,
    caption: str,
    name: str,
    align: str = "left",
    widths: list[int] | None = None,
) -> str:
    """A MyST ``list-table`` directive: numbered by Sphinx, labelled ``name``, captioned."""
    if not name.replace("-", "").isalnum():
        raise ValueError(f"table label {name!r} must be letters, digits and hyphens")
    header = [cell_text(c) for c in frame.columns]
    rows = [[cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    lines = [
        f"```{{list-table}} {caption}",
        f":name: {name}",
        ":header-rows: 1",
        f":align: {align}",
        ":class: data-table",
    ]
    if widths:
        lines.append(":widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines.extend(f"  - {cell}" for cell in row[1:])
    lines.append("```")
    return "\n".join(lines)


# Chapters live one folder below the site root.
SITE_ROOT_FROM_CHAPTER = "../"
TABLES_FOLDER = "_static/tables"
# Where show_table writes each table's CSV; start_chapter points it at the build folder.
tables_dir: Path | None = None


def data_href(source: str) -> str:
    """Where a table's source is served: a data set's CSV, or the results record."""
    if source == "results":
        return f"{SITE_ROOT_FROM_CHAPTER}results.csv"
    return f"{SITE_ROOT_FROM_CHAPTER}_static/data/{source}.csv"


def link(href: str) -> str:
    return f'<a href="{href}" download>{Path(href).name}</a>'


def data_links(name: str, sources: Sequence[str]) -> str:
    """Links to the table itself as CSV and to the data files it was computed from."""
    if not sources:
        raise ValueError(f"table {name}: name the data behind it")
    table = link(f"{SITE_ROOT_FROM_CHAPTER}{TABLES_FOLDER}/{name}.csv")
    behind = ", ".join(link(data_href(s)) for s in sources)
    return f'<p class="data-links">This table as CSV: {table}. Computed from: {behind}.</p>'


def show_table(
    frame: pd.DataFrame, caption: str, name: str, data: Sequence[str], **options: object
) -> None:
    """Display the table as MyST, save it as CSV for download, and link its data files."""
    from IPython.display import Markdown, display

    text = myst_table(frame, caption, name, **options) + "\n\n" + data_links(name, data)
    if tables_dir is not None:
        tables_dir.mkdir(parents=True, exist_ok=True)
        frame.to_csv(tables_dir / f"{name}.csv", index=False)
    display(Markdown(text))
