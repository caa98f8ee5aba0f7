"""A grading run killed with SIGKILL (serial, --jobs, a Dask LocalCluster), then run again, ends exactly where
an uninterrupted run ends."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import copy_course, ok
from tito.sandbox.zygote_client import running
from workspace_factory import REPO, TITO, tito

MODULE = "01_tensor"


def gradebook_state(root: Path) -> dict:
    """student -> (score, number of grades): a duplicated or stale entry shows up here."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root}/course/gradebook.db") as gb:
        return {sub.student_id: (sub.score, sum(len(nb.grades) for nb in sub.notebooks))
                for sub in gb.assignment_submissions(MODULE)}


def not_graded(root: Path) -> str:
    path = root / "course" / "reports" / MODULE / "not_graded.json"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def live_scratch(tmp: Path) -> list[str]:
    """Sandbox scratch folders whose grading process is gone (a killed run leaves them for the next to clear).
    The runs here use a temporary folder of their own: other tests running beside them kill runs too."""
    stale = []
    for folder in tmp.glob("tito-sandbox-*"):
        if not running(int(folder.name.split("-")[2])):
            stale.append(folder.name)
    return stale


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("killed"))
    (root / "tmp").mkdir()
    ok(tito(root, "release", "01"))
    ok(tito(root, "samples", "01"))
    ok(tito(root, "grade", "01", "--timeout", "5", env=private_tmp(root)))
    return root, gradebook_state(root), not_graded(root)


def private_tmp(root: Path) -> dict:
    return {"TMPDIR": str(root / "tmp")}


def run_and_kill(root: Path, where: list[str], after_seconds: float) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), **private_tmp(root))
    run = subprocess.Popen(TITO + ["grade", "01", "--timeout", "5", *where], cwd=root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(after_seconds)
    if run.poll() is None:
        os.killpg(run.pid, signal.SIGKILL)  # the whole run: tito, its workers and their kernels
    run.wait()


@pytest.mark.parametrize("where, after_seconds", [
    (["--jobs", "2"], 4), (["--jobs", "2"], 12), (["--jobs", "2"], 25), ([], 15),
    pytest.param(["--cluster", "local:2"], 20, marks=pytest.mark.skipif(
        importlib.util.find_spec("distributed") is None, reason="Dask is not installed"))])
def test_sigkill_then_rerun_gives_the_uninterrupted_result(course, where, after_seconds):
    """Killed, then run again the same way: the second run resumes the batch and ends as an uninterrupted one."""
    root, expected, expected_not_graded = course
    run_and_kill(root, where, after_seconds)
    ok(tito(root, "grade", "01", "--timeout", "5", *where, env=private_tmp(root)))
    assert gradebook_state(root) == expected
    assert not_graded(root) == expected_not_graded
    assert not (root / "course/reports" / MODULE / "unfinished_batch.txt").exists()
    assert not live_scratch(root / "tmp"), "a killed run's scratch folder survived the next run"

