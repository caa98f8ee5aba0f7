"""One unit of grading work for any executor (this process, a process pool, a Dask worker on another machine):
run one prepared notebook in the sandbox and hand back what happened, as plain data.

A task carries everything the run needs as data (the notebook, the bytes of the sandbox's package files and of
the data files, the limits), so a worker needs nothing but tito installed. It never touches the gradebook or
the course: the coordinator (tito/grading/grade.py) judges the result and is the only writer.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox.runner import Limits, Sandbox, run

WORKER_FILES = "tito-task-files-"  # prefix of a worker's folders of materialized lib and data files


@dataclass
class RunTask:
    student: str
    notebook: dict  # the sanitized notebook with the locked and hidden tests nbgrader puts back
    lib: dict[str, bytes]  # relative path -> bytes: the package files the kernel imports first
    data: dict[str, bytes]  # relative path -> bytes: what TINYTORCH_DATA points at
    limits: dict = field(default_factory=lambda: vars(Limits()))
    packages: list[str] = field(default_factory=list)  # distributions the kernel may import (mounts.py)
    allow_paths: list[str] = field(default_factory=list)  # host paths the kernel may read, besides the data


def read_files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """relative path -> bytes of every file under `folder`, except those under a folder named in `skip`."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not set(p.relative_to(folder).parts[:-1]) & {*skip, "__pycache__"}}


def _materialize(files: dict[str, bytes]) -> Path:
    """The files, written once per worker machine under a folder named by their content."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    folder = Path(tempfile.gettempdir()) / (WORKER_FILES + digest.hexdigest()[:16])
    if not folder.is_dir():
        partial = Path(tempfile.mkdtemp(prefix=f"{WORKER_FILES}partial-{os.getpid()}-"))
        partial.chmod(0o755)  # readable by the sandbox's own uid (the data are bound into the sandbox as they are)
        for name, content in files.items():
            (partial / name).parent.mkdir(parents=True, exist_ok=True)
            (partial / name).write_bytes(content)
        try:
            os.rename(partial, folder)  # atomic: a concurrent worker sees the whole folder or none
        except OSError:
            pass  # another worker was first with the same content
    return folder


def execute(task: RunTask) -> dict:
    """Run the task's notebook in a fresh sandboxed kernel. Plain data back: per code cell its source, outputs
    and execution count; the observations by cell index; the run's problems; the isolation the kernel got."""
    data = _materialize(task.data)
    sandbox = Sandbox(lib=_materialize(task.lib), limits=Limits(**task.limits), packages=list(task.packages),
                      allow_paths=[*task.allow_paths, str(data)], env={"TINYTORCH_DATA": str(data)})
    result = run(task.notebook, sandbox)
    cells = [{"source": c.source, "outputs": c.get("outputs", []), "execution_count": c.get("execution_count")}
             for c in result.nb.cells]
    return {"cells": json.loads(json.dumps(cells)),  # plain dicts, not nbformat's
            "observations": result.observations, "problems": result.problems, "isolation": result.isolation}
