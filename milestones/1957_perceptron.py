"""1957 perceptron: Rosenblatt's learning rule separates two linearly separable classes (target: 100% train accuracy).

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

# The modules this program uses; `tito milestone run` checks they are finished first.
REQUIRES = ("01", "02", "03", "04")
MISSED_TARGET = 3  # exit code below target; any other failure is a crash

MARGIN = 0.1  # distance of the closest point to the true boundary


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in the square [-3, 3]^2 labelled by the side of the line x - 0.5 y = 1 they fall on (-1 or +1).

    Points closer than MARGIN to that line are dropped, so the classes are separable by construction; the line
    does not pass through the origin, so the bias has to be learned too.
    """
    points = rng.uniform(-3.0, 3.0, size=(4 * n, 2)).astype(np.float32)
    distance = (points[:, 0] - 0.5 * points[:, 1] - 1.0) / np.hypot(1.0, 0.5)
    keep = np.abs(distance) > MARGIN
    return points[keep][:n], np.sign(distance[keep][:n]).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer points (the test-suite variant)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1957)
    manual_seed(1957)
    points, labels = make_data(100 if args.fast else 400, rng)
    model = Linear(2, 1)
    model.weight.data[...] = 0.0  # start from zero, as Rosenblatt's machine did: every point is a mistake
    model.bias.data[...] = 0.0
    updates = 0
    with no_grad():
        for epoch in range(1, 101):
            mistakes = 0
            for x, y in zip(points, labels):
                if float(y) * float(model(Tensor(x[None])).item()) <= 0:  # wrong side (or on the boundary)
                    model.weight.data += y * x[None]
                    model.bias.data += y
                    mistakes += 1
            updates += mistakes
            if mistakes == 0:
                break
        scores = model(Tensor(points)).data[:, 0]
    accuracy = float(np.mean(np.sign(scores) == labels))
    print(f"perceptron: {len(points)} points, {updates} updates over {epoch} epochs, train accuracy {accuracy:.1%} "
          f"(target 100%)")
    return 0 if accuracy == 1.0 else MISSED_TARGET


if __name__ == "__main__":
    sys.exit(main())
