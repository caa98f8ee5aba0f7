"""`tito validate`: the integrity gate.

A graded test is sound when (1) the full source passes it, (2) the student version (solutions stubbed, hidden
tests removed) fails it, and (3) stubbing a single solution cell, the rest left complete, makes it fail for at
least one solution cell: the test checks some student code of its own, not only a stub elsewhere.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import nbformat

from .execute import graded_results, run_notebook
from .markers import remove_hidden_tests, stub_solutions
from .notebooks import nbgrader_meta, read_source, solution_cells
from .table import points, render
from .workspace import Module, Workspace


@dataclass
class TestVerdict:
    grade_id: str
    points: float
    source_error: str = ""
    student_passes: bool = False
    caught_by: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.source_error:
            found.append(f"fails on the full source: {self.source_error}")
        if self.student_passes:
            found.append("passes on the student version (the stubs)")
        if not self.caught_by:
            found.append("no single stubbed solution makes it fail")
        return found


def student_version(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = remove_hidden_tests(stub_solutions(cell.source))
    return nb


def with_one_stub(nb, grade_id: str):
    nb = nbformat.from_dict(nb)
    for cell in solution_cells(nb):
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = stub_solutions(cell.source)
    return nb


def validate_module(ws: Workspace, module: Module, timeout: int, jobs: int = 2) -> tuple[str, bool]:
    source = read_source(module)
    stubbed = [nbgrader_meta(cell).get("grade_id", "?") for cell in solution_cells(source)]
    variants = [source, student_version(source)] + [with_one_stub(source, sid) for sid in stubbed]

    def run(nb):
        return {r.grade_id: r for r in graded_results(run_notebook(nb, module.path.parent, ws.root, timeout))}

    # Each variant runs in its own kernel process, so they can run side by side.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        full, student, *single = pool.map(run, variants)
    verdicts = {gid: TestVerdict(gid, r.points, source_error=r.error) for gid, r in full.items()}
    for gid, r in student.items():
        verdicts[gid].student_passes = r.passed
    for sid, results in zip(stubbed, single):
        for gid, r in results.items():
            if not r.passed:
                verdicts[gid].caught_by.append(sid)
    rows = [[v.grade_id, points(v.points), "FAIL" if v.source_error else "pass",
             "PASSES" if v.student_passes else "fails", ", ".join(v.caught_by) or "-",
             "; ".join(v.problems) or "ok"] for v in verdicts.values()]
    ok = bool(verdicts) and all(not v.problems for v in verdicts.values())
    total = sum(v.points for v in verdicts.values())
    head = f"{module.assignment}: {len(verdicts)} graded tests, {points(total)} points: {'ok' if ok else 'FAILED'}"
    if not verdicts:
        head += " (no graded tests)"
    return head + "\n" + render(["test", "points", "source", "student", "fails when stubbed", "verdict"], rows), ok
