"""A lock file, for graders that share one course folder (two terminals): one at a time does a step.

The system releases the lock when its process dies, so a killed grader never blocks the next one.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path, shared: bool = False):
    """Hold `path` locked (alone, or `shared` with other shared holders) while the block runs; waits for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def lock_beside(path: Path) -> Path:
    """The lock file that guards `path`: hidden, in the same folder."""
    return path.with_name(f".{path.name}.lock")
