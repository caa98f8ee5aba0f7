"""The grading sandbox on its own (tito/sandbox/runner.py): limits, what the kernel can see, observations."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest

from tito.sandbox.runner import Limits, Sandbox, run
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
    assert result.isolation == "namespaces and a uid of its own"


@as_root
def test_a_normal_user_gets_the_same_hiding_through_user_namespaces():
    """Run the kernel's isolation step as an ordinary uid (a forked child of this root test process)."""
    from tito.sandbox.kernel import hide_without_root

    secret_dir = Path(tempfile.mkdtemp(prefix="tito-userns-"))  # readable by anyone until hidden
    secret_dir.chmod(0o755)
    (secret_dir / "gradebook.db").write_text("scores")
    pid = os.fork()
    if pid == 0:  # exit code: 0 all hidden and offline, 10 no user namespaces here, else what leaked
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            if not (secret_dir / "gradebook.db").exists():
                os._exit(5)  # the test's own premise failed: the file must be visible before hiding
            try:
                hide_without_root([str(secret_dir)], [])
            except OSError:
                os._exit(10)
            code = 2 if (secret_dir / "gradebook.db").exists() else 0
            if code == 0 and os.system(f"umount {secret_dir} 2>/dev/null") == 0:
                code = 3  # the student could uncover what was hidden
            if code == 0:
                try:
                    socket.create_connection(("1.1.1.1", 53), timeout=2)
                    code = 4
                except OSError:
                    pass
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(secret_dir)
    code = os.waitstatus_to_exitcode(status)
    if code == 10:
        pytest.skip("this system does not allow user namespaces")
    assert code == 0, {1: "crashed", 2: "file visible", 3: "unmount allowed", 4: "network reachable",
                       5: "file not visible even before hiding"}[code]
