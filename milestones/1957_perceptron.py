"""1957 perceptron: Rosenblatt's learning rule separates two linearly separable clouds (target: 100% train accuracy).

The perceptron predicts sign(w.x + b) and, on each mistake, moves the boundary toward the missed point:
w += y x, b += y. On separable data it stops making mistakes after finitely many updates (Novikoff, 1962).
Uses tinytorch's Linear for the weights; no gradients are needed.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from tinytorch.core.autograd import Tensor, no_grad
from tinytorch.core.layers import Linear, manual_seed


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds at (-2, -2) and (2, 2), labels -1 and +1, separable by a wide margin."""
    labels = np.where(rng.random(n) < 0.5, -1.0, 1.0).astype(np.float32)
    points = rng.normal(0.0, 0.7, size=(n, 2)).astype(np.float32) + 2.0 * labels[:, None]
    return points, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer points (the test-suite variant)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1957)
    manual_seed(1957)
    points, labels = make_data(100 if args.fast else 400, rng)
    model = Linear(2, 1)
    with no_grad():
        for epoch in range(1, 101):
            mistakes = 0
            for x, y in zip(points, labels):
                if float(y) * float(model(Tensor(x[None])).item()) <= 0:  # wrong side (or on the boundary)
                    model.weight.data += y * x[None]
                    model.bias.data += y
                    mistakes += 1
            if mistakes == 0:
                break
        scores = model(Tensor(points)).data[:, 0]
    accuracy = float(np.mean(np.sign(scores) == labels))
    print(f"perceptron: {len(points)} points, converged after {epoch} epochs, train accuracy {accuracy:.1%} "
          f"(target 100%)")
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
