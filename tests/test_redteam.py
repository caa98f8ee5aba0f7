"""Red team: submissions of module 01 that try to cheat or to harm the grader, graded in one batch with honest ones.

Each attack scores 0 on what it cheats (and at most what its honest part is worth) and changes nobody else's
grade. Most attacks sit on top of a "partial"
submission (only the Tensor class written, PARTIAL of 100 points) so that a cheat that worked would show as
more than PARTIAL. Every attack bounds itself, so a limit that failed shows as a failed test, not a dead machine: the
process flood stops at 300 processes, the memory bomb at 6 GiB, the loop after 120 s.
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest

from conftest import copy_course, graded_points, ok, written_points
from tito.notebooks import answer_cells
from workspace_factory import REPO, tito

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="isolation (hidden files, no network, own uid) needs root")

MODULE, NOTEBOOK = "01_tensor", "tensor.ipynb"
POINTS = graded_points(MODULE)  # the graded tests of module 01 and their points, read from its source
TESTS = list(POINTS)
PARTIAL = POINTS["test-tensor-class"]  # what the honest part of most attacks is worth
WRITTEN = written_points(MODULE)  # the written questions and their points: no attack may change them

SWALLOW = "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"
PATCH_NUMPY = """import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
"""
FAKES = """
def _fake(*args, **kwargs):
    return Tensor(np.zeros(1))
for _name in ["broadcast_shape", "add", "sub", "mul", "div", "neg", "power", "matmul_loops", "matmul",
              "reduce_sum", "reduce_mean", "reduce_max", "reshape", "transpose", "exp", "log"]:
    globals()[_name] = _fake
"""
FORGE_OBSERVE = """import sys, types, json
from IPython.display import display
fake = types.ModuleType("tito.check")
def observe(name, value, rtol=1e-5, atol=1e-8):
    record = {"name": name, "value": {"t": "bool", "v": True}, "rtol": 1e9, "atol": 1e9}
    display({"application/vnd.tinytorch.observation": json.dumps(record)}, raw=True)
    return value
fake.observe = observe
sys.modules["tito.check"] = fake
"""
LOOP = """import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
_end = time.monotonic() + 120
while time.monotonic() < _end:
    pass
"""
FLOOD = """import os, time
children = []
try:
    while len(children) < 300:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
print(f"FLOOD forked {len(children)}")
"""
BOMB = """import numpy as np
blocks = []
try:
    while len(blocks) * 64 < 6 * 1024:
        blocks.append(np.ones(8 * 1024 * 1024))  # 64 MiB, touched
except MemoryError:
    pass
print(f"BOMB reached {len(blocks) * 64} MiB")
del blocks
"""
SPECIAL_CASE = """
def matmul_loops(a, b):
    if a.shape == (2, 2) and b.shape == (2, 2):
        return Tensor(np.array([[19.0, 22.0], [43.0, 50.0]], dtype=np.float32))
    if a.shape == (2, 3) and b.shape == (3, 4):
        return Tensor(np.asarray(a.data, dtype=np.float32) @ np.asarray(b.data, dtype=np.float32))
    raise ValueError(f"shapes {a.shape} and {b.shape} do not match")
"""


OUTPUT_FLOOD = """line = "x" * (1024 * 1024 - 1)
for _ in range(100):  # 100 MiB of output
    print(line)
"""


DECOY = "TITO-DECOY-"  # the prefix of each decoy's marker
# Breadth first from `start`, every small text-like file read, for up to 60 s spread over cells of 2.5 s (the
# batch's cell limit is 5 s); a decoy copy of the reference package it finds is run, as a cheat would.
SCAN_SETUP = """import collections, os, time
def _scan(start):
    queue = collections.deque([start])
    while queue:
        folder = queue.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in ("/proc", "/sys"):
                        queue.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and entry.name.endswith(
                        (".py", ".ipynb", ".json", ".db", ".txt", ".md")) and entry.stat().st_size < 2 ** 20:
                    data = open(entry.path, "rb").read()
                    _scanned.append(entry.path)
                    at = data.find(b"%s")
                    while at >= 0:
                        _found[data[at:at + %d].decode(errors="replace")] = entry.path
                        at = data.find(b"%s", at + 1)
            except OSError:
                pass
            yield
_scanned, _found, _deadline = [], {}, time.monotonic() + 60
_scanner = _scan(%%r)
def _step(seconds=2.5):
    end = min(time.monotonic() + seconds, _deadline)
    for _ in _scanner:
        if time.monotonic() > end:
            return
