"""The build's caching, scheduling and failure handling, on a small book made for the test."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cmac.book.build import BuildContext, Builder, main
from cmac.errors import BuildError
from cmac.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow  # kernels


def chapter(path: Path, code: str, needs: list[str] | None = None, x: int = 1) -> None:
    notebook = new_notebook(
        cells=[
            new_markdown_cell(f"# {path.stem}"),
            new_code_cell(
                f'x = {x}\ndata_dir = ""\nresults_dir = ""', metadata={"tags": ["parameters"]}
            ),
            new_code_cell(code),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    if needs:
        notebook.metadata["cmac"] = {"needs": needs}
    nbformat.write(notebook, path)


STAMP = (
    "import json, os, pathlib, time\n"
    "out = pathlib.Path(results_dir, 'results')\n"
    "out.mkdir(parents=True, exist_ok=True)\n"
    "start = time.time(); time.sleep({sleep})\n"
    "rows = [{{'key': 'start', 'value': start}}, {{'key': 'end', 'value': time.time()}},"
    " {{'key': 'x', 'value': x}}]\n"
    "rows = [dict(row, chapter='{name}') for row in rows]\n"
    "(out / '{name}.json').write_text(json.dumps(rows))\n"
)


@pytest.fixture
def small_book(tmp_path: Path) -> Path:
    """A three-chapter book with a copy of the project's data; 03-c needs 01-a."""
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01-a\n"
        "  - file: chapters/02-b\n  - file: chapters/03-c\n"
    )
    (root / "intro.md").write_text("# Intro\n")
    chapter(
        root / "chapters" / "01-a.ipynb",
        "import pathlib\nfrom cmac.data import load\n"
        "load('uxo_lao_workshops', pathlib.Path(data_dir))\n" + STAMP.format(sleep=0, name="01-a"),
    )
    chapter(root / "chapters" / "02-b.ipynb", STAMP.format(sleep=0, name="02-b"))
    chapter(root / "chapters" / "03-c.ipynb", STAMP.format(sleep=0, name="03-c"), ["01-a"])
    return root


def run(root: Path, out: Path, jobs: int = 1, assignments: list[str] | None = None):
    context = BuildContext.for_project(root, out, jobs=jobs, assignments=tuple(assignments or []))
    builder = Builder(context)
    return builder, builder.execute()


def stamps(out: Path, name: str) -> dict[str, float]:
    rows = json.loads((out / "cache" / name / "results" / f"{name}.json").read_text())
    return {row["key"]: row["value"] for row in rows}


