"""`tito milestone`: list and run the historical milestone programs under `milestones/`.

A milestone is `milestones/<year>_<name>.py`: a program that uses only `tinytorch`, runs offline on shipped
data, prints its result, and exits with MISSED_TARGET (3) when it misses its target; any other non-zero exit
is a crash. It names the modules it uses in `REQUIRES = ("01", "02", ...)`; `run` checks that the package has
them finished before starting. `--fast` runs the small variant the test suite uses. In a student bundle the
milestones run on the student's own package.
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
from .progress import require_finished
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

    @property
    def requires(self) -> tuple[str, ...]:
        """The module numbers in the program's `REQUIRES = (...)`."""
        for node in ast.parse(self.path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "REQUIRES" for t in node.targets):
                return tuple(ast.literal_eval(node.value))
        raise TitoError(f"{self.path}: no REQUIRES = (...) naming the modules it uses")


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


MISSED_TARGET = 3


def run(ws: Workspace, milestone: Milestone, fast: bool) -> None:
    """Check the package has the modules the milestone needs, then run it in a fresh interpreter that imports
    this workspace's `tinytorch`; raise TitoError when it misses its target or crashes."""
    needed = [m for m in ws.modules() if m.number in milestone.requires]
    require_finished(ws, needed, f"milestone {milestone.year} ({milestone.name})")
    command = [sys.executable, str(milestone.path)] + (["--fast"] if fast else [])
    code = subprocess.run(command, cwd=ws.root, env=kernel_env(ws.root)).returncode
    if code == MISSED_TARGET:
        raise TitoError(f"milestone {milestone.year}_{milestone.name} missed its target")
    if code != 0:
        raise TitoError(f"milestone {milestone.year}_{milestone.name} crashed (exit {code}): see the traceback "
                        "above; `tito test` on the modules it names shows which of your functions fails")
