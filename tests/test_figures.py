"""Figures cut to a palette beside the page build, under the names Sphinx gives them."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from PIL import Image

from cmac.polish.figures import (
    FigureCutter,
    cut_figures,
    cutter_version,
    notebook_figures,
    put_figures,
)
from cmac.polish.tidy import palette_png


def chart_png(width: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, 3))
    ax.plot(range(30), [x**0.5 for x in range(30)], lw=2)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=150, format="png")
    plt.close(fig)
    return buffer.getvalue()


def notebook_with(path: Path, *figures: bytes) -> Path:
    outputs = [
        new_output("display_data", data={"image/png": base64.b64encode(f).decode("ascii")})
        for f in figures
    ]
    nbformat.write(new_notebook(cells=[new_code_cell("plot()", outputs=outputs)]), path)
    return path


def test_figures_are_named_as_sphinx_names_them(tmp_path: Path) -> None:
    png = chart_png(4)
    found = notebook_figures(notebook_with(tmp_path / "a.ipynb", png))
    assert found == {f"{hashlib.sha256(png).hexdigest()}.png": png}


def test_cut_figures_are_smaller_palette_pngs_kept_until_no_notebook_has_them(
    tmp_path: Path,
) -> None:
    first, second = chart_png(4), chart_png(5)
    cache = tmp_path / "cache"
    notebook = notebook_with(tmp_path / "a.ipynb", first, second)
    cut = cut_figures([notebook], cache)
    assert sorted(cut) == sorted(notebook_figures(notebook))
    for name, path in cut.items():
        original = notebook_figures(notebook)[name]
        assert path.stat().st_size < len(original)
        with Image.open(path) as image, Image.open(io.BytesIO(original)) as before:
            assert image.mode == "P" and image.size == before.size
    kept = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.png")}
    notebook_with(notebook, first)  # the second figure is gone from the chapter
    again = cut_figures([notebook], cache)
    assert list(again) == [f"{hashlib.sha256(first).hexdigest()}.png"]
    assert sorted(p.name for p in cache.iterdir()) == [*again, "cutter.version"]
    assert again[list(again)[0]].stat().st_mtime_ns == kept[list(again)[0]]  # not cut twice


def test_figures_cut_by_other_code_are_cut_again(tmp_path: Path) -> None:
    png = chart_png(4)
    cache = tmp_path / "cache"
    name = next(iter(cut_figures([notebook_with(tmp_path / "a.ipynb", png)], cache)))
    (cache / name).write_bytes(b"cut by an older cutter")
    (cache / "cutter.version").write_text("older")
    again = cut_figures([tmp_path / "a.ipynb"], cache)
    assert again[name].read_bytes() == palette_png(png)
    assert (cache / "cutter.version").read_text() == cutter_version()


def test_cutting_beside_the_build_replaces_only_known_figures(tmp_path: Path) -> None:
    png = chart_png(4)
    notebook = notebook_with(tmp_path / "a.ipynb", png)
    images = tmp_path / "site" / "_images"
    images.mkdir(parents=True)
    name = f"{hashlib.sha256(png).hexdigest()}.png"
    (images / name).write_bytes(png)
    (images / "logo.png").write_bytes(b"not a notebook figure")
    put_figures(images, FigureCutter([notebook], tmp_path / "cache").result())
    assert (images / name).stat().st_size < len(png)
    assert (images / "logo.png").read_bytes() == b"not a notebook figure"


def test_a_failure_while_cutting_reaches_the_build(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError):
        FigureCutter([broken], tmp_path / "cache").result()
