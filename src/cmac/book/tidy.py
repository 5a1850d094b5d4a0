"""Lighter, cleaner published pages: a pass over the built HTML after jupyter-book.

The theme's templates hard-code things no page option turns off. This pass, tested on
strings, makes each page:
- load Font Awesome as the few icons the site shows (about 3 KB) instead of the whole
  1.5 MB icon library;
- load the search scripts only on the search page, and its other scripts deferred, so
  nothing but the small options file blocks the first paint;
- carry one viewport tag and a meta description (its first paragraph);
- use list roles that assistive technology accepts in the bibliography;
- show the book's title in the page header, which on a phone is the only bar on screen;
- load its style sheets as one file (one request instead of a dozen before the first paint),
  with the icon font cut to the few icons the style sheets use (about 150 KB less);
- size its figures: each PNG is cut to a 256-colour palette when that is smaller (plots have
  few colours; about a third of the bytes; the chapters' figures arrive cut already, by
  :mod:`cmac.book.figures`, so only other images are cut here), and each <img> gets width
  and height (half the pixel size, as the figures are drawn at 2x or more) so the page does
  not jump as it loads, and loads lazily, so figures further down do not compete with the
  text for the network;
- make each data table too wide for a phone's column stack its rows there (class ``stack``,
  ARIA roles, and each cell's column header as ``data-label``; :func:`stack_wide_tables`);
- link each figure to its image file, so that a tap on a phone opens it at full size;
- serve the site's front door (a bare redirect to the landing page) as a copy of the landing
  page, which names itself canonical, so a reader waits for no redirect; a redirect elsewhere
  becomes a small valid page with a title, an icon and a link.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from cmac.book.purge import purge_css, vocabulary
from cmac.cells import DATA_TABLE_CLASS

FONTAWESOME = Path("_static") / "scripts" / "fontawesome.js"
SEARCH_SCRIPTS = ("searchtools.js", "language_data.js", "searchindex.js")
KEEP_BLOCKING = ("documentation_options.js",)  # inline scripts read DOCUMENTATION_OPTIONS
VIEWPORT = re.compile(r'<meta name="viewport"[^>]*/?>\s*')
ICON_ELEMENT = re.compile(r'<(?:i|span) class="([^"]*)"')
ICON_MODIFIERS = {"solid", "lg", "sm", "xs", "xl", "fw", "2x", "3x"}
ICON_CSS = (
    ".svg-inline--fa{display:inline-block;height:1em;overflow:visible;"
    "vertical-align:-.125em;box-sizing:content-box}"
    ".svg-inline--fa.fa-lg{font-size:1.25em;vertical-align:-.2em}"
)
DESCRIPTION_LENGTH = 155


def used_icons(pages: Iterable[str]) -> set[str]:
    """Solid icons the pages use, e.g. {'bars', 'magnifying-glass'} (size classes dropped)."""
    names = set()
    for page in pages:
        for classes in ICON_ELEMENT.findall(page):
            tokens = classes.split()
            if "fas" in tokens or "fa-solid" in tokens:
                names |= {t[3:] for t in tokens if t.startswith("fa-")}
    return names - ICON_MODIFIERS


def solid_icons(fontawesome_js: str) -> dict[str, tuple[int, int, str]]:
    """Every solid icon in Font Awesome's JS bundle: name -> (width, height, SVG path). The
    bundle defines each pack as an object literal, then registers it (d("fas",p))."""
    start = fontawesome_js.index('d("far",p)')
    end = fontawesome_js.index('d("fas",p)')
    pack = fontawesome_js[start:end]
    # keys are quoted only when they need it: "arrow-up":[…] but bars:[…]
    icons = re.findall(
        r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]', pack
    )
    return {name: (int(w), int(h), path) for name, w, h, path in icons}


def slim_icons(fontawesome_js: str, used: set[str]) -> str:
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
    )


def page_description(page: str) -> str:
    """The article's first paragraph as plain text, cut at a word near 155 characters."""
    article = page[page.find('<article class="bd-article"') :]
    match = re.search(r"<p>(.*?)</p>", article, re.S)
    if not match:
        return ""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())
    if len(text) > DESCRIPTION_LENGTH:
        text = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0] + " …"
    return text


# pydata-sphinx-theme 0.17 puts sidebar buttons in its top bar, which the book theme hides, and
# both themes bind only the first ".primary-toggle" (and ".secondary-toggle") of a page: the
# buttons a phone shows did nothing (pydata-sphinx-theme issue 2451). Without the hidden ones,
# the visible buttons are the first.
NAVBAR_TOGGLE = re.compile(
    r'\s*<button class="pst-navbar-icon sidebar-toggle (?:primary|secondary)-toggle"[^>]*>'
    r".*?</button>",
    re.S,
)
HEADER_START = '<div class="header-article-items__start">'


