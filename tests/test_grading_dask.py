"""`tito grade --scheduler` on a real Dask cluster (a scheduler and two workers, separate processes on
127.0.0.1): the same gradebook and report as serial grading, even when a worker is killed mid-batch."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
import psutil  # noqa: E402  (comes with distributed)

from conftest import copy_course, ok  # noqa: E402
from test_grading_killed import gradebook_state, not_graded  # noqa: E402
from workspace_factory import REPO, tito  # noqa: E402

# Per-cell seconds. Generous: when a worker is killed, its restart (importing Dask and tito) competes with the
# other worker's kernel for the 2 cores, and a 5 s limit once timed out an ordinary cell of a sample.
TIMEOUT = "15"
EXTRA = 6  # copies of the complete sample: a batch long enough to kill a worker in the middle of it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", *args], env=env, cwd=tempfile.gettempdir(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture(scope="module")
def cluster():
    """tcp://127.0.0.1:PORT of a scheduler with two one-thread workers (each under its nanny)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                       "--no-dashboard"])
    nannies = [start(["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                      "--no-dashboard", "--host", "127.0.0.1"]) for _ in range(2)]
    try:
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, nannies
    finally:
        for process in [*nannies, scheduler]:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course with the samples and EXTRA more complete submissions, graded serially."""
    root = copy_course(tmp_path_factory.mktemp("dask"))
    ok(tito(root, "release", "01"))
    ok(tito(root, "samples", "01"))
    submitted = root / "course/submitted"
    for i in range(EXTRA):
        shutil.copytree(submitted / "sample-complete", submitted / f"student-{i}")
    report = ok(tito(root, "grade", "01", "--timeout", TIMEOUT)).stdout
    return root, report, gradebook_state(root), not_graded(root)


def test_grading_on_a_dask_cluster_matches_serial(course, cluster):
    root, report, expected, expected_not_graded = course
    address, _ = cluster
    result = ok(tito(root, "grade", "01", "--timeout", TIMEOUT, "--scheduler", address))
    assert result.stdout == report  # same scores, reasons and notes, in the same order
    assert gradebook_state(root) == expected
    assert not_graded(root) == expected_not_graded


def worker_running_a_kernel(nannies: list[subprocess.Popen]) -> psutil.Process | None:
    """A worker process (child of a nanny) whose sandbox scratch folder exists: it is running a task now."""
    busy = {int(p.name.split("-")[2]) for p in Path(tempfile.gettempdir()).glob("tito-sandbox-*")}
    for nanny in nannies:
        for worker in psutil.Process(nanny.pid).children():
            if worker.pid in busy:
                return worker
    return None


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(course, cluster):
    root, report, expected, expected_not_graded = course
    address, nannies = cluster
    run = subprocess.Popen([sys.executable, "-m", "tito.cli", "grade", "01", "--timeout", TIMEOUT,
                            "--scheduler", address], cwd=root, env=dict(os.environ, PYTHONPATH=str(REPO)),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    victim = None
    while victim is None and run.poll() is None and time.monotonic() < deadline:
        victim = worker_running_a_kernel(nannies)
        time.sleep(0.2)
    assert victim is not None, "no worker was seen running a submission"
    victim.send_signal(signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    assert stdout == report  # every student once, graded as serially
    assert gradebook_state(root) == expected  # no lost or duplicated grade
    assert not_graded(root) == expected_not_graded


def test_the_jobs_path_does_not_import_dask():
    """Dask is imported only for --cluster and --scheduler: --jobs works where it is not installed."""
    code = ("import sys\nfrom tito.grading import grade\nfrom tito.grading.executors import workers\n"
            "with workers(2) as found:\n    found.pool.submit(len, 'ab').result()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
