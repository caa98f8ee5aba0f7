"""The grading sandbox on its own (tito/sandbox.py): limits, what the kernel can see, observations."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from tito.sandbox import Limits, Sandbox, run
from workspace_factory import REPO

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and an own uid need root")


@pytest.fixture
def lib(tmp_path) -> Path:
    (tmp_path / "lib" / "tito").mkdir(parents=True)
    (tmp_path / "lib" / "tito" / "__init__.py").write_text("")
    shutil.copy(REPO / "tito" / "check.py", tmp_path / "lib" / "tito" / "check.py")
    return tmp_path / "lib"


def execute(lib: Path, cells: list[str], **limits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return run(nb, Sandbox(lib=lib, limits=Limits(**limits), hide=[str(REPO), os.path.expanduser("~"), "/tmp"]))


def text(cell) -> str:
    return "".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs)


def test_observations_leave_the_kernel_per_cell(lib):
    result = execute(lib, ["from tito.check import observe\nobserve('a', 1.5)",
                           "observe('b', (1, 'x'))\nobserve('c', __import__('numpy').arange(2))"])
    assert [o["name"] for o in result.observations[0]] == ["a"]
    assert [o["name"] for o in result.observations[1]] == ["b", "c"]
    assert result.observations[1][1]["value"] == {"t": "array", "kind": "int", "shape": [2], "v": [0, 1]}


def test_notebook_wall_clock(lib):
    result = execute(lib, ["import time"] + ["time.sleep(2)"] * 5, notebook_seconds=5)
    assert any("notebook ran longer than 5 s" in p for p in result.problems), result.problems
    assert "NotRun" in text(result.nb.cells[-1])
    assert text(result.nb.cells[1]) == ""  # what finished in time keeps its result


def test_cpu_limit_kills_the_kernel(lib):
    result = execute(lib, ["x = 0\nwhile True:\n    x += 1", "print('after')"], cpu_seconds=2, cell_seconds=60)
    assert any("CPU time" in p for p in result.problems), result.problems
    assert "NotRun" in text(result.nb.cells[1])


def test_memory_limit_is_a_memory_error(lib):
    result = execute(lib, ["import numpy as np\nx = np.ones(512 * 1024 * 1024)", "print('still alive')"],
                     memory_mb=1536)
    assert "MemoryError" in text(result.nb.cells[0])
    assert "still alive" in text(result.nb.cells[1])


def test_file_size_limit(lib):
    result = execute(lib, ["open('big', 'wb').write(b'x' * (3 * 1024 * 1024))", "print('next')"], file_mb=2)
    assert "Error" in text(result.nb.cells[0]), text(result.nb.cells[0])
    assert "next" in text(result.nb.cells[1])


@as_root
def test_own_uid_hidden_folders_and_no_network(lib, tmp_path):
    marker = Path(tempfile.gettempdir()) / f"tito-marker-{os.getpid()}"  # another user's file in /tmp
    marker.write_text("secret")
    try:
        result = execute(lib, [
            "import os, socket\nprint(os.getuid() != 0, os.path.exists(%r), os.path.exists(%r))"
            % (str(REPO / "tito" / "grade.py"), str(marker)),
            "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    print('net up')\n"
            "except OSError:\n    print('net down')"])
    finally:
        marker.unlink()
    assert text(result.nb.cells[0]).split() == ["True", "False", "False"], text(result.nb.cells[0])
    assert text(result.nb.cells[1]).strip() == "net down"
    assert result.isolated
