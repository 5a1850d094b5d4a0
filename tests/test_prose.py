"""House rules for what a reader sees, checked on the built pages (`make test` builds first).

- The landing page speaks plainly: no statistical jargon (it stays in the chapters, behind
  glossary links).
- Dates in prose are words ("March 2025"), never "2025-03".

Each failure names the rule, the page and how to fix it, in one line (CONTRIBUTING.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cmac.paths import PROJECT_ROOT

SITE = PROJECT_ROOT / "_build" / "html"  # not build_dir(): tests re-point it
LANDING_JARGON = ["akaike", "aicc", "p =", "p\u00a0=", "sup-f", "ramp", "specification"]
# A year and month alone; a full ISO date (2026-12-06, as in "accessed" lines) is left alone.
MONTH_AS_NUMBER = re.compile(r"\b(19|20)\d\d-(0[1-9]|1[0-2])\b(?!-\d)")


def prose(path: Path) -> str:
    """The text a reader reads on a page: its article, without tables, code, figures' images
    and the results record's table."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article") or soup
    for tag in article.find_all(["table", "pre", "code", "script", "style", "img"]):
        tag.decompose()
    for link in article.find_all("a"):  # an address shown as text (a reference's URL)
        if link.get_text().strip().startswith(("http://", "https://")):
            link.decompose()
    return " ".join(article.get_text(" ").split())


def built_pages() -> list[Path]:
    if not (SITE / "index.html").exists():
        return []
    return sorted(
        p for p in SITE.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
        and p.name not in ("genindex.html", "search.html", "index.html")
    )


@pytest.fixture(scope="module")
def site() -> Path:
    assert (SITE / "intro.html").exists(), f"no built book at {SITE}: `make test` builds it first"
    return SITE


def test_landing_page_uses_no_jargon(site: Path) -> None:
    text = prose(site / "intro.html").lower()
    found = [word for word in LANDING_JARGON if word in text]
    assert not found, (
        f"the landing page uses no jargon: intro.html says {found}: say it in plain words in "
        "intro.ipynb and leave the term to the chapter, behind a {term} glossary link"
    )


@pytest.mark.parametrize("page", built_pages(), ids=lambda p: p.relative_to(SITE).as_posix())
def test_dates_in_prose_are_words(page: Path) -> None:
    found = sorted({m.group(0) for m in MONTH_AS_NUMBER.finditer(prose(page))})
    source = page.relative_to(SITE).with_suffix("").as_posix()
    assert not found, (
        f"dates in prose are words: {page.name} (from {source}.ipynb or .md) writes {found}: "
        "write 'March 2025'; record a glued date as words (cmac.words.month_words), not YYYY-MM"
    )
