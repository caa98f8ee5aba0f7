"""Run a notebook in the grading sandbox: a shell with limits, in its own scratch folder, cell by cell.

The shell (shell.py, started through session.py: forked by the zygote or started by kernel.py) lives in a root
holding only what mounts.py allows, with no network, limits and an unprivileged uid. This side, which the
student's code cannot reach, enforces the per-cell and whole-notebook time limits and the output budget, collects
the observations each cell hands out (tito/check.py, decoded by observations.py), and records why cells did not
run. A shell that dies or must be killed costs the cells that had not finished; the cells before it keep their
results.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import kernel
from .kernel import MS_NODEV, MS_NOSUID, mount, unmount
from .mounts import plan
from .observations import MIME, read_observation
from .session import ShellDied, ShellProcess
from .zygote_client import PACKAGES_PREFIX, running

SCRATCH_PREFIX = "tito-sandbox-"
START_SECONDS = 60  # for the shell to isolate itself and say it is ready
INTERRUPT_SECONDS = 10  # for a timed-out cell to end after its interrupt, before the shell is killed


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
    distributions it may import besides IPython, NumPy and matplotlib (mounts.py), and host paths it may
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


class _Outputs:
    """The outputs of the notebook's cells as they arrive, within the output budget; observations (tito/check.py)
    are taken out of them, under a budget of their own, so a print flood cannot starve the grader's evidence."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.observation_budget = budget_bytes
        self.observations: dict[int, list[dict]] = {}
        self.overflowed_in: int | None = None

    def _spend(self, index: int, size: int, outs: list) -> bool:
        self.budget -= size
        if self.budget >= 0:
            return True
        if self.overflowed_in is None:
            self.overflowed_in = index
            outs.append(nbformat.v4.new_output("stream", name="stderr", text=(
                "[the grader dropped the rest of this notebook's output: over the output limit]\n")))
        return False

    def stream(self, index: int, outs: list, name: str, text: str) -> None:
        if not self._spend(index, len(text), outs):
            return
        if outs and outs[-1].get("output_type") == "stream" and outs[-1].get("name") == name:
            outs[-1]["text"] += text  # one output per run of the same stream, as a notebook keeps them
        else:
            outs.append(nbformat.v4.new_output("stream", name=name, text=text))

    def message(self, index: int, outs: list, message: dict) -> None:
        """A display, a result, an error or a clear from the shell (shell.py), checked for shape."""
        if "display" in message or "result" in message:
            body = message.get("display") or message.get("result")
            body = body if isinstance(body, dict) else {}
            data, metadata = _bundle(body.get("data")), body.get("metadata")
            if "display" in message and MIME in data:
                self.observation_budget -= len(data[MIME])
                record = read_observation({"output_type": "display_data", "data": data})
                if self.observation_budget >= 0 and record is not None:
                    self.observations.setdefault(index, []).append(record)
                return
            if not self._spend(index, len(json.dumps(data)), outs):
                return
            metadata = metadata if isinstance(metadata, dict) else {}
            if "display" in message:
                outs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata))
            else:
                count = body.get("execution_count")
                outs.append(nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                                   execution_count=count if isinstance(count, int) else None))
        elif "error" in message:  # always kept: errors decide verdicts (the shell cuts their text)
            body = message["error"] if isinstance(message["error"], dict) else {}
            trace = body.get("traceback") if isinstance(body.get("traceback"), list) else []
            outs.append(_error(str(body.get("ename", "Error"))[:1000], str(body.get("evalue", ""))[:65536],
                               [str(line)[:65536] for line in trace[:1000]]))
        elif "clear" in message:
            outs[:] = [o for o in outs if o.get("output_type") == "error"]


def _bundle(data) -> dict:
    """A MIME bundle as nbformat takes it: text for text types, JSON for the JSON ones."""
    if not isinstance(data, dict):
        return {}
    bundle = {}
    for mime, value in data.items():
        mime = str(mime)
        if mime.endswith("json"):
            bundle[mime] = value if isinstance(value, (dict, list)) else str(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            bundle[mime] = "".join(value)
        else:
            bundle[mime] = value if isinstance(value, str) else json.dumps(value, default=str)
    return bundle


def _error(ename: str, evalue: str, traceback: list[str] | None = None):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=traceback if traceback is not None else [f"{ename}: {evalue}"])


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
        except ValueError:
            continue
        if not running(owner):
            if os.geteuid() == 0:
                unmount(str(folder))
            shutil.rmtree(folder, ignore_errors=True)


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
            "grader_path": [p for p in sys.path if p], "limits": vars(sandbox.limits), "env": env}


