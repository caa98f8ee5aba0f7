"""`tito export`: notebooks to the `tinytorch` package with nbdev, markers stripped, byte-for-byte reproducible.

In the instructor repo the module sources export to the reference package; in a student bundle the student's
own notebooks export to the student's package. `--check` exports into a scratch folder and compares.
"""
from __future__ import annotations

import contextlib
import filecmp
import os
import tempfile
import tomllib
from pathlib import Path

import nbformat

from .errors import TitoError
from .markers import strip_markers
from .namespace import collect, write_package_files
from .notebooks import read_notebook, read_source
from .workspace import Module, Workspace



@contextlib.contextmanager
def _cwd(path: Path):
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _maker_for(header_source: Path, display_lib: Path):
    """An nbdev ModuleMaker whose headers name `header_source` relative to the real package folder.

    nbdev would name the scratch notebook we hand it; readers must be sent to the file they should edit.
    """
    from nbdev.maker import ModuleMaker

    class SourceNamingMaker(ModuleMaker):
        def __init__(self, dest, name, nb_path, **kwargs):
            super().__init__(dest, name, nb_path, **kwargs)
            shown_dir = display_lib / Path(name.replace(".", "/")).parent
            self.dest2nb = Path(os.path.relpath(header_source, shown_dir)).as_posix()
            self.hdr = f"# %% {self.dest2nb}"

    return SourceNamingMaker


def export_notebook(nb: nbformat.NotebookNode, header_source: Path, lib_dir: Path, display_lib: Path,
                    project_root: Path) -> None:
    """Write the `#| export` cells of `nb` into `lib_dir` (a folder named `tinytorch`)."""
    from nbdev.export import nb_export

    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_markers(cell.source)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / header_source.with_suffix(".ipynb").name
        nbformat.write(nb, path)
        with _cwd(project_root):  # nbdev reads [tool.nbdev] from the pyproject.toml it finds here
            nb_export(str(path), lib_path=str(lib_dir), mod_maker=_maker_for(header_source, display_lib))


def _version(root: Path) -> str:
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return data.get("project", {}).get("version", "0.0.0")


def write_inits(lib_dir: Path, version: str, names: dict) -> None:
    """The namespace files (tito/namespace.py), and an empty `__init__.py` in every other package folder."""
    write_package_files(lib_dir, version, names)
    for folder in sorted(p for p in lib_dir.rglob("*") if p.is_dir() and p.name != "__pycache__"):
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")


def declared_names(ws: Workspace) -> dict:
    """Every module's PYTORCH_NAMES table, collected (tito/namespace.py)."""
    return collect([(m.number, m.name, module_notebook(ws, m), str(m.path)) for m in ws.modules()])


def module_notebook(ws: Workspace, module: Module) -> nbformat.NotebookNode:
    return read_source(module) if ws.mode == "instructor" else read_notebook(module.path)


def export_into(ws: Workspace, modules: list[Module], lib_dir: Path) -> None:
    for module in modules:
        nb = module_notebook(ws, module)
        if not any(c.cell_type == "code" and c.source.lstrip().startswith("#| default_exp") for c in nb.cells):
            raise TitoError(f"{module.path}: no `#| default_exp` cell, so nothing says where to export")
        export_notebook(nb, module.path, lib_dir, ws.lib_dir, ws.root)
    write_inits(lib_dir, _version(ws.root), declared_names(ws))


def export(ws: Workspace, modules: list[Module]) -> None:
    export_into(ws, modules, ws.lib_dir)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.py") if "__pycache__" not in p.parts}


def check(ws: Workspace, modules: list[Module], everything: bool) -> list[str]:
    """Names of package files that differ from a fresh export (missing, changed, or stale when `everything`)."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "tinytorch"
        export_into(ws, modules, fresh)
        expected, actual = _files(fresh), _files(ws.lib_dir) if ws.lib_dir.is_dir() else set()
        problems = [f"tinytorch/{f}: missing" for f in sorted(expected - actual)]
        problems += [f"tinytorch/{f}: differs from what the sources export" for f in sorted(expected & actual)
                     if not filecmp.cmp(fresh / f, ws.lib_dir / f, shallow=False)]
        if everything:
            problems += [f"tinytorch/{f}: not produced by any module (stale)" for f in sorted(actual - expected)]
    return problems
