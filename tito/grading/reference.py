"""What the grading sandbox of one assignment holds, and what the reference solution observes in it.

course/sandbox/<assignment>/lib/ is the only code a graded notebook can import besides NumPy and friends: the
reference package files of the EARLIER modules (module 03 builds on 01 and 02; it must not find 03's own
solution), tito/check.py and tito/testkit.py. course/sandbox/<assignment>/reference.json holds, per graded cell, the
observations the solution notebook makes when run in that same sandbox: what every submission is compared with.
Both are rebuilt when the module source, the package or those two files change.
"""
from __future__ import annotations

import ast
import hashlib
import json
import shutil
import threading
from pathlib import Path

from ..errors import TitoError
from ..outcome import first_error
from ..notebooks import graded_cells, nbgrader_meta, read_source
from ..workspace import Module, Workspace
from .file_lock import file_lock, lock_beside

# What graded test cells import from tito: observe() and the given test helpers; each grading sandbox gets a copy.
TEST_FILES = [Path(__file__).parents[1] / "check.py", Path(__file__).parents[1] / "testkit.py"]

# tito validate builds two references at once, in threads; CPython 3.11's ast.parse is not safe to run in two
# threads at once ("SystemError: AST constructor recursion depth mismatch", python/cpython#106905).
_PARSING = threading.Lock()


def sandbox_dir(ws: Workspace, module: Module) -> Path:
    return ws.course_dir / "sandbox" / module.assignment


def _lib_files(ws: Workspace, module: Module) -> list[Path]:
    """The earlier modules' package files, their folders' `__init__.py` and the namespace files (which name
    later modules too: there, those names say the module is not finished)."""
    from ..namespace import generated_files
    from ..progress import package_file

    earlier = [m for m in ws.modules() if m.number < module.number]
    files = [package_file(ws, m) for m in earlier]
    inits = set(generated_files(ws.lib_dir, _exported_names(ws))) | {f.parent / "__init__.py" for f in files}
    return sorted(inits) + files


def _exported_names(ws: Workspace) -> dict:
    """The names table as `tito export` wrote it into the package (tinytorch/_names.py), from which the namespace
    files that are copied were generated; read in a millisecond, where collecting it again from the sources
    parses every module (seconds). Before any export: from the sources."""
    from ..export import declared_names

    path = ws.lib_dir / "_names.py"
    with _PARSING:
        if path.is_file():
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["NAMES"]:
                    return ast.literal_eval(node.value)
        return declared_names(ws)


def _fingerprint(ws: Workspace, module: Module) -> str:
    digest = hashlib.sha256()
    for path in [module.path, *TEST_FILES, *_lib_files(ws, module)]:
        digest.update(str(path.relative_to(ws.root) if path.is_relative_to(ws.root) else path.name).encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def _build_lib(ws: Workspace, module: Module, lib: Path) -> None:
    if lib.exists():
        shutil.rmtree(lib)
    first = not any(m.number < module.number for m in ws.modules())
    for path in _lib_files(ws, module):
        target = lib / "tinytorch" / path.relative_to(ws.lib_dir)
        if path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        elif not first:
            raise TitoError(f"{path.relative_to(ws.root)} is missing: run `tito export` first")
        # else: nothing exported yet, and the first module imports no earlier one: it needs no package
    (lib / "tito").mkdir(parents=True)
    (lib / "tito" / "__init__.py").write_text("", encoding="utf-8")
    for path in TEST_FILES:
        shutil.copy(path, lib / "tito" / path.name)


def observations_by_grade_id(nb, observations: dict[int, list[dict]]) -> dict[str, list[dict]]:
    return {nbgrader_meta(cell)["grade_id"]: observations.get(index, []) for index, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and nbgrader_meta(cell).get("grade")}


def observe_solution(ws: Workspace, module: Module, lib: Path) -> dict[str, list[dict]]:
    """Run the full source (solutions and hidden tests) in the sandbox; the observations of each graded cell."""
    from ..sandbox.runner import run
    from .settings import sandbox_for

    _build_lib(ws, module, lib)
    result = run(read_source(module), sandbox_for(ws, module, lib))
    broken = [f"{nbgrader_meta(c)['grade_id']}: {first_error(c)}" for c in graded_cells(result.nb) if first_error(c)]
    if broken or result.problems:
        raise TitoError(f"the reference solution of {module.assignment} fails in the grading sandbox: "
                        + "; ".join(result.problems + broken))
    return observations_by_grade_id(result.nb, result.observations)


def prepare(ws: Workspace, module: Module, force: bool = False) -> dict[str, list[dict]]:
    """Build (or reuse) the assignment's sandbox lib and reference observations; returns the observations."""
    folder = sandbox_dir(ws, module)
    reference_file = folder / "reference.json"
    with file_lock(lock_beside(folder)):  # a second grader of this course folder waits, then reuses what we built
        fingerprint = _fingerprint(ws, module)
        if reference_file.is_file() and not force:
            saved = json.loads(reference_file.read_text(encoding="utf-8"))
            if saved.get("fingerprint") == fingerprint:
                return saved["cells"]
        cells = observe_solution(ws, module, folder / "lib")
        tmp = reference_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "cells": cells}, allow_nan=True), encoding="utf-8")
        tmp.replace(reference_file)
        return cells


def load(ws: Workspace, module: Module) -> dict[str, list[dict]]:
    """The saved reference observations; tito grade builds them (prepare) before any submission runs."""
    path = sandbox_dir(ws, module) / "reference.json"
    if not path.is_file():
        raise TitoError(f"no reference observations for {module.assignment} in {path}: grade with `tito grade`")
    return json.loads(path.read_text(encoding="utf-8"))["cells"]
