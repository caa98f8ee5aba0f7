"""What exists inside the grading sandbox: an allow-list of host paths, bound read-only into an empty root.

The kernel (kernel.py) starts from an empty tmpfs, binds into it what this plan lists and pivots into it; no
other path of the host exists inside, wherever the instructor keeps the course. The plan lists:
- the interpreter, its libpython and its standard library, with the installation's own site-packages covered;
- the system libraries the interpreter and compiled packages link against (/usr/lib, /lib*, ld.so's cache),
  with the Python packages some systems keep there covered;
- the files of the allowed distributions, each top-level entry bound into one site-packages folder of its own
  (SITE): IPython, NumPy and matplotlib with everything they require, and what nbgrader_config.py allows.

A package that is installed for the grader but not allowed (PyTorch, say) has no file inside, so whatever the
student's code does to the import system cannot import it. The grader computes the plan once per process and
set of packages (it reads the installed distributions' records, too slow to repeat for every kernel) and
hands it to the kernel in its settings; runner.py adds each run's scratch folder and data paths.
"""
from __future__ import annotations

import csv
import functools
import glob
import importlib.metadata as metadata
import os
import re
import sys
import sysconfig

from packaging.requirements import Requirement

SITE = "/site-packages"  # inside the sandbox: the allowed distributions, and nothing else
ALWAYS_ALLOWED = ("ipython", "numpy", "matplotlib")  # the shell itself, and what every module uses
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)  # where the dynamic linker finds the libraries
# Python packages of the system's own interpreters live under /usr/lib too: not allowed either.
SYSTEM_PACKAGES = ("/usr/lib*/python3*/dist-packages", "/usr/lib*/python3*/site-packages")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(names: tuple[str, ...]) -> dict[str, metadata.Distribution]:
    """The installed distributions `names` name and everything they require (for this platform, no extras).
    A named one that is not installed raises PackageNotFoundError; a missing requirement is left out."""
    found: dict[str, metadata.Distribution] = {}
    todo = [(name, True) for name in names]
    while todo:
        name, named = todo.pop()
        key = _canonical(name)
        if key in found:
            continue
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            if named:
                raise
            continue
        found[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append((requirement.name, False))
    return found


def _files(dist: metadata.Distribution) -> list[tuple[str, ...]]:
    """The parts of each path in the distribution's RECORD, relative to its site-packages folder (read as
    text: Distribution.files makes a path object of each line, seconds for a few distributions)."""
    rows = csv.reader((dist.read_text("RECORD") or "").splitlines())
    return [tuple(row[0].split("/")) for row in rows if row and row[0] and not row[0].startswith("../")]


def _entries(dist: metadata.Distribution) -> list[str]:
    """The paths, relative to its site-packages folder, that a distribution's files live in: its packages,
    modules, metadata and bundled-library folders whole; in a folder other distributions share too (the
    `__pycache__` of single-file modules, a namespace package) only its own files or subfolders."""
    by_top: dict[str, list[tuple[str, ...]]] = {}
    for parts in _files(dist):
        by_top.setdefault(parts[0], []).append(parts)
    entries = []
    for top, owned in by_top.items():
        whole = (len(owned) == 1 and len(owned[0]) == 1) or top.endswith((".dist-info", ".libs")) \
            or any(parts[1:] == ("__init__.py",) for parts in owned)
        entries += [top] if whole and top != "__pycache__" else sorted({"/".join(parts[:2]) for parts in owned})
    return entries


def site_binds(packages: tuple[str, ...]) -> list[tuple[str, str]]:
    """(host path, path inside) for every entry of the allowed distributions."""
    binds = {}
    for dist in distributions(ALWAYS_ALLOWED + packages).values():
        for entry in _entries(dist):
            source = os.path.realpath(dist.locate_file(entry))
            if os.path.lexists(source):
                binds[f"{SITE}/{entry}"] = source
    return sorted((source, target) for target, source in binds.items())


def _python() -> list[str]:
    """The interpreter, its shared library and its standard library (lib-dynload included)."""
    paths = [os.path.realpath(sys.executable), os.path.realpath(sysconfig.get_path("stdlib"))]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        paths.append(os.path.realpath(os.path.join(sysconfig.get_config_var("LIBDIR"),
                                                   sysconfig.get_config_var("INSTSONAME"))))
    return paths


@functools.lru_cache(maxsize=None)
def plan(packages: tuple[str, ...] = ()) -> dict:
    """What the kernel's root holds: `binds` [host path, path inside] (read-only), `covers` (folders inside
    that must look empty), `links` [path, target] (the /lib -> usr/lib kind), `python` (the interpreter to
    run inside) and `pythonpath` (where it imports from, after the run's own package folder)."""
    same = [p for p in _python() + list(SYSTEM_LIBRARIES) + list(SYSTEM_FILES)
            if os.path.exists(p) and not os.path.islink(p)]
    # Bind only the outermost of nested paths (the stdlib of a system Python lies under /usr/lib).
    same = [p for p in sorted(set(same)) if not any(p.startswith(q.rstrip("/") + "/") for q in same)]
    stdlib = os.path.realpath(sysconfig.get_path("stdlib"))
    covers = [os.path.join(stdlib, name) for name in ("site-packages", "dist-packages")]
    covers += [p for pattern in SYSTEM_PACKAGES for p in glob.glob(pattern)]
    return {"binds": [(p, p) for p in same] + site_binds(tuple(sorted(packages))),
            "covers": sorted({os.path.realpath(p) for p in covers if os.path.isdir(p)}),
            "links": [(p, os.readlink(p)) for p in SYSTEM_LIBRARIES if os.path.islink(p)],
            "python": os.path.realpath(sys.executable), "pythonpath": [SITE]}