def test_nothing_changed_reuses_every_chapter(small_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _, (ran, reused) = run(small_book, out)
    assert sorted(ran) == ["01-a", "02-b", "03-c"] and reused == []
    started = time.perf_counter()
    _, (ran, reused) = run(small_book, out)
    assert ran == [] and sorted(reused) == ["01-a", "02-b", "03-c"]
    assert time.perf_counter() - started < 3


def test_data_change_reruns_only_the_reader_and_its_dependants(
    small_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    csv = small_book / "data" / "uxo_lao_workshops.csv"
    csv.write_text(csv.read_text().replace("Training programmes", "Training programs"))
    capsys.readouterr()
    _, (ran, reused) = run(small_book, out)
    assert sorted(ran) == ["01-a", "03-c"] and reused == ["02-b"]
    log = capsys.readouterr().out
    assert "start   01-a (data/uxo_lao_workshops.csv changed)" in log
    assert "start   03-c (needs changed)" in log


def test_timestamps_alone_change_nothing(small_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    for path in small_book.rglob("*.ipynb"):
        path.touch()
    _, (ran, _) = run(small_book, out)
    assert ran == []


def test_a_chapter_waits_for_the_one_it_needs(small_book: Path, tmp_path: Path) -> None:
    chapter(small_book / "chapters" / "01-a.ipynb", STAMP.format(sleep=2, name="01-a"))
    out = tmp_path / "out"
    run(small_book, out, jobs=3)
    assert stamps(out, "03-c")["start"] >= stamps(out, "01-a")["end"]


def test_independent_chapters_run_at_the_same_time(small_book: Path, tmp_path: Path) -> None:
    for name in ["01-a", "02-b"]:
        chapter(small_book / "chapters" / f"{name}.ipynb", STAMP.format(sleep=3, name=name))
    out = tmp_path / "out"
    run(small_book, out, jobs=2)
    a, b = stamps(out, "01-a"), stamps(out, "02-b")
    assert a["start"] < b["end"] and b["start"] < a["end"]  # the runs overlap


def test_parameters_are_checked_and_change_the_fingerprint(
    small_book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    _, (ran, _) = run(small_book, out, assignments=["02-b.x=5"])
    assert ran == ["02-b"]
    assert stamps(out, "02-b")["x"] == 5
    with pytest.raises(BuildError, match="'y' is not a parameter of 02-b"):
        run(small_book, out, assignments=["02-b.y=5"])
    with pytest.raises(BuildError, match="no chapter '09-z'"):
        run(small_book, out, assignments=["09-z.x=5"])


def test_failed_chapter_keeps_its_last_good_run(small_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    good = (out / "cache" / "02-b" / "02-b.ipynb").read_bytes()
    chapter(small_book / "chapters" / "02-b.ipynb", "raise ValueError('broken on purpose')")
    with pytest.raises(BuildError) as caught:
        run(small_book, out)
    assert "chapter 02-b: cell 3 (raise ValueError('broken on purpose'))" in str(caught.value)
    assert "broken on purpose" in str(caught.value)
    assert (out / "cache" / "02-b" / "02-b.ipynb").read_bytes() == good


@pytest.mark.guard
def test_a_chapter_that_left_no_record_stops_publishing(small_book: Path, tmp_path: Path) -> None:
    """Every chapter's record must reach the published results record: one that ran but
    recorded nothing fails the build by name, and nothing is published."""
    chapter(small_book / "chapters" / "02-b.ipynb", "pass  # records nothing")
    builder, _ = run(small_book, tmp_path / "out")
    with pytest.raises(BuildError, match="incomplete: chapter 02-b left no results record"):
        builder.publish_site()
    assert not (tmp_path / "out" / "html").exists()


def test_circular_needs_are_refused(small_book: Path, tmp_path: Path) -> None:
    chapter(small_book / "chapters" / "01-a.ipynb", "pass", ["03-c"])
    with pytest.raises(BuildError, match="in a circle"):
        run(small_book, tmp_path / "out")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--set", "02-b.nope=1"], "'nope' is not a parameter of 02-b"),
        (["--set", "02-b"], "write CHAPTER.NAME=VALUE"),
    ],
)
def test_main_names_the_bad_parameter(
    small_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments, words
) -> None:
    code = main(["--root", str(small_book), "--out", str(tmp_path / "out"), *arguments])
    assert code == 1
    assert words in capsys.readouterr().err
    assert not (tmp_path / "out" / "html").exists()


def test_main_names_a_missing_toc_file(
    small_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.move(small_book / "chapters" / "02-b.ipynb", tmp_path / "02-b.ipynb")
    assert main(["--root", str(small_book), "--out", str(tmp_path / "out")]) == 1
    assert "_toc.yml names 'chapters/02-b', but there is no" in capsys.readouterr().err


@pytest.mark.guard
def test_a_copied_project_checks_its_own_data_not_the_originals(
    small_book: Path, tmp_path: Path
) -> None:
    """Fingerprints name the files a chapter read relative to the project, so a copy (with its
    build folder) reruns what its own edited files require, and reuses the rest."""
    run(small_book, small_book / "_build")
    state = json.loads((small_book / "_build/cache/01-a/fingerprint.json").read_text())
    assert state["reads"] == ["data/uxo_lao_workshops.csv"]

    copy = tmp_path / "copy"
    shutil.copytree(small_book, copy)
    _, (ran, reused) = run(copy, copy / "_build")
    assert ran == [] and sorted(reused) == ["01-a", "02-b", "03-c"]  # nothing changed yet

    csv = copy / "data" / "uxo_lao_workshops.csv"
    csv.write_text(csv.read_text().replace("2 weeks", "3 weeks"))
    _, (ran, reused) = run(copy, copy / "_build")
    assert sorted(ran) == ["01-a", "03-c"] and reused == ["02-b"]
    assert (small_book / "_build/cache/01-a").exists()  # the original's own cache is untouched


def edit_markdown(path: Path, text: str) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(2, new_markdown_cell(text))
    notebook.cells[0].source += "\n\nA new sentence."
    nbformat.write(notebook, path)


def test_a_prose_edit_starts_no_kernel_and_keeps_the_outputs(
    small_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    before = stamps(out, "01-a")
    edit_markdown(small_book / "chapters" / "01-a.ipynb", "Some *new* prose.")
    capsys.readouterr()
    builder, (ran, reused) = run(small_book, out)
    assert ran == [] and sorted(reused) == ["01-a", "02-b", "03-c"]
    assert "reused  01-a (prose changed: merged into its cached run)" in capsys.readouterr().out
    assert stamps(out, "01-a") == before  # no kernel: the same run's numbers
    merged = nbformat.read(out / "cache" / "01-a" / "01-a.ipynb", as_version=4)
    sources = [c.source for c in merged.cells]
    assert "Some *new* prose." in sources and sources[0].endswith("A new sentence.")
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in merged.cells)
    assert all(c.get("execution_count") for c in merged.cells if c.cell_type == "code")
    _, (ran, reused) = run(small_book, out)
    assert ran == []  # and the merge is remembered


def test_a_code_edit_reruns_the_chapter_and_those_that_need_it(
    small_book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(small_book, out)
    path = small_book / "chapters" / "01-a.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += "\nextra = 1\n"
    nbformat.write(notebook, path)
    _, (ran, reused) = run(small_book, out)
    assert sorted(ran) == ["01-a", "03-c"] and reused == ["02-b"]


LEAKY = (
    "import os, warnings, pathlib, matplotlib\n"
    "from cmac.data import load\n"
    "load('uxo_lao_workshops', pathlib.Path(data_dir))\n"
    "leak = 1\n"
    "matplotlib.rcParams['lines.linewidth'] = 9\n"
    "warnings.simplefilter('ignore')\n"
    "os.chdir('/')\n"
)
INSPECT = (
    "import json, os, pathlib, warnings, matplotlib\n"
    "out = pathlib.Path(results_dir, 'results')\n"
    "out.mkdir(parents=True, exist_ok=True)\n"
    "seen = {'leak': 'leak' in globals(), 'width': matplotlib.rcParams['lines.linewidth'],\n"
    "        'cwd': os.getcwd(), 'filters': repr(warnings.filters), 'pid': os.getpid(),\n"
    "        'post_execute': [f.__name__ for f in\n"
    "                         get_ipython().events.callbacks['post_execute']]}\n"
    "rows = [{'key': k, 'value': v, 'chapter': '{name}'} for k, v in seen.items()]\n"
)


def test_chapters_sharing_a_kernel_see_nothing_of_each_other(
    small_book: Path, tmp_path: Path
) -> None:
    """One worker runs every chapter in one kernel: the second must start as a fresh kernel
    would (names, matplotlib settings, warning filters, folder), and note only its own reads."""
    chapters = small_book / "chapters"
    chapter(chapters / "01-a.ipynb", INSPECT.replace("{name}", "01-a") + LEAKY + STAMP_TAIL)
    chapter(chapters / "02-b.ipynb", INSPECT.replace("{name}", "02-b") + STAMP_TAIL)
    out = tmp_path / "out"
    _, (ran, _) = run(small_book, out, jobs=1)
    assert ran[:2] == ["01-a", "02-b"]
    first, second = stamps(out, "01-a"), stamps(out, "02-b")
    assert first["pid"] == second["pid"]  # the same kernel ran both
    assert second == {**first, "cwd": str(chapters.resolve())}
    assert first["cwd"] == str(chapters.resolve()) and not second["leak"]
    # figures are drawn once, when the inline backend shows them
    assert "flush_figures" in first["post_execute"]
    assert "_draw_all_if_interactive" not in first["post_execute"]
    reads = (
        (out / "cache" / "02-b" / "reads.txt").read_text()
        if (out / "cache" / "02-b" / "reads.txt").exists()
        else ""
    )
    assert "uxo_lao_workshops" not in reads
    assert "uxo_lao_workshops" in (out / "cache" / "01-a" / "reads.txt").read_text()


STAMP_TAIL = "(out / f'{rows[0][\"chapter\"]}.json').write_text(json.dumps(rows))\n"
