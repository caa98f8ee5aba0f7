"""The sandbox a module's notebooks run in, as nbgrader_config.py sets it up (`c.SandboxExecute.<name>`).

Read here from the config itself, so that the reference run (reference.py) and the autograde step
(execute_step.py, which declares and documents these settings) share it without importing each other.
"""
from __future__ import annotations

from pathlib import Path

from ..sandbox.runner import Limits, Sandbox
from ..workspace import Workspace
from .nbgrader_app import load_config
from .tasks import RunTask, read_files


def sandbox_for(ws: Workspace, lib: Path, config=None) -> Sandbox:
    """The sandbox as nbgrader_config.py sets it up; the course and the repository are hidden in any case."""
    section = (config if config is not None else load_config(ws)).SandboxExecute
    limits = Limits(**{name: int(section.get(name, default)) for name, default in vars(Limits()).items()})
    data = ws.root / "datasets"
    return Sandbox(lib=lib, limits=limits,
                   hide=sorted({*section.get("hide", []), str(ws.root), str(ws.course_dir.resolve())}),
                   expose=sorted({*section.get("expose", []), str(data)}),
                   env={"TINYTORCH_DATA": str(data)})


def task_template(ws: Workspace, lib: Path, config=None) -> RunTask:
    """The same sandbox as plain data, for a worker on any machine: a RunTask still without student and notebook.
    The data travel as bytes (the loaders' download cache stays behind)."""
    sandbox = sandbox_for(ws, lib, config)
    return RunTask(student="", notebook={}, lib=read_files(lib), data=read_files(ws.root / "datasets", skip=("cache",)),
                   limits=vars(sandbox.limits), hide=sandbox.hide,
                   expose=[p for p in sandbox.expose if p != sandbox.env["TINYTORCH_DATA"]])