def add_title_bar(page: str, title: str, home: str) -> str:
    """The book's title, linked to the landing page, after the sidebar button."""
    if not title or HEADER_START not in page or "header-book-title" in page:
        return page
    link = (
        f'<div class="header-article-item header-book-title">'
        f'<a href="{html.escape(home)}">{html.escape(title)}</a></div>'
    )
    start = page.index(HEADER_START)
    end = page.index("</div>", page.index("</button>", start)) + len("</div>")
    return page[:end] + link + page[end:]


def tidy_page(page: str, is_search_page: bool = False) -> str:
    head_end = page.find("</head>")
    if head_end < 0:
        return page  # a redirect stub such as index.html
    head, body = page[:head_end], page[head_end:]
    if not is_search_page:
        for script in SEARCH_SCRIPTS:
            head = re.sub(rf'\s*<script src="[^"]*{re.escape(script)}[^"]*"></script>', "", head)

    def defer(match: re.Match[str]) -> str:
        tag = match.group(0)
        if any(name in tag for name in KEEP_BLOCKING) or re.search(r"\b(defer|async)\b", tag):
            return tag
        return tag.replace("<script ", "<script defer ", 1)

    head = re.sub(r"<script [^>]*\bsrc=\"[^\"]+\"[^>]*>", defer, head)
    viewports = VIEWPORT.findall(head)
    if len(viewports) > 1:
        head = VIEWPORT.sub("", head)
        head = head.replace(
            "<meta charset",
            '<meta name="viewport" content="width=device-width, '
            'initial-scale=1" />\n    <meta charset',
            1,
        )
    description = page_description(page)
    if description and 'name="description"' not in head:
        head += f'<meta name="description" content="{html.escape(description)}" />\n'
    body = body.replace('role="list" class="citation-list"', 'class="citation-list"')
    body = body.replace(' role="doc-biblioentry"', "")
    body = NAVBAR_TOGGLE.sub("", body)
    return head + body


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


REDIRECT = re.compile(r'^\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$', re.I)


def tidy_site(site: Path, title: str = "") -> None:
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    bundle = site / FONTAWESOME
    if bundle.exists():
        slim = slim_icons(bundle.read_text(encoding="utf-8"), used_icons(texts.values()))
        bundle.write_text(slim, encoding="utf-8")
    from PIL import Image

    sizes = {}
    for image in sorted((site / "_images").glob("*.png")):
        shrink_png(image)
        with Image.open(image) as opened:
            sizes[image.name] = opened.size
    bundles: dict[tuple[str, ...], str] = {}
    redirects = {p: m.group(1) for p, t in texts.items() if (m := REDIRECT.match(t))}
    # a front door that redirects to a page beside it is served as a copy of that page
    doors = {p.parent / to: p for p, to in redirects.items() if p.parent / to in texts}
    tidied = {}
    for path, text in texts.items():
        if path in redirects:
            if path not in doors.values():
                path.write_text(front_door(redirects[path], title), encoding="utf-8")
            continue
        tidy = size_images(tidy_page(text, is_search_page=path.name == "search.html"), sizes)
        tidy = link_figures(stack_wide_tables(tidy))
        home = "../" * len(path.relative_to(site).parent.parts) + "intro.html"
        tidied[path] = add_title_bar(tidy, title, home)
    scripts = [p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.js"))]
    words = vocabulary([*tidied.values(), *scripts])
    for path, tidy in tidied.items():
        tidy = bundle_styles(tidy, path.parent, site / "_static", bundles, words)
        if path in doors:
            doors[path].write_text(tidy, encoding="utf-8")
        if tidy != texts[path]:
            path.write_text(tidy, encoding="utf-8")


def shrink_png(path: Path) -> None:
    """Re-save a figure with a 256-colour palette if that makes it smaller."""
    data = path.read_bytes()
    smaller = palette_png(data)
    if smaller is not data:
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


def size_images(page: str, sizes: dict[str, tuple[int, int]]) -> str:
    """Give each <img> of a known figure its CSS size: half its pixels (drawn at 2x)."""

    def sized(match: re.Match[str]) -> str:
        tag = match.group(0)
        name = Path(match.group(1)).name
        if name not in sizes or " width=" in tag:
            return tag
        width, height = sizes[name]
        return tag.replace(
            "<img ",
            f'<img width="{width // 2}" height="{height // 2}" loading="lazy" decoding="async" ',
            1,
        )

    return re.sub(r'<img [^>]*src="[^"]*_images/([^"]+\.png)"[^>]*>', sized, page)


STYLESHEET = re.compile(r'<link [^>]*rel="stylesheet"[^>]*>\s*')
HREF = re.compile(r'href="([^"?]+)(?:\?[^"]*)?"')
CSS_URL = re.compile(r'url\(\s*([\'"]?)([^)\'"]+)\1\s*\)')
CSS_IMPORT = re.compile(r'@import\s+(?:url\()?["\']([^"\']+)["\']\)?\s*;')
ICON_FONT = "fa-solid-900"
ICON_SUBSET = "fa-solid-subset.woff"


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


def icon_font_subset(static: Path, css: str) -> str | None:
    """Cut the solid icon font to the private-use characters the CSS names; the file name to
    use in @font-face, or None if the font is not there."""
    source = next(static.rglob(f"{ICON_FONT}.ttf"), None)
    if source is None:
        return None
    from fontTools import subset

    used = sorted({ord(c) for c in css if 0xE000 <= ord(c) <= 0xF8FF})
    if not used:
        return None
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=used)
    subsetter.subset(font)
    subset.save_font(font, str(static / ICON_SUBSET), options)
    return ICON_SUBSET


