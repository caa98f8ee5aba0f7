"""The shell zygote: one process per grading process that has imported the shell's packages once and forks a
child for each notebook run. The child isolates itself exactly as kernel.py does (namespaces, the allow-list
root, limits, its own uid, no new privileges), then serves as the sandboxed shell (shell.py) from the modules
already in its memory, with the IPython shell the zygote made once (shell.prepare): no interpreter start, no
import of IPython and NumPy, and no shell to make per run.

Started by zygote_client.py as `PYTHON -S zygote.py FD PACKAGES`, with the kernels' base environment only
(kernel.KERNEL_ENV: one BLAS/OpenMP thread, PYTHONHASHSEED=0) and no open file but FD, its end of a socket pair
with the grader. PACKAGES is a folder of links to the entries of the always-allowed distributions, the same
entries each root binds at /site-packages: everything pre-imported comes from there or from the standard
library, and each child's root links PACKAGES' path to /site-packages, so the modules' paths stay valid after the
pivot and their lazy imports keep working. The zygote stays single-threaded (a process with threads cannot enter
a user namespace): no thread exists before the fork; it checks that before serving.

One JSON object per line: the grader sends {"settings": ...} with the shell's four pipes attached (SCM_RIGHTS);
the zygote answers {"pid": N} and, when that child ends, {"pid": N, "exit": code, "cpu": seconds} (negative:
killed by that signal). At the end of the socket (the grader is gone) it kills its children and exits.
"""
from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import traceback

# What the shell and most notebooks import, imported once here rather than in every run (numpy.random is lazy).
PRELOAD = ("numpy", "numpy.random", "numpy.typing", "IPython.core.interactiveshell", "IPython.display",
           "traitlets.config")
HERE = os.path.dirname(os.path.abspath(__file__))
PIPES = 4  # each request comes with the shell's four pipes (shell.py): CELLS, MESSAGES, stdout, stderr


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def _start_shell(kernel, shell, stdlib: list[str], settings: dict, fds: list[int]) -> None:
    """In the forked child: isolate, then serve as the sandboxed shell in this process. Never returns."""
    code = 1
    try:
        os.setsid()  # a process group of its own: the grader's interrupt reaches it and whatever it starts
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for name in [n for n, m in sys.modules.items() if os.path.dirname(getattr(m, "__file__", "") or "") == HERE]:
            del sys.modules[name]  # the sandbox's own code stays out of the student's imports
        kernel.run_shell(settings, fds, stdlib, shell.serve)  # closes the zygote's socket and pipe first
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _exit_code(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(sock: socket.socket, start, packages: str) -> None:
    """Fork a child per request (`start(settings, fds)` runs in it, with the PIPES descriptors that came with
    the request); report each child's end. At the end, remove the folder of links."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wake-up byte is what counts
    children: set[int] = set()
    pending, passed = b"", []
    poller = select.poll()  # not select: the grader's socket may be past select's limit of 1024 descriptors
    for fd in (sock.fileno(), wake_r):
        poller.register(fd, select.POLLIN)
    while True:
        ready = [fd for fd, _ in poller.poll()]
        if wake_r in ready:
            while os.read(wake_r, 512) == 512:
                pass
            while children:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
                if pid == 0:
                    break
                children.discard(pid)
                _send(sock, {"pid": pid, "exit": _exit_code(status), "cpu": usage.ru_utime + usage.ru_stime})
        if sock.fileno() in ready:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 64)
            passed += fds
            if not data:  # the grader is gone
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                shutil.rmtree(packages, ignore_errors=True)  # a pool's worker may end without its atexit
                return
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                fds, passed = passed[:PIPES], passed[PIPES:]
                pid = os.fork()
                if pid == 0:
                    start(request["settings"], fds)
                for fd in fds:  # the child's now
                    os.close(fd)
                children.add(pid)
                _send(sock, {"pid": pid})


def _threads() -> int:
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1


def main(argv: list[str]) -> None:
    sock = socket.socket(fileno=int(argv[0]))
    stdlib = [p for p in sys.path if p != HERE]
    import kernel  # this folder's kernel.py: the isolation every child applies
    import shell  # and shell.py: what each child then serves
    sys.path.append(argv[1])
    for name in PRELOAD:
        importlib.import_module(name)
    import site  # -S skipped it: the builtins it adds (exit, help, ...), without its paths
    site.setquit()
    site.setcopyright()
    site.sethelper()
    os.environ["IPYTHONDIR"] = os.path.join(argv[1], ".ipython")  # removed with the folder of links
    shell.prepare()
    if _threads() != 1:
        _send(sock, {"error": f"the zygote has {_threads()} threads after its imports: it must have one"})
        return
    _send(sock, {"ready": os.getpid()})
    serve(sock, lambda settings, fds: _start_shell(kernel, shell, stdlib, settings, fds), argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
