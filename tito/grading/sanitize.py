"""Compare a submission's nbgrader cells with the released ones, and make a copy nbgrader can grade.

nbgrader restores an edited or deleted locked cell, but gives up on a whole notebook whose cell metadata was
changed, whose grade ids were renamed or whose locked cell was duplicated ("Inconsistent checksums", unknown
ids): the student then gets no grade at all for the work they did. So tito grades a repaired copy, written to
course/sanitized/<student>/<assignment>/ (the submission itself is never changed): every released nbgrader cell
keeps the released metadata, locked cells their released source, the first copy of a cell wins, and cells
claiming a grade id the release does not have lose their nbgrader metadata (their code still runs, for no
points), and an answer cell keeps the released type (a written answer turned into code never runs). What was
changed is reported as tampering.
"""
from __future__ import annotations

import copy

import nbformat

from ..notebooks import nbgrader_meta


def _without_checksum(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k != "checksum"}


def tampering(release, submitted) -> list[str]:
    """How the submission changed the locked cells it was given: ["test-x edited", "test-y deleted", ...]."""
    given = {nbgrader_meta(c)["grade_id"]: c for c in release.cells if nbgrader_meta(c).get("locked")}
    found: dict[str, list] = {}
    for cell in submitted.cells:
        found.setdefault(nbgrader_meta(cell).get("grade_id"), []).append(cell)
    changes = []
    for gid, cell in given.items():
        copies = found.get(gid, [])
        if not copies:
            changes.append(f"{gid} deleted")
        elif len(copies) > 1:
            changes.append(f"{gid} duplicated")
        elif copies[0].source != cell.source:
            changes.append(f"{gid} edited")
        elif _without_checksum(nbgrader_meta(copies[0])) != _without_checksum(nbgrader_meta(cell)):
            changes.append(f"{gid} metadata changed")
    known = {nbgrader_meta(c).get("grade_id"): c for c in release.cells}
    changes += [f"{gid} not in the release" for gid in found if gid and gid not in known]
    changes += [f"{gid} turned into a {copies[0].cell_type} cell" for gid, copies in found.items()
                if gid in known and gid not in given and copies[0].cell_type != known[gid].cell_type]
    return changes


def _as_type(cell, cell_type: str):
    """The cell's text in a fresh cell of `cell_type` (no outputs, no execution count)."""
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return make(cell.source, metadata=copy.deepcopy(cell.metadata), id=cell.get("id"))


def repaired(release, submitted):
    """A copy of `submitted` whose nbgrader cells are exactly the released ones (see the module docstring)."""
    released = {nbgrader_meta(c)["grade_id"]: c for c in release.cells if nbgrader_meta(c).get("grade_id")}
    nb = nbformat.from_dict(copy.deepcopy(submitted))
    seen = set()
    cells = []
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if "nbgrader" in cell.metadata and (gid not in released or gid in seen):
            if nbgrader_meta(cell).get("locked") or (gid in released and nbgrader_meta(released[gid]).get("locked")):
                continue  # a stray copy of a locked cell: dropped
            del cell.metadata["nbgrader"]  # a stray answer cell: its code still runs, for no points
        elif gid in released:
            seen.add(gid)
            original = released[gid]
            if nbgrader_meta(original).get("locked"):
                cell = nbformat.from_dict(copy.deepcopy(original))
            else:
                if cell.cell_type != original.cell_type:  # a written answer made code would run: text again
                    cell = _as_type(cell, original.cell_type)
                cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
        cells.append(cell)
    nb.cells = _with_deleted_restored(release, cells)
    return nb


def _with_deleted_restored(release, cells: list) -> list:
    """Put each deleted locked cell back right after the cell that precedes it in the release (matched by grade
    id, else by cell id): a restored test then runs after the given code it uses, where nbgrader would put it
    after the previous solution or test cell."""
    def key(cell):
        gid = nbgrader_meta(cell).get("grade_id")
        return ("grade_id", gid) if gid else ("id", cell.get("id"))

    cells = list(cells)
    for i, original in enumerate(release.cells):
        if not nbgrader_meta(original).get("locked") or any(key(c) == key(original) for c in cells):
            continue
        keys = [key(c) for c in cells]
        before = next((keys.index(key(c)) for c in reversed(release.cells[:i]) if key(c) in keys), -1)
        cells.insert(before + 1, nbformat.from_dict(copy.deepcopy(original)))
    return cells
