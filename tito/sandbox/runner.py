"""Run a notebook in the grading sandbox: a kernel with limits, in its own scratch folder, cell by cell.

The kernel is started through tito/sandbox/kernel.py (a root holding only what mounts.py allows, no network,
limits, an unprivileged uid). This side, which the student's code cannot reach, enforces the per-cell and
whole-notebook time limits and the output budget, collects the observations each cell hands out (tito/check.py,
decoded by observations.py), and records why cells did not run. A kernel that dies or must be killed costs the
cells that had not finished; the cells before it keep their results.
"""
from __future__ import annotations

import inspect
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from . import kernel
from .forked_kernel import PACKAGES_PREFIX, ForkedKernelManager, zygote
from .kernel import MS_NODEV, MS_NOSUID, mount, unmount
from .mounts import plan
from .observations import MIME, read_observation

SCRATCH_PREFIX = "tito-sandbox-"
# Kernel flags: no history file, no start-up chatter.
KERNEL_FLAGS = ("--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR")


@dataclass
class Limits:
    cell_seconds: int = 30  # wall clock per cell: the cell is interrupted, later cells still run
    notebook_seconds: int = 600  # wall clock for the whole notebook: what has not run by then scores 0
    memory_mb: int = 4096  # address space of each process
    cpu_seconds: int = 600  # CPU time of the kernel process
    processes: int = 64  # processes (and threads) the sandbox user may have at once
    file_mb: int = 64  # largest file the notebook may write; also the size of its scratch folder
    output_mb: int = 8  # output the grader keeps from the whole notebook; the rest is dropped


@dataclass
class Sandbox:
    """Where and how: the package folder the kernel imports first (copied into its scratch folder), the
    distributions it may import besides ipykernel, NumPy and matplotlib (mounts.py), and host paths it may
    read (data); nothing else of the host exists inside."""
    lib: Path
    limits: Limits = field(default_factory=Limits)
    packages: list[str] = field(default_factory=list)
    allow_paths: list[str] = field(default_factory=list)
    env: dict = field(default_factory=dict)


@dataclass
class RunResult:
    nb: nbformat.NotebookNode
    observations: dict[int, list[dict]]  # cell index -> observations in the order they were made
    problems: list[str]  # notebook-level events: limits hit, kernel death; empty when all went well
    isolation: str  # what the kernel got: "namespaces and a uid of its own", "... (user namespace)", "limits only"


class _Specs(KernelSpecManager):
    """The only kernel the sandbox starts: this file's kernel.py, run by this Python with the standard library only."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=[sys.executable, "-I", "-S", kernel.__file__, "-f", "{connection_file}"],
                          display_name="TinyTorch grading sandbox", language="python")


class _Client(NotebookClient):
    """nbclient with an output budget, and observations taken out of the outputs as they arrive."""

    def __init__(self, nb, budget_bytes: int, **kw):
        super().__init__(nb, **kw)
        self.budget = budget_bytes
        self.observation_budget = budget_bytes
        self.observations: dict[int, list[dict]] = {}
        self.overflowed_in: int | None = None
        self.on_cell_executed = self._note_timeout

    def _note_timeout(self, cell, cell_index, execute_reply):
        """nbclient answers a timed-out cell with a made-up error reply but no output: add the output."""
        content = execute_reply.get("content", {})
        if content.get("ename") == "CellTimeoutError":
            cell.outputs.append(_error("CellTimeoutError", content.get("evalue", "")))

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg["msg_type"] == "display_data" and MIME in content.get("data", {}):
            # Observations have a budget of their own: a print flood must not starve the grader's evidence.
            self.observation_budget -= len(str(content["data"][MIME]))
            record = read_observation({"output_type": "display_data", "data": content["data"]})
            if self.observation_budget >= 0 and record is not None:
                self.observations.setdefault(cell_index, []).append(record)
            return None
        if msg["msg_type"] != "error":  # errors always kept: they decide verdicts and are small
            self.budget -= len(json.dumps(content, default=str))
            if self.budget < 0:
                if self.overflowed_in is None:
                    self.overflowed_in = cell_index
                    outs.append(nbformat.v4.new_output("stream", name="stderr", text=(
                        "[the grader dropped the rest of this notebook's output: over the output limit]\n")))
                return None
        return super().output(outs, msg, display_id, cell_index)


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _kill_user(uid: int) -> None:
    """Kill every process of the sandbox's uid (forks, daemons), by becoming that uid in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def clean_stale_scratch() -> None:
    """Remove scratch folders (and zygotes' folders of links) of grading runs that were killed (their pid is gone)."""
    for folder in [*Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"),
                   *Path(tempfile.gettempdir()).glob(PACKAGES_PREFIX + "*")]:
        try:
            owner = int(folder.name.removeprefix(SCRATCH_PREFIX).removeprefix(PACKAGES_PREFIX).split("-")[0])
            os.kill(owner, 0)
        except ProcessLookupError:
            if os.geteuid() == 0:
                unmount(str(folder))
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError):
            pass


_runs = itertools.count()


def _next_uid() -> int:
    """Unique among sandboxes running at once: grading processes differ by pid, threads by a counter."""
    return 200_000 + (os.getpid() % 1_000_000) * 32 + next(_runs) % 32


def _make_scratch(sandbox: Sandbox, uid: int, root: bool) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    if root:  # a size-limited tmpfs: the notebook cannot fill the grader's disk
        mount("tmpfs", str(scratch), "tmpfs", MS_NOSUID | MS_NODEV,
              f"size={sandbox.limits.file_mb}m,mode=0700,uid={uid},gid={uid}")
    shutil.copytree(sandbox.lib, scratch / "lib")
    if root:
        for path in [scratch, *scratch.rglob("*")]:
            os.chown(path, uid, uid)
    return scratch


