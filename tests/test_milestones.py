"""Each milestone's fast variant reaches its target through `tito milestone run --fast`."""
from __future__ import annotations

import pytest

from workspace_factory import REPO, tito

MILESTONES = sorted(p.stem for p in (REPO / "milestones").glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_milestones_are_listed():
    result = tito(REPO, "milestone", "list")
    assert result.returncode == 0
    for name in MILESTONES:
        assert name.split("_", 1)[1] in result.stdout


@pytest.mark.parametrize("name", MILESTONES)
def test_fast_variant_hits_its_target(name):
    result = tito(REPO, "milestone", "run", name.split("_", 1)[0], "--fast", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "target" in result.stdout


def test_unknown_milestone_is_named():
    result = tito(REPO, "milestone", "run", "2099")
    assert result.returncode == 1 and "no milestone '2099'" in result.stderr