def point_icon_font_at(css: str, subset_file: str) -> str:
    """The solid icon font's sources replaced by the subset."""
    return re.sub(
        rf'src:url\("[^"]*{ICON_FONT}\.woff2"\)[^;}}]*',
        f'src:url("{subset_file}") format("woff")',
        css,
    )


def bundle_styles(
    page: str,
    page_dir: Path,
    static: Path,
    bundles: dict[tuple[str, ...], str],
    words: frozenset[str] | None = None,
) -> str:
    """One <link> to one bundled style sheet, in the original order, instead of many; without
    the rules that need a class or id missing from words (the site's vocabulary), if given."""
    head_end = page.find("</head>")
    links = STYLESHEET.findall(page[:head_end]) if head_end > 0 else []
    files = []
    for link in links:
        href = HREF.search(link)
        if not href or "://" in href.group(1):
            return page
        files.append((page_dir / href.group(1)).resolve())
    if len(files) < 2:
        return page
    key = tuple(str(f) for f in files)
    if key not in bundles:
        css = "\n".join(rebased_css(f, static) for f in files)
        if words is not None:
            css = purge_css(css, words)
        subset_file = icon_font_subset(static, css)
        if subset_file:
            css = point_icon_font_at(css, subset_file)
        name = f"bundle-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        (static / name).write_text(css, encoding="utf-8")
        bundles[key] = name
    href = Path(os.path.relpath(static / bundles[key], page_dir)).as_posix()
    first = page.index(links[0])
    head = page[:head_end]
    for link in links:
        head = head.replace(link, "", 1)
    head = head[:first] + f'<link rel="stylesheet" href="{href}" />\n' + head[first:]
    return head + page[head_end:]


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
HTML_SPACE = re.compile(r"[ \t\r\n\f]+")  # not the no-break space


class _Cell:
    def __init__(self, tag: str, start: int, end: int, classes: set[str], head: bool) -> None:
        self.tag, self.start, self.end, self.classes, self.head = tag, start, end, classes, head
        self.text: list[str] = []  # the cell's text, " " where a line may break (<wbr>)
        self.whole: list[str] = []  # texts of span.nowrap: values that never break

    def min_px(self) -> float:
        """The narrowest the cell can be: its longest unbreakable run of text."""
        text = "".join(self.text)
        if self.classes & WHOLE_CELL and "parts" not in self.classes and not self.head:
            pieces = [text.strip()]
        else:
            pieces = text.split() + [w.strip() for w in self.whole]
        chars = max((len(p) for p in pieces), default=0)
        width = chars * TABLE_CHAR_PX + TABLE_CELL_PAD_PX
        return max(width, PROSE_MIN_PX) if "prose" in self.classes else width


class _Table:
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end  # the <table ...> start tag
        self.rows: list[list[_Cell]] = []
        self.row_tags: list[tuple[int, int]] = []
        self.groups: list[tuple[int, int]] = []  # <thead>, <tbody>
        self.captions: list[tuple[int, int]] = []


