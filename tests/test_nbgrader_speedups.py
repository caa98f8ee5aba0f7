"""tito/grading/nbgrader_speedups.py skips work nbgrader repeats; what it skips must still be done when needed."""
from __future__ import annotations

import subprocess
import sys

from workspace_factory import REPO

# Run in a process of its own: the speed-ups patch nbgrader for the whole process.
A_GRADEBOOK_REPLACED = """
import os, sys
sys.path.insert(0, {repo!r})
from tito.grading import gradebook_db, nbgrader_speedups
nbgrader_speedups.apply()
from nbgrader.api import Course, Gradebook

path = {path!r}
url = "sqlite:///" + path
for round in range(2):
    gradebook_db.prepare(url, "tinytorch")  # as tito grade does (once per process: the second time, nbgrader's own)
    with Gradebook(url, course_id="tinytorch") as gradebook:
        gradebook.add_assignment("01_tensor")
        print(round, sorted(c.id for c in gradebook.db.query(Course)), len(gradebook.assignments))
    if round == 0:
        os.remove(path)  # the instructor starts the gradebook over; the engine is still cached
"""


def test_a_replaced_gradebook_gets_its_tables_and_course_again(tmp_path):
    code = A_GRADEBOOK_REPLACED.format(repo=str(REPO), path=str(tmp_path / "gradebook.db"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["0 ['tinytorch'] 1", "1 ['tinytorch'] 1"], done.stdout
