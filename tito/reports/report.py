"""`tito report`: per-student, per-test results of one module as CSV, a summary table and PNG plots.

Reads the gradebook (scores), the autograded notebooks (each failed test's error) and the list of submissions
that could not be graded, which `tito grade` keeps in `course/reports/<module>/not_graded.json`.
"""
from __future__ import annotations

import csv
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import TitoError
from ..grading.nbgrader_app import gradebook
from ..grading.records import autograded_outcomes, read, reports_dir
from ..notebooks import read_notebook
from ..outcome import NOT_GRADED, CellOutcome, outcomes
from ..table import points, render
from ..workspace import Module, Workspace


@dataclass
class Row:
    """One student's outcome on one test."""
    student: str
    outcome: CellOutcome


def collect(ws: Workspace, module: Module) -> list[Row]:
    release = ws.release_notebook(module)
    if not release.is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    tests = outcomes(read_notebook(release))  # the graded cells, in order, with their points
    not_graded = read(reports_dir(ws, module) / "not_graded.json")
    tampered = read(reports_dir(ws, module) / "tampering.json")
    with gradebook(ws) as gb:
        scores = {sub.student_id: {g.name: (g.score or 0.0) for nb in sub.notebooks for g in nb.grades
                                   if g.cell_type == "code"}
                  for sub in gb.assignment_submissions(module.assignment)}
    rows = []
    for student in sorted(set(scores) | set(not_graded)):
        found = {} if student in not_graded or student not in scores else {
            o.grade_id: o for o in autograded_outcomes(ws, module, student, scores[student], tampered.get(student, []))}
        for test in tests:
            outcome = found.get(test.grade_id) or CellOutcome(
                test.grade_id, test.max_points, NOT_GRADED, not_graded.get(student, "no autograded notebook"), points=0.0)
            rows.append(Row(student, outcome))
    if not rows:
        raise TitoError(f"nothing graded for {module.assignment}: run `tito grade {module.number}` first")
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "test", "score", "max_score", "status", "detail"])
        writer.writerows([r.student, r.outcome.grade_id, f"{r.outcome.earned:g}", f"{r.outcome.max_points:g}",
                          r.outcome.status, r.outcome.detail] for r in rows)


def totals(rows: list[Row]) -> dict[str, float]:
    by_student: dict[str, float] = {}
    for r in rows:
        by_student[r.student] = by_student.get(r.student, 0.0) + r.outcome.earned
    return by_student


def summary(module: Module, rows: list[Row]) -> str:
    scores = list(totals(rows).values())
    tests = list(dict.fromkeys(r.outcome.grade_id for r in rows))
    lines = [f"{module.assignment}: {len(scores)} students, mean {statistics.mean(scores):.1f}, "
             f"median {statistics.median(scores):g}, "
             f"max {points(sum(r.outcome.max_points for r in rows) / len(scores))}"]
    table = []
    for test in tests:
        mine = [r.outcome for r in rows if r.outcome.grade_id == test]
        failures = Counter(o.status for o in mine if not o.passed)
        table.append([test, points(mine[0].max_points), f"{statistics.mean(o.earned for o in mine):.2f}",
                      f"{sum(o.passed for o in mine) / len(mine):.0%}",
                      ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "-"])
    lines.append(render(["test", "points", "mean", "pass rate", "failures"], table))
    return "\n".join(lines)


def plots(module: Module, rows: list[Row], folder: Path) -> list[Path]:
    """Score distribution and per-test pass rates as PNG (Agg canvas: no display, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    scores = list(totals(rows).values())
    tests = list(dict.fromkeys(r.outcome.grade_id for r in rows))
    rates = [statistics.mean(r.outcome.passed for r in rows if r.outcome.grade_id == t) for t in tests]

    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.hist(scores, bins=10, range=(0, max(1.0, sum(r.outcome.max_points for r in rows) / len(scores))), edgecolor="black")
    ax.set(title=f"{module.assignment}: score distribution", xlabel="score", ylabel="students")
    fig.tight_layout()
    distribution = folder / "score_distribution.png"
    FigureCanvasAgg(fig).print_png(str(distribution))

    fig = Figure(figsize=(6, 0.4 * len(tests) + 1.5))
    ax = fig.add_subplot()
    ax.barh(tests[::-1], rates[::-1])
    ax.set(title=f"{module.assignment}: pass rate per test", xlabel="fraction of students", xlim=(0, 1))
    fig.tight_layout()
    pass_rates = folder / "pass_rates.png"
    FigureCanvasAgg(fig).print_png(str(pass_rates))
    return [distribution, pass_rates]


def write_report(ws: Workspace, module: Module) -> tuple[str, list[Path]]:
    ws.require_instructor("report")
    rows = collect(ws, module)
    folder = reports_dir(ws, module)
    write_csv(rows, folder / "results.csv")
    written = [folder / "results.csv"] + plots(module, rows, folder)
    return summary(module, rows), written
