"""Every subcommand has --help; bad arguments and missing files give one clear line and a non-zero exit."""
from __future__ import annotations

import pytest

from workspace_factory import REPO, make_workspace, tito

COMMANDS = ["build", "export", "lint", "validate", "release", "test", "samples", "grade", "feedback", "report", "similarity", "milestone", "grades"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    result = tito(REPO, command, "--help")
    assert result.returncode == 0 and "usage: tito " + command in result.stdout


def test_unknown_module_names_module_and_folder(tmp_path):
    make_workspace(tmp_path)
    result = tito(tmp_path, "build", "07")
    assert result.returncode == 1
    assert result.stderr.strip() == f"tito: error: no module '07' in {tmp_path.resolve()}/modules (have: 01_toy)"


def test_outside_a_workspace(tmp_path):
    result = tito(tmp_path, "lint")
    assert result.returncode == 1
    assert "no TinyTorch workspace" in result.stderr and str(tmp_path.resolve()) in result.stderr


def test_grade_before_release_says_what_to_do(tmp_path):
    make_workspace(tmp_path)
    result = tito(tmp_path, "grade", "01")
    assert result.returncode == 1
    assert "01_toy is not released yet: run `tito release 01` first" in result.stderr


def test_missing_argument_is_a_usage_error():
    result = tito(REPO, "grade")
    assert result.returncode == 2 and "MODULE" in result.stderr


def test_module_names_in_every_form(tmp_path):
    make_workspace(tmp_path)
    for name in ("01", "1", "toy", "01_toy"):
        result = tito(tmp_path, "build", name)
        assert result.returncode == 0 and "built course/source/01_toy/toy.ipynb" in result.stdout
