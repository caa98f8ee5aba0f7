"""A student copies dist/student, fills in module 01, sees every test pass and imports their own package."""
from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import ok
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


def test_untouched_bundle_fails_every_test(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    result = tito(bundle, "test", "01")
    assert result.returncode == 1
    assert "01_tensor: 0/100 points" in result.stdout
    assert result.stdout.count("FAIL") == 8


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
    result = tito(bundle, "release")
    assert result.returncode == 1 and "only in the instructor repository" in result.stderr


def test_student_completes_every_module_in_order_on_their_own_package(released, tmp_path):
    bundle = student_copy(released, tmp_path)
    assignments = sorted(p.name for p in (bundle / "modules").iterdir())
    for assignment in assignments:
        fill_in(bundle, released, assignment)
    if len(assignments) > 1:
        # module 02 imports the student's own module 01: still the stub until they export it
        early = tito(bundle, "test", assignments[1])
        assert early.returncode == 1 and "NotImplementedError" in early.stdout
    for assignment in assignments:
        result = tito(bundle, "test", assignment)
        assert result.returncode == 0 and "FAIL" not in result.stdout, result.stdout + result.stderr
        ok(tito(bundle, "export", assignment))
    leftovers = [p for p in (bundle / "tinytorch").rglob("*.py") if "raise NotImplementedError()" in p.read_text()]
    assert leftovers == []
