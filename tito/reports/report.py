"""`tito report`: per-student, per-test results of one module as CSV, a summary table and PNG plots.

Reads the gradebook (scores, and the written answers' scores and comments from a person), the autograded
notebooks (each failed test's error) and the list of submissions that could not be graded, which `tito grade`
keeps in `course/reports/<module>/not_graded.json`. A written answer's row says whether a person graded it.
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
from ..notebooks import answer_cells, nbgrader_meta, read_notebook
from ..outcome import BY_A_PERSON, NOT_GRADED, UNANSWERED, WAITING, CellOutcome, outcomes
from ..table import points, render
from ..workspace import Module, Workspace


@dataclass
class Row:
    """One student's outcome on one test."""
    student: str
    outcome: CellOutcome
    written: bool = False  # a written answer graded by a person, not an autograded test


def written_status(grade) -> str:
    """A written answer's state: nbgrader scores an answer left as released 0 itself, with no person's score."""
    if grade.needs_manual_grade:
        return WAITING
    return BY_A_PERSON if grade.manual_score is not None else UNANSWERED


def collect(ws: Workspace, module: Module) -> list[Row]:
    release = ws.release_notebook(module)
    if not release.is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    released = read_notebook(release)
    tests = outcomes(released)  # the graded cells, in order, with their points
    questions = [(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c).get("points") or 0)) for c in answer_cells(released)]
    not_graded = read(reports_dir(ws, module) / "not_graded.json")
    tampered = read(reports_dir(ws, module) / "tampering.json")
    scores, written = {}, {}
    with gradebook(ws) as gb:
        for sub in gb.assignment_submissions(module.assignment):
            for nb in sub.notebooks:
                comments = {c.name: c.manual_comment or "" for c in nb.comments}
                for g in nb.grades:
                    if g.cell_type == "code":
                        scores.setdefault(sub.student_id, {})[g.name] = g.score or 0.0
                    else:
                        written.setdefault(sub.student_id, {})[g.name] = CellOutcome(
                            g.name, g.max_score, written_status(g), comments.get(g.name, ""), points=g.score or 0.0)
            scores.setdefault(sub.student_id, {})
    rows = []
    for student in sorted(set(scores) | set(not_graded)):
        found = {} if student in not_graded or student not in scores else {
            o.grade_id: o for o in autograded_outcomes(ws, module, student, scores[student], tampered.get(student, []))}
        found.update(written.get(student, {}))
        for gid, most in [(t.grade_id, t.max_points) for t in tests] + questions:
            outcome = found.get(gid) or CellOutcome(
                gid, most, NOT_GRADED, not_graded.get(student, "no autograded notebook"), points=0.0)
            rows.append(Row(student, outcome, written=gid in dict(questions)))
    if not rows:
        raise TitoError(f"nothing graded for {module.assignment}: run `tito grade {module.number}` first")
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "test", "kind", "score", "max_score", "status", "detail"])
        writer.writerows([r.student, r.outcome.grade_id, "written" if r.written else "test", f"{r.outcome.earned:g}",
                          f"{r.outcome.max_points:g}", r.outcome.status, r.outcome.detail] for r in rows)


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
    written = [r for r in rows if r.written]
    if written:
        waiting = sum(r.outcome.status == WAITING for r in written)
        lines[0] += (f"; of which written answers: mean {sum(r.outcome.earned for r in written) / len(scores):.1f} "
                     f"of {points(sum(r.outcome.max_points for r in written) / len(scores))}, {waiting} waiting for a person")
    table = []
    for test in tests:
        mine = [r for r in rows if r.outcome.grade_id == test]
        failures = Counter(r.outcome.status for r in mine if not r.outcome.passed)
        rate = "written" if mine[0].written else f"{sum(r.outcome.passed for r in mine) / len(mine):.0%}"
        table.append([test, points(mine[0].outcome.max_points), f"{statistics.mean(r.outcome.earned for r in mine):.2f}",
                      rate, ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "-"])
    lines.append(render(["test", "points", "mean", "pass rate", "failures"], table))
    return "\n".join(lines)


def plots(module: Module, rows: list[Row], folder: Path) -> list[Path]:
    """Score distribution and per-test pass rates as PNG (Agg canvas: no display, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    scores = list(totals(rows).values())
    tests = list(dict.fromkeys(r.outcome.grade_id for r in rows if not r.written))
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
