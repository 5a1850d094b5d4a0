"""The printed book: front matter and print stylesheet injection, and the published PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
import yaml

from cmac.book.citation import (
    PDF_NAME,
    BookInfo,
    BookVersion,
    book_reference,
    cff_authors,
    join_names,
)
from cmac.paths import PROJECT_ROOT
from cmac.polish.pdf import (
    PRINT_CSS,
    PRINT_PPI,
    PrintedChapter,
    TitlePage,
    book_page,
    chapter_pages,
    chapters_in,
    contents,
    finish_pdf,
    heading_texts,
    inject,
    level_headings,
    number_contents,
    pdf_links,
    print_size,
    repaired_title,
    scale_figures_for_print,
    title_page,
)
from cmac.polish.tidy import parse, serialize

BUILT_PDF = PROJECT_ROOT / "_build" / "html" / PDF_NAME

SINGLE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Book</title>
<link rel="stylesheet" href="_static/book.css" />
</head>
<body><nav class="bd-links">side bar</nav>
<article class="bd-article">
<section id="about-this-book">
<h1>About this book<a class="headerlink" href="#about-this-book">#</a></h1>
<p>Intro.</p>
</section>
<div class="toctree-wrapper compound">
<span id="document-chapters/01-context"></span><section id="context">
<h2><span class="section-number">1. </span>Context &amp; war<a class="headerlink"
href="#c">#</a></h2>
</section>
<span id="document-chapters/02-finds"></span><section id="finds">
<span id="id1"></span><h2><span class="section-number">2. </span>Finds per km<sup>2</sup><a
class="headerlink" href="#finds">#</a></h2>
</section>
</div>
</article>
</body></html>
"""

VERSION = BookVersion("1.2.0", "abc1234+modified", "2026-11-30")
INFO = BookInfo("CMAC and the clearance, 1992–2012", ("A team",), ("MIT",), "https://x.org/b/", "")
TITLE = TitlePage(INFO, VERSION)


def test_book_page_follows_the_redirect(tmp_path: Path) -> None:
    index = tmp_path / "index.html"
    index.write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />')
    assert book_page(index) == tmp_path / "intro.html"
    index.write_text(SINGLE_PAGE)
    assert book_page(index) == index


def chapters() -> list[PrintedChapter]:
    return chapters_in(parse(SINGLE_PAGE))


def test_chapters_in_a_single_page_build() -> None:
    assert chapters() == [
        PrintedChapter("about-this-book", "", "About this book"),
        PrintedChapter("document-chapters/01-context", "1", "Context & war"),
        PrintedChapter("document-chapters/02-finds", "2", "Finds per km2"),
    ]


def test_chapter_headings_are_levelled_for_top_level_bookmarks() -> None:
    doc = parse(SINGLE_PAGE)
    chapter = doc.get_element_by_id("finds")
    chapter.append(lxml.html.fragment_fromstring("<section><h3>2.1. Part</h3></section>"))
    level_headings(doc)
    levels = [(h.tag, h.get("aria-level")) for h in doc.iter("h1", "h2", "h3")]
    # the root page keeps its levels; each chapter's heading is a first level, as is its own
    assert levels == [("h1", None), ("h2", "1"), ("h2", "1"), ("h3", "2")]


def test_authors_from_citation_cff() -> None:
    cff = {
        "authors": [
            {"name": "CMAC demining study team"},
            {"given-names": "Eri", "family-names": "Komukai"},
            {"given-names": "Ada", "name-particle": "de", "family-names": "Vries"},
        ]
    }
    assert cff_authors(cff) == ["CMAC demining study team", "Eri Komukai", "Ada de Vries"]
    assert join_names(cff_authors(cff)) == "CMAC demining study team, Eri Komukai and Ada de Vries"
    assert join_names(["A"]) == "A"
    assert join_names([]) == ""


def test_the_projects_citation_cff_has_authors() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert cff_authors(cff)


