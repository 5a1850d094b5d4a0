"""Lighter, cleaner published pages: a pass over the built HTML after jupyter-book.

The theme's templates hard-code things no page option turns off. This pass edits each page's
tree (lxml) so that it loads the few Font Awesome icons it shows (a 3 KB script, not the 1.5 MB
library), its scripts deferred (search scripts only on the search page) and its style sheets as
one bundle, purged of rules nothing matches (:mod:`cmac.polish.purge`), with the icon font cut to
the icons it uses; carries one viewport tag and a meta description; uses bibliography roles that
assistive technology accepts; shows the book's title in the header (on a phone the only bar on
screen); gives figures their size (no jump as the page loads), a lazy load and a link to their
file (a tap on a phone opens it); and stacks data tables too wide for a phone. The front door (a
bare redirect to the landing page) becomes a copy of that page, so no reader waits for it.

Given a cache folder, each result is kept under a digest of its inputs and of this code, so a
build in which one page changed redoes that page: the output is the same, byte for byte.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement
from lxml.html import builder as E

from cmac.cells import DATA_TABLE_CLASS
from cmac.polish import purge

FONTAWESOME = Path("_static") / "scripts" / "fontawesome.js"
SEARCH_SCRIPTS = ("searchtools.js", "language_data.js", "searchindex.js")
KEEP_BLOCKING = ("documentation_options.js",)  # inline scripts read DOCUMENTATION_OPTIONS
VIEWPORT = "width=device-width, initial-scale=1"
ICON_MODIFIERS = {"solid", "lg", "sm", "xs", "xl", "fw", "2x", "3x"}
ICON_CSS = (
    ".svg-inline--fa{display:inline-block;height:1em;overflow:visible;"
    "vertical-align:-.125em;box-sizing:content-box}"
    ".svg-inline--fa.fa-lg{font-size:1.25em;vertical-align:-.2em}"
)
DESCRIPTION_LENGTH = 155
# void in HTML 5 but not in libxml2's HTML 4, which would put what follows inside them
HTML5_VOID = ("wbr", "embed", "source", "track")


# --- pages as trees -----------------------------------------------------------------------------


def parse(page: str) -> HtmlElement:
    doc = lxml.html.document_fromstring(page)
    for element in list(doc.iter(*HTML5_VOID)):
        element.addprevious(lxml.html.Element(element.tag, element.attrib))
        element.drop_tag()  # what it held follows it
    return doc


def serialize(doc: HtmlElement) -> str:
    """The page as HTML (libxml2 writes ``<wbr></wbr>``; browsers ignore the end tag)."""
    doctype = doc.getroottree().docinfo.doctype
    return lxml.html.tostring(doc, doctype=doctype or None, encoding="unicode") + "\n"


def classes(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def file_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


# --- the head: scripts, viewport, description ---------------------------------------------------


def page_description(doc: HtmlElement) -> str:
    """The article's first plain paragraph as text, cut at a word near 155 characters."""
    paragraphs = [p for a in doc.find_class("bd-article")[:1] for p in a.iter("p") if not p.attrib]
    if not paragraphs:
        return ""
    text = " ".join(paragraphs[0].text_content().split())
    if len(text) > DESCRIPTION_LENGTH:
        text = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0] + " …"
    return text


def tidy_head(doc: HtmlElement, is_search_page: bool = False) -> None:
    head = doc.find("head")
    for script in head.findall("script[@src]"):
        name = file_name(script.get("src"))
        if name in SEARCH_SCRIPTS and not is_search_page:
            script.drop_tree()
        elif name not in KEEP_BLOCKING and not {"defer", "async"} & set(script.attrib):
            script.set("defer", "")
    first, *others = head.xpath("meta[@name='viewport']") or [None]
    if others:
        first.set("content", VIEWPORT)
        for meta in others:
            meta.drop_tree()
    description = page_description(doc)
    if description and not head.xpath("meta[@name='description']"):
        head.append(E.META(name="description", content=description))


