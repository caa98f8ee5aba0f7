"""Forward + backward of module 09's layers on a CIFAR-sized batch, tinytorch and PyTorch side by side.

Conv2d(3 -> 32, 3x3, padding 1) on (32, 3, 32, 32); MaxPool2d(2) and BatchNorm2d(32) (training mode) on the
convolution's output, (32, 32, 32, 32). Same weights and inputs in both; outputs and input gradients compared.
Target: each at most 3x PyTorch's time on the same machine.
Run: .venv/bin/python benchmarks/conv_layers.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import measure, measure_in_turns, print_table, torch_or_none
from tinytorch.core.autograd import Tensor
from tinytorch.core.conv import BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.layers import manual_seed

TARGET = 3.0


def forward_backward(layer, x: np.ndarray, upstream: np.ndarray, make_leaf):
    """A step function: a fresh leaf for x, the layer's forward, backward with `upstream`; returns (out, grad)."""
    def step():
        leaf = make_leaf(x)
        out = layer(leaf)
        out.backward(make_leaf(upstream, grad=False))
        return out, leaf.grad
    return step


def tinytorch_leaf(values: np.ndarray, grad: bool = True):
    return Tensor(values, requires_grad=grad)


def main() -> int:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    manual_seed(0)
    x = rng.standard_normal((32, 3, 32, 32), dtype=np.float32)
    conv = Conv2d(3, 32, 3, padding=1)
    hidden = conv(Tensor(x)).data
    cases = {  # name -> (tinytorch layer, its input); the torch twins below get the same weights
        "Conv2d(3, 32, 3, padding=1)": (conv, x),
        "MaxPool2d(2)": (MaxPool2d(2), hidden),
        "BatchNorm2d(32), training": (BatchNorm2d(32), hidden),
    }
    torch_layers = {}
    if torch is not None:
        tconv = torch.nn.Conv2d(3, 32, 3, padding=1)
        with torch.no_grad():
            tconv.weight.copy_(torch.from_numpy(conv.weight.data.copy()))
            tconv.bias.copy_(torch.from_numpy(conv.bias.data.copy()))
        torch_layers = {"Conv2d(3, 32, 3, padding=1)": tconv, "MaxPool2d(2)": torch.nn.MaxPool2d(2),
                        "BatchNorm2d(32), training": torch.nn.BatchNorm2d(32)}

    def torch_leaf(values, grad=True):
        return torch.tensor(values, requires_grad=grad)

    rows, worst = [], 0.0
    for name, (layer, inp) in cases.items():
        upstream = rng.standard_normal(layer(Tensor(inp)).shape, dtype=np.float32)
        ours_step = forward_backward(layer, inp, upstream, tinytorch_leaf)
        if torch is None:
            rows.append([name, str(measure(ours_step, warmup=2, repeats=15)), "-", "-"])
            continue
        theirs_step = forward_backward(torch_layers[name], inp, upstream, torch_leaf)
        (out, grad), (tout, tgrad) = ours_step(), theirs_step()
        assert np.allclose(out.data, tout.detach().numpy(), atol=1e-3), f"{name}: outputs differ"
        assert np.allclose(grad.data, tgrad.numpy(), atol=1e-3), f"{name}: input gradients differ"
        ours, theirs = measure_in_turns([ours_step, theirs_step], rounds=5, block=4)  # the load drifts: take turns
        worst = max(worst, ours.median / theirs.median)
        rows.append([name, str(ours), str(theirs), f"{ours.median / theirs.median:.2f}x"])
    threads = f" ({torch.get_num_threads()} threads)" if torch is not None else ""
    print_table(["forward + backward", "tinytorch (median [p10-p90])", f"torch{threads}", "ratio"], rows)
    if torch is None:
        return 0
    print(f"\nworst ratio {worst:.2f}x (target: at most {TARGET}x each); outputs and input gradients agree")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
