"""The grading sandbox on its own (tito/sandbox/runner.py): limits, what the kernel can see, observations."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest

from tito.sandbox import mounts
from tito.sandbox.runner import Limits, Sandbox, run
from workspace_factory import REPO

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and an own uid need root")


@pytest.fixture
def lib(tmp_path) -> Path:
    (tmp_path / "lib" / "tito").mkdir(parents=True)
    (tmp_path / "lib" / "tito" / "__init__.py").write_text("")
    shutil.copy(REPO / "tito" / "check.py", tmp_path / "lib" / "tito" / "check.py")
    return tmp_path / "lib"


def execute(lib: Path, cells: list[str], packages=(), allow_paths=(), **limits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return run(nb, Sandbox(lib=lib, limits=Limits(**limits), packages=list(packages), allow_paths=list(allow_paths)))


def text(cell) -> str:
    return "".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs)


def test_observations_leave_the_kernel_per_cell(lib):
    result = execute(lib, ["from tito.check import observe\nobserve('a', 1.5)",
                           "observe('b', (1, 'x'))\nobserve('c', __import__('numpy').arange(2))"])
    assert [o["name"] for o in result.observations[0]] == ["a"]
    assert [o["name"] for o in result.observations[1]] == ["b", "c"]
    assert result.observations[1][1]["value"] == {"t": "array", "kind": "int", "shape": [2], "v": [0, 1]}


def test_notebook_wall_clock(lib):
    result = execute(lib, ["import time"] + ["time.sleep(2)"] * 5, notebook_seconds=5)
    assert any("notebook ran longer than 5 s" in p for p in result.problems), result.problems
    assert "LimitExceeded" in text(result.nb.cells[-1])  # named for its cause (tito/outcome.py: limit)
    assert text(result.nb.cells[1]) == ""  # what finished in time keeps its result


def test_a_cell_that_displayed_is_still_interrupted(lib):
    """The shell holds SIGINT back while it sends a message: after the message, the interrupt reaches the cell."""
    result = execute(lib, ["from tito.check import observe\nobserve('a', 1.0)\nprint('x')\nimport time\n"
                           "time.sleep(60)", "print('next')"], cell_seconds=2)
    assert "KeyboardInterrupt" in text(result.nb.cells[0]) and "CellTimeoutError" in text(result.nb.cells[0])
    assert text(result.nb.cells[1]).strip() == "next" and not result.problems, result.problems
    assert [o["name"] for o in result.observations[0]] == ["a"]


def test_magics_a_student_may_use(lib):
    """`%matplotlib inline` (a common first line) must not break the cell; figures arrive as displays."""
    result = execute(lib, ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
                           "%time total = sum(range(10))", "print(total)"])
    assert "image/png" in result.nb.cells[0].outputs[0]["data"], result.nb.cells[0].outputs
    assert "Wall time" in text(result.nb.cells[1]) and text(result.nb.cells[2]).strip() == "45"


def test_a_shell_that_closed_its_output_does_not_keep_the_grader_busy(lib):
    """A closed pipe is always "ready": the grader stops polling it rather than spinning while the cell runs."""
    execute(lib, ["1"])  # the zygote is started outside the measured run
    import time
    before = time.process_time()
    result = execute(lib, ["import os\nos.close(1)\nos.close(2)", "import time\ntime.sleep(3)", "1 + 1"])
    assert time.process_time() - before < 1.5, "the grader spun while the shell slept"
    assert result.nb.cells[2].outputs[0]["data"]["text/plain"] == "2" and not result.problems


def test_a_process_that_ended_but_was_not_reaped_is_not_running():
    """A killed grader's workers stay zombies until whoever inherits them reaps them (seconds, on some machines):
    the next run must still clear their scratch folders (tests/test_grading_killed.py)."""
    import time
    from tito.sandbox.zygote_client import running

    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child did not end"
            time.sleep(0.01)
        assert not running(pid)
    finally:
        os.waitpid(pid, 0)
    assert not running(pid) and running(os.getpid())


def test_a_grader_with_many_open_files(lib):
    """tito validate runs dozens of kernels in one process: descriptors past 1024 must still work (poll, not select)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200) if soft != resource.RLIM_INFINITY else soft, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        result = execute(lib, ["print('ran')"])
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert text(result.nb.cells[0]).strip() == "ran"


