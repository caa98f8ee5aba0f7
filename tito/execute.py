"""Run a notebook headless in a fresh kernel and read off the result of each graded test cell."""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from .notebooks import graded_cells, nbgrader_meta


# Kernel flags: no history file, and no start-up warnings (about TCP transport) cluttering the terminal.
QUIET_KERNEL = ("--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR")


def quiet_known_warnings() -> None:
    """Warnings nbgrader triggers on every run that say nothing to the user (see pipeline notes)."""
    warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy 2.1 inside nbgrader
    warnings.filterwarnings("ignore", message="Cell is missing an id field")  # cells nbgrader restores
    warnings.filterwarnings("ignore", message=".*Kernel is running over TCP.*")


@dataclass
class TestResult:
    grade_id: str
    points: float
    passed: bool
    error: str  # first line of the error; empty when the test passed
    traceback: str = ""  # the whole error, for `tito test --verbose`


def kernel_env(package_root: Path) -> dict:
    """The kernel imports `tinytorch` from `package_root` first (the student's own package in a bundle)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH", "")]))
    env["MPLBACKEND"] = "Agg"
    return env


def run_notebook(nb: nbformat.NotebookNode, workdir: Path, package_root: Path, timeout: int = 60):
    """Execute every cell (errors recorded, not raised); a cell over `timeout` seconds is interrupted."""
    nb = nbformat.from_dict(nb)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        extra_arguments=list(QUIET_KERNEL),
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran longer than {timeout} s",
                          "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(env=kernel_env(package_root))
    except DeadKernelError as e:
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.get("execution_count") is None:
                cell.setdefault("outputs", []).append(nbformat.v4.new_output(
                    "error", ename="DeadKernelError", evalue=f"the kernel died before this cell ran: {e}",
                    traceback=[]))
    return nb


def first_error(cell) -> str:
    """`Name: first line of the message` of the cell's error; a timed-out cell says so."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            name, value = out.get("ename") or "Error", (out.get("evalue") or "").strip()
            if name in ("KeyboardInterrupt", "CellTimeoutError"):
                return "timeout: the cell ran over the per-cell time limit and was interrupted"
            return f"{name}: {value.splitlines()[0]}" if value else name
    return ""


ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def full_error(cell) -> str:
    """The cell's traceback as plain text (IPython colours removed): the failing line and its case."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            lines = out.get("traceback") or [f"{out.get('ename')}: {out.get('evalue')}"]
            return ANSI_COLOUR.sub("", "\n".join(lines))
    return ""


def graded_results(nb) -> list[TestResult]:
    """One row per graded code cell, in notebook order."""
    rows = []
    for cell in graded_cells(nb):
        meta = nbgrader_meta(cell)
        error = first_error(cell)
        if not error and cell.get("execution_count") is None:
            error = "not run"
        rows.append(TestResult(meta.get("grade_id", "?"), float(meta.get("points", 0)), not error, error,
                               full_error(cell)))
    return rows
