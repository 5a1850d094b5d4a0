"""The pass over built pages: icons, scripts, meta tags and bibliography roles."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from cmac.polish import tidy

BUNDLE = (
    'var p={"address-book":[512,512,[],"f2b9","M1 1z"]};d("fab",p);'
    'p={moon:[384,512,[],"f186","M2 2z"]};d("far",p);'
    'p={bars:[448,512,["navicon"],"f0c9","M0 96z"],"magnifying-glass":[512,512,'
    '[128269,"search"],"f002","M416 208z"],moon:[384,512,[127769,9214],"f186","M3 3z"]};'
    'd("fas",p);'
)
PAGE = """<html><head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />\
<meta name="viewport" content="width=device-width, initial-scale=1" />
<script src="../_static/documentation_options.js?v=1"></script>
<script src="../_static/doctools.js?v=2"></script>
<script defer src="../_static/scripts/bootstrap.js"></script>
<script>DOCUMENTATION_OPTIONS.pagename = 'x';</script>
<script src="../_static/searchtools.js"></script>
<script src="../searchindex.js"></script>
</head><body><article class="bd-article"><h1>T</h1><p>First &amp; <a href="#">only</a>
paragraph.</p></article>
<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">x</div></div>
<span class="fa-solid fa-bars"></span><i class="theme-switch fa-solid fa-moon fa-lg"></i>
</body></html>"""


def tidied(page: str, edit: Callable[..., None], *args: object) -> str:
    doc = tidy.parse(page)
    edit(doc, *args)
    return tidy.serialize(doc)


def test_html5_void_elements_hold_nothing() -> None:
    doc = tidy.parse("<table><tr><td>data/<wbr>national_<wbr>clearance.csv</td></tr></table>")
    [first, second] = doc.iter("wbr")
    assert (len(first), first.text, first.tail) == (0, None, "national_")
    assert (len(second), second.text, second.tail) == (0, None, "clearance.csv")


def test_only_the_hidden_top_bar_toggles_go() -> None:
    page = (
        '<header class="bd-header navbar"><div><button class="pst-navbar-icon sidebar-toggle '
        'primary-toggle">x</button></div></header><div class="header-article-items__end">'
        '<button class="sidebar-toggle secondary-toggle btn pst-navbar-icon">y</button></div>'
    )
    doc = tidy.parse(page)
    tidy.tidy_body(doc)
    assert [b.text for b in doc.iter("button")] == ["y"]


def test_used_icons_reads_solid_icons_from_i_and_span() -> None:
    assert tidy.used_icons(tidy.parse(PAGE + '<i class="fab fa-github"></i>')) == {"bars", "moon"}


def test_solid_icons_come_from_the_solid_pack_with_quoted_and_bare_keys() -> None:
    icons = tidy.solid_icons(BUNDLE)
    assert icons["moon"] == (384, 512, "M3 3z")  # not the regular pack's M2 2z
    assert icons["magnifying-glass"] == (512, 512, "M416 208z")
    assert "address-book" not in icons


def test_slim_icons_holds_only_the_used_icons_and_refuses_unknown_ones() -> None:
    script = tidy.slim_icons(BUNDLE, {"bars"}).decode()
    assert '"bars":[448,512,"M0 96z"]' in script and "M416" not in script
    with pytest.raises(ValueError, match="unicorn"):
        tidy.slim_icons(BUNDLE, {"unicorn"})


def test_tidy_head_defers_scripts_drops_search_and_adds_description() -> None:
    doc = tidy.parse(PAGE)
    tidy.tidy_head(doc)
    tidy.tidy_body(doc)
    page = tidy.serialize(doc)
    head = doc.find("head")
    assert [(s.get("src"), "defer" in s.attrib) for s in head.iter("script") if s.get("src")] == [
        ("../_static/documentation_options.js?v=1", False),
        ("../_static/doctools.js?v=2", True),
        ("../_static/scripts/bootstrap.js", True),
    ]
    [viewport] = head.xpath("meta[@name='viewport']")
    assert viewport.get("content") == "width=device-width, initial-scale=1"
    assert '<meta name="description" content="First &amp; only paragraph.">' in page
    assert 'role="list"' not in page and "doc-biblioentry" not in page


def test_search_page_keeps_its_scripts_and_stubs_are_redirects() -> None:
    assert "searchtools.js" in tidied(PAGE, tidy.tidy_head, True)
    stub = '<meta http-equiv="Refresh" content="0; url=intro.html" />\n'
    assert tidy.redirect_target(tidy.parse(stub)) == "intro.html"
    assert tidy.redirect_target(tidy.parse(PAGE)) is None


def test_description_is_cut_at_a_word() -> None:
    long = '<article class="bd-article"><p>' + "word " * 60 + "</p>"
    text = tidy.page_description(tidy.parse(long))
    assert len(text) <= tidy.DESCRIPTION_LENGTH + 2 and text.endswith(" …")


def test_images_get_their_css_size_and_shrink(tmp_path) -> None:  # noqa: ANN001
    from PIL import Image

    page = '<p><img alt="A chart" src="../_images/abc.png" /></p>'
    assert '<p><img alt="A chart" src="../_images/abc.png" width="768" height="480" ' in (
        tidied(page, tidy.size_images, {"abc.png": (1536, 960)})
    )
    assert tidied(page, tidy.size_images, {}) == tidy.serialize(tidy.parse(page))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(range(50), [x**0.5 for x in range(50)], lw=3)
    ax.set_title("A chart with antialiased lines and text")
    figure = tmp_path / "f.png"
    fig.savefig(figure, dpi=200)
    plt.close(fig)
    before = figure.stat().st_size
    tidy.shrink_png(figure)
    assert figure.stat().st_size < before
    with Image.open(figure) as shrunk:
        assert shrunk.size == (1280, 800) and shrunk.mode == "P"
    once = figure.read_bytes()
    assert tidy.palette_png(once) is once  # a palette figure is left as it is


def test_a_palette_cut_keeps_a_pale_band_and_refuses_to_stray() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.fill_between([0, 10], [0, 4], [6, 10], color="#56b4e9", alpha=0.18, lw=0)
    ax.plot([0, 10], [3, 7], lw=3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200)
    plt.close(fig)
    with Image.open(buffer) as drawn:
        band = drawn.convert("RGB").getpixel((640, 480))  # inside the band, off the line
    assert max(band) - min(band) > 20  # a pale blue, not white
    cut = tidy.palette_png(buffer.getvalue())
    with Image.open(io.BytesIO(cut)) as shrunk:
        assert shrunk.mode == "P"
        kept = shrunk.convert("RGB").getpixel((640, 480))
    assert max(abs(a - b) for a, b in zip(kept, band, strict=True)) <= tidy.PALETTE_TOLERANCE

    noise = np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    many = io.BytesIO()
    Image.fromarray(noise).save(many, "PNG")
    assert tidy.palette_png(many.getvalue()) == many.getvalue()  # no faithful palette exists


def test_title_bar_goes_after_the_sidebar_button_once() -> None:
    page = (
        '<div class="header-article-items__start"><div class="header-article-item">'
        "<button>x</button></div></div>"
    )
    once = tidied(page, tidy.add_title_bar, "CMAC & UXO", "../intro.html")
    assert once.count("header-book-title") == 1
    assert '<a href="../intro.html">CMAC &amp; UXO</a>' in once
    assert once.index("</button></div><div") < once.index("header-book-title")
    assert tidied(once, tidy.add_title_bar, "CMAC & UXO", "../intro.html") == once


def test_style_sheets_become_one_bundle_with_urls_rebased(tmp_path) -> None:  # noqa: ANN001
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text(".a{background:url(file.png)}")
    (static / "styles" / "theme.css").write_text('@import "../basic.css";\n.b{color:red}')
    (static / "styles" / "fonts.css").write_text(
        '@font-face{src:url(../vendor/webfonts/fa-solid-900.woff2) format("woff2")}'
        '.c{background:url("data:image/svg+xml;x")}'
    )
    (static / "book.css").write_text(".d{color:blue}")
    page = (
        '<html><head><link href="../_static/styles/theme.css?d=1" rel="stylesheet" />\n'
        '<link rel="stylesheet" type="text/css" href="../_static/styles/fonts.css" />\n'
        '<link rel="stylesheet" type="text/css" href="../_static/book.css?v=2" />\n'
        "<title>x</title></head><body></body></html>"
    )
    hrefs = tidy.style_sheets(tidy.parse(page))
    sheets = [(tmp_path / "chapters" / href).resolve() for href in hrefs]
    name = tidy.make_bundle(sheets, static, frozenset("abcd"))
    out = tidy.link_bundle(page, f"../_static/{name}").decode()
    assert (
        out.count("<link") == 1 and f'<head><link rel="stylesheet" href="../_static/{name}">' in out
    )
    css = (static / name).read_text()
    assert css.index(".a{") < css.index(".b{") < css.index(".d{")  # the cascade order is kept
    assert 'url("file.png")' in css and "@import" not in css
    assert 'url("vendor/webfonts/fa-solid-900.woff2")' in css
    assert "data:image/svg+xml;x" in css
    assert tidy.make_bundle(sheets, static, frozenset("abcd")) == name


def test_icon_font_points_at_the_subset() -> None:
    css = '@font-face{font-weight:900;src:url("vendor/fa-solid-900.woff2") format("woff2"),url("vendor/fa-solid-900.ttf") format("truetype")}'  # noqa: E501
    assert tidy.point_icon_font_at(css, "fa-solid-subset.woff") == (
        '@font-face{font-weight:900;src:url("fa-solid-subset.woff") format("woff")}'
    )


def test_icon_font_subset_keeps_only_the_icons_the_css_uses(tmp_path) -> None:  # noqa: ANN001
    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    package = Path(pydata_sphinx_theme.__file__).parent
    source = next(package.rglob("fa-solid-900.ttf"))
    static = tmp_path / "_static"
    (static / "vendor").mkdir(parents=True)
    (static / "vendor" / source.name).write_bytes(source.read_bytes())
    name = tidy.icon_font_subset(static, '.tip:after{content:"\uf0eb"} .x:after{content:"A"}')
    subset = static / name
    assert subset.stat().st_size < source.stat().st_size / 20
    assert set(TTFont(subset).getBestCmap()) == {0xF0EB}


def test_front_door_is_a_valid_page_that_redirects() -> None:
    page = tidy.front_door("intro.html", "CMAC & UXO")
    assert page.startswith("<!DOCTYPE html>") and "<title>CMAC &amp; UXO</title>" in page
    assert '<link rel="icon" href="_static/favicon.svg" />' in page
    assert 'content="0; url=intro.html"' in page and '<a href="intro.html">' in page


def test_front_door_serves_the_landing_page_without_a_redirect(tmp_path: Path) -> None:
    (tmp_path / "_images").mkdir()
    redirect = '<meta http-equiv="Refresh" content="0; url=intro.html" />'
    (tmp_path / "index.html").write_text(redirect)
    (tmp_path / "intro.html").write_text(PAGE)
    tidy.tidy_site(tmp_path, "CMAC")
    index = (tmp_path / "index.html").read_text()
    assert index == (tmp_path / "intro.html").read_text()
    assert "Refresh" not in index and 'name="description"' in index


# --- wide tables stack on a phone ------------------------------------------------------------

WIDE_TABLE = """<p>before</p>
<div class="pst-scrollable-table-container"><table class="data-table table table-left" id="tbl-x">
<caption><span class="caption-number">Table 4.1 </span><span class="caption-text">C</span></caption>
<thead>
<tr class="row-odd"><th class="head num"><p>Number</p></th>
<th class="head date"><p>When</p></th>
<th class="head"><p>Effect, % (95&nbsp;% CI) &amp; "more"</p></th>
<th class="head"><p>Event</p></th>
</tr>
</thead>
<tbody>
<tr class="row-even"><td class="num"><p>1</p></td>
<td class="date"><p>1996-10</p></td>
<td class="num parts"><p><span class="nowrap">21.4</span>
<span class="nowrap">(17.2 to 25.7)</span></p></td>
<td class="prose"><p>Tokyo conference on anti-personnel mines adopts the Tokyo Guidelines</p></td>
</tr>
</tbody>
</table>
</div>
<table class="data-table table" id="tbl-narrow"><thead><tr><th class="head"><p>Year</p></th>
</tr></thead><tbody><tr><td class="date"><p>1996</p></td></tr></tbody></table>
<table class="table" id="not-data"><thead><tr><th>A very long header that is not a data table
at all, really</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>
"""


def test_a_wide_table_gets_labels_roles_and_the_stack_class() -> None:
    page = tidied(WIDE_TABLE, tidy.stack_wide_tables)
    assert '<table class="stack data-table table table-left" id="tbl-x" role="table">' in page
    assert '<thead role="rowgroup">' in page and '<tbody role="rowgroup">' in page
    assert '<caption role="caption">' in page
    assert '<tr class="row-odd" role="row"><th class="head num" role="columnheader">' in page
    assert '<td class="num" role="cell" data-label="Number"><p>1</p></td>' in page
    assert '<td class="date" role="cell" data-label="When">' in page
    assert '<td class="prose" role="cell" data-label="Event">' in page
    # the label is the header's text (a no-break space kept), in the attribute as it is
    labels = [td.get("data-label") for td in tidy.parse(page).iter("td")]
    assert labels[2] == 'Effect, % (95\u00a0% CI) & "more"'


def test_narrow_and_other_tables_are_left_alone() -> None:
    page = tidied(WIDE_TABLE, tidy.stack_wide_tables)
    narrow = tidy.serialize(tidy.parse(WIDE_TABLE))
    narrow = narrow[narrow.index('<table class="data-table table" id="tbl-narrow">') :]
    assert narrow in page  # unchanged, with everything after it
    assert tidied(page, tidy.stack_wide_tables) == page


def test_a_table_is_as_wide_as_its_longest_unbreakable_runs() -> None:
    (table, narrow) = tidy.data_tables(tidy.parse(WIDE_TABLE))
    char, pad = tidy.TABLE_CHAR_PX, tidy.TABLE_CELL_PAD_PX
    columns = [
        len("Number") * char + pad,  # a header wraps between words: "Number" is its longest
        len("1996-10") * char + pad,  # a date never wraps
        len("(17.2 to 25.7)") * char + pad,  # an estimate may wrap before its interval only
        tidy.PROSE_MIN_PX,  # a column of sentences keeps 8rem
    ]
    assert tidy.table_min_px(table) == pytest.approx(sum(columns))
    assert tidy.table_min_px(narrow) == pytest.approx(len("1996") * char + pad)
    assert tidy.table_min_px(table) > tidy.PHONE_COLUMN_PX > tidy.table_min_px(narrow)


def test_figures_link_to_their_image_files() -> None:
    page = (
        '<figure class="align-default" id="fig-a">\n'
        '<img width="781" height="488" alt="A &quot;chart&quot;" src="../_images/ab&amp;c.png" />\n'
        "<figcaption><p>Fig. 5.3</p></figcaption></figure>\n"
        '<a href="x.html"><img src="../_images/linked.png" alt="already linked" /></a>\n'
        '<img src="../_static/logo.png" alt="a logo" />'
    )
    linked = tidied(page, tidy.link_figures)
    assert (
        '<a class="figure-full" href="../_images/ab&amp;c.png" '
        'title="Open the figure at full size"><img width="781" height="488" '
        """alt='A "chart"' src="../_images/ab&amp;c.png"></a>\n<figcaption>"""
    ) in linked
    assert linked.count("<a ") == 2  # the linked image and the logo are left alone
    assert tidied(linked, tidy.link_figures) == linked  # once only


# --- the cache: the same site, byte for byte, redoing only what changed -----------------------


def small_site(folder: Path, words: str = "only") -> Path:
    from PIL import Image

    (folder / "_static" / "scripts").mkdir(parents=True)
    (folder / "_images").mkdir()
    (folder / "chapters").mkdir()
    (folder / tidy.FONTAWESOME).write_text(BUNDLE)
    (folder / "_static" / "a.css").write_text(".card{color:red}.absent{color:blue}")
    (folder / "_static" / "b.css").write_text(".citation{color:green}")
    Image.new("RGB", (40, 20), "#56b4e9").save(folder / "_images" / "f.png")
    (folder / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />')
    for page, up in [(folder / "intro.html", ""), (folder / "chapters" / "one.html", "../")]:
        links = "".join(f'<link rel="stylesheet" href="{up}_static/{n}.css" />' for n in "ab")
        figure = f'<p><img src="{up}_images/f.png" alt="A figure" /></p>'
        text = PAGE.replace("<head>", "<head>" + links).replace("</article>", figure + "</article>")
        page.write_text(text.replace("only", words if page.parent.name == "chapters" else "only"))
    return folder


def files(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()
    }


def test_the_cache_changes_nothing_and_redoes_only_the_page_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    plain = small_site(tmp_path / "plain")
    tidy.tidy_site(plain, "CMAC")
    for run in ["cold", "warm"]:
        site = small_site(tmp_path / run)
        tidy.tidy_site(site, "CMAC", cache)
        assert files(site) == files(plain), run
    parsed, parse = [], tidy.parse
    monkeypatch.setattr(tidy, "parse", lambda page: parsed.append(page) or parse(page))
    edited = small_site(tmp_path / "edited", words="newly edited")
    tidy.tidy_site(edited, "CMAC", cache)
    assert len(parsed) == 2 and "newly edited" in parsed[0]  # its edits, then its bundle link
    monkeypatch.undo()
    fresh = small_site(tmp_path / "fresh", words="newly edited")
    tidy.tidy_site(fresh, "CMAC")
    assert files(edited) == files(fresh)
