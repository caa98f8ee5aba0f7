"""`tito grade` on the sample submissions, `tito feedback` and `tito grades`."""
from __future__ import annotations

import csv
import html
import re

import pytest

from tito.reports.grades import collect
from tito.packaging.leaks import secret_lines
from tito.workspace import find_workspace
from workspace_factory import tito
from conftest import copy_course, graded_points, last_task, ok, named_after

POINTS = graded_points("01_tensor")
VICTIM_TESTS = named_after(last_task("01_tensor"), POINTS)  # what the broken samples lose: the last task's tests
KEPT = 100 - sum(POINTS[t] for t in VICTIM_TESTS)


def scores(root):
    _, rows = collect(find_workspace(root))
    return {m.student: m.tests for m in rows if m.assignment == "01_tensor"}  # the autograded points


def row(report, student):
    return next(line for line in report.splitlines() if line.startswith(student + " "))


def test_complete_scores_full(graded):
    root, report = graded
    assert scores(root)["sample-complete"] == 100
    assert "100/100" in row(report, "sample-complete")


def test_untouched_scores_zero(graded):
    root, _ = graded
    assert scores(root)["sample-untouched"] == 0


def test_edited_tests_are_restored_and_graded_for_real(graded):
    """Test cells edited to `pass` are replaced by the real ones: the stubbed last task loses its points."""
    root, report = graded
    assert VICTIM_TESTS and scores(root)["sample-edited-tests"] == KEPT
    assert f"{VICTIM_TESTS[0]}: NotImplementedError" in row(report, "sample-edited-tests")


def test_deleted_test_is_restored(graded):
    root, _ = graded
    assert scores(root)["sample-deleted-test"] == 100
    graded_nb = (root / "course/autograded/sample-deleted-test/01_tensor/tensor.ipynb").read_text()
    assert "def test_tensor_creation" in graded_nb


def test_infinite_loop_loses_only_that_test(graded):
    root, report = graded
    assert scores(root)["sample-infinite-loop"] == KEPT
    assert f"{VICTIM_TESTS[0]}: timeout" in row(report, "sample-infinite-loop")


def test_invalid_json_is_reported_and_the_batch_goes_on(graded):
    root, report = graded
    assert "sample-invalid-json" not in scores(root)
    line = row(report, "sample-invalid-json")
    assert "not graded" in line and "not valid notebook JSON" in line
    assert len(scores(root)) == 5  # every other submission was graded


def test_regrade_is_idempotent_and_a_failed_regrade_leaves_no_old_score(graded):
    root, _ = graded
    before = scores(root)
    ok(tito(root, "grade", "01", "--student", "sample-complete", "sample-untouched"))
    assert scores(root) == before
    # the complete submission turns into garbage: its old 100 must not survive the failed re-grade
    target = root / "course/submitted/sample-complete/01_tensor/tensor.ipynb"
    saved = target.read_text()
    try:
        target.write_text("{not json")
        result = ok(tito(root, "grade", "01", "--student", "sample-complete"))
        assert "not valid notebook JSON" in result.stdout
        assert "sample-complete" not in scores(root)
    finally:
        target.write_text(saved)
        ok(tito(root, "grade", "01", "--student", "sample-complete"))
    assert scores(root) == before


def test_parallel_grading_matches_serial(graded):
    root, report = graded
    before = scores(root)
    result = ok(tito(root, "grade", "01", "--jobs", "2", "--timeout", "10"))
    assert scores(root) == before
    assert result.stdout == report  # same table, same order, same reasons
    assert "Warning" not in result.stderr


def test_the_coordinator_uses_a_workers_run_only_if_it_ran_these_cells(graded):
    """judge() takes a worker's run as it is when its cell sources are the prepared ones (an empty run scores 0)
    and runs the notebook itself when they differ (the complete sample then scores 100)."""
    from tito.grading.grade import grade_one, judge, max_points, prepare
    from tito.grading.nbgrader_app import nbgrader_api

    root, _ = graded
    ws = find_workspace(root)
    module = ws.select(["01"])[0]
    api = nbgrader_api(ws, 10, grading=True)

    def run_of(change):
        prepared = prepare(ws, module, "sample-complete", api, max_points(ws, module))
        cells = [{"source": change(c.source), "outputs": [], "execution_count": 1} for c in prepared.notebook.cells]
        return judge(ws, module, prepared, {"cells": cells, "observations": {}, "problems": [], "isolation": "-"}, api)
    try:
        assert run_of(lambda source: source).score == 0
        assert run_of(lambda source: source + "\n# other").score == 100
    finally:
        assert grade_one(ws, module, "sample-complete", api).score == 100


