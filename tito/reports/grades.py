"""`tito grades`: the gradebook as a table (student by assignment) and as CSV, the autograded tests and the
written answers (graded by a person) apart and in the total."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..grading.manual_grades import written_share
from ..grading.nbgrader_app import gradebook
from ..table import points, render
from ..workspace import Workspace


@dataclass(frozen=True)
class Marks:
    student: str
    assignment: str
    tests: float
    tests_max: float
    written: float
    written_max: float
    waiting: int  # written answers nobody has graded yet

    @property
    def score(self) -> float:
        return self.tests + self.written

    @property
    def max_score(self) -> float:
        return self.tests_max + self.written_max

    def __str__(self) -> str:
        shown = f"{points(self.score)}/{points(self.max_score)}"
        if self.written_max:
            shown += f" (tests {points(self.tests)}, written {points(self.written)}" + \
                     (f", {self.waiting} waiting)" if self.waiting else ")")
        return shown


def collect(ws: Workspace) -> tuple[list[str], list[Marks]]:
    """Assignment names and the marks of every graded submission."""
    rows = []
    with gradebook(ws) as gb:
        assignments = sorted(a.name for a in gb.assignments)
        for assignment in assignments:
            for sub in gb.assignment_submissions(assignment):
                grades = [g for nb in sub.notebooks for g in nb.grades]
                tests = [g for g in grades if g.cell_type == "code"]
                rows.append(Marks(sub.student_id, assignment, sum(g.score or 0.0 for g in tests),
                                  sum(g.max_score for g in tests), *written_share(grades)))
    return assignments, sorted(rows, key=lambda m: (m.student, m.assignment))


def table(ws: Workspace) -> str:
    assignments, rows = collect(ws)
    by_student: dict[str, dict[str, str]] = {}
    for m in rows:
        by_student.setdefault(m.student, {})[m.assignment] = str(m)
    body = [[s] + [marks.get(a, "-") for a in assignments] for s, marks in sorted(by_student.items())]
    return render(["student"] + assignments, body)


def write_csv(ws: Workspace, path: Path) -> int:
    _, rows = collect(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score", "tests", "tests_max", "written",
                         "written_max", "written_waiting"])
        writer.writerows((m.student, m.assignment, f"{m.score:g}", f"{m.max_score:g}", f"{m.tests:g}",
                          f"{m.tests_max:g}", f"{m.written:g}", f"{m.written_max:g}", m.waiting) for m in rows)
    return len(rows)
