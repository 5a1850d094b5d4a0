"""What makes a page citable: the book's version, and a 'Cite this chapter' box per page."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from cmac.cells import literal
from cmac.errors import BuildError
from cmac.paths import PROJECT_ROOT

CFF_NAME = "CITATION.cff"
PDF_NAME = "cmac-study-book.pdf"
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


MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z, the last date Python can show


def build_date() -> str:
    """Today, or the date in SOURCE_DATE_EPOCH so that rebuilds can be made identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return dt.datetime.now(dt.UTC).date().isoformat()
    # The reproducible-builds convention: a whole number of seconds since 1970, in ASCII.
    if not (epoch.isascii() and epoch.isdigit()) or int(epoch) > MAX_EPOCH:
        raise BuildError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a date: give the whole number of seconds "
            "since 1970-01-01 (for example: git log -1 --format=%ct), or unset it"
        )
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()


def book_version(root: Path = PROJECT_ROOT, parameters: tuple[str, ...] = ()) -> BookVersion:
    """The version in CITATION.cff, the commit, the build date and any non-default parameters."""
    release = str(read_cff(root).get("version", "0"))
    return BookVersion(release, git_commit(root), build_date(), tuple(parameters))


# The fields of CITATION.cff the book prints, and what each must be.
CFF_FIELDS = {
    "title": (str, "text"),
    "version": ((str, int, float), "a version"),
    "authors": (list, "a list of authors"),
}


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A project YAML file that holds fields (CITATION.cff, _config.yml); a BuildError names
    the file, and the line where YAML could not read it."""
    try:
        # libyaml's safe loader where PyYAML has it: the same documents, read ten times faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except FileNotFoundError:
        raise BuildError(f"{path.name} is missing") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        problem = getattr(exc, "problem", exc)
        raise BuildError(f"{path.name} is not valid YAML{line}: {problem}") from None
    if not isinstance(data, dict):
        raise BuildError(f"{path.name} must hold fields (lines of name: value)")
    return data


def read_cff(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """CITATION.cff, with the fields the book prints; a BuildError names the file and field
    (the schema itself is checked by the tests, against the CFF 1.2.0 JSON schema)."""
    cff = read_yaml_mapping(root / CFF_NAME)
    for name, (kind, what) in CFF_FIELDS.items():
        value = cff.get(name)
        if not isinstance(value, kind) or value in ("", []):
            raise BuildError(f"{CFF_NAME}: field '{name}' must be {what}, not {value!r}")
    return cff


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


def split_remark(name: str) -> tuple[str, str]:
    """An author as a name and a remark: 'Team (not affiliated with X)' is the name 'Team'
    and the remark 'not affiliated with X' (a citation's author field holds a name only)."""
    match = re.fullmatch(r"\s*(?P<name>[^()]*?)\s*\((?P<remark>[^()]*)\)\s*", name)
    if not match or not match["name"]:
        return name.strip(), ""
    return match["name"], match["remark"].strip()


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
        """The authors as CITATION.cff gives them, remarks included (the title page)."""
        return join_names(list(self.authors))

    @property
    def author_names(self) -> tuple[str, ...]:
        """The authors' names alone, for a citation's author field."""
        return tuple(split_remark(a)[0] for a in self.authors)

    @property
    def author_name(self) -> str:
        return join_names(list(self.author_names))

    @property
    def remarks(self) -> str:
        """What CITATION.cff says about the authors beside their names, as a sentence
        ('Not affiliated with CMAC or JICA.'), for a citation's note."""
        remarks = [r for r in (split_remark(a)[1] for a in self.authors) if r]
        return " ".join(r[:1].upper() + r[1:].rstrip(".") + "." for r in remarks)

    def url(self, page_path: str) -> str:
        return self.base_url + page_path


def book_info(root: Path = PROJECT_ROOT) -> BookInfo:
    cff = read_cff(root)
    config = read_yaml_mapping(root / "_config.yml")
    if os.environ.get(BASE_URL_VARIABLE):
        base = checked_url(os.environ[BASE_URL_VARIABLE], BASE_URL_VARIABLE)
    else:
        configured = (config.get("html") or {}).get("baseurl", "")
        base = checked_url(configured, "_config.yml html.baseurl")
    repository = (config.get("repository") or {}).get("url", "")
    licenses = cff.get("license", [])
    return BookInfo(
        title=str(cff["title"]),
        authors=tuple(cff_authors(cff)),
        licenses=tuple([licenses] if isinstance(licenses, str) else licenses),
        base_url=base.rstrip("/") + "/",
        repository=checked_url(repository, "_config.yml repository.url") if repository else "",
    )


# Characters no address of the book may hold: they would end an HTML attribute, a MyST link or
# a BibTeX field, or hide as white space.
UNSAFE_IN_URL = re.compile(r"[\s\"'<>\\`{}|^]|[\x00-\x1f\x7f]")


def checked_url(value: object, where: str) -> str:
    """An https address from project metadata, parsed, or a BuildError naming where it came
    from: it reaches every cite box, the BibTeX and RIS, and the PDF."""
    from urllib.parse import urlsplit

    text = value if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if not parts or parts.scheme != "https" or not parts.hostname or UNSAFE_IN_URL.search(text):
        raise BuildError(
            f"{where} = {value!r} is not an https address (https://host/path, without "
            "spaces, quotes or angle brackets)"
        )
    return text


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


BOOK_KEY = "cmac-study"


def bibtex_key(page_path: str) -> str:
    return "cmac-study-" + re.sub(r"[^a-z0-9]+", "-", Path(page_path).stem.lower()).strip("-")


# Characters with a meaning in BibTeX or LaTeX, written so that any text stays text: braces
# and backslashes (which would end or change a field), and LaTeX's specials.
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def one_line(text: str) -> str:
    """Text on one line: line breaks and other control characters become spaces."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


def bibtex_text(text: str) -> str:
    """Text as the value of a BibTeX field, shown literally (no braces or commands of its own)."""
    return "".join(BIBTEX_ESCAPES.get(c, c) for c in one_line(text))


def bibtex_url(url: str) -> str:
    """An address as a BibTeX url field: characters that could end the field percent-encoded."""
    return quote(one_line(url), safe=":/?#[]@!$&'()*+,;=%~-._")


def bibtex_entry(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    """An entry with every non-empty field; values already escaped (see bibtex_text)."""
    body = ",\n".join(f"  {name:<9} = {{{value}}}" for name, value in fields if value)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def ris_record(lines: list[tuple[str, str]]) -> str:
    """RIS lines, CR LF ended, no value with a line break of its own, empty values left out."""
    return "".join(
        f"{tag}  - {one_line(value)}\r\n" for tag, value in lines if value or tag == "ER"
    )


def version_note(version: BookVersion) -> str:
    text = f"Version {version.label}, built {version.date}"
    if not version.canonical:
        text += ", with non-default parameters " + "; ".join(version.parameters)
    return text + "."


def citation_note(info: BookInfo, version: BookVersion) -> str:
    """The note of a citation: what the authors are not (CITATION.cff's remark), the version."""
    return " ".join(part for part in [info.remarks, version_note(version)] if part)


@dataclass(frozen=True)
class PageCitation:
    """One page of the book as a citable item. The book's first page (``root``) stands for
    the whole book and is cited as a book; every other page as a chapter of it."""

    info: BookInfo
    version: BookVersion
    number: str  # chapter number, "" for unnumbered pages
    title: str
    page_path: str  # e.g. chapters/05-trends-and-breaks.html
    root: bool = False

    @property
    def url(self) -> str:
        return self.info.base_url if self.root else self.info.url(self.page_path)

    @property
    def year(self) -> str:
        return self.version.date[:4]

    @property
    def key(self) -> str:
        return BOOK_KEY if self.root else bibtex_key(self.page_path)

    def note(self) -> str:
        return citation_note(self.info, self.version)


def book_bibtex(info: BookInfo, version: BookVersion, url: str = "") -> str:
    """The whole book as a BibTeX @book."""
    return bibtex_entry(
        "book",
        BOOK_KEY,
        [
            ("author", "{" + bibtex_text(info.author_name) + "}"),
            ("title", bibtex_text(info.title)),
            ("year", version.date[:4]),
            ("version", bibtex_text(version.release)),
            ("url", bibtex_url(url or info.base_url)),
            ("urldate", version.date),
            ("note", bibtex_text(citation_note(info, version))),
        ],
    )


def book_ris(info: BookInfo, version: BookVersion, url: str = "") -> str:
    """The whole book as an RIS record (type BOOK), with the fields of :func:`book_bibtex`."""
    return ris_record(
        [
            ("TY", "BOOK"),
            ("AU", info.author_name),
            ("TI", info.title),
            ("PY", version.date[:4]),
            ("ET", version.release),
            ("UR", url or info.base_url),
            ("Y2", version.date),
            ("N1", citation_note(info, version)),
            ("ER", ""),
        ]
    )


def bibtex(page: PageCitation) -> str:
    """The page as BibTeX: the root page is the book (@book), any other page a chapter of
    it (@incollection: its own title, without its number, and the book's as booktitle)."""
    if page.root:
        return book_bibtex(page.info, page.version, page.url)
    return bibtex_entry(
        "incollection",
        page.key,
        [
            ("author", "{" + bibtex_text(page.info.author_name) + "}"),
            ("title", bibtex_text(page.title)),
            ("booktitle", bibtex_text(page.info.title)),
            ("chapter", bibtex_text(page.number)),
            ("year", page.year),
            ("version", bibtex_text(page.version.release)),
            ("url", bibtex_url(page.url)),
            ("urldate", page.version.date),
            ("note", bibtex_text(page.note())),
        ],
    )


def ris(page: PageCitation) -> str:
    """The page as RIS, with the fields of its BibTeX entry (BOOK, or CHAP with SE its
    chapter number and T2 the book)."""
    if page.root:
        return book_ris(page.info, page.version, page.url)
    return ris_record(
        [
            ("TY", "CHAP"),
            *[("AU", name) for name in page.info.author_names],
            ("TI", page.title),
            ("T2", page.info.title),
            ("SE", page.number),
            ("PY", page.year),
            ("ET", page.version.release),
            ("UR", page.url),
            ("Y2", page.version.date),
            ("N1", page.note()),
            ("ER", ""),
        ]
    )


def code_block(language: str, text: str) -> str:
    """A MyST code block that no backticks in ``text`` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


CITE_ANCHOR = "cite-this"
CITE_FOLDER = "cite"  # under _static: each page's .bib and .ris
# The _config.yml setting that tells cmac.book.sphinx_cite what every cite box says.
CITATION_SETTING = "cmac_citation"


def citation_setting(
    info: BookInfo, version: BookVersion, pages: dict[str, tuple[str, str]], root: str
) -> dict[str, Any]:
    """What the extension needs, as plain YAML-friendly values: the book, its version, and
    each page's docname -> (chapter number, title); ``root`` is the page that stands for
    the whole book."""
    return {
        "info": {**vars(info), "authors": list(info.authors), "licenses": list(info.licenses)},
        "version": {**vars(version), "parameters": list(version.parameters)},
        "pages": {name: list(page) for name, page in pages.items()},
        "root": root,
    }


def page_citation(setting: dict[str, Any], docname: str) -> PageCitation | None:
    if docname not in setting.get("pages", {}):
        return None
    info = setting["info"]
    version = setting["version"]
    number, title = setting["pages"][docname]
    return PageCitation(
        BookInfo(
            **{**info, "authors": tuple(info["authors"]), "licenses": tuple(info["licenses"])}
        ),
        BookVersion(**{**version, "parameters": tuple(version["parameters"])}),
        number,
        title,
        f"{docname}.html",
        root=docname == setting["root"],
    )


def cite_box(page: PageCitation) -> str:
    """A MyST dropdown (anchor ``cite-this``, which the header's Cite link opens) around the
    page's citation, which :mod:`cmac.book.sphinx_cite` writes in when the page is built."""
    kind = "book" if page.root else "chapter" if page.number else "page"
    return "\n".join(
        [
            f":::{{admonition}} Cite this {kind}",
            ":class: cite-this dropdown",
            f":name: {CITE_ANCHOR}",
            "```{cmac-citation}",
            "```",
            ":::",
        ]
    )


def add_cite_box(page: Path, box: str) -> None:
    """Append the box to a staged page (a notebook gets a new Markdown cell at the end). The
    notebook is edited as JSON: nbformat would validate every executed notebook again."""
    if page.suffix == ".ipynb":
        notebook = json.loads(page.read_text(encoding="utf-8"))
        cell = {"cell_type": "markdown", "id": "cite-this-chapter", "metadata": {}, "source": box}
        notebook["cells"].append(cell)
        page.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
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
        f'<div class="book-version">Version {html.escape(version.release)}, commit '
        f"<code>{html.escape(version.commit)}</code>, built {html.escape(version.date)}."
        f"{parameters} "
        f"{LICENCE_NOTE}</div>"
    )


def book_reference(info: BookInfo, version: BookVersion) -> str:
    """How to cite the whole book, in one line of plain text (the PDF's title page, the
    How-to-cite page)."""
    text = (
        f"{info.author_name} ({version.date[:4]}). {info.title}. Version {version.label}, "
        f"built {version.date}. {info.base_url}"
    )
    if info.remarks:
        text += " " + info.remarks
    if not version.canonical:
        text += " Not the canonical version: built with " + "; ".join(version.parameters) + "."
    return text


def book_citation(info: BookInfo, version: BookVersion, downloads: str = "") -> str:
    """The whole book, as a MyST block: plain citation, BibTeX (@book) and, given the folder
    that holds them, links to its .bib and .ris files."""
    addresses = [f"The book: <{info.base_url}>."]
    if info.repository:
        addresses.append(f"Its source, with its data and `CITATION.cff`: <{info.repository}>.")
    links = (
        [
            f'Download: <a href="{downloads}/{BOOK_KEY}.bib" download>BibTeX</a> · '
            f'<a href="{downloads}/{BOOK_KEY}.ris" download>RIS</a>',
            "",
        ]
        if downloads
        else []
    )
    return "\n".join(
        [
            literal(book_reference(info, version)),
            "",
            " ".join(addresses),
            "",
            *links,
            code_block("bibtex", book_bibtex(info, version).rstrip("\n")),
        ]
    )
