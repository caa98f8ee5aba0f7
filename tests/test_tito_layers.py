"""tito is cut along the trust boundary: which of its packages may import which.

- tito/sandbox/ runs next to student code: a leaf, it imports nothing else from tito.
- tito/ (the top-level files) is what a student's bundle carries: it imports none of the instructor packages
  (cli.py imports them lazily, for instructor commands only).
- tito/grading/ judges; the authoring, packaging and report tools sit above it; grading never imports them.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TITO = Path(__file__).resolve().parents[1] / "tito"
PACKAGES = ("sandbox", "grading", "authoring", "packaging", "reports")
# What each part may import from tito ("core" = the top-level files).
ALLOWED = {
    "sandbox": {"sandbox"},
    "core": {"core"},
    "grading": {"core", "sandbox", "grading"},
    "authoring": {"core", "sandbox", "grading", "authoring"},
    "packaging": {"core", "grading", "authoring", "packaging"},
    "reports": {"core", "grading", "reports"},
}


def part_of(parts: tuple[str, ...]) -> str:
    """The part of tito a module path (relative to tito/, without .py) belongs to."""
    return parts[0] if parts and parts[0] in PACKAGES else "core"


def tito_imports(source: str, here: tuple[str, ...]) -> list[tuple[str, int]]:
    """(part imported, line) for every import of tito code in `source`, the module at `here` (relative to
    tito/, without .py), relative or absolute, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:-1])[: len(here) - node.level]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target + [a.name] for a in node.names] if not node.module else [target]
            elif node.module and node.module.split(".")[0] == "tito":
                names = [node.module.split(".")[1:]]
            else:
                continue
            found += [(part_of(tuple(n)), node.lineno) for n in names if n]
        elif isinstance(node, ast.Import):
            found += [(part_of(tuple(a.name.split(".")[1:])), node.lineno) for a in node.names
                      if a.name.split(".")[0] == "tito"]
    return found


FILES = sorted(p for p in TITO.rglob("*.py") if "__pycache__" not in p.parts and p.name != "cli.py")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TITO)))
def test_imports_respect_the_trust_boundary(path):
    here = path.relative_to(TITO).with_suffix("").parts
    part = part_of(here)
    imported = tito_imports(path.read_text(encoding="utf-8"), here)
    wrong = [f"line {line}: imports tito's {target}" for target, line in imported if target not in ALLOWED[part]]
    assert not wrong, f"{path.relative_to(TITO)} ({part}): " + "; ".join(wrong)


def test_the_checker_sees_a_forbidden_import():
    """The test above can fail: a sandbox module importing the grader is caught, relative or absolute."""
    source = "from ..grading import verdict\nimport tito.grading.reference\nfrom . import runner\nfrom .. import table\n"
    found = [part for part, _ in tito_imports(source, ("sandbox", "probe"))]
    assert found == ["grading", "grading", "sandbox", "core"]
    assert {"grading", "core"} - ALLOWED["sandbox"] == {"grading", "core"}
