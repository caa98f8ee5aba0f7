"""Make nbgrader cheaper per submission in the grading coordinator, which runs autograde for every student
alone (the workers only run notebooks), without changing what it computes. Measured with
benchmarks/grading_phases.py; nbgrader is pinned (0.9.6), and these touch only what that version does:

- nbgrader checks every cell's nbgrader metadata with `jsonschema.validate`, which re-checks the schema itself
  on each call (a third of the coordinator's CPU time): the same check with the validator built once.
- nbgrader opens a new Gradebook (so a new SQLAlchemy engine) a dozen times per submission, and each new engine
  starts with an empty cache of compiled SQL: a third of the coordinator's CPU time went to compiling the same
  queries again. One engine per database URL and process keeps the cache (closing a Gradebook still closes its
  connections: `dispose` gives the engine a new pool and keeps the cache). Each new Gradebook also checks every
  table of the schema (a dozen queries); once per engine is enough while its tables are there.
- nbgrader's OverwriteCells and SaveAutoGrades ask the gradebook for each cell, grade and comment by name (a
  query each), and SaveAutoGrades commits after every graded cell, which makes the session load every row
  again: their Gradebook finds by name in what one query per notebook loaded, and commits once, at its end (a
  grader killed mid-way leaves none of that submission's scores, rather than some; the next run grades it
  again).
- each Gradebook nbgrader opens (a dozen per submission) also looks up the course: once per engine is enough.
- autograde first runs its sanitizing steps as a pass of their own (read, validate, write the notebook), then
  its grading steps. tito grade runs the sanitizing steps itself (nbgrader_app), so that first pass has no step
  left and is a copy. nbconvert validates the notebook after every step (seven per pass) to name the step that
  broke it; the notebook is still validated when it is written.
- the gradebook commits once per graded cell: SQLite in write-ahead-log mode with `synchronous=NORMAL` does not
  wait for the disk at each commit, and a killed grader still loses no committed score (only a power cut can
  take back the last commits; the database stays consistent).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import types

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    import jsonschema
    import sqlalchemy
    from nbconvert.exporters.exporter import Exporter
    from nbgrader import api as nbgrader_api
    from nbgrader import utils as nbgrader_utils
    from nbgrader.converters import autograde, base
    from nbgrader.nbgraderformat import common
    from nbgrader.preprocessors import overwritecells, saveautogrades
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from .nbgrader_app import load_cells

    @functools.lru_cache(maxsize=8)
    def validator(schema_text: str):
        schema = json.loads(schema_text)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def validate(instance, schema) -> None:
        error = jsonschema.exceptions.best_match(validator(json.dumps(schema, sort_keys=True)).iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = types.SimpleNamespace(validate=validate)

    engines: dict = {}

    def create_engine(url, **kwargs):
        key = (os.getpid(), str(url), repr(sorted(kwargs.items())))  # a forked process makes its own
        if key not in engines:
            engines[key] = sqlalchemy.create_engine(url, **kwargs)
        return engines[key]

    nbgrader_api.create_engine = create_engine

    # What each Gradebook sets up (its tables, its course row), done once per engine while its tables stand: a
    # database dropped and made again (a gradebook file replaced) gets both again.
    courses: dict = {}  # engine -> the course ids known to be in its database
    create_all = nbgrader_api.Base.metadata.create_all

    def create_all_once(bind=None, **kwargs) -> None:
        if bind in courses and sqlalchemy.inspect(bind).has_table("grade"):  # still there: nothing to create
            return
        create_all(bind=bind, **kwargs)
        courses[bind] = set()

    check_course = nbgrader_api.Gradebook.check_course

    def check_course_once(self, course_id: str = "default_course", **kwargs):
        known = courses.setdefault(self.engine, set())
        if kwargs or course_id not in known:
            check_course(self, course_id=course_id, **kwargs)
            known.add(course_id)

    nbgrader_api.Base.metadata.create_all = create_all_once
    nbgrader_api.Gradebook.check_course = check_course_once

    class OneNotebook(nbgrader_api.Gradebook):
        """The Gradebook nbgrader's per-cell steps use for one notebook: it finds a cell, grade or comment by
        name in what one query per notebook loaded (nbgrader asks once per cell), and its commits wait for its
        end (dropped if it ends with an error)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.db.commit = self.db.flush  # the changes reach the database; the transaction stays open
            self.named: dict = {}

        def _named(self, kind: str, key: tuple, load) -> dict:
            if (kind, key) not in self.named:
                self.named[kind, key] = {item.name: item for item in load()}
            return self.named[kind, key]

        def _cells(self, kind, notebook: str, assignment: str) -> dict:
            return self._named(kind.__name__, (notebook, assignment), lambda: self.db.query(kind).join(
                nbgrader_api.Notebook, nbgrader_api.Notebook.id == kind.notebook_id).join(
                nbgrader_api.Assignment, nbgrader_api.Assignment.id == nbgrader_api.Notebook.assignment_id).filter(
                nbgrader_api.Notebook.name == notebook, nbgrader_api.Assignment.name == assignment).all())

        def find_source_cell(self, name: str, notebook: str, assignment: str):
            found = self._cells(nbgrader_api.SourceCell, notebook, assignment).get(name)
            if found is None:
                raise nbgrader_api.MissingEntry(f"No such source cell: {assignment}/{notebook}/{name}")
            return found

        def find_graded_cell(self, name: str, notebook: str, assignment: str):
            found = self._cells(nbgrader_api.GradeCell, notebook, assignment).get(name) or \
                self._cells(nbgrader_api.TaskCell, notebook, assignment).get(name)
            if found is None:
                raise nbgrader_api.MissingEntry(f"No such grade cell: {assignment}/{notebook}/{name}")
            return found

        def _submitted(self, kind: str, notebook: str, assignment: str, student: str) -> dict:
            def load():
                self.named["cells", assignment] = load_cells(self, assignment)  # grade.cell asks nothing more
                return getattr(self.find_submission_notebook(notebook, assignment, student), kind)
            return self._named(kind, (notebook, assignment, student), load)

        def find_grade(self, name: str, notebook: str, assignment: str, student: str):
            found = self._submitted("grades", notebook, assignment, student).get(name)
            if found is None:
                raise nbgrader_api.MissingEntry(f"No such grade: {assignment}/{notebook}/{name} for {student}")
            return found

        def find_comment(self, name: str, notebook: str, assignment: str, student: str):
            found = self._submitted("comments", notebook, assignment, student).get(name)
            if found is None:
                raise nbgrader_api.MissingEntry(f"No such comment: {assignment}/{notebook}/{name} for {student}")
            return found

        def __exit__(self, exc_type, exc_value, traceback) -> None:
            del self.db.commit
            if exc_type is None:
                self.db.commit()
            super().__exit__(exc_type, exc_value, traceback)

    saveautogrades.Gradebook = overwritecells.Gradebook = OneNotebook  # their only Gradebooks

    convert_single_notebook = autograde.Autograde.convert_single_notebook

    def convert_with_nothing_to_sanitize(self, notebook_filename: str) -> None:
        """Autograde.convert_single_notebook, with its sanitizing pass a copy when it has no step."""
        if self.sanitize_preprocessors:
            return convert_single_notebook(self, notebook_filename)
        names = self.init_single_notebook_resources(notebook_filename)["nbgrader"]
        self.writer.build_directory = self._format_dest(names["assignment"], names["student"])  # as nbgrader's writer
        staged = os.path.join(self.writer.build_directory, os.path.basename(notebook_filename))
        os.makedirs(self.writer.build_directory, exist_ok=True)
        shutil.copyfile(notebook_filename, staged)
        self._sanitizing = False
        self._init_preprocessors()
        try:
            with nbgrader_utils.setenv(NBGRADER_EXECUTION="autograde"):
                base.BaseConverter.convert_single_notebook(self, staged)
        finally:
            self._sanitizing = True

    autograde.Autograde.convert_single_notebook = convert_with_nothing_to_sanitize
    Exporter._validate_preprocessor = lambda self, nb, preprocessor: None

    @event.listens_for(Engine, "connect")
    def sqlite_without_waiting_for_the_disk(connection, _record) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
