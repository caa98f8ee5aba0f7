"""The grader's side of the shell zygote (zygote.py): start one per grading process and ask it for a shell per run,
with that shell's pipes; learn from it when the shell ended, how, and with how much CPU.

The zygote is the grader's process before isolation: it gets the kernels' base environment only, no open file
but its socket, and the root folder as its working directory; it imports only the always-allowed packages, from a
folder of links (PACKAGES) to their entries. TITO_ZYGOTE=0 turns it off (each shell is then started by kernel.py).
"""
from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .kernel import KERNEL_ENV
from .mounts import SITE, site_binds
from . import polling

ZYGOTE = Path(__file__).with_name("zygote.py")
PACKAGES_PREFIX = "tito-zygote-"  # the folder of links, one per grading process: tito-zygote-PID-...
START_SECONDS = 120


class ZygoteError(RuntimeError):
    pass


def _link_packages() -> Path:
    """A folder of links to the entries of the always-allowed distributions, laid out as /site-packages is."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PACKAGES_PREFIX}{os.getpid()}-"))
    folder.chmod(0o755)
    for source, target in site_binds(()):
        link = folder / target[len(SITE) + 1:]
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    return folder


class Zygote:
    def __init__(self, python: str):
        self.packages = _link_packages()
        self.sock, theirs = socket.socketpair()
        self.process = subprocess.Popen([python, "-S", str(ZYGOTE), str(theirs.fileno()), str(self.packages)],
                                        pass_fds=[theirs.fileno()], env=dict(KERNEL_ENV), cwd="/",
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.lock = threading.Lock()
        self.pending = b""
        self.exits: dict[int, int] = {}
        self.gone = False
        self.kernel_cpu = 0.0  # CPU seconds of the kernels that ended (for benchmarks/grading_phases.py)
        ready = self._next(lambda m: "ready" in m or "error" in m, START_SECONDS)
        if ready is None or "error" in ready:
            self.close()
            raise ZygoteError(ready["error"] if ready else "the shell zygote did not start")

    def _read(self, timeout: float) -> list[dict]:
        """The messages that arrive within `timeout` seconds (none if none); exits are recorded."""
        if self.gone or not polling.ready([self.sock], select.POLLIN, timeout):
            return []
        data = self.sock.recv(1 << 16)
        if not data:
            self.gone = True
            return []
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        messages = [json.loads(line) for line in lines]
        for m in messages:
            if "exit" in m:
                self.exits[m["pid"]] = m["exit"]
                self.kernel_cpu += m["cpu"]
        return messages

    def _next(self, wanted, seconds: float) -> dict | None:
        deadline = time.monotonic() + seconds
        while not self.gone and (left := deadline - time.monotonic()) > 0:
            for m in self._read(left):
                if wanted(m):
                    return m
        return None

    def spawn(self, settings: dict, fds: list[int]) -> int:
        """The pid of a new child that isolates itself with `settings` and serves as a shell on `fds`."""
        # Inside the root, the zygote's folder of links is where its modules say they are: /site-packages.
        plan = settings["plan"]
        settings = dict(settings, plan=dict(plan, links=[*plan["links"], [str(self.packages), SITE]]))
        with self.lock:
            socket.send_fds(self.sock, [json.dumps({"settings": settings}).encode() + b"\n"], fds)
            started = self._next(lambda m: "pid" in m and "exit" not in m, START_SECONDS)
        if started is None:
            raise ZygoteError("the shell zygote did not fork a shell")
        return started["pid"]

    def exit_code(self, pid: int) -> int | None:
        with self.lock:
            while self._read(0):
                pass
            if pid not in self.exits and self.gone and not running(pid):
                self.exits[pid] = -signal.SIGKILL  # the zygote died, and its child with it
            return self.exits.get(pid)

    def alive(self) -> bool:
        return not self.gone and self.process.poll() is None

    def close(self) -> None:
        self.sock.close()  # the zygote kills its children and exits
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.packages, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended. A process whose parent died stays a zombie (state Z) until
    whoever inherits it reaps it, which can take seconds: it has ended, and holds nothing."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: it exists, and what it holds is not ours to clear
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False  # gone meanwhile
    return state not in ("Z", "X")


_lock = threading.Lock()
_zygote: Zygote | None = None
_failed: str | None = None


def zygote(python: str) -> Zygote | None:
    """This process's zygote, started (again) if needed; None if it cannot start here (then each shell starts as
    a process of its own, kernel.py)."""
    global _zygote, _failed
    with _lock:
        if _failed is not None or os.environ.get("TITO_ZYGOTE") == "0":
            return None
        if _zygote is None or not _zygote.alive():
            if _zygote is not None:
                _zygote.close()
            try:
                _zygote = Zygote(python)
            except (OSError, ZygoteError) as e:
                _failed, _zygote = str(e), None
                return None
            atexit.register(_zygote.close)
        return _zygote
