"""Lay out the executed book, build its HTML and PDF, and publish it in one step."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cmac.book.citation import (
    CITATION_SETTING,
    CITE_FOLDER,
    BookInfo,
    BookVersion,
    PageCitation,
    add_cite_box,
    bibtex,
    book_citation,
    book_info,
    book_version,
    citation_setting,
    cite_box,
    page_title,
    read_yaml_mapping,
    ris,
    version_footer,
)
from cmac.book.jupyter_book_runner import JupyterBookProcess
from cmac.errors import BuildError
from cmac.results import results_table_html

RESULTS_SOURCE = "results.md"
CITE_PAGE = "how-to-cite.md"
CITE_MARKER = "<!-- book-citation -->"
RESULTS_MARKER = "<!-- results-table -->"
BOOK_FILES = ["_config.yml", "_toc.yml", "references.bib"]
# Chromium without a screen or network: no first-run, sync or update traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS]


def stage_book(
    root: Path,
    files: list[Path],
    executed: dict[Path, Path],
    stage: Path,
    tables: list[Path] | None = None,
    record: pd.DataFrame | None = None,
    parameters: tuple[str, ...] = (),
    data_dir: Path | None = None,
) -> None:
    """Lay out the book source with executed notebooks in place of the stored ones.

    The staged copy also gets what only a built book has: the version in every page footer,
    a 'Cite this chapter' box on every page with BibTeX and RIS files beside it, the results
    table on the results page, and the data files under _static. ``parameters`` are the
    non-default settings the chapters ran with; the citations and footer then say so.
    """
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in BOOK_FILES:
        shutil.copy2(root / name, stage / name)
    version = book_version(root, tuple(parameters))
    info = book_info(root)
    numbers = page_numbers(files)
    titles = {source: page_title(source) for source in files}
    pages = {docname(root, s): (numbers.get(s, ""), titles[s]) for s in files}
    citation = citation_setting(info, version, pages, docname(root, files[0]))
    configure_stage(stage / "_config.yml", info, version, citation)
    cite_dir = stage / "_static" / CITE_FOLDER
    cite_dir.mkdir(parents=True)
    for source in files:
        target = stage / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(executed.get(source, source), target)
        page_path = source.relative_to(root).with_suffix(".html").as_posix()
        page = PageCitation(
            info,
            version,
            numbers.get(source, ""),
            titles[source],
            page_path,
            root=source == files[0],
        )
        (cite_dir / f"{page.key}.bib").write_text(bibtex(page), encoding="utf-8")
        (cite_dir / f"{page.key}.ris").write_text(ris(page), encoding="utf-8")
        add_cite_box(target, cite_box(page))
    if record is not None:
        chapters = {
            f.stem: (numbers.get(f, "Home"), titles[f]) for f in files if f.suffix == ".ipynb"
        }
        fill_marker(stage / RESULTS_SOURCE, RESULTS_MARKER, results_table_html(record, chapters))
    if (stage / CITE_PAGE).exists():
        downloads = "../" * CITE_PAGE.count("/") + f"_static/{CITE_FOLDER}"
        fill_marker(stage / CITE_PAGE, CITE_MARKER, book_citation(info, version, downloads))
    stage_static(root, stage, tables, data_dir)


def docname(root: Path, source: Path) -> str:
    """A page's name as Sphinx knows it: its path in the book, without suffix."""
    return source.relative_to(root).with_suffix("").as_posix()


def page_numbers(files: list[Path]) -> dict[Path, str]:
    """Chapter numbers as Sphinx gives them: every page after the root, in book order."""
    return {source: str(n) for n, source in enumerate(files[1:], start=1)}


def configure_stage(
    config_path: Path, info: BookInfo, version: BookVersion, citation: dict[str, Any]
) -> None:
    """Title and author from CITATION.cff, the page footer, the canonical base URL, and what
    the cite boxes say (:mod:`cmac.book.sphinx_cite`)."""
    config = read_yaml_mapping(config_path)
    config["title"] = info.title
    config["author"] = info.author
    config.setdefault("html", {})["extra_footer"] = version_footer(version)
    config["html"]["baseurl"] = info.base_url
    config.setdefault("sphinx", {}).setdefault("config", {})[CITATION_SETTING] = citation
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))


def fill_marker(page: Path, marker: str, content: str) -> None:
    """Put generated content where a staged page holds its marker comment."""
    text = page.read_text()
    if marker not in text:
        raise BuildError(f"{page.name} has lost its marker {marker}")
    page.write_text(text.replace(marker, content))


