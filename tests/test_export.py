"""`tito export` is reproducible byte for byte, strips the markers, and `--check` catches any drift."""
from __future__ import annotations

import importlib.util
import shutil

from conftest import copy_course, ok
from workspace_factory import REPO, make_workspace, tito


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.py"))
            if "__pycache__" not in p.parts}


def test_two_exports_are_byte_identical(tmp_path):
    root = make_workspace(tmp_path)
    ok(tito(root, "export"))
    first = snapshot(root / "tinytorch")
    shutil.rmtree(root / "tinytorch")
    ok(tito(root, "export"))
    assert snapshot(root / "tinytorch") == first
    assert set(first) == {"__init__.py", "_names.py", "_namespace.py", "core/__init__.py", "core/toy.py"}


def test_export_keeps_solutions_and_drops_markers_and_tests(tmp_path):
    root = make_workspace(tmp_path)
    ok(tito(root, "export"))
    code = (root / "tinytorch/core/toy.py").read_text()
    assert "return np.asarray(x) + 1" in code
    assert "### BEGIN" not in code and "### END" not in code
    assert "def test_" not in code and "HIDDEN" not in code
    assert "File to edit: ../../modules/01_toy/toy.py" in code  # readers are sent to the source, not a scratch file


def test_repository_package_matches_the_sources():
    result = tito(REPO, "export", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_a_changed_file(tmp_path):
    root = copy_course(tmp_path)
    ok(tito(root, "export", "--check"))
    target = root / "tinytorch/core/tensor.py"
    target.write_text(target.read_text() + "\n# hand edit\n")
    result = tito(root, "export", "--check")
    assert result.returncode == 1
    assert "tinytorch/core/tensor.py: differs" in result.stdout


def test_check_names_missing_and_stale_files(tmp_path):
    root = copy_course(tmp_path)
    (root / "tinytorch/core/tensor.py").unlink()
    (root / "tinytorch/core/leftover.py").write_text("x = 1\n")
    result = tito(root, "export", "--check")
    assert result.returncode == 1
    assert "tinytorch/core/tensor.py: missing" in result.stdout
    assert "tinytorch/core/leftover.py: not produced by any module" in result.stdout


def test_exported_package_imports_without_output(tmp_path):
    root = make_workspace(tmp_path)
    ok(tito(root, "export"))
    spec = importlib.util.spec_from_file_location("toy_export", root / "tinytorch/core/toy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.double(4) == 8
