"""`tito lint` catches each rule of the source contract, naming file, line and rule."""
from __future__ import annotations

import pytest

from tito.authoring.lint import lint_text
from workspace_factory import TOY_SOURCE, TOY_WRITTEN as WRITTEN, make_workspace, tito

PACKAGES = {"core.toy": "01", "core.tensor": "01", "core.later": "05"}


def problems(text: str, number: str = "01") -> list:
    return lint_text(text, "toy.py", number, PACKAGES)


def rules(text: str, number: str = "01") -> set[str]:
    return {p.rule.split()[0] for p in problems(text, number)}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_toy_module_is_clean():
    assert problems(TOY_SOURCE) == []


def test_broken_metadata_json_is_r0():
    text = TOY_SOURCE.replace('"grade_id": "double", ', '"grade_id": "double" ')
    found = problems(text)
    assert any(p.rule.startswith("R0") and p.line == line_of(text, '"grade_id": "double"') for p in found), found


def test_code_that_does_not_parse_is_r0():
    assert "R0" in rules(TOY_SOURCE.replace("return np.asarray(x) * 2", "return np.asarray(x) *"))


@pytest.mark.parametrize("mutation", [
    lambda t: t.replace("#| default_exp core.toy\n", ""),  # missing
    lambda t: t.replace("#| default_exp core.toy", "#| default_exp core.toy\nimport numpy"),  # not alone
    lambda t: t.replace("# %%\n#| default_exp", '# %% nbgrader={"schema_version": 3}\n#| default_exp'),  # metadata
])
def test_default_exp_rule(mutation):
    assert "R1" in rules(mutation(TOY_SOURCE))


def test_solution_cell_without_markers_is_r2():
    text = TOY_SOURCE.replace("    ### BEGIN SOLUTION\n    return np.asarray(x) + 1\n    ### END SOLUTION\n",
                              "    return np.asarray(x) + 1\n")
    found = [p for p in problems(text) if p.rule.startswith("R2")]
    assert found and found[0].line == line_of(text, '"grade_id": "add-one"')


def test_marker_outside_a_solution_cell_is_r2():
    text = TOY_SOURCE.replace("#| export\nimport numpy as np", "#| export\nimport numpy as np\n### BEGIN SOLUTION\n### END SOLUTION")
    assert "R2" in rules(text)


def test_hidden_tests_outside_a_test_cell_is_r2():
    text = TOY_SOURCE.replace("    return np.asarray(x) * 2\n", "    return np.asarray(x) * 2\n    ### BEGIN HIDDEN TESTS\n    ### END HIDDEN TESTS\n")
    assert "R2" in rules(text)


def test_unbalanced_markers_are_r2():
    assert "R2" in rules(TOY_SOURCE.replace("    ### END SOLUTION\n\n# %% [markdown]\n# Test it.\n\n# %% nbgrader={\"grade\": true, \"grade_id\": \"test-add-one\"",
                                            "\n# %% [markdown]\n# Test it.\n\n# %% nbgrader={\"grade\": true, \"grade_id\": \"test-add-one\"", 1))


@pytest.mark.parametrize("mutation, why", [
    (lambda t: t.replace('"grade_id": "test-add-one", "locked": true', '"grade_id": "test-add-one", "locked": false'), "not locked"),
    (lambda t: t.replace('"points": 6', '"points": 0'), "points"),
    (lambda t: t.replace('"grade_id": "test-double"', '"grade_id": "test-add-one"'), "already used"),
    (lambda t: t.replace("if __name__ == \"__main__\":\n    test_double()", "test_double()"), "not called under"),
    (lambda t: t.replace("def test_double():", "def check_double():").replace("    test_double()", "    check_double()"), "exactly one"),
])
def test_graded_test_rule(mutation, why):
    found = [p for p in problems(mutation(TOY_SOURCE)) if p.rule.startswith("R3")]
    assert found and why in found[0].message, found


def test_locked_cell_before_a_test_is_r4():
    text = TOY_SOURCE.replace("# %% [markdown]\n# Test it.\n\n# %% nbgrader={\"grade\": true, \"grade_id\": \"test-double\"",
                              '# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}\n# Test it.\n\n# %% nbgrader={"grade": true, "grade_id": "test-double"')
    found = [p for p in problems(text) if p.rule.startswith("R4")]
    assert found and found[0].line == line_of(text, '"grade_id": "intro"')


@pytest.mark.parametrize("extra", ["print('hello')", "for i in range(3):\n    pass", "def test_inside():\n    assert True"])
def test_side_effects_in_exported_cells_are_r5(extra):
    text = TOY_SOURCE.replace("#| export\nimport numpy as np", "#| export\nimport numpy as np\n" + extra)
    found = [p for p in problems(text) if p.rule.startswith("R5")]
    assert found and found[0].line > line_of(text, "#| export\nimport numpy".split("\n")[1])


def test_importing_a_later_module_is_r6():
    text = TOY_SOURCE.replace("#| export\nimport numpy as np", "#| export\nimport numpy as np\nfrom tinytorch.core.later import Thing")
    found = [p for p in problems(text) if p.rule.startswith("R6")]
    assert found and found[0].line == line_of(text, "from tinytorch.core.later") and "05" in found[0].message


