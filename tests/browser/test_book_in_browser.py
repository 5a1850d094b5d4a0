"""Every page of the built book, loaded in a real browser from a local server."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.conftest import show_everything, site_pages

pytestmark = pytest.mark.browser
PAGES = site_pages() or ["intro.html"]


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def visit(browser, url: str, origin: str):  # noqa: ANN001, ANN201
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    record = PageVisit()
    page.on(
        "console", lambda m: record.console_errors.append(m.text) if m.type == "error" else None
    )
    page.on("pageerror", lambda error: record.page_errors.append(str(error)))
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((origin, "data:", "blob:"))
            else record.outside_requests.append(r.url)
        ),
    )
    page.on("requestfailed", lambda r: record.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: (
            record.failed_requests.append(f"{r.url} ({r.status})") if r.status >= 400 else None
        ),
    )
    page.goto(url, wait_until="networkidle")
    return page, record


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(browser, base_url: str, path: str, screenshots: Path) -> None:
    page, record = visit(browser, base_url + path, base_url)
    try:
        assert record.console_errors == []
        assert record.page_errors == []
        assert record.outside_requests == []
        assert record.failed_requests == []
        # figures load lazily: ask for all of them and wait until each has loaded or failed
        page.evaluate(
            """() => Promise.all(Array.from(document.images).map(i => {
                i.loading = "eager";
                return i.complete ? null : new Promise(done => { i.onload = i.onerror = done; });
            }))"""
        )
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.src)"
        )
        assert broken == []
        assert page.locator(".book-version").count() == 1
        html = page.content()
        # formulas are MathML written at build time: no page loads a math script
        assert page.locator("script[src*='mathjax' i]").count() == 0
        if 'class="math' in html:
            assert "<math" in html
        if path.startswith("chapters/"):
            assert page.locator(".cite-this").count() == 1
            assert "@incollection" in page.locator(".cite-this").text_content()
        page.screenshot(path=str(screenshots / (path.replace("/", "__") + ".png")), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing scrolls sideways
        show_everything(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow} px wider than a 390 px phone"
    finally:
        page.close()


def test_phone_buttons_open_the_contents_and_the_page_outline(browser, base_url: str) -> None:
    page, record = visit(browser, base_url + "chapters/05-trends-and-breaks.html", base_url)
    try:
        header = page.locator(".bd-header-article")
        # on a small tablet the book title sits on the button row, nothing cut off at the top
        page.set_viewport_size({"width": 600, "height": 844})
        title = page.locator(".header-book-title a").bounding_box()
        menu = header.locator(".primary-toggle").bounding_box()
        assert menu["y"] >= 0 and abs(title["y"] - menu["y"]) < menu["height"]
        # on a phone the Cite and PDF buttons leave it no room: the page's heading names it
        page.set_viewport_size({"width": 390, "height": 844})
        assert not page.locator(".header-book-title").is_visible()
        assert header.locator(".primary-toggle").bounding_box()["y"] >= 0
        header.locator(".primary-toggle").click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.locator("a", has_text="Sensitivity of the models").wait_for(timeout=5_000)
        assert dialog.evaluate("d => d.open")
        page.keyboard.press("Escape")
        header.locator(".secondary-toggle").click()
        outline = page.locator("#pst-secondary-sidebar-modal")
        outline.locator("a", has_text="Models fixed in advance").wait_for(timeout=5_000)
        assert record.page_errors == []
    finally:
        page.close()


def test_desktop_button_folds_the_contents_away(browser, base_url: str) -> None:
    page, record = visit(browser, base_url + "chapters/05-trends-and-breaks.html", base_url)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        page.locator(".bd-header-article .primary-toggle").click()
        sidebar.wait_for(state="hidden", timeout=5_000)
        assert not page.locator("#pst-primary-sidebar-modal").evaluate("d => d.open")
        assert record.page_errors == []
    finally:
        page.close()


def test_search_finds_brush_cutters_offline(browser, base_url: str) -> None:
    page, record = visit(browser, base_url + "search.html?q=brush+cutter", base_url)
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        hits = page.locator("#search-results ul.search li").count()
        assert hits >= 1
        assert record.outside_requests == []
    finally:
        page.close()


def test_internal_links_are_not_broken(base_url: str, tmp_path: Path) -> None:
    linkchecker = shutil.which("linkchecker")
    assert linkchecker, "linkchecker is not installed (it is in requirements.txt)"
    config = tmp_path / "linkcheckerrc"  # the local server allows a fast rate (conftest)
    config.write_text("[checking]\nmaxrequestspersecond=200\n")
    completed = subprocess.run(
        [
            linkchecker,
            f"--config={config}",
            "--no-status",
            "--no-warnings",
            "--recursion-level=3",
            base_url + "index.html",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = re.search(
        r"(\d+) links? in (\d+) URLs? checked\..*?(\d+) errors? found", completed.stdout, re.DOTALL
    )
    assert summary, completed.stdout[-2000:] + completed.stderr[-2000:]
    print(
        f"linkchecker: {summary.group(1)} links in {summary.group(2)} URLs, "
        f"{summary.group(3)} errors"
    )
    assert int(summary.group(3)) == 0, completed.stdout[-4000:]
    assert completed.returncode == 0


def test_pdf_holds_the_whole_book(site: Path) -> None:
    pdf = site / "cmac-study-book.pdf"
    assert pdf.exists()
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in [
        "About this book",
        "Trends and breaks",
        "Finds per km",
        "Data appendix",
        "References",
        "Table 5.3",
    ]:
        assert title in text, title
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", pages.stdout).group(1)) >= 30