# pydata-sphinx-theme 0.17 puts sidebar buttons in its top bar (header.bd-header), which the
# book theme hides, and both themes bind only the first ".primary-toggle" (and
# ".secondary-toggle") of a page: the buttons a phone shows did nothing (pydata-sphinx-theme
# issue 2451). Without the hidden ones, the visible buttons are the first.
def tidy_body(doc: HtmlElement) -> None:
    for top_bar in doc.find_class("bd-header"):
        for button in top_bar.find_class("sidebar-toggle"):
            button.drop_tree()
    # roles that assistive technology accepts in the bibliography
    for element in doc.xpath("//*[@role='doc-biblioentry'] | //*[@role='list']"):
        if element.get("role") != "list" or "citation-list" in classes(element):
            del element.attrib["role"]


def add_title_bar(doc: HtmlElement, title: str, home: str) -> None:
    """The book's title, linked to the landing page, after the sidebar button."""
    items = [i for s in doc.find_class("header-article-items__start")[:1] for i in s]
    item = next((i for i in items if next(i.iter("button"), None) is not None), None)
    if not title or item is None or doc.find_class("header-book-title"):
        return
    item.addnext(E.DIV(E.A(title, href=home), {"class": "header-article-item header-book-title"}))


# --- icons: the few the pages show, drawn by a small script ------------------------------------


def used_icons(doc: HtmlElement) -> set[str]:
    """Solid icons the page uses, e.g. {'bars', 'magnifying-glass'} (size classes dropped)."""
    names = set()
    for element in doc.iter("i", "span"):
        tokens = classes(element)
        if "fas" in tokens or "fa-solid" in tokens:
            names |= {t[3:] for t in tokens if t.startswith("fa-")}
    return names - ICON_MODIFIERS


def solid_icons(fontawesome_js: str) -> dict[str, tuple[int, int, str]]:
    """Every solid icon in Font Awesome's JS bundle: name -> (width, height, SVG path). The
    bundle defines each pack as an object literal, then registers it (d("fas",p))."""
    pack = fontawesome_js[fontawesome_js.index('d("far",p)') : fontawesome_js.index('d("fas",p)')]
    # a regular expression over JavaScript (not HTML); keys are quoted only when they need it
    icons = re.findall(
        r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]', pack
    )
    return {name: (int(w), int(h), path) for name, w, h, path in icons}


def slim_icons(fontawesome_js: str, used: set[str]) -> bytes:
    """A small script that swaps each used icon element (class fa-solid or fas) for its
    inline SVG, as Font Awesome's own script does."""
    icons = solid_icons(fontawesome_js)
    missing = sorted(used - icons.keys())
    if missing:
        raise ValueError(f"icons not in Font Awesome's solid pack: {', '.join(missing)}")
    table = json.dumps({name: icons[name] for name in sorted(used)}, separators=(",", ":"))
    return (
        "(()=>{const I=" + table + ";"
        "const S='http://www.w3.org/2000/svg';"
        "const style=document.createElement('style');"
        "style.textContent=" + json.dumps(ICON_CSS) + ";document.head.appendChild(style);"
        "const draw=()=>{for(const el of document.querySelectorAll('.fa-solid,.fas')){"
        "const name=[...el.classList].map(c=>c.slice(3)).find(n=>I[n]);if(!name)continue;"
        "const [w,h,d]=I[name];const svg=document.createElementNS(S,'svg');"
        "svg.setAttribute('viewBox',`0 0 ${w} ${h}`);"
        "for(const a of el.attributes)svg.setAttribute(a.name,a.value);"
        "svg.setAttribute('class','svg-inline--fa '+el.className);"
        "svg.setAttribute('aria-hidden','true');svg.setAttribute('focusable','false');"
        "const p=document.createElementNS(S,'path');p.setAttribute('fill','currentColor');"
        "p.setAttribute('d',d);svg.appendChild(p);el.replaceWith(svg);}};"
        "document.readyState==='loading'?"
        "document.addEventListener('DOMContentLoaded',draw):draw();})();\n"
    ).encode()


# --- figures: cut, sized, and linked to their files ---------------------------------------------


def shrink_png(path: Path, store: Store | None = None) -> None:
    """Re-save a figure with a 256-colour palette if that makes it smaller."""
    data = path.read_bytes()
    smaller = (store or Store(None)).get("png", [data], lambda: palette_png(data))
    if smaller != data:
        path.write_bytes(smaller)


