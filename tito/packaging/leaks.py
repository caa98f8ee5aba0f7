"""The leak check: no line of solution or hidden-test code, nor of a written question's rubric and model answer,
from the sources may appear in what students get."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .. import markers
from ..authoring.lint import parse
from ..workspace import Module

MIN_CHARS = 10  # shorter lines (`return x`, `else:`) are too common to prove anything


@dataclass(frozen=True)
class Leak:
    where: str  # file:line in the bundle
    origin: str  # file:line in the sources

    def __str__(self) -> str:
        return f"{self.where}: solution, hidden-test or rubric line from {self.origin}"


def secret_lines(modules: list[Module], root: Path, public_files: list[Path] = ()) -> dict[str, str]:
    """Distinctive lines inside solution/hidden regions -> where they come from.

    A line that also stands outside the regions (given code), or in a file shipped on purpose (`public_files`:
    the tool, the milestones), is not secret: `except Exception as e:` proves nothing.
    """
    secret = {}
    public = {line.strip() for f in public_files for line in f.read_text(encoding="utf-8").splitlines()}
    for module in modules:
        cells, _ = parse(module.path.read_text(encoding="utf-8"))
        shown = module.path.relative_to(root).as_posix()
        for cell in cells:
            if cell.kind != "code" and not cell.flag("solution"):
                continue  # prose is public; a markdown solution cell is a written answer with its rubric
            inside = set()
            for begin, end in ((markers.BEGIN_SOLUTION, markers.END_SOLUTION), (markers.BEGIN_HIDDEN, markers.END_HIDDEN)):
                for b, e in markers.regions(cell.text, begin, end):
                    for i in range(b + 1, e):
                        inside.add(i)
            for i, line in enumerate(cell.body):
                text = line.strip()
                if i in inside:
                    if len(text.replace(" ", "")) >= MIN_CHARS:
                        secret.setdefault(text, f"{shown}:{cell.line + 1 + i}")
                else:
                    public.add(text)
    return {k: v for k, v in secret.items() if k not in public}


def _lines(path: Path) -> list[tuple[str, str]]:
    """(location, line) pairs a reader of this file sees: notebook cells and outputs, or plain text lines."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (json.JSONDecodeError, AttributeError):
            cells = None
        if isinstance(cells, list):
            found = []
            for k, cell in enumerate(cells, start=1):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                outputs = json.dumps(cell.get("outputs", []))
                for n, line in enumerate(source.splitlines() + outputs.split("\\n"), start=1):
                    found.append((f"cell {k}, line {n}", line))
            return found
    return [(f"{n}", line) for n, line in enumerate(text.splitlines(), start=1)]


def find_leaks(folder: Path, secret: dict[str, str]) -> list[Leak]:
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        for where, line in _lines(path):
            origin = secret.get(line.strip())
            if origin:
                leaks.append(Leak(f"{path.relative_to(folder).as_posix()}:{where}", origin))
    return leaks