def test_book_reference_is_one_line_with_version_and_address() -> None:
    assert book_reference(INFO, VERSION) == (
        "A team (2026). CMAC and the clearance, 1992–2012. "
        "Version 1.2.0 (abc1234+modified), built 2026-11-30. https://x.org/b/"
    )
    other = BookVersion("1.2.0", "abc", "2026-11-30", ("05-x.scale=level",))
    assert book_reference(INFO, other).endswith(
        "Not the canonical version: built with 05-x.scale=level."
    )


def html_of(element: lxml.html.HtmlElement) -> str:
    return lxml.html.tostring(element, encoding="unicode")


def test_title_page_names_the_book_its_version_and_how_to_cite_it() -> None:
    info = BookInfo("A & B, 1992–2012", ("X",), (), "https://x.org/b/", "")
    page = html_of(title_page(TitlePage(info, VERSION)))
    assert "A &amp; B" in page
    assert '<span class="nowrap">1992–2012</span>' in page
    assert "By X" in page
    assert "Not a publication of the Cambodian Mine Action Centre" in page
    for text in ["1.2.0", "abc1234+modified", "2026-11-30", "How to cite"]:
        assert text in page


def test_toc_lists_chapters_in_order_with_known_pages() -> None:
    toc = contents(chapters(), {"document-chapters/01-context": 5})
    items = [html_of(item) for item in toc.iter("li")]
    assert len(items) == 3
    link = toc.find_class("chapter-title")[1]
    assert (link.get("href"), link.text) == ("#document-chapters/01-context", "Context & war")
    assert '<span class="number">1</span>' in items[1]
    assert '<span class="page">5</span>' in items[1]
    assert '<span class="page"></span>' in items[2]  # not known: left empty, never guessed


def test_inject_adds_stylesheet_and_front_matter_only() -> None:
    doc = parse(SINGLE_PAGE)
    css = '@page { size: A4; }\n.a > .b::after { content: "&"; }'
    inject(doc, css, [lxml.html.fragment_fromstring("<section id='front'></section>")])
    head, body = serialize(doc).split("</head>")
    assert f'<style id="cmac-print-css" media="print">\n{css}\n</style>' in head  # unescaped
    article = body.index('<article class="bd-article">')
    assert article < body.index('<section id="front">') < body.index('id="about-this-book"')
    doc.get_element_by_id("cmac-print-css").drop_tree()
    doc.get_element_by_id("front").drop_tree()
    assert serialize(doc) == serialize(parse(SINGLE_PAGE))


def test_inject_refuses_a_page_without_an_article() -> None:
    with pytest.raises(RuntimeError, match="article"):
        inject(parse("<html><head></head><body></body></html>"), "", [])


def test_the_contents_get_their_page_numbers() -> None:
    doc = parse(SINGLE_PAGE)
    inject(doc, "", [contents(chapters(), {})])
    number_contents(doc, chapters(), {"about-this-book": 3})
    pages = [span.text for span in doc.find_class("page")]
    assert pages == ["3", "", ""] and len(doc.xpath("//nav[@id='cmac-toc']")) == 1


def test_chapter_pages_skip_the_contents_page() -> None:
    pages = [
        "Book title\nPage 1 of 5",
        "Contents\nAbout this book 3\n1 Context & war 4\n2 Finds per km2 5\nPage 2 of 5",
        "About this book\nIntro.\nPage 3 of 5",
        "1. Context\n& war\nText that mentions 2. Finds per km2.\nPage 4 of 5",
        "2. Finds per km2\nPage 5 of 5",
    ]
    assert chapter_pages(pages, chapters()) == {
        "about-this-book": 3,
        "document-chapters/01-context": 4,
        "document-chapters/02-finds": 5,
    }
    assert chapter_pages(pages[:3], chapters()) == {"about-this-book": 3}


