"""Small throwaway workspaces for the tooling tests: a copy of the repo's config with modules of our choosing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TITO = [sys.executable, "-m", "tito.cli"]

TOY_SOURCE = '''# %% [markdown]
# # Module 01: Toy
# A module small enough to test the tooling with.

# %%
#| default_exp core.toy

# %%
#| export
import numpy as np

# %% [markdown]
# **Task: `add_one`.**

# %% nbgrader={"grade": false, "grade_id": "add-one", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def add_one(x: np.ndarray) -> np.ndarray:
    """x + 1, elementwise."""
    ### BEGIN SOLUTION
    return np.asarray(x) + 1
    ### END SOLUTION

# %% [markdown]
# Test it.

# %% nbgrader={"grade": true, "grade_id": "test-add-one", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_add_one():
    from tito.check import observe
    assert add_one(1) == 2, "add_one(1) should be 2"
    ### BEGIN HIDDEN TESTS
    observe("hidden: add_one of arange(3)", add_one(np.arange(3)))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_add_one()

# %% [markdown]
# **Task: `double`.**

# %% nbgrader={"grade": false, "grade_id": "double", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def double(x: np.ndarray) -> np.ndarray:
    """2x, elementwise."""
    ### BEGIN SOLUTION
    return np.asarray(x) * 2
    ### END SOLUTION

# %% [markdown]
# Test it.

# %% nbgrader={"grade": true, "grade_id": "test-double", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_double():
    from tito.check import observe
    assert double(3) == 6, "double(3) should be 6"
    ### BEGIN HIDDEN TESTS
    observe("hidden: double of arange(3)", double(np.arange(3)))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_double()
'''

# A written question for the toy module: a person grades it against the rubric (tito/grading/rubrics.py).
TOY_WRITTEN = """
# %% [markdown]
# **Question.** Why does `double` allocate a new array?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-why", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: says that `*` builds a new array
# - 2 points: says why the input must stay unchanged:
#   the caller may still use it
# Model answer: `x * 2` returns a new array, so the caller's x is untouched.
# ### END SOLUTION
"""


def make_workspace(root: Path, modules: dict[str, str] | None = None, with_lib: bool = False) -> Path:
    """A workspace at `root` with the repo's pyproject and nbgrader config and `modules` ({"01_toy": text})."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(REPO / name, root / name)
    for folder, text in (modules or {"01_toy": TOY_SOURCE}).items():
        target = root / "modules" / folder / f"{folder[3:]}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if with_lib:
        shutil.copytree(REPO / "tinytorch", root / "tinytorch")
    return root


def tito(cwd: Path, *args: str, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `tito` in `cwd` the way a user does (with `env` added to the environment); the tool code comes from
    this repository."""
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(TITO + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
