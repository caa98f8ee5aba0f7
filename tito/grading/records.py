"""What tito grade remembers beside the gradebook, per module and student: why a submission could not be
graded, which locked cells it changed, what the sandbox reported about the run, and (while a submission is
graded again) the scores a person gave it (tito/grading/manual_grades.py). tito grade (the coordinator)
is the only writer, taking turns with any other tito grade of the same course folder; tito report and tito
grades read them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..notebooks import read_notebook
from ..outcome import ERROR, TAMPERED, CellOutcome, outcomes
from ..workspace import Module, Workspace
from .file_lock import file_lock, lock_beside


def reports_dir(ws: Workspace, module: Module) -> Path:
    return ws.course_dir / "reports" / module.assignment


def record_not_graded(ws: Workspace, module: Module, student: str, problem: str) -> None:
    """Remember (or, with an empty problem, forget) why a student's submission could not be graded."""
    remember(reports_dir(ws, module) / "not_graded.json", student, problem)


def record_tampering(ws: Workspace, module: Module, student: str, changes: list[str]) -> None:
    """Remember which locked cells a student's submission changed ("test-x edited"), or forget it."""
    remember(reports_dir(ws, module) / "tampering.json", student, changes)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def remember(path: Path, student: str, value) -> None:
    with file_lock(lock_beside(path)):  # another grader of this course folder must not lose our entry, nor we its
        known = read(path)
        if value:
            known[student] = value
        else:
            known.pop(student, None)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(scratch, path)  # a killed run leaves the old file or the new one, never half of one


def autograded_outcomes(ws: Workspace, module: Module, student: str, scores: dict[str, float],
                        tampered: list[str] = ()) -> list[CellOutcome]:
    """What happened to each graded cell of the student's autograded notebook, with the gradebook's points
    (`scores`: grade_id -> points). A locked cell the submission changed is reported as tampering."""
    graded = ws.autograded_notebook(module, student)
    found = {o.grade_id: o for o in outcomes(read_notebook(graded))} if graded.is_file() else {}
    touched = {change.split()[0] for change in tampered}
    result = []
    for gid, outcome in found.items():
        outcome.points = scores.get(gid, 0.0)
        if outcome.points < outcome.max_points and outcome.passed:
            outcome.status, outcome.detail = ERROR, "no points"  # e.g. the cell was not in the gradebook
        if gid in touched and not outcome.passed:
            outcome.status = TAMPERED
        result.append(outcome)
    return result


def _sandbox_record(ws: Workspace, module: Module, student: str) -> Path:
    return ws.autograded_notebook(module, student).with_suffix(".sandbox.json")


def write_sandbox_record(ws: Workspace, module: Module, student: str, problems: list[str], isolation: str) -> None:
    """Beside the autograded notebook: what went wrong with the run as a whole, and how isolated it was."""
    path = _sandbox_record(ws, module, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"problems": problems, "isolation": isolation}), encoding="utf-8")


def read_sandbox_record(ws: Workspace, module: Module, student: str) -> dict:
    path = _sandbox_record(ws, module, student)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"problems": [], "isolation": "unknown"}


class Journal:
    """The students a batch has finished, one line each, so that a batch killed midway resumes where it stopped
    when it is run again with the same students and settings. Removed when the batch completes."""

    def __init__(self, path: Path, batch: dict):
        self.path, self.header = path, json.dumps(batch, sort_keys=True)
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        self.finished = set(lines[1:]) if lines[:1] == [self.header] else set()
        if not self.finished:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.header + "\n", encoding="utf-8")

    def add(self, student: str) -> None:
        with self.path.open("a", encoding="utf-8") as f:  # one short write: a kill leaves whole lines
            f.write(student + "\n")

    def close(self) -> None:
        self.path.unlink(missing_ok=True)