def test_print_css_sets_a4_page_numbers_and_hides_the_web_page_frame() -> None:
    css = PRINT_CSS.read_text()
    assert "size: A4" in css
    assert "counter(page)" in css and "counter(pages)" in css
    for selector in [".bd-sidebar-primary", "#pst-header", ".copybtn", ".cell details.hide"]:
        assert selector in css
    assert not PRINT_CSS.is_relative_to(PROJECT_ROOT / "_static")


def pdf_tool_output(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not BUILT_PDF.exists(), reason="no built PDF (run make pdf first)")
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_built_pdf_is_a4_with_title_page_and_page_numbers() -> None:
    info = pdf_tool_output("pdfinfo", str(BUILT_PDF))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, info  # A4 in points

    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    first = " ".join(pdf_tool_output("pdftotext", "-l", "1", str(BUILT_PDF), "-").split())
    assert " ".join(str(cff["title"]).split()) in first
    assert "not affiliated with CMAC" in first
    assert f"Version {cff['version']}" in first
    for text in ["Commit", "Built", "How to cite", f"Page 1 of {pages}"]:
        assert text in first

    contents = pdf_tool_output("pdftotext", "-f", "2", "-l", "2", str(BUILT_PDF), "-")
    assert contents.lstrip().startswith("Contents")

    text = pdf_tool_output("pdftotext", str(BUILT_PDF), "-").split("\f")
    numbered = [n for n, page in enumerate(text[:pages], 1) if f"Page {n} of {pages}" in page]
    assert numbered == list(range(1, pages + 1))
    assert "Show code cell source" not in "".join(text)


def test_a_heading_alone_on_a_contents_line_is_not_its_page() -> None:
    pages = [
        "Book title",
        "Contents\nAbout this book\n3\n1 Context & war 4\n2 Finds per km2 5",
        "About this book\nIntro.",
        "1. Context & war\nText.",
        "2. Finds per km2\nText.",
    ]
    assert chapter_pages(pages, chapters())["about-this-book"] == 3


def test_pdf_links_stay_inside_the_pdf_or_go_to_the_published_site() -> None:
    page = (
        '<span id="term-CMAC"></span><a href="intro.html#term-CMAC">CMAC</a>'
        '<a class="result-ref" href="results.html#r-x-growth">21.4</a>'
        '<a href="../cmac-study-data.zip" download>zip</a>'
        '<a href="#fig-1">Fig. 1</a><a href="https://example.org/a?b=1&amp;c=2">web</a>'
        '<link rel="stylesheet" href="_static/book.css">'
    )
    doc = parse(page)
    pdf_links(doc, "https://book.example/")
    fixed = serialize(doc)
    assert '<a href="#term-CMAC">CMAC</a>' in fixed  # the anchor is in the page
    assert 'href="https://book.example/results.html#r-x-growth"' in fixed
    assert 'href="https://book.example/cmac-study-data.zip"' in fixed
    assert '<a href="#fig-1">' in fixed and 'href="https://example.org/a?b=1&amp;c=2"' in fixed
    assert 'href="_static/book.css"' in fixed  # only links a reader follows change


def test_print_size_fits_the_page_at_the_print_resolution() -> None:
    # 1563 CSS px is wider than the text (176 mm): printed 176 mm wide, at 150 ppi
    assert print_size((1563, 1050)) == (1039, 698)
    # a tall figure is held to 190 mm high
    width, height = print_size((1566, 3156))
    assert height == round(190 / 25.4 * PRINT_PPI) and width < 600
    assert print_size((300, 200)) == (300, 200)  # small enough: never enlarged