# The error names of cells the run stopped; tito/outcome.py turns them into a status (never by their text).
LIMIT, DIED, NOT_RUN = "LimitExceeded", "KernelDied", "NotRun"
KILLED_AFTER_TIMEOUT = "KilledAfterTimeout"  # the kernel ignored the interrupt of a timed-out cell


def _death_reason(shell: ShellProcess, limits: Limits) -> tuple[str, str]:
    """(error name, why) for a shell that ended, or closed its messages pipe (then it is killed)."""
    code = shell.exit_code(5)
    if code is None:
        shell.signal(signal.SIGKILL)
        return DIED, "the kernel closed its connection to the grader and was stopped"
    if code == -signal.SIGXCPU:
        return LIMIT, f"limit: the kernel used its {limits.cpu_seconds} s of CPU time"
    if code < 0:
        return DIED, f"the kernel was killed by signal {signal.Signals(-code).name}"
    return DIED, f"the kernel exited (code {code})"


def _run_cell(shell: ShellProcess, outputs: _Outputs, cell, index: int, until: float) -> str:
    """Collect a cell's outputs until the shell says it is done ("done"), its messages end ("end"), or
    `until` passes ("late")."""
    for kind, value in shell.events(until):
        if kind in ("stdout", "stderr"):
            outputs.stream(index, cell.outputs, kind, value)
        elif kind == "end":
            return "end"
        elif kind == "oversize":
            outputs.stream(index, cell.outputs, "stderr", "[the grader dropped a message over its size limit]\n")
        elif "done" in value:
            count = value["done"]
            cell.execution_count = count if isinstance(count, int) else None
            if value.get("ok") is not True and not any(o.get("output_type") == "error" for o in cell.outputs):
                cell.outputs.append(_error("CellFailed", "the cell raised an error that it did not show"))
            return "done"
        else:
            outputs.message(index, cell.outputs, value)
    return "late"


def run(nb: nbformat.NotebookNode, sandbox: Sandbox) -> RunResult:
    """Execute every code cell of `nb` in a fresh sandboxed shell; never raises for what the notebook does."""
    nb = nbformat.from_dict(nb)
    limits = sandbox.limits
    root = os.geteuid() == 0
    uid = _next_uid()  # a uid of its own: its processes can all be counted and killed together
    scratch = _make_scratch(sandbox, uid, root)
    outputs = _Outputs(limits.output_mb * 1024 * 1024)
    problems: list[str] = []
    shell = None
    start = time.monotonic()
    stopped, stopped_as = "", NOT_RUN  # why the remaining cells do not run, and the error name they get
    try:
        shell = ShellProcess(_kernel_settings(sandbox, scratch, uid), line_limit=outputs.budget + (1 << 20))
        isolation = shell.wait_ready(START_SECONDS)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if stopped:
                cell.outputs = [_error(stopped_as, stopped)]
                continue
            remaining = limits.notebook_seconds - (time.monotonic() - start)
            if remaining <= 0:
                stopped, stopped_as = f"limit: the notebook ran longer than {limits.notebook_seconds} s", LIMIT
                problems.append(stopped)
                cell.outputs = [_error(stopped_as, stopped)]
                continue
            until = time.monotonic() + min(limits.cell_seconds, remaining)
            how = _run_cell(shell, outputs, cell, index, until) if shell.send_cell(cell.source, until) else "late"
            if how == "late":
                shell.signal(signal.SIGINT)
                how = _run_cell(shell, outputs, cell, index, time.monotonic() + INTERRUPT_SECONDS)
                seconds = max(1, int(min(limits.cell_seconds, remaining)))
                cell.outputs.append(_error("CellTimeoutError", f"cell ran longer than {seconds} s and was interrupted"))
                if how == "late":
                    stopped = "the kernel ignored the interrupt after a cell timed out and was killed"
                    stopped_as = KILLED_AFTER_TIMEOUT
                    problems.append(f"cell {index}: {stopped}")
                    shell.signal(signal.SIGKILL)
            if how == "end":
                name, why = _death_reason(shell, limits)
                stopped, stopped_as = why + " in this or an earlier cell", (LIMIT if name == LIMIT else NOT_RUN)
                problems.append(f"cell {index}: {why}")
                cell.outputs.append(_error(name, stopped))
    finally:
        if shell is not None:
            shell.close()
        if root:
            _kill_user(uid)
            unmount(str(scratch))
        shutil.rmtree(scratch, ignore_errors=True)
    if outputs.overflowed_in is not None:
        problems.append(f"limit: output beyond {limits.output_mb} MB was dropped (from cell {outputs.overflowed_in})")
    return RunResult(nb, outputs.observations, problems, isolation)
