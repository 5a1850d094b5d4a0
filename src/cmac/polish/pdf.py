"""The book as a PDF a reviewer can be handed: A4, numbered pages, a title page and contents.

Headless Chromium prints jupyter-book's single-page build. Before printing, a copy of that
page (edited as a tree, with lxml) gets a title page, a table of contents and a print
stylesheet (``print.css``, next to this module: a file under ``_static`` would be added to
every web page). The chapters stay as they are. Chromium cannot put page numbers into the
contents (no ``target-counter``), so the book is printed twice: the second time with the pages
where the first print put each chapter, read back with ``pdftotext``.

Chromium writes the bookmarks (``--generate-pdf-document-outline``: one per heading, nested by
heading level, from the tagged structure it also writes for screen readers). Its figures are
printed from copies scaled to the size they take on the page at :data:`PRINT_PPI`, and the
finished file is rewritten by qpdf (pikepdf) with its objects in compressed object streams:
Chromium writes every element of the tagged structure as an object of its own, uncompressed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from lxml.html import builder as E

from cmac.book.citation import BookInfo, BookVersion, book_info, book_reference, book_version
from cmac.book.site import CHROMIUM_FLAGS
from cmac.errors import BuildError
from cmac.paths import PROJECT_ROOT
from cmac.polish.tidy import parse, redirect_target, serialize

PRINT_CSS = Path(__file__).with_name("print.css")
PRINT_PAGE = "cmac-print.html"
MAX_PRINTS = 4
# The printed figures: pixels per inch at the size a figure takes on the page, and that
# largest size (A4's text width and print.css's max-height).
PRINT_PPI = 150
# A figure with a palette (the figures are 256-colour PNGs) keeps one after scaling: smooth
# edges in this many colours, which Chromium's Flate compresses to about half of full colour.
PRINT_COLOURS = 128
FIGURE_BOX_MM = (176.0, 190.0)
CSS_PX_PER_INCH = 96
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class PrintedChapter:
    """One entry of the contents: the anchor it starts at, its number ('' if none), title."""

    anchor: str
    number: str
    title: str

    @property
    def heading(self) -> str:
        """The heading as printed at the top of the chapter's first page."""
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True)
class TitlePage:
    info: BookInfo
    version: BookVersion


def book_page(index: Path) -> Path:
    """The single page that holds the book (Sphinx's index.html may only redirect to it)."""
    target = redirect_target(parse(index.read_text(encoding="utf-8")))
    return index.parent / target if target else index


def text_without(element: HtmlElement, *dropped: str) -> str:
    """An element's text, spaces collapsed, without what is inside the ``dropped`` classes."""
    copy = deepcopy(element)
    for name in dropped:
        for inner in copy.find_class(name):
            inner.drop_tree()  # its tail, the text after it, stays
    return " ".join(copy.text_content().split())


def heading_of(section: HtmlElement) -> HtmlElement | None:
    return next((child for child in section if child.tag in HEADINGS), None)


