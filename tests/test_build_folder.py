"""The build folder is the build's own (issue 23, class 11): a symbolic link planted in it is
named and never followed, and a full disk while publishing ends in one line that names the
step and the path, with the previous book kept."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from cmac.book import build as build_module
from cmac.book.build import failure_message, main
from cmac.book.publish import publish, published_site
from cmac.book.site import jupyter_book_failure


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Enough of a project for a build to take its lock and look at its build folder."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (root / "intro.md").write_text("# Intro\n")
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the build folder, with a file the build must never touch."""
    folder = tmp_path / "elsewhere"
    (folder / "keep").mkdir(parents=True)
    (folder / "keep" / "precious.txt").write_text("precious\n")
    (folder / "precious.txt").write_text("precious\n")
    return folder


def build_fails(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--root", str(project), "--out", str(project / "_build")]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("BUILD FAILED")]
    assert len(lines) == 1 and "Traceback" not in err and "unexpected" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("cache", "keep"),
        ("html.old", "keep"),
        ("publishing.1-2", "keep"),
        ("site-book.1-2", "keep"),
        ("stage", "keep"),
        ("results.csv", "precious.txt"),
        ("build-error.log", "precious.txt"),
        (".build.lock", "precious.txt"),
        ("html", "keep"),  # the published link, but to a folder outside
        ("cache/01-a", "keep"),
        ("cache/data", "keep"),
        ("cache/01-a.running.1-2", "keep"),
        ("cache/figures/x.png", "precious.txt"),
        ("sphinx", "keep"),  # Sphinx's kept stage and output, copied into every site
        ("sphinx/stage/intro.md", "precious.txt"),
        ("sphinx/jb-html/_build/html/x.html", "precious.txt"),
    ],
)
def test_a_link_planted_in_the_build_folder_is_named_and_never_followed(
    project: Path,
    elsewhere: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    target: str,
) -> None:
    link = project / "_build" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere / target)
    line = build_fails(project, capsys)
    assert f"{link} is a symbolic link (to {elsewhere / target})" in line
    assert (elsewhere / "precious.txt").read_text() == "precious\n"
    assert (elsewhere / "keep" / "precious.txt").read_text() == "precious\n"
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["keep", "precious.txt", "precious.txt"]
    assert link.is_symlink()  # named, not removed: whoever planted it decides


def test_the_published_link_to_a_site_folder_is_accepted(project: Path, tmp_path: Path) -> None:
    from cmac.book.publish import check_no_links

    out = project / "_build"
    out.mkdir()
    site = tmp_path / "new"
    site.mkdir()
    publish(site, out / "html")
    check_no_links(out)  # no error
    assert published_site(out / "html") is not None


# --- a full disk while publishing ---------------------------------------------------------


def no_space(path: str) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", path)


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("staging the book", "while staging the book"),
        ("writing the data package", "while writing the data package"),
        ("publishing the site", "while publishing the site"),
    ],
)
def test_a_full_disk_while_publishing_names_the_step_and_keeps_the_old_book(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    step: str,
    words: str,
) -> None:
    out = project / "_build"
    out.mkdir()
    old = tmp_path / "old-site"
    old.mkdir()
    (old / "index.html").write_text("the previous book")
    publish(old, out / "html")
    (project / "data").mkdir()
    full = out / "publishing.x" / "stage" / "page.html"

    def build_site(self: build_module.Builder, scratch: Path) -> None:
        self.step = step
        raise no_space(str(full))

    monkeypatch.setattr(build_module.Builder, "__init__", fake_builder_init)
    monkeypatch.setattr(build_module, "validate_data_if_changed", lambda data: None)
    monkeypatch.setattr(build_module.Builder, "build_site", build_site)
    line = build_fails(project, capsys)
    assert line == f"BUILD FAILED: no space left on device {words} ({full})"
    assert (out / "html" / "index.html").read_text() == "the previous book"
    assert not list(out.glob("publishing.*"))  # the scratch folder is gone, its space freed


def fake_builder_init(self: build_module.Builder, context: build_module.BuildContext) -> None:
    """A builder with nothing to run and a site to publish (the steps are tested elsewhere)."""
    self.context, self.root, self.out, self.pdf = context, context.root, context.out, False
    self.step, self.pool, self.jupyter_books, self.sphinx_builders = "", None, {}, []
    self.warm_up = lambda: None  # type: ignore[method-assign]
    self.execute = lambda: ([], [])  # type: ignore[method-assign]
    self.site_is_current = lambda: False  # type: ignore[method-assign]
    self.data = None  # type: ignore[assignment]


def test_a_full_disk_in_jupyter_book_is_one_line(tmp_path: Path) -> None:
    log = "Traceback (most recent call last):\n" + "  frame\n" * 60
    log += "OSError: [Errno 28] No space left on device: '/x/_build/html/_static/a.css'\n"
    message = jupyter_book_failure("html", 2, log, tmp_path / "publishing.1" / "stage")
    assert message == (
        f"no space left on device while building the HTML (html) ({tmp_path / 'publishing.1'})"
    )


def test_a_full_disk_anywhere_else_is_named_with_its_path(tmp_path: Path) -> None:
    assert failure_message(no_space("/x/_build/cache/a.json"), tmp_path) == (
        "no space left on device (/x/_build/cache/a.json)"
    )
    assert "no space left on device" in failure_message(
        OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path
    )
