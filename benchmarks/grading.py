"""Autograding throughput: N generated submissions of module 01, graded serially and with --jobs 2.

Prints submissions per second for both and checks that both runs give the same scores. Works in a scratch
copy of the course, so the repository's course/ is untouched.
Run: .venv/bin/python benchmarks/grading.py [--count 200] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tito(root: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "tito.cli", *args], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"tito {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def scores(root: Path) -> dict:
    sys.path.insert(0, str(REPO))
    from tito.reports.grades import collect
    from tito.workspace import find_workspace
    return {s: sc for s, _, sc, _ in collect(find_workspace(root))[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="number of submissions (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers for the second run (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name in ("pyproject.toml", "nbgrader_config.py"):
            shutil.copy(REPO / name, root / name)
        for name in ("modules", "tinytorch"):
            shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        tito(root, "release", "01")
        tito(root, "samples", "01")
        submitted = root / "course/submitted"
        kinds = ["sample-complete", "sample-untouched", "sample-edited-tests", "sample-deleted-test"]
        for kind in kinds + ["sample-infinite-loop", "sample-invalid-json"]:
            if kind not in kinds:
                shutil.rmtree(submitted / kind)  # the loop would measure the timeout, not the grader
        for i in range(args.count - len(kinds)):
            shutil.copytree(submitted / kinds[i % len(kinds)], submitted / f"student-{i:04d}")
        rows = []
        for jobs in (1, args.jobs):
            start = time.perf_counter()
            tito(root, "grade", "01", "--jobs", str(jobs))
            seconds = time.perf_counter() - start
            rows.append((jobs, seconds, scores(root)))
            print(f"jobs={jobs}: {args.count} submissions in {seconds:.1f} s = {args.count / seconds:.2f} submissions/s")
        same = rows[0][2] == rows[1][2]
        print(f"speed-up with {args.jobs} jobs: {rows[0][1] / rows[1][1]:.2f}x; identical scores: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