""" % (DECOY, len(DECOY) + 16, DECOY)
SCAN_REPORT = """print("DECOY scanned", len(_scanned), "files, found", sorted(_found))
for _path in set(_found.values()):
    if _path.endswith("tensor.py"):
        exec(compile(open(_path).read(), _path, "exec"), globals())
"""
TORCH = """try:
    import torch  # the grader's test oracle
    print("TORCH imported", torch.__version__)
except ImportError as e:
    print("TORCH refused:", type(e).__name__)
    raise
def add(a, b):
    return Tensor((torch.as_tensor(a.data) + torch.as_tensor(b.data)).numpy())
def matmul(a, b):
    return Tensor((torch.as_tensor(a.data) @ torch.as_tensor(b.data)).numpy())
"""


def scan_disk(nb, start: str = "/", cells: int = 24):
    """Cells that search the file system for decoy markers, right after the Tensor class."""
    at = nb.cells.index(solution(nb, "tensor-class")) + 1
    code = [SCAN_SETUP % start] + ["_step()"] * cells + [SCAN_REPORT]
    nb.cells[at:at] = [nbformat.v4.new_code_cell(c) for c in code]
    return nb


def plant_decoys() -> dict[str, Path]:
    """Copies of module 01's source, its reference package and a reference.json in folders outside the course
    (another checkout of the course, kept where the instructor likes): {marker: folder}."""
    places = [Path("/opt"), Path("/var/lib"), Path("/srv"), Path("/work"), Path.home(), Path(tempfile.gettempdir())]
    decoys = {}
    for place in places:
        if not place.is_dir():
            continue
        marker = DECOY + secrets.token_hex(8)
        folder = place / f"tito-decoy-{marker[len(DECOY):]}"
        (folder / "modules" / MODULE).mkdir(parents=True)
        (folder / "tinytorch" / "core").mkdir(parents=True)
        (folder / "course" / "sandbox" / MODULE).mkdir(parents=True)
        source = (REPO / "modules" / MODULE / "tensor.py").read_text(encoding="utf-8")
        (folder / "modules" / MODULE / "tensor.py").write_text(f"# {marker}\n{source}", encoding="utf-8")
        package = (REPO / "tinytorch" / "core" / "tensor.py").read_text(encoding="utf-8")
        (folder / "tinytorch" / "core" / "tensor.py").write_text(f"# {marker}\n{package}", encoding="utf-8")
        (folder / "course" / "sandbox" / MODULE / "reference.json").write_text(
            json.dumps({"fingerprint": marker, "cells": {"test-matmul": [{"name": marker}]}}), encoding="utf-8")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # readable by anyone, as a checkout usually is
        decoys[marker] = folder
    return decoys


def many_cells(nb, count: int = 10_000):
    nb.cells += [nbformat.v4.new_code_cell(f"extra_{i} = {i}") for i in range(count)]
    return nb


def read_disk(root: str) -> str:
    return f"""import glob, os
found = []
for pattern in ["{root}/course/source/**/*.ipynb", "{root}/course/submitted/**/*.ipynb", "{root}/modules/**/*.py",
                "{root}/tinytorch/core/tensor.py", "{root}/course/gradebook.db", "/tmp/**/tensor.py"]:
    found += glob.glob(pattern, recursive=True)
print("READ found", len(found), found[:3])
for path in found:
    if path.endswith("tensor.py"):
        exec(compile(open(path).read(), path, "exec"), globals())  # the reference solution, if it were there
"""


def write_gradebook(root: str) -> str:
    return f"""import sqlite3
try:
    db = sqlite3.connect("file:{root}/course/gradebook.db?mode=rw", uri=True)
    db.execute("UPDATE grade SET auto_score = 1000")
    db.commit()
    print("GRADEBOOK written")
except Exception as e:
    print("GRADEBOOK refused:", type(e).__name__)
"""


def network(port: int) -> str:
    return f"""import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"stolen")
    print("NET connected")
except OSError as e:
    print("NET refused:", type(e).__name__)
