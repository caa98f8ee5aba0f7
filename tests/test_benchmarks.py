"""Every benchmark script still runs to its figures. They are not run by anything else, so a change to the code
they call (a new return type, backward freeing the graph) broke them silently before. Speed is not asserted:
exit status 1 means a target was missed, which a benchmark reports; a traceback is a broken script."""
from __future__ import annotations

import subprocess
import sys

import pytest

from workspace_factory import REPO

BENCHMARKS = REPO / "benchmarks"
SMALL_RUNS = {"grading.py": ["--count", "2", "--skip", "cluster"], "grading_phases.py": ["--runs", "1"],
              "bpe_train.py": ["--slice-merges", "16"]}
MUST_SUCCEED = {"grading.py", "grading_phases.py"}  # they check scores, not speed: exit 1 is a wrong grade


def scripts() -> list[str]:
    return sorted(p.name for p in BENCHMARKS.glob("*.py") if p.name != "harness.py")


def test_every_benchmark_is_listed():
    assert set(SMALL_RUNS) <= set(scripts()), "SMALL_RUNS names a benchmark that no longer exists"


@pytest.mark.parametrize("script", scripts())
def test_benchmark_runs_to_its_figures(script):
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *SMALL_RUNS.get(script, [])], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in ((0,) if script in MUST_SUCCEED else (0, 1)), done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.strip(), f"{script} printed no figures"
