"""Where things are: the workspace root, its mode (instructor repo or student bundle), modules and course paths."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import TitoError

MODULE_DIR = re.compile(r"^(\d\d)_([a-z0-9_]+)$")


@dataclass(frozen=True)
class Module:
    """One course module: `modules/NN_name/name.py` (instructor) or `name.ipynb` (student bundle)."""

    number: str  # "01"
    name: str  # "tensor"
    path: Path  # the source file

    @property
    def assignment(self) -> str:
        """The nbgrader assignment id, e.g. `01_tensor`."""
        return f"{self.number}_{self.name}"

    @property
    def notebook_name(self) -> str:
        return f"{self.name}.ipynb"


@dataclass(frozen=True)
class Workspace:
    root: Path
    mode: str  # "instructor" or "student"

    @property
    def modules_dir(self) -> Path:
        return self.root / "modules"

    @property
    def lib_dir(self) -> Path:
        return self.root / "tinytorch"

    @property
    def course_dir(self) -> Path:
        return self.root / "course"

    @property
    def bundle_dir(self) -> Path:
        return self.root / "dist" / "student"

    def source_notebook(self, module: Module) -> Path:
        """The built notebook nbgrader reads: `course/source/<NN_name>/<name>.ipynb`."""
        return self.course_dir / "source" / module.assignment / module.notebook_name

    def autograded_notebook(self, module: Module, student: str) -> Path:
        """Where nbgrader writes a student's graded notebook (tito's `<name>.sandbox.json` sits beside it)."""
        return self.course_dir / "autograded" / student / module.assignment / module.notebook_name

    def release_notebook(self, module: Module) -> Path:
        return self.course_dir / "release" / module.assignment / module.notebook_name

    def require_instructor(self, command: str) -> None:
        if self.mode != "instructor":
            raise TitoError(f"`tito {command}` works only in the instructor repository, not in {self.root}")

    def modules(self) -> list[Module]:
        """All modules in number order."""
        if not self.modules_dir.is_dir():
            raise TitoError(f"no modules/ folder in {self.root}")
        suffix = ".py" if self.mode == "instructor" else ".ipynb"
        found = []
        for d in sorted(self.modules_dir.iterdir()):
            m = MODULE_DIR.match(d.name)
            if m and (d / f"{m.group(2)}{suffix}").is_file():
                found.append(Module(m.group(1), m.group(2), d / f"{m.group(2)}{suffix}"))
        return found

    def select(self, names: list[str] | None) -> list[Module]:
        """Modules named on the command line ("01", "1", "tensor" or "01_tensor"); all when none are named."""
        every = self.modules()
        if not names:
            if not every:
                raise TitoError(f"no modules found in {self.modules_dir}")
            return every
        chosen = []
        for name in names:
            match = [m for m in every if name in (m.number, m.name, m.assignment)
                     or (name.isdigit() and int(name) == int(m.number))]
            if not match:
                have = ", ".join(m.assignment for m in every) or "none"
                raise TitoError(f"no module '{name}' in {self.modules_dir} (have: {have})")
            chosen.append(match[0])
        return chosen


def find_workspace(start: Path | None = None) -> Workspace:
    """Walk up from `start` (default: the current folder) to the pyproject.toml that has a [tool.tito] table."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        project = folder / "pyproject.toml"
        if project.is_file():
            try:
                config = tomllib.loads(project.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as e:
                raise TitoError(f"{project}: not valid TOML: {e}") from e
            tito = config.get("tool", {}).get("tito")
            if tito is not None:
                mode = tito.get("mode", "instructor")
                if mode not in ("instructor", "student"):
                    raise TitoError(f"{project}: [tool.tito] mode must be 'instructor' or 'student', not {mode!r}")
                return Workspace(folder, mode)
    raise TitoError(f"no TinyTorch workspace (a pyproject.toml with [tool.tito]) in {here} or its parents")
