"""Run one chapter with papermill, in its own folder, recording the data files it reads.

Each build worker keeps one kernel for all the chapters it runs (see :mod:`cmac.book.kernel`
for what is reset between them); a kernel that died or overran is replaced by a new one.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmac.book.cache import recorded_reads
from cmac.book.kernel import IMPORT_STUDY, READS_FILE, setup_line
from cmac.errors import BuildError, KernelLost

INJECTED_TAG = "injected-parameters"
CELL_TIMEOUT_S = 900  # no cell of the book needs a minute; a hung one stops the build
# The kernel's own log (TCP on loopback is unencrypted; an interrupt at shutdown) is noise in
# a build; errors in a chapter's cells still reach its outputs and stop the build.
KERNEL_OPTIONS = {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}
KERNEL_START_TIMEOUT_S = 120


def finish_notebook(notebook_path: Path) -> None:
    """Make an executed chapter ready to publish: hide papermill's injected cell, and drop
    what would differ between two runs of the same chapter (:func:`drop_run_details`). (Its
    figures are cut to a palette while the pages are built: :mod:`cmac.polish.figures`.)"""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    hide_injected_parameters(notebook)
    drop_run_details(notebook)
    nbformat.write(notebook, notebook_path)


def hide_injected_parameters(notebook: Any) -> None:
    """Readers never see papermill's injected cell: tag it for removal from the page."""
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags and "remove-cell" not in tags:
            tags.append("remove-cell")


# Parameters that name the build machine's own folders (a run folder differs on every run);
# the published notebook leaves them at the notebook's defaults, which mean the same folders
# in a reader's own copy of the project.
MACHINE_PARAMETERS = frozenset({"data_dir", "results_dir", "chapter_results"})


def drop_run_details(notebook: Any) -> None:
    """Remove papermill's and nbclient's timings (start and end times, durations) and the
    build machine's folders, number the cells from 1, and give papermill's cell a fixed id,
    so that two builds of one commit publish the same bytes whatever the clock, time zone,
    run folder or kernel. The parameters a reader set stay, written by papermill's own
    translator."""
    from papermill.translators import translate_parameters

    run = notebook.metadata.pop("papermill", {})
    count = 0
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.get("execution_count") is not None:
            # numbered as in a kernel of its own: a worker's kept kernel ran other chapters
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output.execution_count = count
        if INJECTED_TAG in cell.metadata.get("tags", []):
            kept = {
                name: value
                for name, value in run.get("parameters", {}).items()
                if name not in MACHINE_PARAMETERS
            }
            cell.source = translate_parameters("python3", "python", kept).rstrip("\n")
            cell.id = "injected-parameters"  # papermill draws a random one


class CellsStarted:
    """nbclient's ``on_cell_execute`` hook: the cells the kernel was given, so that the one it
    never answered can be named (papermill writes the notebook only when the run ends)."""

    def __init__(self) -> None:
        self.cells: list[tuple[int, Any]] = []

    def __call__(self, cell: Any, cell_index: int, **_: Any) -> None:
        self.cells.append((cell_index, cell))

    def running(self) -> str:
        """'while cell N (first line) was running', numbered as in the stored notebook."""
        if not self.cells:
            return ""
        index, cell = self.cells[-1]
        injected = sum(INJECTED_TAG in c.metadata.get("tags", []) for _, c in self.cells[:-1])
        lines = cell.source.strip().splitlines() or ["empty cell"]
        return f"while cell {index + 1 - injected} ({lines[0][:60]}) was running"


