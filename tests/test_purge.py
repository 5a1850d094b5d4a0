"""The style-sheet purge: hand-worked sheets whose surviving rules are known."""

from pathlib import Path

from cmac.polish import tidy
from cmac.polish.purge import purge_css, vocabulary

WORDS = vocabulary(['<div class="card used" id="top">', 'el.classList.add("show")'])


def test_vocabulary_is_the_words_of_pages_and_scripts() -> None:
    assert {"card", "used", "top", "show", "classList", "div"} <= WORDS
    assert "card used" not in WORDS


def test_a_rule_whose_class_appears_nowhere_is_dropped() -> None:
    css = ".card{color:red}.absent{color:blue}.card.absent{color:green}"
    assert purge_css(css, WORDS) == ".card{color:red}\n"


def test_classes_scripts_add_later_are_kept() -> None:
    assert purge_css(".card.show{opacity:1}", WORDS) == ".card.show{opacity:1}\n"


def test_only_the_unused_selectors_of_a_list_are_dropped() -> None:
    css = ".absent, .card > p, #top:hover, #gone{margin:0}"
    assert purge_css(css, WORDS) == ".card > p,#top:hover{margin:0}\n"


def test_selectors_it_cannot_read_are_kept() -> None:
    css = (
        "p{margin:0}"  # elements only
        "[data-theme=dark] a{color:white}"  # attributes only
        ".card:not(.absent){x:1}"  # a class inside :not() need not be present
        ".md\\:flex{display:flex}"  # an escaped name
    )
    assert purge_css(css, WORDS).splitlines() == [
        "p{margin:0}",
        "[data-theme=dark] a{color:white}",
        ".card:not(.absent){x:1}",
        ".md\\:flex{display:flex}",
    ]


def test_media_blocks_are_purged_inside_and_dropped_when_empty() -> None:
    css = (
        "@media (min-width:960px){.card{width:50%}.absent{width:0}}"
        "@media print{.absent{display:none}}"
        "@supports (display:grid){.used{display:grid}}"
    )
    assert purge_css(css, WORDS).splitlines() == [
        "@media (min-width:960px){.card{width:50%}}",
        "@supports (display:grid){.used{display:grid}}",
    ]


def test_other_at_rules_and_declarations_are_kept_as_they_are() -> None:
    css = (
        '@font-face{font-family:"X";src:url("x.woff") format("woff")}'
        "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}"
        ":root{--pst-color: #fff;--gap:calc(1rem + 2px)}"
        '.card::before{content:"\\f00c"}'
    )
    assert purge_css(css, WORDS).splitlines() == [
        '@font-face{font-family:"X";src:url("x.woff") format("woff")}',
        "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}",
        ":root{--pst-color: #fff;--gap:calc(1rem + 2px)}",
        '.card::before{content:"\uf00c"}',  # the same character, written out (UTF-8)
    ]


def test_the_bundle_is_purged_when_given_the_site_vocabulary(tmp_path: Path) -> None:
    static = tmp_path / "_static"
    static.mkdir()
    (static / "a.css").write_text(".card{color:red}.absent{color:blue}")
    (static / "b.css").write_text(".used{color:green}")
    page = (
        '<html><head><link rel="stylesheet" href="_static/a.css" />\n'
        '<link rel="stylesheet" href="_static/b.css" />\n'
        '</head><body><div class="card used"></div></body></html>'
    )
    name = tidy.make_bundle([static / "a.css", static / "b.css"], static, vocabulary([page]))
    assert (static / name).read_text() == ".card{color:red}\n.used{color:green}\n"
