"""Content fingerprints that decide whether a chapter must run again.

A chapter's fingerprint covers everything that can change its output: the notebook, the data
files it read last time, the study code under ``src/`` (and the machinery its kernel runs),
the pinned requirements, its parameters, and the fingerprints of the chapters it needs.
Timestamps play no part. Only light modules are imported here, so a rebuild with nothing
changed stays fast.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cmac.book.kernel import READS_FILE
from cmac.errors import NotPlainFile, ParameterError, ParameterNameError
from cmac.params import assigned_values, check_names

LOCK_FILES = ["requirements.txt"]  # the book's own packages (Node is only for make audit)
STATE_FILE = "fingerprint.json"


def file_digest(path: Path) -> str:
    if not path.exists():
        return "missing"
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The machinery's modules that run inside, or start, a chapter's kernel. The rest of
# src/cmac/book/ (Sphinx, tidying, publishing, the audit) cannot change a chapter's outputs, so
# an edit there does not rerun the chapters.
KERNEL_MACHINERY = ("__init__.py", "kernel.py", "execute.py")


def kernel_code(path: Path, src: Path) -> bool:
    """Whether a module under src/ can change what a chapter's kernel computes."""
    parts = path.relative_to(src).parts
    if parts[:2] == ("cmac", "polish"):
        return False  # site polish works on built pages, never in a kernel
    return parts[:2] != ("cmac", "book") or parts[2:] in [(name,) for name in KERNEL_MACHINERY]


def tree_digest(root: Path, pattern: str, keep: Callable[[Path], bool] = lambda _: True) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if "__pycache__" in path.parts or not keep(path):
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class DataSnapshot:
    """The data folder's bytes, read once at the start of a build and kept in ``folder`` (under
    the build's cache, named by their digest): the chapters read them there, the site and the
    zip publish them from there, and fingerprints are of them. ``digests``: each file's name
    -> the SHA-256 of its bytes as read."""

    source: Path
    folder: Path
    digests: dict[str, str]

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.digests, sort_keys=True).encode()).hexdigest()

    def project_name(self, path: str | Path, root: Path) -> str | None:
        """``data/<file>`` (relative to the project) for a file of the snapshot; None for any
        other path."""
        path = Path(os.path.abspath(path))
        if path.parent != Path(os.path.abspath(self.folder)) or path.name not in self.digests:
            return None
        return project_path(str(self.source / path.name), root)

    def changed_since(self) -> list[Path]:
        """The files of the data folder that differ now from the bytes read (changed, added
        or removed); the folder itself when it can no longer be read as before."""
        try:
            now = {
                name: hashlib.sha256(data).hexdigest() for name, data in read_folder(self.source)
            }
        except (OSError, NotPlainFile):
            return [self.source]
        names = sorted(set(now) | set(self.digests))
        return [self.source / n for n in names if now.get(n) != self.digests.get(n)]


def read_folder(folder: Path) -> list[tuple[str, bytes]]:
    """Each entry of ``folder`` with its bytes, read once. An entry that is not a regular file
    (a folder, a pipe; a link that leads to one, to nothing, or out of the project that holds
    ``folder``) is refused by name, never opened."""
    entries = []
    project = folder.resolve().parent
    for entry in sorted(folder.iterdir()):
        leaves = entry.is_symlink() and not entry.resolve().is_relative_to(project)
        if leaves or not entry.is_file():  # is_file follows a link to what it names
            raise NotPlainFile(str(entry))
        with open(entry, "rb") as handle:
            entries.append((entry.name, handle.read()))
    return entries


