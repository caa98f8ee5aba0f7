"""`tito test`: run a module's notebook headless and print one row per graded test.

Instructor repo: the full source (every test should pass). Student bundle: the student's own notebook.
"""
from __future__ import annotations

from .execute import graded_results, run_notebook
from .export import module_notebook
from .table import points, render
from .workspace import Module, Workspace


def test_module(ws: Workspace, module: Module, timeout: int) -> tuple[str, bool]:
    nb = run_notebook(module_notebook(ws, module), module.path.parent, ws.root, timeout)
    results = graded_results(nb)
    rows = [[r.grade_id, points(r.points), "pass" if r.passed else "FAIL", r.error] for r in results]
    earned = sum(r.points for r in results if r.passed)
    total = sum(r.points for r in results)
    report = f"{module.assignment}: {points(earned)}/{points(total)} points\n" + render(
        ["test", "points", "result", "error"], rows)
    return report, all(r.passed for r in results) and bool(results)
