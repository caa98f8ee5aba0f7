"""Percent-format module sources to notebooks with stable cell ids, and small notebook helpers."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jupytext
import nbformat

from .errors import TitoError
from .workspace import Module


def cell_id(module: Module, index: int, cell) -> str:
    """The grade_id when there is one (nbgrader needs those stable), else a hash of module and position."""
    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
    return gid or hashlib.sha1(f"{module.assignment}:{index}".encode()).hexdigest()[:8]


def read_source(module: Module) -> nbformat.NotebookNode:
    """Read `modules/NN_name/name.py` into a notebook whose cell ids are the same on every run."""
    try:
        nb = jupytext.read(module.path, fmt="py:percent")
    except Exception as e:  # jupytext raises many kinds; all mean the same to the user
        raise TitoError(f"{module.path}: cannot read as a Jupytext percent file: {e}") from e
    for i, cell in enumerate(nb.cells):
        cell["id"] = cell_id(module, i, cell)
        cell.metadata.pop("lines_to_next_cell", None)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read an .ipynb, naming the file in the error when it is not a valid notebook."""
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError as e:
        raise TitoError(f"{path}: no such notebook") from e
    except UnicodeDecodeError as e:
        raise TitoError(f"{path}: not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start})") from e
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as e:
        raise TitoError(f"{path}: not valid notebook JSON") from e
    except Exception as e:
        raise TitoError(f"{path}: not a valid notebook: {e}") from e


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def graded_cells(nb) -> list:
    """Cells that carry points for an automatic test (graded code cells)."""
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]


def solution_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def answer_cells(nb) -> list:
    """Written answers that a person grades: markdown cells that are both a solution and graded."""
    return [c for c in nb.cells if c.cell_type == "markdown" and nbgrader_meta(c).get("solution")
            and nbgrader_meta(c).get("grade")]
