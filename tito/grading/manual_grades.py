"""Scores and comments that a person gives: kept when a submission is graded again, and moved in and out of
the gradebook as CSV for courses that grade written answers outside nbgrader's formgrader.

Grading a submission again removes it from the gradebook first (tito/grading/grade.py), so what a person gave
is saved in `course/reports/<module>/manual_grades.json` before that and written back once the new autograde
has succeeded; a grader killed in between finds it there on the next run. A written answer whose text changed
since it was graded keeps its score but is marked as needing a manual grade again; a test's manual override is
always marked for review, as nbgrader does.
"""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import MissingEntry

from ..errors import TitoError
from ..notebooks import answer_cells, nbgrader_meta, read_notebook, read_source
from ..workspace import Module, Workspace
from .nbgrader_app import gradebook, gradebook_turn, load_cells
from .records import read, remember, reports_dir
from .rubrics import RubricError, rubric_of

COLUMNS = ("student", "question", "points", "score", "comment", "answer", "rubric")


def written_share(grades) -> tuple[float, float, int]:
    """Of a submission's gradebook grades, the written answers' (score, max_score, how many wait for a person)."""
    written = [g for g in grades if g.cell_type == "markdown"]
    return (sum(g.score or 0.0 for g in written), sum(g.max_score for g in written),
            sum(bool(g.needs_manual_grade) for g in written))


def _record(ws: Workspace, module: Module) -> Path:
    return reports_dir(ws, module) / "manual_grades.json"


def _answers(path: Path) -> dict[str, str]:
    """grade_id -> the text of each written answer in a notebook (empty when there is no notebook)."""
    if not path.is_file():
        return {}
    try:
        nb = read_notebook(path)
    except TitoError:
        return {}
    return {nbgrader_meta(c).get("grade_id"): c.source for c in answer_cells(nb)}


def keep(ws: Workspace, module: Module, student: str) -> None:
    """Save the scores and comments a person gave this submission (with the answers they were given for),
    before the submission is removed from the gradebook to be graded again."""
    pending = read(_record(ws, module)).get(student, {})  # saved by a run killed before it wrote them back
    found = {}
    with gradebook(ws) as gb:
        try:
            submission = gb.find_submission(module.assignment, student)
        except MissingEntry:
            submission = None
        cells = load_cells(gb, module.assignment) if submission else []  # noqa: F841 (held while read)
        for notebook in submission.notebooks if submission else []:
            comments = {c.name: c.manual_comment for c in notebook.comments if c.manual_comment}
            for grade in notebook.grades:
                if grade.manual_score is not None or grade.extra_credit or grade.name in comments:
                    found[grade.name] = {"notebook": notebook.name, "manual_score": grade.manual_score,
                                         "extra_credit": grade.extra_credit, "comment": comments.get(grade.name),
                                         "written": grade.cell_type == "markdown"}
    if found:  # the answers they were given for (the notebook is read only when there is something to keep)
        answers = _answers(ws.autograded_notebook(module, student))
        for name, given in found.items():
            given["answer"] = answers.get(name)
    if found or pending:
        remember(_record(ws, module), student, {**pending, **found})


def restore(ws: Workspace, module: Module, student: str) -> None:
    """Write the saved scores and comments back after a successful autograde, then forget the saved copy."""
    saved = read(_record(ws, module)).get(student)
    if not saved:
        return
    answers = _answers(ws.autograded_notebook(module, student))
    with gradebook(ws) as gb:
        for gid, given in saved.items():
            try:
                grade = gb.find_grade(gid, given["notebook"], module.assignment, student)
            except MissingEntry:
                continue  # the question is gone from the module: nothing to give back
            grade.manual_score, grade.extra_credit = given["manual_score"], given["extra_credit"]
            changed = given["written"] and answers.get(gid) != given["answer"]
            grade.needs_manual_grade = grade.manual_score is None or changed or not given["written"]
            if given["comment"]:
                try:
                    gb.find_comment(gid, given["notebook"], module.assignment, student).manual_comment = given["comment"]
                except MissingEntry:
                    pass
        gb.db.commit()
    remember(_record(ws, module), student, None)


