"""Which modules a package has finished: exported, with no `raise NotImplementedError()` stub left.

`tito test N` and `tito milestone run` check this first, so a student who forgot `tito export 01` hears about
module 01, not a bare NotImplementedError from deep inside module 02. The package's own name resolver
(tito/package_namespace.py) applies the same test at import time.
"""
from __future__ import annotations

import re

from .errors import TitoError
from .export import module_notebook
from .markers import STUB
from .workspace import Module, Workspace

# The stub nbgrader leaves where a solution was (nbgrader_config.py: c.ClearSolutions.code_stub).
STUB_PATTERN = re.compile(re.escape(STUB[0]) + r"\s*\n[ \t]*" + re.escape(STUB[1]))


def package_file(ws: Workspace, module: Module):
    """`tinytorch/core/tensor.py` for a module whose notebook says `#| default_exp core.tensor`."""
    for cell in module_notebook(ws, module).cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("#| default_exp"):
            return ws.lib_dir.joinpath(*cell.source.split()[2].split(".")).with_suffix(".py")
    raise TitoError(f"{module.path}: no `#| default_exp` cell, so nothing says where the module exports to")


def unfinished_reason(ws: Workspace, module: Module) -> str | None:
    """None when the package has the module finished; else what to do about it, in one sentence."""
    exported = package_file(ws, module)
    if exported.is_file() and not STUB_PATTERN.search(exported.read_text(encoding="utf-8")):
        return None
    label = f"module {module.number} ({module.name})"
    stubs = sum(len(STUB_PATTERN.findall(c.source)) for c in module_notebook(ws, module).cells
                if c.cell_type == "code")
    if stubs:
        return (f"{label} is not complete: {stubs} `raise NotImplementedError()` stub(s) left in "
                f"{module.path.relative_to(ws.root)}; complete it, then run `tito export {module.number}`")
    return f"{label} is complete but not exported into your package: run `tito export {module.number}`"


def require_finished(ws: Workspace, needed: list[Module], what: str) -> None:
    """Raise one TitoError listing every module of `needed` that the package has not finished."""
    problems = [reason for m in needed if (reason := unfinished_reason(ws, m))]
    if problems:
        raise TitoError(f"{what} needs modules {', '.join(m.number for m in needed)} finished in your package:\n  "
                        + "\n  ".join(problems))


def earlier_modules(ws: Workspace, module: Module) -> list[Module]:
    return [m for m in ws.modules() if m.number < module.number]
