"""`tito test`: run a module's notebook headless and print one row per graded test.

Instructor repo: the full source (every test should pass). Student bundle: the student's own notebook, after
checking that the package has every earlier module finished (the notebook imports them).
"""
from __future__ import annotations

from .execute import run_notebook
from .export import module_notebook
from .outcome import outcomes
from .progress import earlier_modules, require_finished
from .table import points, render
from .workspace import Module, Workspace


def test_module(ws: Workspace, module: Module, timeout: int, verbose: bool = False) -> tuple[str, bool]:
    require_finished(ws, earlier_modules(ws, module), f"module {module.number} ({module.name})")
    nb = run_notebook(module_notebook(ws, module), module.path.parent, ws.root, timeout)
    results = outcomes(nb)
    rows = [[r.grade_id, points(r.max_points), "pass" if r.passed else "FAIL", r.detail] for r in results]
    earned = sum(r.earned for r in results)
    total = sum(r.max_points for r in results)
    report = f"{module.assignment}: {points(earned)}/{points(total)} points\n" + render(
        ["test", "points", "result", "error"], rows)
    if verbose:
        report += "".join(f"\n\n--- {r.grade_id} ---\n{r.traceback}" for r in results if not r.passed)
    elif not all(r.passed for r in results):
        report += f"\n(`tito test {module.number} --verbose` shows each failing line and its case)"
    return report, all(r.passed for r in results) and bool(results)
