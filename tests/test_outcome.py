"""The one model of what happened to a graded cell (tito/outcome.py): status from the error's name, not its text."""
from __future__ import annotations

import nbformat
import pytest

from tito import outcome
from tito.outcome import CellOutcome, outcome_of, outcomes


def graded_cell(outputs, executed=True, points=3):
    cell = nbformat.v4.new_code_cell("test()")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test-x", "locked": True, "points": points,
                                 "schema_version": 3, "solution": False}
    cell.outputs = outputs
    cell.execution_count = 1 if executed else None
    return cell


def error(ename, evalue="", traceback=None):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback or [])


@pytest.mark.parametrize("ename, status", [
    ("CellTimeoutError", outcome.TIMEOUT), ("KeyboardInterrupt", outcome.TIMEOUT), ("KilledAfterTimeout", outcome.TIMEOUT),
    ("LimitExceeded", outcome.LIMIT), ("MemoryError", outcome.LIMIT), ("_ArrayMemoryError", outcome.LIMIT),
    ("KernelDied", outcome.CRASH), ("NotRun", outcome.CRASH), ("DeadKernelError", outcome.CRASH),
    ("CheckFailed", outcome.WRONG), ("AssertionError", outcome.ERROR), ("NotImplementedError", outcome.ERROR),
])
def test_status_comes_from_the_error_name(ename, status):
    got = outcome_of(graded_cell([error(ename, "x")]))
    assert (got.status, got.passed, got.earned, got.max_points) == (status, False, 0.0, 3.0)


def test_the_message_text_does_not_decide():
    """An error that *says* "limit:" or "timeout" is still an ordinary error."""
    got = outcome_of(graded_cell([error("ValueError", "limit: timeout KernelDied CheckFailed")]))
    assert got.status == outcome.ERROR and got.detail == "ValueError: limit: timeout KernelDied CheckFailed"


def test_pass_not_run_detail_and_traceback():
    passed = outcome_of(graded_cell([nbformat.v4.new_output("stream", name="stdout", text="ok\n")]))
    assert passed.passed and passed.earned == 3.0 and passed.detail == ""
    assert outcome_of(graded_cell([], executed=False)).status == outcome.NOT_RUN
    coloured = error("AssertionError", "wrong\nsecond line", ["\x1b[31mTraceback\x1b[0m", "AssertionError: wrong"])
    failed = outcome_of(graded_cell([coloured]))
    assert failed.detail == "AssertionError: wrong" and failed.traceback == "Traceback\nAssertionError: wrong"
    timed_out = outcome_of(graded_cell([error("CellTimeoutError", "cell ran longer than 30 s")]))
    assert timed_out.detail.startswith("timeout:")


def test_gradebook_points_win_over_the_status():
    assert CellOutcome("t", 4.0, points=1.5).earned == 1.5
    assert CellOutcome("t", 4.0).earned == 4.0 and CellOutcome("t", 4.0, outcome.WRONG).earned == 0.0


def test_outcomes_lists_graded_cells_only():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), graded_cell([]), nbformat.v4.new_markdown_cell("text")]
    assert [o.grade_id for o in outcomes(nb)] == ["test-x"]