def chapter_sections(doc: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """Each chapter of a singlehtml build: its anchor (the empty span Sphinx puts before the
    chapter) and its section."""
    for span in doc.xpath("//article//span[starts-with(@id, 'document-')]"):
        section = span.getnext()
        if section is not None and section.tag == "section":
            yield span.get("id"), section


def chapters_in(doc: HtmlElement) -> list[PrintedChapter]:
    """The root page and every chapter of a singlehtml build, in book order."""
    chapters = []
    root = next(iter(doc.xpath("//article//section[@id]")), None)
    heading = heading_of(root) if root is not None else None
    if heading is not None and heading.tag == "h1":
        chapters.append(PrintedChapter(root.get("id"), "", text_without(heading, "headerlink")))
    for anchor, section in chapter_sections(doc):
        if (heading := heading_of(section)) is None:
            continue
        number = "".join(n.text_content() for n in heading.find_class("section-number"))
        title = text_without(heading, "headerlink", "section-number")
        chapters.append(PrintedChapter(anchor, number.strip().rstrip("."), title))
    return chapters


def level_headings(doc: HtmlElement) -> None:
    """Bookmarks for the chapters at the top level, beside the landing page. Chromium nests
    the outline by heading level, and the single-page build makes each chapter an h2 within
    the landing page's h1; each heading in a chapter gets, as its aria-level, its depth in
    the chapter's sections (the chapter's own heading 1)."""
    for _, chapter in chapter_sections(doc):
        outer = sum(1 for _ in chapter.iterancestors("section"))
        for heading in chapter.iter(*HEADINGS):
            depth = sum(1 for _ in heading.iterancestors("section")) - outer
            heading.set("aria-level", str(min(max(depth, 1), 6)))


def heading_texts(doc: HtmlElement) -> list[str]:
    """The text of every h1–h6 of a page, in order (a heading's "#" link left out)."""
    return [text_without(heading, "headerlink") for heading in doc.iter(*HEADINGS)]


def keep_ranges(text: str) -> list[str | HtmlElement]:
    """Text in which a year range such as 1992–2012 is never split across lines."""
    parts = re.split(r"(\d{4}–\d{2,4})", text)  # the ranges at odd places
    return [E.SPAN(part, E.CLASS("nowrap")) if i % 2 else part for i, part in enumerate(parts)]


def title_page(page: TitlePage) -> HtmlElement:
    version = page.version
    return E.SECTION(
        E.DIV(
            E.P(E.CLASS("title"), *keep_ranges(page.info.title)),
            E.P(E.CLASS("byline"), f"By {page.info.author}"),
            E.P(
                E.CLASS("disclaimer"),
                "Not a publication of the Cambodian Mine Action Centre (CMAC) or of JICA.",
            ),
            E.DL(
                E.DT("Version"),
                E.DD(version.release),
                E.DT("Commit"),
                E.DD(E.CODE(version.commit)),
                E.DT("Built"),
                E.DD(version.date),
            ),
        ),
        E.DIV(
            E.CLASS("cite"),
            E.P(E.CLASS("cite-heading"), "How to cite"),
            E.P(*keep_ranges(book_reference(page.info, version))),
        ),
        id="cmac-title-page",
    )


def contents(chapters: list[PrintedChapter], pages: dict[str, int]) -> HtmlElement:
    """The contents; a chapter whose page is not known gets an empty page column."""
    rows = [
        E.LI(
            E.SPAN(E.CLASS("number"), c.number),
            E.A(E.CLASS("chapter-title"), c.title, href=f"#{c.anchor}"),
            E.SPAN(E.CLASS("leader")),
            E.SPAN(E.CLASS("page"), str(pages.get(c.anchor, ""))),
        )
        for c in chapters
    ]
    return E.NAV(E.H1("Contents"), E.OL(*rows), id="cmac-toc")


def inject(doc: HtmlElement, css: str, front_matter: list[HtmlElement]) -> None:
    """The print stylesheet at the end of the page's head, the front matter at the start of
    its article (the theme's own print contents are hidden by the stylesheet)."""
    head, article = doc.find("head"), next(doc.iter("article"), None)
    if head is None or article is None:
        raise BuildError("the single-page book has no <head> or <article> to print from")
    head.append(E.STYLE(f"\n{css}\n", id="cmac-print-css", media="print"))
    for position, element in enumerate(front_matter):
        article.insert(position, element)


def number_contents(
    doc: HtmlElement, chapters: list[PrintedChapter], pages: dict[str, int]
) -> None:
    """The contents, with these pages (the contents are in the page, from :func:`inject`)."""
    (old,) = doc.xpath("//nav[@id='cmac-toc']")
    old.getparent().replace(old, contents(chapters, pages))


def chapter_pages(page_texts: list[str], chapters: list[PrintedChapter]) -> dict[str, int]:
    """The first page (1-based) of each chapter: the page with its heading on a line of its
    own, searched in order so that the contents page, which lists them all, never matches."""
    found: dict[str, int] = {}
    # after the contents page, which lists every heading on a line of its own
    listed = [i for i, text in enumerate(page_texts) if text.lstrip().startswith("Contents")]
    start = listed[0] + 1 if listed else 0
    for chapter in chapters:
        heading = r"\s+".join(map(re.escape, chapter.heading.split()))
        pattern = re.compile(rf"(?:^|\n)\s*{heading}\s*(?:\n|$)")
        for index in range(start, len(page_texts)):
            if pattern.search(page_texts[index]):
                found[chapter.anchor] = index + 1
                start = index + 1  # print.css starts each chapter on a new page
                break
    return found


def pdf_page_texts(pdf: Path) -> list[str]:
    """The text of every page of a PDF; empty if poppler's pdftotext is not installed."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        return []
    completed = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True
    )
    if completed.returncode != 0:
        return []
    return completed.stdout.split("\f")


PRINTING_TOOLS = {"chromium": "chromium", "pdftotext": "poppler-utils"}


def check_printing_tools() -> None:
    """The PDF needs Debian's chromium (to print) and poppler's pdftotext (to number the
    contents); say how to install them when they are missing."""
    missing = [package for tool, package in PRINTING_TOOLS.items() if not shutil.which(tool)]
    if missing:
        raise BuildError(
            f"the PDF needs Debian's {' and '.join(missing)}; install with "
            f"'sudo apt-get install {' '.join(missing)}' (make system does it), then make pdf"
        )


def run_chromium(page: Path, pdf: Path) -> None:
    """Print one HTML page to PDF with headless Chromium (page size and margins from CSS)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise BuildError(
            "chromium is needed for the PDF; install Debian's chromium (make book does)"
        )
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                "--generate-pdf-document-outline",
                "--virtual-time-budget=20000",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if completed.returncode != 0 or not pdf.exists() or pdf.stat().st_size < 10_000:
        raise BuildError(f"printing the PDF failed:\n{completed.stderr[-2000:]}")


def print_size(pixels: tuple[int, int], ppi: int = PRINT_PPI) -> tuple[int, int]:
    """The pixels a figure needs at ``ppi`` at the size it is printed: its CSS size (one image
    pixel a CSS pixel), fitted into :data:`FIGURE_BOX_MM`; never larger than it is."""
    width, height = pixels
    width_mm, height_mm = (25.4 * n / CSS_PX_PER_INCH for n in pixels)
    scale = min(1.0, FIGURE_BOX_MM[0] / width_mm, FIGURE_BOX_MM[1] / height_mm)
    target = (round(width_mm * scale / 25.4 * ppi), round(height_mm * scale / 25.4 * ppi))
    return target if target[0] < width else (width, height)


def scale_figures_for_print(images: Path, ppi: int = PRINT_PPI) -> None:
    """Scale the PNG figures of the single-page build (``_images``, a copy only printed from)
    down to what :func:`print_size` needs; one with a palette gets one again."""
    from PIL import Image

    for path in sorted(images.glob("*.png")):
        with Image.open(path) as image:
            size = print_size(image.size, ppi)
            if size == image.size:
                continue
            see_through = "A" in image.getbands() or "transparency" in image.info
            smaller = image.convert("RGBA" if see_through else "RGB").resize(
                size, Image.Resampling.LANCZOS
            )
            if image.mode == "P" and not see_through:
                smaller = smaller.quantize(PRINT_COLOURS, dither=Image.Dither.NONE)
        smaller.save(path, optimize=True)


def is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(character in rest for character in short)


def repaired_title(title: str, headings: list[str]) -> str:
    """A bookmark's title as its heading reads. Chromium takes the title from what it
    painted, and a heading moved to the next page to stay with its text (break-after:
    avoid) can have pieces painted twice ('8. 8. Beyond … the Beyond … the Ottawa
    deadlines'): the longest heading whose characters the title holds in order, at most
    twice over, is the one."""
    title = " ".join(title.split())
    if title in headings:
        return title
    fits = [
        h for h in headings if len(h) < len(title) <= 2 * len(h) + 2 and is_subsequence(h, title)
    ]
    return max(fits, key=len) if fits else title


def outline_items(outlines: Any) -> Iterator[Any]:
    """Every bookmark of a PDF outline (pikepdf dictionaries), depth first."""
    item = outlines.get("/First")
    while item is not None:
        yield item
        yield from outline_items(item)
        item = item.get("/Next")


def finish_pdf(pdf: Path, headings: list[str]) -> None:
    """Bookmark titles as their headings read, and the objects in compressed object streams
    (lossless; Chromium writes each element of the tagged structure uncompressed)."""
    import pikepdf

    packed = pdf.with_name(pdf.name + ".packed")
    with pikepdf.open(pdf) as document:
        for item in outline_items(document.Root.get("/Outlines", pikepdf.Dictionary())):
            title = str(item.get("/Title", ""))
            repaired = repaired_title(title, headings)
            if repaired != title:
                item.Title = pikepdf.String(repaired)
        document.save(
            packed,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
            deterministic_id=True,
        )
    packed.replace(pdf)


def pdf_links(doc: HtmlElement, base_url: str) -> None:
    """Links a PDF reader can follow. A relative link (to another page of the site, a
    download) would point into the folder the PDF was printed in; it goes to the target
    inside this page when the page holds the anchor, else to the published site."""
    ids = set(doc.xpath("//@id"))
    for link in doc.xpath("//a[@href]"):
        href = link.get("href")
        if not href or href.startswith("#") or urlsplit(href).scheme:
            continue
        path, _, anchor = href.partition("#")
        if anchor and anchor in ids:
            link.set("href", f"#{anchor}")
        else:
            site_path = re.sub(r"^(\.\.?/)+", "", path)  # a URL, not HTML
            link.set("href", urljoin(base_url, site_path) + (f"#{anchor}" if anchor else ""))


def print_pdf(
    singlehtml_index: Path, pdf: Path, root: Path = PROJECT_ROOT, parameters: tuple[str, ...] = ()
) -> None:
    """The whole book as one A4 PDF, printed by headless Chromium from the single-page build,
    with a title page and a table of contents with page numbers."""
    source = book_page(singlehtml_index)
    doc = parse(source.read_text(encoding="utf-8"))
    chapters = chapters_in(doc)
    if not chapters:
        raise BuildError(f"no chapters found in {source}")
    title = TitlePage(book_info(root), book_version(root, parameters))
    pdf_links(doc, title.info.base_url)
    headings = heading_texts(doc)
    level_headings(doc)
    css = PRINT_CSS.read_text(encoding="utf-8")
    inject(doc, css, [title_page(title), contents(chapters, {})])
    printable = source.with_name(PRINT_PAGE)  # beside it, so that _static/ and _images/ load
    scale_figures_for_print(source.parent / "_images")
    pages: dict[str, int] = {}
    for _ in range(MAX_PRINTS):
        printable.write_text(serialize(doc), "utf-8")
        run_chromium(printable, pdf)
        found = chapter_pages(pdf_page_texts(pdf), chapters)
        if found == pages:
            break
        pages = found
        number_contents(doc, chapters, pages)
    else:  # the numbers never settled: print the contents without them rather than wrong
        number_contents(doc, chapters, {})
        printable.write_text(serialize(doc), "utf-8")
        run_chromium(printable, pdf)
    printable.unlink()
    finish_pdf(pdf, headings)
