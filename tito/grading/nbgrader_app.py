"""nbgrader from Python: the config from `nbgrader_config.py` (NbGraderAPI ignores it unless loaded) and the API."""
from __future__ import annotations

import re

from ..errors import TitoError
from ..execute import quiet_known_warnings
from ..workspace import Workspace
from . import gradebook_db


def load_config(ws: Workspace, timeout: int | None = None):
    from traitlets.config.loader import PyFileConfigLoader

    config_file = ws.root / "nbgrader_config.py"
    if not config_file.is_file():
        raise TitoError(f"no nbgrader_config.py in {ws.root}")
    config = PyFileConfigLoader(config_file.name, path=str(ws.root)).load_config()
    if timeout is not None:
        config.SandboxExecute.cell_seconds = timeout
    return config


SANITIZED = "sanitized"  # where tito grade puts the repaired copies nbgrader grades (tito/grading/sanitize.py)


def nbgrader_api(ws: Workspace, timeout: int | None = None, grading: bool = False):
    from nbgrader.apps import NbGraderAPI

    quiet_known_warnings()  # also in grading worker processes, which do not run the CLI
    config = load_config(ws, timeout)
    if grading:
        from . import nbgrader_speedups
        nbgrader_speedups.apply()
        config.CourseDirectory.submitted_directory = SANITIZED
        # tito grade runs autograde's sanitizing steps itself when it prepares a submission (grade.prepare) and
        # stages their result: autograde need not run them a second time.
        config.TitoGrade.sanitize_steps = config.Autograde.get("sanitize_preprocessors", SANITIZE_STEPS)
        config.Autograde.sanitize_preprocessors = []
    gradebook_db.prepare(str(config.CourseDirectory.db_url), str(config.CourseDirectory.course_id))
    return NbGraderAPI(config=config)


SANITIZE_STEPS = ["nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
                  "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
                  "nbgrader.preprocessors.CheckCellMetadata"]  # nbgrader 0.9's Autograde.sanitize_preprocessors


def gradebook(ws: Workspace):
    """nbgrader's Gradebook on the configured database (TINYTORCH_DB_URL overrides db_url: nbgrader_config.py)."""
    from nbgrader.api import Gradebook

    config = load_config(ws)
    url, course_id = str(config.CourseDirectory.db_url), str(config.CourseDirectory.course_id)
    gradebook_db.prepare(url, course_id)
    return Gradebook(url, course_id)


def load_cells(gb, assignment: str) -> list:
    """Load every cell of the assignment's notebooks into the Gradebook's session in one query, so reading a
    grade's cell (its name, type, points) asks the database nothing more: one query instead of one per grade.
    The session holds its objects weakly: keep what this returns while reading."""
    from nbgrader.api import Assignment, GradeCell, Notebook
    from sqlalchemy.orm import with_polymorphic

    cells = with_polymorphic(GradeCell.__mro__[1], "*")  # BaseCell with every kind of cell
    return gb.db.query(cells).join(Notebook).join(Assignment).filter(Assignment.name == assignment).all()


def gradebook_turn(ws: Workspace, *name: str, shared: bool = False):
    """A lock named `name` on this gradebook, for every process and machine that uses it (gradebook_db.turn)."""
    return gradebook_db.turn(str(load_config(ws).CourseDirectory.db_url), *name, shared=shared)


def releasing(ws: Workspace, assignment: str, alone: bool):
    """Releasing an assignment rewrites its rows in the gradebook: alone, while nobody grades it (each grader
    holds this turn shared while grading a student), and never two releases at once."""
    return gradebook_turn(ws, "release", assignment, shared=not alone)


ERROR_LINE = re.compile(r"^\s*([\w.]+(Error|Exception|Interrupt)|CellTimeoutError)\b.*")


def failure_reason(result: dict) -> str:
    """The most telling line of a failed nbgrader call: the last exception line that is not nbgrader's wrapper."""
    lines = (result.get("log", "") + "\n" + result.get("error", "")).splitlines()
    found = [l.strip() for l in lines if ERROR_LINE.match(l) and "NbGraderException" not in l]
    rest = [l.strip() for l in lines if l.strip()]
    return (found or rest or ["no detail"])[-1]


def check_result(result: dict, what: str) -> None:
    """nbgrader's API reports failure in the result, not by raising: turn it into a one-line TitoError."""
    if not result.get("success"):
        raise TitoError(f"{what} failed: {failure_reason(result)}")
