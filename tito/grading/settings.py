"""The sandbox a module's notebooks run in, as nbgrader_config.py sets it up (`c.SandboxExecute.<name>`).

Read here from the config itself, so that the reference run (reference.py) and the autograde step
(execute_step.py, which declares and documents these settings) share it without importing each other.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from pathlib import Path

from ..errors import TitoError
from ..sandbox.mounts import plan
from ..sandbox.runner import Limits, Sandbox
from ..workspace import Module, Workspace
from .nbgrader_app import load_config
from .tasks import RunTask, read_files


def sandbox_for(ws: Workspace, module: Module, lib: Path, config=None) -> Sandbox:
    """The sandbox of `module` as nbgrader_config.py sets it up: its limits, the packages its kernel may import
    besides IPython, NumPy and matplotlib, and the host paths it may read (datasets/ in any case)."""
    section = (config if config is not None else load_config(ws)).SandboxExecute
    limits = Limits(**{name: int(section.get(name, default)) for name, default in vars(Limits()).items()})
    packages = sorted({*section.get("packages", []), *section.get("module_packages", {}).get(module.assignment, [])})
    try:
        plan(tuple(packages))  # computed once per process; here so that a wrong name stops the batch early
    except PackageNotFoundError as e:
        raise TitoError(f"nbgrader_config.py allows the package {e.name!r} in the grading sandbox of "
                        f"{module.assignment}, but it is not installed") from None
    data = ws.root / "datasets"
    return Sandbox(lib=lib, limits=limits, packages=packages,
                   allow_paths=sorted({*section.get("allow_paths", []), str(data)}),
                   env={"TINYTORCH_DATA": str(data)})


def task_template(ws: Workspace, module: Module, lib: Path, config=None) -> RunTask:
    """The same sandbox as plain data, for a worker on any machine: a RunTask still without student and notebook.
    The data travel as bytes (the loaders' download cache stays behind)."""
    sandbox = sandbox_for(ws, module, lib, config)
    return RunTask(student="", notebook={}, lib=read_files(lib), data=read_files(ws.root / "datasets", skip=("cache",)),
                   limits=vars(sandbox.limits), packages=sandbox.packages,
                   allow_paths=[p for p in sandbox.allow_paths if p != sandbox.env["TINYTORCH_DATA"]])
