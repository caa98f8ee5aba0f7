"""`tito release`: nbgrader student notebooks in `course/release/`, and the student bundle in `dist/student/`.

The bundle is a workspace a student uses as it is: the release notebooks under `modules/`, a `tinytorch`
package exported from those notebooks (stubs only), `tito` itself, the milestones and shipped data sets,
`pyproject.toml` and a README. The leak
check fails the release if any solution, hidden-test or rubric line of the sources appears anywhere in it.
"""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .build import build
from ..errors import TitoError
from ..export import export_notebook, write_inits
from .leaks import find_leaks, secret_lines
from ..namespace import collect
from ..grading.nbgrader_app import check_result, nbgrader_api, releasing
from ..notebooks import read_notebook
from ..workspace import Module, Workspace

STUDENT_PYPROJECT = '''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "tinytorch"
version = "{version}"
description = "My own TinyTorch, built module by module"
requires-python = ">=3.11"
dependencies = {dependencies}

[project.scripts]
tito = "tito.cli:main"

[tool.setuptools.packages.find]
include = ["tinytorch*", "tito*"]

[tool.setuptools.package-data]
tito = ["*.md"]

[tool.nbdev]
nbs_path = "modules"
lib_path = "tinytorch"
update_pyproject = false

[tool.tito]
mode = "student"
'''


def release(ws: Workspace, modules: list[Module]) -> list[str]:
    """Release `modules` with nbgrader, rebuild the bundle from every released module, check it for leaks."""
    ws.require_instructor("release")
    build(ws, modules)
    api = nbgrader_api(ws)
    for module in modules:
        with releasing(ws, module.assignment, alone=True):
            check_result(api.generate_assignment(module.assignment, force=True),
                         f"nbgrader generate_assignment {module.assignment}")
        if not ws.release_notebook(module).is_file():
            raise TitoError(f"nbgrader wrote no {ws.release_notebook(module)}")
    released = [m for m in ws.modules() if ws.release_notebook(m).is_file()]
    make_bundle(ws, released)
    leaks = find_leaks(ws.bundle_dir, secret_lines(ws.modules(), ws.root, shipped_code(ws)))
    if leaks:
        shown = "\n".join(f"  {leak}" for leak in leaks[:20])
        raise TitoError(f"leak check failed: {len(leaks)} solution lines in {ws.bundle_dir}:\n{shown}")
    return [m.assignment for m in released]


SHIPPED_CODE = ("milestones",)  # besides tito itself: code the bundle carries on purpose
TITO = Path(__file__).parents[1]
# tito's packages for the instructor and the autograder: the student bundle ships tito without them.
INSTRUCTOR_PACKAGES = ("authoring", "grading", "packaging", "reports", "sandbox")


def _student_tito(path: Path) -> bool:
    return "__pycache__" not in path.parts and path.relative_to(TITO).parts[0] not in INSTRUCTOR_PACKAGES


def shipped_code(ws: Workspace) -> list[Path]:
    """The Python files the bundle copies from the instructor repo as they are: student tito and the milestones."""
    files = [p for p in TITO.rglob("*.py") if _student_tito(p)]
    files += [p for name in SHIPPED_CODE if (ws.root / name).is_dir() for p in (ws.root / name).rglob("*.py")
              if "__pycache__" not in p.parts]
    return sorted(files)


def make_bundle(ws: Workspace, released: list[Module]) -> None:
    bundle = ws.bundle_dir
    if bundle.exists():
        shutil.rmtree(bundle)
    bundle.mkdir(parents=True)
    project = tomllib.loads((ws.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = "[\n" + "".join(f'    "{d}",\n' for d in project.get("dependencies", [])) + "]"
    (bundle / "pyproject.toml").write_text(
        STUDENT_PYPROJECT.format(version=project.get("version", "0.0.0"), dependencies=deps), encoding="utf-8")
    shutil.copy(TITO / "student_readme.md", bundle / "README.md")
    shutil.copytree(TITO, bundle / "tito", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *INSTRUCTOR_PACKAGES))
    for shared in SHIPPED_CODE + ("datasets",):  # programs and data that run on the student's own package
        if (ws.root / shared).is_dir():
            shutil.copytree(ws.root / shared, bundle / shared, ignore=shutil.ignore_patterns("__pycache__", "cache"))
    entries = []
    for module in released:
        target = bundle / "modules" / module.assignment / module.notebook_name
        target.parent.mkdir(parents=True)
        shutil.copy(ws.release_notebook(module), target)
        nb = read_notebook(target)
        export_notebook(nb, target, bundle / "tinytorch", bundle / "tinytorch", bundle)
        entries.append((module.number, module.name, nb, str(target)))
    write_inits(bundle / "tinytorch", project.get("version", "0.0.0"), collect(entries))
