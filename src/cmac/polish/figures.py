"""The chapters' figures cut to a 256-colour palette, while jupyter-book builds the pages.

Plots have few colours, so a palette PNG is about a third of matplotlib's RGBA one. Sphinx
names its copy of each notebook figure by the SHA-256 of the PNG (``_images/<hash>.png``),
so the palette version can be made before Sphinx has written the file, on the core Sphinx
leaves idle, and put in its place afterwards. Each palette figure is kept in the build's
cache under that name, so an unchanged figure is never cut twice.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import threading
from pathlib import Path

import PIL

from cmac.polish.tidy import PALETTE_TOLERANCE, palette_png


def notebook_figures(notebook: Path) -> dict[str, bytes]:
    """The PNG outputs of an executed notebook, by the name Sphinx gives them."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    figures = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            encoded = output.get("data", {}).get("image/png")
            if encoded:
                data = base64.b64decode("".join(encoded))
                figures[f"{hashlib.sha256(data).hexdigest()}.png"] = data
    return figures


def cutter_version() -> str:
    """A digest of the code that cuts figures: figures cut by other code are never reused."""
    source = inspect.getsource(palette_png) + repr(PALETTE_TOLERANCE) + PIL.__version__
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def cut_figures(notebooks: list[Path], cache: Path) -> dict[str, Path]:
    """Each figure of the notebooks in ``cache`` as a palette PNG (or as it was, when that is
    not smaller or not faithful); returns where each one is, by its Sphinx name. Figures no
    notebook has any more, and figures cut by other code, are dropped from the cache."""
    cache.mkdir(parents=True, exist_ok=True)
    stamp = cache / "cutter.version"
    if not stamp.exists() or stamp.read_text() != cutter_version():
        for old in cache.iterdir():
            old.unlink()
        stamp.write_text(cutter_version())
    wanted: dict[str, Path] = {}
    for notebook in notebooks:
        for name, data in notebook_figures(notebook).items():
            kept = cache / name
            if not kept.exists():
                scratch = kept.with_suffix(f".{threading.get_ident()}.tmp")
                scratch.write_bytes(palette_png(data))
                scratch.replace(kept)  # never a half-written figure under its name
            wanted[name] = kept
    for stale in cache.iterdir():
        if stale.name not in wanted and stale != stamp:
            stale.unlink()
    return wanted


class FigureCutter(threading.Thread):
    """:func:`cut_figures` in a thread of this process, which otherwise only waits for
    jupyter-book; :meth:`result` re-raises whatever went wrong."""

    def __init__(self, notebooks: list[Path], cache: Path) -> None:
        super().__init__(name="figure-cutter", daemon=True)
        self.notebooks, self.cache = notebooks, cache
        self.figures: dict[str, Path] = {}
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.figures = cut_figures(self.notebooks, self.cache)
        except BaseException as exc:  # noqa: BLE001 - handed to the build by result()
            self.error = exc

    def result(self) -> dict[str, Path]:
        self.join()
        if self.error is not None:
            raise self.error
        return self.figures


def put_figures(images: Path, figures: dict[str, Path]) -> None:
    """Replace Sphinx's copies in ``images`` (a built site's ``_images``) by the cut ones."""
    for image in images.glob("*.png"):
        cut = figures.get(image.name)
        if cut is not None:
            image.write_bytes(cut.read_bytes())