@pytest.mark.parametrize("zygote", ["1", "0"])
def test_interrupts_work_when_the_grader_was_started_with_sigint_ignored(lib, zygote):
    """A background job of a shell (`make course &`, nohup) starts with SIGINT ignored, and its children inherit
    that: the shell must still turn the grader's interrupt into a KeyboardInterrupt."""
    import subprocess
    import sys

    code = (f"import json, signal, sys\nsys.path[:0] = [{str(REPO)!r}, {str(REPO / 'tests')!r}]\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\nfrom pathlib import Path\n"
            "from test_sandbox import execute, text\n"
            f"result = execute(Path({str(lib)!r}), ['import time\\ntime.sleep(60)', 'print(\\'next\\')'], cell_seconds=2)\n"
            "print(json.dumps([text(c) for c in result.nb.cells]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TITO_ZYGOTE": zygote})
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = json.loads(done.stdout.strip().splitlines()[-1])
    assert "KeyboardInterrupt" in first and second.strip() == "next", (first, second)


def test_cpu_limit_kills_the_kernel(lib):
    result = execute(lib, ["x = 0\nwhile True:\n    x += 1", "print('after')"], cpu_seconds=2, cell_seconds=60)
    assert any("CPU time" in p for p in result.problems), result.problems
    assert "LimitExceeded" in text(result.nb.cells[0]) and "LimitExceeded" in text(result.nb.cells[1])


def test_memory_limit_is_a_memory_error(lib):
    result = execute(lib, ["import numpy as np\nx = np.ones(512 * 1024 * 1024)", "print('still alive')"],
                     memory_mb=1536)
    assert "MemoryError" in text(result.nb.cells[0])
    assert "still alive" in text(result.nb.cells[1])


def test_file_size_limit(lib):
    result = execute(lib, ["open('big', 'wb').write(b'x' * (3 * 1024 * 1024))", "print('next')"], file_mb=2)
    assert "Error" in text(result.nb.cells[0]), text(result.nb.cells[0])
    assert "next" in text(result.nb.cells[1])


def unexpected_files(allowed: list[str]) -> str:
    """Code that prints, as JSON, every file found from / that lies outside the `allowed` paths and the cwd."""
    return f"""import json, os
allowed = {allowed!r} + [os.getcwd()]
inside = lambda p: any(p == a or p.startswith(a.rstrip("/") + "/") for a in allowed)
unexpected = []
for folder, subs, files in os.walk("/"):
    subs[:] = [d for d in subs if not inside(os.path.join(folder, d))]
    unexpected += [os.path.join(folder, f) for f in files if not inside(os.path.join(folder, f))]
print(json.dumps(unexpected))
"""


def allowed_inside() -> list[str]:
    return [target for _, target in mounts.plan()["binds"]] + ["/dev"]


@as_root
def test_own_uid_no_network_and_nothing_of_the_host_but_the_allow_list(lib, tmp_path):
    marker = Path(tempfile.gettempdir()) / f"tito-marker-{os.getpid()}"  # another user's file in /tmp
    marker.write_text("secret")
    (tmp_path / "secret.txt").write_text("secret")
    hidden = [REPO / "tito" / "grading" / "reference.py", REPO / "modules", marker,
              tmp_path / "secret.txt", Path("/work"), Path("/opt"), Path("/srv"), Path("/home"), Path("/proc")]
    try:
        result = execute(lib, [
            "import os\nprint(os.getuid() != 0, [p for p in %r if os.path.exists(p)])" % [str(p) for p in hidden],
            "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    print('net up')\n"
            "except OSError:\n    print('net down')",
            unexpected_files(allowed_inside())])
    finally:
        marker.unlink()
    assert text(result.nb.cells[0]).strip() == "True []", text(result.nb.cells[0])
    assert text(result.nb.cells[1]).strip() == "net down"
    assert json.loads(text(result.nb.cells[2])) == []
    assert result.isolation == "namespaces and a uid of its own"


def test_the_mount_plan_holds_the_kernel_packages_and_no_others():
    targets = [target for _, target in mounts.plan()["binds"]]
    for name in ("numpy", "matplotlib", "IPython", "traitlets"):
        assert f"{mounts.SITE}/{name}" in targets, name
    for name in ("torch", "zmq", "ipykernel", "jupyter_client"):  # no Jupyter kernel machinery inside either
        assert not [t for t in targets if t.startswith(f"{mounts.SITE}/{name}")], name
    assert "torch" not in mounts.distributions(mounts.ALWAYS_ALLOWED)
    assert not [s for s, _ in mounts.plan()["binds"] if Path(s).is_relative_to(REPO / "tito")]
    with_jinja = [target for _, target in mounts.plan(("jinja2",))["binds"]]
    assert {f"{mounts.SITE}/jinja2", f"{mounts.SITE}/markupsafe"} <= set(with_jinja)  # with what it requires
    with pytest.raises(mounts.metadata.PackageNotFoundError):
        mounts.plan(("no-such-package-tito",))


