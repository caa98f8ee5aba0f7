"""The sandbox's side of a notebook run: an IPython shell that executes the cells the grader sends and sends back
what each one produced, in the forms a notebook stores (stream, display_data, execute_result, error).

No Jupyter kernel, ZeroMQ or message signing: the grader (runner.py, through session.py) and this process share
four pipes, given as file descriptors:
  CELLS     grader -> shell: one JSON line per cell, {"code": "..."}; its end means "stop".
  MESSAGES  shell -> grader: JSON lines; {"ready": isolation} once, then per cell {"display": ...},
            {"result": ...} and {"error": ...} as they happen, and {"done": execution count, "ok": bool}.
  stdout, stderr: become this process's descriptors 1 and 2, so what a cell prints, from Python or from C (or a
            child process), reaches the grader as it is written.
The grader believes none of it: the student's code can write to these pipes too. It bounds what it reads and
judges a graded cell by its observations against the hidden reference (tito/grading/verdict.py).

Serving runs with SIGINT blocked except while a cell runs: the grader's interrupt (a cell over its time) becomes
a KeyboardInterrupt in that cell, never a lost or half-written message. Imported before isolation (zygote.py,
kernel.py): the standard library only at import time; IPython is imported when the shell is made, in the
zygote before it forks (prepare) or, without one, when serving starts.
"""
from __future__ import annotations

import io
import json
import os
import signal
import sys

CUT = 65536  # an error's message and each line of its traceback are cut to this many characters
INTERRUPT = {signal.SIGINT}


class _Pipe:
    """A descriptor this process writes JSON lines to, with SIGINT held back during each write."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message: dict) -> None:
        data = (json.dumps(message, default=str) + "\n").encode("utf-8", "backslashreplace")
        before = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPT)  # (already blocked between cells)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        finally:  # inside a cell: an interrupt that came meanwhile is raised now, after the whole message
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _flush() -> None:
    """What the cell printed goes out before the message that follows it, so the grader keeps their order."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a stream the student replaced or closed
            pass


def _lines(fd: int):
    """The lines read from `fd`, until its end (SIGINT is blocked here: a read is never cut)."""
    pending = b""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except KeyboardInterrupt:  # reached this thread through another one that does not block it
            continue
        if not chunk:
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines


def _text(value) -> str:
    try:
        return str(value)[:CUT]
    except Exception:
        return "<the value could not be shown>"


def _make_shell():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            _flush()
            _messages.send({"display": {"data": data, "metadata": metadata or {}}})

        def clear_output(self, wait=False):
            _flush()
            _messages.send({"clear": True})

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _flush()
            _messages.send({"result": {"data": format_dict, "metadata": md_dict or {},
                                       "execution_count": self.prompt_count}})

    class Shell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher

        def enable_gui(self, gui=None):  # `%matplotlib inline` asks for it; a grading run has no event loop
            pass

        def _showtraceback(self, etype, evalue, stb):
            _flush()
            _messages.send({"error": {"ename": _text(getattr(etype, "__name__", etype)), "evalue": _text(evalue),
                                      "traceback": [_text(line) for line in stb[:1000]]}})

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # no history file, and no thread saving it
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autoindent = False
    # Python's own traceback layout: IPython's default ("Context") reads source context for every frame, and a
    # notebook whose stubs all raise spent two thirds of its run formatting tracebacks (0.75 -> 0.27 CPU s).
    config.InteractiveShell.xmode = "Plain"
    return Shell.instance(config=config)


_messages: _Pipe | None = None  # the MESSAGES pipe of the run being served
_made: object = None  # a shell made before the fork (prepare), so each run need not make its own


def prepare() -> None:
    """Make the shell ahead, in the zygote (about 50 ms of CPU per run otherwise): each forked child serves with
    its own copy of it. Made before isolation, it has run no code; its profile folder (`ipython_dir`) does not
    exist inside the sandbox, and nothing a notebook needs reads it."""
    global _made
    _made = _make_shell()


def serve(cells_fd: int, messages_fd: int, isolation: str) -> None:
    """Run each cell the grader sends, in one shell, until the grader closes CELLS."""
    signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPT)
    # SIGINT may come ignored from whoever started the grader (a background job of a shell, nohup): Python then
    # installs no KeyboardInterrupt for it, and no cell over its time could be interrupted.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  line_buffering=True)
    global _messages
    messages = _messages = _Pipe(messages_fd)
    shell = _made if _made is not None else _make_shell()
    messages.send({"ready": isolation})
    for line in _lines(cells_fd):
        try:
            code = json.loads(line)["code"]
            ok, count = False, None
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPT)
                try:
                    result = shell.run_cell(code, store_history=True)
                    ok, count = result.success, result.execution_count
                finally:
                    signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPT)
            except KeyboardInterrupt:  # arrived after the shell's own handling of the cell
                pass
            _flush()
            messages.send({"done": count, "ok": ok})
            if signal.SIGINT in signal.sigpending():  # an interrupt meant for the cell that just ended
                handler = signal.signal(signal.SIGINT, signal.SIG_IGN)  # ignoring discards the pending one
                if handler is not None:  # None: a handler set outside Python; it stays ignored
                    signal.signal(signal.SIGINT, handler)
        except KeyboardInterrupt:  # handled between cells: the cell it was meant for has ended
            continue
