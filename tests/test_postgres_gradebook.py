"""A PostgreSQL gradebook (TINYTORCH_DB_URL) grades exactly as the SQLite one, also with several graders at once.

The server is started by the test session (conftest.postgres_server); module 01 and its samples are graded.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GRADE_TIMEOUT, copy_course, gradebook_scores, ok, sqlite_url
from workspace_factory import REPO, TITO, make_workspace, tito
import postgres

MODULE = "01_tensor"


def with_db(url: str) -> dict:
    return {"TINYTORCH_DB_URL": url}


@pytest.fixture(scope="module")
def pg_graded(postgres_server, tmp_path_factory) -> tuple[Path, str, str]:
    """A course copy whose gradebook is a fresh PostgreSQL database, released, samples graded once:
    (root, database URL, what `tito grade` printed)."""
    root = copy_course(tmp_path_factory.mktemp("pg-course"))
    env = with_db(postgres_server.database("serial"))
    ok(tito(root, "release", "01", env=env))
    ok(tito(root, "samples", "01", env=env))
    result = ok(tito(root, "grade", "01", "--timeout", GRADE_TIMEOUT, env=env))
    return root, env["TINYTORCH_DB_URL"], result.stdout


def test_postgres_grades_like_sqlite(graded, pg_graded, tmp_path):
    sqlite_root, sqlite_report = graded
    root, url, report = pg_graded
    expected = gradebook_scores(sqlite_url(sqlite_root), MODULE)
    assert len(expected) == 5 and expected["sample-complete"]  # every gradable sample, with its tests
    assert gradebook_scores(url, MODULE) == expected  # every student, every test, same score
    assert not (root / "course" / "gradebook.db").exists()  # nothing went to SQLite
    assert report == sqlite_report  # same table, same reasons
    ok(tito(sqlite_root, "grades", "--csv", str(tmp_path / "sqlite.csv")))
    ok(tito(root, "grades", "--csv", str(tmp_path / "postgres.csv"), env=with_db(url)))
    assert (tmp_path / "postgres.csv").read_text() == (tmp_path / "sqlite.csv").read_text()


RESULTS = "course/reports/01_tensor/results.csv"


@pytest.fixture(scope="module")
def pg_report(pg_graded) -> tuple[str, str]:
    """`tito report 01` on the PostgreSQL course: (what it printed, its results.csv)."""
    root, url, _ = pg_graded
    result = ok(tito(root, "report", "01", env=with_db(url)))
    return result.stdout.replace(str(root), ""), (root / RESULTS).read_text()


def test_report_on_postgres_is_the_sqlite_report(graded, pg_report):
    sqlite_root, _ = graded
    sqlite_result = ok(tito(sqlite_root, "report", "01"))
    assert pg_report == (sqlite_result.stdout.replace(str(sqlite_root), ""), (sqlite_root / RESULTS).read_text())


def test_regrading_one_student_changes_only_them(pg_graded):
    root, url, _ = pg_graded
    env = with_db(url)
    before = gradebook_scores(url, MODULE)
    target = root / "course/submitted/sample-complete/01_tensor/tensor.ipynb"
    saved = target.read_bytes()
    try:  # sample-complete hands in the untouched notebook: it now scores what sample-untouched scores
        shutil.copy(root / "course/submitted/sample-untouched/01_tensor/tensor.ipynb", target)
        ok(tito(root, "grade", "01", "--student", "sample-complete", env=env))
        after = gradebook_scores(url, MODULE)
        assert after["sample-complete"] == before["sample-untouched"] != before["sample-complete"]
        assert {s: v for s, v in after.items() if s != "sample-complete"} == \
               {s: v for s, v in before.items() if s != "sample-complete"}
    finally:
        target.write_bytes(saved)
        ok(tito(root, "grade", "01", "--student", "sample-complete", env=env))
    assert gradebook_scores(url, MODULE) == before


# Two machines (course copies) share one fresh database; on the first, two terminals grade at once. Every
# student is graded by two of the three graders, at the same time.
GRADERS = [  # (machine, students)
    (0, ["sample-complete", "sample-untouched", "sample-edited-tests"]),
    (0, ["sample-edited-tests", "sample-deleted-test", "sample-invalid-json"]),
    (1, ["sample-deleted-test", "sample-invalid-json", "sample-complete", "sample-untouched"]),
]


def run_at_once(commands: list[tuple[Path, list[str]]], env: dict) -> list[subprocess.CompletedProcess]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **env)
    running = [subprocess.Popen(TITO + args, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for cwd, args in commands]
    results = []
    for args, process in zip(commands, running):
        stdout, stderr = process.communicate(timeout=900)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def test_graders_at_once_end_in_the_serial_gradebook(postgres_server, pg_graded, pg_report, tmp_path):
    _, serial_url, _ = pg_graded
    env = with_db(postgres_server.database("shared"))
    machines = [copy_course(tmp_path / "machine-a"), copy_course(tmp_path / "machine-b")]
    # Both machines release into the empty database at once: nbgrader creates the tables and the
    # assignment's rows on first use, so one of them must wait for the other.
    for result in run_at_once([(m, ["release", "01"]) for m in machines], env):
        ok(result)
    for machine in machines:
        ok(tito(machine, "samples", "01"))
    commands = [(machines[m], ["grade", "01", "--timeout", GRADE_TIMEOUT, "--student", *students])
                for m, students in GRADERS]
    for result in run_at_once(commands, env):
        ok(result)

    serial = gradebook_scores(serial_url, MODULE)
    serial.pop("sample-infinite-loop")  # not graded here: it only costs time
    assert gradebook_scores(env["TINYTORCH_DB_URL"], MODULE) == serial  # each student once, right scores
    # The first machine graded every student; its report (not-graded reasons from two graders' records,
    # failure reasons from its autograded notebooks) is the serial one without the student left out.
    ok(tito(machines[0], "report", "01", env=env))
    serial_rows = [r for r in pg_report[1].splitlines() if "sample-infinite-loop" not in r]
    assert (machines[0] / RESULTS).read_text().splitlines() == serial_rows


def test_an_unreachable_database_is_one_clear_error(tmp_path):
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed: pip install -e '.[grading]'")
    root = make_workspace(tmp_path / "ws")
    port = postgres.free_port()  # nobody listens there
    env = with_db(f"postgresql+psycopg://grader:s3cret@127.0.0.1:{port}/course")
    result = tito(root, "grades", env=env)
    assert result.returncode == 1, result.stderr
    assert (f"tito: error: cannot reach the gradebook database "
            f"postgresql+psycopg://grader:***@127.0.0.1:{port}/course: ") in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
