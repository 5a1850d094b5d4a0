"""The header's Cite and PDF buttons, in a real browser (after make pdf)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHAPTER = "chapters/05-trends-and-breaks.html"


@pytest.mark.parametrize("width", [390, 1366])
def test_cite_in_the_header_opens_the_pages_cite_box(browser, base_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(base_url + CHAPTER, wait_until="networkidle")
        cite = page.locator(".bd-header-article a.cmac-cite-link")
        pdf = page.locator(".bd-header-article a.cmac-pdf-link")
        for button in (cite, pdf):  # in the header row, on screen, at the top of the page
            box = button.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] < 80
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.locator(".dropdown-download-buttons").count() == 0  # "print to PDF" gone
        assert pdf.get_attribute("href") == "../cmac-study-book.pdf"
        box = page.locator("#cite-this")
        assert "toggle-hidden" in box.get_attribute("class")  # folded until asked for
        cite.click()
        page.wait_for_function(
            "!document.getElementById('cite-this').classList.contains('toggle-hidden')"
        )
        top = box.bounding_box()["y"]
        assert 0 <= top < 844, top  # scrolled to it
        assert "@incollection{cmac-study-05-trends-and-breaks" in box.text_content()
        assert errors == []
    finally:
        page.close()


def test_a_page_opened_at_its_cite_box_shows_it_open(browser, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(base_url + CHAPTER + "#cite-this", wait_until="networkidle")
        page.wait_for_function(
            "!document.getElementById('cite-this').classList.contains('toggle-hidden')"
        )
    finally:
        page.close()


def test_the_header_pdf_is_the_books_pdf(site: Path) -> None:
    assert (site / "cmac-study-book.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"cmac-study-book.pdf" in (site / "intro.html").read_bytes()
