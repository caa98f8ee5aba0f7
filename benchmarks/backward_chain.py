"""Backward over a chain of N ops: the time per op should stay flat (within 2x) from 10 to 10,000 ops.

Prints tinytorch and, when installed, PyTorch side by side. Run: .venv/bin/python benchmarks/backward_chain.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import measure, print_table, torch_or_none
from tinytorch.core.autograd import Tensor

LENGTHS = (10, 100, 1_000, 10_000)


def chain_tinytorch(n: int):
    x = Tensor(np.ones((16,), dtype=np.float32), requires_grad=True)
    y = x
    for i in range(n):
        y = y * 1.0001 if i % 2 else y + 0.5  # alternate two cheap ops
    return x, y.sum()


def chain_torch(torch, n: int):
    x = torch.ones(16, requires_grad=True)
    y = x
    for i in range(n):
        y = y * 1.0001 if i % 2 else y + 0.5
    return x, y.sum()


def main() -> int:
    torch = torch_or_none()
    rows, per_op = [], []
    for n in LENGTHS:
        repeats = 20 if n <= 1000 else 5
        x, loss = chain_tinytorch(n)
        ours = measure(lambda: loss.backward(retain_graph=True), warmup=1, repeats=repeats)
        per_op.append(ours.median / n)
        row = [n, f"{ours.median * 1e3:.3f}", f"{ours.median / n * 1e6:.2f}"]
        if torch is not None:
            tx, tloss = chain_torch(torch, n)
            theirs = measure(lambda: tloss.backward(retain_graph=True), warmup=1, repeats=repeats)
            row += [f"{theirs.median * 1e3:.3f}", f"{theirs.median / n * 1e6:.2f}", f"{ours.median / theirs.median:.2f}"]
        rows.append(row)
    headers = ["ops", "tinytorch ms", "us/op"] + (["torch ms", "torch us/op", "ratio"] if torch else [])
    print_table(headers, rows)
    flat = max(per_op[1:]) / min(per_op[1:])
    print(f"\nper-op time spread from {LENGTHS[1]} to {LENGTHS[-1]} ops: {flat:.2f}x (target: within 2x)")
    print(f"per-op time spread from {LENGTHS[0]} to {LENGTHS[-1]} ops: {max(per_op) / min(per_op):.2f}x "
          "(the 10-op chain carries the fixed cost of one backward call)")
    return 0 if flat <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