@as_root
def test_imports_are_decided_by_what_is_mounted(lib):
    host_site = [p for p in __import__("sys").path if p.endswith("site-packages")]
    result = execute(lib, [
        "import torch",
        "import jinja2",
        "import sys\nsys.path[:0] = %r\nimport torch" % host_site,  # the grader's packages are not there at all
        "import numpy, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([0, 1])\n"
        "plt.savefig('plot.png')\nfrom tito.check import observe\nobserve('n', numpy.ones(2))\nprint('imports ok')"])
    for index in (0, 1, 2):
        assert text(result.nb.cells[index]).startswith("ModuleNotFoundError"), text(result.nb.cells[index])
    assert text(result.nb.cells[3]).strip() == "imports ok", text(result.nb.cells[3])
    if importlib.util.find_spec("torch") is not None:  # where the grader has it (CI: the test oracle)
        assert importlib.util.find_spec("torch").origin
    allowed = execute(lib, ["import jinja2, markupsafe\nprint('jinja2 ok')"], packages=("jinja2",))
    assert text(allowed.nb.cells[0]).strip() == "jinja2 ok", text(allowed.nb.cells[0])


@as_root
def test_allowed_paths_are_readable_and_read_only(lib, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("data")
    result = execute(lib, ["print(open(%r).read())" % str(tmp_path / "data" / "x.txt"),
                           "open(%r, 'w')" % str(tmp_path / "data" / "y.txt")], allow_paths=(str(tmp_path / "data"),))
    assert text(result.nb.cells[0]).strip() == "data"
    assert text(result.nb.cells[1]).startswith("OSError"), text(result.nb.cells[1])


@as_root
def test_a_normal_user_gets_the_same_root_through_user_namespaces():
    """Build the kernel's root as an ordinary uid (a forked child of this root test process) and look around."""
    from tito.sandbox.kernel import MS_BIND, MS_REMOUNT, _libc, build_root_without_root

    plan = mounts.plan()
    secret_dir = Path(tempfile.mkdtemp(prefix="tito-userns-"))  # readable by anyone outside
    secret_dir.chmod(0o755)
    (secret_dir / "gradebook.db").write_text("scores")
    scratch = Path(tempfile.mkdtemp(prefix="tito-userns-scratch-"))
    os.chown(scratch, 65534, 65534)
    pid = os.fork()
    if pid == 0:  # exit code: 0 looked around (findings.json), 10 no user namespaces here
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            if not (secret_dir / "gradebook.db").exists():
                os._exit(5)  # the test's own premise failed: the file must be visible before
            # This interpreter lives where that uid may not go (/root here): the child binds what it can read.
            readable = dict(plan, binds=[b for b in plan["binds"] if os.path.exists(b[0])])
            if not build_root_without_root(readable, str(scratch), []):
                os._exit(10)
            numpy = f"{mounts.SITE}/numpy"
            found = {"secret": (secret_dir / "gradebook.db").exists(), "repo": (REPO / "tito").exists(),
                     "proc": os.path.exists("/proc"), "numpy": os.path.isfile(f"{numpy}/__init__.py"),
                     "torch": os.path.exists(f"{mounts.SITE}/torch"),
                     "unmount": _libc.umount2(numpy.encode(), 0) == 0,
                     "remount": _libc.mount(None, numpy.encode(), None, MS_REMOUNT | MS_BIND, None) == 0}
            try:
                Path(f"{mounts.SITE}/planted.py").write_text("")
                found["writable"] = True
            except OSError:
                found["writable"] = False
            try:  # connect(), not create_connection(): the idna codec it imports is out of this uid's reach
                socket.socket().connect(("1.1.1.1", 53))
                found["network"] = True
            except OSError:
                found["network"] = False
            allowed = [target for _, target in readable["binds"]] + ["/dev", str(scratch)]
            scope = {}
            exec(unexpected_files(allowed).replace("print(", "result = ("), scope)
            found["unexpected"] = json.loads(scope["result"])
            (scratch / "findings.json").write_text(json.dumps(found))
            code = 0
        except BaseException:
            __import__("traceback").print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(secret_dir)
    code = os.waitstatus_to_exitcode(status)
    findings = json.loads((scratch / "findings.json").read_text()) if code == 0 else {}
    shutil.rmtree(scratch)
    if code == 10:
        pytest.skip("this system does not allow user namespaces")
    assert code == 0, {1: "crashed", 5: "file not visible even before"}[code]
    assert findings == {"secret": False, "repo": False, "proc": False, "numpy": True, "torch": False,
                        "unmount": False, "remount": False, "writable": False, "network": False, "unexpected": []}


def _zygote_inodes(pid: int) -> set[str]:
    """The sockets and pipes the zygote holds (its socket to the grader, its wake-up pipe), as 'socket:[N]'."""
    links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd") if int(fd) > 2]
    return {link for link in links if link.startswith(("socket:", "pipe:"))}


OPEN_FILES = ("import os, stat\nfound = []\nfor fd in range(3, 1024):\n    try:\n        st = os.fstat(fd)\n"
              "    except OSError:\n        continue\n    kind = 'socket' if stat.S_ISSOCK(st.st_mode) else 'pipe' if "
              "stat.S_ISFIFO(st.st_mode) else ''\n    if kind:\n        found.append(f'{kind}:[{st.st_ino}]')\n"
              "print(os.getppid(), found)")


@as_root
def test_kernels_forked_from_one_zygote_share_nothing_across_runs(lib):
    """Two runs in one grading process: both kernels are children of the same zygote, hold none of its files,
    and the second sees nothing the first left: files, modules, changed module state."""
    from tito.sandbox import zygote_client

    first = execute(lib, [OPEN_FILES, "import sys, numpy, string\nnumpy.planted = 1\nsys.modules['planted'] = numpy\n"
                          "string.digits = ''\nopen('left-behind.txt', 'w').write('x')\nprint('planted')"])
    zygote = zygote_client.zygote(mounts.plan()["python"])
    assert zygote is not None, zygote_client._failed
    second = execute(lib, [OPEN_FILES, "import os, sys, numpy, string\n"
                           "print(os.path.exists('left-behind.txt'), 'planted' in sys.modules, "
                           "hasattr(numpy, 'planted'), string.digits == '')", "import torch"])
    assert text(first.nb.cells[1]).strip() == "planted"
    held = _zygote_inodes(zygote.process.pid)
    for result in (first, second):
        parent, files = text(result.nb.cells[0]).split(" ", 1)
        assert int(parent) == zygote.process.pid  # forked, not started by kernel.py
        assert held and not held & set(eval(files)), (held, files)
        assert result.isolation == "namespaces and a uid of its own"
    assert text(second.nb.cells[1]).strip() == "False False False False"
    assert text(second.nb.cells[2]).startswith("ModuleNotFoundError")


@as_root
def test_a_zygote_client_is_interrupted_killed_and_limited(lib):
    """The manager's interrupt reaches a forked kernel (a timed-out cell, then the next runs), its death by the CPU
    limit is seen and named, and the zygote is still there for the next run."""
    from tito.sandbox import zygote_client

    timed = execute(lib, ["import time\ntime.sleep(60)", "print('next')"], cell_seconds=2)
    assert "CellTimeoutError" in text(timed.nb.cells[0]) and text(timed.nb.cells[1]).strip() == "next"
    limited = execute(lib, ["x = 0\nwhile True:\n    x += 1", "print('after')"], cpu_seconds=2, cell_seconds=60)
    assert any("CPU time" in p for p in limited.problems), limited.problems
    assert "LimitExceeded" in text(limited.nb.cells[1])
    zygote = zygote_client.zygote(mounts.plan()["python"])
    assert zygote is not None and zygote.alive()
    after = execute(lib, [OPEN_FILES])
    assert int(text(after.nb.cells[0]).split(" ", 1)[0]) == zygote.process.pid


def test_without_the_zygote_kernels_start_as_their_own_process(lib, monkeypatch):
    from tito.sandbox import zygote_client

    monkeypatch.setenv("TITO_ZYGOTE", "0")
    result = execute(lib, [OPEN_FILES, "import numpy\nprint(numpy.ones(2).sum())"])
    assert zygote_client.zygote(mounts.plan()["python"]) is None
    assert int(text(result.nb.cells[0]).split(" ", 1)[0]) == os.getpid()  # started by kernel.py, not forked
    assert text(result.nb.cells[1]).strip() == "2.0"
