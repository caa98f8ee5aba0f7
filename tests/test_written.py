"""Written answers graded by a person: released without their rubric, left waiting by `tito grade`, graded by
CSV import, shown apart from the tests in grades, report and feedback, and kept when the module is graded
again. The course is the toy module with one written question (3 points) beside its tests (10 points)."""
from __future__ import annotations

import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from tito.grading.nbgrader_app import gradebook
from tito.notebooks import answer_cells
from tito.packaging.leaks import find_leaks, secret_lines
from tito.workspace import find_workspace
from workspace_factory import REPO, TOY_SOURCE, TOY_WRITTEN, make_workspace, tito
from conftest import ok

RUBRIC_LINE = "- 1 point: says that `*` builds a new array"
MODEL = "`x * 2` returns a new array, so the caller's x is untouched."


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_workspace(tmp_path_factory.mktemp("written") / "course", {"01_toy": TOY_SOURCE + TOY_WRITTEN})
    for step in (["export"], ["lint"], ["release"], ["samples", "01"], ["grade", "01"]):
        ok(tito(root, *step))
    return root


def grades(root) -> dict[str, dict]:
    ok(tito(root, "grades", "--csv", str(root / "grades.csv")))
    with open(root / "grades.csv", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerows(rows)


def test_the_release_and_bundle_hold_no_rubric(course):
    released = (course / "course/release/01_toy/toy.ipynb").read_text()
    assert "YOUR ANSWER HERE" in released and RUBRIC_LINE not in released and MODEL not in released
    ws = find_workspace(course)
    secret = secret_lines(ws.modules(), ws.root)
    assert RUBRIC_LINE in secret and f"Model answer: {MODEL}" in secret
    assert find_leaks(course / "dist/student", secret) == [] and find_leaks(course / "course/release", secret) == []
    (course / "course/release/planted.md").write_text(f"notes\n{RUBRIC_LINE}\n")
    try:
        assert [leak.where for leak in find_leaks(course / "course/release", secret)] == ["planted.md:2"]
    finally:
        (course / "course/release/planted.md").unlink()


def test_grading_leaves_written_answers_to_a_person(course):
    marks = grades(course)["sample-complete"]
    assert (marks["tests"], marks["tests_max"], marks["written"], marks["written_max"]) == ("10", "10", "0", "3")
    assert marks["written_waiting"] == "1" and marks["score"] == "10" and marks["max_score"] == "13"
    shown = ok(tito(course, "grades")).stdout
    assert "10/13 (tests 10, written 0, 1 waiting)" in shown
    report = ok(tito(course, "report", "01")).stdout
    assert "waiting for a person" in report
    with open(course / "course/reports/01_toy/results.csv", newline="") as f:
        written = {r["student"]: r["status"] for r in csv.DictReader(f) if r["kind"] == "written"}
    # nbgrader scores an answer left as released 0 by itself: nobody graded it, and nobody needs to
    assert written["sample-untouched"] == "not answered" and written["sample-complete"] == "waiting for a person"


def test_answers_exported_graded_and_imported(course):
    exported = course / "answers.csv"
    ok(tito(course, "written", "01", "--export", str(exported)))
    with open(exported, newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["sample-complete"]["answer"] == MODEL and rows["sample-untouched"]["answer"] == "YOUR ANSWER HERE"
    assert RUBRIC_LINE in rows["sample-complete"]["rubric"] and rows["sample-complete"]["points"] == "3"
    write_csv(course / "scores.csv", [["student", "question", "score", "comment"],
                                      ["sample-complete", "written-why", "2", "Right; say who else uses x."],
                                      ["sample-untouched", "written-why", "0", ""],
                                      ["sample-edited-tests", "written-why", "", ""]])  # not graded yet: skipped
    assert "imported 2 " in ok(tito(course, "written", "01", "--import", str(course / "scores.csv"))).stdout
    marks = grades(course)
    assert (marks["sample-complete"]["written"], marks["sample-complete"]["score"]) == ("2", "12")
    assert marks["sample-complete"]["written_waiting"] == "0" and marks["sample-edited-tests"]["written_waiting"] == "1"
    ok(tito(course, "report", "01"))
    with open(course / "course/reports/01_toy/results.csv", newline="") as f:
        written = {r["student"]: r for r in csv.DictReader(f) if r["kind"] == "written"}
    assert written["sample-complete"]["status"] == "graded by a person" and written["sample-complete"]["score"] == "2"
    assert written["sample-complete"]["detail"] == "Right; say who else uses x."
    ok(tito(course, "feedback", "01"))
    page = (course / "course/feedback/sample-complete/01_toy/toy.html").read_text()
    assert "Written response" in page and "Right; say who else uses x." in page and RUBRIC_LINE not in page


@pytest.fixture
def formgrader(course):
    """nbgrader's formgrader (a Jupyter server with its extension) on 127.0.0.1 in the course folder:
    (base URL, headers); stopped after the test."""
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--allow-root"],  # nbgrader's install enables the formgrader
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(REPO)))
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if call("GET", f"{base}/formgrader/api/status", headers)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the formgrader did not start"
            time.sleep(1)
        yield base, headers
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method: str, url: str, headers: dict, body=None):
    """(status, decoded JSON) of one request to the formgrader's API."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read() or b"null")


def test_the_formgrader_api_grades_a_written_answer(course, formgrader):
    """What an instructor does in the formgrader's page, through the same HTTP API: score and comment an answer;
    tito grades, feedback and a re-grade then see them."""
    base, headers = formgrader
    _, notebooks = call("GET", f"{base}/formgrader/api/submitted_notebooks/01_toy/toy", headers)
    mine = next(nb for nb in notebooks if nb["student"] == "sample-deleted-test")
    _, found = call("GET", f"{base}/formgrader/api/grades?submission_id={mine['id']}", headers)
    grade = next(g for g in found if g["name"] == "written-why")
    assert grade["needs_manual_grade"] and grade["max_score"] == 3
    status, saved = call("PUT", f"{base}/formgrader/api/grade/{grade['id']}", headers, {"manual_score": 3})
    assert status == 200 and saved["manual_score"] == 3 and not saved["needs_manual_grade"]
    _, comments = call("GET", f"{base}/formgrader/api/comments?submission_id={mine['id']}", headers)
    comment = next(c for c in comments if c["name"] == "written-why")
    call("PUT", f"{base}/formgrader/api/comment/{comment['id']}", headers, {"manual_comment": "Full marks, via the formgrader."})
    marks = grades(course)["sample-deleted-test"]
    assert (marks["written"], marks["written_waiting"], marks["score"]) == ("3", "0", "13")
    ok(tito(course, "grade", "01", "--student", "sample-deleted-test"))
    assert grades(course)["sample-deleted-test"]["written"] == "3"
    ok(tito(course, "feedback", "01"))
    assert "Full marks, via the formgrader." in (course / "course/feedback/sample-deleted-test/01_toy/toy.html").read_text()


def test_a_bad_import_names_each_bad_row_and_writes_nothing(course):
    before = grades(course)
    write_csv(course / "bad.csv", [["student", "question", "score", "comment"],
                                   ["sample-complete", "written-why", "3", "would change the score"],
                                   ["nobody", "written-why", "1", ""],
                                   ["sample-complete", "written-how", "1", ""],
                                   ["sample-complete", "written-why", "4", ""],
                                   ["sample-complete", "written-why", "lots", ""]])
    result = tito(course, "written", "01", "--import", str(course / "bad.csv"))
    assert result.returncode != 0
    for says in ("bad.csv:3: 'nobody' has no graded submission", "bad.csv:4: 'written-how' is not a written question",
                 "bad.csv:5: score 4 is outside 0..3", "bad.csv:6: score 'lots' is not a number"):
        assert says in result.stderr, result.stderr
    assert grades(course) == before


def test_grading_again_keeps_what_a_person_gave(course):
    """A re-grade keeps the score and comment; an answer changed since is marked waiting again, score kept."""
    ok(tito(course, "grade", "01", "--student", "sample-complete"))
    marks = grades(course)["sample-complete"]
    assert (marks["written"], marks["written_waiting"], marks["score"]) == ("2", "0", "12")
    submitted = course / "course/submitted/sample-complete/01_toy/toy.ipynb"
    nb = nbformat.read(submitted, as_version=4)
    answer_cells(nb)[0].source = "A new array, because the caller may still need x."
    nbformat.write(nb, submitted)
    ok(tito(course, "grade", "01", "--student", "sample-complete"))
    marks = grades(course)["sample-complete"]
    assert (marks["written"], marks["written_waiting"]) == ("2", "1")
    with gradebook(find_workspace(course)) as gb:
        comment = gb.find_comment("written-why", "toy", "01_toy", "sample-complete")
        assert comment.manual_comment == "Right; say who else uses x."
    assert not (course / "course/reports/01_toy/manual_grades.json").exists() or \
        "sample-complete" not in json.loads((course / "course/reports/01_toy/manual_grades.json").read_text())


def test_an_answer_turned_into_code_never_runs(course):
    """A written answer made a code cell is put back as text: its code does not run, and it is reported."""
    folder = course / "course/submitted/sample-sneaky/01_toy"
    folder.mkdir(parents=True)
    nb = nbformat.read(course / "course/submitted/sample-complete/01_toy/toy.ipynb", as_version=4)
    index = nb.cells.index(answer_cells(nb)[0])
    cell = nb.cells[index]
    nb.cells[index] = nbformat.v4.new_code_cell("raise SystemExit('the answer cell ran')", metadata=cell.metadata,
                                                id=cell.id)
    nbformat.write(nb, folder / "toy.ipynb")
    report = ok(tito(course, "grade", "01", "--student", "sample-sneaky")).stdout
    assert "written-why turned into a code cell" in report
    graded = nbformat.read(course / "course/autograded/sample-sneaky/01_toy/toy.ipynb", as_version=4)
    assert answer_cells(graded)[0].cell_type == "markdown"
    assert "the answer cell ran" not in json.dumps([c.get("outputs", []) for c in graded.cells])
    assert grades(course)["sample-sneaky"]["tests"] == "10"
