"""Benchmark the build: ``python -m cmac.book.bench [--rounds N]`` (``make bench``).

In one run, on a fresh clone of the project's last commit in a scratch folder:

1. fresh clone to built HTML, installation included (``make book`` in the clone);
2. in turns (``--rounds``, default 3), each from nothing: jupyter-book building the same
   chapters with its own execution (``execute_notebooks: force``), then our cold execute +
   build (cache removed) with the clone's environment. Their medians are compared: on a
   shared machine one run of each can differ by a fifth from the next;
3. a rebuild with nothing changed;
4. the author's loop, in turns: a Markdown-only edit of one chapter (no kernel may start),
   republished by our build, then the same edit rebuilt by stock jupyter-book with its own
   execution cache (``execute_notebooks: cache``, built once beforehand); medians compared.
   A third build of the same edit, by jupyter-book in a process that had imported it, Sphinx
   and every extension before the edit, measures what any one-page rebuild costs;
5. a rebuild after a code edit of one chapter (only it, and the chapters that need it, run).

Peak memory is the largest total resident size of each phase's whole process tree, sampled
every 0.1 s. The targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from cmac.paths import PROJECT_ROOT

EDITED = "chapters/03-reform-and-growth.ipynb"
# Targets of issues 12 and 22, checked in the report.
FRESH_TARGET_S = 90.0
COLD_RATIO_TARGET = 0.5
PROSE_RATIO_TARGET = 0.5
NOOP_TARGET_S = 0.5


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


def edit_prose(root: Path, turn: int = 1) -> None:
    """Change the prose of one chapter, as an editor would."""
    path = root / EDITED
    notebook = json.loads(path.read_text())
    first = notebook["cells"][0]
    first["source"] = ["".join(first["source"]) + f"\n\nEdited for the benchmark ({turn})."]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def edit_code(root: Path) -> None:
    """Change one code cell of the same chapter (a no-op statement at its end)."""
    path = root / EDITED
    notebook = json.loads(path.read_text())
    cell = [c for c in notebook["cells"] if c["cell_type"] == "code"][-1]
    cell["source"] = ["".join(cell["source"]) + "\n_benchmark_edit = True\n"]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def stock_stage(root: Path, python: Path, env: dict[str, str], mode: str) -> Path:
    """The book staged from the stored notebooks (no outputs), for stock jupyter-book to
    execute itself (``execute_notebooks``: ``force`` or ``cache``)."""
    stage = root / "_bench" / f"jb-{mode}-stage"
    shutil.rmtree(stage.parent, ignore_errors=True)
    code = (
        "import sys; from pathlib import Path; from cmac.book.site import stage_book;"
        "from cmac.book.toc import check_toc;"
        "root = Path(sys.argv[1]); stage_book(root, check_toc(root), {}, Path(sys.argv[2]), [])"
    )
    subprocess.run([str(python), "-c", code, str(root), str(stage)], check=True, env=env)
    config_path = stage / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    config["execute"] = {"execute_notebooks": mode, "timeout": 1800}
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return stage


def jupyter_book(
    stage: Path, python: Path, env: dict[str, str], name: str
) -> tuple[Phase, str]:
    """Stock jupyter-book building ``stage`` into the folder beside it, as an author would."""
    jb = str(python.parent / "jupyter-book")
    output = stage.parent / stage.name.removesuffix("-stage")
    return timed(name, [jb, "build", str(stage), "--path-output", str(output), "-q"], env, stage)


def preloaded_jupyter_book(
    stage: Path, python: Path, env: dict[str, str], name: str, turn: int
) -> tuple[Phase, str]:
    """The prose edit rebuilt by jupyter-book in a process that imported jupyter-book, Sphinx
    and every extension before the edit (:mod:`cmac.book.jupyter_book_runner`): the part of
    a rebuild that no build process of its own can skip."""
    from cmac.book.jupyter_book_runner import READY, jupyter_book_args

    output = stage.parent / stage.name.removesuffix("-stage")
    process = subprocess.Popen(
        [str(python), "-m", "cmac.book.jupyter_book_runner", str(stage)],
        cwd=stage,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    while (line := process.stdout.readline()) and line.strip() != READY:
        pass
    peak = tree_rss_kb(process.pid)
    edit_prose(stage, turn)
    started = time.perf_counter()
    output_text, _ = process.communicate(json.dumps(jupyter_book_args(stage, output, "html")))
    seconds = time.perf_counter() - started
    return Phase(name, seconds, peak / 1024, process.returncode == 0), output_text


def notes(log: str) -> str:
    found = re.findall(
        r"(Ran \d+: [^;]+|HTML built by jupyter-book in [\d.]+ s|prose changed: merged"
        r"|already up to date)",
        log,
    )
    return "; ".join(dict.fromkeys(found))


COLD = "cold execute + build"
OWN = "jupyter-book's own execution (force)"
PROSE = "rebuild, Markdown-only edit of one chapter"
STOCK_PROSE = "stock jupyter-book (cache mode), the same edit"
PRELOADED = "jupyter-book loaded before the edit, another such edit"


def run(keep: bool, rounds: int) -> list[Phase]:
    scratch = Path(tempfile.mkdtemp(prefix="cmac-bench-"))
    root = scratch / "clone"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}} | {
        "PYTHONHASHSEED": "0"
    }
    python = root / ".venv" / "bin" / "python"
    build = [str(python), "-m", "cmac.book.build"]
    phases: list[Phase] = []

    def record(result: Phase, log: str) -> str:
        result.note = notes(log)
        phases.append(result)
        print_phase(result, log)
        return log

    def phase(name: str, command: list[str], cwd: Path = root) -> str:
        return record(*timed(name, command, env, cwd))

    try:
        phase(
            "fresh clone to HTML, install included",
            ["bash", "-c", f"git clone -q {PROJECT_ROOT} {root} && cd {root} && make book"],
            scratch,
        )
        # The two builds take turns, so that a machine slowing down or speeding up during
        # the benchmark weighs on both alike; the last cold build stays for what follows.
        for turn in range(1, rounds + 1):
            stage = stock_stage(root, python, env, "force")
            record(*jupyter_book(stage, python, env, f"{OWN}, run {turn}"))
            shutil.rmtree(root / "_build")
            phase(f"{COLD}, run {turn}", build)
        phase("rebuild, nothing changed", build)
        # The author's loop: the same prose edit, republished by our build and by stock
        # jupyter-book with its own execution cache, in turns.
        stock = stock_stage(root, python, env, "cache")
        record(*jupyter_book(stock, python, env, "stock jupyter-book (cache mode), first build"))
        for turn in range(1, rounds + 1):
            edit_prose(root, turn)
            phase(f"{PROSE}, run {turn}", build)
            edit_prose(stock, turn)
            record(*jupyter_book(stock, python, env, f"{STOCK_PROSE}, run {turn}"))
            name = f"{PRELOADED}, run {turn}"
            record(*preloaded_jupyter_book(stock, python, env, name, rounds + turn))
        edit_code(root)
        phase("rebuild, code edit of one chapter", build)
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return phases


def print_phase(phase: Phase, log: str) -> None:
    status = "ok" if phase.ok else "FAILED"
    print(f"  {phase.name}: {phase.seconds:.1f} s, {status}", flush=True)
    if not phase.ok:
        print(log[-3000:], flush=True)


def compared(what: str, ours: list[Phase], theirs: list[Phase], target: float) -> list[str]:
    """Our phases against theirs, taken in turns, by the medians of each, and each turn's
    ratio: on a shared machine one run can differ by a fifth from the next."""
    if not (ours and theirs and all(p.ok for p in ours + theirs)):
        return []
    mine, other = (statistics.median(p.seconds for p in runs) for runs in (ours, theirs))
    ratio = mine / other
    verdict = "meets the target" if ratio <= target else "MISSES the target"
    turns = [f"{o.seconds / t.seconds:.2f}" for o, t in zip(ours, theirs, strict=False)]
    return [
        f"{what}: {mine:.1f} s / {other:.1f} s = {ratio:.2f} "
        f"(medians of {len(ours)} turns; target <= {target}): {verdict}",
        f"  ratio in each turn: {', '.join(turns)}",
    ]


def report(phases: list[Phase]) -> str:
    width = max(len(p.name) for p in phases) + 2
    lines = [f"{'phase':<{width}}{'seconds':>9}{'peak MB':>10}  note", "-" * (width + 60)]
    for p in phases:
        lines.append(f"{p.name:<{width}}{p.seconds:>9.1f}{p.peak_mb:>10.0f}  {p.note}")
    by_name = {p.name: p for p in phases}

    def verdict(ok: bool) -> str:
        return "meets the target" if ok else "MISSES the target"

    fresh = by_name.get("fresh clone to HTML, install included")
    if fresh:
        lines.append(
            f"fresh clone to HTML: {fresh.seconds:.1f} s (target <= {FRESH_TARGET_S:.0f} s): "
            + verdict(fresh.ok and fresh.seconds <= FRESH_TARGET_S)
        )
    lines += compared(
        "cold build / jupyter-book's own execution",
        [p for p in phases if p.name.startswith(COLD)],
        [p for p in phases if p.name.startswith(OWN)],
        COLD_RATIO_TARGET,
    )
    noop = by_name.get("rebuild, nothing changed")
    if noop:
        lines.append(
            f"no-op rebuild: {noop.seconds:.2f} s (target <= {NOOP_TARGET_S} s): "
            + verdict(noop.ok and noop.seconds <= NOOP_TARGET_S)
        )
    prose = [p for p in phases if p.name.startswith(PROSE)]
    stock = [p for p in phases if p.name.startswith(STOCK_PROSE)]
    lines += compared("prose-only edit / stock jupyter-book", prose, stock, PROSE_RATIO_TARGET)
    preloaded = [p for p in phases if p.name.startswith(PRELOADED)]
    if preloaded and stock and all(p.ok for p in preloaded + stock):
        floor, other = (statistics.median(p.seconds for p in runs) for runs in (preloaded, stock))
        lines.append(
            f"  jupyter-book alone, loaded before the edit: {floor:.1f} s = {floor / other:.2f} "
            "of stock (no separate build process can go below it)"
        )
    if prose:
        merged = all("prose changed: merged" in p.note and "Ran 0" in p.note for p in prose)
        lines.append("Markdown-only edit: " + ("no kernel started" if merged else "A KERNEL RAN"))
    code = by_name.get("rebuild, code edit of one chapter")
    if code:
        lines.append(f"code edit: {code.note.split(';')[0]} (the chapter and its readers only)")
    lines.append(f"peak memory: {max(p.peak_mb for p in phases):.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="turns of jupyter-book's build and ours, from nothing (default 3)",
    )
    args = parser.parse_args(argv)
    print(f"Benchmarking on {os.cpu_count()} cores ...", flush=True)
    phases = run(args.keep, max(1, args.rounds))
    text = report(phases)
    print("\n" + text)
    out = PROJECT_ROOT / "_build"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps([asdict(p) for p in phases], indent=1))
    (out / "bench.txt").write_text(text + "\n")
    return 0 if all(p.ok for p in phases) else 1


if __name__ == "__main__":
    sys.exit(main())
