"""Make nbgrader cheaper per submission in the grading coordinator, which runs autograde for every student
alone (the workers only run notebooks), without changing what it computes. Measured with
benchmarks/grading_phases.py; nbgrader is pinned (0.9.6), and these touch only what that version does:

- nbgrader checks every cell's nbgrader metadata with `jsonschema.validate`, which re-checks the schema itself
  on each call (a third of the coordinator's CPU time): the same check with the validator built once.
- the gradebook commits once per graded cell: SQLite in write-ahead-log mode with `synchronous=NORMAL` does not
  wait for the disk at each commit, and a killed grader still loses no committed score (only a power cut can
  take back the last commits; the database stays consistent).
"""
from __future__ import annotations

import functools
import json
import types

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    import jsonschema
    from nbgrader.nbgraderformat import common
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

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

    @event.listens_for(Engine, "connect")
    def sqlite_without_waiting_for_the_disk(connection, _record) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
