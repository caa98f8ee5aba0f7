"""One training step (forward, cross-entropy, backward, SGD update) of a 784-256-128-10 MLP at batch 256.

Target: at most 1.5x PyTorch's time on the same machine, same weights, same data.
Run: .venv/bin/python benchmarks/mlp_step.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import compare_steps
from tinytorch.core.autograd import Tensor
from tinytorch.core.layers import Linear, ReLU, Sequential, manual_seed
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD

SIZES, BATCH = (784, 256, 128, 10), 256


def batch():
    rng = np.random.default_rng(0)
    return rng.standard_normal((BATCH, 784), dtype=np.float32), rng.integers(0, 10, BATCH)


def tinytorch_step(x, y):
    manual_seed(0)
    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    optimizer, loss_fn = SGD(model.parameters(), lr=0.01, momentum=0.9), CrossEntropyLoss()
    x, y = Tensor(x), Tensor(y)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def torch_step(torch, model, x, y):
    layers = []
    for layer in model:
        if isinstance(layer, Linear):
            lin = torch.nn.Linear(layer.weight.shape[1], layer.weight.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.weight.data.copy()))
                lin.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
            layers.append(lin)
        else:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    optimizer, loss_fn = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9), torch.nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(net(tx), ty)
        loss.backward()
        optimizer.step()
        return loss

    return step


def main() -> int:
    return compare_steps(batch, tinytorch_step, torch_step, BATCH, "samples", 1.5, warmup=5, repeats=50)


if __name__ == "__main__":
    sys.exit(main())
