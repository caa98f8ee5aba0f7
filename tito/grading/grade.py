"""`tito grade`: autograde every submission of a module with nbgrader, on this machine or a Dask cluster.

A bad submission (unreadable, missing, crashing, looping) is reported with its reason and never stops the
batch. Before each student is graded, their old submission is removed from the gradebook: a failed re-grade
then leaves no score rather than an old one.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field, replace

from nbgrader.api import MissingEntry

from ..errors import TitoError
from .nbgrader_app import SANITIZED, failure_reason, gradebook, gradebook_turn, load_cells, nbgrader_api, releasing
from ..notebooks import read_notebook, write_notebook
from ..progress_bar import ProgressBar
from .execute_step import SandboxExecute
from .executors import workers
from .settings import task_template
from .tasks import execute
from . import manual_grades
from .sanitize import repaired, tampering
from . import reference
from ..sandbox.runner import clean_stale_scratch
from .records import (Journal, autograded_outcomes, read as read_record, read_sandbox_record, record_not_graded,
                      record_tampering, reports_dir)
from ..table import points, render
from ..workspace import Module, Workspace


@dataclass
class StudentResult:
    student: str
    score: float = 0.0  # tests and written answers
    max_score: float = 0.0
    written: float = 0.0  # the written answers' share of score and max_score (graded by a person)
    written_max: float = 0.0
    waiting: int = 0  # written answers nobody has graded yet
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
    """What nbgrader grades: the repaired and sanitized notebook (and the submission time) in course/sanitized/."""
    source = ws.course_dir / "submitted" / student / module.assignment
    target = ws.course_dir / SANITIZED / student / module.assignment
    if target.exists():
        shutil.rmtree(target)
    write_notebook(nb, target / module.notebook_name)
    if (source / "timestamp.txt").is_file():
        shutil.copy(source / "timestamp.txt", target / "timestamp.txt")


def _forget(ws: Workspace, module: Module, student: str) -> None:
    with gradebook(ws) as gb:
        try:
            gb.remove_submission(module.assignment, student)
        except MissingEntry:
            pass


def _read_scores(ws: Workspace, module: Module, result: StudentResult) -> None:
    with gradebook(ws) as gb:
        cells = load_cells(gb, module.assignment)  # noqa: F841 (held while the grades are read)
        submission = gb.find_submission(module.assignment, result.student)
        result.score, result.max_score = submission.score, submission.max_score
        grades = [g for nb in submission.notebooks for g in nb.grades]
        scores = {g.name: (g.score or 0.0) for g in grades if g.cell_type == "code"}
        result.written, result.written_max, result.waiting = manual_grades.written_share(grades)
    lost = [o for o in autograded_outcomes(ws, module, result.student, scores, result.tampered) if not o.passed]
    result.failures = [f"{o.grade_id}: {o.detail or 'no points'}" for o in sorted(lost, key=lambda o: o.grade_id)]
    record = read_sandbox_record(ws, module, result.student)
    result.notes += record["problems"]
    if record.get("isolation") == "limits only":
        result.notes.append("ran with limits only: the whole file system and every installed package visible, network not cut")


def max_points(ws: Workspace, module: Module) -> tuple[float, float]:
    """The module's points in all, and those of its written answers (graded by a person)."""
    with gradebook(ws) as gb:
        try:
            assignment = gb.find_assignment(module.assignment)
        except MissingEntry:
            return 0.0, 0.0
        written = sum(c.max_score for nb in assignment.notebooks for c in nb.grade_cells if c.cell_type == "markdown")
        return assignment.max_score, written


@dataclass
class Prepared:
    """A student's submission made ready by the coordinator: the notebook a worker runs, or why there is none."""
    result: StudentResult
    notebook: object = None  # the sanitized submission with the locked and hidden tests nbgrader puts back


