"""Data read once, checked once, published as read (issue 23, class 1).

Each build reads data/ once into a snapshot in its cache: the chapters read it, the site and
the zip publish it, the fingerprints are of it, and a file that changes during the build is
named and stops the build before anything is published.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from cmac.book import cache
from cmac.book.build import BuildContext, main, read_data, validate_data_if_changed
from cmac.errors import BuildError, DataError
from cmac.paths import PROJECT_ROOT

WORKSHOPS = "uxo_lao_workshops.csv"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


def context(root: Path) -> BuildContext:
    return BuildContext.for_project(root)


def test_the_snapshot_holds_the_bytes_read_and_nothing_writes_to_it(project: Path) -> None:
    data = read_data(context(project))
    assert data.folder.is_relative_to(project / "_build" / "cache" / "data")
    assert sorted(p.name for p in data.folder.iterdir()) == sorted(
        p.name for p in (project / "data").iterdir()
    )
    for path in data.folder.iterdir():
        assert path.read_bytes() == (project / "data" / path.name).read_bytes()
        assert not os.access(path, os.W_OK) or os.geteuid() == 0
        assert path.stat().st_mode & 0o222 == 0  # read-only
    assert read_data(context(project)) == data  # the same bytes: the same snapshot, reused


def test_a_new_content_gets_a_new_snapshot_and_the_old_one_goes(project: Path) -> None:
    first = read_data(context(project))
    csv = project / "data" / WORKSHOPS
    csv.write_text(csv.read_text().replace("2 weeks", "3 weeks"))
    second = read_data(context(project))
    assert second.digest != first.digest
    assert not first.folder.exists() and "3 weeks" in (second.folder / WORKSHOPS).read_text()


def test_a_damaged_snapshot_is_read_again(project: Path) -> None:
    data = read_data(context(project))
    target = data.folder / WORKSHOPS
    target.chmod(0o644)
    target.write_text("damaged")
    again = read_data(context(project))
    assert (again.folder / WORKSHOPS).read_bytes() == (project / "data" / WORKSHOPS).read_bytes()


def test_changed_since_names_edited_added_and_removed_files(project: Path) -> None:
    data = read_data(context(project))
    assert data.changed_since() == []
    (project / "data" / WORKSHOPS).write_text("other")
    (project / "data" / "new.csv").write_text("a\n1\n")
    (project / "data" / "sources.csv").unlink()
    assert data.changed_since() == [
        project / "data" / name for name in ["new.csv", "sources.csv", WORKSHOPS]
    ]
    shutil.rmtree(project / "data")
    assert data.changed_since() == [project / "data"]


def test_fingerprints_name_data_files_and_digest_the_bytes_read(project: Path) -> None:
    """A chapter's reads are noted in the snapshot; its fingerprint names them data/<file>
    with the digest of the bytes it read, even when data/ has changed since."""
    data = read_data(context(project))
    notebook = project / "chapters" / "a.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4}))
    read_bytes = (project / "data" / WORKSHOPS).read_bytes()
    (project / "data" / WORKSHOPS).write_text("changed after the chapter read it")
    state = cache.fingerprint(notebook, project, {}, {}, [str(data.folder / WORKSHOPS)], {}, data)
    assert state.reads == [f"data/{WORKSHOPS}"]
    assert state.parts[f"file:data/{WORKSHOPS}"] == cache.hashlib.sha256(read_bytes).hexdigest()


def test_validation_names_the_file_in_data_not_the_snapshot(project: Path) -> None:
    csv = project / "data" / WORKSHOPS
    csv.write_text(csv.read_text().replace("Cambodia", "Atlantis", 1))
    data = read_data(context(project))
    with pytest.raises(DataError) as caught:
        validate_data_if_changed(data)
    message = str(caught.value)
    assert message.startswith(f"{project / 'data' / WORKSHOPS}, row ")
    assert "_build" not in message and "'country'" in message


def test_a_validated_snapshot_is_not_validated_again(project: Path) -> None:
    data = read_data(context(project))
    validate_data_if_changed(data)
    stamp = data.folder.parent / "validated"
    assert stamp.is_file()
    before = stamp.stat().st_mtime_ns
    validate_data_if_changed(read_data(context(project)))
    assert stamp.stat().st_mtime_ns == before


@pytest.mark.parametrize("kind", ["fifo", "folder", "link out", "link to nothing"])
def test_an_entry_that_is_not_a_plain_file_is_named_never_opened(
    project: Path, tmp_path: Path, kind: str
) -> None:
    entry = project / "data" / WORKSHOPS
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)  # opening it would wait forever
    elif kind == "folder":
        entry.mkdir()
    elif kind == "link out":
        (tmp_path / "outside.csv").write_text("x\n")
        entry.symlink_to(tmp_path / "outside.csv")
    else:
        entry.symlink_to(tmp_path / "nothing.csv")
    with pytest.raises((DataError, BuildError)) as caught:
        read_data(context(project))
    assert WORKSHOPS in str(caught.value)


def test_publishing_copies_the_snapshot_not_data(project: Path, tmp_path: Path) -> None:
    """A file replaced after validation never reaches _static/data or the zip."""
    from cmac.book.citation import BookInfo, BookVersion
    from cmac.book.datapackage import write_package
    from cmac.book.site import stage_static

    data = read_data(context(project))
    validate_data_if_changed(data)
    validated = (project / "data" / WORKSHOPS).read_bytes()
    (project / "data" / WORKSHOPS).write_text("replaced,after\nvalidation,!\n")
    (project / "_static").mkdir()
    stage = tmp_path / "stage"
    stage.mkdir()
    stage_static(project, stage, [], data.folder)
    assert (stage / "_static" / "data" / WORKSHOPS).read_bytes() == validated
    (stage / "results.csv").write_text("chapter,key,value\n")
    (project / "LICENSE.md").write_text("licence\n")
    info = BookInfo("T", ("A",), ("MIT",), "https://example.org/", "https://example.org/r")
    version = BookVersion("1.0", "abc", "2026-11-30")
    licence = project / "LICENSE.md"
    zipped = write_package(
        stage / "data.zip", data.folder, stage / "results.csv", [], licence, info, version
    )
    with zipfile.ZipFile(zipped) as archive:
        member = next(n for n in archive.namelist() if n.endswith(WORKSHOPS))
        assert b"replaced" not in archive.read(member)
        assert "Training" in archive.read(member).decode("utf-8-sig")


# --- the whole build, on a small book whose chapter changes data/ while it runs ---------


def small_book(root: Path, code: str) -> None:
    from tests.test_incremental import STAMP, chapter

    (root / "chapters").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    for name in ["_config.yml", "references.bib", "CITATION.cff", "LICENSE.md", "results.md"]:
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "_static", root / "_static")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01-a\n  - file: results\n"
    )
    (root / "intro.md").write_text("# Intro\n")
    chapter(root / "chapters" / "01-a.ipynb", code + STAMP.format(sleep=0, name="01-a"))


# The chapter reads the workshops file, then (as a user saving in an editor would, while it
# still runs) rewrites it, and replaces sources.csv with bytes that would not validate.
CHANGES_DATA = """\
import pathlib
from cmac.data import load
load('uxo_lao_workshops', pathlib.Path(data_dir))
live = pathlib.Path({live!r})
text = (live / 'uxo_lao_workshops.csv').read_text()
if 'Training programmes' in text:
    (live / 'uxo_lao_workshops.csv').write_text(text.replace('Training programmes', 'NEW'))
    (live / 'sources.csv').write_text('not,valid\\n')
