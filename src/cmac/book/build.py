"""Build the book: check inputs, run changed chapters in parallel, then HTML and PDF.

Usage: ``python -m cmac.book.build [--jobs N] [--wait] [--set CHAPTER.NAME=VALUE ...]``
(``make book``).

- A chapter runs again only when its fingerprint changes (notebook, data files it read,
  ``src/``, pinned requirements, parameters, chapters it needs); otherwise its cached run is
  reused. The build says which chapters ran, which were reused, and why.
- Independent chapters run at the same time, at most ``--jobs`` at once; a chapter whose
  notebook metadata lists ``cmac.needs`` waits for those chapters.
- One build at a time holds the build folder (:mod:`cmac.book.publish`). Every chapter runs in a
  scratch folder that replaces its cached run only on success; the HTML and PDF are built in
  scratch folders and published, by an atomic swap, only when every step has passed.
- The data files are read once, at the start, into a snapshot in the cache: validated, read
  by the chapters, fingerprinted and published as read. One that changes during the build is
  named, and nothing is published.
- Any failure exits non-zero and names the chapter and cell, the data file, row and column,
  the step or the parameter. With nothing changed, nothing runs and no kernel starts.
"""

from __future__ import annotations

import argparse
import errno
import graphlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cmac.book import cache
from cmac.book.execute import ChapterRun, run_in_folder, warm_kernel
from cmac.book.jupyter_book_runner import JupyterBookProcess
from cmac.book.publish import (
    build_lock,
    publish,
    published_site,
    repair,
    scratch_name,
    site_matches,
    write_manifest,
)
from cmac.book.toc import check_toc
from cmac.errors import BuildError, BuildLocked, NotPlainFile, ParameterNameError, PlantedLink
from cmac.paths import PROJECT_ROOT

BOOK_SOURCES = [
    "_config.yml",
    "_toc.yml",
    "references.bib",
    "references.md",
    "results.md",
    "how-to-cite.md",
    "glossary.md",
    "LICENSE.md",
    "CITATION.cff",
]


# Parameters that say where a chapter reads or writes, not what it computes.
OUTPUT_PARAMETERS = {"data_dir", "results_dir"}
SPHINX_FOLDER = "sphinx"  # the staged book and Sphinx's output, kept between builds


@dataclass
class ChapterNotebook:
    """A chapter as the build runs it: its notebook, the chapters it needs, its parameters."""

    source: Path
    needs: list[str]
    parameters: dict[str, object]

    @property
    def name(self) -> str:
        return self.source.stem


@dataclass(frozen=True)
class BuildContext:
    """Everything a build is told, in one place and passed explicitly: the project, where its
    outputs go, how many chapters run at once, the parameters set on the command line, and
    whether to print the PDF. The data folder and every output folder derive from these."""

    root: Path
    out: Path
    jobs: int = 1
    assignments: tuple[str, ...] = ()
    pdf: bool = False
    wait: bool = False

    @classmethod
    def for_project(cls, root: Path, out: Path | None = None, **options: Any) -> BuildContext:
        root = root.resolve()
        return cls(root, (out or root / "_build").resolve(), **options)

    @property
    def data_dir(self) -> Path:
        """The project's data folder: read once per build, into :attr:`snapshots_dir`."""
        return self.root / "data"

    @property
    def snapshots_dir(self) -> Path:
        """Where the build keeps the bytes of data/ it read (:func:`read_data`)."""
        return self.cache_dir / "data"

    @property
    def cache_dir(self) -> Path:
        return self.out / "cache"