def prepare(ws: Workspace, module: Module, student: str, api, most: tuple[float, float]) -> Prepared:
    """Forget the old score, read and repair the submission, and run nbgrader's sanitizing steps of autograde
    on the repaired copy: the result is staged for autograde (which then skips those steps) and is exactly
    what a worker runs."""
    result = StudentResult(student, max_score=most[0], written_max=most[1])
    manual_grades.keep(ws, module, student)  # what a person gave survives the removal
    _forget(ws, module, student)
    submitted, result.problem = _read_submission(ws, module, student)
    if result.problem:
        return Prepared(result)
    release = read_notebook(ws.release_notebook(module))
    result.tampered = tampering(release, submitted)
    result.notes += _submission_notes(ws, module, student, result.tampered)
    try:
        ready = sanitized_for_autograde(api, module, student, repaired(release, submitted))
    except Exception as e:
        result.problem = f"nbgrader could not grade it: {type(e).__name__}: {e}"
        return Prepared(result)
    _stage(ws, module, student, ready)
    return Prepared(result, ready)


def _submission_notes(ws: Workspace, module: Module, student: str, tampered: list[str]) -> list[str]:
    folder = ws.course_dir / "submitted" / student / module.assignment
    extra = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != module.notebook_name)
    notes = []
    if tampered:
        changed = ", ".join(tampered) if len(tampered) <= 2 else f"{len(tampered)} locked cells changed"
        notes.append(f"tampering: {changed} (restored for grading)")
    if extra:
        notes.append("ignored extra files: " + ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else ""))
    return notes


def recorded_result(ws: Workspace, module: Module, student: str, most: tuple[float, float]) -> StudentResult:
    """A student an interrupted run of the same batch already graded, as the gradebook and records hold it."""
    folder = reports_dir(ws, module)
    result = StudentResult(student, max_score=most[0], written_max=most[1],
                           problem=read_record(folder / "not_graded.json").get(student, ""),
                           tampered=read_record(folder / "tampering.json").get(student, []))
    if not result.problem:
        result.notes += _submission_notes(ws, module, student, result.tampered)
        _read_scores(ws, module, result)
    return result


def sanitized_for_autograde(api, module: Module, student: str, nb):
    """nbgrader's sanitizing steps of autograde (clear outputs, restore locked and hidden test cells from the
    gradebook, ...), as autograde runs them before its Execute step. They read the gradebook, never write it."""
    from traitlets.utils.importstring import import_item

    resources = {"nbgrader": {"student": student, "assignment": module.assignment, "db_url": api.coursedir.db_url,
                              "notebook": module.notebook_name.removesuffix(".ipynb")}}
    for step in api.config.TitoGrade.sanitize_steps:
        nb, resources = (import_item(step) if isinstance(step, str) else step)(config=api.config)(nb, resources)
    return nb


def judge(ws: Workspace, module: Module, prepared: Prepared, ran: dict | None, api) -> StudentResult:
    """nbgrader's autograde with the run a worker made (SandboxExecute checks it ran these very cells, else runs
    them here): the verdicts, then the scores into the gradebook. The coordinator alone calls this."""
    result = prepared.result
    if ran is not None:
        SandboxExecute.precomputed[(module.assignment, result.student)] = ran
    try:
        outcome = api.autograde(module.assignment, result.student, force=True, create=True)
    finally:
        SandboxExecute.precomputed.pop((module.assignment, result.student), None)
    if not outcome.get("success"):
        result.problem = "nbgrader could not grade it: " + failure_reason(outcome)
        _forget(ws, module, result.student)
        return result
    manual_grades.restore(ws, module, result.student)
    _read_scores(ws, module, result)
    return result


def grade_one(ws: Workspace, module: Module, student: str, api) -> StudentResult:
    """One student, start to end, in this process."""
    prepared = prepare(ws, module, student, api, max_points(ws, module))
    return prepared.result if prepared.result.problem else judge(ws, module, prepared, None, api)


def _crashed(student: str, e: Exception) -> StudentResult:
    return StudentResult(student, problem=f"grading crashed: {type(e).__name__}: {e}")


