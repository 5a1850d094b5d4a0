"""What makes a page citable: the book's version, and a 'Cite this chapter' box per page."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cmac.paths import PROJECT_ROOT

CFF_NAME = "CITATION.cff"
BASE_URL_VARIABLE = "CMAC_BASE_URL"
LICENCE_NOTE = (
    "Text and derived data: CC BY 4.0. Code: MIT. Quoted source text remains with its owners."
)


@dataclass(frozen=True)
class BookVersion:
    """Release number, short commit (with '+modified' for uncommitted changes), build date,
    and the parameters set on the command line if they differ from the book's defaults."""

    release: str
    commit: str
    date: str
    parameters: tuple[str, ...] = ()

    @property
    def canonical(self) -> bool:
        return not self.parameters

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


def book_version(root: Path = PROJECT_ROOT, parameters: tuple[str, ...] = ()) -> BookVersion:
    """The version in CITATION.cff, the commit, the build date and any non-default parameters."""
    release = str(read_cff(root).get("version", "0"))
    return BookVersion(release, git_commit(root), build_date(), tuple(parameters))


def read_cff(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    return yaml.safe_load((root / CFF_NAME).read_text(encoding="utf-8"))


def join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def cff_authors(cff: dict[str, Any]) -> list[str]:
    """Author names from CITATION.cff: an entity's ``name`` or a person's given and family."""
    names = []
    for author in cff.get("authors") or []:
        if not isinstance(author, dict):
            continue
        person = " ".join(
            str(author[key]).strip()
            for key in ("given-names", "name-particle", "family-names", "name-suffix")
            if author.get(key)
        )
        name = str(author.get("name") or "").strip() or person
        if name:
            names.append(name)
    return names


@dataclass(frozen=True)
class BookInfo:
    """What a citation of the book needs. Title, authors and licences come from CITATION.cff,
    the one source for them; the addresses from _config.yml (``html.baseurl``, overridable
    at build time with CMAC_BASE_URL, and ``repository.url``)."""

    title: str
    authors: tuple[str, ...]
    licenses: tuple[str, ...]
    base_url: str
    repository: str

    @property
    def author(self) -> str:
        return join_names(list(self.authors))

    def url(self, page_path: str) -> str:
        return self.base_url + page_path


def book_info(root: Path = PROJECT_ROOT) -> BookInfo:
    cff = read_cff(root)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    base = os.environ.get(BASE_URL_VARIABLE) or (config.get("html") or {}).get("baseurl", "")
    if not base.startswith("https://"):
        raise ValueError(f"the book's base URL must start with https://, not {base!r}")
    licenses = cff.get("license", [])
    return BookInfo(
        title=str(cff["title"]),
        authors=tuple(cff_authors(cff)),
        licenses=tuple([licenses] if isinstance(licenses, str) else licenses),
        base_url=base.rstrip("/") + "/",
        repository=str((config.get("repository") or {}).get("url", "")),
    )


def page_title(source: Path) -> str:
    """The first level-1 heading of a notebook or Markdown page."""
    if source.suffix == ".ipynb":
        import nbformat  # only when staging: a rebuild with nothing changed skips it

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


@dataclass(frozen=True)
class PageCitation:
    """One page of the book as a citable item."""

    info: BookInfo
    version: BookVersion
    number: str  # chapter number, "" for unnumbered pages
    title: str
    page_path: str  # e.g. chapters/05-trends-and-breaks.html

    @property
    def full_title(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title

    @property
    def url(self) -> str:
        return self.info.url(self.page_path)

    @property
    def year(self) -> str:
        return self.version.date[:4]

    @property
    def key(self) -> str:
        return bibtex_key(self.page_path)

    def note(self) -> str:
        text = f"Version {self.version.label}, built {self.version.date}"
        if not self.version.canonical:
            text += ", with non-default parameters " + "; ".join(self.version.parameters)
        return text


def bibtex(page: PageCitation) -> str:
    fields = [
        ("author", "{" + page.info.author + "}"),
        ("title", page.full_title),
        ("booktitle", page.info.title),
        ("chapter", page.number),
        ("year", page.year),
        ("version", page.version.release),
        ("organization", page.info.author),
        ("url", page.url),
        ("urldate", page.version.date),
        ("note", page.note()),
    ]
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields if value)
    return f"@incollection{{{page.key},\n{body}\n}}\n"


def ris(page: PageCitation) -> str:
    lines = [
        ("TY", "CHAP"),
        *[("AU", name) for name in page.info.authors],
        ("TI", page.full_title),
        ("T2", page.info.title),
        ("PY", page.year),
        ("ET", page.version.release),
        ("PB", page.info.author),
        ("UR", page.url),
        ("Y2", page.version.date),
        ("N1", page.note()),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def cite_box(page: PageCitation, downloads: str) -> str:
    """A MyST admonition: the citation with the page's full URL, the BibTeX entry, and links
    to the page's .bib and .ris files (``downloads`` is the relative folder holding them)."""
    kind = "chapter" if page.number else "page"
    warning = (
        []
        if page.version.canonical
        else [
            "**Not the canonical version.** This copy was built with parameters other than "
            "the book's defaults: "
            + ", ".join("``" + p.replace("`", "'") + "``" for p in page.version.parameters),
            "",
        ]
    )
    return "\n".join(
        [
            f":::{{admonition}} Cite this {kind}",
            ":class: cite-this dropdown",
            *warning,
            f"{page.info.author} ({page.year}). “{page.full_title}”. In *{page.info.title}*, "
            f"version {page.version.label}, built {page.version.date}. <{page.url}>",
            "",
            f'Download: <a href="{downloads}/{page.key}.bib" download>BibTeX</a> · '
            f'<a href="{downloads}/{page.key}.ris" download>RIS</a>',
            "",
            "```bibtex",
            bibtex(page).rstrip("\n"),
            "```",
            ":::",
        ]
    )


def add_cite_box(page: Path, box: str) -> None:
    """Append the box to a staged page (a notebook gets a new Markdown cell at the end)."""
    if page.suffix == ".ipynb":
        import nbformat

        notebook = nbformat.read(page, as_version=4)
        cell = nbformat.v4.new_markdown_cell(box)
        cell["id"] = "cite-this-chapter"
        notebook.cells.append(cell)
        nbformat.write(notebook, page)
    else:
        page.write_text(page.read_text().rstrip("\n") + "\n\n" + box + "\n")


def version_footer(version: BookVersion) -> str:
    parameters = (
        ""
        if version.canonical
        else " <strong>Built with non-default parameters:</strong> "
        + html.escape("; ".join(version.parameters))
        + "."
    )
    return (
        f'<div class="book-version">Version {version.release}, commit '
        f"<code>{version.commit}</code>, built {version.date}.{parameters} "
        f"{LICENCE_NOTE}</div>"
    )


def book_reference(info: BookInfo, version: BookVersion) -> str:
    """How to cite the whole book, in one line of plain text (the PDF's title page, the
    How-to-cite page)."""
    text = (
        f"{info.author} ({version.date[:4]}). {info.title}. Version {version.label}, "
        f"built {version.date}. {info.base_url}"
    )
    if not version.canonical:
        text += " Not the canonical version: built with " + "; ".join(version.parameters) + "."
    return text


def book_citation(info: BookInfo, version: BookVersion) -> str:
    """The whole book, as a MyST block: plain citation, BibTeX (@book) and downloads."""
    entry = "\n".join(
        [
            "@book{cmac-study,",
            f"  author       = {{{{{info.author}}}}},",
            f"  title        = {{{info.title}}},",
            f"  year         = {{{version.date[:4]}}},",
            f"  version      = {{{version.release}}},",
            f"  organization = {{{info.author}}},",
            f"  url          = {{{info.base_url}}},",
            f"  urldate      = {{{version.date}}},",
            f"  note         = {{Version {version.label}, built {version.date}}}",
            "}",
        ]
    )
    addresses = [f"The book: <{info.base_url}>."]
    if info.repository:
        addresses.append(f"Its source, with its data and `CITATION.cff`: <{info.repository}>.")
    return "\n".join(
        [
            book_reference(info, version),
            "",
            " ".join(addresses),
            "",
            "```bibtex",
            entry,
            "```",
        ]
    )