def read_chapters(files: list[Path], assignments: list[str]) -> list[ChapterNotebook]:
    """The book's notebooks with their needs and any parameters set on the command line."""
    chapters = {
        f.stem: ChapterNotebook(f, cache.chapter_needs(f), {})
        for f in files
        if f.suffix == ".ipynb"
    }
    for text in assignments:
        try:
            name, parameter, raw = cache.parse_assignment(text)
            if name not in chapters:
                raise ParameterNameError(
                    f"'{text}': no chapter '{name}' (chapters: {', '.join(chapters)})"
                )
            value = cache.settable_value(chapters[name].source, parameter, raw)
        except ParameterNameError as exc:
            raise BuildError(str(exc)) from None
        chapters[name].parameters[parameter] = value
    if assignments:
        check_set_parameters(chapters)
    for chapter in chapters.values():
        followed = cache.chapter_follows(chapter.source)
        if followed:
            if followed not in chapters:
                raise BuildError(f"chapter {chapter.name} follows '{followed}', not in the book")
            given = {
                k: v for k, v in chapters[followed].parameters.items() if k not in OUTPUT_PARAMETERS
            }
            if given:  # the follower's baseline is the followed chapter's run
                chapter.parameters["baseline"] = given
    for chapter in chapters.values():
        for need in chapter.needs:
            if need not in chapters:
                raise BuildError(f"chapter {chapter.name} needs '{need}', which is not in the book")
    dependency_order(chapters)
    return list(chapters.values())


def check_set_parameters(chapters: dict[str, ChapterNotebook]) -> None:
    """Each chapter's parameters with the set ones, checked as the chapter checks them
    (types and ranges), before anything runs."""
    from cmac.errors import ParameterError
    from cmac.params import check_chapter_parameters

    for chapter in chapters.values():
        if chapter.parameters:
            values = {**cache.parameter_defaults(chapter.source), **chapter.parameters}
            if any(isinstance(v, cache.ExpressionDefault) for v in values.values()):
                continue  # only the chapter can work out such a default: it checks when it runs
            try:
                check_chapter_parameters(chapter.source, values)
            except ParameterError as exc:
                raise BuildError(f"chapter {chapter.name}: {exc}") from None