@contextmanager
def _student_turn(ws: Workspace, module: Module, student: str):
    """Another grader of this student (or a release of the module), on this machine or another sharing the
    gradebook, waits its turn while this coordinator writes the student's rows."""
    with releasing(ws, module.assignment, alone=False), gradebook_turn(ws, module.assignment, student):
        yield


def grade(ws: Workspace, module: Module, students: list[str] | None, timeout: int | None, jobs: int = 1,
          cluster: str | None = None, scheduler: str | None = None) -> list[StudentResult]:
    """Grade every submission; results in name order. This process (the coordinator) prepares each notebook,
    hands its run to the workers (this process, `jobs` processes, or Dask), judges what comes back and is the
    only writer of the gradebook and the records. A few tasks are in flight at a time, so a killed batch has
    lost only those; run again, it resumes (tito/grading/records.py, Journal) and ends as an uninterrupted run."""
    ws.require_instructor("grade")
    if not ws.release_notebook(module).is_file():
        raise TitoError(f"{module.assignment} is not released yet: run `tito release {module.number}` first")
    chosen = submissions(ws, module, students)
    clean_stale_scratch()
    reference.prepare(ws, module)  # what every submission is compared with, made once before any runs
    api = nbgrader_api(ws, timeout, grading=True)
    most = max_points(ws, module)
    template = task_template(ws, module, reference.sandbox_dir(ws, module) / "lib", api.config)
    results: dict[str, StudentResult] = {}

    journal = Journal(reports_dir(ws, module) / "unfinished_batch.txt", {"students": chosen, "timeout": timeout})
    for student in sorted(journal.finished & set(chosen)):
        try:
            results[student] = recorded_result(ws, module, student, most)
        except MissingEntry:  # the gradebook lost it since: grade it again
            pass

    def done(result: StudentResult) -> None:
        record_not_graded(ws, module, result.student, result.problem)
        record_tampering(ws, module, result.student, result.tampered)
        journal.add(result.student)
        results[result.student] = result
        bar.advance()

    waiting = iter([s for s in chosen if s not in results])
    in_flight: dict = {}  # future -> Prepared
    bar = ProgressBar(len(chosen) - len(results), f"grading {module.assignment}")  # shown on a terminal only
    with bar, workers(jobs, cluster, scheduler) as found:
        while True:
            while len(in_flight) < found.capacity() and (student := next(waiting, None)) is not None:
                try:
                    with _student_turn(ws, module, student):
                        prepared = prepare(ws, module, student, api, most)
                except Exception as e:
                    done(_crashed(student, e))
                    continue
                if prepared.result.problem:
                    done(prepared.result)
                    continue
                task = replace(template, student=student, notebook=prepared.notebook)
                in_flight[found.pool.submit(execute, task)] = prepared
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                prepared = in_flight.pop(future)
                try:
                    with _student_turn(ws, module, prepared.result.student):
                        judged = judge(ws, module, prepared, future.result(), api)
                    done(judged)
                except Exception as e:
                    done(_crashed(prepared.result.student, e))
    journal.close()
    return [results[s] for s in chosen]


def written_status(r: StudentResult) -> str:
    """The written answers' share: "4/6", with how many still wait for a person ("0/6, 3 waiting")."""
    if not r.written_max:
        return "-"
    return f"{points(r.written)}/{points(r.written_max)}" + (f", {r.waiting} waiting" if r.waiting else "")


def results_table(module: Module, results: list[StudentResult]) -> str:
    rows = [[r.student, f"{points(r.score - r.written)}/{points(r.max_score - r.written_max)}",
             "-" if r.problem else written_status(r), "not graded" if r.problem else "graded",
             r.problem or "; ".join(r.notes + r.failures) or "-"] for r in results]
    return f"{module.assignment}: {len(results)} submissions\n" + render(
        ["student", "tests", "written", "status", "reason / lost points"], rows, max_width=110)
