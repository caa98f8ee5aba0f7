"""`tito samples`: demo submissions made from the sources, one per behaviour the autograder must handle.

All start from the nbgrader release notebook, as a student's would. The "complete" one fills every solution
cell with the reference code and every written answer with the model answer; the others break it in one known
way. The "victim" is the last solution cell.
"""
from __future__ import annotations

import shutil

import nbformat

from ..errors import TitoError
from ..markers import BEGIN_SOLUTION, END_SOLUTION, replace_regions, strip_markers
from ..grading.rubrics import rubric_of
from ..notebooks import answer_cells, graded_cells, nbgrader_meta, read_notebook, read_source, solution_cells
from ..workspace import Module, Workspace

SAMPLES = ("complete", "untouched", "edited-tests", "deleted-test", "infinite-loop", "invalid-json")


def student_id(kind: str) -> str:
    return f"sample-{kind}"


def _filled(release, source):
    """The release notebook with every solution cell holding the reference code (markers removed) and every
    written answer its model answer (which a person then grades)."""
    reference = {nbgrader_meta(c).get("grade_id"): c.source for c in solution_cells(source)}
    answers = {nbgrader_meta(c).get("grade_id"): rubric_of(c.source).model_answer for c in answer_cells(source)}
    nb = nbformat.from_dict(release)
    for cell in solution_cells(nb):
        cell.source = strip_markers(reference[nbgrader_meta(cell).get("grade_id")])
    for cell in answer_cells(nb):
        cell.source = answers[nbgrader_meta(cell).get("grade_id")]
    return nb


def victim_id(source) -> str:
    cells = solution_cells(source)
    if not cells:
        raise TitoError("samples need at least one solution cell")
    return nbgrader_meta(cells[-1]).get("grade_id")


def make_samples(ws: Workspace, module: Module) -> list[str]:
    ws.require_instructor("samples")
    release_path = ws.release_notebook(module)
    if not release_path.is_file():
        raise TitoError(f"no release notebook {release_path}: run `tito release {module.number}` first")
    release, source = read_notebook(release_path), read_source(module)
    victim = victim_id(source)
    victim_source = {nbgrader_meta(c).get("grade_id"): c.source for c in solution_cells(source)}[victim]

    def with_victim(nb, body):
        for cell in solution_cells(nb):
            if nbgrader_meta(cell).get("grade_id") == victim:
                cell.source = replace_regions(victim_source, BEGIN_SOLUTION, END_SOLUTION, body)
        return nb

    complete = _filled(release, source)
    edited = with_victim(_filled(release, source), ["# YOUR CODE HERE", "raise NotImplementedError()"])
    for cell in graded_cells(edited):
        cell.source = "pass"
    deleted = _filled(release, source)
    first_test = graded_cells(deleted)[0]
    deleted.cells = [c for c in deleted.cells if c is not first_test]
    looping = with_victim(_filled(release, source), ["while True:", "    pass"])
    made = {"complete": complete, "untouched": nbformat.from_dict(release), "edited-tests": edited,
            "deleted-test": deleted, "infinite-loop": looping}

    written = []
    for kind in SAMPLES:
        folder = ws.course_dir / "submitted" / student_id(kind) / module.assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        target = folder / module.notebook_name
        if kind == "invalid-json":
            text = nbformat.writes(complete)
            target.write_text(text[: len(text) // 2], encoding="utf-8")  # cut mid-file, as a crashed upload
        else:
            nbformat.write(made[kind], target)
        written.append(student_id(kind))
    return written
