"""Shared fixtures: a copy of the course in a scratch folder, released, with its samples graded once per run."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from workspace_factory import REPO, tito

GRADE_TIMEOUT = "10"  # per-cell seconds while grading the samples: the infinite loop costs this much


def copy_course(target: Path) -> Path:
    """The instructor repo's modules, config and reference package, without its generated course tree."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(REPO / name, target / name)
    for name in ("modules", "tinytorch", "milestones", "datasets"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "cache"))
    return target


def graded_points(assignment: str) -> dict[str, int]:
    """{test grade_id: points} of a module, in order, read from its source's cell headers."""
    source = next((REPO / "modules" / assignment).glob("*.py")).read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'"grade": true, "grade_id": "([^"]+)", "locked": true, "points": (\d+)', source)}


def written_points(assignment: str) -> dict[str, float]:
    """{written question grade_id: points} of a module, read from its source's answer cell headers."""
    source = next((REPO / "modules" / assignment).glob("*.py")).read_text(encoding="utf-8")
    return {m.group(1): float(m.group(2)) for m in re.finditer(
        r'\[markdown\] nbgrader=\{"grade": true, "grade_id": "([^"]+)", "locked": false, "points": (\d+)', source)}


def last_task(assignment: str) -> str:
    """The grade_id of a module's last solution cell: the one `tito samples` breaks."""
    source = next((REPO / "modules" / assignment).glob("*.py")).read_text(encoding="utf-8")
    return re.findall(r'"grade_id": "([^"]+)", "locked": false, "schema_version": 3, "solution": true', source)[-1]


def named_after(task: str, points: dict[str, int]) -> list[str]:
    """The tests named after a task (lint R11: test-<task> or test-<task>-<aspect>)."""
    return [t for t in points if t == f"test-{task}" or t.startswith(f"test-{task}-")]


def ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """A course copy after `tito release` (every module)."""
    root = copy_course(tmp_path_factory.mktemp("course"))
    ok(tito(root, "release"))
    return root


@pytest.fixture(scope="session")
def graded(released) -> tuple[Path, str]:
    """The released copy after `tito samples 01` and `tito grade 01`; also returns grade's printed report."""
    ok(tito(released, "samples", "01"))
    result = ok(tito(released, "grade", "01", "--timeout", GRADE_TIMEOUT))
    return released, result.stdout


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test session (tests/postgres.py); skipped, saying why, where there is none."""
    import postgres

    reason = postgres.why_not_available()
    if reason:
        pytest.skip(reason)
    server = postgres.Server().start()
    yield server
    server.stop()


def gradebook_scores(db_url: str, assignment: str) -> dict[str, list[tuple[str, float]]]:
    """student -> [(test grade_id, score)] of every graded submission, read from any gradebook database; a
    duplicated grade shows up as a longer list."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "tinytorch") as gb:
        return {sub.student_id: sorted((g.name, float(g.score or 0)) for nb in sub.notebooks for g in nb.grades
                                       if g.cell_type == "code")
                for sub in gb.assignment_submissions(assignment)}


def sqlite_url(root: Path) -> str:
    """The gradebook of a course copy that does not set TINYTORCH_DB_URL."""
    return f"sqlite:///{root}/course/gradebook.db"


# Programs the tests run as separate processes, not test files.
collect_ignore = ["pytorch_scripts"]