def questions(ws: Workspace, module: Module) -> dict[str, tuple[float, str]]:
    """grade_id -> (points, rubric text) of each written question in the module's source."""
    found = {}
    for cell in answer_cells(read_source(module)):
        try:
            rubric = str(rubric_of(cell.source))
        except RubricError as e:
            rubric = f"(no rubric: {e})"
        found[nbgrader_meta(cell)["grade_id"]] = (float(nbgrader_meta(cell).get("points") or 0), rubric)
    return found


def export_answers(ws: Workspace, module: Module, path: Path) -> int:
    """One CSV row per graded submission and written question: the answer, the rubric, and the score and
    comment given so far (empty until someone grades it). Returns the number of rows."""
    asked = questions(ws, module)
    rows = []
    with gradebook(ws) as gb:
        for submission in sorted(gb.assignment_submissions(module.assignment), key=lambda s: s.student_id):
            answers = _answers(ws.autograded_notebook(module, submission.student_id))
            for notebook in submission.notebooks:
                comments = {c.name: c.manual_comment or "" for c in notebook.comments}
                for grade in notebook.grades:
                    if grade.name in asked:
                        score = "" if grade.manual_score is None else f"{grade.manual_score:g}"
                        rows.append([submission.student_id, grade.name, f"{asked[grade.name][0]:g}", score,
                                     comments.get(grade.name, ""), answers.get(grade.name, ""), asked[grade.name][1]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in ("student", "question", "score") if c not in (reader.fieldnames or [])]
            if missing:
                raise TitoError(f"{path}: the first line must name the columns; missing: {', '.join(missing)} "
                                f"(`tito written MODULE --export FILE` writes a file to fill in)")
            return [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise TitoError(f"{path}: cannot read it as CSV: {e}") from e


def import_grades(ws: Workspace, module: Module, path: Path) -> int:
    """Write the scores and comments of a CSV (student, question, score[, comment]) into the gradebook. Every
    row is checked first; one bad row stops the import before anything is written, naming its line. A row
    with an empty score and no comment is skipped (not graded yet). Returns the number of answers written."""
    asked = questions(ws, module)
    problems, wanted = [], []
    with gradebook(ws) as gb:
        graded = {s.student_id for s in gb.assignment_submissions(module.assignment)}
    for line, row in _read_rows(path):
        student, question = (row.get("student") or "").strip(), (row.get("question") or "").strip()
        score_text, comment = (row.get("score") or "").strip(), (row.get("comment") or "").strip()
        where = f"{path}:{line}"
        if not score_text and not comment:
            continue
        if student not in graded:
            problems.append(f"{where}: {student!r} has no graded submission of {module.assignment}")
            continue
        if question not in asked:
            problems.append(f"{where}: {question!r} is not a written question of {module.assignment} "
                            f"(its questions: {', '.join(asked) or 'none'})")
            continue
        score = None
        if score_text:
            try:
                score = float(score_text)
            except ValueError:
                problems.append(f"{where}: score {score_text!r} is not a number")
                continue
            if not 0 <= score <= asked[question][0]:
                problems.append(f"{where}: score {score:g} is outside 0..{asked[question][0]:g} for {question}")
                continue
        wanted.append((student, question, score, comment))
    if problems:
        raise TitoError("nothing imported:\n  " + "\n  ".join(problems))
    for student in sorted({w[0] for w in wanted}):
        with gradebook_turn(ws, module.assignment, student), gradebook(ws) as gb:
            for _, question, score, comment in (w for w in wanted if w[0] == student):
                notebook = module.notebook_name.removesuffix(".ipynb")
                grade = gb.find_grade(question, notebook, module.assignment, student)
                if score is not None:
                    grade.manual_score, grade.needs_manual_grade = score, False
                if comment:
                    gb.find_comment(question, notebook, module.assignment, student).manual_comment = comment
            gb.db.commit()
    return len(wanted)
