"""The book on a 390 px phone: tables, the results record, figures and result links."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import show_everything, site_pages

pytestmark = pytest.mark.browser
CHAPTERS = [p for p in site_pages() if p.startswith("chapters/")] or ["chapters/01-context.html"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Anything whose layout the browser would still skip (the test must measure what is shown).
SKIPPED = """() => [...document.querySelectorAll('section, .pst-scrollable-table-container')]
    .filter(e => getComputedStyle(e).contentVisibility !== 'visible')
    .map(e => e.id || e.className)"""

# For each data table: how far it reaches past its box, whether it is stacked, how it is shown.
TABLES = """() => [...document.querySelectorAll('table.data-table')].map(t => ({
    id: t.id,
    overflow: t.parentElement.scrollWidth - t.parentElement.clientWidth,
    stacked: t.classList.contains('stack'),
    display: getComputedStyle(t).display,
    labels: [...t.querySelectorAll('tbody td')].every(td => td.dataset.label !== undefined),
}))"""


@pytest.mark.parametrize("path", CHAPTERS)
def test_no_table_scrolls_sideways_on_a_phone(browser, base_url: str, path: str) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(base_url + path)
        show_everything(page)
        tables = page.evaluate(TABLES)
        wide = [t["id"] for t in tables if t["overflow"] > 0]
        assert wide == [], f"tables wider than a 390 px phone's column: {wide}"
        for table in tables:
            if table["stacked"]:
                assert table["display"] == "block" and table["labels"], table["id"]
        page.set_viewport_size(DESKTOP)  # at desktop widths every table is a table
        assert {t["display"] for t in page.evaluate(TABLES)} <= {"table"}
        assert page.evaluate(SKIPPED) == [], "layout measured with parts of the page skipped"
    finally:
        page.close()


def test_the_tables_the_issue_named_stack_on_a_phone(browser, base_url: str) -> None:
    named = {
        "chapters/04-japan-cooperation.html": ["tbl-japan-events", "tbl-south-south"],
        "chapters/05-trends-and-breaks.html": ["tbl-trend-fits", "tbl-model-effects"],
    }
    page = browser.new_page(viewport=PHONE)
    try:
        for path, ids in named.items():
            page.goto(base_url + path)
            show_everything(page)
            stacked = {t["id"] for t in page.evaluate(TABLES) if t["stacked"]}
            assert set(ids) <= stacked, path
            # each value sits beside its column's label, inside the screen
            cell = page.locator(f"#{ids[0]} tbody tr").first.locator("td").last
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            label = cell.evaluate("td => getComputedStyle(td, '::before').content")
            assert label not in ("none", "normal", '""')
    finally:
        page.close()


def test_results_record_on_a_phone(browser, base_url: str) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(base_url + "results.html")
        show_everything(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        # the growth rate is shown as the text prints it, with its full precision beside it
        row = page.locator("#r-05-trends-and-breaks-growth")
        printed = row.locator(".value").text_content()
        full = row.locator(".full").text_content()
        assert re.fullmatch(r"\d+\.\d", printed), printed
        assert full.strip("()").startswith(printed[:-1]) and len(full) > len(printed) + 2
        # no word or number is broken across lines, and no unit is cut off
        broken = page.evaluate(
            """() => [...document.querySelectorAll('.results-record .value,'
                + ' .results-record .full, .results-record td.unit')]
                .filter(e => e.textContent.trim() && !e.textContent.includes(' ')
                    && e.getClientRects().length > 1
                    || e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent).slice(0, 5)"""
        )
        assert broken == []
        page.fill("#results-filter", printed)
        shown = page.locator(".results-record tbody tr:not([hidden])")
        assert "r-05-trends-and-breaks-growth" in shown.evaluate_all("rs => rs.map(r => r.id)")
    finally:
        page.close()


def test_figures_open_at_full_size(browser, base_url: str) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(base_url + "chapters/05-trends-and-breaks.html")
        show_everything(page)
        figures = page.locator("figure img")
        assert figures.count() > 0
        links = page.locator("figure a.figure-full > img")
        assert links.count() == figures.count()
        href = page.locator("figure a.figure-full").first.get_attribute("href")
        response = page.request.get(base_url + "chapters/" + href)
        assert response.ok and response.headers["content-type"] == "image/png"
    finally:
        page.close()


def test_years_and_counts_are_not_links(browser, base_url: str) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(base_url + "chapters/05-trends-and-breaks.html")
        show_everything(page)
        linked = page.locator("a.result-ref").all_text_contents()
        assert linked, "estimates still link to the record"
        years = [t for t in linked if re.fullmatch(r"(19|20)\d\d", t)]
        assert years == []
        # a link is told apart from text without colour: it is underlined
        style = page.locator("a.result-ref").first.evaluate(
            "a => getComputedStyle(a).textDecorationLine"
        )
        assert "underline" in style
    finally:
        page.close()
