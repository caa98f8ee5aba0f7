"""`tito validate`: a graded test that passes on the stub, or checks no code of its own, fails the gate."""
from __future__ import annotations

from workspace_factory import TOY_SOURCE, make_workspace, tito


def failing_row(tmp_path, source: str, test: str) -> str:
    """Validate a toy workspace holding `source`; the gate must fail, and this is the row of `test`."""
    make_workspace(tmp_path, {"01_toy": source})
    result = tito(tmp_path, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith(test))


def test_sound_module_passes(tmp_path):
    make_workspace(tmp_path)
    result = tito(tmp_path, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "01_toy: 2 graded tests, 10 points: ok" in result.stdout


def test_a_test_that_passes_on_the_stub_is_flagged(tmp_path):
    weak = TOY_SOURCE.replace('    assert double(3) == 6, "double(3) should be 6"',
                              '    assert callable(double), "double must exist"')
    make_workspace(tmp_path, {"01_toy": weak})
    result = tito(tmp_path, "validate")
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("test-double"))
    assert "PASSES" in row and "passes on the student version" in row
    assert "integrity gate failed for 01_toy" in result.stderr


def test_a_test_that_fails_on_the_full_source_is_flagged(tmp_path):
    wrong = TOY_SOURCE.replace("double(3) == 6", "double(3) == 7")
    assert "fails on the full source" in failing_row(tmp_path, wrong, "test-double")


def test_a_test_that_observes_no_number_is_flagged(tmp_path):
    flags_only = TOY_SOURCE.replace('observe("hidden: double of arange(3)", double(np.arange(3)))',
                                    'observe("hidden: double returns an array", type(double(np.arange(3))).__name__)')
    row = failing_row(tmp_path, flags_only, "test-double")
    assert "observes no number or array" in row, row


def test_a_test_that_observes_something_random_is_flagged(tmp_path):
    unstable = TOY_SOURCE.replace('observe("hidden: double of arange(3)", double(np.arange(3)))',
                                  'observe("hidden: double of noise", double(np.random.default_rng().random(3)))')
    row = failing_row(tmp_path, unstable, "test-double")
    assert "not reproducible" in row, row


def test_each_notebook_run_shuts_its_kernel_down(tmp_path):
    """tito validate and tito test run dozens of notebooks in one process: a kernel left running after its run
    (with its ZeroMQ sockets) piled up until validate ran out of file descriptors."""
    import os
    import nbformat
    from tito.execute import run_notebook

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def children() -> set[str]:
        found = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.add(pid)
        return found

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    run_notebook(nb, tmp_path, tmp_path)  # whatever is made once per process (loggers, the event loop)
    before, kids = open_fds(), children()
    for _ in range(3):
        ran = run_notebook(nb, tmp_path, tmp_path)
        assert ran.cells[0].outputs[0]["data"]["text/plain"] == "2"
    assert open_fds() <= before, "a run left descriptors open"
    assert children() <= kids, "a run left its kernel running"
