"""Turn tables into numbered, captioned MyST tables that {numref} can cite."""

from __future__ import annotations

import pandas as pd


def cell_text(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    # A list-table cell is a Markdown paragraph: keep it on one line and escape table pipes;
    # a leading % would start a MyST comment.
    text = text.replace("\n", " ").replace("|", "\\|")
    return ("\\" + text if text.startswith("%") else text) or " "


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


def show_table(frame: pd.DataFrame, caption: str, name: str, **options: object) -> None:
    """Display the table in a notebook as Markdown that the book parses as MyST."""
    from IPython.display import Markdown, display

    display(Markdown(myst_table(frame, caption, name, **options)))
