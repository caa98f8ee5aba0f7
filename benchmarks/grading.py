"""Autograding throughput: N generated submissions of module 01, graded serially, with --jobs J and on a Dask
LocalCluster of J workers, side by side; checks that all runs give the same scores.

Works in a scratch copy of the course, so the repository's course/ is untouched.
Run: .venv/bin/python benchmarks/grading.py [--count 200] [--jobs 2] [--skip serial]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ["sample-complete", "sample-untouched", "sample-edited-tests", "sample-deleted-test"]


def tito(root: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "tito.cli", *args], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"tito {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def make_course(root: Path, count: int) -> Path:
    """A released copy of module 01 with its samples (minus the loop and the broken JSON) and `count`
    submissions made by repeating the four gradable samples."""
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(REPO / name, root / name)
    for name in ("modules", "tinytorch", "datasets"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "cache"))
    tito(root, "release", "01")
    tito(root, "samples", "01")
    submitted = root / "course/submitted"
    for kind in ("sample-infinite-loop", "sample-invalid-json"):
        shutil.rmtree(submitted / kind)  # the loop would measure the timeout, not the grader
    if count:
        for kind in KINDS:
            shutil.move(submitted / kind, root / kind)
        for i in range(count):
            shutil.copytree(root / KINDS[i % len(KINDS)], submitted / f"student-{i:04d}")
    return root


def _children_cpu() -> float:
    """User and system CPU seconds of every process this one has waited for: the grader, its workers, their
    zygotes and shells (each waits for its own children)."""
    times = os.times()
    return times.children_user + times.children_system


def scores(root: Path) -> dict:
    sys.path.insert(0, str(REPO))
    from tito.reports.grades import collect
    from tito.workspace import find_workspace
    return {m.student: m.score for m in collect(find_workspace(root))[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="number of submissions (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="workers for --jobs and --cluster (default 2)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["serial", "jobs", "cluster"])
    args = parser.parse_args()
    runs = {"serial": [], "jobs": ["--jobs", str(args.jobs)], "cluster": ["--cluster", f"local:{args.jobs}"]}
    if importlib.util.find_spec("distributed") is None:
        print("Dask is not installed (pip install -e '.[grading]'): no --cluster run")
        args.skip.append("cluster")
    with tempfile.TemporaryDirectory() as scratch:
        root = make_course(Path(scratch), args.count)
        tito(root, "grade", "01", "--student", "student-0000")  # builds the reference observations once
        rows = []
        for name, flags in runs.items():
            if name in args.skip:
                continue
            start, cpu = time.perf_counter(), _children_cpu()
            tito(root, "grade", "01", *flags)
            seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
            rows.append((" ".join(["tito grade 01", *flags]), seconds, cpu, scores(root)))
    print(f"{'run':<32} {args.count} submissions   submissions/s   CPU s per submission (all processes)")
    for label, seconds, cpu, _ in rows:
        print(f"{label:<32} {seconds:8.1f} s        {args.count / seconds:6.2f}          {cpu / args.count:5.2f}")
    same = all(r[3] == rows[0][3] for r in rows) and len(rows[0][3]) == args.count
    print(f"identical scores: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