def stage_static(
    root: Path, stage: Path, tables: list[Path] | None = None, data_dir: Path | None = None
) -> None:
    """Static files served by the book itself: ours, the data files (from ``data_dir``: the
    build's snapshot of data/, the bytes it validated; default the project's data/), the
    tables as CSV (written by the chapters), and MathJax."""
    static = stage / "_static"
    shutil.copytree(root / "_static", static, dirs_exist_ok=True)
    (static / "tables").mkdir()
    for folder in tables or []:
        for csv in sorted(folder.glob("*.csv")):
            shutil.copy2(csv, static / "tables" / csv.name)
    (static / "data").mkdir()
    from cmac.data import check_data_folder

    # the registered files, and nothing else
    for path in check_data_folder(data_dir or root / "data"):
        shutil.copyfile(path, static / "data" / path.name)


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


JUPYTER_BOOK_TIMEOUT_S = 900


def run_jupyter_books(
    stage: Path,
    output: Path,
    builders: list[str],
    started: dict[str, JupyterBookProcess] | None = None,
) -> list[Path]:
    """Build the staged book with each Sphinx builder at once, warnings as errors, in the
    processes ``started`` for them or in new ones; returns their output folders. Each
    builder keeps its output (and Sphinx's environment) in ``output/jb-<builder>`` from one
    build to the next, so that Sphinx re-reads only the pages whose files changed. A build
    that did not finish (a failure, whose warnings Sphinx would not repeat for pages it does
    not re-read, or an interrupt) leaves a mark, and the next build of that builder starts
    from nothing. On failure, a timeout or an interrupt, every build is stopped, and so is
    every started process."""
    started = dict(started or {})
    runs: dict[str, JupyterBookProcess] = {}
    try:
        for builder in builders:
            unfinished = output / f"jb-{builder}.unfinished"
            if unfinished.exists():
                shutil.rmtree(output / f"jb-{builder}", ignore_errors=True)
            unfinished.parent.mkdir(parents=True, exist_ok=True)
            unfinished.touch()
            runs[builder] = started.pop(builder, None) or JupyterBookProcess(stage, builder)
            runs[builder].build(stage, output / f"jb-{builder}")
        deadline = time.monotonic() + JUPYTER_BOOK_TIMEOUT_S
        for builder, run in runs.items():
            try:
                returncode = run.process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise BuildError(
                    f"the step 'jupyter-book ({builder})' timed out after "
                    f"{JUPYTER_BOOK_TIMEOUT_S} s"
                ) from None
            if returncode != 0:
                run.log.seek(0)
                raise BuildError(jupyter_book_failure(builder, returncode, run.log.read(), stage))
        for builder in runs:
            (output / f"jb-{builder}.unfinished").unlink()
    finally:
        for run in [*runs.values(), *started.values()]:
            run.stop()
    return [output / f"jb-{builder}" / "_build" / builder for builder in runs]


def sync_tree(source: Path, target: Path) -> None:
    """Make ``target`` hold exactly the files of ``source``, writing only those whose bytes
    differ. Sphinx decides what to re-read by modification time; copytree would touch every
    file and make every page look changed."""
    import filecmp

    wanted = {p.relative_to(source) for p in source.rglob("*") if not p.is_dir()}
    if target.exists():
        for path in sorted(target.rglob("*"), reverse=True):  # files before their folders
            if path.is_dir() and not path.is_symlink():
                if not any(path.iterdir()):
                    path.rmdir()
            elif path.relative_to(target) not in wanted:
                path.unlink()
    for relative in sorted(wanted):
        new, old = source / relative, target / relative
        if old.is_file() and not old.is_symlink() and filecmp.cmp(new, old, shallow=False):
            continue
        old.parent.mkdir(parents=True, exist_ok=True)
        if old.is_symlink():
            old.unlink()
        shutil.copyfile(new, old)


def jupyter_book_failure(builder: str, returncode: int, log: str, stage: Path) -> str:
    if "No space left on device" in log:  # Sphinx's traceback says no more than this
        return f"no space left on device while building the HTML ({builder}) ({stage.parent})"
    problems = [
        strip_ansi(line).replace(f"{stage}/", "")
        for line in log.splitlines()
        if "WARNING" in line or "ERROR" in line
    ]
    shown = "\n".join(problems[:40]) or log[-4000:]
    return f"jupyter-book ({builder}) failed (exit {returncode}):\n{shown}"


def run_jupyter_book(stage: Path, output: Path, builder: str = "html") -> None:
    """One build into ``output`` (tests and the benchmark use it)."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    (built,) = run_jupyter_books(stage, output, [builder])
    target = output / "_build" / builder
    target.parent.mkdir(parents=True, exist_ok=True)
    built.rename(target)
