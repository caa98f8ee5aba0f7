"""The grader's handle on one sandboxed shell (shell.py): start it (forked by the zygote, or as a process of its
own through kernel.py), send it cells, read what comes back, interrupt it, kill it, learn how it ended.

Everything read from the shell is untrusted: a message line longer than `line_limit` is dropped (reported as
"oversize"), and nothing here blocks on the shell for longer than the deadline it is given.
"""
from __future__ import annotations

import codecs
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from .kernel import KERNEL_ENV
from . import polling
from .zygote_client import zygote

KERNEL = Path(__file__).with_name("kernel.py")
CHUNK = 1 << 16
DRAIN = 1 << 20  # at most this much of a stream is read before a message: more than a full pipe holds


class ShellDied(RuntimeError):
    """The shell ended (or closed its messages pipe) before it said it was ready."""


class ShellProcess:
    def __init__(self, settings: dict, line_limit: int):
        self.line_limit = line_limit
        cells_in, self.cells = os.pipe()
        self.messages, messages_out = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        self.streams = {stdout_r: "stdout", stderr_r: "stderr"}
        self.decoders = {fd: codecs.getincrementaldecoder("utf-8")("replace") for fd in self.streams}
        self.open_streams = set(self.streams)  # a stream the shell closed is polled no more (it would always be ready)
        theirs = [cells_in, messages_out, stdout_w, stderr_w]
        self.process = None
        self.forks = zygote(settings["plan"]["python"])  # None: the shell starts as a process of its own
        try:
            if self.forks:
                self.pid = self.forks.spawn(settings, theirs)
            else:
                env = {"TITO_SANDBOX": json.dumps(settings), **KERNEL_ENV}
                self.process = subprocess.Popen(
                    [settings["plan"]["python"], "-I", "-S", str(KERNEL), *map(str, theirs)], pass_fds=theirs,
                    env=env, cwd="/", stdin=subprocess.DEVNULL, start_new_session=True)
                self.pid = self.process.pid
        except BaseException:
            self.close()
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        for fd in (self.cells, self.messages, *self.streams):
            os.set_blocking(fd, False)
        self.pending = b""  # the start of a message line not complete yet
        self.skipping = False  # inside a message line over the limit: dropped up to its end
        self.ended = False

    # --- reading ---------------------------------------------------------------------------------------------
    def events(self, until: float):
        """What the shell sends until `until` (time.monotonic()), in order: ("stdout" | "stderr", text),
        ("message", dict), ("oversize", None) for a dropped message line, and ("end", None) once its messages
        pipe is closed (it died, or closed it). Returns at the deadline."""
        while not self.ended and (wait := until - time.monotonic()) > 0:
            ready = polling.ready([self.messages, *self.open_streams], select.POLLIN, wait)
            for fd in sorted(self.open_streams):  # first: what was printed before a message was written comes before it
                if fd in ready or self.messages in ready:
                    yield from self._drain(fd)
            if self.messages in ready:
                yield from self._read_messages()

    def _drain(self, fd: int):
        got = 0
        while got < DRAIN:
            try:
                data = os.read(fd, CHUNK)
            except BlockingIOError:
                break
            final = not data
            text = self.decoders[fd].decode(data, final=final)
            if text:
                yield self.streams[fd], text
            if final:
                self.open_streams.discard(fd)
                break
            got += len(data)

    def _read_messages(self):
        try:
            data = os.read(self.messages, CHUNK)
        except BlockingIOError:
            return
        if not data:
            for fd in sorted(self.open_streams):  # its last words
                yield from self._drain(fd)
            self.ended = True
            yield "end", None
            return
        *lines, rest = (self.pending + data).split(b"\n")
        for line in lines:
            if self.skipping:
                self.skipping = False  # the end of the line that was too long
                continue
            yield self._parse(line)
        self.pending = b"" if self.skipping else rest
        if len(self.pending) > self.line_limit:
            self.pending, self.skipping = b"", True
            yield "oversize", None

    @staticmethod
    def _parse(line: bytes):
        try:
            message = json.loads(line)
        except ValueError:
            return "oversize", None  # not JSON: something wrote into the pipe; as good as lost
        return ("message", message) if isinstance(message, dict) else ("oversize", None)

    def wait_ready(self, seconds: float) -> str:
        """How isolated the shell is, once it says it is ready; ShellDied (with what it printed) otherwise."""
        said = []
        for kind, value in self.events(time.monotonic() + seconds):
            if kind == "message" and "ready" in value:
                return str(value["ready"])
            if kind in ("stdout", "stderr"):
                said.append(value)
        why = "ended" if self.ended else f"did not say it was ready within {seconds:.0f} s"
        raise ShellDied(f"the sandboxed shell {why}: {''.join(said)[-2000:].strip() or 'no output'}")

    # --- writing and signals ---------------------------------------------------------------------------------
    def send_cell(self, code: str, until: float) -> bool:
        """Hand the shell a cell; False if it cannot take it (gone, or not reading) by `until`."""
        data = memoryview(json.dumps({"code": code}).encode() + b"\n")
        while data:
            if time.monotonic() > until or not polling.ready([self.cells], select.POLLOUT, until - time.monotonic()):
                return False
            try:
                data = data[os.write(self.cells, data):]
            except BlockingIOError:
                continue
            except BrokenPipeError:
                return False
        return True

    def signal(self, signum: int) -> None:
        """To the shell's process group: the shell and whatever it started."""
        try:
            os.killpg(self.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def exit_code(self, seconds: float = 0) -> int | None:
        """How the shell ended (negative: killed by that signal), waiting up to `seconds`; None: still running."""
        deadline = time.monotonic() + seconds
        while True:
            code = self.process.poll() if self.process else self.forks.exit_code(self.pid)
            if code is not None or time.monotonic() >= deadline:
                return code
            time.sleep(0.01)

    def close(self) -> None:
        """Kill the shell if it still runs, and close this side's pipes."""
        if getattr(self, "pid", None) and self.exit_code() is None:
            self.signal(signal.SIGKILL)
            self.exit_code(5)
        for fd in (self.cells, self.messages, *self.streams):
            try:
                os.close(fd)
            except OSError:
                pass
