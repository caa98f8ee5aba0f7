"""The shipped modules themselves: lint clean and sound under the integrity gate."""
from __future__ import annotations

from workspace_factory import REPO, tito


def test_modules_are_lint_clean():
    result = tito(REPO, "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_integrity_gate_holds_for_every_module():
    result = tito(REPO, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
