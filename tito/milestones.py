"""`tito milestone`: list and run the historical milestone programs under `milestones/`.

A milestone is `milestones/<year>_<name>.py`: a program that uses only `tinytorch`, runs offline on shipped
data, prints its result, and exits non-zero when it misses its target. `--fast` runs the small variant the
test suite uses. In a student bundle the milestones run on the student's own package.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import TitoError
from .execute import kernel_env
from .workspace import Workspace

NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.py$")


@dataclass(frozen=True)
class Milestone:
    year: str
    name: str
    path: Path

    @property
    def summary(self) -> str:
        doc = ast.get_docstring(ast.parse(self.path.read_text(encoding="utf-8"))) or ""
        return doc.splitlines()[0] if doc else ""


def milestones(ws: Workspace) -> list[Milestone]:
    folder = ws.root / "milestones"
    found = [Milestone(m.group(1), m.group(2), p) for p in sorted(folder.glob("*.py")) if (m := NAME.match(p.name))]
    if not found:
        raise TitoError(f"no milestones (milestones/<year>_<name>.py) in {folder}")
    return found


def find(ws: Workspace, key: str) -> Milestone:
    every = milestones(ws)
    match = [m for m in every if key in (m.year, m.name, f"{m.year}_{m.name}")]
    if not match:
        raise TitoError(f"no milestone '{key}' in {ws.root / 'milestones'} (have: "
                        f"{', '.join(m.year + '_' + m.name for m in every)})")
    return match[0]


def run(ws: Workspace, milestone: Milestone, fast: bool) -> int:
    """Run the program in a fresh interpreter that imports this workspace's `tinytorch`; return its exit code."""
    command = [sys.executable, str(milestone.path)] + (["--fast"] if fast else [])
    return subprocess.run(command, cwd=ws.root, env=kernel_env(ws.root)).returncode
