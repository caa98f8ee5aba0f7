"""What happened to one graded test cell: the one model `tito test`, `tito validate`, `tito grade` and
`tito report` share.

An executed cell says how it failed through the *name* of its error output, never through the wording of the
message: the runners write these names (tito/execute.py, tito/sandbox/runner.py, and CheckFailed from the
grader's verdict in tito/grading/execute_step.py), and `status_of` maps them to a status.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .notebooks import graded_cells, nbgrader_meta

# Statuses, as the report and its CSV print them.
PASSED = "pass"
WRONG = "wrong result"  # ran without an error, but the observed values differ from the reference solution's
ERROR = "error"  # an exception in the test or the code it calls
TIMEOUT = "timeout"  # interrupted at the per-cell time limit (or killed after ignoring the interrupt)
LIMIT = "limit"  # memory, CPU time or the notebook's time limit
CRASH = "crash"  # the kernel died, so the cell never finished or never ran
NOT_RUN = "not run"  # no output and no execution count: the run stopped before it
TAMPERED = "tampering"  # the submission changed this locked cell (the grader restored it)
NOT_GRADED = "not graded"  # the whole submission could not be graded
WAITING = "waiting for a person"  # a written answer nobody has graded yet
BY_A_PERSON = "graded by a person"  # a written answer with a person's score
UNANSWERED = "not answered"  # a written answer left as released: nbgrader scores it 0, nobody needs to read it

# Error names the runners write into a cell's outputs.
TIMEOUT_ERRORS = {"CellTimeoutError", "KeyboardInterrupt", "KilledAfterTimeout"}
INTERRUPTED = {"CellTimeoutError", "KeyboardInterrupt"}  # the cell itself was interrupted
LIMIT_ERRORS = {"LimitExceeded", "MemoryError", "_ArrayMemoryError"}
CRASH_ERRORS = {"KernelDied", "DeadKernelError", "NotRun"}
CHECK_FAILED = "CheckFailed"


def status_of(ename: str) -> str:
    if ename in TIMEOUT_ERRORS:
        return TIMEOUT
    if ename in LIMIT_ERRORS:
        return LIMIT
    if ename in CRASH_ERRORS:
        return CRASH
    return WRONG if ename == CHECK_FAILED else ERROR


@dataclass
class CellOutcome:
    grade_id: str
    max_points: float
    status: str = PASSED
    detail: str = ""  # the first line of the error, or why the cell earned nothing; empty when it passed
    traceback: str = ""  # the whole error as plain text, for `tito test --verbose`
    points: float | None = None  # what the gradebook gave; None where only pass/fail is known

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def earned(self) -> float:
        """The gradebook's score when there is one, else all or nothing by the status."""
        if self.points is not None:
            return self.points
        return self.max_points if self.passed else 0.0


def _error_output(cell) -> dict | None:
    return next((out for out in cell.get("outputs", []) if out.get("output_type") == "error"), None)


def first_error(cell) -> str:
    """`Name: first line of the message` of the cell's error; a timed-out cell says so."""
    out = _error_output(cell)
    if out is None:
        return ""
    name, value = out.get("ename") or "Error", (out.get("evalue") or "").strip()
    if name in INTERRUPTED:
        return "timeout: the cell ran over the per-cell time limit and was interrupted"
    return f"{name}: {value.splitlines()[0]}" if value else name


ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def full_error(cell) -> str:
    """The cell's traceback as plain text (IPython colours removed): the failing line and its case."""
    out = _error_output(cell)
    if out is None:
        return ""
    lines = out.get("traceback") or [f"{out.get('ename')}: {out.get('evalue')}"]
    return ANSI_COLOUR.sub("", "\n".join(lines))


def outcome_of(cell) -> CellOutcome:
    """The outcome of one executed graded cell, read from its error output (if any) and execution count."""
    meta = nbgrader_meta(cell)
    outcome = CellOutcome(meta.get("grade_id", "?"), float(meta.get("points", 0)))
    error = _error_output(cell)
    if error is not None:
        outcome.status, outcome.detail = status_of(error.get("ename") or ""), first_error(cell)
        outcome.traceback = full_error(cell)
    elif cell.get("execution_count") is None:
        outcome.status, outcome.detail = NOT_RUN, "not run"
    return outcome


def outcomes(nb) -> list[CellOutcome]:
    """One outcome per graded code cell, in notebook order."""
    return [outcome_of(cell) for cell in graded_cells(nb)]