def execute_chapter(
    source: Path,
    target: Path,
    parameters: dict[str, object],
    timeout: int = CELL_TIMEOUT_S,
    kernel: Any = None,
) -> float:
    """Run one notebook with papermill into target; returns seconds taken. A cell that runs
    longer than ``timeout`` seconds stops the run. ``kernel``: the manager of a started
    kernel to run it in (default: a new kernel of its own)."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cells = CellsStarted()
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            log_output=False,
            # written once, when the run ends: a write per cell, each with a full schema
            # check, was most of papermill's own time
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            on_cell_execute=cells,
            **({"km": kernel} if kernel else KERNEL_OPTIONS),
        )
    except PapermillExecutionError as exc:
        number, first_line = source_cell(target, exc.cell_index)
        raise BuildError(
            f"chapter {source.stem}: cell {number} ({first_line}) raised {exc.ename}: "
            f"{exc.evalue}\n  executed copy with the traceback: {target}"
        ) from None
    except (DeadKernelError, CellTimeoutError, TimeoutError, RuntimeError) as exc:
        what = {
            DeadKernelError: "the kernel died",
            CellTimeoutError: f"a cell ran longer than {timeout} s:",
        }.get(type(exc), f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        raise KernelLost(f"chapter {source.stem}: {what} {cells.running()}") from None
    finish_notebook(target)
    return time.perf_counter() - started


@functools.cache
def kept_kernel_manager() -> type:
    """jupyter_client's asynchronous kernel manager (nbclient's own: with a blocking one,
    nbclient waits on the output channel and never notices a dead kernel), for a kernel that
    runs chapter after chapter. nbclient connects a client of its own for each chapter and
    leaves it open, the kernel not being its own: the manager closes them after each one."""
    from jupyter_client.manager import AsyncKernelManager

    class KeptKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.clients: list[Any] = []

        def client(self, **kwargs: Any) -> Any:
            client = super().client(**kwargs)
            self.clients.append(client)
            return client

        def close_clients(self) -> None:
            while self.clients:
                self.clients.pop().stop_channels()

    return KeptKernelManager


class WorkerKernel:
    """The one kernel of this process (a build worker), started when first needed and shut
    down when the process ends."""

    manager: Any = None

    @classmethod
    def get(cls) -> Any:
        from jupyter_core.utils import run_sync

        if cls.manager is None or not run_sync(cls.manager.is_alive)():
            from multiprocessing.util import Finalize

            cls.discard()
            manager = kept_kernel_manager()(kernel_name="python3")
            run_sync(manager.start_kernel)(**KERNEL_OPTIONS)
            cls.manager = manager
            Finalize(None, cls.discard, exitpriority=100)  # when the worker exits
        return cls.manager

    @classmethod
    def discard(cls) -> None:
        from jupyter_core.utils import run_sync

        manager, cls.manager = cls.manager, None
        if manager is not None:
            try:
                manager.close_clients()
                run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - it is going away either way
                pass

    @classmethod
    def prepare(cls, chapter: str, code: str) -> Any:
        """The worker's kernel, cleared for the next chapter by running ``code``. A kernel
        that dies while starting (two started at once can race for a TCP port) is replaced
        once before the chapter fails."""
        try:
            return cls._prepare_once(chapter, code)
        except BuildError:
            return cls._prepare_once(chapter, code)  # a fresh kernel: the failed one is gone

    @classmethod
    def _prepare_once(cls, chapter: str, code: str) -> Any:
        try:
            manager = cls.get()
            reply = run_quietly(manager, code, KERNEL_START_TIMEOUT_S)
        except (RuntimeError, TimeoutError) as exc:
            cls.discard()
            raise BuildError(f"chapter {chapter}: its kernel did not start: {exc}") from None
        if reply["content"]["status"] != "ok":
            cls.discard()
            content = reply["content"]
            raise BuildError(
                f"chapter {chapter}: its kernel could not be prepared: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )
        return manager


def warm_kernel() -> None:
    """Start this worker's kernel and import the study in it, before its first chapter. A
    kernel that fails here is dropped: the chapter then starts its own and reports it."""
    try:
        run_quietly(WorkerKernel.get(), IMPORT_STUDY, KERNEL_START_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - the chapter that needs the kernel names the failure
        WorkerKernel.discard()


def run_quietly(manager: Any, code: str, timeout: float) -> dict:
    """Run ``code`` in the kernel and return its reply, through a client of its own that
    opens the request channel only: there is no output to collect, so no handshake to wait
    for."""
    import queue

    from jupyter_client.blocking import BlockingKernelClient
    from jupyter_core.utils import run_sync

    client = BlockingKernelClient()
    client.load_connection_info(manager.get_connection_info())
    client.start_channels(iopub=False, stdin=False, hb=False, control=False)
    try:
        request = client.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reply = client.get_shell_msg(timeout=1.0)
            except queue.Empty:
                if not run_sync(manager.is_alive)():
                    raise RuntimeError("the kernel died") from None
                continue
            if reply["parent_header"].get("msg_id") == request:
                return reply
        raise TimeoutError(f"no reply within {timeout:.0f} s")
    finally:
        client.stop_channels()


def source_cell(executed: Path, index: int) -> tuple[int, str]:
    """The failing cell's number in the stored notebook (papermill's injected cell aside)
    and its first line, so a reader can find it."""
    import nbformat

    cells = [  # papermill puts a banner cell on top of a failed notebook
        c
        for c in nbformat.read(executed, as_version=4).cells
        if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
    ]
    injected = sum(INJECTED_TAG in c.get("metadata", {}).get("tags", []) for c in cells[:index])
    lines = cells[index].source.strip().splitlines()
    return index + 1 - injected, (lines[0][:60] if lines else "empty cell")


@dataclass(frozen=True)
class ChapterRun:
    name: str
    seconds: float
    reads: list[str]


def run_in_folder(
    source: Path, run_dir: Path, parameters: dict[str, object], data_dir: Path
) -> ChapterRun:
    """Execute a chapter with its outputs (notebook, results, tables) kept inside ``run_dir``,
    reading its data from ``data_dir``, in this worker's kernel. Both folders reach the
    chapter as its ``data_dir`` and ``results_dir`` parameters, and its file's name as
    ``chapter_name``; its kernel notes which data files it opens (:mod:`cmac.book.kernel`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    reads_file = run_dir / READS_FILE
    given = {
        **parameters,
        "chapter_name": source.stem,  # a chapter is named by its file: a copy is its own
        "data_dir": str(data_dir),
        "results_dir": str(run_dir),
    }
    setup = setup_line(str(source.parent.resolve()), str(reads_file), str(data_dir))
    kernel = WorkerKernel.prepare(source.stem, setup)
    try:
        seconds = execute_chapter(source, run_dir / source.name, given, kernel=kernel)
    except KernelLost:
        WorkerKernel.discard()
        raise
    finally:
        kernel.close_clients()
    return ChapterRun(source.stem, seconds, recorded_reads(run_dir))
