"""Backward through a residual chain (y = y + y * w_i) of depth 8 to 64: time must grow linearly, not 2^depth.

Each block uses y twice, so a backward that re-walks shared subgraphs instead of visiting every node once
would double its work per block. Run: .venv/bin/python benchmarks/residual_chain.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import measure, print_table, torch_or_none
from tinytorch.core.autograd import Tensor

DEPTHS = (8, 16, 32, 64)


def build(depth: int, make, ones):
    x = make(ones)
    weights = [make(ones * (0.01 * (i + 1))) for i in range(depth)]
    y = x
    for w in weights:
        y = y + y * w
    return y.sum()


def main() -> int:
    torch = torch_or_none()
    rows, times = [], []
    ones = np.ones((64, 64), dtype=np.float32)
    for depth in DEPTHS:
        loss = build(depth, lambda a: Tensor(a, requires_grad=True), ones)
        ours = measure(lambda: loss.backward(retain_graph=True), warmup=1, repeats=10)
        times.append(ours.median)
        row = [depth, f"{ours.median * 1e3:.3f}", f"{ours.median / depth * 1e3:.4f}"]
        if torch is not None:
            tloss = build(depth, lambda a: torch.tensor(a, requires_grad=True), ones)
            theirs = measure(lambda: tloss.backward(retain_graph=True), warmup=1, repeats=10)
            row += [f"{theirs.median * 1e3:.3f}", f"{ours.median / theirs.median:.2f}"]
        rows.append(row)
    print_table(["depth", "tinytorch ms", "ms/block"] + (["torch ms", "ratio"] if torch else []), rows)
    growth = times[-1] / times[0]
    print(f"\ndepth x{DEPTHS[-1] // DEPTHS[0]} -> time x{growth:.1f} (linear: about {DEPTHS[-1] // DEPTHS[0]}; "
          f"exponential would be 2^{DEPTHS[-1] - DEPTHS[0]})")
    return 0 if growth < 4 * DEPTHS[-1] / DEPTHS[0] else 1


if __name__ == "__main__":
    sys.exit(main())