def test_importing_an_unknown_package_path_is_r6():
    assert "R6" in rules(TOY_SOURCE.replace("import numpy as np\n\n#", "import numpy as np\nfrom tinytorch.core.nowhere import X\n\n#", 1))


def test_patching_an_imported_class_is_r6():
    text = TOY_SOURCE.replace("#| export\nimport numpy as np", "#| export\nimport numpy as np\nfrom tinytorch.core.tensor import Tensor")
    assert "R6" not in rules(text, "02")
    assert "R6" in rules(text + "\n# %%\nTensor.double = double\n", "02")
    assert "R6" in rules(text + "\n# %%\nsetattr(Tensor, 'double', double)\n", "02")


def test_a_written_question_with_its_rubric_is_clean():
    assert problems(TOY_SOURCE + WRITTEN) == []


@pytest.mark.parametrize("change, says", [
    (('"grade": true, "grade_id": "written-why", "locked": false, "points": 3,',
      '"grade": false, "grade_id": "written-why", "locked": false,'), "needs \"grade\": true"),
    (('"points": 3, "schema_version": 3, "solution": true', '"points": 4, "schema_version": 3, "solution": true'),
     "the rubric gives 3 points, the cell 4"),
    (("# Rubric:\n", ""), "no rubric"),
    (("# - 1 point: says", "# 1 point, says"), "a rubric item reads"),
    (("# Model answer: `x * 2` returns a new array, so the caller's x is untouched.\n", ""), "no model answer"),
    (("# ### BEGIN SOLUTION\n", ""), "BEGIN SOLUTION"),
    (("# **Question.** Why", "# Why"), "`**Question` line"),
    (('"locked": false, "points": 3', '"locked": true, "points": 3'), "cannot be locked"),
])
def test_written_question_rules_are_r7(change, says):
    """R7 names what is wrong with a written question: points, rubric, model answer, markers, question, lock."""
    text = TOY_SOURCE + WRITTEN.replace(*change)
    assert text != TOY_SOURCE + WRITTEN, change
    found = [p for p in problems(text) if p.rule.startswith("R7") or p.rule.startswith("R2")]
    assert any(says in p.message for p in found), [str(p) for p in problems(text)]


def test_emoji_and_banners_are_r8():
    assert "R8" in rules(TOY_SOURCE.replace("# Test it.", "# Test it \U0001F389", 1))
    assert "R8" in rules(TOY_SOURCE.replace("# Test it.", "# ==========", 1))


def test_cli_prints_file_line_rule_and_fails(tmp_path):
    make_workspace(tmp_path, {"01_toy": TOY_SOURCE.replace('"points": 6', '"points": 0')})
    result = tito(tmp_path, "lint")
    assert result.returncode == 1
    line = line_of(TOY_SOURCE, '"points": 6')
    assert f"modules/01_toy/toy.py:{line}: R3 graded test:" in result.stdout
    assert "lint: 1 problem" in result.stderr


def test_r9_hidden_parts_observe_and_do_not_assert():
    no_observe = TOY_SOURCE.replace('    observe("hidden: double of arange(3)", double(np.arange(3)))\n', "    pass\n")
    assert "R9" in rules(no_observe)
    no_hidden = TOY_SOURCE.replace('    ### BEGIN HIDDEN TESTS\n    observe("hidden: double of arange(3)", '
                                   'double(np.arange(3)))\n    ### END HIDDEN TESTS\n', "")
    assert "R9" in rules(no_hidden)
    asserting = TOY_SOURCE.replace('    observe("hidden: double of arange(3)", double(np.arange(3)))\n',
                                   '    observe("hidden: double of arange(3)", double(np.arange(3)))\n'
                                   '    assert double(2) == 4\n')
    assert "R9" in rules(asserting)


def test_text_naming_a_module_the_course_lacks_is_r10():
    text = TOY_SOURCE.replace("# Test it.", "# Module 05 builds on this; module 18 measures it.", 1)
    found = [p for p in problems(text) if p.rule.startswith("R10")]
    assert [p.line for p in found] == [line_of(text, "module 18")] and "module 18" in found[0].message


def test_importing_the_package_name_resolver_is_allowed():
    text = TOY_SOURCE.replace("#| export\nimport numpy as np", "#| export\nimport numpy as np\n"
                              "from tinytorch._namespace import finished_attribute")
    assert "R6" not in rules(text)


def test_tasks_and_test_names_are_r11():
    no_task = TOY_SOURCE.replace("# **Task: `double`.**", "# Now double.")
    found = [p for p in problems(no_task) if p.rule.startswith("R11")]
    assert len(found) == 1 and "'double' has no `**Task` line" in found[0].message
    renamed = TOY_SOURCE.replace('"grade_id": "test-double"', '"grade_id": "test-twice"')
    found = [p for p in problems(renamed) if p.rule.startswith("R11")]
    assert len(found) == 1 and "'test-twice' is not named after a task" in found[0].message
    aspect = TOY_SOURCE.replace('"grade_id": "test-double"', '"grade_id": "test-double-arrays"')
    assert "R11" not in rules(aspect)


def test_text_naming_a_file_the_bundle_lacks_is_r10():
    text = TOY_SOURCE.replace("# Test it.", "# `tests/test_toy.py` checks more; see `datasets/README.md`.", 1)
    found = [p for p in problems(text) if p.rule.startswith("R10")]
    assert len(found) == 1 and "tests/test_toy.py" in found[0].message
