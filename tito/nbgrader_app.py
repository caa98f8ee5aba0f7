"""nbgrader from Python: the config from `nbgrader_config.py` (NbGraderAPI ignores it unless loaded) and the API."""
from __future__ import annotations

import logging

from .errors import TitoError
from .workspace import Workspace


def load_config(ws: Workspace, timeout: int | None = None):
    from traitlets.config.loader import PyFileConfigLoader

    config_file = ws.root / "nbgrader_config.py"
    if not config_file.is_file():
        raise TitoError(f"no nbgrader_config.py in {ws.root}")
    config = PyFileConfigLoader(config_file.name, path=str(ws.root)).load_config()
    if timeout is not None:
        config.Execute.timeout = timeout
    return config


def nbgrader_api(ws: Workspace, timeout: int | None = None):
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=load_config(ws, timeout))
    api.log.setLevel(logging.ERROR)
    return api


def gradebook(ws: Workspace):
    from nbgrader.api import Gradebook

    return Gradebook(str(load_config(ws).CourseDirectory.db_url))


def check_result(result: dict, what: str) -> None:
    """nbgrader's API reports failure in the result, not by raising: turn it into a one-line TitoError."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "no detail").strip().splitlines()
        raise TitoError(f"{what} failed: {detail[-1] if detail else 'no detail'}")