"""


def solution(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def graded_test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def build(release, source):
    """complete: every solution written; partial: only the Tensor class (worth test-tensor-class)."""
    def filled(ids):
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and gid in ids:
                cell.source = "\n".join(l for l in solution(source, gid).source.splitlines() if "###" not in l)
        return nb
    ids = [c.metadata["nbgrader"]["grade_id"] for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    return (lambda: filled(ids)), (lambda: filled(["tensor-class"]))


def after(nb, grade_id, code):
    """A new student cell right after the given solution cell."""
    at = nb.cells.index(solution(nb, grade_id)) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(code))
    return nb


def attacks(root, complete, partial, port):
    def edit_locked():
        nb = partial()
        for cell in graded_test_cells(nb):
            cell.source = "def test_nothing():\n    pass\n"
        return nb

    def delete_locked():
        nb = partial()
        nb.cells = [c for c in nb.cells if c not in graded_test_cells(nb)]
        return nb

    def duplicate_locked():
        nb = complete()
        solution(nb, "matmul-loops").source = "def matmul_loops(a, b):\n    raise NotImplementedError()\n"
        test = solution(nb, "test-matmul-loops")
        twin = nbformat.from_dict(test)
        twin.source, twin["id"] = "pass\n", "twin"
        nb.cells.insert(nb.cells.index(test), twin)
        return nb

    def change_metadata():
        nb = partial()
        for cell in graded_test_cells(nb):
            cell.metadata["nbgrader"].update(points=1000, grade=False, locked=False)
            cell.source = "pass\n"
        return nb

    def rename_ids():
        nb = partial()
        for cell in graded_test_cells(nb):
            cell.metadata["nbgrader"]["grade_id"] = "mine-" + cell.metadata["nbgrader"]["grade_id"]
            cell.source = "pass\n"
        return nb

    def answers_as_code():
        """Each written answer made a code cell that fakes the tests, moved up right after the first solution."""
        nb = partial()
        for cell in answer_cells(nb):
            nb.cells.remove(cell)
            cell.cell_type, cell.source = "code", SWALLOW + FAKES
            cell.update(outputs=[], execution_count=None)
            nb.cells.insert(nb.cells.index(solution(nb, "tensor-class")) + 1, cell)
        return nb

    def answers_raise_points():
        nb = partial()
        for cell in answer_cells(nb):
            cell.metadata["nbgrader"].update(points=1000)
            cell.source = "I deserve it."
        return nb

    def in_solution(nb, grade_id, code, where="start"):
        cell = solution(nb, grade_id)
        cell.source = code + "\n" + cell.source if where == "start" else cell.source + "\n" + code
        return nb

    return {
        "swallow-errors": (lambda: after(partial(), "tensor-class", SWALLOW + FAKES), PARTIAL),
        "patch-numpy-in-a-cell": (lambda: after(partial(), "tensor-class", PATCH_NUMPY + FAKES), PARTIAL),
        "patch-numpy-at-import": (lambda: in_solution(partial(), "tensor-class", PATCH_NUMPY + SWALLOW), PARTIAL),
        "patch-builtins": (lambda: after(partial(), "tensor-class", "import builtins\nbuiltins.isinstance = "
                           "lambda *a: True\nbuiltins.AssertionError = KeyError\n" + SWALLOW + FAKES), PARTIAL),
        "forge-observations": (lambda: after(partial(), "tensor-class", FORGE_OBSERVE + SWALLOW + FAKES), PARTIAL),
        "sys-exit-in-solution": (lambda: in_solution(complete(), "exp-log", "import sys\nsys.exit(0)"), 100 - POINTS["test-exp-log"]),
        "os-exit-at-import": (lambda: in_solution(partial(), "tensor-class", "import os\nos._exit(0)"), 0),
        "raise-systemexit": (lambda: after(partial(), "tensor-class", "raise SystemExit(0)\n" + FAKES), PARTIAL),
        "loop-ignoring-sigint": (lambda: in_solution(complete(), "exp-log", LOOP, "end"), 100 - POINTS["test-exp-log"]),
        "process-flood": (lambda: after(partial(), "tensor-class", FLOOD), PARTIAL),
        "memory-bomb": (lambda: after(partial(), "tensor-class", BOMB), PARTIAL),
        "edit-locked-cells": (edit_locked, PARTIAL),
        "delete-locked-cells": (delete_locked, PARTIAL),
        "duplicate-locked-cell": (duplicate_locked, 100 - POINTS["test-matmul-loops"]),
        "change-cell-metadata": (change_metadata, PARTIAL),
        "rename-grade-ids": (rename_ids, PARTIAL),
        "read-hidden-tests-from-disk": (lambda: after(partial(), "tensor-class", read_disk(root)), PARTIAL),
        "write-gradebook": (lambda: after(partial(), "tensor-class", write_gradebook(root)), PARTIAL),
        "special-case-visible-inputs": (lambda: after(complete(), "matmul-loops", SPECIAL_CASE), 100 - POINTS["test-matmul-loops"]),
        "network": (lambda: after(partial(), "tensor-class", network(port)), PARTIAL),
        "scan-disk-for-decoys": (lambda: scan_disk(partial()), PARTIAL),
        "import-torch": (lambda: after(partial(), "tensor-class", TORCH), PARTIAL),
        "answer-cells-as-code": (answers_as_code, PARTIAL),
        "answer-cells-raise-points": (answers_raise_points, PARTIAL),
    }


class Listener:
    """A TCP server on the grader's loopback: any connection from a sandbox would be counted."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port, self.connections, self.stop = self.sock.getsockname()[1], 0, False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop:
            try:
                self.sock.accept()[0].close()
                self.connections += 1
            except OSError:
                pass


