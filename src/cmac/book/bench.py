"""Benchmark the build: ``python -m cmac.book.bench`` (``make bench``).

On a scratch copy of the project it times, in one run: a cold build, a rebuild with nothing
changed, a rebuild after one chapter is edited, and jupyter-book building the same chapters
with its own execution (``execute_notebooks: force``). Peak memory is the largest total
resident size of the build's whole process tree, sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from cmac.paths import PROJECT_ROOT

COPY_IGNORE = shutil.ignore_patterns(
    ".venv", "_build", "node_modules", ".git", "__pycache__", ".pytest_cache", ".ruff_cache"
)


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    import psutil

    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in family:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue  # ended while we looked
    return total // 1024


def timed(name: str, command: list[str], env: dict[str, str], cwd: Path) -> tuple[Phase, str]:
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    return Phase(name, seconds, peak / 1024, process.returncode == 0), output


def edit_one_chapter(root: Path) -> str:
    """Change the prose of one chapter, as an editor would."""
    path = root / "chapters" / "03-reform-and-growth.ipynb"
    notebook = json.loads(path.read_text())
    first = notebook["cells"][0]
    first["source"] = ["".join(first["source"]) + "\n\nEdited for the benchmark."]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path.stem


def jupyter_book_force(root: Path, out: Path, env: dict[str, str]) -> tuple[Phase, str]:
    """jupyter-book executing the stored notebooks itself, on the same staged book."""
    from cmac.book.site import check_toc, stage_book

    stage = out / "jb-force-stage"
    stage_book(root, check_toc(root), {}, stage, [])
    config_path = stage / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    config["execute"] = {"execute_notebooks": "force", "timeout": 1800}
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    jb = str(Path(sys.executable).parent / "jupyter-book")
    return timed(
        "jupyter-book's own execution (force)",
        [jb, "build", str(stage), "--path-output", str(out / "jb-force"), "-q"],
        {**env, "CMAC_BUILD_DIR": str(out / "jb-force-run")},
        root,
    )


def run(keep: bool) -> list[Phase]:
    scratch = Path(tempfile.mkdtemp(prefix="cmac-bench-"))
    root = scratch / "project"
    shutil.copytree(PROJECT_ROOT, root, ignore=COPY_IGNORE)
    out = root / "_build"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    build = [sys.executable, "-m", "cmac.book.build", "--root", str(root), "--out", str(out)]
    phases = []
    try:
        for name in ["cold build", "rebuild, nothing changed"]:
            phase, log = timed(name, build, env, root)
            phase.note = "; ".join(
                re.findall(
                    r"(HTML built by jupyter-book in [\d.]+ s|"
                    r"PDF printed in [\d.]+ s)",
                    log,
                )
            )
            phases.append(phase)
            print_phase(phase, log)
        edited = edit_one_chapter(root)
        phase, log = timed(f"rebuild, {edited} edited", build, env, root)
        phase.note = "; ".join(re.findall(r"Ran \d+: [^;]+", log))
        phases.append(phase)
        print_phase(phase, log)
        phase, log = jupyter_book_force(root, out, env)
        phases.append(phase)
        print_phase(phase, log)
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return phases


def print_phase(phase: Phase, log: str) -> None:
    status = "ok" if phase.ok else "FAILED"
    print(f"  {phase.name}: {phase.seconds:.1f} s, {status}", flush=True)
    if not phase.ok:
        print(log[-3000:], flush=True)


def report(phases: list[Phase]) -> str:
    width = max(len(p.name) for p in phases) + 2
    lines = [f"{'phase':<{width}}{'seconds':>9}{'peak MB':>10}  note", "-" * (width + 40)]
    for p in phases:
        lines.append(f"{p.name:<{width}}{p.seconds:>9.1f}{p.peak_mb:>10.0f}  {p.note}")
    cold, own = phases[0], phases[-1]
    if cold.ok and own.ok:
        lines.append(
            f"cold build / jupyter-book's own execution: {cold.seconds / own.seconds:.2f}"
            f"  (target at most 0.6)"
        )
    lines.append(f"rebuild with nothing changed: {phases[1].seconds:.2f} s  (target under 3 s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)
    print(f"Benchmarking on {os.cpu_count()} cores ...", flush=True)
    phases = run(args.keep)
    text = report(phases)
    print("\n" + text)
    out = PROJECT_ROOT / "_build"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps([asdict(p) for p in phases], indent=1))
    (out / "bench.txt").write_text(text + "\n")
    return 0 if all(p.ok for p in phases) else 1


if __name__ == "__main__":
    sys.exit(main())
