"""A build that is stopped (SIGTERM, SIGINT, its parent dying) leaves no kernel or worker
behind and publishes nothing; a kernel that dies is named with its chapter and cell."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cmac.paths import PROJECT_ROOT
from tests.test_incremental import chapter

pytestmark = [pytest.mark.slow, pytest.mark.guard]

SLEEPER = (
    "import os, pathlib, time\n"
    "pathlib.Path({marker!r}).write_text(str(os.getpid()))\n"
    "time.sleep(120)\n"
)


def one_chapter_book(root: Path, code: str) -> Path:
    (root / "chapters").mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01-a\n"
    )
    (root / "intro.md").write_text("# Intro\n")
    chapter(root / "chapters" / "01-a.ipynb", code)
    return root


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def build_command(root: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "cmac.book.build",
        "--root",
        str(root),
        "--out",
        str(out),
        "--jobs",
        "1",
    ]


def alive(processes: list[psutil.Process]) -> list[str]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(" ".join(process.cmdline())[:100])
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_build_leaves_no_kernel_or_worker(tmp_path: Path, sig: signal.Signals) -> None:
    marker = tmp_path / "kernel.pid"
    root = one_chapter_book(tmp_path / "book", SLEEPER.format(marker=str(marker)))
    out = tmp_path / "out"
    build = subprocess.Popen(
        build_command(root, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert wait_for(marker.exists), "the chapter's kernel never started"
    family = psutil.Process(build.pid).children(recursive=True)
    kernel = int(marker.read_text())
    assert kernel in {p.pid for p in family}
    build.send_signal(sig)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 128 + sig  # as a shell reports it: 143 for SIGTERM
    assert "BUILD INTERRUPTED: nothing was published" in stderr
    assert "Traceback" not in stderr
    assert wait_for(lambda: not alive(family), timeout=15), alive(family)
    assert not (out / "html").exists()
    assert list((out / "cache").glob("*.running*")) == []


def test_a_build_whose_parent_dies_stops_too(tmp_path: Path) -> None:
    marker = tmp_path / "kernel.pid"
    root = one_chapter_book(tmp_path / "book", SLEEPER.format(marker=str(marker)))
    command = " ".join(f"'{part}'" for part in build_command(root, tmp_path / "out"))
    parent = subprocess.Popen(["bash", "-c", f"{command} >/dev/null 2>&1 & wait"])
    assert wait_for(marker.exists), "the chapter's kernel never started"
    family = psutil.Process(parent.pid).children(recursive=True)
    assert any("cmac.book.build" in " ".join(p.cmdline()) for p in family)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_for(lambda: not alive(family), timeout=20), alive(family)


def test_a_dying_kernel_is_named_with_its_chapter_and_cell(tmp_path: Path) -> None:
    root = one_chapter_book(
        tmp_path / "book", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(build_command(root, tmp_path / "out"), capture_output=True, text=True)
    assert done.returncode == 1
    named = "chapter 01-a: the kernel died while cell 3 (import os, signal) was running"
    assert f"BUILD FAILED: {named}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_read_only_build_folder_is_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    command = " ".join(build_command(PROJECT_ROOT, out))
    script = f"mount --bind {out} {out} && mount -o remount,bind,ro {out} && {command}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    if "unshare" in done.stderr and "Operation not permitted" in done.stderr:
        pytest.skip("this machine cannot make a read-only mount")
    assert done.returncode == 1
    assert f"BUILD FAILED: Read-only file system: {out}/.build.lock" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("jobs", ["-1", "0", "two"])
def test_a_bad_jobs_count_is_named(tmp_path: Path, jobs: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cmac.book.build", "--out", str(tmp_path), "--jobs", jobs],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "argument --jobs:" in done.stderr and "Traceback" not in done.stderr


def test_a_second_build_of_the_same_folder_exits_naming_the_first(tmp_path: Path) -> None:
    marker = tmp_path / "kernel.pid"
    root = one_chapter_book(tmp_path / "book", SLEEPER.format(marker=str(marker)))
    out = tmp_path / "out"
    first = subprocess.Popen(build_command(root, out), stdout=subprocess.PIPE, text=True)
    try:
        assert wait_for(marker.exists), "the first build's kernel never started"
        second = subprocess.run(build_command(root, out), capture_output=True, text=True)
        assert second.returncode == 1
        assert f"another build (pid {first.pid}) is using {out}" in second.stderr
        assert first.poll() is None  # the first build goes on, its work untouched
        assert list((out / "cache").glob("01-a.running*"))
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


def tagged(tag: str) -> list[psutil.Process]:
    """This machine's processes started with ``CMAC_TEST_TAG=tag`` in their environment."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("CMAC_TEST_TAG") == tag:
                found.append(process)
        except (psutil.Error, OSError):
            continue
    return found


def test_a_data_error_found_while_kernels_start_leaves_none_behind(tmp_path: Path) -> None:
    """Workers and their kernels start while the main process checks the data: when the
    check fails, the build stops them before it exits."""
    root = one_chapter_book(tmp_path / "book", "x = 1")
    data = root / "data" / "clearance_2000_2012.csv"
    data.write_text(data.read_text().replace(",32688,", ",-32688,"))
    tag = f"data-error-{os.getpid()}"
    build = subprocess.Popen(
        build_command(root, tmp_path / "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CMAC_TEST_TAG": tag},
    )
    seen: set[int] = set()
    while build.poll() is None:
        seen.update(p.pid for p in tagged(tag) if p.pid != build.pid)
        time.sleep(0.05)
    stderr = build.stderr.read()
    assert build.returncode == 1
    assert "BUILD FAILED" in stderr and "clearance_2000_2012.csv, row 3" in stderr
    assert seen, "no worker started: the warm-up was not exercised"
    assert wait_for(lambda: not tagged(tag), timeout=15), alive(tagged(tag))
