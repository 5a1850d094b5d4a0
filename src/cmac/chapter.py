"""What every chapter does first: figure style, and a context that says where it reads and
writes.

A chapter's setup cell calls :func:`start_chapter` with its notebook parameters
``chapter_name``, ``data_dir`` and ``results_dir``. The build passes all three explicitly (the
name is the notebook's file name, so a copy of a chapter is a chapter of its own); a reader
running a notebook by hand can leave them empty for the notebook's name as Jupyter knows it and
the project's ``data/`` and ``_build/``. Nothing else tells a chapter where files are: no
environment variable, no module global.

Every chapter calls :func:`start_chapter` right after its parameters cell, so that is where a
run's parameters are checked, for every chapter alike: a name papermill injected that the
chapter does not declare (``-p sclae level``) stops the run and names the nearest real one,
and each value is checked by the check the chapter names in that call (``check=``, a function
of :mod:`cmac.params`; the build reads the same name to check ``--set`` values before running).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cmac import data, params, paths, render
from cmac.plots import set_style
from cmac.results import ResultsRecord


@dataclass(frozen=True)
class Chapter:
    """One chapter's run: its name, the folder it reads data from, the folder it writes its
    results record and tables to, and that record."""

    name: str
    data_dir: Path
    output_dir: Path
    record: ResultsRecord

    @property
    def tables_dir(self) -> Path:
        return self.output_dir / "tables"

    def load(self, dataset: str) -> pd.DataFrame:
        """A validated data file from this run's data folder."""
        return data.load(dataset, self.data_dir)

    def text_figure(self, key: str) -> float:
        return data.text_figure(key, self.data_dir)

    def show_table(
        self, frame: pd.DataFrame, caption: str, name: str, data: Sequence[str], **options: object
    ) -> None:
        """Display a table and save its CSV beside this run's results (``data``: the data sets
        it was computed from)."""
        render.show_table(frame, caption, name, data, tables_dir=self.tables_dir, **options)


# The name of a chapter run by hand where Jupyter does not say which notebook it is.
UNNAMED = "chapter"


def start_chapter(
    chapter_name: str,
    data_dir: str = "",
    results_dir: str = "",
    page_prefix: str = "../",
    check: Callable[..., object] | None = None,
) -> Chapter:
    """Set the figure style, check the run's parameters and open the chapter's context and
    results record.

    ``chapter_name``: the notebook's name ("" = as Jupyter names the notebook run by hand).
    ``data_dir``: the data folder ("" = the project's data/). ``results_dir``: where the
    results record (``results/<name>.json``) and the tables' CSVs (``tables/``) go ("" = the
    project's _build/). ``page_prefix`` leads from the page to the book's root ("" for the
    landing page). ``check``: the chapter's check of its parameters (:mod:`cmac.params`).
    """
    name = chapter_name or session_name()
    check_parameters("this chapter" if name == UNNAMED else name, check)
    set_style()
    folder = Path(data_dir).resolve() if data_dir else paths.data_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"data_dir parameter: no such folder: {folder}")
    output = Path(results_dir).resolve() if results_dir else paths.build_dir()
    record = ResultsRecord(name, output / "results", page_prefix=page_prefix)
    return Chapter(name, folder, output, record)


def session_name() -> str:
    """The notebook's name as Jupyter gives it to the kernel (ipykernel's ``__session__``, the
    notebook's path), or :data:`UNNAMED` outside Jupyter."""
    from IPython import get_ipython

    shell = get_ipython()
    session = str(shell.user_ns.get("__session__", "")) if shell is not None else ""
    return Path(session).stem if session.endswith(".ipynb") else UNNAMED


def check_parameters(name: str, check: Callable[..., object] | None = None) -> None:
    """In a kernel (IPython's public ``get_ipython()``), check the parameters the run set:
    their names against the chapter's parameters cell, their values by the chapter's
    ``check``. Outside IPython (a test calling :func:`start_chapter`), nothing to check."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    namespace = shell.user_ns
    params.check_run(name, list(namespace.get("In", [])), namespace, check)
