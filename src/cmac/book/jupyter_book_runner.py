"""jupyter-book, started before its input is ready: ``python -m cmac.book.jupyter_book_runner
ROOT`` (:class:`JupyterBookProcess` starts and drives it).

The build starts one at its own start. At low priority, it imports jupyter-book, Sphinx, the
theme and every extension the book's ``_config.yml`` names while the build checks and runs
the chapters and stages the book, then waits for one line on its standard input:
jupyter-book's command-line arguments as a JSON list. It then builds as ``jupyter-book``
itself would, and exits with its status. An empty line or a closed input (the build
stopped, or has no new pages to make) ends it at once, having built nothing.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

PRIORITY = 10  # below the chapters' kernels (0), which it must not slow down
READY = "jupyter-book loaded"  # printed once everything is imported (the benchmark waits for it)


def jupyter_book_args(stage: Path, output: Path, builder: str) -> list[str]:
    """jupyter-book's command line for one builder: the pages that changed since its last
    build into ``output``, warnings as errors."""
    return [
        "build",
        str(stage),
        "--path-output",
        str(output),
        "-W",
        "--keep-going",
        "-q",
        "--builder",
        builder,
    ]


class JupyterBookProcess:
    """One jupyter-book build in a process of its own (:mod:`cmac.book.jupyter_book_runner`),
    which can start, and import what it needs, before the staged book is ready."""

    def __init__(self, root: Path, builder: str) -> None:
        self.builder = builder
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cmac.book.jupyter_book_runner", str(root)],
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # stopped as a group, with whatever it starts
        )

    def build(self, stage: Path, output: Path) -> None:
        """Give it the staged book: it builds into ``output`` and exits."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(jupyter_book_args(stage, output, self.builder)))
            self.process.stdin.write("\n")
            self.process.stdin.close()
        except OSError:
            pass  # it has already ended: its exit status and log say why

    def stop(self) -> None:
        """End it (at once, if it is still running) and its log."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        self.log.close()


def preload(root: Path) -> None:
    """Import what a build of the book at ``root`` will load."""
    from jupyter_book.config import get_final_config
    from sphinx.application import builtin_extensions

    config, _ = get_final_config(
        user_yaml=root / "_config.yml",
        cli_config={"latex_individualpages": False},  # as jupyter-book's own command line
        sourcedir=root,
        validate=False,
    )
    modules = [
        "jupyter_book.cli.main",
        *builtin_extensions,
        config.get("html_theme", ""),
        *config.get("extensions", []),
        "myst_nb.sphinx_ext",  # myst_nb loads its Sphinx part only when set up
    ]
    for module in filter(None, modules):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 - the build itself names what cannot load
            continue


def main(argv: list[str]) -> int:
    os.nice(PRIORITY)
    preload(Path(argv[0]))
    print(READY, flush=True)
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    from jupyter_book.cli.main import main as jupyter_book

    try:
        jupyter_book(json.loads(line), prog_name="jupyter-book")
    except SystemExit as done:  # click ends every run this way
        return done.code if isinstance(done.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
