"""`tito build`: module sources to notebooks in `course/source/<NN_name>/` for nbgrader."""
from __future__ import annotations

from ..notebooks import read_source, write_notebook
from ..workspace import Module, Workspace


def build(ws: Workspace, modules: list[Module]) -> list:
    ws.require_instructor("build")
    written = []
    for module in modules:
        target = ws.source_notebook(module)
        write_notebook(read_source(module), target)
        written.append(target)
    return written
