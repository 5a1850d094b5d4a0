"""One build at a time, an atomic swap of the published book, repair of leftovers, and the
manifest that says whether the published files are still those the build wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cmac.book.publish import (
    LOCK_NAME,
    build_lock,
    publish,
    published_site,
    repair,
    site_matches,
    write_manifest,
)
from cmac.errors import BuildLocked


def site_folder(root: Path, name: str, text: str) -> Path:
    folder = root / name
    (folder / "chapters").mkdir(parents=True)
    (folder / "index.html").write_text(text)
    (folder / "chapters" / "01.html").write_text(text + " chapter")
    return folder


def test_a_second_build_is_refused_naming_the_holder(tmp_path: Path) -> None:
    with build_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
        # another process, as a second `python -m cmac.book.build` would be
        code = (
            "import sys; from pathlib import Path; from cmac.book.publish import build_lock\n"
            "try:\n    build_lock(Path(sys.argv[1])).__enter__()\n"
            "except Exception as exc:\n    print(exc); sys.exit(3)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
        )
        assert done.returncode == 3
        assert f"another build (pid {os.getpid()}) is using {tmp_path}" in done.stdout
    with build_lock(tmp_path):  # released: the next build goes ahead
        pass


def test_a_waiting_build_starts_when_the_first_ends(tmp_path: Path) -> None:
    order = []

    def second() -> None:
        with build_lock(tmp_path, wait=True):
            order.append("second")

    with build_lock(tmp_path):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        order.append("first done")
    thread.join(timeout=5)
    assert order == ["first done", "second"]


def test_the_lock_is_refused_in_process_too(tmp_path: Path) -> None:
    with build_lock(tmp_path), pytest.raises(BuildLocked, match="another build"):
        with build_lock(tmp_path):
            pass


def test_publish_swaps_a_link_and_the_next_build_removes_the_old_book(tmp_path: Path) -> None:
    link = tmp_path / "html"
    publish(site_folder(tmp_path, "new1", "one"), link)
    first = published_site(link)
    publish(site_folder(tmp_path, "new2", "two"), link)
    assert link.is_symlink() and (link / "index.html").read_text() == "two"
    assert not os.path.isabs(os.readlink(link))  # relative: the build folder can move
    assert first is not None and first.exists()  # a reader may still be on one of its pages
    repair(tmp_path)
    assert not first.exists() and (link / "index.html").read_text() == "two"


def test_readers_never_find_the_book_missing_during_swaps(tmp_path: Path) -> None:
    link = tmp_path / "html"
    publish(site_folder(tmp_path, "new0", "0"), link)
    missing = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                (link / "index.html").read_text()
            except FileNotFoundError:
                missing.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(1, 40):
        publish(site_folder(tmp_path, f"new{n}", str(n)), link)
    stop.set()
    reader.join()
    assert missing == []


def test_repair_restores_a_book_left_in_html_old(tmp_path: Path) -> None:
    site_folder(tmp_path, "html.old", "previous")
    assert repair(tmp_path) == ["restored the previous book from html.old"]
    assert (tmp_path / "html" / "index.html").read_text() == "previous"


def test_repair_removes_leftovers_and_keeps_the_published_book(tmp_path: Path) -> None:
    link = tmp_path / "html"
    publish(site_folder(tmp_path, "new", "kept"), link)
    site_folder(tmp_path, "html.old", "stale")
    site_folder(tmp_path, "site-book.123-456", "half-published")
    (tmp_path / ".html-link.1-2").symlink_to("nowhere")
    done = repair(tmp_path)
    assert "removed a leftover html.old" in done
    assert "removed an unpublished site-book.123-456" in done
    assert (link / "index.html").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["html", os.readlink(link)])


@pytest.mark.parametrize("damage", ["delete", "edit", "add"])
def test_the_manifest_notices_a_deleted_edited_or_added_file(tmp_path: Path, damage: str) -> None:
    site = site_folder(tmp_path, "site", "book")
    write_manifest(site, "abc")
    assert site_matches(site, "abc") and not site_matches(site, "other sources")
    page = site / "chapters" / "01.html"
    if damage == "delete":
        page.unlink()
    elif damage == "edit":
        page.write_text("edited by hand")
    else:
        (site / "chapters" / "extra.html").write_text("dropped in")
    assert not site_matches(site, "abc")
