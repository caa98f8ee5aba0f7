"""The PyTorch-shaped names of `tinytorch` (`tinytorch.zeros`, `tinytorch.nn.Linear`, `tinytorch.optim.Adam`, ...).

Each module declares the names it adds in a `PYTORCH_NAMES` table; `tito export` collects them into
`tinytorch/_names.py` and copies this file to `tinytorch/_namespace.py` (do not edit either there). A name
resolves lazily, when first used, to the highest-numbered module that declares it and is finished: exported
with no nbgrader stub left. So `tinytorch.Tensor` is module 01's Tensor until module 02
is finished, then the autograd Tensor; and a name whose module is not finished yet raises one error that says
which module to complete.
"""
from __future__ import annotations

import importlib
import importlib.util
import re

from tinytorch._names import NAMES, NAMESPACES

# The stub nbgrader leaves in a student's notebook where a solution was (c.ClearSolutions.code_stub).
_STUB = re.compile(r"# YOUR CODE HERE\s*\n[ \t]*raise NotImplementedError\(\)")
_finished: dict[str, bool] = {}


class NotBuiltError(ImportError):
    """A name whose module is not finished in this package. An ImportError, so `from tinytorch.nn import
    Linear` shows this message instead of Python's "cannot import name"."""


def is_finished(package_module: str) -> bool:
    """True when `tinytorch.core.layers` (say) exists in this package and has no stub left."""
    if package_module not in _finished:
        try:
            spec = importlib.util.find_spec(package_module)
        except ImportError:
            spec = None
        if spec is None or not spec.origin:
            _finished[package_module] = False
        else:
            with open(spec.origin, encoding="utf-8") as f:
                _finished[package_module] = _STUB.search(f.read()) is None
    return _finished[package_module]


def finished_attribute(public: str):
    """The object `tinytorch.<public>` names, from the highest finished module declaring it; None if none is."""
    for number, name, package_module, attribute in reversed(NAMES.get(public, ())):
        if is_finished(package_module):
            return getattr(importlib.import_module(package_module), attribute)
    return None


def attribute(namespace: str, name: str):
    """`getattr(tinytorch.nn, "Linear")` and friends: what a namespace module's __getattr__ returns."""
    public = name if namespace == "tinytorch" else f"{namespace[len('tinytorch.'):]}.{name}"
    if public in NAMESPACES:
        return importlib.import_module(f"tinytorch.{public}")
    providers = NAMES.get(public)
    if not providers:
        raise AttributeError(f"module {namespace!r} has no attribute {name!r} (TinyTorch has no `{public}`)")
    found = finished_attribute(public)
    if found is None:
        number, module_name = providers[0][0], providers[0][1]
        raise NotBuiltError(f"`tinytorch.{public}` comes from module {number} ({module_name}), which your package "
                            f"does not have finished: complete modules/{number}_{module_name} and run "
                            f"`tito export {number}`")
    return found


def names(namespace: str) -> list[str]:
    """What `dir(tinytorch.nn)` lists: the names and namespaces one level below `namespace`."""
    prefix = "" if namespace == "tinytorch" else namespace[len("tinytorch."):] + "."
    below = [p[len(prefix):] for p in list(NAMES) + list(NAMESPACES) if p.startswith(prefix)]
    return sorted({p for p in below if "." not in p})
