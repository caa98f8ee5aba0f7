"""A one-line progress bar for long batches: `label  done/total  [#####.....]  rate/s  ~time left`.

Redrawn in place with a carriage return, at most a few times a second. It writes nothing at all when the
stream is not a terminal (CI logs, pipes, tests), so printed reports stay clean. Standard library only.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

WIDTH = 20  # characters inside the brackets
MIN_REDRAW_SECONDS = 0.2  # at most five redraws a second; the first and the last are always drawn


def duration(seconds: float) -> str:
    """A short human duration: 7s, 2m05s, 1h03m."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def rate_text(per_second: float) -> str:
    """Items per second with about two significant digits: 12/s, 3.4/s, 0.25/s."""
    if per_second >= 10:
        return f"{per_second:.0f}/s"
    return f"{per_second:.1f}/s" if per_second >= 1 else f"{per_second:.2f}/s"


class ProgressBar:
    """Counts finished items of a batch of `total`; safe to advance from several threads."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, clock=time.monotonic) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = sys.stderr if stream is None else stream  # looked up now, so redirected stderr counts
        self.clock = clock
        self.started = clock()
        self.shown = self.total > 0 and self.stream.isatty()
        self.last_drawn = None  # clock time of the last redraw
        self.width = 0  # length of the line on screen, to blank out what a shorter line leaves
        self.closed = False
        self.lock = threading.Lock()
        self._draw(force=True)

    def line(self) -> str:
        """What the bar shows now (without the carriage return)."""
        filled = WIDTH * min(self.done, self.total) // self.total if self.total else WIDTH
        elapsed = self.clock() - self.started
        head = f"{self.label}  {self.done}/{self.total}  [{'#' * filled}{'.' * (WIDTH - filled)}]"
        if self.done >= self.total:
            return f"{head}  done in {duration(elapsed)}"
        if self.done == 0 or elapsed <= 0:
            return f"{head}  ?/s  ~? left"
        rate = self.done / elapsed
        return f"{head}  {rate_text(rate)}  ~{duration((self.total - self.done) / rate)} left"

    def advance(self, n: int = 1) -> None:
        with self.lock:
            self.done += n
            self._draw(force=self.done >= self.total)

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Yield each item of `items`, advancing by one as it arrives: `list(bar.track(pool.map(...)))`."""
        for item in items:
            self.advance()
            yield item

    def close(self) -> None:
        """Draw the final state and end the line (once)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            self._draw(force=True)
            if self.shown:
                self.stream.write("\n")
                self.stream.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _draw(self, force: bool) -> None:
        now = self.clock()
        if not self.shown or (not force and self.last_drawn is not None and now - self.last_drawn < MIN_REDRAW_SECONDS):
            return
        self.last_drawn = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)
