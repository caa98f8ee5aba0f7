"""A student copies dist/student, fills in module 01, sees every test pass and imports their own package."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import graded_points, ok
from workspace_factory import tito


def student_copy(released, tmp_path):
    target = tmp_path / "student"
    shutil.copytree(released / "dist/student", target)
    return target


def fill_in(bundle, released, assignment="01_tensor"):
    """The student's work: the complete sample is exactly the release notebook with every stub filled in."""
    ok(tito(released, "samples", assignment))
    name = assignment.split("_", 1)[1]
    shutil.copy(released / f"course/submitted/sample-complete/{assignment}/{name}.ipynb",
                bundle / f"modules/{assignment}/{name}.ipynb")


# What a student does with their package after any module: the namespace's Tensor and factories work.
TENSOR_PROBE = ("import tinytorch; t = tinytorch.Tensor([1., 2.]) * 2 + tinytorch.ones(2); "
                "print(float(t.sum().item()))")


def test_untouched_bundle_fails_every_test(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    result = tito(bundle, "test", "01")
    assert result.returncode == 1
    assert "01_tensor: 0/100 points" in result.stdout
    assert result.stdout.count("FAIL") == len(graded_points("01_tensor"))


def test_completed_module_passes_and_exports_into_the_students_package(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    fill_in(bundle, released)
    result = ok(tito(bundle, "test", "01"))
    assert "01_tensor: 100/100 points" in result.stdout and "FAIL" not in result.stdout

    ok(tito(bundle, "export", "01"))
    code = (bundle / "tinytorch/core/tensor.py").read_text()
    assert "raise NotImplementedError()" not in code
    assert "File to edit: ../../modules/01_tensor/tensor.ipynb" in code
    probe = ("import tinytorch, tinytorch.core.tensor as t; "
             "assert tinytorch.__file__.startswith('.') or 'student' in tinytorch.__file__, tinytorch.__file__; "
             "x = t.Tensor([[1.0, 2.0]]) @ t.Tensor([[3.0], [4.0]]); print(x.item())")
    run = subprocess.run([sys.executable, "-c", probe], cwd=bundle, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["11.0"]


def test_student_tito_refuses_instructor_commands(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    for command in ("release", "grade", "validate", "lint", "report"):
        result = tito(bundle, command, *(["01"] if command in ("grade", "report") else []))
        assert result.returncode == 1 and "only in the instructor repository" in result.stderr, command


def test_the_bundle_ships_tito_without_the_grader(released):
    """The grader, the sandbox and the instructor's tools stay with the instructor (tests/test_tito_layers.py)."""
    shipped = {p.name for p in (released / "dist" / "student" / "tito").iterdir()}
    assert not shipped & {"grading", "sandbox", "authoring", "packaging", "reports"}
    assert {"cli.py", "check.py", "testkit.py", "export.py", "progress.py"} <= shipped


def test_student_completes_every_module_in_order_on_their_own_package(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    assignments = sorted(p.name for p in (bundle / "modules").iterdir())
    for assignment in assignments:
        fill_in(bundle, released, assignment)
    if len(assignments) > 1:
        # module 02 imports the student's own module 01: still the stub until they export it; tito says so
        early = tito(bundle, "test", assignments[1])
        assert early.returncode == 1 and "module 01 (tensor) is complete but not exported" in early.stderr
        assert "run `tito export 01`" in early.stderr
    for assignment in assignments:
        result = tito(bundle, "test", assignment)
        assert result.returncode == 0 and "FAIL" not in result.stdout, result.stdout + result.stderr
        ok(tito(bundle, "export", assignment))
        # after every module, the package's Tensor is the most capable finished one and works
        run = subprocess.run([sys.executable, "-c", TENSOR_PROBE], cwd=bundle, capture_output=True, text=True)
        assert run.returncode == 0, f"after {assignment}: {run.stderr}"
        assert run.stdout.split() == ["8.0"], run.stdout
    leftovers = [p for p in (bundle / "tinytorch").rglob("*.py") if "raise NotImplementedError()" in p.read_text()]
    assert leftovers == []


def test_package_after_module_01_only(released, tmp_path):
    """Module 01 finished and exported, the rest untouched: Tensor works, later names say which module to do."""
    bundle = student_copy(released, tmp_path)
    fill_in(bundle, released)
    ok(tito(bundle, "export", "01"))
    probe = TENSOR_PROBE + ("; import tinytorch.core.tensor as core; print(type(t) is core.Tensor)\n"
                            "try:\n    tinytorch.nn.Linear\nexcept ImportError as e:\n    print(e)")
    run = subprocess.run([sys.executable, "-c", probe], cwd=bundle, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:2] == ["8.0", "True"]
    assert "`tinytorch.nn.Linear` comes from module 04 (layers)" in lines[2] and "tito export 04" in lines[2]


def test_student_help_lists_student_commands_only(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    listed = ok(tito(bundle, "--help")).stdout
    for command in ("test", "export", "milestone"):
        assert f"    {command}" in listed
    for command in ("release", "grade", "validate", "lint", "samples"):
        assert f"    {command} " not in listed and f"    {command}\n" not in listed


def test_milestone_refuses_before_its_modules_are_finished(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    result = tito(bundle, "milestone", "run", "1957", "--fast")
    assert result.returncode == 1
    assert "milestone 1957 (perceptron) needs modules 01, 02, 03, 04 finished" in result.stderr
    assert "module 01 (tensor) is not complete" in result.stderr and "module 04 (layers)" in result.stderr


def test_verbose_shows_the_failing_line(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    result = tito(bundle, "test", "01", "--verbose")
    assert result.returncode == 1
    assert "--- test-tensor-class ---" in result.stdout and "NotImplementedError" in result.stdout
    assert "\x1b[" not in result.stdout


def test_terminal_workflow_through_a_python_file(released, tmp_path):
    """The README's path without a browser: notebook -> .py, edit, --update back; tests pass, metadata kept."""
    bundle = student_copy(released, tmp_path)
    notebook = bundle / "modules/01_tensor/tensor.ipynb"
    before = [c.get("metadata", {}).get("nbgrader") for c in json.loads(notebook.read_text())["cells"]]
    jupytext = [sys.executable, "-m", "jupytext"]
    ok(subprocess.run(jupytext + ["--to", "py:percent", str(notebook)], capture_output=True, text=True))
    # the student's editing, stood in for by the complete sample's text
    ok(tito(released, "samples", "01_tensor"))
    complete = released / "course/submitted/sample-complete/01_tensor/tensor.ipynb"
    ok(subprocess.run(jupytext + ["--to", "py:percent", "-o", str(notebook.with_suffix(".py")), str(complete)],
                      capture_output=True, text=True))
    ok(subprocess.run(jupytext + ["--to", "ipynb", "--update", str(notebook.with_suffix(".py"))],
                      capture_output=True, text=True))
    after = [c.get("metadata", {}).get("nbgrader") for c in json.loads(notebook.read_text())["cells"]]
    assert after == before
    result = ok(tito(bundle, "test", "01"))
    assert "01_tensor: 100/100 points" in result.stdout
