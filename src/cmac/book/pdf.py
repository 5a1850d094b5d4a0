"""The book as a PDF a reviewer can be handed: A4, numbered pages, a title page and contents.

Headless Chromium prints jupyter-book's single-page build. Before printing, a copy of that
page gets a title page, a table of contents and a print stylesheet (``print.css``, next to
this module: a file under ``_static`` would be added to every web page). The chapters stay
as they are. Chromium cannot put page numbers into the contents (no ``target-counter``), so
the book is printed twice: the second time with the pages where the first print put each
chapter, read back with ``pdftotext``.

Chromium writes the bookmarks (``--generate-pdf-document-outline``: one per heading, from
the tagged structure it also writes for screen readers). Its figures are printed from copies
scaled to the size they take on the page at :data:`PRINT_PPI`, and the finished file is
rewritten by qpdf (pikepdf) with its objects in compressed object streams: Chromium writes
every element of the tagged structure as an object of its own, uncompressed.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from cmac.book.citation import BookInfo, BookVersion, book_info, book_reference, book_version
from cmac.book.execute import BuildError
from cmac.book.site import CHROMIUM_FLAGS
from cmac.paths import PROJECT_ROOT

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


@dataclass(frozen=True)
class Chapter:
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


def redirect_target(page: str) -> str | None:
    """Where a ``<meta http-equiv="Refresh">`` page sends the browser, if it is one."""
    match = re.search(
        r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["'][^"']*url=([^"']+)["']""",
        page,
        re.IGNORECASE,
    )
    return match.group(1).strip() if match else None


def book_page(index: Path) -> Path:
    """The single page that holds the book (Sphinx's index.html may only redirect to it)."""
    target = redirect_target(index.read_text(encoding="utf-8"))
    return index.parent / target if target else index


def read_title_page(root: Path = PROJECT_ROOT, parameters: tuple[str, ...] = ()) -> TitlePage:
    return TitlePage(book_info(root), book_version(root, parameters))


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


# A section's heading, after any label targets (``<span id="..."></span>``) Sphinx puts first.
HEADING = (
    r'(?:<span id="[^"]*"></span>\s*)*'
    r'<h(?P<level>[12])>(?P<heading>.*?)(?:<a\s[^>]*class="headerlink".*?)?</h(?P=level)>'
)


def chapters_in(page: str) -> list[Chapter]:
    """The root page and every chapter of a singlehtml build, in book order."""
    article = page[page.find("<article") :] if "<article" in page else page
    chapters = []
    root = re.search(r'<section[^>]*\bid="(?P<anchor>[^"]+)"[^>]*>\s*' + HEADING, article, re.S)
    if root and root.group("level") == "1":
        chapters.append(Chapter(root.group("anchor"), "", plain_text(root.group("heading"))))
    for match in re.finditer(
        r'<span id="(?P<anchor>document-[^"]+)"></span>\s*<section[^>]*>\s*' + HEADING,
        article,
        re.S,
    ):
        heading = match.group("heading")
        number = re.match(r'\s*<span class="section-number">([^<]*)</span>', heading)
        if number:
            heading = heading[number.end() :]
        chapters.append(
            Chapter(
                match.group("anchor"),
                number.group(1).strip().rstrip(".") if number else "",
                plain_text(heading),
            )
        )
    return chapters


def keep_ranges(text: str) -> str:
    """Escaped text in which a year range such as 1992–2012 is never split across lines."""
    return re.sub(r"(\d{4}–\d{2,4})", r'<span class="nowrap">\1</span>', html.escape(text))


def title_page_html(page: TitlePage) -> str:
    e = html.escape
    version = page.version
    return f"""<section id="cmac-title-page">
<div>
<p class="title">{keep_ranges(page.info.title)}</p>
<p class="byline">By {e(page.info.author)}</p>
<p class="disclaimer">Not a publication of the Cambodian Mine Action Centre (CMAC) or of JICA.</p>
<dl>
<dt>Version</dt><dd>{e(version.release)}</dd>
<dt>Commit</dt><dd><code>{e(version.commit)}</code></dd>
<dt>Built</dt><dd>{e(version.date)}</dd>
</dl>
</div>
<div class="cite">
<p class="cite-heading">How to cite</p>
<p>{keep_ranges(book_reference(page.info, version))}</p>
</div>
</section>"""


def toc_html(chapters: list[Chapter], pages: dict[str, int]) -> str:
    """The contents; a chapter whose page is not known gets an empty page column."""
    e = html.escape
    rows = [
        f'<li><span class="number">{e(c.number)}</span>'
        f'<a class="chapter-title" href="#{e(c.anchor)}">{e(c.title)}</a>'
        f'<span class="leader"></span><span class="page">{pages.get(c.anchor, "")}</span></li>'
        for c in chapters
    ]
    return '<nav id="cmac-toc">\n<h1>Contents</h1>\n<ol>\n' + "\n".join(rows) + "\n</ol>\n</nav>"


def inject(page: str, css: str, front_matter: str) -> str:
    """The page with the print stylesheet at the end of its head and the front matter at the
    start of its article (the theme's own print contents are hidden by the stylesheet)."""
    head = page.find("</head>")
    article = re.search(r"<article\b[^>]*>", page)
    if head < 0 or not article or article.start() < head:
        raise BuildError("the single-page book has no </head> or <article> to print from")
    style = f'<style id="cmac-print-css" media="print">\n{css}\n</style>\n'
    return (
        page[:head]
        + style
        + page[head : article.end()]
        + "\n"
        + front_matter
        + "\n"
        + page[article.end() :]
    )


