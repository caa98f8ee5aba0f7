"""tito/progress_bar.py: counts, rate and time left on a terminal; silence anywhere else."""
from __future__ import annotations

import io
import threading

from tito.progress_bar import ProgressBar, duration, rate_text


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def frames(stream: io.StringIO) -> list[str]:
    """Each redraw of the line, trailing padding removed."""
    return [frame.rstrip() for frame in stream.getvalue().split("\r") if frame.strip()]


def test_counts_rate_and_time_left_on_a_terminal():
    out, clock = FakeTerminal(), FakeClock()
    bar = ProgressBar(10, "grade 01_tensor", stream=out, clock=clock)
    assert frames(out) == ["grade 01_tensor  0/10  [....................]  ?/s  ~? left"]
    clock.now += 8
    bar.advance(4)  # 4 items in 8 s: 0.5/s, 6 left -> 12 s
    assert frames(out)[-1] == "grade 01_tensor  4/10  [########............]  0.50/s  ~12s left"
    clock.now += 28
    bar.advance(5)  # 9 in 36 s: 0.25/s, 1 left -> 4 s
    assert frames(out)[-1] == "grade 01_tensor  9/10  [##################..]  0.25/s  ~4s left"


def test_redraws_at_most_a_few_times_a_second_but_always_the_last():
    out, clock = FakeTerminal(), FakeClock()
    with ProgressBar(1000, "many", stream=out, clock=clock) as bar:
        for _ in range(999):
            clock.now += 0.001  # a whole batch inside one second
            bar.advance()
        assert len(frames(out)) <= 6
        clock.now += 0.001
        bar.advance()
        assert frames(out)[-1].startswith("many  1000/1000  [####################]  done in 1s")
    assert out.getvalue().endswith("\n")


def test_a_shorter_line_blanks_out_the_longer_one_before_it():
    out, clock = FakeTerminal(), FakeClock()
    bar = ProgressBar(2, "x", stream=out, clock=clock)
    first = out.getvalue()
    clock.now += 1
    bar.advance()
    second = out.getvalue()[len(first):]
    assert len(second) >= len(first), "the redraw must cover every character of the previous line"


def test_nothing_is_written_when_the_stream_is_not_a_terminal():
    out, clock = io.StringIO(), FakeClock()
    with ProgressBar(3, "quiet", stream=out, clock=clock) as bar:
        for _ in bar.track(range(3)):
            clock.now += 1
    assert bar.done == 3
    assert out.getvalue() == ""


def test_track_counts_each_item_when_done_and_threads_do_not_lose_counts():
    out = FakeTerminal()
    bar = ProgressBar(5, "t", stream=out)
    seen = []
    for item in bar.track("abcde"):
        seen.append((item, bar.done))  # done counts the items whose loop body has finished
    assert seen == [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4)] and bar.done == 5
    listed = ProgressBar(3, "list", stream=out)
    assert list(listed.track(iter("xyz"))) == ["x", "y", "z"] and listed.done == 3

    bar = ProgressBar(4000, "threads", stream=io.StringIO())
    workers = [threading.Thread(target=lambda: [bar.advance() for _ in range(1000)]) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert bar.done == 4000


def test_formats():
    assert [duration(s) for s in (0, 7.4, 59.6, 125, 3600, 3 * 3600 + 59)] == \
        ["0s", "7s", "1m00s", "2m05s", "1h00m", "3h00m"]
    assert [rate_text(r) for r in (12.4, 3.44, 0.254)] == ["12/s", "3.4/s", "0.25/s"]
    assert ProgressBar(0, "empty", stream=FakeTerminal()).shown is False  # nothing to count, nothing drawn
