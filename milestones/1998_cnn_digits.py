"""1998 CNN on digits: a convolutional network reads the shipped 8x8 digits (target: 98.5% test).

LeCun, Bottou, Bengio and Haffner (1998) trained LeNet-5, convolutions and subsampling learned end to end,
to read handwritten digits. Here a small CNN (conv-bn-relu twice, pooling, conv-bn-relu, pooling, linear)
learns the 1,797 UCI digits of datasets/digits on the same seeded stratified 80/20 split as milestone 1986,
with random 1-pixel shifts of the training images (Adam, cosine schedule, 20 epochs). The limit is 180 s of
CPU time (`time.process_time`, one BLAS thread): on a shared machine the wall clock measures the other jobs.

The gate is calibrated against broken variants (`--variant`), each with the same seed, epochs and schedule
(measured 2026-11-30 on the 2-core machine, load average 14 to 19 from other jobs):

| variant | test accuracy | CPU time | wall time |
|---|---|---|---|
| the CNN | 99.4% | 23.6 s | 172 s |
| `frozen`: the convolutions keep their random initial weights (batch norm and the classifier train) | 93.6% | 22.2 s | 372 s |
| `identity`: each convolution replaced by its input, repeated to fill its output channels | 28.1% | 12.5 s | 208 s |

The same network with 32-32-64 channels reached 99.2% after 30 epochs and 98.9% after 20; with one 8x8
convolution (32-64 channels) 98.1% after 20 epochs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

# The matrices are small (a few thousand rows): OpenBLAS threads cost more than they give, most of all on a
# shared machine. Set before NumPy loads; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from tinytorch.core.autograd import Tensor, cat, no_grad
from tinytorch.core.conv import BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.data import DataLoader, RandomCrop, TensorDataset, TransformDataset, load_digits, train_test_split
from tinytorch.core.layers import Flatten, Linear, Module, ReLU, Sequential, manual_seed
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import Adam, CosineAnnealingLR

# The modules this program uses; `tito milestone run` checks they are finished first.
REQUIRES = ("01", "02", "03", "04", "05", "06", "07", "09")
MISSED_TARGET = 3  # exit code below target; any other failure is a crash

TARGET, FAST_TARGET, TIME_LIMIT = 0.985, 0.90, 180.0
EPOCHS, FAST_EPOCHS = 20, 2


class Passthrough(Module):
    """The broken variant `identity`: a convolution replaced by its input, repeated to fill its output channels."""

    def __init__(self, conv: Conv2d) -> None:
        super().__init__()
        self.repeat = conv.out_channels // conv.in_channels

    def forward(self, x: Tensor) -> Tensor:
        return cat([x] * self.repeat, dim=1)


def cnn(variant: str) -> Sequential:
    layers = [Conv2d(1, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU(),
              Conv2d(16, 32, 3, padding=1, bias=False), BatchNorm2d(32), ReLU(), MaxPool2d(2),
              Conv2d(32, 64, 3, padding=1, bias=False), BatchNorm2d(64), ReLU(), MaxPool2d(2),
              Flatten(), Linear(256, 10)]
    if variant == "identity":
        layers = [Passthrough(layer) if isinstance(layer, Conv2d) else layer for layer in layers]
    model = Sequential(*layers)
    if variant == "frozen":  # the convolutions keep their random initial weights
        for layer in layers:
            if isinstance(layer, Conv2d):
                layer.weight.requires_grad = False
    return model


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    with no_grad():
        predictions = model(Tensor(images)).data.argmax(axis=1)
    model.train()
    return float(np.mean(predictions == labels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true",
                        help=f"{FAST_EPOCHS} epochs, target {FAST_TARGET:.0%} (test-suite variant)")
    parser.add_argument("--variant", choices=("cnn", "frozen", "identity"), default="cnn",
                        help="frozen: untrained convolutions; identity: each convolution replaced by its input")
    args = parser.parse_args(argv)
    start, cpu_start = time.perf_counter(), time.process_time()
    images, labels = load_digits()
    train_idx, test_idx = train_test_split(len(labels), test_fraction=0.2, seed=1986, stratify=labels)
    manual_seed(1998)
    model = cnn(args.variant)
    epochs = FAST_EPOCHS if args.fast else EPOCHS
    optimizer, loss_fn = Adam([p for p in model.parameters() if p.requires_grad], lr=3e-3), CrossEntropyLoss()
    schedule = CosineAnnealingLR(optimizer, T_max=epochs)
    shifted = TransformDataset(TensorDataset(Tensor(images[train_idx]), Tensor(labels[train_idx])),
                               RandomCrop(8, padding=1, rng=1998))
    loader = DataLoader(shifted, batch_size=64, shuffle=True, seed=1998)
    for epoch in range(1, epochs + 1):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        schedule.step()
    test_accuracy = accuracy(model, images[test_idx], labels[test_idx])
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    target = FAST_TARGET if args.fast else TARGET
    name = "CNN" if args.variant == "cnn" else f"CNN, broken variant {args.variant!r},"
    print(f"{name} on digits: {epochs} epochs, train accuracy {accuracy(model, images[train_idx], labels[train_idx]):.1%}, "
          f"test accuracy {test_accuracy:.1%} (target {target:.1%}), {cpu_seconds:.1f} s of CPU time (limit "
          f"{TIME_LIMIT:.0f} s), {seconds:.1f} s wall")
    return 0 if test_accuracy >= target and cpu_seconds <= TIME_LIMIT else MISSED_TARGET


if __name__ == "__main__":
    sys.exit(main())
