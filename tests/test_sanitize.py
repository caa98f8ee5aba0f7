"""The repaired copy tito grades (tito/grading/sanitize.py): released cells put back where the release has them."""
from __future__ import annotations

import copy

import nbformat

from tito.grading.sanitize import repaired, tampering


def cell(kind: str, source: str, cid: str, **nbgrader):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    meta = {"nbgrader": dict(nbgrader, schema_version=3)} if nbgrader else {}
    return make(source, metadata=meta, id=cid)


def release():
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("code", "def f(): raise NotImplementedError()", "f", grade_id="f", solution=True, locked=False),
                cell("code", "def helper(): return 1", "given"),  # given code the test below uses
                cell("code", "assert helper() == f()", "test-f", grade_id="test-f", grade=True, locked=True, points=2),
                cell("markdown", "YOUR ANSWER HERE", "written-f", grade_id="written-f", grade=True, solution=True,
                     locked=False, points=3)]
    return nb


def test_a_deleted_test_comes_back_after_the_given_code_it_uses():
    submitted = copy.deepcopy(release())
    del submitted.cells[2]
    fixed = repaired(release(), submitted)
    assert [c.id for c in fixed.cells] == ["f", "given", "test-f", "written-f"]
    assert tampering(release(), submitted) == ["test-f deleted"]


def test_a_deleted_first_cell_comes_back_first():
    rel = release()
    rel.cells.insert(0, cell("code", "import numpy", "imports", grade_id="imports", locked=True))
    submitted = copy.deepcopy(rel)
    del submitted.cells[0]
    assert [c.id for c in repaired(rel, submitted).cells][:2] == ["imports", "f"]


def test_an_answer_made_code_is_text_again_and_reported():
    submitted = copy.deepcopy(release())
    submitted.cells[3] = cell("code", "import os", "written-f", grade_id="written-f", grade=True, solution=True,
                              locked=False, points=3)
    fixed = repaired(release(), submitted)
    assert fixed.cells[3].cell_type == "markdown" and fixed.cells[3].source == "import os"
    assert "outputs" not in fixed.cells[3]
    assert tampering(release(), submitted) == ["written-f turned into a code cell"]
    nbformat.validate(fixed)
