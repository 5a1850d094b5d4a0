"""What makes a page citable: the book's version, and a 'Cite this chapter' box per page."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from cmac.paths import PROJECT_ROOT


@dataclass(frozen=True)
class BookVersion:
    """Release number, short commit (with '+modified' for uncommitted changes) and build date."""

    release: str
    commit: str
    date: str

    @property
    def label(self) -> str:
        return f"{self.release} ({self.commit})"


def git_output(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def git_commit(root: Path) -> str:
    """Short commit, marked '+modified' when tracked files differ from it."""
    try:
        commit = git_output(root, "rev-parse", "--short", "HEAD")
        dirty = git_output(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+modified" if dirty else "")


def build_date() -> str:
    """Today, or the date in SOURCE_DATE_EPOCH so that rebuilds can be made identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.datetime.now(dt.UTC).date().isoformat()


def book_version(root: Path = PROJECT_ROOT) -> BookVersion:
    pyproject = (root / "pyproject.toml").read_text()
    release = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    return BookVersion(release.group(1) if release else "0", git_commit(root), build_date())


@dataclass(frozen=True)
class BookInfo:
    title: str
    author: str


def book_info(config_path: Path) -> BookInfo:
    config = yaml.safe_load(config_path.read_text())
    return BookInfo(config["title"], config["author"])


def page_title(source: Path) -> str:
    """The first level-1 heading of a notebook or Markdown page."""
    if source.suffix == ".ipynb":
        notebook = nbformat.read(source, as_version=4)
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    else:
        text = source.read_text()
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{source.name}: no level-1 heading to use as the page title")
    return match.group(1).strip()


def bibtex_key(page_path: str) -> str:
    return "cmac-study-" + re.sub(r"[^a-z0-9]+", "-", Path(page_path).stem.lower()).strip("-")


def cite_box(info: BookInfo, chapter_title: str, page_path: str, version: BookVersion) -> str:
    """A MyST admonition with a plain citation and a BibTeX entry for one page."""
    year = version.date[:4]
    bibtex = "\n".join(
        [
            f"@incollection{{{bibtex_key(page_path)},",
            f"  author    = {{{{{info.author}}}}},",
            f"  title     = {{{chapter_title}}},",
            f"  booktitle = {{{info.title}}},",
            f"  year      = {{{year}}},",
            f"  edition   = {{{version.release}}},",
            f"  note      = {{Version {version.label}, built {version.date}, page {page_path}}}",
            "}",
        ]
    )
    kind = "chapter" if page_path.startswith("chapters/") else "page"
    return "\n".join(
        [
            f":::{{admonition}} Cite this {kind}",
            ":class: cite-this dropdown",
            f"{info.author} ({year}). “{chapter_title}”. In *{info.title}*, version "
            f"{version.label}, built {version.date}. Page `{page_path}`.",
            "",
            "```bibtex",
            bibtex,
            "```",
            ":::",
        ]
    )


def add_cite_box(page: Path, box: str) -> None:
    """Append the box to a staged page (a notebook gets a new Markdown cell at the end)."""
    if page.suffix == ".ipynb":
        notebook = nbformat.read(page, as_version=4)
        cell = nbformat.v4.new_markdown_cell(box)
        cell["id"] = "cite-this-chapter"
        notebook.cells.append(cell)
        nbformat.write(notebook, page)
    else:
        page.write_text(page.read_text().rstrip("\n") + "\n\n" + box + "\n")


def version_footer(version: BookVersion) -> str:
    return (
        f'<div class="book-version">Version {version.release}, commit '
        f"<code>{version.commit}</code>, built {version.date}.</div>"
    )
