"""The nbgrader markers and the two things done with them: strip them (package export) or stub the regions."""
from __future__ import annotations

import re

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
ALL = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)

# Only the marker line itself: `\s*` would also eat the blank lines around it and change the code's layout.
MARKER_LINE = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.M)

# What nbgrader's ClearSolutions writes in place of a solution region (its default for Python), and in place
# of a written answer's region (its default text stub).
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)


def strip_markers(source: str) -> str:
    """Remove marker lines, keep the code between them (the reference package has full solutions)."""
    return MARKER_LINE.sub("", source)


def regions(source: str, begin: str, end: str) -> list[tuple[int, int]]:
    """(begin_line, end_line) index pairs of each marked region, 0-based."""
    found, start = [], None
    for i, line in enumerate(source.splitlines()):
        if line.strip() == begin:
            start = i
        elif line.strip() == end and start is not None:
            found.append((start, i))
            start = None
    return found


def replace_regions(source: str, begin: str, end: str, body: list[str] | tuple = ()) -> str:
    """Replace each marked region, markers included, with `body` indented like its begin marker."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + b for b in body)
            inside = True
        elif line.strip() == end:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def stub_solutions(source: str) -> str:
    """Replace every solution region with the stub, as nbgrader does for the release."""
    return replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, STUB)


def stub_answer(source: str) -> str:
    """Replace a written answer's region (its rubric and model answer) with the text stub, as the release does."""
    return replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, TEXT_STUB)


def remove_hidden_tests(source: str) -> str:
    """Drop hidden-test regions with their markers, as nbgrader does for the release."""
    return replace_regions(source, BEGIN_HIDDEN, END_HIDDEN)

