"""Run a notebook headless in a fresh kernel (`tito test`, `tito validate`); tito/outcome.py reads the results."""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

# Kernel flags: no history file, and no start-up warnings (about TCP transport) cluttering the terminal.
QUIET_KERNEL = ("--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR")


def quiet_known_warnings() -> None:
    """Warnings nbgrader triggers on every run that say nothing to the user (see pipeline notes)."""
    warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy 2.1 inside nbgrader
    warnings.filterwarnings("ignore", message="Cell is missing an id field")  # cells nbgrader restores
    warnings.filterwarnings("ignore", message=".*Kernel is running over TCP.*")


def kernel_env(package_root: Path) -> dict:
    """The kernel imports `tinytorch` from `package_root` first (the student's own package in a bundle)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH", "")]))
    env["MPLBACKEND"] = "Agg"
    return env


def run_notebook(nb: nbformat.NotebookNode, workdir: Path, package_root: Path, timeout: int = 60):
    """Execute every cell (errors recorded, not raised); a cell over `timeout` seconds is interrupted."""
    nb = nbformat.from_dict(nb)
    # Unix sockets, not TCP ports: a port picked as free can be taken by another kernel before this one binds
    # it ("Address already in use"), which happened when validate ran beside other jobs.
    sockets = tempfile.mkdtemp(prefix="tito-kernel-")
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"),
                            connection_file=os.path.join(sockets, "connection.json"))
    client = NotebookClient(
        nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        extra_arguments=list(QUIET_KERNEL),
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"cell ran longer than {timeout} s",
                          "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        # cleanup_kc: nbclient shuts down only kernels whose manager it made itself. Without it every kernel (and
        # its ZeroMQ sockets) stayed alive until tito exited: tito validate ran out of file descriptors.
        client.execute(env=kernel_env(package_root), cleanup_kc=True)
    except DeadKernelError as e:
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.get("execution_count") is None:
                cell.setdefault("outputs", []).append(nbformat.v4.new_output(
                    "error", ename="DeadKernelError", evalue=f"the kernel died before this cell ran: {e}",
                    traceback=[]))
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return nb