def take_snapshot(source: Path, snapshots: Path) -> DataSnapshot:
    """Read every file of ``source`` once and keep the bytes in ``snapshots/<digest>/data``
    (written to a scratch folder and renamed into place, read-only); other snapshots there are
    removed. A snapshot already there is reused when its files still hold those bytes."""
    entries = read_folder(source)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in entries}
    snapshot = DataSnapshot(source, Path(), digests)
    home = snapshots / snapshot.digest
    folder = home / source.name
    if folder.is_dir() and {p.name: file_digest(p) for p in folder.iterdir()} == digests:
        return DataSnapshot(source, folder, digests)
    scratch = snapshots / f".{snapshot.digest}.{os.getpid()}.partial"
    for stale in [scratch, home]:
        if stale.exists():
            make_writable(stale)
            shutil.rmtree(stale)
    (scratch / source.name).mkdir(parents=True)
    for name, data in entries:
        target = scratch / source.name / name
        target.write_bytes(data)
        target.chmod(0o444)  # nothing in the build writes to it
    scratch.rename(home)
    for other in snapshots.iterdir():
        if other != home:
            make_writable(other)
            shutil.rmtree(other, ignore_errors=True)
    return DataSnapshot(source, folder, digests)


def make_writable(folder: Path) -> None:
    """Let a snapshot's read-only files be removed."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o644)


def notebook_digests(path: Path) -> tuple[str, str]:
    """(code, prose): digests of what a notebook runs (its code cells, their tags, its
    kernel and ``cmac`` metadata) and of its Markdown cells, kept apart so that a prose-only
    edit needs no kernel."""
    notebook = read_notebook_json(path)
    code, prose = [], []
    for cell in notebook["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            code.append([text, cell.get("metadata", {}).get("tags", [])])
        else:
            prose.append([cell["cell_type"], text, cell.get("metadata", {})])
    metadata = notebook.get("metadata", {})
    code.append([metadata.get("kernelspec", {}).get("name"), metadata.get("cmac", {})])
    return tuple(  # type: ignore[return-value]
        hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()
        for part in (code, prose)
    )


def merge_prose(source: Path, executed: Path) -> None:
    """Put the stored notebook's Markdown cells into its executed copy, keeping every code
    cell's outputs, as jupyter-cache does: the page shows the new prose with no kernel run.
    The code cells must be the same, in the same order (papermill's injected cell aside)."""
    import nbformat

    new = nbformat.read(source, as_version=4)
    old = nbformat.read(executed, as_version=4)
    injected = [c for c in old.cells if "injected-parameters" in c.metadata.get("tags", [])]
    ran = iter(c for c in old.cells if c.cell_type == "code" and c not in injected)
    cells = []
    for cell in new.cells:
        if cell.cell_type == "code":
            match = next(ran, None)
            if match is None or match.source != cell.source:
                raise ValueError(f"{source.name}: its code differs from the cached run")
            cells.append(match)
            if "parameters" in cell.metadata.get("tags", []):
                cells.extend(injected)
        else:
            cells.append(cell)
    if next(ran, None) is not None:
        raise ValueError(f"{source.name}: its code differs from the cached run")
    old.cells = cells
    nbformat.write(old, executed)


def read_notebook_json(path: Path) -> dict:
    return json.loads(path.read_text())


def cmac_metadata(notebook: Path, name: str, kind: type, default: object) -> object:
    """The notebook's metadata ``cmac.<name>``, which must be of ``kind``: a mistake there
    (a list given as a string) is named with its notebook and field."""
    from cmac.errors import BuildError

    metadata = read_notebook_json(notebook).get("metadata", {}).get("cmac", {})
    value = metadata.get(name, default) if isinstance(metadata, dict) else default
    if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
        raise BuildError(
            f"{notebook.name}: metadata cmac.{name} must be "
            f"{'a list of chapter names' if kind is list else 'a chapter name'}, "
            f"not {value!r}"
        )
    return value


def chapter_needs(notebook: Path) -> list[str]:
    """Chapters this one needs first (notebook metadata ``cmac.needs``)."""
    return list(cmac_metadata(notebook, "needs", list, []))  # type: ignore[arg-type]


def chapter_follows(notebook: Path) -> str:
    """The chapter whose parameters this one takes as its baseline (``cmac.follows``): the
    build passes that chapter's ``--set`` values to this one as its ``baseline`` parameter."""
    return str(cmac_metadata(notebook, "follows", str, ""))


# Parameters the build itself passes: where a chapter reads or writes, and what it is handed
# by other chapters. They are never set from the command line.
BUILD_PARAMETERS = {"data_dir", "results_dir", "chapter_results", "baseline", "chapter_name"}
SETTABLE_TYPES = (bool, int, float, str)


@dataclass(frozen=True)
class ExpressionDefault:
    """A parameter's default that is not a literal (``start = 1990 + 2``): the build cannot
    tell its type, so the parameter cannot be set with ``--set``."""

    source: str


def parameter_defaults(notebook: Path) -> dict[str, object]:
    """Names assigned in the cell tagged ``parameters``, with their literal default values
    (an :class:`ExpressionDefault` where the default is not a literal)."""
    for cell in read_notebook_json(notebook)["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                values = assigned_values(source)
            except SyntaxError as exc:
                raise ParameterNameError(
                    f"{notebook.name}: its parameters cell is not valid Python "
                    f"(line {exc.lineno}: {exc.msg})"
                ) from None
            defaults: dict[str, object] = {}
            for name, node in values.items():
                try:
                    defaults[name] = ast.literal_eval(node)  # type: ignore[arg-type]
                except (ValueError, TypeError):
                    text = ast.get_source_segment(source, node) if node else None
                    defaults[name] = ExpressionDefault(text or "")
            return defaults
    return {}


def parse_assignment(text: str) -> tuple[str, str, str]:
    """``chapter.name=value`` from the command line, the value still as typed."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ParameterNameError(f"'{text}': write CHAPTER.NAME=VALUE")
    target, raw = text.split("=", 1)
    chapter, name = target.rsplit(".", 1)
    return chapter, name, raw


def literal_kind(node: ast.expr) -> str:
    """What a parsed value is, in words, for an error message."""
    if isinstance(node, ast.Constant):
        return type(node.value).__name__
    if isinstance(node, ast.Set | ast.Dict | ast.List | ast.Tuple):
        return "a " + type(node).__name__.lower()
    return "an expression"


def typed_value(name: str, raw: str, default: object) -> object:
    """A ``--set`` value as the parameter's type (the type of its default): ``str``, ``int``,
    ``float`` or ``bool`` literals only. A text parameter takes the text as typed (quotes
    optional); bytes, sets, containers and expressions are refused for the others."""
    kind = type(default)
    if kind is str:
        try:
            node = ast.parse(raw.strip(), mode="eval").body
        except SyntaxError:
            return raw
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            raise ParameterNameError(f"parameter '{name}' = {raw}: bytes are not accepted")
        return raw
    if kind is bool:
        words = {"true": True, "false": False}
        if raw.strip().lower() in words:
            return words[raw.strip().lower()]
        raise ParameterNameError(f"parameter '{name}' = {raw}: expected True or False")
    try:
        node = ast.parse(raw.strip(), mode="eval").body
    except SyntaxError:
        raise ParameterNameError(f"parameter '{name}' = {raw}: not a {kind.__name__}") from None
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    operand = node.operand if negative else node  # type: ignore[attr-defined]
    numeric = isinstance(operand, ast.Constant) and type(operand.value) in (int, float)
    if not numeric:
        raise ParameterNameError(
            f"parameter '{name}' = {raw}: expected {kind.__name__} literal, "
            f"not {literal_kind(operand)}"
        )
    value = -operand.value if negative else operand.value
    if kind is int and type(value) is not int:
        raise ParameterNameError(f"parameter '{name}' = {raw}: expected a whole number")
    return kind(value)


def settable_value(notebook: Path, name: str, raw: str) -> object:
    """The value of ``--set CHAPTER.NAME=raw``, typed, or ParameterNameError saying why not."""
    defaults = parameter_defaults(notebook)
    if name in BUILD_PARAMETERS and name in defaults:
        raise ParameterNameError(
            f"parameter '{name}' of {notebook.stem} is set by the build, not with --set"
        )
    settable = [n for n, v in defaults.items() if n not in BUILD_PARAMETERS]
    try:  # the check a papermill run makes, with its "did you mean"
        check_names(notebook.stem, [name], settable)
    except ParameterError as exc:
        raise ParameterNameError(str(exc)) from None
    if isinstance(defaults[name], ExpressionDefault):
        default = defaults[name].source
        why = f"its default `{default}` is an expression" if default else "it has no default"
        raise ParameterNameError(
            f"parameter '{name}' of {notebook.stem} cannot be set: {why}, not a literal value"
        )
    if not isinstance(defaults[name], SETTABLE_TYPES):
        raise ParameterNameError(f"parameter '{name}' of {notebook.stem} cannot be set")
    return typed_value(name, raw, defaults[name])


# The part of a notebook that does not change what its code computes: its Markdown cells.
PROSE = "prose"


@dataclass
class Fingerprint:
    """The parts of a chapter's fingerprint, so a rerun can say what changed."""

    parts: dict[str, str]
    reads: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """Everything, prose included: what the published page depends on."""
        return hashlib.sha256(json.dumps(self.parts, sort_keys=True).encode()).hexdigest()

    @property
    def results_digest(self) -> str:
        """Everything that can change the chapter's numbers: what chapters that need it
        depend on. A prose edit leaves it alone."""
        parts = {k: v for k, v in self.parts.items() if k != PROSE}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def changes_from(self, old: Fingerprint | None) -> list[str]:
        if old is None:
            return ["no cached run"]
        return [name for name in self.parts if old.parts.get(name) != self.parts[name]]


def shared_parts(root: Path) -> dict[str, str]:
    """The parts every chapter's fingerprint shares: the code and the pinned requirements
    (computed once per build, not once per chapter)."""
    return {
        "src": tree_digest(root / "src", "*.py", lambda path: kernel_code(path, root / "src")),
        "requirements": hashlib.sha256(
            "".join(file_digest(root / name) for name in LOCK_FILES).encode()
        ).hexdigest(),
    }


def fingerprint(
    notebook: Path,
    root: Path,
    parameters: dict[str, object],
    needed: dict[str, str],
    reads: list[str],
    shared: dict[str, str] | None = None,
    data: DataSnapshot | None = None,
) -> Fingerprint:
    """The chapter's fingerprint. A data file it read is named as in the project (``data/...``)
    and digested as the build's ``data`` snapshot holds it: the bytes the chapter read, not
    whatever the file holds by the time the chapter ends."""
    code, prose = notebook_digests(notebook)
    parts = {
        "code": code,
        "prose": prose,
        **(shared or shared_parts(root)),
        "parameters": hashlib.sha256(
            json.dumps(parameters, sort_keys=True, default=str).encode()
        ).hexdigest(),
        "needs": hashlib.sha256(json.dumps(needed, sort_keys=True).encode()).hexdigest(),
    }
    names = sorted(
        {(data and data.project_name(path, root)) or project_path(path, root) for path in reads}
    )
    snapshot = (
        {project_path(str(data.source / n), root): d for n, d in data.digests.items()}
        if data
        else {}
    )
    for path in names:
        parts[f"file:{path}"] = snapshot.get(path) or file_digest(root / path)
    return Fingerprint(parts, names)


def project_path(path: str, root: Path) -> str:
    """A file a chapter read, relative to the project where it lies inside it, so that a
    copied or moved project checks its own files; a file outside stays absolute."""
    resolved = Path(path) if Path(path).is_absolute() else root / path
    try:
        return resolved.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(resolved.resolve())


def load_state(cache_dir: Path) -> Fingerprint | None:
    path = cache_dir / STATE_FILE
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    return Fingerprint(state["parts"], state["reads"])


def save_state(cache_dir: Path, state: Fingerprint) -> None:
    (cache_dir / STATE_FILE).write_text(
        json.dumps({"parts": state.parts, "reads": state.reads}, indent=1, sort_keys=True)
    )


def recorded_reads(run_dir: Path) -> list[str]:
    """Data files a run read, as its kernel noted them (:mod:`cmac.book.kernel`)."""
    path = run_dir / READS_FILE
    if not path.exists():
        return []
    return sorted({line for line in path.read_text().splitlines() if line})


def replace_dir(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, the old one kept until the new one is in place."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)