def chapter_pages(page_texts: list[str], chapters: list[Chapter]) -> dict[str, int]:
    """The first page (1-based) of each chapter: the page with its heading on a line of its
    own (at the top, or lower down where the chapter follows on from a short ending),
    searched in order so that the contents page, which lists them all, never matches."""
    found: dict[str, int] = {}
    # after the contents page, which lists every heading on a line of its own
    contents = [i for i, text in enumerate(page_texts) if text.lstrip().startswith("Contents")]
    start = contents[0] + 1 if contents else 0
    for chapter in chapters:
        heading = r"\s+".join(map(re.escape, chapter.heading.split()))
        pattern = re.compile(rf"(?:^|\n)\s*{heading}\s*(?:\n|$)")
        for index in range(start, len(page_texts)):
            if pattern.search(page_texts[index]):
                found[chapter.anchor] = index + 1
                start = index  # the next chapter may start on this same page
                break
    return found


# A chapter's last page with fewer words than this is nearly empty: the next chapter then
# starts on that page instead of a new one.
SHORT_PAGE_WORDS = 120


def short_endings(
    page_texts: list[str], chapters: list[Chapter], pages: dict[str, int]
) -> set[str]:
    """Chapters that should follow on from the previous chapter's nearly empty last page."""
    follow_on = set()
    for previous, chapter in zip(chapters, chapters[1:], strict=False):
        first, start = pages.get(previous.anchor), pages.get(chapter.anchor)
        if first is None or start is None or start - 1 <= first:
            continue  # unknown, or the previous chapter has a single page
        last_page = page_texts[start - 2]
        if len(last_page.split()) < SHORT_PAGE_WORDS:
            follow_on.add(chapter.anchor)
    return follow_on


def follow_on_css(anchors: set[str]) -> str:
    """Let these chapters start on the page where the previous one ended (print.css starts
    each chapter on a new page at its anchor, the span before its section)."""
    return "\n".join(
        f'[id="{anchor}"] {{ break-before: auto !important; }}' for anchor in sorted(anchors)
    )


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


class HeadingTexts(HTMLParser):
    """The text of every h1–h6 of a page, in order (a heading's "#" link left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.depth = 0  # inside a heading: 1, and 2 or more inside its "#" link
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.depth, self.parts = 1, []
        elif self.depth and tag == "a" and "headerlink" in (dict(attrs).get("class") or ""):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth > 1 and tag == "a":
            self.depth -= 1
        elif self.depth and re.fullmatch(r"h[1-6]", tag):
            self.texts.append(" ".join("".join(self.parts).split()))
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.depth == 1:
            self.parts.append(data)


def heading_texts(page: str) -> list[str]:
    parser = HeadingTexts()
    parser.feed(page)
    return parser.texts


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


ANCHOR_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')


def pdf_links(page: str, base_url: str) -> str:
    """Links a PDF reader can follow. A relative link (to another page of the site, a
    download) would point into the folder the PDF was printed in; it goes to the target
    inside this page when the page holds the anchor, else to the published site."""
    ids = set(re.findall(r'\bid="([^"]+)"', page))

    def fixed(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        if not href or href.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
            return match.group(0)
        path, _, anchor = href.partition("#")
        if anchor and anchor in ids:
            target = f"#{anchor}"
        else:
            target = urljoin(base_url, re.sub(r"^(\.\.?/)+", "", path)) + (
                f"#{anchor}" if anchor else ""
            )
        return match.group(1) + html.escape(target, quote=True) + match.group(3)

    return ANCHOR_HREF.sub(fixed, page)


def front_matter(title: TitlePage, chapters: list[Chapter], pages: dict[str, int]) -> str:
    return title_page_html(title) + "\n" + toc_html(chapters, pages)


def print_pdf(
    singlehtml_index: Path, pdf: Path, root: Path = PROJECT_ROOT, parameters: tuple[str, ...] = ()
) -> None:
    """The whole book as one A4 PDF, printed by headless Chromium from the single-page build,
    with a title page and a table of contents with page numbers."""
    source = book_page(singlehtml_index)
    page = source.read_text(encoding="utf-8")
    chapters = chapters_in(page)
    if not chapters:
        raise BuildError(f"no chapters found in {source}")
    title = read_title_page(root, parameters)
    page = pdf_links(page, title.info.base_url)
    css = PRINT_CSS.read_text(encoding="utf-8")
    printable = source.with_name(PRINT_PAGE)  # beside it, so that _static/ and _images/ load
    scale_figures_for_print(source.parent / "_images")
    pages: dict[str, int] = {}
    follow_on: set[str] = set()
    for _ in range(MAX_PRINTS):
        styles = css + "\n" + follow_on_css(follow_on)
        printable.write_text(inject(page, styles, front_matter(title, chapters, pages)), "utf-8")
        run_chromium(printable, pdf)
        texts = pdf_page_texts(pdf)
        found = chapter_pages(texts, chapters)
        more = short_endings(texts, chapters, found) - follow_on
        if found == pages and not more:
            break
        pages, follow_on = found, follow_on | more
    else:  # the numbers never settled: print the contents without them rather than wrong
        styles = css + "\n" + follow_on_css(follow_on)
        printable.write_text(inject(page, styles, front_matter(title, chapters, {})), "utf-8")
        run_chromium(printable, pdf)
    printable.unlink()
    finish_pdf(pdf, heading_texts(page))
