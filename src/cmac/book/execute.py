"""Run one chapter with papermill, in its own folder, recording the data files it reads.

Each build worker keeps one kernel for all the chapters it runs (see :mod:`cmac.book.kernel`
for what is reset between them); a kernel that died or overran is replaced by a new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from cmac.book.cache import recorded_reads
from cmac.book.kernel import READS_FILE, setup_line

INJECTED_TAG = "injected-parameters"
CELL_TIMEOUT_S = 900  # no cell of the book needs a minute; a hung one stops the build
# The kernel's own log (TCP on loopback is unencrypted; an interrupt at shutdown) is noise in
# a build; errors in a chapter's cells still reach its outputs and stop the build.
KERNEL_OPTIONS = {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}
KERNEL_START_TIMEOUT_S = 120


class BuildError(RuntimeError):
    """A build step failed; the message says which chapter, cell, file or parameter."""


def hide_injected_parameters(notebook_path: Path) -> None:
    """Readers never see papermill's injected cell: tag it for removal from the page."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(notebook, notebook_path)


def execute_chapter(
    source: Path,
    target: Path,
    parameters: dict[str, object],
    timeout: int = CELL_TIMEOUT_S,
    kernel: object | None = None,
) -> float:
    """Run one notebook with papermill into target; returns seconds taken. A cell that runs
    longer than ``timeout`` seconds stops the run. ``kernel``: a started kernel manager to
    run it in (default: a new kernel of its own)."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            **({"km": kernel} if kernel is not None else KERNEL_OPTIONS),
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
        raise KernelLost(f"chapter {source.stem}: {what} {running_cell(target)}") from None
    hide_injected_parameters(target)
    return time.perf_counter() - started


class KernelLost(BuildError):
    """The kernel died or overran: it cannot run another chapter."""


class WorkerKernel:
    """The one kernel of this process (a build worker), started when first needed and shut
    down when the process ends. It is an asynchronous manager, as nbclient's own: with a
    blocking one, nbclient waits on the output channel and never notices a dead kernel."""

    manager: object | None = None

    @classmethod
    def get(cls) -> object:
        from jupyter_core.utils import run_sync

        if cls.manager is None or not run_sync(cls.manager.is_alive)():
            from multiprocessing.util import Finalize

            from jupyter_client.manager import AsyncKernelManager

            cls.discard()
            manager = AsyncKernelManager(kernel_name="python3")
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
                run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - it is going away either way
                pass

    @classmethod
    def prepare(cls, chapter: str, code: str) -> object:
        """The worker's kernel, cleared for the next chapter by running ``code``. A kernel
        that dies while starting (two started at once can race for a TCP port) is replaced
        once before the chapter fails."""
        try:
            return cls._prepare_once(chapter, code)
        except BuildError:
            return cls._prepare_once(chapter, code)  # a fresh kernel: the failed one is gone

    @classmethod
    def _prepare_once(cls, chapter: str, code: str) -> object:
        from jupyter_client.blocking import BlockingKernelClient

        manager = cls.get()
        client = BlockingKernelClient()
        client.load_connection_info(manager.get_connection_info())
        client.start_channels()
        try:
            client.wait_for_ready(timeout=KERNEL_START_TIMEOUT_S)
            reply = client.execute_interactive(
                code, timeout=KERNEL_START_TIMEOUT_S, store_history=False, output_hook=_quiet
            )
        except (RuntimeError, TimeoutError) as exc:
            cls.discard()
            raise BuildError(f"chapter {chapter}: its kernel did not start: {exc}") from None
        finally:
            client.stop_channels()
        if reply["content"]["status"] != "ok":
            cls.discard()
            content = reply["content"]
            raise BuildError(
                f"chapter {chapter}: its kernel could not be prepared: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )
        return manager


def _quiet(message: dict) -> None:
    """The preparation prints nothing a reader needs."""


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


def running_cell(executed: Path) -> str:
    """'while cell N (first line) was running': the first cell papermill started that the
    kernel never answered, in the executed copy; empty if it cannot tell."""
    import nbformat

    try:
        notebook = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return ""
    for index, cell in enumerate(notebook.cells):
        metadata = cell.get("metadata", {})
        started = metadata.get("papermill", {}).get("start_time")
        answered = metadata.get("execution", {}).get("shell.execute_reply")
        if cell.get("cell_type") == "code" and started and not answered:
            number, first_line = source_cell(executed, index)
            return f"while cell {number} ({first_line}) was running"
    return ""


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
    chapter as its ``data_dir`` and ``results_dir`` parameters; its kernel notes which data
    files it opens (:mod:`cmac.book.kernel`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    reads_file = run_dir / READS_FILE
    given = {**parameters, "data_dir": str(data_dir), "results_dir": str(run_dir)}
    setup = setup_line(str(source.parent.resolve()), str(reads_file), str(data_dir))
    kernel = WorkerKernel.prepare(source.stem, setup)
    try:
        seconds = execute_chapter(source, run_dir / source.name, given, kernel=kernel)
    except KernelLost:
        WorkerKernel.discard()
        raise
    return ChapterRun(source.stem, seconds, recorded_reads(run_dir))
