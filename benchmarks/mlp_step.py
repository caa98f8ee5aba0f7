"""One training step (forward, cross-entropy, backward, SGD update) of a 784-256-128-10 MLP at batch 256.

Target: at most 1.5x PyTorch's time on the same machine, same weights, same data.
Run: .venv/bin/python benchmarks/mlp_step.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import measure, print_table, torch_or_none
from tinytorch.core.autograd import Tensor
from tinytorch.core.layers import Linear, ReLU, Sequential, manual_seed
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD

SIZES, BATCH = (784, 256, 128, 10), 256


def tinytorch_step():
    manual_seed(0)
    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    optimizer, loss_fn = SGD(model.parameters(), lr=0.01, momentum=0.9), CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((BATCH, 784), dtype=np.float32))
    y = Tensor(rng.integers(0, 10, BATCH))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return model, step, x.data, y.data


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
    torch = torch_or_none()
    model, step, x, y = tinytorch_step()
    first = float(step().item())
    ours = measure(step, warmup=5, repeats=50)
    rows = [["tinytorch", str(ours), f"{BATCH / ours.median:,.0f}"]]
    ratio = None
    if torch is not None:
        model, step, x, y = tinytorch_step()  # same initial weights for both
        tstep = torch_step(torch, model, x, y)
        torch_first = float(tstep().item())
        assert abs(first - torch_first) < 1e-4, f"first losses differ: {first} vs {torch_first}"
        theirs = measure(tstep, warmup=5, repeats=50)
        rows.append([f"torch {torch.__version__} ({torch.get_num_threads()} threads)", str(theirs),
                     f"{BATCH / theirs.median:,.0f}"])
        ratio = ours.median / theirs.median
    print_table(["framework", "time per step (median [p10-p90])", "samples/s"], rows)
    if ratio is not None:
        print(f"\ntinytorch / torch = {ratio:.2f}x (target: at most 1.5x); first-step loss {first:.6f} in both")
    return 0 if ratio is None or ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
