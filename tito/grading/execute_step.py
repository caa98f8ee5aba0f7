"""`SandboxExecute`: the step of `nbgrader autograde` that runs a submission, in place of nbgrader's Execute.

nbgrader still does everything around it: restores locked and deleted test cells, adds the hidden tests, saves
the scores and writes feedback. This step takes the run of the sanitized notebook in the grading sandbox
(tito/grading/tasks.py, done by a worker beforehand, else here) and then gives the grader's verdict
(tito/grading/verdict.py): a graded cell whose observations differ from the reference solution's gets a
`CheckFailed` error, so nbgrader scores it 0 like any failing test. What went wrong with the run as a whole
(a limit, the kernel dying) is written next to the autograded notebook as `<notebook>.sandbox.json`, for
`tito grade` and `tito report`.

Limits, allowed packages and readable paths are configurable in nbgrader_config.py as `c.SandboxExecute.<name>`.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Integer, List, Unicode

from ..outcome import first_error
from ..notebooks import nbgrader_meta
from ..sandbox.runner import Limits
from ..workspace import find_workspace
from . import reference
from .records import write_sandbox_record
from .settings import task_template
from .tasks import execute
from .verdict import cell_verdict


class SandboxExecute(NbGraderPreprocessor):
    cell_seconds = Integer(Limits.cell_seconds, help="Wall-clock seconds per cell before it is interrupted.").tag(config=True)
    notebook_seconds = Integer(Limits.notebook_seconds, help="Wall-clock seconds for the whole notebook.").tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="Address space per process, MiB.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds for the kernel process.").tag(config=True)
    processes = Integer(Limits.processes, help="Processes and threads the sandbox user may have.").tag(config=True)
    file_mb = Integer(Limits.file_mb, help="Largest written file and size of the scratch folder, MiB.").tag(config=True)
    output_mb = Integer(Limits.output_mb, help="Output kept from the whole notebook, MiB.").tag(config=True)
    packages = List(Unicode(), help="Distributions every module's kernel may import, with what they require, "
                    "besides IPython, NumPy and matplotlib; no other installed package exists inside.").tag(config=True)
    module_packages = Dict(key_trait=Unicode(), value_trait=List(Unicode()), help="Further distributions per "
                           "module, by assignment name: {\"07_data\": [\"scipy\"]}.").tag(config=True)
    allow_paths = List(Unicode(), help="Host paths the kernel may read besides datasets/ (read-only); no other "
                       "path of the host exists inside.").tag(config=True)

    # (assignment, student) -> tasks.execute() result computed elsewhere (a pool or Dask worker), put here by
    # tito grade's coordinator just before it calls autograde; used only if it ran exactly these cells.
    precomputed: dict = {}

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        ws = find_workspace(Path(self.config.CourseDirectory.root))
        module = next(m for m in ws.modules() if m.assignment == info["assignment"])
        expected = reference.load(ws, module)
        result = SandboxExecute.precomputed.pop((info["assignment"], info["student"]), None)
        if result is not None and [c["source"] for c in result["cells"]] != [c.source for c in nb.cells]:
            self.log.warning("the worker ran other cells than autograde holds for %s: running it here", info["student"])
            result = None
        if result is None:
            task = task_template(ws, module, reference.sandbox_dir(ws, module) / "lib", self.config)
            result = execute(replace(task, student=info["student"], notebook=nb))
        observations = result["observations"]
        for index, (cell, ran) in enumerate(zip(nb.cells, result["cells"])):
            if cell.cell_type != "code":
                continue
            cell.outputs = [nbformat.from_dict(o) for o in ran["outputs"]]
            cell.execution_count = ran["execution_count"]
            meta = nbgrader_meta(cell)
            if not meta.get("grade") or first_error(cell):
                continue
            reason = "the cell did not run" if cell.get("execution_count") is None else \
                cell_verdict(expected.get(meta.get("grade_id"), []), observations.get(index, []))
            if reason:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="CheckFailed", evalue=reason, traceback=[f"CheckFailed: {reason}"]))
        write_sandbox_record(ws, module, info["student"], result["problems"], result["isolation"])
        return nb, resources