"""


@pytest.mark.guard
def test_a_file_changed_during_the_build_is_named_and_never_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, out = tmp_path / "book", tmp_path / "out"
    small_book(root, CHANGES_DATA.format(live=str(root / "data")))
    original = (root / "data" / WORKSHOPS).read_bytes()

    assert main(["--root", str(root), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (
        f"BUILD FAILED: data/sources.csv, data/{WORKSHOPS} changed while the book was being "
        "built" in err
    )
    assert "Traceback" not in err and not (out / "html").exists()
    # the cache holds the digest of the bytes the chapter read, not the new content
    state = cache.load_state(out / "cache" / "01-a")
    assert state is not None
    assert state.parts[f"file:data/{WORKSHOPS}"] == cache.hashlib.sha256(original).hexdigest()

    # The next build sees the new content: it refuses the unvalidated sources.csv by name ...
    assert main(["--root", str(root), "--out", str(out)]) == 1
    assert "data/sources.csv" in capsys.readouterr().err
    assert not (out / "html").exists()
    # ... and once it is mended, reruns the chapter that read the edited file and publishes it.
    shutil.copy(PROJECT_ROOT / "data" / "sources.csv", root / "data" / "sources.csv")
    assert main(["--root", str(root), "--out", str(out)]) == 0
    assert f"start   01-a (data/{WORKSHOPS} changed)" in capsys.readouterr().out
    published = (out / "html" / "_static" / "data" / WORKSHOPS).read_text("utf-8-sig")
    assert "NEW" in published and "Training programmes" not in published
    assert main(["--root", str(root), "--out", str(out)]) == 0
    assert "already up to date" in capsys.readouterr().out
