"""Every error the project names for its reader, in one place.

Each says in its message what was wrong and where: the file, row and column, the parameter,
the chapter and cell, or the build step. ``cmac.book.build`` turns any of them into one
``BUILD FAILED:`` line; a chapter's own (``ParameterError``, ``DataError``) reach a notebook
reader as one line too. The study's errors come first, then the book machinery's.
"""

from __future__ import annotations

import os
from pathlib import Path

from cmac.paths import display_path


class DataError(ValueError):
    """A source data file is missing or breaks its schema.

    ``path``, ``row`` (1-based data row; the file line is ``row + 1``) and ``column`` say where.
    """

    def __init__(
        self,
        path: Path,
        problem: str,
        row: int | None = None,
        column: str | None = None,
        more: list[str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.problem = problem
        self.more = more or []
        super().__init__(self._message())

    def moved(self, old: Path, new: Path) -> DataError:
        """The same error for a file of folder ``new`` that one of folder ``old`` was read
        from (the build validates its snapshot of data/ and names the files of data/)."""

        def here(text: str) -> str:
            return text.replace(f"{display_path(old)}/", f"{display_path(new)}/")

        path = new / self.path.relative_to(old) if self.path.is_relative_to(old) else self.path
        return DataError(
            path, here(self.problem), self.row, self.column, list(map(here, self.more))
        )

    def _message(self) -> str:
        where = [display_path(self.path)]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.problem}"
        if self.more:
            text += f"\n  and {len(self.more)} more problem(s):\n" + "\n".join(
                f"  - {line}" for line in self.more
            )
        return text


class ParameterError(ValueError):
    """A chapter parameter has a value the chapter cannot use, or no chapter parameter has
    the name given."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of the traceback (and papermill repeats them):
        # the reader's mistake, in one line, not the code that found it.
        return [f"ParameterError: {self}"]


class RecordError(ValueError):
    """A chapter's results record is missing, empty or not its own."""


class FigureTooLarge(ValueError):
    """A figure would be too large to draw or to read: the message states the limit."""


class BuildError(RuntimeError):
    """A build step failed; the message says which chapter, cell, file or parameter."""


class KernelLost(BuildError):
    """The kernel died or overran: it cannot run another chapter."""


class BuildLocked(RuntimeError):
    """Another build holds the build folder."""


class PlantedLink(RuntimeError):
    """A symbolic link in the build folder that the build did not make."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} is a symbolic link (to {os.readlink(path)}) that the build did not make; "
            "the build never writes or deletes through a link in its build folder: remove it "
            "and build again"
        )


class ParameterNameError(ValueError):
    """A parameter given for a chapter is not one of its parameters."""


class NotPlainFile(ValueError):
    """An entry of the data folder that is not a regular file of the project."""


class BibliographyError(ValueError):
    """references.bib breaks one of the project's conventions (e.g. one url on two entries)."""


class UnknownSourceError(LookupError):
    """A data row's url is not the url of any references.bib entry."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"no references.bib entry has url {url!r}")
