"""The pass over built pages: icons, scripts, meta tags and bibliography roles."""

from __future__ import annotations

import pytest

from cmac import tidy

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


def test_used_icons_reads_solid_icons_from_i_and_span() -> None:
    assert tidy.used_icons([PAGE, '<i class="fab fa-github"></i>']) == {"bars", "moon"}


def test_solid_icons_come_from_the_solid_pack_with_quoted_and_bare_keys() -> None:
    icons = tidy.solid_icons(BUNDLE)
    assert icons["moon"] == (384, 512, "M3 3z")  # not the regular pack's M2 2z
    assert icons["magnifying-glass"] == (512, 512, "M416 208z")
    assert "address-book" not in icons


def test_slim_icons_holds_only_the_used_icons_and_refuses_unknown_ones() -> None:
    script = tidy.slim_icons(BUNDLE, {"bars"})
    assert '"bars":[448,512,"M0 96z"]' in script and "M416" not in script
    with pytest.raises(ValueError, match="unicorn"):
        tidy.slim_icons(BUNDLE, {"unicorn"})


def test_tidy_page_defers_scripts_drops_search_and_adds_description() -> None:
    page = tidy.tidy_page(PAGE)
    head = page[: page.find("</head>")]
    assert '<script src="../_static/documentation_options.js?v=1">' in head
    assert '<script defer src="../_static/doctools.js?v=2">' in head
    assert head.count("defer") == 2
    assert "searchtools" not in head and "searchindex" not in head
    assert head.count('name="viewport"') == 1
    assert '<meta name="description" content="First &amp; only paragraph." />' in head
    assert 'role="list"' not in page and "doc-biblioentry" not in page


def test_search_page_keeps_its_scripts_and_stubs_are_left_alone() -> None:
    assert "searchtools.js" in tidy.tidy_page(PAGE, is_search_page=True)
    stub = '<meta http-equiv="Refresh" content="0; url=intro.html" />'
    assert tidy.tidy_page(stub) == stub


def test_description_is_cut_at_a_word() -> None:
    long = '<article class="bd-article"><p>' + "word " * 60 + "</p>"
    text = tidy.page_description(long)
    assert len(text) <= tidy.DESCRIPTION_LENGTH + 2 and text.endswith(" …")


def test_images_get_their_css_size_and_shrink(tmp_path) -> None:  # noqa: ANN001
    from PIL import Image

    page = '<p><img alt="A chart" src="../_images/abc.png" /></p>'
    assert tidy.size_images(page, {"abc.png": (1536, 960)}) == (
        '<p><img width="768" height="480" alt="A chart" src="../_images/abc.png" /></p>'
    )
    assert tidy.size_images(page, {}) == page
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


def test_title_bar_goes_after_the_sidebar_button_once() -> None:
    page = (
        '<div class="header-article-items__start"><div class="header-article-item">'
        "<button>x</button></div></div>"
    )
    once = tidy.add_title_bar(page, "CMAC & UXO", "../intro.html")
    assert once.count("header-book-title") == 1
    assert '<a href="../intro.html">CMAC &amp; UXO</a>' in once
    assert once.index("</button>") < once.index("header-book-title")
    assert tidy.add_title_bar(once, "CMAC & UXO", "../intro.html") == once