def _kernel_settings(sandbox: Sandbox, scratch: Path, uid: int) -> dict:
    env = {**kernel.KERNEL_ENV, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch / ".matplotlib"),
           "IPYTHONDIR": str(scratch / ".ipython"), **sandbox.env}
    data = [(os.path.realpath(p), os.path.abspath(p)) for p in sandbox.allow_paths]  # bound where they are named
    return {"scratch": str(scratch), "uid": uid, "plan": plan(tuple(sorted(sandbox.packages))), "data": data,
            "grader_python": sys.executable, "limits": vars(sandbox.limits), "env": env}


def _sync(value):
    """The result of `value`, awaiting it first if the async kernel client handed back a coroutine."""
    if inspect.isawaitable(value):
        async def wait():
            return await value
        return run_sync(wait)()
    return value


def _responsive(client: _Client, seconds: float) -> bool:
    """Does the kernel answer a kernel_info request? A kernel still busy after an interrupt does not."""
    try:
        _sync(client.kc.kernel_info())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg = _sync(client.kc.shell_channel.get_msg(timeout=max(0.1, deadline - time.monotonic())))
            if msg["msg_type"] == "kernel_info_reply":
                return True
    except Exception:
        return False
    return False


def _kill(km: AsyncKernelManager) -> None:
    if _sync(km.is_alive()):
        _sync(km.shutdown_kernel(now=True))


# The error names of cells the run stopped; tito/outcome.py turns them into a status (never by their text).
LIMIT, DIED, NOT_RUN = "LimitExceeded", "KernelDied", "NotRun"
KILLED_AFTER_TIMEOUT = "KilledAfterTimeout"  # the kernel ignored the interrupt of a timed-out cell


def _death_reason(km: AsyncKernelManager, limits: Limits) -> tuple[str, str]:
    """(error name, why) for a kernel that died."""
    process = getattr(km.provisioner, "process", None)
    code = process.poll() if process is not None else None
    if code == -signal.SIGXCPU:
        return LIMIT, f"limit: the kernel used its {limits.cpu_seconds} s of CPU time"
    if code is not None and code < 0:
        return DIED, f"the kernel was killed by signal {signal.Signals(-code).name}"
    return DIED, f"the kernel exited (code {code})" if code is not None else "the kernel died"


def run(nb: nbformat.NotebookNode, sandbox: Sandbox) -> RunResult:
    """Execute every code cell of `nb` in a fresh sandboxed kernel; never raises for what the notebook does."""
    nb = nbformat.from_dict(nb)
    limits = sandbox.limits
    root = os.geteuid() == 0
    uid = _next_uid()  # a uid of its own: its processes can all be counted and killed together
    scratch = _make_scratch(sandbox, uid, root)
    settings = _kernel_settings(sandbox, scratch, uid)
    forks = zygote(settings["plan"]["python"])  # None: each kernel starts as a process of its own
    km = (partial(ForkedKernelManager, forks) if forks else AsyncKernelManager)(
        kernel_name="tito-sandbox", kernel_spec_manager=_Specs(), transport="ipc", ip=str(scratch / "ipc"),
        connection_file=str(scratch / "connection.json"))
    client = _Client(nb, limits.output_mb * 1024 * 1024, km=km, timeout=limits.cell_seconds,
                     allow_errors=True, interrupt_on_timeout=True, raise_on_iopub_timeout=False,
                     iopub_timeout=5, extra_arguments=list(KERNEL_FLAGS), startup_timeout=60,
                     error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran longer than "
                                       f"{limits.cell_seconds} s and was interrupted", "traceback": []},
                     resources={"metadata": {"path": str(scratch)}})
    problems: list[str] = []
    isolation = "unknown"
    env = {"TITO_SANDBOX": json.dumps(settings), "PATH": os.environ.get("PATH", "")}
    start = time.monotonic()
    stopped, stopped_as = "", NOT_RUN  # why the remaining cells do not run, and the error name they get
    try:
        with client.setup_kernel(env=env):
            marker = scratch / "isolation"  # written by the kernel before it starts: how isolated it is
            isolation = marker.read_text(encoding="utf-8") if marker.is_file() else "unknown"
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if stopped:
                    cell.outputs = [_error(stopped_as, stopped)]
                    continue
                remaining = limits.notebook_seconds - (time.monotonic() - start)
                if remaining <= 0:
                    stopped, stopped_as = f"limit: the notebook ran longer than {limits.notebook_seconds} s", LIMIT
                    problems.append(stopped)
                    cell.outputs = [_error(stopped_as, stopped)]
                    continue
                client.timeout = max(1, int(min(limits.cell_seconds, remaining)))
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    name, why = _death_reason(km, limits)
                    stopped, stopped_as = why + " in this or an earlier cell", (LIMIT if name == LIMIT else NOT_RUN)
                    problems.append(f"cell {index}: {why}")
                    cell.outputs.append(_error(name, stopped))
                    continue
                timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs)
                if timed_out and not _responsive(client, 10):
                    stopped = "the kernel ignored the interrupt after a cell timed out and was killed"
                    stopped_as = KILLED_AFTER_TIMEOUT
                    problems.append(f"cell {index}: {stopped}")
                    _kill(km)
    finally:
        try:
            _kill(km)
        except Exception:
            pass
        if root:
            _kill_user(uid)
            unmount(str(scratch))
        shutil.rmtree(scratch, ignore_errors=True)
    if client.overflowed_in is not None:
        problems.append(f"limit: output beyond {limits.output_mb} MB was dropped (from cell {client.overflowed_in})")
    return RunResult(nb, client.observations, problems, isolation)