def dependency_order(chapters: dict[str, ChapterNotebook]) -> graphlib.TopologicalSorter[str]:
    """The chapters in an order that respects ``cmac.needs``, ready to hand out; a circle of
    needs is a BuildError that names it."""
    sorter = graphlib.TopologicalSorter({name: c.needs for name, c in chapters.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        circle = " -> ".join(reversed(exc.args[1]))
        raise BuildError(f"chapters need each other in a circle: {circle}") from None
    return sorter


PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (prctl), so that no
    worker outlives a build that was killed outright; elsewhere, nothing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def worker_setup() -> None:
    """A chapter worker leads its own process group and dies with the build."""
    os.setsid()
    die_with_parent()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop every chapter worker and what it started (kernels run in sessions of their own).
    The workers are this process's multiprocessing children (the pool's only public view of
    them)."""
    import multiprocessing

    import psutil

    for process in multiprocessing.active_children():
        try:
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def book_fingerprint(root: Path, chapter_digests: dict[str, str], data_digest: str) -> str:
    """Everything the published site depends on besides the chapters' own runs."""
    from cmac.book.citation import book_info, git_commit

    digest = hashlib.sha256(json.dumps(chapter_digests, sort_keys=True).encode())
    for name in BOOK_SOURCES:
        digest.update(cache.file_digest(root / name).encode())
    for folder, pattern in [("_static", "*"), ("src", "*.py"), ("src", "*.css")]:
        digest.update(cache.tree_digest(root / folder, pattern).encode())
    digest.update(data_digest.encode())  # the data files as this build read them
    digest.update(git_commit(root).encode())
    digest.update(book_info(root).base_url.encode())  # CMAC_BASE_URL reaches every cite box
    return digest.hexdigest()


class Builder:
    def __init__(self, context: BuildContext) -> None:
        self.context = context
        self.root, self.out, self.jobs, self.pdf = (
            context.root,
            context.out,
            context.jobs,
            context.pdf,
        )
        self.cache_dir = context.cache_dir
        self.files = check_toc(self.root)
        self.assignments = list(context.assignments)
        self.chapters = read_chapters(self.files, self.assignments)
        self.digests: dict[str, str] = {}
        self.page_digests: dict[str, str] = {}
        self.scratch: dict[str, Path] = {}
        self.shared_parts = cache.shared_parts(self.root)
        self.sphinx_builders = ["html", "singlehtml"] if self.pdf else ["html"]
        # started when the first chapter runs, so that they load while chapters run
        self.jupyter_books: dict[str, JupyterBookProcess] = {}
        self.pool: ProcessPoolExecutor | None = None
        self.fingerprints: dict[str, cache.Fingerprint] = {}
        self.step = ""  # what publishing is doing, for a full disk's message
        self.data = read_data(context)  # the bytes every chapter reads and the site publishes

    def start_jupyter_books(self) -> None:
        if not self.jupyter_books:
            self.jupyter_books = {b: JupyterBookProcess(self.root, b) for b in self.sphinx_builders}

    def stop_jupyter_books(self) -> None:
        for process in self.jupyter_books.values():
            process.stop()
        self.jupyter_books = {}

    def run_dir(self, chapter: ChapterNotebook) -> Path:
        return self.cache_dir / chapter.name

    def current(self, chapter: ChapterNotebook) -> cache.Fingerprint:
        """The chapter's fingerprint from its sources now, computed once per build (the
        chapters it needs are settled before it is asked for)."""
        if chapter.name not in self.fingerprints:
            previous = cache.load_state(self.run_dir(chapter))
            reads = previous.reads if previous else []
            needed = {n: self.digests[n] for n in chapter.needs}
            self.fingerprints[chapter.name] = cache.fingerprint(
                chapter.source,
                self.root,
                chapter.parameters,
                needed,
                reads,
                self.shared_parts,
                self.data,
            )
        return self.fingerprints[chapter.name]

    def changes(self, chapter: ChapterNotebook) -> list[str] | None:
        """What changed since the cached run (empty: nothing), or None when there is no
        usable cached run."""
        previous = cache.load_state(self.run_dir(chapter))
        notebook = self.run_dir(chapter) / chapter.source.name
        if previous is None or not notebook.exists():
            return None
        return self.current(chapter).changes_from(previous)

    def stale_reason(self, chapter: ChapterNotebook) -> str | None:
        """Why the chapter must run, or None when its cached run is still good."""
        changed = self.changes(chapter)
        if changed is None:
            return "no cached run"
        return ", ".join(c.removeprefix("file:") for c in changed) + " changed" if changed else None

    def merge_prose(self, chapter: ChapterNotebook) -> bool:
        """When only the chapter's Markdown changed, put it into the cached run (no kernel);
        returns whether it did."""
        if self.changes(chapter) != [cache.PROSE]:
            return False
        run_dir = self.run_dir(chapter)
        try:
            cache.merge_prose(chapter.source, run_dir / chapter.source.name)
        except ValueError:
            return False  # the code differs after all: run it
        cache.save_state(run_dir, self.current(chapter))
        return True

    def start_pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=get_context("spawn"), initializer=worker_setup
            )
        return self.pool

    def stop_pool(self) -> None:
        """Stop the chapter workers and their kernels, if any were started."""
        pool, self.pool = self.pool, None
        if pool is not None:
            stop_workers(pool)  # each worker leads a process group with its kernels

    def warm_up(self) -> None:
        """When chapters that need no other must run, start as many workers as will run them
        (up to --jobs), each with its kernel and the study imported, while the main process
        checks the data: the first chapters then start at once. Nothing starts when nothing
        must run."""
        stale = [
            c for c in self.chapters if not c.needs and self.changes(c) not in ([], [cache.PROSE])
        ]
        if stale:
            pool = self.start_pool()
            for _ in range(min(self.jobs, len(stale))):
                pool.submit(warm_kernel)

    def execute(self) -> tuple[list[str], list[str]]:
        """Run what is stale, in dependency order, in parallel; returns (ran, reused)."""
        for folder in self.cache_dir.glob("*.running*"):
            shutil.rmtree(folder)  # left by an interrupted build (we hold the lock)
        chapters = {c.name: c for c in self.chapters}
        order = dependency_order(chapters)
        ready = list(order.get_ready())
        running: dict[Future[ChapterRun], ChapterNotebook] = {}
        ran: list[str] = []
        reused: list[str] = []
        failure: BaseException | None = None
        pool = self.start_pool()
        try:
            while True:
                if not failure:
                    self.start_ready(pool, order, ready, chapters, running, reused)
                if not running:
                    break  # all done, or a failure with nothing left running
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    chapter = running.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # noqa: BLE001 - reported with the chapter's name
                        failure = failure or exc
                        print(f"  FAILED  {chapter.name}", flush=True)
                        continue
                    self.finish(chapter, result)
                    ran.append(chapter.name)
                    print(f"  done    {chapter.name} ({result.seconds:.1f} s)", flush=True)
                    order.done(chapter.name)
                    ready.extend(order.get_ready())
        except BaseException:
            self.stop_pool()
            for scratch in self.scratch.values():
                shutil.rmtree(scratch, ignore_errors=True)
            raise
        pool.shutdown()
        self.pool = None
        if failure:
            raise failure if isinstance(failure, BuildError) else BuildError(str(failure))
        return ran, reused

    def start_ready(
        self,
        pool: ProcessPoolExecutor,
        order: graphlib.TopologicalSorter[str],
        ready: list[str],
        chapters: dict[str, ChapterNotebook],
        running: dict[Future[ChapterRun], ChapterNotebook],
        reused: list[str],
    ) -> None:
        """Reuse every ready chapter that is still current (which may make more ready), and
        start stale ones while there are free workers."""
        progressed = True
        while progressed:
            progressed = False
            for name in list(ready):
                chapter = chapters[name]
                merged = self.merge_prose(chapter)
                reason = None if merged else self.stale_reason(chapter)
                if reason is None:
                    ready.remove(name)
                    self.record_digests(name, self.current(chapter))
                    reused.append(name)
                    note = "prose changed: merged into its cached run" if merged else "unchanged"
                    print(f"  reused  {name} ({note})", flush=True)
                    order.done(name)
                    ready.extend(order.get_ready())
                    progressed = True
                elif len(running) < self.jobs:
                    ready.remove(name)
                    print(f"  start   {name} ({reason})", flush=True)
                    running[self.submit(pool, chapter)] = chapter

    def submit(self, pool: ProcessPoolExecutor, chapter: ChapterNotebook) -> Future[ChapterRun]:
        self.start_jupyter_books()  # a chapter runs: new pages will be built
        scratch = self.cache_dir / scratch_name(f"{chapter.name}.running")
        self.scratch[chapter.name] = scratch
        parameters = dict(chapter.parameters)
        if chapter.needs:  # where the chapters it needs left their records
            parameters["chapter_results"] = {
                n: str(self.cache_dir / n / "results" / f"{n}.json") for n in chapter.needs
            }
        return pool.submit(run_in_folder, chapter.source, scratch, parameters, self.data.folder)

    def finish(self, chapter: ChapterNotebook, result: ChapterRun) -> None:
        scratch = self.scratch.pop(chapter.name)
        needed = {n: self.digests[n] for n in chapter.needs}
        state = cache.fingerprint(
            chapter.source,
            self.root,
            chapter.parameters,
            needed,
            result.reads,
            self.shared_parts,
            self.data,
        )
        cache.save_state(scratch, state)
        cache.replace_dir(scratch, self.run_dir(chapter))
        self.record_digests(chapter.name, state)

    def record_digests(self, name: str, state: cache.Fingerprint) -> None:
        self.digests[name] = state.results_digest  # what chapters that need it see
        self.page_digests[name] = state.digest  # what the published page depends on

    def publish_site(self) -> None:
        """Stage, build and print the book in scratch folders of this build, then swap it in.
        A full disk is named with the step it stopped (the previous book stays published)."""
        scratch = self.out / scratch_name("publishing")
        self.step = "staging the book"
        try:
            self.build_site(scratch)
        except OSError as exc:
            if exc.errno not in NO_SPACE:
                raise
            raise BuildError(
                f"no space left on device while {self.step} ({exc.filename or scratch})"
            ) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def build_site(self, scratch: Path) -> None:
        from cmac.book.citation import PDF_NAME, book_info, book_version
        from cmac.book.datapackage import PACKAGE_NAME, write_package
        from cmac.book.site import run_jupyter_books, stage_book, sync_tree
        from cmac.errors import RecordError
        from cmac.polish.figures import FigureCutter, put_figures
        from cmac.polish.tidy import tidy_site
        from cmac.results import merge_results

        executed = {c.source: self.run_dir(c) / c.source.name for c in self.chapters}
        tables = [self.run_dir(c) / "tables" for c in self.chapters]
        stage = scratch / "stage"
        try:
            results = merge_results(
                {c.name: self.run_dir(c) / "results" / f"{c.name}.json" for c in self.chapters}
            )
        except RecordError as exc:
            raise BuildError(f"the results record is incomplete: {exc}") from None
        stage_book(
            self.root,
            self.files,
            executed,
            stage,
            tables,
            results,
            tuple(self.assignments),
            data_dir=self.data.folder,
        )
        # Sphinx keeps its staged book and its output between builds, and re-reads only the
        # pages whose files changed; each build then polishes a copy of the output.
        sphinx = self.out / SPHINX_FOLDER
        sync_tree(stage, sphinx / "stage")
        started = time.perf_counter()
        self.step = "building the HTML"
        cutter = FigureCutter(list(executed.values()), self.cache_dir / "figures")
        # the HTML, and for the PDF the single page it is printed from, side by side
        waiting, self.jupyter_books = self.jupyter_books, {}
        built = run_jupyter_books(sphinx / "stage", sphinx, self.sphinx_builders, waiting)
        html, *single = [shutil.copytree(b, scratch / b.name, symlinks=True) for b in built]
        figures = cutter.result()
        for site in [html, *single]:
            put_figures(site / "_images", figures)
        tidy_site(html, book_info(self.root).title, cache=self.cache_dir / "tidy")
        print(
            f"  HTML built by jupyter-book in {time.perf_counter() - started:.1f} s "
            "(execution off, warnings are errors)",
            flush=True,
        )
        if self.pdf:
            from cmac.polish.pdf import print_pdf

            started = time.perf_counter()
            self.step = "printing the PDF"
            print_pdf(single[0] / "index.html", html / PDF_NAME, self.root, tuple(self.assignments))
            print(f"  PDF printed in {time.perf_counter() - started:.1f} s", flush=True)
        self.step = "writing the data package"
        results.to_csv(html / "results.csv", index=False)
        write_package(
            html / PACKAGE_NAME,
            self.data.folder,
            html / "results.csv",
            sorted((html / "_static" / "tables").glob("*.csv")),
            self.root / "LICENSE.md",
            book_info(self.root),
            book_version(self.root, tuple(self.assignments)),
        )
        write_manifest(
            html, book_fingerprint(self.root, self.page_digests, self.data.digest), pdf=self.pdf
        )
        self.check_data_unchanged()
        self.step = "publishing the site"
        kept = self.out / scratch_name(".results.csv")
        results.to_csv(kept, index=False)
        os.replace(kept, self.out / "results.csv")  # whole or not at all, on a full disk too
        publish(html, self.out / "html")

    def site_is_current(self) -> bool:
        """The published files are exactly those a build of the current sources wrote."""
        site = published_site(self.out / "html")
        fingerprint = book_fingerprint(self.root, self.page_digests, self.data.digest)
        return site is not None and site_matches(site, fingerprint, pdf=self.pdf)

    def check_data_unchanged(self) -> None:
        """Read data/ again: a file that differs from the bytes read at the start (and run,
        fingerprinted and published) stops the build, named. Failing, not rerunning, keeps a
        build bounded while something keeps writing the file; the cache holds only results
        of the bytes read, so the next build reruns exactly the chapters that read it."""
        changed = self.data.changed_since()
        if changed:
            names = ", ".join(cache.project_path(str(path), self.root) for path in changed)
            raise BuildError(
                f"{names} changed while the book was being built; nothing new was published "
                "(the chapters ran on the bytes read at the start): build again"
            )