class _TableReader(HTMLParser):
    """Where the data tables of a page are, with their cells' text and classes (offsets into
    the page, so the page can be changed only where needed)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0]
        for line in page.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.tables: list[_Table] = []
        self.table: _Table | None = None
        self.depth = 0  # tables inside a data table (none expected) are left alone
        self.cell: _Cell | None = None
        self.head = False
        self.whole_depth = 0  # inside span.nowrap
        self.span_depth = 0
        self.feed(page)
        self.close()

    def _where(self) -> tuple[int, int]:
        line, column = self.getpos()
        start = self.lines[line - 1] + column
        return start, start + len(self.get_starttag_text() or "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "table":
            if self.table is not None:
                self.depth += 1
            elif DATA_TABLE_CLASS in classes:
                self.table = _Table(*self._where())
            return
        if self.table is None or self.depth:
            return
        if tag == "caption":
            self.table.captions.append(self._where())
        elif tag in ("thead", "tbody"):
            self.head = tag == "thead"
            self.table.groups.append(self._where())
        elif tag == "tr":
            self.table.rows.append([])
            self.table.row_tags.append(self._where())
        elif tag in ("td", "th") and self.table.rows:
            self.cell = _Cell(tag, *self._where(), classes, self.head)
            self.table.rows[-1].append(self.cell)
        elif tag == "wbr" and self.cell is not None:
            self.cell.text.append(" ")
        elif tag == "span" and self.cell is not None:
            self.span_depth += 1
            if "nowrap" in classes and not self.whole_depth:
                self.whole_depth = self.span_depth
                self.cell.whole.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr" and self.cell is not None:
            self.cell.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self.depth:
                self.depth -= 1
            elif self.table is not None:
                self.tables.append(self.table)
                self.table = None
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "span" and self.cell is not None and self.span_depth:
            if self.whole_depth == self.span_depth:
                self.whole_depth = 0
            self.span_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is None or self.depth:
            return
        self.cell.text.append(data)
        if self.whole_depth:
            self.cell.whole[-1] += data


def table_min_px(table: _Table) -> float:
    """The narrowest a table can be: the sum over its columns of their widest cell's minimum."""
    columns: dict[int, float] = {}
    for row in table.rows:
        for i, cell in enumerate(row):
            columns[i] = max(columns.get(i, 0.0), cell.min_px())
    return sum(columns.values())


def _with_attributes(tag: str, extra: str) -> str:
    """A start tag with attributes added before its '>'."""
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + extra + tag[end:]


def _with_class(tag: str, name: str) -> str:
    start = tag.find('class="')
    if start < 0:
        return _with_attributes(tag, f' class="{name}"')
    start += len('class="')
    return tag[:start] + name + " " + tag[start:]


def stack_wide_tables(page: str, column_px: float = PHONE_COLUMN_PX) -> str:
    """Each data table too wide for a phone's column gets class ``stack``, ARIA roles that keep
    it a table when CSS lays its rows out as blocks, and each body cell the header of its column
    as ``data-label`` (escaped text). Other tables and the rest of the page are left as they are."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) of start tags
    for table in _TableReader(page).tables:
        header = [r for r, row in enumerate(table.rows) if row and all(c.head for c in row)]
        if not header or table_min_px(table) <= column_px:
            continue
        # the headers' text, with runs of HTML white space as one space (a no-break space stays)
        labels = [HTML_SPACE.sub(" ", "".join(c.text)).strip() for c in table.rows[header[-1]]]
        tag = _with_class(page[table.start : table.end], STACK_CLASS)
        edits.append((table.start, table.end, _with_attributes(tag, ' role="table"')))
        for start, end in table.groups:
            edits.append((start, end, _with_attributes(page[start:end], ' role="rowgroup"')))
        for start, end in table.captions:  # what it holds (a "Copy link" button) is its own
            edits.append((start, end, _with_attributes(page[start:end], ' role="caption"')))
        for (start, end), row in zip(table.row_tags, table.rows, strict=True):
            edits.append((start, end, _with_attributes(page[start:end], ' role="row"')))
            for i, cell in enumerate(row):
                text = page[cell.start : cell.end]
                if cell.head:
                    extra = ' role="columnheader"'
                else:
                    label = labels[i] if i < len(labels) else ""
                    extra = f' role="cell" data-label="{html.escape(label, quote=True)}"'
                edits.append((cell.start, cell.end, _with_attributes(text, extra)))
    for start, end, new in sorted(edits, reverse=True):
        page = page[:start] + new + page[end:]
    return page


# --- figures open at full size ----------------------------------------------------------------

FIGURE_LINK_CLASS = "figure-full"
FIGURE_LINK_TITLE = "Open the figure at full size"


class _ImageReader(HTMLParser):
    """Where the figures (images from _images/) of a page are, and whether each is in a link."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0]
        for line in page.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.links = 0
        self.images: list[tuple[int, int, str]] = []  # start, end of <img ...>, its src
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += 1
        elif tag == "img":
            self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src") or ""
        if tag != "img" or self.links or "_images/" not in src or "://" in src:
            return
        line, column = self.getpos()
        start = self.lines[line - 1] + column
        self.images.append((start, start + len(self.get_starttag_text() or ""), src))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            self.links -= 1


def link_figures(page: str) -> str:
    """Each figure image not already in a link becomes a link to its own file, so that a tap
    on a phone opens the figure at full size (plain HTML, no script)."""
    for start, end, src in reversed(_ImageReader(page).images):
        link = (
            f'<a class="{FIGURE_LINK_CLASS}" href="{html.escape(src, quote=True)}" '
            f'title="{FIGURE_LINK_TITLE}">'
        )
        page = page[:start] + link + page[start:end] + "</a>" + page[end:]
    return page
