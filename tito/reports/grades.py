"""`tito grades`: the gradebook as a table (student by assignment) and as CSV."""
from __future__ import annotations

import csv
from pathlib import Path

from ..grading.nbgrader_app import gradebook
from ..table import points, render
from ..workspace import Workspace


def collect(ws: Workspace) -> tuple[list[str], list[tuple[str, str, float, float]]]:
    """Assignment names and (student, assignment, score, max_score) rows, for graded submissions only."""
    rows = []
    with gradebook(ws) as gb:
        assignments = sorted(a.name for a in gb.assignments)
        for assignment in assignments:
            for sub in gb.assignment_submissions(assignment):
                rows.append((sub.student_id, assignment, float(sub.score), float(sub.max_score)))
    return assignments, sorted(rows)


def table(ws: Workspace) -> str:
    assignments, rows = collect(ws)
    by_student: dict[str, dict[str, str]] = {}
    for student, assignment, score, max_score in rows:
        by_student.setdefault(student, {})[assignment] = f"{points(score)}/{points(max_score)}"
    body = [[s] + [marks.get(a, "-") for a in assignments] for s, marks in sorted(by_student.items())]
    return render(["student"] + assignments, body)


def write_csv(ws: Workspace, path: Path) -> int:
    _, rows = collect(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score"])
        writer.writerows((s, a, f"{sc:g}", f"{mx:g}") for s, a, sc, mx in rows)
    return len(rows)
