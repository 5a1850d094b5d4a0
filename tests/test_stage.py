"""The persistent stage: Sphinx keeps its staged book and output between builds and re-reads
only the pages whose files changed (issue 22, the author's loop)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cmac.book.site import run_jupyter_books, sync_tree
from cmac.errors import BuildError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_sync_writes_only_what_changed_and_removes_what_went(tmp_path: Path) -> None:
    new, old = tmp_path / "new", tmp_path / "old"
    write(new / "same.md", "same")
    write(new / "sub" / "edited.md", "after")
    write(new / "added.md", "added")
    write(old / "same.md", "same")
    write(old / "sub" / "edited.md", "before")
    write(old / "gone" / "removed.md", "removed")
    for path in old.rglob("*.md"):
        os.utime(path, (1_000_000, 1_000_000))
    sync_tree(new, old)
    files = {p.relative_to(old).as_posix(): p.read_text() for p in old.rglob("*") if p.is_file()}
    assert files == {"same.md": "same", "sub/edited.md": "after", "added.md": "added"}
    assert (old / "same.md").stat().st_mtime == 1_000_000  # untouched: Sphinx skips it
    assert (old / "sub" / "edited.md").stat().st_mtime > 1_000_000
    assert not (old / "gone").exists()


def test_sync_replaces_a_planted_link_and_never_writes_through_it(tmp_path: Path) -> None:
    new, old, elsewhere = tmp_path / "new", tmp_path / "old", tmp_path / "elsewhere.md"
    write(new / "page.md", "ours")
    write(elsewhere, "not the book's")
    old.mkdir()
    (old / "page.md").symlink_to(elsewhere)
    sync_tree(new, old)
    assert not (old / "page.md").is_symlink() and (old / "page.md").read_text() == "ours"
    assert elsewhere.read_text() == "not the book's"


def small_stage(stage: Path) -> None:
    write(stage / "_config.yml", "title: T\nexecute:\n  execute_notebooks: \"off\"\n")
    write(stage / "_toc.yml", "format: jb-book\nroot: intro\nchapters:\n- file: a\n- file: b\n")
    write(stage / "intro.md", "# Intro\n\nThe book.\n")
    write(stage / "a.md", "# A\n\nFirst words.\n")
    write(stage / "b.md", "# B\n\nOther words.\n")


@pytest.mark.slow
def test_sphinx_rereads_only_the_edited_page(tmp_path: Path) -> None:
    stage, out = tmp_path / "stage", tmp_path / "sphinx"
    small_stage(stage)
    (html,) = run_jupyter_books(stage, out, ["html"])
    untouched = (html / "b.html").stat().st_mtime_ns
    write(stage / "a.md", "# A\n\nEdited words.\n")
    (html,) = run_jupyter_books(stage, out, ["html"])
    assert "Edited words." in (html / "a.html").read_text()
    assert (html / "b.html").stat().st_mtime_ns == untouched  # not written again
    assert not list(out.glob("*.unfinished"))


@pytest.mark.slow
def test_a_failed_build_is_not_built_on(tmp_path: Path) -> None:
    """Sphinx reports a page's warnings only when it reads the page: after a failure, the
    next build starts from nothing, so the warning is reported again, not forgotten."""
    stage, out = tmp_path / "stage", tmp_path / "sphinx"
    small_stage(stage)
    write(stage / "b.md", "# B\n\nSee {ref}`no-such-label`.\n")
    for _ in range(2):  # the second build must fail as the first did
        with pytest.raises(BuildError, match="no-such-label"):
            run_jupyter_books(stage, out, ["html"])
        assert (out / "jb-html.unfinished").exists()
    write(stage / "b.md", "# B\n\nFixed.\n")
    (html,) = run_jupyter_books(stage, out, ["html"])
    assert "Fixed." in (html / "b.html").read_text()


FIGURE_PAGE = """# {title}

:::{{figure}} pic.png
:name: fig-x

Caption of {title}.
:::

See {{numref}}`fig-x`.
"""


@pytest.mark.slow
def test_a_copied_page_gets_its_own_names(tmp_path: Path) -> None:
    """A copy of a chapter keeps the original's figure names; the copy's are renamed, with
    its own links, and the original keeps its anchors (sphinx_labels)."""
    from PIL import Image

    stage, out = tmp_path / "stage", tmp_path / "sphinx"
    small_stage(stage)
    write(
        stage / "_config.yml",
        'title: T\nexecute:\n  execute_notebooks: "off"\nsphinx:\n  extra_extensions:\n'
        "    - cmac.book.sphinx_labels\n  config:\n    numfig: true\n",
    )
    Image.new("RGB", (4, 4)).save(stage / "pic.png")
    write(stage / "a.md", FIGURE_PAGE.format(title="A"))
    write(stage / "b.md", FIGURE_PAGE.format(title="B"))
    (html,) = run_jupyter_books(stage, out, ["html"])
    a, b = (html / "a.html").read_text(), (html / "b.html").read_text()
    assert 'id="fig-x"' in a and 'href="#fig-x"' in a
    assert 'id="b-fig-x"' in b and 'href="#b-fig-x"' in b and 'id="fig-x"' not in b
    write(stage / "b.md", FIGURE_PAGE.format(title="B") + "\nEdited.\n")  # b alone re-read
    (html,) = run_jupyter_books(stage, out, ["html"])
    assert 'id="b-fig-x"' in (html / "b.html").read_text()
    assert 'id="fig-x"' in (html / "a.html").read_text()
