"""Timing helpers shared by the benchmark scripts: warm-up, repeats, median and spread."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Timing:
    median: float  # seconds
    low: float  # 10th percentile
    high: float  # 90th percentile

    def __str__(self) -> str:
        return f"{self.median * 1e3:9.3f} ms [{self.low * 1e3:.3f}-{self.high * 1e3:.3f}]"


def measure(fn: Callable[[], object], warmup: int = 3, repeats: int = 20, setup: Callable[[], object] | None = None) -> Timing:
    """Time `fn()` `repeats` times after `warmup` calls; `setup()` runs before each call, untimed."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    samples = []
    for _ in range(repeats):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return _timing(samples)


def measure_in_turns(fns: list[Callable[[], object]], rounds: int = 5, block: int = 6) -> list[Timing]:
    """Time each of `fns` `block` times per round, taking turns by blocks (a a a, b b b, a a a, ...): the machine's
    load drifts over seconds, and timing one after the other would credit the drift to one of them. Not turn by
    turn: a framework's idle worker threads keep spinning for a moment after its step and would slow the other's;
    each block starts with an untimed call while they settle."""
    samples = [[] for _ in fns]
    for _ in range(rounds):
        for fn, times in zip(fns, samples):
            fn()
            for _ in range(block):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
    return [_timing(times) for times in samples]


def _timing(samples: list[float]) -> Timing:
    samples = sorted(samples)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return Timing(statistics.median(samples), pick(0.1), pick(0.9))


def torch_or_none():
    """PyTorch if installed (a comparison only, never required)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def print_table(headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths]] + rows:
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths)))


def compare(ours: Timing, theirs: Timing | None, torch, items: int, unit: str, target: float, note: str) -> int:
    """Print tinytorch's and (if measured) torch's time per step with `items` `unit` per step, and the ratio;
    the exit status: 1 when the ratio is above `target`."""
    rows = [["tinytorch", str(ours), f"{items / ours.median:,.0f}"]]
    if theirs is not None:
        rows.append([f"torch {torch.__version__} ({torch.get_num_threads()} threads)", str(theirs),
                     f"{items / theirs.median:,.0f}"])
    print_table(["framework", "time per step (median [p10-p90])", f"{unit}/s"], rows)
    if theirs is None:
        return 0
    ratio = ours.median / theirs.median
    print(f"\ntinytorch / torch = {ratio:.2f}x (target: at most {target:g}x); {note}")
    return 0 if ratio <= target else 1


def compare_steps(batch, tinytorch_step, torch_step, items: int, unit: str, target: float, warmup: int,
                  repeats: int) -> int:
    """Time a training step in tinytorch and, when installed, in torch from the same initial weights and data
    (their first losses must agree); print both and the ratio; 1 when the ratio is above `target`."""
    torch = torch_or_none()
    x, y = batch()
    model, step = tinytorch_step(x, y)
    first = float(step().item())
    if torch is None:
        ours, theirs = measure(step, warmup, repeats), None
    else:
        model, _ = tinytorch_step(x, y)  # same initial weights for both
        tstep = torch_step(torch, model, x, y)
        torch_first = float(tstep().item())
        assert abs(first - torch_first) < 1e-4, f"first losses differ: {first} vs {torch_first}"
        for _ in range(warmup):
            step(), tstep()
        ours, theirs = measure_in_turns([step, tstep], rounds=max(1, repeats // 3), block=3)
    return compare(ours, theirs, torch, items, unit, target, f"first-step loss {first:.6f} in both")
