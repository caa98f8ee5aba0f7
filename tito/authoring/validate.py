"""`tito validate`: the integrity gate.

A graded test is sound when (1) the full source passes it, (2) the student version (solutions stubbed, hidden
tests removed) fails it, and (3) stubbing a single solution cell, the rest left complete, makes it fail for at
least one solution cell: the test checks some student code of its own, not only a stub elsewhere; and (4) its
hidden part observes (tito.check.observe) at least one number or array, the same on two runs of the solution in
the grading sandbox: the grader's verdict then rests on values student code must really compute.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..errors import TitoError
from ..execute import run_notebook
from ..outcome import outcomes
from ..markers import remove_hidden_tests, stub_answer, stub_solutions
from ..notebooks import answer_cells, nbgrader_meta, read_source, solution_cells
from ..progress_bar import ProgressBar
from ..grading.reference import observe_solution
from ..table import points, render
from ..grading.verdict import cell_verdict
from ..workspace import Module, Workspace


@dataclass
class TestVerdict:
    grade_id: str
    points: float
    source_error: str = ""
    student_passes: bool = False
    caught_by: list[str] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    sandbox_problem: str = ""  # the solution could not run in the grading sandbox, or observed other values twice

    @property
    def problems(self) -> list[str]:
        found = []
        if self.source_error:
            found.append(f"fails on the full source: {self.source_error}")
        if self.student_passes:
            found.append("passes on the student version (the stubs)")
        if not self.caught_by:
            found.append("no single stubbed solution makes it fail")
        if self.sandbox_problem:  # first: when the solution could not run there, nothing was observed either
            found.append(self.sandbox_problem)
        elif not any(_has_number(o["value"]) for o in self.observations):
            found.append("observes no number or array in its hidden part (its verdict could be forged)")
        return found


def _has_number(encoded: dict) -> bool:
    """Does an observed value hold a number or an array anywhere (not only flags and names)?"""
    if encoded.get("t") in ("array", "float", "int"):
        return True
    return encoded.get("t") in ("tuple", "list") and any(_has_number(item) for item in encoded["v"])


def student_version(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = remove_hidden_tests(stub_solutions(cell.source))
    for cell in answer_cells(nb):
        cell.source = stub_answer(cell.source)
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

    bar = ProgressBar(len(variants) + 2, f"validate {module.assignment}")  # on a terminal only

    def run(nb):
        results = outcomes(run_notebook(nb, module.path.parent, ws.root, timeout))
        bar.advance()
        return {r.grade_id: r for r in results}

    def observe(_):
        with tempfile.TemporaryDirectory() as lib:
            try:
                return observe_solution(ws, module, Path(lib))
            except TitoError as e:
                return str(e)
            finally:
                bar.advance()

    # Each variant runs in its own kernel process, so they can run side by side.
    with bar, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        observed = pool.map(observe, range(2))
        full, student, *single = pool.map(run, variants)
        first, second = observed
    verdicts = {gid: TestVerdict(gid, r.max_points, source_error=r.detail) for gid, r in full.items()}
    for gid, verdict in verdicts.items():
        if isinstance(first, str) or isinstance(second, str):
            verdict.sandbox_problem = first if isinstance(first, str) else second
            continue
        verdict.observations = first.get(gid, [])
        differs = cell_verdict(first.get(gid, []), second.get(gid, []))
        verdict.sandbox_problem = f"not reproducible: {differs}" if differs else ""
    for gid, r in student.items():
        verdicts[gid].student_passes = r.passed
    for sid, results in zip(stubbed, single):
        for gid, r in results.items():
            if not r.passed:
                verdicts[gid].caught_by.append(sid)
    rows = [[v.grade_id, points(v.points), "FAIL" if v.source_error else "pass",
             "PASSES" if v.student_passes else "fails", ", ".join(v.caught_by) or "-", str(len(v.observations)),
             "; ".join(v.problems) or "ok"] for v in verdicts.values()]
    ok = bool(verdicts) and all(not v.problems for v in verdicts.values())
    total = sum(v.points for v in verdicts.values())
    head = f"{module.assignment}: {len(verdicts)} graded tests, {points(total)} points: {'ok' if ok else 'FAILED'}"
    if not verdicts:
        head += " (no graded tests)"
    asked = answer_cells(source)
    if asked:
        head += (f"; and {len(asked)} written questions, "
                 f"{points(sum(nbgrader_meta(c).get('points') or 0 for c in asked))} points, graded by a person")
    return head + "\n" + render(["test", "points", "source", "student", "fails when stubbed", "observes", "verdict"],
                                 rows), ok