def test_figures_are_scaled_for_print_only_when_larger(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("P", (1563, 1050), 3).save(tmp_path / "big.png")
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(tmp_path / "small.png")
    before = (tmp_path / "small.png").read_bytes()
    scale_figures_for_print(tmp_path)
    with Image.open(tmp_path / "big.png") as big:
        assert big.size == (1039, 698) and big.mode == "P"  # a palette stays a palette
    assert (tmp_path / "small.png").read_bytes() == before


def test_finish_pdf_keeps_pages_and_text(tmp_path: Path) -> None:
    import pikepdf

    pdf = tmp_path / "a.pdf"
    with pikepdf.new() as document:
        document.add_blank_page(page_size=(595, 842))
        document.add_blank_page(page_size=(595, 842))
        document.save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    finish_pdf(pdf, [])
    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 2
    assert b"/ObjStm" in pdf.read_bytes()
    assert not list(tmp_path.glob("*.packed"))


def built_pdf_outline() -> list[tuple[int, int, str]]:
    """(depth, page, title) of every bookmark, as poppler reads them."""
    import xml.etree.ElementTree as ElementTree

    xml = pdf_tool_output("pdftohtml", "-xml", "-i", "-stdout", "-l", "1", str(BUILT_PDF))
    outline = ElementTree.fromstring(xml.encode()).find("outline")
    items: list[tuple[int, int, str]] = []

    def walk(node: ElementTree.Element, depth: int) -> None:
        for child in node:
            if child.tag == "item":
                items.append((depth, int(child.get("page", "0")), "".join(child.itertext())))
            elif child.tag == "outline":
                walk(child, depth + 1)

    assert outline is not None, "the PDF has no bookmarks"
    walk(outline, 0)
    return items


built = pytest.mark.skipif(
    not BUILT_PDF.exists() or not shutil.which("pdftohtml"),
    reason="no built PDF (run make pdf first) or no poppler-utils",
)


@built
def test_built_pdf_has_a_bookmark_for_every_chapter_and_section() -> None:
    items = built_pdf_outline()
    titles = [title for _, _, title in items]
    for title in ["Contents", "5. Trends and breaks in clearance output", "5.1. Trend"]:
        assert title in titles, title
    chapters = [t for t in titles if re.match(r"\d+\. \S", t)]
    assert len(chapters) >= 12
    sections = [t for t in titles if re.match(r"\d+\.\d+\. \S", t)]
    assert len(sections) >= 25
    # spaces survive where a heading wraps ("theOttawa" before print.css kept them)
    assert not [t for t in titles if re.search(r"[a-z][A-Z]", t.replace("UXO", ""))], titles
    depth = {title: d for d, _, title in items}
    assert depth["5.1. Trend"] > depth["5. Trends and breaks in clearance output"]
    # chapters beside the contents and the landing page, not nested under the landing page
    assert {depth[t] for t in chapters} == {depth["Contents"]} == {0}


@built
def test_built_pdf_starts_every_chapter_on_a_new_page() -> None:
    text = pdf_tool_output("pdftotext", str(BUILT_PDF), "-").split("\f")
    chapters = [(p, t) for _, p, t in built_pdf_outline() if re.match(r"\d+\. \S", t)]
    late = [t for p, t in chapters if not text[p - 1].lstrip().startswith(t.split()[0])]
    assert len(chapters) >= 12 and not late, late


def link_pages(document: object, page_index: int) -> list[int]:
    """The pages (1-based) the links of one page go to, top to bottom."""
    page_of = {page.objgen: n for n, page in enumerate(document.pages, 1)}  # type: ignore[attr-defined]
    dests = document.Root.get("/Dests", {})  # type: ignore[attr-defined]
    links = []
    for annotation in document.pages[page_index].get("/Annots", []):  # type: ignore[attr-defined]
        dest = annotation.get("/Dest")
        if dest is None:
            continue
        target = dests[str(dest)] if str(dest) in dests else dest
        links.append((-float(annotation.Rect[1]), page_of[target[0].objgen]))
    return [page for _, page in sorted(links)]


@built
def test_built_pdf_links_and_bookmarks_land_on_the_headings_page() -> None:
    """Each line of the contents links to the page it names (the page where pdftotext finds
    the chapter's heading), and each chapter's bookmark to that page too: no longer the foot
    of the page before (chapters 2, 6, 8, 9 and 11 did)."""
    import pikepdf

    contents = pdf_tool_output("pdftotext", "-f", "2", "-l", "2", "-layout", str(BUILT_PDF), "-")
    printed = [
        int(m)
        for m in re.findall(r"\s(\d+)\s*$", contents, re.MULTILINE)
        if not re.search(rf"Page \d+ of {m}\s*$", contents, re.MULTILINE)
    ]
    with pikepdf.open(BUILT_PDF) as document:
        landed = link_pages(document, 1)
    assert len(printed) >= 14 and landed == printed, (landed, printed)
    chapter_bookmarks = [p for d, p, t in built_pdf_outline() if re.match(r"\d+\. \S", t)]
    assert set(chapter_bookmarks) <= set(printed)


@built
def test_built_pdf_is_small_and_the_results_record_is_compact() -> None:
    assert BUILT_PDF.stat().st_size <= 3_000_000, BUILT_PDF.stat().st_size
    items = built_pdf_outline()
    pages = [p for _, p, t in items if t.endswith("Results record")]
    after = [p for _, p, t in items if t.endswith("How to cite") and re.match(r"\d", t)]
    rows = len((BUILT_PDF.parent / "results.csv").read_text(encoding="utf-8-sig").splitlines())
    # full pages: at least 40 numbers a page (it once filled 11 mostly empty pages)
    assert pages and after and after[0] - pages[0] <= rows / 40 + 1, (pages, after, rows)


def test_bookmark_titles_are_repaired_from_the_headings() -> None:
    page = (
        '<h1>Book</h1><h2><span class="section-number">8. </span>Beyond the report: the '
        'Ottawa deadlines<a class="headerlink" href="#x">#</a></h2><h2>8.1. Casualties</h2>'
    )
    headings = heading_texts(parse(page))
    assert headings == ["Book", "8. Beyond the report: the Ottawa deadlines", "8.1. Casualties"]
    doubled = "8. 8. Beyond the report: the Beyond the report: the Ottawa deadlines"
    assert repaired_title(doubled, headings) == headings[1]
    assert repaired_title("8.1. Casualties8.1. Casualties", headings) == "8.1. Casualties"
    assert repaired_title("8.1.  Casualties", headings) == "8.1. Casualties"
    assert repaired_title("Something else", headings) == "Something else"


def test_finish_pdf_repairs_bookmark_titles(tmp_path: Path) -> None:
    import pikepdf

    pdf = tmp_path / "a.pdf"
    with pikepdf.new() as document:
        document.add_blank_page()
        with document.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("A. A. Title Title", 0))
        document.save(pdf)
    finish_pdf(pdf, ["A. Title Title", "Other"])
    with pikepdf.open(pdf) as document, document.open_outline() as outline:
        assert [item.title for item in outline.root] == ["A. Title Title"]


@built
def test_built_pdf_citation_links_land_in_the_references() -> None:
    """Every citation ("[Komukai, 2015]") links to its entry on the References pages: the
    entries' ids were per-page numbers (id3) that repeat across the one-page build, and about
    40 links landed in chapter 5 instead."""
    import pikepdf

    references = [p for _, p, t in built_pdf_outline() if re.match(r"\d+\. References$", t)]
    assert references, "no References bookmark"
    with pikepdf.open(BUILT_PDF) as document:
        page_of = {page.objgen: n for n, page in enumerate(document.pages, 1)}
        dests = document.Root.get("/Dests", {})
        landed = [
            page_of[dests[str(a.Dest)][0].objgen]
            for page in document.pages
            for a in page.get("/Annots", [])
            if str(a.get("/Dest", "")).startswith("/cite-") and str(a.Dest) in dests
        ]
    assert len(landed) >= 40, len(landed)
    assert min(landed) >= references[0], sorted(set(landed))