def read_data(context: BuildContext) -> cache.DataSnapshot:
    """Read every file of data/ once, into a snapshot in the build's cache
    (:func:`cache.take_snapshot`). An entry that is not a plain data file is named."""
    try:
        return cache.take_snapshot(context.data_dir, context.snapshots_dir)
    except (FileNotFoundError, NotADirectoryError, NotPlainFile) as exc:
        from cmac.data import check_data_folder

        check_data_folder(context.data_dir)  # names the folder or entry, and why
        raise BuildError(f"{exc}: not a regular file of the project") from None


# The code that validates data files: a new check validates every file again.
VALIDATOR = Path(__file__).resolve().parents[1] / "data.py"


def validate_data_if_changed(data: cache.DataSnapshot) -> None:
    """Validate every file of the build's snapshot of data/ before any chapter runs, and name
    a problem by its file in data/. Skipped when these bytes passed these checks before."""
    stamp = data.folder.parent / "validated"
    checks = cache.file_digest(VALIDATOR)
    if stamp.is_file() and stamp.read_text() == checks:
        return
    from cmac.data import load_all
    from cmac.errors import DataError

    try:
        load_all(data.folder)
    except DataError as exc:
        raise exc.moved(data.folder, data.source) from None
    stamp.write_text(checks)


def build(context: BuildContext) -> Path:
    """Run the build the context describes; returns the published index page."""
    with build_lock(context.out, wait=context.wait):
        for repaired in repair(context.out):
            print(f"  {repaired}", flush=True)
        print("Checking _toc.yml, parameters and data files ...", flush=True)
        builder = Builder(context)
        try:
            # jupyter-book loads while the chapters are checked (and run): when the book is
            # already up to date, it is stopped unused
            builder.start_jupyter_books()
            builder.warm_up()
            validate_data_if_changed(builder.data)
            print(f"Chapters (up to {context.jobs} at once):", flush=True)
            ran, reused = builder.execute()
            print(
                f"Ran {len(ran)}: {', '.join(ran) or 'none'}; reused {len(reused)}: "
                f"{', '.join(reused) or 'none'}",
                flush=True,
            )
            if builder.site_is_current():
                builder.check_data_unchanged()
                print("The published book is already up to date: nothing to rebuild.", flush=True)
            else:
                builder.publish_site()
        finally:
            builder.stop_pool()
            builder.stop_jupyter_books()
    return context.out / "html" / "index.html"


