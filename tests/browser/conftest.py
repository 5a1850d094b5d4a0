"""Serve the built book on localhost and drive Debian's Chromium through Playwright."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmac.book.site import CHROMIUM_ARGS
from cmac.paths import build_dir


def site_dir() -> Path:
    return Path(os.environ.get("CMAC_SITE", build_dir() / "html"))


def site_pages() -> list[str]:
    site = site_dir()
    if not (site / "index.html").exists():
        return []
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and p.name != "index.html"
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        # linkchecker spaces its requests to a host about 0.3 s apart unless the server
        # answers with this header; then its configured rate applies (test_internal_links)
        self.send_header("LinkChecker", "local test server")
        super().end_headers()


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # link checkers drop connections to big files on purpose


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").exists():
        pytest.fail(f"no built book at {path}: run 'make book' first")
    return path


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run 'make check-book', which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = build_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# On screen the book lays out sections and tables far below the view only when the reader
# scrolls near them (content-visibility: auto, _static/book.css); until then a table's box has a
# stand-in size and its styles may be stale. A test that measures layout first shows
# everything, so that it measures what the reader sees once there.
SHOW_EVERYTHING = "* { content-visibility: visible !important; }"


def show_everything(page: object) -> None:
    page.add_style_tag(content=SHOW_EVERYTHING)  # type: ignore[attr-defined]
