"""`tito similarity`: a renamed, reformatted copy is flagged; independent work and untouched releases are not."""
from __future__ import annotations

import csv
import random
import re
import shutil

import nbformat
import pytest

from conftest import ok
from tito.reports.similarity import K, WINDOW, jaccard, kgram_hashes, normalized_tokens, winnow, without_common
from workspace_factory import make_workspace, tito

TASK = '''# %% [markdown]
# **Task: `{name}`.**

# %% nbgrader={{"grade": false, "grade_id": "{gid}", "locked": false, "schema_version": 3, "solution": true, "task": false}}
#| export
def {name}({args}) -> np.ndarray:
    """{doc}"""
    {given}
    ### BEGIN SOLUTION
{body}
    ### END SOLUTION

# %% [markdown]
# Test it.

# %% nbgrader={{"grade": true, "grade_id": "test-{gid}", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}}
def test_{name}():
    from tito.check import observe
    assert {visible}
    ### BEGIN HIDDEN TESTS
    observe("hidden: {name}", {hidden})
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_{name}()

'''

TASKS = [
    dict(name="standardize", gid="standardize", args="x, eps: float = 1e-8", doc="(x - mean) / (std + eps).",
         given="x = np.asarray(x, dtype=np.float64)",
         body="    centered = x - x.mean()\n    spread = np.sqrt((centered ** 2).mean())\n"
              "    return centered / (spread + eps)",
         visible="abs(standardize([1.0, 2.0, 3.0]).mean()) < 1e-9", hidden="standardize(np.arange(5.0))"),
    dict(name="moving_average", gid="moving-average", args="x, n: int", doc="Means of every n consecutive values.",
         given="x = np.asarray(x, dtype=np.float64)",
         body="    sums = np.cumsum(np.concatenate([[0.0], x]))\n    return (sums[n:] - sums[:-n]) / n",
         visible="list(moving_average([1.0, 3.0, 5.0], 2)) == [2.0, 4.0]", hidden="moving_average(np.arange(6.0), 3)"),
    dict(name="one_hot", gid="one-hot", args="labels, classes: int", doc="One row per label, 1.0 in its column.",
         given="labels = np.asarray(labels, dtype=np.int64)",
         body="    out = np.zeros((labels.size, classes), dtype=np.float32)\n"
              "    out[np.arange(labels.size), labels] = 1.0\n    return out",
         visible="one_hot([1], 2).tolist() == [[0.0, 1.0]]", hidden="one_hot(np.array([2, 0, 1]), 3)"),
]
SOURCE = ("# %% [markdown]\n# # Module 01: Stats\n# Small statistics helpers.\n\n# %%\n#| default_exp core.stats\n\n"
          "# %%\n#| export\nimport numpy as np\n\n" + "".join(TASK.format(**t) for t in TASKS))

# alice: her own loops. bob: NumPy, written another way. mallory: alice's code with new names, other layout,
# comments, a trailing comma. trent: mallory's first two tasks, bob's third. carol: the release with only the
# given line reformatted and a comment added.
ALICE = {
    "standardize": """
    total = 0.0
    for value in x.ravel():
        total += value
    mean = total / x.size
    var = 0.0
    for value in x.ravel():
        var += (value - mean) ** 2
    std = (var / x.size) ** 0.5
    return (x - mean) / (std + eps)""",
    "moving-average": """
    result = []
    for start in range(len(x) - n + 1):
        window = x[start:start + n]
        result.append(sum(window) / n)
    return np.array(result)""",
    "one-hot": """
    table = []
    for label in labels.ravel():
        row = [0.0] * classes
        row[label] = 1.0
        table.append(row)
    return np.array(table, dtype=np.float32)""",
}
BOB = {
    "standardize": "\n    mu, sigma = np.mean(x), np.std(x)\n    return (x - mu) / (sigma + eps)",
    "moving-average": "\n    kernel = np.full(n, 1.0 / n)\n    return np.convolve(x, kernel, mode='valid')",
    "one-hot": "\n    return np.eye(classes, dtype=np.float32)[labels]",
}
MALLORY = {
    "standardize": """
    # add everything up first
    acc = 0.0
    for v in x.ravel(): acc += v
    m = acc / x.size   # the mean
    s2 = 0.0
    for v in x.ravel():
        s2 += (v - m)**2
    sd = (s2 / x.size)**0.5
    return (x - m)/(sd + eps)""",
    "moving-average": """
    out_list = [ ]
    for i in range(len(x) - n + 1):
        # slide the window along
        w = x[i : i + n]
        out_list.append(
            sum(w) / n,
        )
    return np.array(out_list)""",
    "one-hot": """
    rows = []
    for lab in labels.ravel():
        r = [0.0]*classes
        r[lab] = 1.0  # mark the class
        rows.append(r)
    return np.array(rows, dtype=np.float32)""",
}
STUB = re.compile(r"[ \t]*# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)")