# A full disk, or a full quota.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
NAMED_FAILURES = (BuildError, BuildLocked, PlantedLink, OSError, subprocess.TimeoutExpired)


def failure_message(exc: BaseException, out: Path | None = None) -> str:
    """One sentence for any failure the build expects: no traceback reaches the reader. A
    file-system error in the build folder ``out`` (or of unknown place) asks whether that
    folder is writable; one elsewhere names the file alone."""
    if isinstance(exc, subprocess.TimeoutExpired):
        command = Path(str(exc.cmd[0] if isinstance(exc.cmd, list) else exc.cmd)).name
        return f"the step '{command}' timed out after {exc.timeout:.0f} s"
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        return f"no space left on device ({exc.filename or out or 'the build folder'})"
    if isinstance(exc, IsADirectoryError) and exc.filename:
        return f"{exc.filename} is a folder where a file is expected"
    if isinstance(exc, OSError) and not isinstance(exc, BuildLocked):
        where = f": {exc.filename}" if exc.filename else ""
        in_build = (
            out is None
            or not exc.filename
            or Path(os.path.abspath(exc.filename)).is_relative_to(out.absolute())
        )
        hint = " (is the build folder writable, with space left?)" if in_build else ""
        return f"{exc.strerror or exc}{where}{hint}"
    return str(exc)