# A palette colour may differ from the pixel it stands for by at most this much in any channel
# (of 255); a cut that strays further keeps the figure as it was. Without the check, the
# octree cut once turned the pale 95 % bands of Figs 5.2 and 8.4 white (30 levels off).
PALETTE_TOLERANCE = 12


def palette_png(data: bytes) -> bytes:
    """The PNG with a 256-colour palette if that is smaller and faithful (no channel of any
    pixel more than :data:`PALETTE_TOLERANCE` off), else ``data`` itself (also when it has a
    palette already). Opaque figures are cut by maximum coverage, which keeps a large pale
    area (a confidence band) as a colour of its own; figures with transparency by octree."""
    from PIL import Image, ImageChops

    with Image.open(io.BytesIO(data)) as image:
        if image.mode == "P":
            return data
        rgba = image.convert("RGBA")
    opaque = rgba.getextrema()[3][0] == 255
    source = rgba.convert("RGB") if opaque else rgba
    method = Image.Quantize.MAXCOVERAGE if opaque else Image.Quantize.FASTOCTREE
    palette = source.quantize(colors=256, method=method, dither=Image.Dither.NONE)
    error = ImageChops.difference(source, palette.convert(source.mode)).getextrema()
    if max(high for _, high in error) > PALETTE_TOLERANCE:
        return data
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", optimize=True)
    return buffer.getvalue() if buffer.tell() < len(data) else data


