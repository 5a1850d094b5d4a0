"""Hostile text in data files, through the real build: shown literally, never interpreted.

A copy of the project gets the strings of ``tests/hostile.py`` in several text fields of
several data files and is built as a user would build it (its cached chapter runs are copied
too, so only the chapters that read those files run again). Then:

- each string appears exactly, as text, on the page that shows its file;
- no marker file appears (no command ran), and the site holds the same files as the book built
  from clean data (no file was pulled in by a ``{download}`` role);
- no page holds a script, handler or ``javascript:`` address from the data;
- in Chromium no injected script runs.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cmac.book.citation import PDF_NAME
from cmac.paths import PROJECT_ROOT
from tests.hostile import HOSTILE, MARKER

pytestmark = [pytest.mark.slow, pytest.mark.guard]

# (file, text column, first row): each takes its share of the corpus, a string per row.
POISONED = [
    ("conflict_chronology.csv", "event", 0),
    ("japan_cambodia_events_1996_2000.csv", "event", 0),
    ("uxo_lao_workshops.csv", "theme", 0),
]
MARKER_FILE = Path("/tmp") / MARKER
SKIPPED = {"_static", "_sources"}


def copy_project(target: Path) -> None:
    """The tracked files (what a clone has), and the original's cached chapter runs."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target / name)
    cache = PROJECT_ROOT / "_build" / "cache"
    if cache.is_dir():
        shutil.copytree(
            cache, target / "_build" / "cache", ignore=shutil.ignore_patterns("*.running*")
        )


def poison(data: Path, strings: list[str]) -> dict[str, list[str]]:
    """Append the strings to text fields; returns which file got which strings."""
    placed: dict[str, list[str]] = {}
    share = -(-len(strings) // len(POISONED))
    for index, (name, column, first) in enumerate(POISONED):
        path = data / name
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        mine = strings[index * share : (index + 1) * share]
        for offset, text in enumerate(mine):
            rows[first + offset][column] += " " + text
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        placed[name] = mine
    return placed


def pages(site: Path) -> dict[str, BeautifulSoup]:
    return {
        path.relative_to(site).as_posix(): BeautifulSoup(path.read_text(), "html.parser")
        for path in site.rglob("*.html")
        if not SKIPPED & set(path.relative_to(site).parts)
    }


def site_files(site: Path) -> set[str]:
    """Published files, with content-hashed names (figures, the CSS bundle) reduced to their
    folder, so books built from different data compare."""
    names = set()
    for path in site.rglob("*"):
        if path.is_file():
            name = path.relative_to(site).as_posix()
            names.add(re.sub(r"(_images/|bundle-)[^/]+$", r"\1*", name))
    return names


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    root = tmp_path_factory.mktemp("hostile") / "book"
    copy_project(root)
    placed = poison(root / "data", HOSTILE)
    MARKER_FILE.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),  # the copy's own package, as its own venv would have
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cmac.book.build", "--jobs", "2"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield root / "_build" / "html", placed


def test_no_command_ran(hostile_build: tuple[Path, dict]) -> None:
    assert not MARKER_FILE.exists()


def test_every_string_is_shown_literally_as_text(hostile_build: tuple[Path, dict]) -> None:
    site, placed = hostile_build
    texts = {name: soup.get_text() for name, soup in pages(site).items()}
    for file, strings in placed.items():
        for text in strings:
            shown_on = [name for name, page in texts.items() if text in page]
            assert shown_on, f"{text!r} (from {file}) is not shown literally on any page"


def test_no_markup_from_the_data_reaches_a_page(hostile_build: tuple[Path, dict]) -> None:
    site, _ = hostile_build
    for name, soup in pages(site).items():
        for script in soup.find_all("script"):
            assert "cmacHostile" not in (script.string or ""), name
        for tag in soup.find_all(True):
            for attribute, value in tag.attrs.items():
                joined = " ".join(value) if isinstance(value, list) else str(value)
                assert "cmacHostile" not in joined, (name, tag.name, attribute)
                assert not joined.strip().lower().startswith("javascript:"), (name, tag.name)


def test_no_extra_file_is_published(hostile_build: tuple[Path, dict]) -> None:
    site, _ = hostile_build
    clean = PROJECT_ROOT / "_build" / "html"
    if not (clean / "index.html").exists():
        pytest.skip("no clean build to compare with (make test builds one first)")
    # the clean book may have been built with its PDF (make pdf), the hostile copy without
    assert site_files(site) - {PDF_NAME} == site_files(clean) - {PDF_NAME}
    assert not list(site.rglob("_downloads")) and not list(site.rglob("hostname"))


def test_no_injected_script_runs_in_chromium(hostile_build: tuple[Path, dict]) -> None:
    from playwright.sync_api import sync_playwright

    from cmac.book.site import CHROMIUM_ARGS

    site, _ = hostile_build
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for name in ["chapters/01-context.html", "chapters/04-japan-cooperation.html"]:
            page.goto((site / name).as_uri())
            page.wait_for_load_state("load")
            for link in page.locator("table a").all():  # a data link would be in a table
                assert not (link.get_attribute("href") or "").startswith("javascript:")
            assert page.evaluate("typeof window.cmacHostile") == "undefined", name
        browser.close()
    assert dialogs == []
