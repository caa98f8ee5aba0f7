"""Where one submission's grading time goes: module 01's complete sample, graded N times in this process.

Phases (time.perf_counter around the functions that do them; each figure is a mean over the runs):
  prepare      coordinator: forget the old score, read, compare and stage the submission, nbgrader's sanitizing
  kernel start worker: the sandboxed shell forked (or started), isolated and ready
  cells        worker: executing the notebook's cells (the student's imports are in the first cells)
  sandbox end  worker: stopping the shell, killing the sandbox uid, unmounting the scratch
  verdict      coordinator: comparing the observations with the reference's
  autograde    coordinator: the rest of nbgrader's autograde (its own sanitizing, file copies, gradebook writes)
  save grades  part of autograde: nbgrader's SaveAutoGrades step (the gradebook writes per graded cell)
  read scores  coordinator: scores and reasons read back for the report
Also the CPU seconds of the coordinator, the worker and the kernel (with the zygote: the kernels it forked, and
its own), and with --cells the kernel's CPU per cell. Works in a scratch copy of the course.
Run: .venv/bin/python benchmarks/grading_phases.py [--runs 10] [--cells]; TITO_ZYGOTE=0 measures without the zygote.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

SPENT: dict[str, float] = defaultdict(float)  # wall-clock seconds per phase
CPU: dict[str, float] = defaultdict(float)  # CPU seconds per process


def children_cpu() -> float:
    """CPU seconds of this process's finished children: the kernels (each is waited for after its notebook)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kernels_cpu() -> float:
    """CPU seconds of the kernels that ended: this process's children (kernels started by kernel.py), plus the
    kernels the zygote forked (as it reports them) and the zygote's own time (its start, its forks)."""
    from tito.sandbox import zygote_client
    zygote = zygote_client._zygote
    if zygote is None:
        return children_cpu()
    with open(f"/proc/{zygote.process.pid}/stat") as stat:
        ticks = stat.read().rsplit(")", 1)[1].split()[11:13]  # utime, stime
    return children_cpu() + zygote.kernel_cpu + sum(int(t) for t in ticks) / os.sysconf("SC_CLK_TCK")


def cell_costs(template, notebook) -> None:
    """Run the notebook once with a probe after each code cell: the kernel's CPU seconds per cell."""
    import nbformat
    from tito.grading.tasks import execute
    probe = "import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\nprint('cpu', _u.ru_utime + _u.ru_stime)"
    nb = nbformat.from_dict(notebook)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(probe))
    cells.insert(0, nbformat.v4.new_code_cell(probe))
    nb.cells = cells
    ran = execute(replace(template, student="sample-complete", notebook=nb))
    marks, costs, code = [], [], None
    for cell in ran["cells"]:
        text = "".join(o.get("text", "") for o in cell["outputs"])
        if cell["source"].startswith("import resource as _r"):
            marks.append(float(text.split()[1]))
            if code is not None:
                costs.append((marks[-1] - marks[-2], code))
        else:
            lines = [line for line in cell["source"].splitlines()
                     if line.strip() and not line.startswith(("#", "import ", "from "))]
            code = f"cell {len(marks)}: " + (lines[0][:60] if lines else "(imports only)")
    print(f"kernel CPU before the first cell (its start-up in the kernel process): {marks[0]:.3f} s")
    print(f"the {len(costs)} code cells: {sum(c for c, _ in costs):.3f} s; the costliest:")
    for seconds, first_line in sorted(costs, reverse=True)[:8]:
        print(f"  {seconds:6.3f} s  {first_line}")


def timed(owner, name: str, phase: str) -> None:
    """Wrap owner.name so its time is added to `phase`."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[phase] += time.perf_counter() - start
    setattr(owner, name, wrapper)


def instrument() -> None:
    from nbgrader.preprocessors import SaveAutoGrades
    from tito.grading import execute_step, grade
    from tito.sandbox import runner, session

    timed(session.ShellProcess, "__init__", "kernel start")
    timed(session.ShellProcess, "wait_ready", "kernel start")
    timed(runner, "_run_cell", "cells")
    for owner, name in [(session.ShellProcess, "close"), (runner, "_kill_user"), (runner, "unmount")]:
        timed(owner, name, "sandbox end")
    timed(execute_step, "cell_verdict", "verdict")
    timed(SaveAutoGrades, "preprocess", "save grades")
    for name, phase in [("prepare", "prepare"), ("judge", "autograde"), ("_read_scores", "read scores")]:
        timed(grade, name, phase)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cells", action="store_true", help="also the kernel's CPU seconds per cell (one more run)")
    args = parser.parse_args()
    from grading import make_course  # benchmarks/grading.py
    from tito.grading import grade, reference
    from tito.grading.nbgrader_app import nbgrader_api
    from tito.grading.settings import task_template
    from tito.grading.tasks import execute
    from tito.workspace import find_workspace

    with tempfile.TemporaryDirectory() as scratch:
        root = make_course(Path(scratch), count=0)
        os.chdir(root)
        ws = find_workspace(root)
        module = ws.select(["01"])[0]
        api = nbgrader_api(ws, None, grading=True)
        reference.prepare(ws, module)
        template = task_template(ws, module, reference.sandbox_dir(ws, module) / "lib", api.config)
        most = grade.max_points(ws, module)

        def once() -> None:
            cpu = time.process_time()
            prepared = grade.prepare(ws, module, "sample-complete", api, most)
            CPU["coordinator"] += time.process_time() - cpu
            cpu, kernels = time.process_time(), kernels_cpu()
            ran = execute(replace(template, student="sample-complete", notebook=prepared.notebook))
            CPU["worker (grader side)"] += time.process_time() - cpu
            CPU["kernel (sandboxed)"] += kernels_cpu() - kernels
            cpu = time.process_time()
            judged = grade.judge(ws, module, prepared, ran, api)
            assert judged.score - judged.written == most[0] - most[1], f"the complete sample lost points: {judged}"
            CPU["coordinator"] += time.process_time() - cpu
        once()  # warm-up: imports, first gradebook session
        CPU.clear()
        instrument()
        start = time.perf_counter()
        for _ in range(args.runs):
            once()
        total = (time.perf_counter() - start) / args.runs
        if args.cells:
            cell_costs(template, grade.prepare(ws, module, "sample-complete", api, most).notebook)
    print(f"one submission of module 01, mean of {args.runs} runs in one process: {total:.3f} s")
    SPENT["autograde"] -= SPENT["verdict"] + SPENT["read scores"]  # judge() includes both
    for phase in ["prepare", "kernel start", "cells", "sandbox end", "verdict", "autograde", "save grades",
                  "read scores"]:
        print(f"  {phase:<13} {SPENT[phase] / args.runs:6.3f} s")
    print("CPU seconds per submission (what bounds throughput when every core is busy):")
    for who, seconds in CPU.items():
        print(f"  {who:<19} {seconds / args.runs:6.3f} s")
    print(f"  {'total':<19} {sum(CPU.values()) / args.runs:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
