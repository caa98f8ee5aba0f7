"""`tito grade`: autograde every submission of a module with nbgrader, one student at a time.

A bad submission (unreadable, missing, crashing, looping) is reported with its reason and never stops the
batch. Before each student is graded, their old submission is removed from the gradebook: a failed re-grade
then leaves no score rather than an old one.
"""
from __future__ import annotations

import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ..errors import TitoError
from .nbgrader_app import SANITIZED, failure_reason, gradebook, gradebook_turn, nbgrader_api, releasing
from ..notebooks import read_notebook, write_notebook
from ..progress_bar import ProgressBar
from .sanitize import repaired, tampering
from . import reference
from ..sandbox.runner import clean_stale_scratch
from .records import autograded_outcomes, read_sandbox_record, record_not_graded, record_tampering
from ..table import points, render
from ..workspace import Module, Workspace


@dataclass
class StudentResult:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    problem: str = ""  # why the submission could not be graded; empty when it was
    failures: list[str] = field(default_factory=list)  # "grade_id: reason" for each test that lost points
    notes: list[str] = field(default_factory=list)  # things the grader ignored, e.g. extra files
    tampered: list[str] = field(default_factory=list)  # locked cells the submission changed: "test-x edited"


def submissions(ws: Workspace, module: Module, students: list[str] | None) -> list[str]:
    root = ws.course_dir / "submitted"
    found = sorted(p.parent.name for p in root.glob(f"*/{module.assignment}") if p.is_dir()) if root.is_dir() else []
    if students:
        missing = [s for s in students if s not in found]
        if missing:
            raise TitoError(f"no submission of {module.assignment} for {', '.join(missing)} in {root}")
        return students
    if not found:
        raise TitoError(f"no submissions in {root}/*/{module.assignment}")
    return found


def _read_submission(ws: Workspace, module: Module, student: str):
    """(the submitted notebook, "") or (None, why it cannot be graded): what nbgrader would report obscurely."""
    folder = ws.course_dir / "submitted" / student / module.assignment
    notebook = folder / module.notebook_name
    if not notebook.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        return None, f"missing notebook {module.notebook_name}" + (f" (found: {', '.join(others)})" if others else "")
    try:
        return read_notebook(notebook), ""
    except TitoError as e:
        return None, str(e).replace(str(ws.root) + "/", "")


def _stage(ws: Workspace, module: Module, student: str, nb) -> None:
    """What nbgrader grades: the repaired notebook (and the submission time) in course/sanitized/, alone."""
    source = ws.course_dir / "submitted" / student / module.assignment
    target = ws.course_dir / SANITIZED / student / module.assignment
    if target.exists():
        shutil.rmtree(target)
    write_notebook(nb, target / module.notebook_name)
    if (source / "timestamp.txt").is_file():
        shutil.copy(source / "timestamp.txt", target / "timestamp.txt")


def _forget(ws: Workspace, module: Module, student: str) -> None:
    from nbgrader.api import MissingEntry

    with gradebook(ws) as gb:
        try:
            gb.remove_submission(module.assignment, student)
        except MissingEntry:
            pass


def _read_scores(ws: Workspace, module: Module, result: StudentResult) -> None:
    with gradebook(ws) as gb:
        submission = gb.find_submission(module.assignment, result.student)
        result.score, result.max_score = submission.score, submission.max_score
        scores = {g.name: (g.score or 0.0) for nb in submission.notebooks for g in nb.grades if g.cell_type == "code"}
    lost = [o for o in autograded_outcomes(ws, module, result.student, scores, result.tampered) if not o.passed]
    result.failures = [f"{o.grade_id}: {o.detail or 'no points'}" for o in sorted(lost, key=lambda o: o.grade_id)]
    record = read_sandbox_record(ws, module, result.student)
    result.notes += record["problems"]
    if record.get("isolation") == "limits only":
        result.notes.append("ran with limits only: the whole file system and every installed package visible, network not cut")


def max_points(ws: Workspace, module: Module) -> float:
    from nbgrader.api import MissingEntry

    with gradebook(ws) as gb:
        try:
            return gb.find_assignment(module.assignment).max_score
        except MissingEntry:
            return 0.0


def grade_one(ws: Workspace, module: Module, student: str, api) -> StudentResult:
    result = StudentResult(student, max_score=max_points(ws, module))
    _forget(ws, module, student)
    submitted, result.problem = _read_submission(ws, module, student)
    if result.problem:
        return result
    folder = ws.course_dir / "submitted" / student / module.assignment
    extra = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != module.notebook_name)
    release = read_notebook(ws.release_notebook(module))
    result.tampered = tampering(release, submitted)
    _stage(ws, module, student, repaired(release, submitted))
    if result.tampered:
        changed = ", ".join(result.tampered) if len(result.tampered) <= 2 else f"{len(result.tampered)} locked cells changed"
        result.notes.append(f"tampering: {changed} (restored for grading)")
    if extra:
        result.notes.append("ignored extra files: " + ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))
    outcome = api.autograde(module.assignment, student, force=True, create=True)
    if not outcome.get("success"):
        result.problem = "nbgrader could not grade it: " + failure_reason(outcome)
        _forget(ws, module, student)
        return result
    _read_scores(ws, module, result)
    return result


_WORKER_API = {}  # one NbGraderAPI per worker process, made on first use


def _grade_safely(ws: Workspace, module: Module, student: str, timeout: int | None) -> StudentResult:
    """Grade one student; any exception becomes that student's reason: the batch never stops."""
    try:
        api = _WORKER_API.get(timeout) or _WORKER_API.setdefault(timeout, nbgrader_api(ws, timeout, grading=True))
        # another grader of this student (or a release of the module) waits its turn
        with releasing(ws, module.assignment, alone=False), gradebook_turn(ws, module.assignment, student):
            return grade_one(ws, module, student, api)
    except Exception as e:
        return StudentResult(student, problem=f"grading crashed: {type(e).__name__}: {e}")


def grade(ws: Workspace, module: Module, students: list[str] | None, timeout: int | None,
          jobs: int = 1) -> list[StudentResult]:
    """Grade every submission, `jobs` at a time (each in its own process and kernel); results in name order."""
    ws.require_instructor("grade")
    if not ws.release_notebook(module).is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    chosen = submissions(ws, module, students)
    max_points(ws, module)  # creates the gradebook once, before workers race to do it
    clean_stale_scratch()
    reference.prepare(ws, module)  # what every submission is compared with, made once before any runs
    with ProgressBar(len(chosen), f"grading {module.assignment}") as bar:  # on a terminal only
        if jobs <= 1:
            results = list(bar.track(_grade_safely(ws, module, s, timeout) for s in chosen))
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                arriving = pool.map(_grade_safely, *zip(*[(ws, module, s, timeout) for s in chosen]))
                results = list(bar.track(arriving))
    for result in results:  # one writer for the shared record of ungradable submissions
        record_not_graded(ws, module, result.student, result.problem)
        record_tampering(ws, module, result.student, result.tampered)
    return results


def results_table(module: Module, results: list[StudentResult]) -> str:
    rows = [[r.student, f"{points(r.score)}/{points(r.max_score)}", "not graded" if r.problem else "graded",
             r.problem or "; ".join(r.notes + r.failures) or "-"] for r in results]
    return f"{module.assignment}: {len(results)} submissions\n" + render(
        ["student", "score", "status", "reason / lost points"], rows, max_width=110)