def size_images(doc: HtmlElement, sizes: dict[str, tuple[int, int]]) -> None:
    """Give each <img> of a known figure its CSS size: half its pixels (drawn at 2x)."""
    for img in doc.iter("img"):
        src = img.get("src") or ""
        name = file_name(src)
        if "_images/" in src and name in sizes and "width" not in img.attrib:
            width, height = sizes[name]
            img.attrib.update(
                {"width": str(width // 2), "height": str(height // 2)}
                | {"loading": "lazy", "decoding": "async"}
            )


FIGURE_LINK_CLASS = "figure-full"
FIGURE_LINK_TITLE = "Open the figure at full size"


def link_figures(doc: HtmlElement) -> None:
    """Each figure image not already in a link becomes a link to its own file, so that a tap
    on a phone opens the figure at full size (plain HTML, no script)."""
    for img in list(doc.iter("img")):
        src = img.get("src") or ""
        if "_images/" not in src or "://" in src or next(img.iterancestors("a"), None) is not None:
            continue
        link = E.A({"class": FIGURE_LINK_CLASS, "href": src, "title": FIGURE_LINK_TITLE})
        link.tail, img.tail = img.tail, None
        img.getparent().replace(img, link)
        link.append(img)


# --- style sheets: one purged bundle ------------------------------------------------------------

# regular expressions over CSS (not HTML): a url() or @import is one token, and reading the
# whole sheet with tinycss2 only to rewrite them would cost a second parse
CSS_URL = re.compile(r'url\(\s*([\'"]?)([^)\'"]+)\1\s*\)')
CSS_IMPORT = re.compile(r'@import\s+(?:url\()?["\']([^"\']+)["\']\)?\s*;')
ICON_FONT = "fa-solid-900"
ICON_SUBSET = "fa-solid-subset.woff"


def style_sheets(doc: HtmlElement) -> list[str]:
    """The page's style sheets (hrefs without query), if there are two or more, all local."""
    hrefs = [link.get("href") or "" for link in doc.find("head").findall("link[@rel='stylesheet']")]
    if len(hrefs) < 2 or any("://" in href for href in hrefs):
        return []
    return [urlsplit(href).path for href in hrefs]


def link_bundle(page: str, href: str) -> bytes:
    """The page with its style sheets replaced, where the first was, by one link to href."""
    doc = parse(page)
    first, *others = doc.find("head").findall("link[@rel='stylesheet']")
    first.addprevious(E.LINK(rel="stylesheet", href=href))
    for link in [first, *others]:
        link.drop_tree()
    return serialize(doc).encode()


def rebased_css(css_file: Path, static: Path) -> str:
    """A style sheet's text with @import inlined and relative url()s rebased on _static/."""
    text = css_file.read_text(encoding="utf-8")

    def rebase(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^(data:|[a-z]+://|/|#)", target):
            return match.group(0)
        resolved = (css_file.parent / target).resolve()
        return f'url("{Path(os.path.relpath(resolved, static.resolve())).as_posix()}")'

    text = CSS_URL.sub(rebase, text)  # before inlining: imported sheets rebase themselves
    return CSS_IMPORT.sub(lambda m: rebased_css(css_file.parent / m.group(1), static), text)


def icon_font_subset(static: Path, css: str, store: Store | None = None) -> str | None:
    """Cut the solid icon font to the private-use characters the CSS names; the file name to
    use in @font-face, or None if the font is not there."""
    source = next(static.rglob(f"{ICON_FONT}.ttf"), None)
    used = sorted({ord(c) for c in css if 0xE000 <= ord(c) <= 0xF8FF})
    if source is None or not used:
        return None

    def cut() -> bytes:
        from fontTools import subset

        options = subset.Options()
        options.flavor = "woff"
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=used)
        subsetter.subset(font)
        buffer = io.BytesIO()
        subset.save_font(font, buffer, options)
        return buffer.getvalue()

    font = source.read_bytes()
    (static / ICON_SUBSET).write_bytes((store or Store(None)).get("font", [font, str(used)], cut))
    return ICON_SUBSET


def point_icon_font_at(css: str, subset_file: str) -> str:
    """The solid icon font's sources replaced by the subset."""
    return re.sub(
        rf'src:url\("[^"]*{ICON_FONT}\.woff2"\)[^;}}]*',
        f'src:url("{subset_file}") format("woff")',
        css,
    )


def read_css(css: str) -> bytes:
    return json.dumps(purge.read_css(css)).encode()


def make_bundle(
    sheets: Iterable[Path], static: Path, words: frozenset[str], store: Store | None = None
) -> str:
    """The sheets as one style sheet in _static (in their order, without the rules that need a
    class or id missing from words, the site's vocabulary); its file name."""
    store = store or Store(None)
    rules = []
    for sheet in sheets:  # each read once, a slow part; kept apart, so a sheet edited is alone
        css = rebased_css(sheet, static)
        rules += json.loads(store.get("css", [css], partial(read_css, css)))
    css = purge.purge(rules, words) + "\n"
    subset_file = icon_font_subset(static, css, store)
    if subset_file:
        css = point_icon_font_at(css, subset_file)
    name = f"bundle-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    (static / name).write_text(css, encoding="utf-8")
    return name


# --- tables that read on a phone: wide ones become stacked rows -----------------------------------

# On a 390 px phone the article column is 358 CSS px wide. A data table whose columns need more
# than that (at their narrowest: each number, date and word whole) gets class "stack": below
# 48rem each of its rows is shown as a block of "label: value" lines (_static/tables.css), the
# label being the column's header, written into each cell as data-label. At desktop widths it is
# the same table as before. Tables are estimated from their text, with the widths of the book's
# table font (0.9rem, proportional figures about 0.52 em wide) and cell padding.
PHONE_COLUMN_PX = 358
TABLE_CHAR_PX = 7.6
TABLE_CELL_PAD_PX = 17.6
PROSE_MIN_PX = 128  # td.prose keeps 8rem on a phone (tables.css)
STACK_CLASS = "stack"
WHOLE_CELL = {"num", "date", "nowrap"}  # cells that never wrap (unless "parts")
HTML_SPACE = re.compile(r"[ \t\r\n\f]+")  # over a cell's text; not the no-break space


def cell_text(element: HtmlElement) -> str:
    """An element's text, with " " where a line may break (<wbr>)."""
    parts = [" " if element.tag == "wbr" else element.text or ""]
    for child in element:
        if isinstance(child.tag, str):  # not a comment
            parts.append(cell_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def own(table: HtmlElement, *tags: str) -> list[HtmlElement]:
    """The table's elements of these tags, not those of a table inside it."""
    return [e for e in table.iter(*tags) if next(e.iterancestors("table")) is table]


def rows(table: HtmlElement) -> list[list[HtmlElement]]:
    return [[c for c in row if c.tag in ("td", "th")] for row in own(table, "tr")]


def is_head(cell: HtmlElement) -> bool:
    return cell.getparent().getparent().tag == "thead"


def cell_min_px(cell: HtmlElement) -> float:
    """The narrowest the cell can be: its longest unbreakable run of text."""
    text, kinds = cell_text(cell), classes(cell)
    if kinds & WHOLE_CELL and "parts" not in kinds and not is_head(cell):
        pieces = [text.strip()]
    else:
        whole = [cell_text(s).strip() for s in cell.iter("span") if "nowrap" in classes(s)]
        pieces = text.split() + whole
    chars = max((len(p) for p in pieces), default=0)
    width = chars * TABLE_CHAR_PX + TABLE_CELL_PAD_PX
    return max(width, PROSE_MIN_PX) if "prose" in kinds else width


def table_min_px(table: HtmlElement) -> float:
    """The narrowest a table can be: the sum over its columns of their widest cell's minimum."""
    columns: dict[int, float] = {}
    for row in rows(table):
        for i, cell in enumerate(row):
            columns[i] = max(columns.get(i, 0.0), cell_min_px(cell))
    return sum(columns.values())


def data_tables(doc: HtmlElement) -> list[HtmlElement]:
    return [t for t in doc.iter("table") if DATA_TABLE_CLASS in classes(t)]


def stack_wide_tables(doc: HtmlElement, column_px: float = PHONE_COLUMN_PX) -> None:
    """Each data table too wide for a phone's column gets class ``stack``, ARIA roles that keep
    it a table when CSS lays its rows out as blocks, and each body cell the header of its column
    as ``data-label``. Other tables are left as they are."""
    for table in data_tables(doc):
        cells = rows(table)
        header = [row for row in cells if row and all(map(is_head, row))]
        if not header or STACK_CLASS in classes(table) or table_min_px(table) <= column_px:
            continue
        labels = [HTML_SPACE.sub(" ", cell_text(c)).strip() for c in header[-1]]
        table.set("class", f"{STACK_CLASS} {table.get('class')}")
        table.set("role", "table")
        for group in own(table, "thead", "tbody"):
            group.set("role", "rowgroup")
        for caption in own(table, "caption"):  # what it holds (a "Copy link" button) is its own
            caption.set("role", "caption")
        for row, row_cells in zip(own(table, "tr"), cells, strict=True):
            row.set("role", "row")
            for i, cell in enumerate(row_cells):
                if is_head(cell):
                    cell.set("role", "columnheader")
                else:
                    label = labels[i] if i < len(labels) else ""
                    cell.attrib.update({"role": "cell", "data-label": label})


# --- the site --------------------------------------------------------------------------------


def front_door(target: str, title: str) -> str:
    """The root index.html: a valid page that sends the reader on to the landing page."""
    target, title = html.escape(target), html.escape(title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{title}</title>\n"
        f'<meta name="description" content="{title}: the book\'s landing page." />\n'
        '<link rel="icon" href="_static/favicon.svg" />\n'
        f'<link rel="canonical" href="{target}" />\n'
        f'<meta http-equiv="refresh" content="0; url={target}" />\n'
        f'</head><body><p><a href="{target}">{title}</a></p></body></html>\n'
    )


def redirect_target(doc: HtmlElement) -> str | None:
    """Where a page that is nothing but a refresh (jupyter-book's index.html) sends readers."""
    refresh = doc.xpath("//meta[translate(@http-equiv, 'REFSH', 'refsh')='refresh']")
    if not refresh or doc.xpath("//title|//body/*") or doc.text_content().strip():
        return None
    _, _, target = refresh[0].get("content", "").partition("=")
    return target.strip()


def tidy_page(page: str, title: str, home: str, sizes: dict, is_search_page: bool) -> bytes:
    """One page's own edits, and what the site needs from it: its tidied HTML, solid icons and
    style sheets, or the page a redirect sends readers to."""
    doc = parse(page)
    if (target := redirect_target(doc)) is not None:
        return json.dumps({"redirect": target}).encode()
    tidy_head(doc, is_search_page)
    tidy_body(doc)
    size_images(doc, sizes)
    stack_wide_tables(doc)
    link_figures(doc)
    add_title_bar(doc, title, home)
    return json.dumps(
        {"html": serialize(doc), "icons": sorted(used_icons(doc)), "sheets": style_sheets(doc)}
    ).encode()


class Store:
    """Results of earlier builds, each under a digest of its inputs and of this code; with no
    folder, every result is made afresh. What a build did not use is dropped by prune()."""

    def __init__(self, folder: Path | None) -> None:
        self.folder, self.used = folder, set()

    def get(self, kind: str, inputs: Iterable[str | bytes], make: Callable[[], bytes]) -> bytes:
        if self.folder is None:
            return make()
        digest = hashlib.sha256()
        for part in [code_version(), kind, *inputs]:
            data = part if isinstance(part, bytes) else part.encode()
            digest.update(len(data).to_bytes(8, "big") + data)
        path = self.folder / f"{kind}-{digest.hexdigest()[:40]}"
        self.used.add(path.name)
        if path.exists():
            return path.read_bytes()
        data = make()
        self.folder.mkdir(parents=True, exist_ok=True)
        unfinished = path.with_name(path.name + ".partial")
        unfinished.write_bytes(data)
        unfinished.replace(path)  # a build stopped midway leaves no half-written result
        return data

    def prune(self) -> None:
        for old in self.folder.iterdir() if self.folder and self.folder.exists() else []:
            if old.name not in self.used:
                old.unlink()


@cache
def code_version() -> str:
    """This code and the libraries that shape its output."""
    here = Path(__file__).parent
    code = b"".join((here / name).read_bytes() for name in ("tidy.py", "purge.py"))
    libraries = [version(name) for name in ("lxml", "tinycss2", "fonttools", "pillow")]
    return hashlib.sha256(code).hexdigest() + " ".join(libraries)


def tidy_site(site: Path, title: str = "", cache: Path | None = None) -> None:
    """Polish the built site in place; cache: a folder for results that later builds reuse."""
    from PIL import Image

    store = Store(cache)
    static = site / "_static"
    sizes = {}
    for image in sorted((site / "_images").glob("*.png")):
        shrink_png(image, store)
        with Image.open(image) as opened:
            sizes[image.name] = opened.size
    sizes_key = json.dumps(sorted(sizes.items()))
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    records = {}
    for path, text in texts.items():
        home = "../" * len(path.relative_to(site).parent.parts) + "intro.html"
        search = path.name == "search.html"
        inputs = [text, title, home, sizes_key, str(search)]
        made = partial(tidy_page, text, title, home, sizes, search)
        records[path] = json.loads(store.get("page", inputs, made))
    redirects = {p: r["redirect"] for p, r in records.items() if "redirect" in r}
    # a front door that redirects to a page beside it is served as a copy of that page
    doors = {p.parent / to: p for p, to in redirects.items() if p.parent / to in texts}
    for path, target in redirects.items():
        if path not in doors.values():
            path.write_text(front_door(target, title), encoding="utf-8")
    tidied = {p: r for p, r in records.items() if "html" in r}
    fontawesome = site / FONTAWESOME
    if fontawesome.exists():
        icons = set().union(*(r["icons"] for r in tidied.values()))
        original = fontawesome.read_text(encoding="utf-8")
        slim = store.get("icons", [original, *sorted(icons)], partial(slim_icons, original, icons))
        fontawesome.write_bytes(slim)
    scripts = [p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.js"))]
    words = purge.vocabulary([*(r["html"] for r in tidied.values()), *scripts])
    bundles: dict[tuple[Path, ...], str] = {}
    for path, record in tidied.items():
        page = record["html"]
        if record["sheets"]:
            sheets = tuple((path.parent / sheet).resolve() for sheet in record["sheets"])
            if sheets not in bundles:
                bundles[sheets] = make_bundle(sheets, static, words, store)
            href = Path(os.path.relpath(static / bundles[sheets], path.parent)).as_posix()
            page = store.get("linked", [page, href], partial(link_bundle, page, href)).decode()
        if path in doors:
            doors[path].write_text(page, encoding="utf-8")
        if page != texts[path]:
            path.write_text(page, encoding="utf-8")
    store.prune()
