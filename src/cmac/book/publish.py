"""One build at a time, and a published book that is always whole.

- :func:`build_lock` takes an exclusive ``flock`` on ``<build>/.build.lock``. A second build
  exits at once, naming the pid that holds it (or, with ``wait``, waits for it). It never
  touches the first build's work.
- The book is published as ``<build>/html``, a symbolic link to a folder ``site-<id>``. A new
  book is moved into its own ``site-<id>`` and the link is replaced by ``rename(2)``, which is
  atomic: a reader or a crash sees the old book or the new one, never neither.
- :func:`repair` runs at the start of every build (under the lock): it restores a book left
  half-swapped by an older layout (``html.old``), and removes site folders nothing links to.
- :func:`check_no_links` runs first: a symbolic link planted in the build folder (its cache,
  a scratch or site folder, ``html.old``, the lock) is named and stops the build, so the build
  never writes or deletes through one. Only ``html`` is a link, to a site folder beside it.
- :func:`manifest` lists every published file with its SHA-256, so "up to date" means the files
  on disk are the ones the build wrote, not only that a stamp is present.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmac.errors import BuildLocked, PlantedLink

LOCK_NAME = ".build.lock"
SITE_PREFIX = "site-"
MANIFEST_NAME = ".book-manifest.json"
LEGACY_SCRATCH = ["stage", "jb", "jb-single"]  # fixed scratch names of older builds


@contextmanager
def build_lock(out: Path, wait: bool = False) -> Iterator[Path]:
    """Hold the build folder's lock for the duration of the block; the lock file holds our pid.

    The lock goes with the process: if the build dies, the kernel releases it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    try:  # never through a link: truncating it would empty whatever file it names
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PlantedLink(path) from None
        raise
    handle = open(descriptor, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLocked(
                f"another build (pid {holder}) is using {out}; wait for it to finish, "
                "or stop it, then build again (--wait waits for it)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield path
    finally:
        handle.close()  # releases the lock


def scratch_name(base: str) -> str:
    """A per-build scratch folder name: unique to this process and moment."""
    return f"{base}.{os.getpid()}-{time.time_ns()}"


def published_site(link: Path) -> Path | None:
    """The folder the published link points to, if there is one."""
    if link.is_symlink():
        return link.parent / os.readlink(link)
    return link if link.is_dir() else None


def publish(new_html: Path, link: Path) -> Path:
    """Swap the new book in atomically; returns its folder. The previous book stays on disk
    (readers may be in the middle of a page) until the next build's :func:`repair`."""
    site = link.parent / scratch_name(SITE_PREFIX + "book")
    new_html.rename(site)
    if link.exists() and not link.is_symlink():  # an older build's real folder: move it aside
        link.rename(link.parent / scratch_name(SITE_PREFIX + "old"))
        # From here until the rename below, html is missing; this happens once, on upgrade.
    temporary = link.parent / scratch_name(".html-link")
    temporary.symlink_to(site.name)
    os.replace(temporary, link)  # atomic: readers see the old book or the new one
    return site


def check_no_links(out: Path) -> None:
    """Refuse, by name, any symbolic link in the build folder other than ``html`` pointing to
    a site folder beside it (and the new link an interrupted swap left, only ever unlinked):
    in the folder itself, and anywhere in its cache and Sphinx's kept stage and output, whose
    files are copied into the published site (the published sites are only ever read, then
    removed whole, which never follows a link inside)."""
    for entry in sorted(out.iterdir()):
        if entry.name == "html" and entry.is_symlink():
            target = os.readlink(entry)
            if "/" in target or not target.startswith(SITE_PREFIX):
                raise PlantedLink(entry)
        elif entry.is_symlink() and not entry.name.startswith(".html-link."):
            raise PlantedLink(entry)
    for kept in ("cache", "sphinx"):
        for folder, folders, files in os.walk(out / kept):
            for name in sorted(folders + files):
                if os.path.islink(os.path.join(folder, name)):
                    raise PlantedLink(Path(folder, name))


def repair(out: Path) -> list[str]:
    """Undo what an interrupted build left behind; returns what was done, for the log. A link
    planted in the build folder stops it before it removes anything (:func:`check_no_links`)."""
    check_no_links(out)
    done = []
    link, old = out / "html", out / "html.old"
    if old.is_dir():
        if not link.exists() and not link.is_symlink():
            old.rename(link)
            done.append("restored the previous book from html.old")
        else:
            shutil.rmtree(old)
            done.append("removed a leftover html.old")
    current = published_site(link)
    keep = current.resolve() if current else None
    for folder in sorted(out.glob(SITE_PREFIX + "*")):
        if folder.is_dir() and folder.resolve() != keep:
            shutil.rmtree(folder)
            done.append(f"removed an unpublished {folder.name}")
    for leftover in out.glob(".html-link.*"):
        leftover.unlink()
    for scratch in [*out.glob("publishing.*"), *(out / name for name in LEGACY_SCRATCH)]:
        if scratch.is_dir() and not scratch.is_symlink():
            shutil.rmtree(scratch)  # an interrupted build's staging, or an older layout's
    if link.is_symlink() and not link.exists():
        link.unlink()
        done.append("removed a link to a missing book")
    return done


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(site: Path) -> dict[str, str]:
    """Every file of the site (the manifest itself aside) -> its SHA-256."""
    return {
        path.relative_to(site).as_posix(): file_hash(path)
        for path in sorted(site.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }


def write_manifest(site: Path, fingerprint: str, pdf: bool = False) -> None:
    (site / MANIFEST_NAME).write_text(
        json.dumps({"fingerprint": fingerprint, "pdf": pdf, "files": manifest(site)}, indent=0)
    )


def site_matches(site: Path, fingerprint: str, pdf: bool = False) -> bool:
    """True when the published site was built from ``fingerprint`` (with the PDF, if one is
    wanted; a site with the PDF also serves a build that does not ask for it) and every file
    on disk is exactly the one the build wrote (none missing, changed or added)."""
    path = site / MANIFEST_NAME
    if not path.is_file():
        return False
    try:
        recorded = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    if recorded.get("fingerprint") != fingerprint or (pdf and not recorded.get("pdf")):
        return False
    return recorded.get("files") == manifest(site)
