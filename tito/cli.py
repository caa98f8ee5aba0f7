"""The `tito` command: one entry point, one subcommand per course task."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import TitoError
from .execute import quiet_known_warnings
from .workspace import find_workspace


def _modules_arg(p):
    p.add_argument("modules", nargs="*", metavar="MODULE", help="module number or name (default: all)")


def _timeout_arg(p, default):
    p.add_argument("--timeout", type=int, default=default, metavar="SECONDS", help=f"per-cell limit (default {default})")


# What a student runs in their bundle; `tito --help` there lists only these (the rest refuse to run there).
STUDENT_COMMANDS = ("test", "export", "milestone")


class _Commands:
    """Adds subcommands; in a student bundle only the student commands are listed in `tito --help`."""

    def __init__(self, sub, mode: str) -> None:
        self.sub, self.mode = sub, mode

    def add_parser(self, name: str, help: str):
        if self.mode == "student" and name not in STUDENT_COMMANDS:
            return self.sub.add_parser(name, description=help)  # no help=: argparse leaves it out of the list
        return self.sub.add_parser(name, help=help, description=help)


def parser(mode: str = "instructor") -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tito", description="TinyTorch course tool.")
    sub = _Commands(top.add_subparsers(dest="command", required=True, metavar="COMMAND"), mode)

    p = sub.add_parser("build", help="module sources to notebooks in course/source/")
    _modules_arg(p)
    p = sub.add_parser("export", help="notebooks to the tinytorch package (nbdev)")
    _modules_arg(p)
    p.add_argument("--check", action="store_true", help="only compare tinytorch/ with a fresh export")
    p = sub.add_parser("lint", help="check module sources against the source contract")
    _modules_arg(p)
    p = sub.add_parser("validate", help="integrity gate: solutions pass, stubs fail every graded test")
    _modules_arg(p)
    _timeout_arg(p, 60)
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks run side by side (default 2)")
    p = sub.add_parser("release", help="student notebooks (nbgrader) and the student bundle in dist/student/")
    _modules_arg(p)
    p = sub.add_parser("test", help="run a module's notebook headless and list its graded tests")
    _modules_arg(p)
    _timeout_arg(p, 60)
    p.add_argument("--verbose", "-v", action="store_true", help="show each failing test's line and case")
    p = sub.add_parser("samples", help="write the demo submissions for a module into course/submitted/")
    p.add_argument("module", metavar="MODULE")
    p = sub.add_parser("grade", help="autograde course/submitted/*/MODULE with nbgrader")
    p.add_argument("module", metavar="MODULE")
    p.add_argument("--student", nargs="+", metavar="ID", help="only these students")
    p.add_argument("--timeout", type=int, default=None, metavar="SECONDS",
                   help="per-cell limit (default: nbgrader_config.py)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, default=1, metavar="N", help="grade N submissions at a time (default 1)")
    where.add_argument("--cluster", metavar="local:N", help="run the submissions on a Dask cluster of N local workers")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run the submissions on the workers of this Dask scheduler (tito installed on each)")
    p = sub.add_parser("feedback", help="HTML feedback per student, hidden tests removed")
    p.add_argument("module", metavar="MODULE")
    p = sub.add_parser("written", help="written answers as CSV to grade outside the formgrader, and their scores back")
    p.add_argument("module", metavar="MODULE")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--export", type=Path, metavar="FILE",
                     help="write every graded submission's answers, with the rubric and any score so far, to FILE")
    how.add_argument("--import", dest="import_", type=Path, metavar="FILE",
                     help="read scores and comments (columns student, question, score, comment) into the gradebook")
    p = sub.add_parser("report", help="per-student, per-test CSV, summary table and PNG plots for a module")
    p.add_argument("module", metavar="MODULE")
    p = sub.add_parser("similarity", help="submission pairs with near-identical solution code: table, CSV, heat map")
    p.add_argument("module", metavar="MODULE")
    p.add_argument("--threshold", type=float, default=0.8, metavar="X",
                   help="list the pairs at or above this similarity, 0..1 (default 0.8; the CSV has every pair)")
    p = sub.add_parser("milestone", help="list or run the milestone programs under milestones/")
    p.add_argument("action", choices=["list", "run"])
    p.add_argument("milestone", nargs="?", metavar="MILESTONE", help="year or name, e.g. 1957 or perceptron")
    p.add_argument("--fast", action="store_true", help="the small variant the test suite runs")
    p = sub.add_parser("grades", help="the gradebook as a table, and as CSV")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the gradebook to FILE")
    return top


def _each_module(ws, args, check, failure: str) -> None:
    """Run `check(ws, module, timeout) -> (report, ok)` on every selected module; fail naming the bad ones."""
    failed = []
    for module in ws.select(args.modules):
        text, ok = check(ws, module, args.timeout)
        print(text + "\n")
        if not ok:
            failed.append(module.assignment)
    if failed:
        raise TitoError(f"{failure} {', '.join(failed)}")


def run(args) -> int:
    ws = find_workspace()
    cmd = args.command
    if cmd not in STUDENT_COMMANDS:  # before importing: a student bundle has no grading or authoring packages
        ws.require_instructor(cmd)
    if cmd == "build":
        from .packaging.build import build
        for path in build(ws, ws.select(args.modules)):
            print(f"built {path.relative_to(ws.root)}")
    elif cmd == "export":
        from .export import check, export
        modules = ws.select(args.modules)
        if args.check:
            problems = check(ws, modules, everything=not args.modules)
            if problems:
                print("\n".join(problems))
                raise TitoError(f"{len(problems)} file(s) in tinytorch/ differ from the export: run `tito export`")
            print(f"tinytorch/ matches the export of {len(modules)} module(s)")
        else:
            export(ws, modules)
            print(f"exported {', '.join(m.assignment for m in modules)} into {ws.lib_dir.relative_to(ws.root)}/")
    elif cmd == "lint":
        from .authoring.lint import lint
        modules = ws.select(args.modules)
        problems = lint(ws, modules)
        for p in problems:
            print(p)
        if problems:
            raise TitoError(f"lint: {len(problems)} problem(s)")
        print(f"lint: {len(modules)} module(s) clean")
    elif cmd == "validate":
        from .authoring.validate import validate_module
        check = lambda ws, module, timeout: validate_module(ws, module, timeout, args.jobs)
        _each_module(ws, args, check, "integrity gate failed for")
    elif cmd == "release":
        from .packaging.release import release
        released = release(ws, ws.select(args.modules))
        print(f"released {', '.join(released)} into course/release/; student bundle in "
              f"{ws.bundle_dir.relative_to(ws.root)}/ (leak check passed)")
    elif cmd == "test":
        from .notebook_tests import test_module
        check = lambda ws, module, timeout: test_module(ws, module, timeout, args.verbose)
        _each_module(ws, args, check, "tests failed in")
    elif cmd == "samples":
        from .authoring.samples import make_samples
        module = ws.select([args.module])[0]
        print(f"wrote samples for {module.assignment}: {', '.join(make_samples(ws, module))}")
    elif cmd == "grade":
        from .grading.grade import grade, results_table
        module = ws.select([args.module])[0]
        if os.geteuid() != 0:
            print("tito: warning: not running as root: kernels get a file system of their own and no network only "
                  "where this system allows user namespaces, and no uid or process limit of their own (README, "
                  "For the autograder)",
                  file=sys.stderr)
        print(results_table(module, grade(ws, module, args.student, args.timeout, args.jobs, args.cluster, args.scheduler)))
    elif cmd == "feedback":
        from .reports.feedback import feedback
        pages = feedback(ws, ws.select([args.module])[0])
        print(f"wrote {len(pages)} feedback page(s) under course/feedback/")
    elif cmd == "written":
        from .grading import manual_grades
        ws.require_instructor("written")
        module = ws.select([args.module])[0]
        if args.export:
            print(f"wrote {manual_grades.export_answers(ws, module, args.export)} answers to {args.export}: fill in "
                  f"score and comment, then `tito written {module.number} --import {args.export}`")
        else:
            print(f"imported {manual_grades.import_grades(ws, module, args.import_)} scores and comments from {args.import_}")
    elif cmd == "report":
        from .reports.report import write_report
        text, written = write_report(ws, ws.select([args.module])[0])
        print(text)
        print("wrote " + ", ".join(str(p.relative_to(ws.root)) for p in written))
    elif cmd == "similarity":
        from .reports.similarity import write_similarity
        text, written = write_similarity(ws, ws.select([args.module])[0], args.threshold)
        print(text)
        print("wrote " + ", ".join(str(p.relative_to(ws.root)) for p in written))
    elif cmd == "milestone":
        from . import milestones
        from .table import render
        if args.action == "list":
            print(render(["year", "name", "modules", "what"],
                         [[m.year, m.name, " ".join(m.requires), m.summary] for m in milestones.milestones(ws)]))
        else:
            if not args.milestone:
                raise TitoError("`tito milestone run` needs a MILESTONE (year or name); see `tito milestone list`")
            milestones.run(ws, milestones.find(ws, args.milestone), args.fast)
    elif cmd == "grades":
        from .reports.grades import table, write_csv
        print(table(ws))
        if args.csv:
            print(f"wrote {write_csv(ws, args.csv)} rows to {args.csv}")
    return 0


def _mode() -> str:
    """The workspace's mode for `--help`; outside a workspace everything is listed (the command then says why)."""
    try:
        return find_workspace().mode
    except TitoError:
        return "instructor"


def main(argv: list[str] | None = None) -> int:
    args = parser(_mode()).parse_args(argv)
    quiet_known_warnings()
    try:
        return run(args)
    except TitoError as e:
        print(f"tito: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tito: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
