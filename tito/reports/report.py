"""`tito report`: per-student, per-test results of one module as CSV, a summary table and PNG plots.

Reads the gradebook (scores), the autograded notebooks (each failed test's error) and the list of submissions
that could not be graded, which `tito grade` keeps in `course/reports/<module>/not_graded.json`.
"""
from __future__ import annotations

import csv
import json
import os
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import TitoError
from ..grading.nbgrader_app import gradebook
from ..grading.records import autograded_errors, read, reports_dir
from ..notebooks import graded_cells, nbgrader_meta, read_notebook
from ..table import points, render
from ..workspace import Module, Workspace


@dataclass
class TestRow:
    student: str
    test: str
    score: float
    max_score: float
    status: str  # pass, partial, fail, not graded
    reason: str  # why points were lost: timeout, limit, error, or why the submission was not graded
    detail: str  # the first line of the error


def classify(error: str, tampered: bool = False) -> str:
    """The failure reason the summary counts: tampering, timeout, limit, crash, wrong result or error."""
    if not error:
        return ""
    if tampered:
        return "tampering"
    if error.startswith("timeout") or "ignored the interrupt" in error:
        return "timeout"
    if "limit:" in error or error.startswith(("MemoryError", "_ArrayMemoryError")):
        return "limit"
    if error.startswith(("KernelDied", "NotRun")):
        return "crash"
    return "wrong result" if error.startswith("CheckFailed") else "error"


def collect(ws: Workspace, module: Module) -> list[TestRow]:
    release = ws.release_notebook(module)
    if not release.is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    tests = [(nbgrader_meta(c)["grade_id"], float(nbgrader_meta(c).get("points", 0))) for c in graded_cells(read_notebook(release))]
    not_graded = read(reports_dir(ws, module) / "not_graded.json")
    tampered = read(reports_dir(ws, module) / "tampering.json")
    rows = []
    with gradebook(ws) as gb:
        scores = {}
        for sub in gb.assignment_submissions(module.assignment):
            scores[sub.student_id] = {g.name: (g.score or 0.0) for nb in sub.notebooks for g in nb.grades
                                      if g.cell_type == "code"}
    for student in sorted(set(scores) | set(not_graded)):
        if student in not_graded or student not in scores:
            rows += [TestRow(student, t, 0.0, mx, "not graded", "not graded", not_graded.get(student, "")) for t, mx in tests]
            continue
        errors = autograded_errors(ws, module, student)
        for test, max_score in tests:
            score = scores[student].get(test, 0.0)
            status = "pass" if score >= max_score else "partial" if score > 0 else "fail"
            error = (errors.get(test, "") or "no points") if status != "pass" else ""
            touched = any(change.split()[0] == test for change in tampered.get(student, []))
            rows.append(TestRow(student, test, score, max_score, status, classify(error, touched), error))
    if not rows:
        raise TitoError(f"nothing graded for {module.assignment}: run `tito grade {module.number}` first")
    return rows


def write_csv(rows: list[TestRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "test", "score", "max_score", "status", "reason", "detail"])
        writer.writerows([r.student, r.test, f"{r.score:g}", f"{r.max_score:g}", r.status, r.reason, r.detail] for r in rows)


def totals(rows: list[TestRow]) -> dict[str, float]:
    by_student: dict[str, float] = {}
    for r in rows:
        by_student[r.student] = by_student.get(r.student, 0.0) + r.score
    return by_student


def summary(module: Module, rows: list[TestRow]) -> str:
    scores = list(totals(rows).values())
    tests = list(dict.fromkeys(r.test for r in rows))
    lines = [f"{module.assignment}: {len(scores)} students, mean {statistics.mean(scores):.1f}, "
             f"median {statistics.median(scores):g}, max {points(sum(r.max_score for r in rows) / len(scores))}"]
    table = []
    for test in tests:
        mine = [r for r in rows if r.test == test]
        reasons = Counter(r.reason for r in mine if r.reason)
        table.append([test, points(mine[0].max_score), f"{statistics.mean(r.score for r in mine):.2f}",
                      f"{sum(r.status == 'pass' for r in mine) / len(mine):.0%}",
                      ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "-"])
    lines.append(render(["test", "points", "mean", "pass rate", "failures"], table))
    return "\n".join(lines)


def plots(module: Module, rows: list[TestRow], folder: Path) -> list[Path]:
    """Score distribution and per-test pass rates as PNG (Agg canvas: no display, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    scores = list(totals(rows).values())
    tests = list(dict.fromkeys(r.test for r in rows))
    rates = [sum(r.status == "pass" for r in rows if r.test == t) / sum(r.test == t for r in rows) for t in tests]

    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.hist(scores, bins=10, range=(0, max(1.0, sum(r.max_score for r in rows) / len(scores))), edgecolor="black")
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
