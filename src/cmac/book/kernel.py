"""What the build runs inside a chapter's kernel, before the chapter's first cell.

Each build worker keeps one kernel and runs chapter after chapter in it, so that pandas,
statsmodels and matplotlib are imported once per worker, not once per chapter. Before each
chapter the build calls :func:`fresh_chapter` in the kernel: it empties the user namespace,
closes figures, restores matplotlib's settings and the warning filters the kernel had once the
study was imported, enters the chapter's folder, and points the read tracker at the chapter's
own list. It also stops pyplot drawing every figure a second time after each cell.

The read tracker is a Python audit hook: it notes every file opened under the run's data
folder, for the build's fingerprints. The study's loaders only load; they never write down
what they read.
"""

from __future__ import annotations

import os
import sys
import warnings

READS_FILE = "reads.txt"


class _Tracker:
    """Where the files opened under ``prefix`` are noted; one audit hook per process (hooks
    cannot be removed), pointed at each chapter's list in turn."""

    reads_file: str | None = None
    prefix: str = ""
    seen: set[str] = set()  # noqa: RUF012 - replaced for each chapter
    installed: bool = False

    @classmethod
    def hook(cls, event: str, args: tuple[object, ...]) -> None:
        if event != "open" or cls.reads_file is None:
            return
        if not isinstance(args[0], str | bytes | os.PathLike):
            return  # a file descriptor
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(cls.prefix) and path not in cls.seen:
            cls.seen.add(path)
            with open(cls.reads_file, "a", encoding="utf-8") as handle:
                handle.write(path + "\n")


def track(reads_file: str, folder: str) -> None:
    """From now on, append to ``reads_file`` each file under ``folder`` this process opens
    (and no longer to the previous chapter's list)."""
    _Tracker.reads_file = None  # nothing is noted while the target changes
    _Tracker.prefix = os.path.join(os.path.abspath(folder), "")
    _Tracker.seen = set()
    _Tracker.reads_file = reads_file
    if not _Tracker.installed:
        sys.addaudithook(_Tracker.hook)
        _Tracker.installed = True


_START_FILTERS: list | None = None


def fresh_chapter(folder: str, reads_file: str, data_dir: str) -> None:
    """Leave nothing of the previous chapter: its names, figures, matplotlib settings,
    warning filters and working folder; then note this chapter's reads."""
    global _START_FILTERS
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=False)
    if _START_FILTERS is None:
        # Import the study first: numpy and others add warning filters when imported, as
        # they would in a fresh kernel; the filters to restore are the ones after that.
        import_study()
        _START_FILTERS = list(warnings.filters)
    warnings.resetwarnings()  # also forgets which warnings were already shown once
    warnings.filters[:] = _START_FILTERS
    if "matplotlib" in sys.modules:
        import matplotlib
        import matplotlib.pyplot

        matplotlib.pyplot.close("all")
        matplotlib.rcdefaults()
        # The inline backend draws each figure as it shows it, after each cell; pyplot's
        # hook in the shell would draw every figure once more just before (a third of the
        # time spent on figures). Only interactive windows need it. pyplot installs it when
        # it loads its backend, so the backend is loaded first, in every chapter alike.
        matplotlib.pyplot.switch_backend(matplotlib.get_backend())
        matplotlib.pyplot.uninstall_repl_displayhook()
    os.chdir(folder)
    track(reads_file, data_dir)


def import_study() -> None:
    """Import every module of the study (not the book machinery) once, as chapters would."""
    import importlib
    import pkgutil

    import cmac

    for module in pkgutil.iter_modules(cmac.__path__, "cmac."):
        if not module.ispkg:
            importlib.import_module(module.name)


IMPORT_STUDY = "import cmac.book.kernel as _kernel; _kernel.import_study()"


def setup_line(folder: str, reads_file: str, data_dir: str) -> str:
    """The code the build runs in the kernel before a chapter: :func:`fresh_chapter`."""
    return (
        "import cmac.book.kernel as _kernel; "
        f"_kernel.fresh_chapter({folder!r}, {reads_file!r}, {data_dir!r})"
    )