def check_own_code(root: Path) -> None:
    """The project's own src/cmac is the code this build runs (the same files, if not the
    same folder). A copied project whose .venv was copied with it would otherwise build with
    the original's code (its editable install points there), and so would its kernels: an
    edit of the copy's code would never run."""
    own = root / "src" / "cmac"
    running = Path(__file__).resolve().parent.parent
    if not own.is_dir() or own.resolve() == running:
        return
    if cache.tree_digest(own, "*.py") != cache.tree_digest(running, "*.py"):
        raise BuildError(
            f"{root} has its own src/cmac, but this build runs the code in {running} (a .venv "
            f"copied from another project still points there): in {root}, run "
            "`rm -rf .venv && make book` to install this project's code"
        )


def unexpected(exc: BaseException, out: Path) -> str:
    """A failure nobody foresaw: its type and message for the reader, the traceback in a log."""
    import traceback

    log = out / "build-error.log"
    try:
        out.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(traceback.format_exception(exc)))
        where = f" (the details are in {log})"
    except OSError:
        where = ""
    return f"unexpected {type(exc).__name__}: {exc}{where}"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# The signal that stopped the build (SIGINT unless a handler saw another): the exit code is
# 128 + its number, as a shell reports it (130 for Ctrl-C, 143 for SIGTERM).
STOPPED_BY = [int(signal.SIGINT)]


