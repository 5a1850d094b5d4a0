"""Which data files a chapter's kernel opens, for the build's fingerprints.

The build starts each chapter's kernel with one line of its own (IPython's ``exec_lines``)
that calls :func:`track`: a Python audit hook notes every file opened under the run's data
folder. The study's loaders only load; they never write down what they read.
"""

from __future__ import annotations

import os
import sys

READS_FILE = "reads.txt"


def track(reads_file: str, folder: str) -> None:
    """From now on, append to ``reads_file`` each file under ``folder`` this process opens."""
    prefix = os.path.join(os.path.abspath(folder), "")
    seen: set[str] = set()

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
            return  # another event, or a file descriptor
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(prefix) and path not in seen:
            seen.add(path)
            with open(reads_file, "a", encoding="utf-8") as handle:
                handle.write(path + "\n")

    sys.addaudithook(hook)


def kernel_line(reads_file: str, folder: str) -> str:
    """The line the kernel runs at start: install :func:`track`."""
    return f"import cmac.book.reads as _reads; _reads.track({reads_file!r}, {folder!r})"