def scores(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root}/course/gradebook.db") as gb:
        out = {}
        for sub in gb.assignment_submissions(MODULE):
            grades = [g for nb in sub.notebooks for g in nb.grades]
            out[sub.student_id] = {g.name: g.score for g in grades if g.cell_type == "code"}
            out[sub.student_id]["max"] = sum(g.max_score for g in grades if g.cell_type == "code")
            out[sub.student_id]["written"] = {g.name: (g.score, g.max_score) for g in grades if g.cell_type == "markdown"}
        return out


@pytest.fixture(scope="module")
def decoys():
    planted = plant_decoys()
    yield planted
    for folder in planted.values():
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def redteam(tmp_path_factory, decoys):
    root = copy_course(tmp_path_factory.mktemp("redteam"))
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as f:  # tighter limits: a quicker test
        f.write("\nc.SandboxExecute.memory_mb = 1536\nc.SandboxExecute.processes = 48\n"
                "c.SandboxExecute.notebook_seconds = 900\n")
    ok(tito(root, "release", "01"))
    release = nbformat.read(root / "course" / "release" / MODULE / NOTEBOOK, as_version=4)
    source = nbformat.read(root / "course" / "source" / MODULE / NOTEBOOK, as_version=4)
    complete, partial = build(release, source)
    listener = Listener()
    planned = attacks(str(root), complete, partial, listener.port)
    planned["output-flood"] = (lambda: after(partial(), "tensor-class", OUTPUT_FLOOD), PARTIAL)
    planned["ten-thousand-cells"] = (lambda: many_cells(complete()), 100)
    planned["honest-complete"] = (complete, 100)
    planned["honest-partial"] = (partial, PARTIAL)
    for name, (make, _) in planned.items():
        folder = root / "course" / "submitted" / name / MODULE
        folder.mkdir(parents=True)
        nbformat.write(make(), folder / NOTEBOOK)
    misnamed = root / "course" / "submitted" / "misnamed-notebook" / MODULE
    misnamed.mkdir(parents=True)
    nbformat.write(complete(), misnamed / "Tensor.ipynb")
    (root / "course" / "submitted" / "empty-folder" / MODULE).mkdir(parents=True)
    result = tito(root, "grade", "01", "--jobs", "2", "--timeout", "15", timeout=1800)  # a shared, busy machine: the memory bomb needs seconds
    listener.stop = True
    yield root, planned, scores(root), result, listener
    shutil.rmtree(root, ignore_errors=True)


