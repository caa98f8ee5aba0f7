"""`tito release`: nbgrader student notebooks and a bundle that holds no solution or hidden-test code."""
from __future__ import annotations

import json

from tito.packaging.leaks import find_leaks, secret_lines
from tito.workspace import find_workspace


def test_release_notebook_has_stubs_and_no_hidden_tests(released):
    nb = json.loads((released / "course/release/01_tensor/tensor.ipynb").read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert "raise NotImplementedError()" in text
    for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "np.broadcast_shapes = forbidden"):
        assert marker not in text


def test_bundle_layout(released):
    bundle = released / "dist/student"
    for path in ("README.md", "pyproject.toml", "modules/01_tensor/tensor.ipynb", "tinytorch/__init__.py",
                 "tinytorch/core/tensor.py", "tito/cli.py"):
        assert (bundle / path).is_file(), path
    assert 'mode = "student"' in (bundle / "pyproject.toml").read_text()
    assert not (bundle / "modules/01_tensor/tensor.py").exists()


def test_bundle_holds_no_secret_line(released):
    from tito.packaging.release import shipped_code

    ws = find_workspace(released)
    secret = secret_lines(ws.modules(), ws.root, shipped_code(ws))
    assert len(secret) > 50  # the check has something to look for
    assert find_leaks(released / "dist/student", secret) == []
    # the student's package has the stubs, not the reference code
    package = (released / "dist/student/tinytorch/core/tensor.py").read_text()
    assert "raise NotImplementedError()" in package and "def broadcast_shape" in package


def test_leak_check_catches_a_planted_solution_line(released, tmp_path):
    ws = find_workspace(released)
    secret = secret_lines(ws.modules(), ws.root)
    line, origin = next(iter(secret.items()))
    (tmp_path / "notes.py").write_text(f"x = 1\n    {line}\n")
    leaks = find_leaks(tmp_path, secret)
    assert [str(leak) for leak in leaks] == [f"notes.py:2: solution, hidden-test or rubric line from {origin}"]


def test_release_fails_on_a_leak(released, tmp_path):
    """A solution line that also lands in given code is no secret; one planted in the README is a leak."""
    from shutil import copytree
    from workspace_factory import tito
    root = tmp_path / "course"
    copytree(released, root, ignore=lambda d, names: [n for n in names if n in ("course", "dist")])
    source = root / "modules/01_tensor/tensor.py"
    text = source.read_text()
    # plant a solution line into the student-visible prose of the module
    ws = find_workspace(root)
    line = next(l for l in secret_lines(ws.modules(), ws.root) if l.startswith("padded_a"))
    source.write_text(text.replace("# ## 2. Broadcasting\n", f"# ## 2. Broadcasting\n# {line}\n", 1))
    result = tito(root, "release")
    assert result.returncode == 1
    assert "leak check failed" in result.stderr and "modules/01_tensor/tensor.py:" in result.stderr


def test_validate_sees_exactly_what_nbgrader_releases(released):
    """`tito validate` stubs the source itself; its student version must equal nbgrader's release cell by cell."""
    from tito.notebooks import read_notebook, read_source
    from tito.authoring.validate import student_version

    ws = find_workspace(released)
    for module in ws.modules():
        ours = student_version(read_source(module))
        theirs = read_notebook(ws.release_notebook(module))
        assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
