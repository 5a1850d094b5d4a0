"""The build driver: table of contents, injected parameters, failures that name the chapter."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cmac.book.build import main, read_chapters
from cmac.book.execute import execute_chapter, finish_notebook, hide_injected_parameters
from cmac.book.publish import publish
from cmac.book.site import run_jupyter_book
from cmac.book.toc import check_toc, toc_entries
from cmac.errors import BuildError
from cmac.paths import PROJECT_ROOT


def make_book(root: Path, toc: str, notebooks: list[str]) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "_toc.yml").write_text(toc)
    (root / "intro.md").write_text("# Intro\n")
    for name in notebooks:
        nbformat.write(new_notebook(cells=[new_code_cell("1")]), root / "chapters" / name)
    return root


def test_toc_entries_of_the_real_book_in_order() -> None:
    entries = toc_entries(PROJECT_ROOT / "_toc.yml")
    assert entries[0] == "intro"
    chapters = [e for e in entries if e.startswith("chapters/")]
    assert entries[1 : 1 + len(chapters)] == chapters  # the chapters first, in order
    assert {"results", "how-to-cite"} <= set(entries) and entries[-1] == "references"
    assert check_toc(PROJECT_ROOT)[0].name == "intro.ipynb"


def test_toc_entry_without_file(tmp_path: Path) -> None:
    toc = (
        "format: jb-book\nroot: intro\nchapters:\n"
        "  - file: chapters/01-a\n  - file: chapters/02-b\n"
    )
    root = make_book(tmp_path, toc, ["01-a.ipynb"])
    with pytest.raises(BuildError, match="names 'chapters/02-b', but there is no"):
        check_toc(root)


@pytest.mark.parametrize("entry", ["../outside", "chapters/../../outside", "chapters/link"])
def test_toc_entry_leading_out_of_the_project_is_refused(tmp_path: Path, entry: str) -> None:
    root = make_book(tmp_path / "book", "format: jb-book\nroot: intro\n", [])
    (tmp_path / "outside.md").write_text("# Outside\n")
    (root / "chapters" / "link.md").symlink_to(tmp_path / "outside.md")
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: intro\nchapters:\n  - file: {entry}\n")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(BuildError, match=f"names '{re.escape(entry)}', which leads outside"):
        check_toc(root)
    assert main(["--root", str(root), "--out", str(root / "_build")]) == 1
    assert [p for p in sorted(tmp_path.rglob("*")) if not p.is_relative_to(root)] == [
        p for p in before if not p.is_relative_to(root)
    ]


def test_chapter_missing_from_toc(tmp_path: Path) -> None:
    toc = "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01-a\n"
    root = make_book(tmp_path, toc, ["01-a.ipynb", "02-b.ipynb"])
    with pytest.raises(BuildError, match=r"chapters/02-b.ipynb is not listed in _toc.yml"):
        check_toc(root)


def test_hide_injected_parameters_tags_only_that_cell() -> None:
    notebook = new_notebook(
        cells=[
            new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
        ]
    )
    hide_injected_parameters(notebook)
    cells = notebook.cells
    assert cells[0].metadata.tags == ["parameters"]
    assert cells[1].metadata.tags == ["injected-parameters", "remove-cell"]


def test_finished_notebook_hides_the_injected_parameters(tmp_path: Path) -> None:
    notebook = new_notebook(
        cells=[
            new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("x"),
        ]
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook, path)
    finish_notebook(path)
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].metadata.tags == ["injected-parameters", "remove-cell"]
    assert "tags" not in cells[1].metadata


def test_finished_notebook_keeps_no_timings_and_no_build_folders(tmp_path: Path) -> None:
    notebook = new_notebook(
        cells=[
            new_code_cell(
                'data_dir = "/x/data"\nscale = "level"',
                metadata={
                    "tags": ["injected-parameters"],
                    "papermill": {"start_time": "2026-12-06T18:36:01+00:00", "duration": 0.1},
                    "execution": {"iopub.status.busy": "2026-12-06T18:36:01.2Z"},
                },
            ),
            new_code_cell("x", metadata={"execution": {"shell.execute_reply": "2026-12-06"}}),
        ]
    )
    notebook.metadata["papermill"] = {
        "end_time": "2026-12-06T18:36:03+00:00",
        "parameters": {"data_dir": "/x/data", "results_dir": "/x/run.123", "scale": "level"},
    }
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook, path)
    finish_notebook(path)
    finished = nbformat.read(path, as_version=4)
    assert "papermill" not in finished.metadata
    assert all(not {"papermill", "execution"} & set(c.metadata) for c in finished.cells)
    assert finished.cells[0].source == '# Parameters\nscale = "level"'
    assert "2026" not in path.read_text()


def two_cell_notebook(path: Path, parameters: str, code: str) -> Path:
    """A notebook with a parameters cell and one code cell, for the python3 kernel."""
    notebook = new_notebook(
        cells=[new_code_cell(parameters, metadata={"tags": ["parameters"]}), new_code_cell(code)]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_execute_chapter_runs_parameters_and_names_failing_cell(tmp_path: Path) -> None:
    source = two_cell_notebook(tmp_path / "07-demo.ipynb", "divisor = 1", "result = 10 / divisor")
    execute_chapter(source, tmp_path / "out" / "ok.ipynb", {"divisor": 2})
    executed = nbformat.read(tmp_path / "out" / "ok.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata.tags

    with pytest.raises(BuildError) as caught:
        execute_chapter(source, tmp_path / "out" / "bad.ipynb", {"divisor": 0})
    message = str(caught.value)
    assert "chapter 07-demo" in message
    assert "cell 2 (result = 10 / divisor)" in message  # counted without the injected cell
    assert "ZeroDivisionError" in message


@pytest.mark.slow
def test_a_cell_that_runs_too_long_is_named(tmp_path: Path) -> None:
    source = two_cell_notebook(tmp_path / "09-slow.ipynb", "x = 1", "import time\ntime.sleep(60)")
    with pytest.raises(BuildError) as caught:
        execute_chapter(source, tmp_path / "out" / "slow.ipynb", {}, timeout=2)
    assert str(caught.value) == (
        "chapter 09-slow: a cell ran longer than 2 s: while cell 2 (import time) was running"
    )


def test_a_step_that_times_out_is_named() -> None:
    from cmac.book.build import failure_message

    timeout = subprocess.TimeoutExpired(["/usr/bin/chromium", "--print-to-pdf=x"], 300)
    assert failure_message(timeout) == "the step 'chromium' timed out after 300 s"


def test_a_file_system_error_blames_the_build_folder_only_when_it_is_there(
    tmp_path: Path,
) -> None:
    from cmac.book.build import failure_message

    out = tmp_path / "_build"
    inside = PermissionError(13, "Permission denied", str(out / "cache" / "x"))
    elsewhere = PermissionError(13, "Permission denied", str(tmp_path / "data" / "a.csv"))
    folder = IsADirectoryError(21, "Is a directory", str(tmp_path / "data" / "a.csv"))
    assert failure_message(inside, out).endswith("(is the build folder writable, with space left?)")
    assert failure_message(elsewhere, out) == f"Permission denied: {tmp_path / 'data' / 'a.csv'}"
    assert failure_message(folder, out) == (
        f"{tmp_path / 'data' / 'a.csv'} is a folder where a file is expected"
    )


def test_a_project_copied_with_its_venv_is_refused_not_built_with_the_originals_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(PROJECT_ROOT / "src" / "cmac", copy / "src" / "cmac")
    (copy / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    with open(copy / "src" / "cmac" / "__init__.py", "a") as edited:
        edited.write("\nEDITED_IN_THE_COPY = True\n")  # an edit the original's code lacks
    assert main(["--root", str(copy), "--out", str(tmp_path / "out")]) == 1
    message = capsys.readouterr().err
    assert f"{copy} has its own src/cmac, but this build runs the code in" in message
    assert "rm -rf .venv && make book" in message and "Traceback" not in message
    monkeypatch.chdir(copy)  # no --root: the project the command runs in
    assert main(["--out", str(tmp_path / "out")]) == 1
    assert "has its own src/cmac" in capsys.readouterr().err
    assert not (tmp_path / "out" / "html").exists()


def test_publish_replaces_an_older_real_folder_with_a_link(tmp_path: Path) -> None:
    final = tmp_path / "html"
    final.mkdir()
    (final / "index.html").write_text("old")
    new = tmp_path / "scratch"
    new.mkdir()
    (new / "index.html").write_text("new")
    publish(new, final)
    assert final.is_symlink() and (final / "index.html").read_text() == "new"
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.glob("site-*")) == sorted(
        [os.readlink(final), next(p.name for p in tmp_path.glob("site-old*"))]
    )


def test_real_toc_lists_every_chapter(tmp_path: Path) -> None:
    copy = tmp_path / "book"
    shutil.copytree(PROJECT_ROOT / "chapters", copy / "chapters")
    shutil.copy2(PROJECT_ROOT / "_toc.yml", copy / "_toc.yml")
    pages = [p for p in toc_entries(PROJECT_ROOT / "_toc.yml") if not p.startswith("chapters/")]
    for page in pages:
        source = check_toc(PROJECT_ROOT)[0] if page == "intro" else PROJECT_ROOT / f"{page}.md"
        shutil.copy2(source, copy / source.name)
    assert len(check_toc(copy)) == len(list((PROJECT_ROOT / "chapters").glob("*.ipynb"))) + len(
        pages
    )


@pytest.mark.slow
def test_missing_glue_key_fails_the_html_build_naming_the_page(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    (stage / "chapters").mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "_config.yml", stage / "_config.yml")
    (stage / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/05-broken\n"
    )
    (stage / "intro.md").write_text("# Intro\n")
    notebook = new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken\n\n{glue:text}`nope`")])
    nbformat.write(notebook, stage / "chapters" / "05-broken.ipynb")
    with pytest.raises(BuildError) as caught:
        run_jupyter_book(stage, tmp_path / "jb")
    message = str(caught.value)
    assert "chapters/05-broken.ipynb" in message
    assert "nope" in message


def test_chapter_7_follows_the_parameters_set_for_chapter_5() -> None:
    files = sorted((PROJECT_ROOT / "chapters").glob("*.ipynb"))
    chapters = {
        c.name: c
        for c in read_chapters(
            files, ["05-trends-and-breaks.scale=level", "05-trends-and-breaks.seed=7"]
        )
    }
    assert chapters["07-sensitivity"].parameters == {"baseline": {"scale": "level", "seed": 7}}
    plain = {c.name: c for c in read_chapters(files, [])}
    assert plain["07-sensitivity"].parameters == {}


def test_a_malformed_toc_is_named(tmp_path: Path) -> None:
    root = make_book(tmp_path, "format: jb-book\nchapters:\n  - file: chapters/01-a\n", [])
    with pytest.raises(BuildError, match="_toc.yml: "):
        check_toc(root)


def test_a_kernel_that_dies_while_starting_is_replaced_once(monkeypatch) -> None:  # noqa: ANN001
    from cmac.book.execute import WorkerKernel

    calls = []

    def flaky(chapter: str, code: str) -> str:
        calls.append(chapter)
        if len(calls) == 1:
            raise BuildError(f"chapter {chapter}: its kernel did not start: died")
        return "kernel"

    monkeypatch.setattr(WorkerKernel, "_prepare_once", staticmethod(flaky))
    assert WorkerKernel.prepare("01-a", "pass") == "kernel" and calls == ["01-a", "01-a"]

    def dead(chapter: str, code: str) -> str:
        raise BuildError(f"chapter {chapter}: its kernel did not start: died")

    monkeypatch.setattr(WorkerKernel, "_prepare_once", staticmethod(dead))
    with pytest.raises(BuildError, match="chapter 01-a: its kernel did not start"):
        WorkerKernel.prepare("01-a", "pass")


@pytest.mark.slow
def test_a_jupyter_book_started_early_builds_nothing_when_told_nothing() -> None:
    """Started ahead of the chapters, then not needed (nothing to rebuild, or the build
    stopped): it ends with status 0 as soon as its input closes, having written nothing."""
    from cmac.book.jupyter_book_runner import READY, JupyterBookProcess

    waiting = JupyterBookProcess(PROJECT_ROOT, "html")
    try:
        assert waiting.process.poll() is None  # loading, then waiting for its arguments
        assert waiting.process.stdin is not None
        waiting.process.stdin.close()
        assert waiting.process.wait(timeout=60) == 0
        waiting.log.seek(0)
        # only its own line once loaded: jupyter-book never ran (it prints even with -q)
        assert waiting.log.read() == f"{READY}\n"
    finally:
        waiting.stop()
    assert waiting.log.closed


@pytest.mark.slow
def test_a_jupyter_book_started_early_builds_when_given_the_stage(tmp_path: Path) -> None:
    from cmac.book.jupyter_book_runner import JupyterBookProcess
    from cmac.book.site import run_jupyter_books

    stage = tmp_path / "stage"
    (stage / "chapters").mkdir(parents=True)
    (stage / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (stage / "intro.md").write_text("# Intro\n\nStarted early.\n")
    waiting = {"html": JupyterBookProcess(PROJECT_ROOT, "html")}
    (built,) = run_jupyter_books(stage, tmp_path, ["html"], waiting)
    assert "Started early." in (built / "intro.html").read_text()
    assert waiting["html"].process.returncode == 0 and waiting["html"].log.closed


def test_an_ascii_locale_still_reads_the_project_as_utf8(tmp_path: Path) -> None:
    """Under LC_ALL=POSIX with Python's locale coercion off, reading a notebook failed with
    'unexpected UnicodeDecodeError'; the build now reruns itself in UTF-8 mode (issue 23)."""
    environment = {
        **os.environ, "LC_ALL": "POSIX", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"
    }
    done = subprocess.run(
        [sys.executable, "-m", "cmac.book.build", "--out", str(tmp_path / "out"),
         "--set", "05-trends-and-breaks.nope=1"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1
    assert "'nope' is not a parameter of 05-trends-and-breaks" in done.stderr, done.stderr
    assert "Unicode" not in done.stderr


def test_the_cell_a_kernel_never_answered_is_numbered_as_stored() -> None:
    from nbformat.v4 import new_markdown_cell

    from cmac.book.execute import CellsStarted

    started = CellsStarted()
    assert started.running() == ""
    injected = new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]})
    for index, cell in enumerate(
        [new_markdown_cell("# A"), new_code_cell("x = 1"), injected, new_code_cell("\nrun()\n")]
    ):
        if cell.cell_type == "code":
            started(cell=cell, cell_index=index)
    assert started.running() == "while cell 3 (run()) was running"


@pytest.mark.slow
def test_a_kept_kernel_runs_chapter_after_chapter_and_closes_their_clients(
    tmp_path: Path,
) -> None:
    from cmac.book.execute import WorkerKernel, run_in_folder

    source = two_cell_notebook(tmp_path / "01-a.ipynb", "data_dir = ''\nresults_dir = ''", "1")
    try:
        managers = []
        for run in ("first", "second"):
            run_in_folder(source, tmp_path / run, {}, PROJECT_ROOT / "data")
            managers.append(WorkerKernel.manager)
            assert WorkerKernel.manager.clients == []  # nbclient's client for the chapter
        assert managers[0] is managers[1]  # one kernel ran both
        first, second = (
            nbformat.read(tmp_path / run / "01-a.ipynb", as_version=4)
            for run in ["first", "second"]
        )
        assert first == second  # numbered from 1 both times, as in a kernel of its own
    finally:
        WorkerKernel.discard()