def submit(root, student: str, bodies: dict[str, str] | None, edit=None) -> None:
    """A student's notebook: the release with each solution stub replaced by `bodies[grade_id]`."""
    nb = nbformat.read(root / "course/release/01_stats/stats.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if bodies and gid in bodies:
            cell.source = STUB.sub(lambda _: bodies[gid].strip("\n"), cell.source)
        if edit and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = edit(cell.source)
    target = root / f"course/submitted/{student}/01_stats/stats.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released one-module course with the demo samples, three students' work and a second untouched one."""
    root = make_workspace(tmp_path_factory.mktemp("similarity"), {"01_stats": SOURCE})
    ok(tito(root, "release", "01"))
    ok(tito(root, "samples", "01"))
    submit(root, "alice", ALICE)
    submit(root, "bob", BOB)
    submit(root, "mallory", MALLORY)
    submit(root, "trent", {**MALLORY, "one-hot": BOB["one-hot"]})
    submit(root, "carol", None, edit=lambda s: s.replace("np.asarray(x, dtype=np.float64)",
                                                          "np.asarray( x , dtype = np.float64 )  # given") + "\n# TODO")
    result = ok(tito(root, "similarity", "01"))
    rows = list(csv.DictReader((root / "course/reports/01_stats/similarity.csv").open()))
    return root, result.stdout, {frozenset((r["student_a"], r["student_b"])): r for r in rows}


def score(pairs, a: str, b: str) -> float:
    return float(pairs[frozenset((a, b))]["similarity"])


def test_a_renamed_reformatted_copy_is_flagged(course):
    _, out, pairs = course
    assert score(pairs, "alice", "mallory") == 1.0
    flagged = out.split("\n\n")[0]
    assert re.search(r"^alice\s+mallory\s+1\.00\s+\d+$", out, re.M), out
    assert "at or above 0.8" in flagged


def test_a_partial_copy_scores_in_between(course):
    """Two tasks of three copied: well above independent work, below the default threshold (the docstring of
    tito/reports/similarity.py quotes this figure)."""
    _, out, pairs = course
    assert 0.5 < score(pairs, "alice", "trent") < 0.8
    assert score(pairs, "mallory", "trent") == score(pairs, "alice", "trent")
    assert not re.search(r"^\w+\s+trent\s", out, re.M)


def test_independent_solutions_are_not_flagged(course):
    _, out, pairs = course
    for a, b in (("alice", "bob"), ("bob", "mallory"), ("alice", "sample-complete"), ("bob", "sample-complete")):
        assert score(pairs, a, b) < 0.3, (a, b, pairs[frozenset((a, b))])
    assert not re.search(r"^(alice\s+bob|bob\s+mallory)\s", out, re.M)


def test_untouched_releases_have_nothing_to_compare(course):
    """Given code and stubs are not the student's: an untouched release, reformatted or not, scores 0."""
    _, out, pairs = course
    assert "no code of their own beyond the release: carol, sample-untouched" in out
    for key, row in pairs.items():
        if key & {"carol", "sample-untouched"}:
            assert float(row["similarity"]) == 0.0 and row["shared"] == "0", row


def test_the_samples_that_share_the_reference_pair_up(course):
    """sample-complete and sample-deleted-test hold the same solution code (they differ in a test cell)."""
    _, _, pairs = course
    assert score(pairs, "sample-complete", "sample-deleted-test") == 1.0


def test_csv_png_and_skipped_submission(course):
    root, out, pairs = course
    assert len(pairs) == 10 * 9 // 2  # eleven submitted, the invalid JSON one skipped
    assert re.search(r"^skipped sample-invalid-json: .*not valid notebook JSON$", out, re.M)
    png = (root / "course/reports/01_stats/similarity.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert "wrote course/reports/01_stats/similarity.csv, course/reports/01_stats/similarity.png" in out


def test_threshold_option_and_empty_course(course, tmp_path):
    root, _, _ = course
    everything = ok(tito(root, "similarity", "01", "--threshold", "0"))
    assert "45 pairs, 45 at or above 0" in everything.stdout
    shutil.copytree(root / "course/release", tmp_path / "course/release")
    shutil.copy(root / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(root / "modules", tmp_path / "modules")
    result = tito(tmp_path, "similarity", "01")
    assert result.returncode == 1 and "no submissions in" in result.stderr


# --- the pieces, on small strings ---

def test_renaming_layout_comments_and_docstrings_do_not_change_the_tokens():
    one = 'def f(a, b):\n    """Sum."""\n    # add them\n    return a + b * 2\n'
    two = "def total(x,y,):\n  return x+y*3  # other names, other layout\n"
    assert normalized_tokens(one) == normalized_tokens(two) == \
        ["def", "V", "(", "V", ",", "V", ")", ":", "return", "V", "+", "V", "*", "0"]


def test_attribute_names_builtins_and_literal_kinds_stay():
    assert normalized_tokens("y = np.sum(len(x)); s = 'a'") == \
        ["V", "=", "V", ".", "sum", "(", "len", "(", "V", ")", ")", "V", "=", '""']
    assert normalized_tokens("s = 'a'") == normalized_tokens('t = "other"') != normalized_tokens("t = 1")


def test_code_that_stops_tokenizing_keeps_its_start():
    assert normalized_tokens('x = 1\ny = """never closed\n') == ["V", "=", "0", "V", "="]
    assert normalized_tokens("def f(:\n  return") == ["def", "V", "(", ":", "return"]  # not Python, still tokens
    assert normalized_tokens("%timeit f(x)\n!ls") == ["%", "V", "V", "(", "V", ")", "!", "V"]  # notebook magics


def test_winnowing_keeps_the_smallest_of_each_window():
    assert winnow([5, 3, 4, 1, 2], 2) == {3, 1}
    assert winnow([7, 9], 8) == {7, 9}
    assert winnow([], 8) == set()


def test_a_shared_run_of_k_plus_window_minus_one_tokens_is_always_found():
    rng = random.Random(0)
    words = [f"t{i}" for i in range(50)]
    for trial in range(200):
        common = rng.choices(words, k=K + WINDOW - 1)
        a = rng.choices(words, k=rng.randrange(0, 60)) + common + rng.choices(words, k=rng.randrange(0, 60))
        b = rng.choices(words, k=rng.randrange(0, 60)) + common + rng.choices(words, k=rng.randrange(0, 60))
        assert winnow(kgram_hashes(a)) & winnow(kgram_hashes(b)), trial
    unrelated = [winnow(kgram_hashes(rng.choices(words, k=200))) for _ in range(2)]
    assert not unrelated[0] & unrelated[1]


def test_fingerprints_in_most_submissions_are_dropped_but_never_a_lone_pair():
    assert without_common({"a": {1, 2}, "b": {1, 2}, "c": {3}}) == ({"a": {1, 2}, "b": {1, 2}, "c": {3}}, 0)
    prints = {"a": {9, 1}, "b": {9, 2}, "c": {9, 3}, "d": {4}, "e": {1}}
    assert without_common(prints) == ({"a": {1}, "b": {2}, "c": {3}, "d": {4}, "e": {1}}, 1)
    assert jaccard(set(), {1}) == 0.0 and jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)
