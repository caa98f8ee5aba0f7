"""The sandbox a module's notebooks run in, as nbgrader_config.py sets it up (`c.SandboxExecute.<name>`).

Read here from the config itself, so that the reference run (reference.py) and the autograde step
(execute_step.py, which declares and documents these settings) share it without importing each other.
"""
from __future__ import annotations

from pathlib import Path

from ..sandbox.runner import Limits, Sandbox
from ..workspace import Workspace
from .nbgrader_app import load_config


def sandbox_for(ws: Workspace, lib: Path, config=None) -> Sandbox:
    """The sandbox as nbgrader_config.py sets it up; the course and the repository are hidden in any case."""
    section = (config if config is not None else load_config(ws)).SandboxExecute
    limits = Limits(**{name: int(section.get(name, default)) for name, default in vars(Limits()).items()})
    data = ws.root / "datasets"
    return Sandbox(lib=lib, limits=limits,
                   hide=sorted({*section.get("hide", []), str(ws.root), str(ws.course_dir.resolve())}),
                   expose=sorted({*section.get("expose", []), str(data)}),
                   env={"TINYTORCH_DATA": str(data)})