def stop_on(signum: int, _frame: object = None) -> None:
    STOPPED_BY[0] = signum
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="build folder (default _build)")
    parser.add_argument(
        "--root", type=Path, default=None, help="the project to build (default: this one)"
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=None, help="chapters at once (default: cores)"
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait for another build of the same folder to end"
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also print the PDF (needs Debian's chromium)"
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="CHAPTER.NAME=VALUE",
        help="a chapter parameter (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.root is None:  # this project, or the one the command runs in if that is another
        here = Path.cwd()
        args.root = here if (here / "_toc.yml").is_file() else PROJECT_ROOT
    started = time.perf_counter()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop_on)
    die_with_parent(signal.SIGTERM)  # the build stops if whatever started it dies
    try:
        if args.pdf:
            from cmac.polish.pdf import check_printing_tools

            check_printing_tools()
        check_own_code(args.root.resolve())
        context = BuildContext.for_project(
            args.root,
            args.out,
            jobs=args.jobs or os.cpu_count() or 1,
            assignments=tuple(args.assignments),
            pdf=args.pdf,
            wait=args.wait,
        )
        index = build(context)
    except KeyboardInterrupt:
        print(
            "\nBUILD INTERRUPTED: nothing was published; the previous book is unchanged.",
            file=sys.stderr,
        )
        return 128 + STOPPED_BY[0]
    except Exception as exc:  # noqa: BLE001 - every failure ends the same way, named
        expected = isinstance(exc, NAMED_FAILURES) or type(exc).__name__ in {
            "DataError",
            "ParameterError",
        }
        out = args.out or args.root / "_build"
        message = failure_message(exc, out) if expected else unexpected(exc, out)
        print(f"\nBUILD FAILED: {message}", file=sys.stderr)
        print("Nothing was published; the previous book, if any, is unchanged.", file=sys.stderr)
        return 1
    print(f"\nBook built in {time.perf_counter() - started:.1f} s: {index}")
    return 0


def rerun_in_utf8_mode() -> None:
    """The project's files are UTF-8 whatever the locale. Under an ASCII locale (LC_ALL=C with
    Python's locale coercion off) the build runs itself again in Python's UTF-8 mode, which
    its kernels and jupyter-book inherit; in a UTF-8 locale this costs nothing."""
    import locale

    if sys.flags.utf8_mode or locale.getpreferredencoding(False).lower() in ("utf-8", "utf8"):
        return
    os.environ["PYTHONUTF8"] = "1"
    os.execv(sys.executable, [sys.executable, "-X", "utf8", "-m", __spec__.name, *sys.argv[1:]])


def exit_now(code: int) -> None:
    """End a build that a signal stopped, once its workers, kernels and jupyter-book are
    stopped and its scratch removed: without the interpreter's own shutdown, which joins the
    pool's threads and, if another signal lands meanwhile, prints a traceback."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    rerun_in_utf8_mode()
    status = main()
    if status > 128:  # 128 + the signal that stopped it
        exit_now(status)
    sys.exit(status)
