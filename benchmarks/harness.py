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
    samples.sort()
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
