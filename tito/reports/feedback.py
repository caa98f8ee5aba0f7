"""`tito feedback`: one HTML page per graded student, with hidden tests removed and each error cut to its name and message."""
from __future__ import annotations

from pathlib import Path

from ..errors import TitoError
from ..grading.nbgrader_app import check_result, nbgrader_api
from ..workspace import Module, Workspace


def feedback(ws: Workspace, module: Module) -> list[Path]:
    ws.require_instructor("feedback")
    graded = sorted((ws.course_dir / "autograded").glob(f"*/{module.assignment}/{module.notebook_name}"))
    if not graded:
        raise TitoError(f"nothing autograded for {module.assignment}: run `tito grade {module.number}` first")
    api = nbgrader_api(ws)
    for notebook in graded:
        student = notebook.parent.parent.name
        check_result(api.generate_feedback(module.assignment, student, force=True),
                     f"feedback for {student}")
    return sorted((ws.course_dir / "feedback").glob(f"*/{module.assignment}/*.html"))