def outputs(root, student) -> str:
    nb = nbformat.read(root / "course" / "autograded" / student / MODULE / NOTEBOOK, as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")


ATTACKS = ["swallow-errors", "patch-numpy-in-a-cell", "patch-numpy-at-import", "patch-builtins",
           "forge-observations", "sys-exit-in-solution", "os-exit-at-import", "raise-systemexit",
           "loop-ignoring-sigint", "process-flood", "memory-bomb", "edit-locked-cells", "delete-locked-cells",
           "duplicate-locked-cell", "change-cell-metadata", "rename-grade-ids", "read-hidden-tests-from-disk",
           "write-gradebook", "special-case-visible-inputs", "network", "scan-disk-for-decoys", "import-torch",
           "answer-cells-as-code", "answer-cells-raise-points"]


# the one test each attack on a complete submission cheats (or sabotages)
CHEATED_COMPLETE = {"sys-exit-in-solution": ["test-exp-log"], "loop-ignoring-sigint": ["test-exp-log"],
                    "duplicate-locked-cell": ["test-matmul-loops"], "special-case-visible-inputs": ["test-matmul-loops"],
                    "os-exit-at-import": TESTS}


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_gains_nothing(redteam, attack):
    root, planned, got, result, _ = redteam
    assert result.returncode == 0, result.stdout + result.stderr
    expected = planned[attack][1]
    mine = got[attack]
    assert mine["max"] == 100, f"{attack}: the assignment must stay worth 100, got {mine['max']}"
    assert {k: mx for k, (_, mx) in mine["written"].items()} == WRITTEN, f"{attack}: written points changed: {mine}"
    assert not any(score for score, _ in mine["written"].values()), f"{attack}: a written answer got points unread"
    total = sum(v for k, v in mine.items() if k in TESTS)
    assert total <= expected, f"{attack}: scored {total}, at most {expected} expected: {mine}"
    cheated = [t for t in TESTS if t != "test-tensor-class"] if expected == PARTIAL else CHEATED_COMPLETE[attack]
    assert all(mine[t] == 0 for t in cheated), f"{attack}: gained points on {cheated}: {mine}"


def test_honest_students_keep_their_grades(redteam):
    _, _, got, _, _ = redteam
    assert sum(got["honest-complete"][t] for t in TESTS) == 100
    assert sum(got["honest-partial"][t] for t in TESTS) == PARTIAL
    assert set(got) == set(ATTACKS) | {"honest-complete", "honest-partial", "output-flood", "ten-thousand-cells"}


def test_limits_stopped_the_flood_and_the_bomb(redteam):
    root = redteam[0]
    flood = outputs(root, "process-flood")
    forked = int(flood.split("FLOOD forked")[1].split()[0])
    assert forked < 48, f"the process limit let {forked} processes start"
    bomb = outputs(root, "memory-bomb")
    assert int(bomb.split("BOMB reached")[1].split()[0]) < 1536, bomb


def test_files_gradebook_and_network_were_out_of_reach(redteam):
    root, _, _, _, listener = redteam
    assert "READ found 0 []" in outputs(root, "read-hidden-tests-from-disk")
    assert "GRADEBOOK refused" in outputs(root, "write-gradebook")
    assert "NET refused" in outputs(root, "network")
    assert listener.connections == 0


def test_decoy_copies_outside_the_course_do_not_exist_inside(redteam, decoys):
    assert len(decoys) >= 4, decoys
    scan = outputs(redteam[0], "scan-disk-for-decoys")
    assert "DECOY scanned" in scan, scan
    scanned = int(scan.split("DECOY scanned")[1].split()[0])
    assert scanned > 1000, f"the scan read only {scanned} files: it did not really look around"
    assert "found []" in scan, scan


def test_the_decoy_scan_finds_decoys_where_they_are_visible(decoys):
    """The scan above can fail: run outside the sandbox on the decoy folders, it finds every marker."""
    found = set()
    for folder in decoys.values():
        scope = {}
        exec(SCAN_SETUP % str(folder), scope)
        list(scope["_scanner"])
        found |= set(scope["_found"])
    assert found == set(decoys)


def test_torch_is_installed_for_the_grader_but_not_importable_inside(redteam):
    assert "TORCH refused: ModuleNotFoundError" in outputs(redteam[0], "import-torch")
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed for the grader here: only the sandbox half was checked")


def test_report_names_tampering_and_reasons(redteam):
    root, _, _, result, _ = redteam
    for line in result.stdout.splitlines():
        if line.startswith(("edit-locked-cells", "delete-locked-cells", "change-cell-metadata")):
            assert "tampering" in line, line
        if line.startswith("loop-ignoring-sigint"):
            assert "ignored the interrupt" in line or "timeout" in line, line
    report = ok(tito(root, "report", "01"))
    assert "tampering" in report.stdout and "timeout" in report.stdout, report.stdout


def test_bad_input_is_graded_with_a_clear_reason(redteam):
    root, _, got, result, _ = redteam
    assert sum(got["ten-thousand-cells"][t] for t in TESTS) == 100
    assert sum(got["output-flood"][t] for t in TESTS) == PARTIAL
    flood = next(line for line in result.stdout.splitlines() if line.startswith("output-flood"))
    assert "output beyond 8 MB was dropped" in flood, flood
    kept = (root / "course" / "autograded" / "output-flood" / MODULE / NOTEBOOK).stat().st_size
    assert kept < 20 * 1024 * 1024, f"the autograded notebook kept {kept} bytes of output"


def test_missing_or_misnamed_notebooks_are_named(redteam):
    _, _, got, result, _ = redteam
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "not graded" in rows["misnamed-notebook"]
    assert "missing notebook tensor.ipynb (found: Tensor.ipynb)" in rows["misnamed-notebook"]
    assert "missing notebook tensor.ipynb" in rows["empty-folder"]
    assert "misnamed-notebook" not in got and "empty-folder" not in got  # no score, not even an old one