def page_text(path):
    """What a reader of the HTML sees: tags dropped, entities decoded (syntax highlighting splits code in spans)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_feedback_has_no_hidden_test_and_no_traceback(graded):
    root, _ = graded
    ok(tito(root, "feedback", "01"))
    pages = sorted((root / "course/feedback").glob("*/01_tensor/tensor.html"))
    assert len(pages) == 5
    ws = find_workspace(root)
    hidden = [line for line, origin in secret_lines(ws.modules(), ws.root).items()
              if "np.broadcast_shapes" in line or "rng.integers" in line]
    assert hidden  # hidden-test lines we can look for
    for page in pages:
        text = page_text(page)
        assert "def test_broadcast_shape" in text  # the visible tests are shown
        for line in hidden:
            assert line not in text, f"{page}: hidden test line shown: {line}"
        assert "Traceback" not in text and "ipython-input" not in text
    untouched = page_text(root / "course/feedback/sample-untouched/01_tensor/tensor.html")
    assert "NotImplementedError" in untouched


def test_grades_table_and_csv(graded, tmp_path):
    root, _ = graded
    result = ok(tito(root, "grades", "--csv", str(tmp_path / "grades.csv")))
    assert re.search(r"sample-complete\s+100/\d+", result.stdout)
    with open(tmp_path / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert float({r["student"]: r["tests"] for r in rows}["sample-edited-tests"]) == KEPT
    assert all(r["tests_max"] == "100" and r["assignment"] == "01_tensor" for r in rows)
    # written answers wait for a person: they add to the maximum, not yet to the score
    assert all(float(r["max_score"]) == 100 + float(r["written_max"]) and r["written"] == "0" for r in rows)


def test_report_csv_summary_and_plots(graded):
    root, _ = graded
    result = ok(tito(root, "report", "01"))
    assert "01_tensor: 6 students" in result.stdout
    victim = VICTIM_TESTS[0]
    assert re.search(rf"{victim}\s+{POINTS[victim]}\s+[\d.]+\s+33%\s+.*timeout 1", result.stdout), result.stdout
    folder = root / "course/reports/01_tensor"
    with open(folder / "results.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "test"]
    assert len(rows) == 6 * len(POINTS)
    by = {(r["student"], r["test"]): r for r in rows}
    assert by[("sample-infinite-loop", VICTIM_TESTS[0])]["status"] == "timeout"
    assert by[("sample-untouched", "test-matmul")]["status"] == "error"
    assert by[("sample-untouched", "test-matmul")]["detail"] == "NotImplementedError"
    assert by[("sample-invalid-json", "test-matmul")]["status"] == "not graded"
    assert "not valid notebook JSON" in by[("sample-invalid-json", "test-matmul")]["detail"]
    assert sum(float(r["score"]) for r in rows if r["student"] == "sample-complete") == 100
    for name in ("score_distribution.png", "pass_rates.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_extra_files_never_reach_the_grading_folder(graded):
    """A `numpy.py` beside the notebook would shadow NumPy in the kernel; the grader ignores it and says so."""
    import shutil
    root, _ = graded
    folder = root / "course/submitted/extra-files/01_tensor"
    folder.mkdir(parents=True)
    shutil.copy(root / "course/submitted/sample-complete/01_tensor/tensor.ipynb", folder / "tensor.ipynb")
    (folder / "numpy.py").write_text("raise SystemExit('the fake numpy ran')\n")
    try:
        result = ok(tito(root, "grade", "01", "--student", "extra-files"))
        assert scores(root)["extra-files"] == 100
        assert "ignored extra files: numpy.py" in row(result.stdout, "extra-files")
        assert not (root / "course/autograded/extra-files/01_tensor/numpy.py").exists()
    finally:
        shutil.rmtree(root / "course/submitted/extra-files")
        from tito.grading.nbgrader_app import gradebook
        with gradebook(find_workspace(root)) as gb:
            gb.remove_student("extra-files")


def test_non_utf8_submission_is_named_and_skipped(graded):
    import shutil
    root, _ = graded
    folder = root / "course/submitted/latin1/01_tensor"
    folder.mkdir(parents=True)
    text = (root / "course/submitted/sample-complete/01_tensor/tensor.ipynb").read_bytes()
    (folder / "tensor.ipynb").write_bytes(text.replace(b"Tensor", b"T\xe9nsor", 1))
    try:
        result = ok(tito(root, "grade", "01", "--student", "latin1"))
        assert "not graded" in row(result.stdout, "latin1") and "not UTF-8 text (byte 0xe9" in row(result.stdout, "latin1")
        assert "latin1" not in scores(root)
    finally:
        from tito.grading.records import record_not_graded
        shutil.rmtree(root / "course/submitted/latin1")
        ws = find_workspace(root)
        record_not_graded(ws, ws.select(["01"])[0], "latin1", "")


def test_the_config_names_what_each_module_s_sandbox_may_import_and_read(tmp_path):
    """c.SandboxExecute.packages for every module, module_packages for one, allow_paths; a wrong name is refused."""
    from tito.errors import TitoError
    from tito.grading.settings import sandbox_for

    root = copy_course(tmp_path / "course")
    config = root / "nbgrader_config.py"
    base = config.read_text(encoding="utf-8")
    config.write_text(base + '\nc.SandboxExecute.packages = ["jinja2"]\nc.SandboxExecute.module_packages = '
                      '{"07_data": ["markupsafe"]}\nc.SandboxExecute.allow_paths = ["/srv/course-data"]\n')
    ws = find_workspace(root)
    tensor, data = ws.select(["01"])[0], ws.select(["07"])[0]
    assert sandbox_for(ws, tensor, tmp_path).packages == ["jinja2"]
    assert sandbox_for(ws, data, tmp_path).packages == ["jinja2", "markupsafe"]
    assert set(sandbox_for(ws, tensor, tmp_path).allow_paths) == {"/srv/course-data", str(ws.root / "datasets")}
    config.write_text(base + '\nc.SandboxExecute.module_packages = {"01_tensor": ["no-such-package-tito"]}\n')
    with pytest.raises(TitoError, match="no-such-package-tito"):
        sandbox_for(find_workspace(root), tensor, tmp_path)
