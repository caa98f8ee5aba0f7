# %% [markdown]
# # Module 08: Training
#
# Modules 02 to 07 give every piece of a training step: a model, a loss, gradients, an optimizer, batches.
# This module puts them in a loop and adds what a real run needs around it: metrics averaged correctly over
# an epoch, a history of those metrics, early stopping, checkpoints that let a run stop and resume exactly,
# a progress bar and learning curves. It ends with a study of why deep sigmoid networks barely train.
#
# You will write `accuracy`, `RunningMean`, `History`, `EarlyStopping`, checkpoint saving and loading, the
# progress bar's line, the `Trainer` (one training epoch, evaluation, `fit`), a deep MLP with the right
# initialization and the per-layer gradient norms. Each task is a cell containing `# YOUR CODE HERE`; the
# locked cells after it test it. What several tests share (toy data and models, the hand-written loop) is in
# one given cell, shown collapsed. Run the cells in order.
#
# PyTorch has no built-in trainer; this one follows the loop every PyTorch program writes by hand:
# `model.train()`, then per batch `optimizer.zero_grad()`, forward, loss, `loss.backward()`, `optimizer.step()`;
# `model.eval()` and `no_grad()` to evaluate.

# %%
#| default_exp core.training

# %%
#| export
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from tinytorch.core.autograd import Tensor, no_grad
from tinytorch.core.tensor import array_of
from tinytorch.core.data import load_digits
from tinytorch.core.layers import Linear, Module, ReLU, Sequential, Sigmoid, Tanh, manual_seed
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import clip_grad_norm_

# %% [markdown]
# ### Given: two helpers
#
# `array_of(x)` is the ndarray behind a Tensor (anything else through `np.asarray`); `_to_float(v)` turns a
# one-element Tensor, a NumPy scalar or a number into a Python float, which JSON can store.

# %%
#| export
def _to_float(value) -> float:
    """A Python float from a one-element Tensor, a NumPy scalar or a number."""
    return float(value.item()) if hasattr(value, "item") else float(value)

# %% [markdown]
# ## 1. Metrics
#
# **Accuracy** is the fraction of samples whose predicted class is the target class. The model outputs
# logits (scores before softmax); softmax is increasing, so the predicted class is the argmax of the logits.
#
# **Task: `accuracy(logits, targets) -> float`.** Inputs are Tensors or arrays. Three cases, by shape:
# - logits (..., C) with C > 1 and integer class targets of shape (...): compare `argmax` over the last axis
#   with the targets.
# - logits (..., C) with C > 1 and targets of the same shape (one-hot or probabilities): compare the argmax of
#   both.
# - binary logits, shape (N, 1) or (N,), with 0/1 float targets of shape (N, 1) or (N,): the prediction is 1
#   when the logit is > 0 (sigmoid(z) > 1/2 exactly when z > 0); the target counts as 1 when it is > 0.5.
#
# Any other pair of shapes raises `ValueError` naming both shapes. Return a Python float.
#
# Pitfall: comparing a (N, 1) prediction with (N,) targets broadcasts to (N, N) and gives a meaningless mean.

# %% nbgrader={"grade": false, "grade_id": "accuracy", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def accuracy(logits, targets) -> float:
    """Fraction of samples with argmax(logits) == target (binary logits: (logit > 0) == (target > 0.5))."""
    out, y = array_of(logits), array_of(targets)
    if out.ndim == 0:
        raise ValueError("accuracy needs logits with at least one axis, got a 0-d array")
    ### BEGIN SOLUTION
    classes = out.shape[-1]
    if classes > 1 and y.shape == out.shape[:-1]:
        correct = out.argmax(axis=-1) == y
    elif classes > 1 and out.ndim >= 2 and y.shape == out.shape:
        correct = out.argmax(axis=-1) == y.argmax(axis=-1)
    elif y.shape == out.shape or (classes == 1 and y.shape == out.shape[:-1]):
        correct = (out.reshape(y.shape) > 0) == (y > 0.5)  # same shape first: no (N, 1) vs (N,) broadcast
    else:
        raise ValueError(f"accuracy: logits of shape {out.shape} do not match targets of shape {y.shape}")
    return float(np.mean(correct))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-accuracy", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_accuracy():
    """accuracy is the fraction of samples whose argmax over the last axis is the target class (or its argmax)."""
    logits = Tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.5, 4.0], [5.0, 0.0, 0.0]])  # argmax [0, 1, 2, 0]
    got = accuracy(logits, Tensor([0, 1, 0, 0]))
    assert isinstance(got, float), f"accuracy must return a Python float, got {type(got).__name__}"
    cases = [(logits, Tensor([0, 1, 0, 0]), 0.75), (logits.data, np.array([1, 0, 1, 1]), 0.0),  # (logits, targets, accuracy)
             (logits, np.array([0, 1, 2, 0]), 1.0), (logits, np.eye(3)[[0, 2, 2, 0]], 0.75),  # one-hot: argmax vs argmax
             (np.array([0.2, 3.0, -1.0]), np.array(1), 1.0)]  # logits (C,) with a scalar target: one sample
    for out, y, want in cases:
        got = accuracy(out, y)
        assert got == want, f"logits {array_of(out).shape}, targets {array_of(y).tolist()}: accuracy {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(801)
    for i in range(10):
        lead = tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, 3))))
        c = int(rng.integers(2, 7))
        out = rng.standard_normal(lead + (c,))
        y = rng.integers(0, c, size=lead)
        observe(f"random case {i}: accuracy on logits {lead + (c,)}", accuracy(Tensor(out), Tensor(y)), rtol=0, atol=1e-12)
        observe(f"random case {i}: accuracy with one-hot targets", accuracy(out, np.eye(c)[y]), rtol=0, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_accuracy()

# %% nbgrader={"grade": true, "grade_id": "test-accuracy-binary", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_accuracy_binary():
    """Binary logits (N, 1) or (N,) predict 1 when > 0, targets count as 1 when > 0.5; other shapes raise ValueError."""
    z = np.array([[2.0], [-1.0], [0.5], [-3.0], [0.0]])  # predictions [1, 0, 1, 0, 0]
    t = np.array([[1.0], [0.0], [0.0], [1.0], [0.0]])  # 3 of 5 agree
    cases = [(Tensor(z), Tensor(t), 0.6), (z, t[:, 0], 0.6),  # (N, 1) with (N,) must not broadcast to (N, N)
             (z[:, 0], t[:, 0], 0.6), (np.array([[0.0]]), np.array([[0.0]]), 1.0)]  # logit 0: p = 1/2 is class 0
    for out, y, want in cases:
        got = accuracy(out, y)
        assert got == want, f"binary logits {array_of(out).shape}, targets {array_of(y).shape}: accuracy {want}, got {got}"
    for out, y in ((np.zeros((4, 3)), np.zeros(5)), (np.zeros((4, 3)), np.zeros((4, 2)))):
        msg = error_message(ValueError, accuracy, out, y)
        assert msg is not None and str(out.shape) in msg and str(y.shape) in msg, \
            f"logits {out.shape} with targets {y.shape}: ValueError naming both shapes, got {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(811)
    for i in range(10):
        n = int(rng.integers(1, 20))
        zb = rng.standard_normal((n, 1))
        yb = (rng.random(n) < 0.5).astype(np.float32)
        observe(f"random case {i}: binary accuracy, logits (N, 1), targets (N, 1)", accuracy(zb, yb[:, None]),
                rtol=0, atol=1e-12)
        observe(f"random case {i}: binary accuracy, logits (N, 1), targets (N,)", accuracy(zb, yb), rtol=0, atol=1e-12)
        observe(f"random case {i}: binary accuracy, logits (N,), targets (N,)", accuracy(zb[:, 0], yb), rtol=0, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_accuracy_binary()

# %% [markdown]
# **An epoch's mean.** A loss with `reduction="mean"` is the mean over one batch. The epoch loss should be the
# mean over all samples, so each batch mean must be weighted by its batch size:
# mean = sum_i(v_i * n_i) / sum_i(n_i). The plain mean of the batch means weights every batch equally, which
# over-counts the samples of a short last batch: batches of 4, 4 and 2 samples with means 1, 1 and 4 have
# sample mean (4 + 4 + 8) / 10 = 1.6, not (1 + 1 + 4) / 3 = 2.
#
# **Task: `RunningMean`.** `update(value, n=1)` adds a batch's mean `value` (a number or a one-element Tensor)
# weighted by `n`; `compute()` returns the weighted mean as a Python float, `nan` before any update;
# `reset()` (given) starts over. Keep `self.total` (sum of value * n) and `self.count` (sum of n).

# %% nbgrader={"grade": false, "grade_id": "running-mean", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class RunningMean:
    """Sample-weighted mean of batch values: sum(value_i * n_i) / sum(n_i)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every update."""
        self.total = 0.0
        self.count = 0

    def update(self, value, n: int = 1) -> None:
        """Add a batch's mean `value` computed over `n` samples."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        ### BEGIN SOLUTION
        self.total += _to_float(value) * n
        self.count += n
        ### END SOLUTION

    def compute(self) -> float:
        """The weighted mean so far (nan before any sample)."""
        ### BEGIN SOLUTION
        return self.total / self.count if self.count else math.nan
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"RunningMean(mean={self.compute():.6g}, count={self.count})"

# %% nbgrader={"grade": true, "grade_id": "test-running-mean", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np
from tito.check import observe


def test_running_mean():
    """compute() is the mean over samples, each batch value weighted by its size."""
    m = RunningMean()
    assert math.isnan(m.compute()), "before any update compute() must be nan"
    for value, n in ((1.0, 4), (1.0, 4), (4.0, 2)):
        m.update(value, n)
    got = m.compute()
    assert isinstance(got, float), f"compute() must return a Python float, got {type(got).__name__}"
    assert abs(got - 1.6) < 1e-12, f"batches (1.0 x 4), (1.0 x 4), (4.0 x 2): sample mean 1.6, got {got}"
    assert m.count == 10, f"count must be the number of samples, 10, got {m.count}"
    m.update(Tensor(np.float32(0.5)), 6)
    assert abs(m.compute() - (16.0 + 3.0) / 16) < 1e-7, f"a one-element Tensor counts as its value, got {m.compute()}"
    m.reset()
    m.update(3.0)
    assert m.compute() == 3.0 and m.count == 1, "n defaults to 1, and reset() forgets earlier updates"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(802)
    for i in range(5):
        values, sizes = rng.standard_normal(int(rng.integers(1, 10))), rng.integers(1, 50, size=10)
        m = RunningMean()
        for v, n in zip(values, sizes):
            m.update(float(v), int(n))
        observe(f"random case {i}: weighted mean of {len(values)} batches", m.compute(), rtol=0, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_running_mean()

# %% [markdown]
# ## 2. History
#
# A `History` keeps one list per metric, one entry per epoch: `history["val_loss"][e]` is the validation
# loss after epoch `e` (0-based). The trainer records `train_loss`, `train_accuracy`, `val_loss`,
# `val_accuracy` (with a validation loader), `lr` (the learning rate used in the epoch) and `seconds`.
#
# **Task: `History`.**
# - `append(**values)`: add one entry to each named list (creating it on first use), as a Python float
#   (`_to_float`), so that the history can be written as JSON.
# - `best(name, mode="min") -> (epoch, value)`: the index and value of the smallest (`"max"`: largest) entry of
#   that list, the first one on a tie; `nan` entries are skipped. Raise `ValueError` for another mode.
# - `to_dict()`: `{name: list of floats}`, copies of the lists; `History.from_dict(d)` builds a History back.
#
# `__getitem__`, `__contains__`, `keys()` and `__len__` (the number of epochs) are given.

# %% nbgrader={"grade": false, "grade_id": "history", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class History:
    """Per-epoch metric lists keyed by name: history["val_loss"][e] is the value after epoch e."""

    def __init__(self) -> None:
        self.data: dict[str, list[float]] = {}

    def __getitem__(self, name: str) -> list:
        return self.data[name]

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def keys(self) -> list:
        return list(self.data)

    def __len__(self) -> int:
        """Number of epochs recorded: the length of the longest list."""
        return max((len(v) for v in self.data.values()), default=0)

    def __repr__(self) -> str:
        return f"History(epochs={len(self)}, keys={self.keys()})"

    def append(self, **values) -> None:
        """Add one epoch's values: history.append(train_loss=0.3, lr=0.1)."""
        ### BEGIN SOLUTION
        for name, value in values.items():
            self.data.setdefault(name, []).append(_to_float(value))
        ### END SOLUTION

    def best(self, name: str, mode: str = "min") -> tuple:
        """(epoch, value) of the smallest ("min") or largest ("max") entry of history[name], skipping nan."""
        ### BEGIN SOLUTION
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        values = np.array(self.data[name], dtype=np.float64)
        if np.all(np.isnan(values)):
            raise ValueError(f"history[{name!r}] has no value to compare (empty or all nan)")
        epoch = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        return epoch, float(values[epoch])
        ### END SOLUTION

    def to_dict(self) -> dict:
        """{name: list of floats}, a JSON-able copy."""
        ### BEGIN SOLUTION
        return {name: list(values) for name, values in self.data.items()}
        ### END SOLUTION

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        """The History that to_dict() described."""
        ### BEGIN SOLUTION
        history = cls()
        history.data = {name: [float(v) for v in values] for name, values in data.items()}
        return history
        ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: scaffolding for the tests below (a history, toy data and models, the hand-written training loop).
import io

from tinytorch.core.autograd import is_grad_enabled
from tinytorch.core.data import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout
from tinytorch.core.optim import SGD, Adam, StepLR


def three_epochs():
    """A History of three epochs: val_loss 1.0, 0.7, 0.8 and lr 0.1, 0.1, 0.05."""
    h = History()
    for val_loss, lr in ((1.0, 0.1), (0.7, 0.1), (0.8, 0.05)):
        h.append(val_loss=val_loss, lr=lr)
    return h


def drawn(total, updates, closes=0, **options):
    """What ProgressBar(total, **options) writes to its stream for update(n, **values) per (n, values), then closes."""
    stream = io.StringIO()
    bar = ProgressBar(total, stream=stream, **options)
    for n, values in updates:
        bar.update(n, **values)
    for _ in range(closes):
        bar.close()
    return stream.getvalue()


def record_steps(es, values):
    """(step() results, es.improved after each step) for a sequence of monitored values."""
    stops, improved = [], []
    for v in values:
        stops.append(es.step(v))
        improved.append(es.improved)
    return stops, improved


_toy_rng = np.random.default_rng(805)
TOY_X, TOY_Y = Tensor(_toy_rng.standard_normal((16, 4)).astype(np.float32)), Tensor(_toy_rng.integers(0, 3, 16))


def train_step(model, optimizer, x=TOY_X, y=TOY_Y):
    """One optimizer step on the cross-entropy of model(x) against y."""
    optimizer.zero_grad()
    CrossEntropyLoss()(model(x), y).backward()
    optimizer.step()


def trained_mlp(seed, optimizer_class, steps=0, **options):
    """A 4 -> 8 -> 3 ReLU MLP built after manual_seed(seed) and its optimizer, after `steps` steps on the toy batch."""
    manual_seed(seed)
    model = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    optimizer = optimizer_class(model.parameters(), **options)
    for _ in range(steps):
        train_step(model, optimizer)
    return model, optimizer


def first_difference(a, b, rtol=0.0, atol=0.0):
    """The first state_dict entry in which two models (or state dicts) differ beyond the tolerance; None if none."""
    a, b = (m.state_dict() if isinstance(m, Module) else m for m in (a, b))
    return next((name for name in a if not np.allclose(a[name], b[name], rtol=rtol, atol=atol)), None)


class Probe(Module):
    """An identity layer that records (training mode, gradients enabled) at each forward call."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, is_grad_enabled()))
        return x


def separable_clouds(n, seed):
    """n points in 2-D whose class is the sign of the first feature, at least 0.5 away from the boundary."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 2)).astype(np.float32)
    x[:, 0] = (2 * y - 1) * (0.5 + np.abs(x[:, 0]))
    return TensorDataset(Tensor(x), Tensor(y))


_small_rng = np.random.default_rng(807)
SMALL_X, SMALL_Y = Tensor(_small_rng.standard_normal((10, 3)).astype(np.float32)), Tensor(_small_rng.integers(0, 3, 10))


def small_loader():
    """SMALL_X, SMALL_Y: 10 samples of 3 features and 3 classes, in batches of 4, 4 and 2."""
    return DataLoader(TensorDataset(SMALL_X, SMALL_Y), batch_size=4)


def small_mlp(seed):
    """A 3 -> 5 -> 3 ReLU MLP built after manual_seed(seed)."""
    manual_seed(seed)
    return Sequential(Linear(3, 5), ReLU(), Linear(5, 3))


def reference_epoch(model, loader, clip=None, lr=0.3):
    """The hand-written epoch with SGD(lr): the batch losses, accuracies and sizes as arrays."""
    optimizer, loss_fn = SGD(model.parameters(), lr=lr), CrossEntropyLoss()
    losses, accs, sizes = [], [], []
    for xb, yb in loader:
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        if clip is not None:
            clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
        accs.append(float(np.mean(out.data.argmax(-1) == yb.data)))
        sizes.append(len(yb.data))
    return np.array(losses), np.array(accs), np.array(sizes)


def blobs(n, rng):
    """n samples of 8 features: the class shifts the first by -1 or +1, seven are noise (a small set gets overfitted)."""
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 8)).astype(np.float32)
    x[:, 0] += 2 * y - 1
    return TensorDataset(Tensor(x), Tensor(y))


_fit_rng = np.random.default_rng(808)
FIT_TRAIN, FIT_VAL = blobs(24, _fit_rng), blobs(64, _fit_rng)


def fit_model(seed=3):
    """The 8 -> 32 -> 2 ReLU MLP that fit_run trains, built after manual_seed(seed)."""
    manual_seed(seed)
    return Sequential(Linear(8, 32), ReLU(), Linear(32, 2))


def fit_run(epochs, early_stopping=None, checkpoint_path=None, val=True):
    """Trainer.fit on FIT_TRAIN (validated on FIT_VAL): SGD with momentum, lr 0.02 times 0.95 per epoch.
    Returns (model, history, scheduler, trainer)."""
    model = fit_model()
    optimizer = SGD(model.parameters(), lr=0.02, momentum=0.9)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.95)
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), scheduler=scheduler, progress=False)
    history = trainer.fit(DataLoader(FIT_TRAIN, batch_size=8, shuffle=True, seed=1),
                          DataLoader(FIT_VAL, batch_size=16) if val else None, epochs=epochs,
                          early_stopping=early_stopping, checkpoint_path=checkpoint_path)
    return model, history, scheduler, trainer

# %% nbgrader={"grade": true, "grade_id": "test-history", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_history():
    """append adds one Python float per named metric per epoch; len(history) is the number of epochs."""
    h = History()
    h.append(train_loss=np.float32(0.9), val_loss=1.0, lr=0.1)
    h.append(train_loss=Tensor(0.5), val_loss=0.7, lr=0.1)
    h.append(train_loss=0.4, val_loss=0.8, lr=0.05)
    assert len(h) == 3, f"three appends are three epochs, got len {len(h)}"
    assert h["val_loss"] == [1.0, 0.7, 0.8], f"history['val_loss'] should be [1.0, 0.7, 0.8], got {h['val_loss']}"
    assert "lr" in h and "val_accuracy" not in h, "a name is in the history once a value was appended for it"
    assert all(type(v) is float for v in h["train_loss"]), "values must be stored as Python floats"
    assert abs(h["train_loss"][0] - 0.9) < 1e-7 and h["train_loss"][1] == 0.5, "values changed on append"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(803)
    for i in range(5):
        values = rng.standard_normal(int(rng.integers(1, 12)))
        h = History()
        for v in values:
            h.append(metric=np.float32(v), other=Tensor(float(-v), dtype=np.float64))
        observe(f"random case {i}: history['metric'] and ['other']", (list(h["metric"]), list(h["other"])), rtol=0, atol=0)
        observe(f"random case {i}: len and types", (len(h), sorted({type(v).__name__ for v in h["metric"] + h["other"]})))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_history()

# %% nbgrader={"grade": true, "grade_id": "test-history-best", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_history_best():
    """best(name, mode) is (epoch, value) of the smallest or largest entry, the first on a tie, nan entries skipped."""
    h = three_epochs()  # val_loss 1.0, 0.7, 0.8; lr 0.1, 0.1, 0.05
    for name, mode, want in (("val_loss", "min", (1, 0.7)), ("val_loss", "max", (0, 1.0)), ("lr", "max", (0, 0.1))):
        got = h.best(name, mode=mode)
        assert got == want, f"best({name!r}, mode={mode!r}) should be {want}, got {got}"
    assert error_message(ValueError, h.best, "val_loss", mode="lowest") is not None, "best(name, mode='lowest') must raise ValueError"
    g = History()
    for v in (0.5, math.nan, 0.75):
        g.append(val_accuracy=v)
    assert g.best("val_accuracy", mode="max") == (2, 0.75), "nan entries are skipped"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(813)
    for i in range(5):
        values = np.round(rng.standard_normal(int(rng.integers(1, 12))), 1)  # rounded: ties happen
        values[rng.random(len(values)) < 0.2] = math.nan
        values[0] = 0.0
        h = History()
        for v in values:
            h.append(metric=float(v))
        observe(f"random case {i}: best('metric')", h.best("metric"), rtol=0, atol=0)
        observe(f"random case {i}: best('metric', 'max')", h.best("metric", "max"), rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_history_best()

# %% nbgrader={"grade": true, "grade_id": "test-history-dict", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import json

import numpy as np
from tito.check import observe


def test_history_dict():
    """to_dict gives copies of the lists, and to_dict -> JSON -> from_dict gives the same history back."""
    h = three_epochs()
    back = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert isinstance(back, History), "History.from_dict must return a History"
    assert back.to_dict() == h.to_dict() and len(back) == 3, "to_dict -> JSON -> from_dict must give the same history"
    d = h.to_dict()
    d["val_loss"].append(0.0)
    assert h["val_loss"] == [1.0, 0.7, 0.8], "to_dict must return copies of the lists"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(823)
    for i in range(5):
        values = rng.standard_normal(int(rng.integers(1, 12)))
        h = History()
        for v in values:
            h.append(metric=float(v), other=float(-v))
        back = History.from_dict(json.loads(json.dumps(h.to_dict()))).to_dict()
        observe(f"random case {i}: to_dict -> JSON -> from_dict -> to_dict", sorted(back.items()), rtol=0, atol=0)
        observe(f"random case {i}: the round trip equals to_dict()", back == h.to_dict())
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_history_dict()

# %% [markdown]
# ## 3. Early stopping
#
# Validation loss usually falls, flattens, then rises again as the model starts to fit noise in the training
# set (overfitting). Early stopping watches one metric and ends training once it has not improved for
# `patience` epochs in a row; with `restore_best=True` the trainer then puts back the weights of the best epoch.
#
# `EarlyStopping(patience=5, min_delta=0.0, monitor="val_loss", mode="min", restore_best=False)`.
#
# **Task: `step(value) -> bool`**, called once per epoch with the monitored value:
# - advance `self.epoch` (it starts at -1, so the first call is epoch 0);
# - `mode="min"`: the value improves when `value < self.best - self.min_delta` (`"max"`:
#   `value > self.best + self.min_delta`); `self.best` starts at +inf (`"max"`: -inf), and `nan` never improves;
# - on improvement: `self.best = value`, `self.best_epoch = self.epoch`, `self.num_bad_epochs = 0`;
#   otherwise `self.num_bad_epochs += 1`;
# - set `self.improved` (did this step improve?) and return True, stop, when the step did not improve and
#   `self.num_bad_epochs >= self.patience`.
#
# Pitfall: `min_delta` makes tiny improvements count as none; without it a loss creeping down by 1e-6 per
# epoch keeps a run alive forever.

# %% nbgrader={"grade": false, "grade_id": "early-stopping", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class EarlyStopping:
    """Stop when `monitor` has not improved by more than min_delta for `patience` epochs in a row."""

    def __init__(self, patience: int = 5, min_delta: float = 0.0, monitor: str = "val_loss", mode: str = "min",
                 restore_best: bool = False) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if patience < 0 or min_delta < 0:
            raise ValueError(f"patience and min_delta must be >= 0, got {patience!r} and {min_delta!r}")
        self.patience, self.min_delta, self.monitor, self.mode = patience, min_delta, monitor, mode
        self.restore_best = restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.num_bad_epochs = 0
        self.epoch = -1
        self.improved = False

    def step(self, value) -> bool:
        """Record one epoch's value; True when training should stop."""
        value = _to_float(value)
        ### BEGIN SOLUTION
        self.epoch += 1
        if self.mode == "min":
            self.improved = value < self.best - self.min_delta
        else:
            self.improved = value > self.best + self.min_delta
        if self.improved:
            self.best, self.best_epoch, self.num_bad_epochs = value, self.epoch, 0
            return False
        self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience
        ### END SOLUTION

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, mode={self.mode!r}, patience={self.patience}, "
                f"best={self.best:.6g} at epoch {self.best_epoch})")

# %% nbgrader={"grade": true, "grade_id": "test-early-stopping", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np
from tito.check import observe


def test_early_stopping():
    """step() returns True once `patience` epochs in a row have not improved on the best; an improvement resets the count."""
    cases = [  # (patience, values, step() results, improved, (best, best_epoch, num_bad_epochs))
        (2, (5.0, 4.0, 4.5, 4.2), [0, 0, 0, 1], [1, 1, 0, 0], (4.0, 1, 2)),
        (2, (3.0, 3.5, 2.0, 2.5, 2.1, 1.0), [0, 0, 0, 0, 1, 0], [1, 0, 1, 0, 0, 1], (1.0, 5, 0)),
        (0, (1.0, 0.5, 0.6), [0, 0, 1], [1, 1, 0], (0.5, 1, 1)),  # patience 0 stops at the first bad epoch
        (1, (math.nan,), [1], [0], (math.inf, -1, 1))]  # nan never improves
    for patience, values, stops, improved, state in cases:
        es = EarlyStopping(patience=patience)
        got = record_steps(es, values)
        assert got == (stops, improved) and all(type(v) is bool for v in got[0] + got[1]), \
            f"patience {patience}, values {values}: step() gives {stops}, improved {improved} (as bools); got {got}"
        seen = (es.best, es.best_epoch, es.num_bad_epochs, es.epoch)
        assert seen == (*state, len(values) - 1), f"best, best_epoch, num_bad_epochs, epoch should be {(*state, len(values) - 1)}, got {seen}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(804)
    for i in range(10):
        patience = int(rng.integers(0, 4))
        values = np.round(rng.random(12), 2)
        es = EarlyStopping(patience=patience)
        bests, best_epochs, bad = [], [], []
        for v in values:
            es.step(float(v))
            bests.append(es.best)
            best_epochs.append(es.best_epoch)
            bad.append(es.num_bad_epochs)
        stops, improved = record_steps(EarlyStopping(patience=patience), values)
        case = f"case {i} (patience={patience}, min_delta=0, mode=min)"
        observe(f"{case}: step() result per epoch", stops)
        observe(f"{case}: best per epoch", bests, rtol=0, atol=0)
        observe(f"{case}: best_epoch and num_bad_epochs per epoch", (best_epochs, bad))
        observe(f"{case}: improved per epoch", improved)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_early_stopping()

# %% nbgrader={"grade": true, "grade_id": "test-early-stopping-options", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_early_stopping_options():
    """An improvement must exceed min_delta; mode="max" watches a metric that should grow; a Tensor counts as its value."""
    cases = [  # (EarlyStopping arguments, values, step() results, improved, (best, best_epoch))
        ({"patience": 1, "min_delta": 0.1}, (Tensor(1.0), 0.95), [0, 1], [1, 0], (1.0, 0)),  # 0.95 > 1.0 - 0.1
        ({"patience": 3, "monitor": "val_accuracy", "mode": "max"}, (0.5, 0.7, 0.6, 0.7, 0.65), [0, 0, 0, 0, 1],
         [1, 1, 0, 0, 0], (0.7, 1))]  # 0.7 again equals the best: no improvement
    for options, values, stops, improved, state in cases:
        es = EarlyStopping(**options)
        got = record_steps(es, values)
        assert got == (stops, improved) and all(type(v) is bool for v in got[0] + got[1]), \
            f"EarlyStopping({options}) on {values}: step() gives {stops}, improved {improved} (as bools); got {got}"
        assert (es.best, es.best_epoch) == state, f"EarlyStopping({options}): best {state[0]} at epoch {state[1]}, got {es.best} at {es.best_epoch}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(814)
    for i in range(10):
        patience, delta = int(rng.integers(0, 4)), float(rng.choice([0.0, 0.05]))
        mode = str(rng.choice(["min", "max"]))
        values = np.round(rng.random(12), 2)
        es = EarlyStopping(patience=patience, min_delta=delta, mode=mode)
        bests, best_epochs = [], []
        for v in values:
            es.step(Tensor(float(v), dtype=np.float64))
            bests.append(es.best)
            best_epochs.append(es.best_epoch)
        stops, improved = record_steps(EarlyStopping(patience=patience, min_delta=delta, mode=mode), values)
        case = f"case {i} (patience={patience}, min_delta={delta}, mode={mode})"
        observe(f"{case}: step() result per epoch", stops)
        observe(f"{case}: best per epoch", bests, rtol=0, atol=0)
        observe(f"{case}: best_epoch per epoch", best_epochs)
        observe(f"{case}: improved per epoch", improved)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_early_stopping_options()

# %% [markdown]
# ## 4. Checkpoints
#
# A checkpoint lets a run stop and resume as if it had never stopped. That needs more than the weights: Adam
# keeps two moment estimates and a step count per parameter, SGD with momentum a velocity, and the schedule
# its epoch. A resumed run without them takes different steps.
#
# Format: one `.npz` file (NumPy's zip of named arrays), no pickle: loading a pickle runs arbitrary code, and
# `np.load(path, allow_pickle=False)` refuses it.
# - `model/<name>`: each array of `model.state_dict()`, e.g. `model/0.weight`;
# - `optim/...` and `sched/...`: the arrays inside the optimizer's (and scheduler's) state dict;
# - `meta`: one string array holding JSON: epoch, history, the model's names, and the rest of the optimizer
#   and scheduler state (numbers, lists) with a reference where each array was taken out.
#
# ### Given: `_pack` and `_unpack`
#
# `_pack(obj, prefix, arrays)` walks a nested state dict: every ndarray goes into `arrays` under a key built
# from its path (`optim/state/0/exp_avg`) and is replaced by `{"__array__": key}`; dicts (whose keys may be ints,
# which JSON would turn into strings) and tuples are tagged so that `_unpack(skeleton, archive)` rebuilds the
# exact same structure.

# %%
#| export
CHECKPOINT_FORMAT = "tinytorch-checkpoint-1"


def _pack(obj, prefix: str, arrays: dict):
    """A JSON-able skeleton of obj; each ndarray is moved to arrays[key] and left as {"__array__": key}."""
    if isinstance(obj, np.ndarray):
        arrays[prefix] = obj
        return {"__array__": prefix}
    if isinstance(obj, dict):
        return {"__dict__": [[k.item() if isinstance(k, np.generic) else k, _pack(v, f"{prefix}/{k}", arrays)]
                             for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_pack(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__} (at {prefix!r}) in a checkpoint")


def _unpack(skeleton, archive):
    """The structure _pack described, its arrays read (copied) from `archive`."""
    if isinstance(skeleton, list):
        return [_unpack(v, archive) for v in skeleton]
    if isinstance(skeleton, dict):
        if "__array__" in skeleton:
            return np.array(archive[skeleton["__array__"]])
        if "__tuple__" in skeleton:
            return tuple(_unpack(v, archive) for v in skeleton["__tuple__"])
        return {k: _unpack(v, archive) for k, v in skeleton["__dict__"]}
    return skeleton

# %% [markdown]
# **Task: `save_checkpoint(path, model, optimizer=None, epoch=0, history=None, scheduler=None)`.** Collect
# the arrays (`model/<name>`, and `_pack(optimizer.state_dict(), "optim", arrays)`, likewise `"sched"`), build
# the metadata dict `{"format": CHECKPOINT_FORMAT, "epoch", "model": [names], "optimizer": skeleton or None,
# "optimizer_class": type name or None, "scheduler": skeleton or None, "history": history.to_dict() or None}`,
# store `np.array(json.dumps(meta))` under `"meta"`, and write atomically: `np.savez` into a temporary file in
# the same directory (`tempfile.mkstemp(dir=...)`), then `os.replace(tmp, path)`; delete the temporary file
# if anything fails. `epoch` counts the epochs completed. Return `path`.
#
# Why atomic: a crash (or Ctrl-C) in the middle of `np.savez(path)` leaves a truncated file where the last
# good checkpoint was. `os.replace` within one directory swaps the complete new file in one step.
#
# **Task: `load_checkpoint(path, model, optimizer=None, scheduler=None) -> dict`.** A missing file raises
# `FileNotFoundError` (given). Read everything inside `with np.load(path, allow_pickle=False) as archive:`
# and turn any failure there (not a zip, truncated, no `meta`, wrong format) into
# `ValueError(f"{path} is not a valid checkpoint: ...")`. Check, before changing anything, that an optimizer
# (scheduler) you were given has saved state of the same class; then load the model, optimizer and scheduler
# state and return `{"epoch": int, "history": History or None}`.

# %% nbgrader={"grade": false, "grade_id": "checkpoint", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def save_checkpoint(path, model: Module, optimizer=None, epoch: int = 0, history: History | None = None,
                    scheduler=None) -> Path:
    """Write model (and optimizer, scheduler) state, epoch and history to one .npz, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ### BEGIN SOLUTION
    state = model.state_dict()
    arrays = {f"model/{name}": value for name, value in state.items()}
    meta = {
        "format": CHECKPOINT_FORMAT,
        "epoch": int(epoch),
        "model": list(state),
        "optimizer": None if optimizer is None else _pack(optimizer.state_dict(), "optim", arrays),
        "optimizer_class": None if optimizer is None else type(optimizer).__name__,
        "scheduler": None if scheduler is None else _pack(scheduler.state_dict(), "sched", arrays),
        "history": None if history is None else history.to_dict(),
    }
    arrays["meta"] = np.array(json.dumps(meta))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half of one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    ### END SOLUTION
    return path


def load_checkpoint(path, model: Module, optimizer=None, scheduler=None) -> dict:
    """Restore what save_checkpoint wrote; returns {"epoch": int, "history": History or None}."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    ### BEGIN SOLUTION
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            if meta.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {CHECKPOINT_FORMAT!r}")
            state = {name: np.array(archive[f"model/{name}"]) for name in meta["model"]}
            optim_state = None if meta["optimizer"] is None else _unpack(meta["optimizer"], archive)
            sched_state = None if meta["scheduler"] is None else _unpack(meta["scheduler"], archive)
    except Exception as e:
        raise ValueError(f"{path} is not a valid checkpoint: {type(e).__name__}: {e}") from e
    if optimizer is not None and meta["optimizer_class"] != type(optimizer).__name__:
        raise ValueError(f"{path} holds {meta['optimizer_class'] or 'no'} optimizer state, "
                         f"cannot load it into {type(optimizer).__name__}")
    if scheduler is not None and sched_state is None:
        raise ValueError(f"{path} holds no scheduler state")
    model.load_state_dict(state)
    if optimizer is not None:
        optimizer.load_state_dict(optim_state)
    if scheduler is not None:
        scheduler.load_state_dict(sched_state)
    history = None if meta["history"] is None else History.from_dict(meta["history"])
    return {"epoch": int(meta["epoch"]), "history": history}
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-checkpoint", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import os
import tempfile

import numpy as np
from tito.check import observe


def test_checkpoint():
    """A model and optimizer restored from a checkpoint take exactly the steps of a run that never stopped."""
    for optimizer, options in ((Adam, {"lr": 0.01}), (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True})):
        a, opt_a = trained_mlp(0, optimizer, steps=3, **options)
        b, opt_b = trained_mlp(1, optimizer, **options)  # other weights, fresh optimizer state
        with tempfile.TemporaryDirectory() as tmp:
            save_checkpoint(os.path.join(tmp, "run.npz"), a, opt_a, epoch=3)
            load_checkpoint(os.path.join(tmp, "run.npz"), b, opt_b)
        assert np.array_equal(b(TOY_X).data, a(TOY_X).data), f"{optimizer.__name__}: the restored model must give identical outputs"
        train_step(a, opt_a)  # the run that never stopped, and the restored one, take one more step
        train_step(b, opt_b)
        differs = first_difference(a, b)
        assert differs is None, f"{optimizer.__name__}: one step after restoring, {differs} differs: optimizer state was not restored"

    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sub", "ckpt.npz")
        a, opt_a = trained_mlp(5, SGD, lr=0.2, momentum=0.5, weight_decay=0.01)
        sched_a = StepLR(opt_a, step_size=2, gamma=0.5)
        for _ in range(3):
            train_step(a, opt_a)
            sched_a.step()
        save_checkpoint(path, a, opt_a, epoch=7, scheduler=sched_a)
        b, opt_b = trained_mlp(6, SGD, lr=0.9)
        sched_b = StepLR(opt_b, step_size=5)
        observe("epoch returned by load_checkpoint (7 was saved)", load_checkpoint(path, b, opt_b, sched_b)["epoch"])
        observe("restored StepLR: last_epoch and get_last_lr()", (sched_b.last_epoch, sched_b.get_last_lr()))
        for _ in range(2):
            train_step(b, opt_b)
            sched_b.step()
        for name, pb in b.state_dict().items():
            observe(f"{name} two SGD-momentum + StepLR steps after a restore", pb, rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_checkpoint()

# %% nbgrader={"grade": true, "grade_id": "test-checkpoint-file", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import os
import tempfile

import numpy as np
from tito.check import observe


def test_checkpoint_file():
    """One .npz with meta, model/<name> and optim/... arrays appears at `path` in one step; loading returns epoch and history."""
    a, opt_a = trained_mlp(0, Adam, steps=3, lr=0.01)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.npz")
        assert str(save_checkpoint(path, a, opt_a, epoch=3, history=three_epochs())) == path, "save_checkpoint returns the path"
        assert os.listdir(tmp) == ["run.npz"], f"the file is written at `path`, and no temporary file left behind; found {os.listdir(tmp)}"
        with np.load(path, allow_pickle=False) as archive:
            keys, weight = set(archive.files), np.array(archive["model/0.weight"])
        info = load_checkpoint(path, trained_mlp(1, Adam)[0])
    assert np.array_equal(weight, a.state_dict()["0.weight"]), "model/0.weight holds the weight"
    assert {"meta", "model/0.weight", "model/0.bias", "model/2.weight", "model/2.bias"} <= keys and any(k.startswith("optim/") for k in keys), f"keys: {sorted(keys)}"
    assert info["epoch"] == 3 and isinstance(info["history"], History), f"epoch 3 and a History must come back, got {info}"
    assert info["history"].to_dict() == three_epochs().to_dict(), "the saved history must come back unchanged"

    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "deeper", "ckpt.npz")
        a, opt_a = trained_mlp(7, SGD, steps=2, lr=0.1, momentum=0.9)
        sched_a = StepLR(opt_a, step_size=1, gamma=0.5)
        sched_a.step()
        save_checkpoint(path, a, opt_a, epoch=11, scheduler=sched_a)
        observe("files in the checkpoint's folder", sorted(os.listdir(os.path.dirname(path))))
        with np.load(path, allow_pickle=False) as archive:
            observe("the stored arrays' names", sorted(archive.files))
            for name in sorted(archive.files):
                if name.startswith("model/"):
                    observe(f"stored {name}", np.array(archive[name]), rtol=0, atol=0)
        observe("epoch returned by load_checkpoint (11 was saved)", load_checkpoint(path, trained_mlp(8, SGD, lr=0.1)[0])["epoch"])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_checkpoint_file()

# %% nbgrader={"grade": true, "grade_id": "test-checkpoint-errors", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import tempfile
from pathlib import Path

import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_checkpoint_errors():
    """Saving again replaces the file; a missing file raises FileNotFoundError, a corrupt one or absent state ValueError."""
    b, (c, opt_c) = trained_mlp(1, SGD, steps=1, lr=0.1)[0], trained_mlp(2, SGD, lr=0.1)
    with tempfile.TemporaryDirectory() as tmp:
        path, missing, corrupt = (Path(tmp) / name for name in ("run.npz", "nothing.npz", "corrupt.npz"))
        corrupt.write_bytes(b"this is not a checkpoint")
        save_checkpoint(path, c, opt_c, epoch=1, history=three_epochs())
        save_checkpoint(path, b)  # overwrite, model only
        assert load_checkpoint(path, c)["history"] is None, "no history saved: history is None"
        assert np.array_equal(c(TOY_X).data, b(TOY_X).data), "overwriting the checkpoint must store the new weights"
        for error, where, optimizer in ((ValueError, path, opt_c), (FileNotFoundError, missing, None), (ValueError, corrupt, None)):
            msg = error_message(error, load_checkpoint, where, c, optimizer)
            assert msg is not None and (optimizer is not None or str(where) in msg), f"load_checkpoint({where.name}, optimizer={optimizer}) must raise {error.__name__} (naming the path); got {msg}"

    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ckpt.npz")
        a, opt_a = trained_mlp(5, SGD, steps=2, lr=0.2, momentum=0.5)
        save_checkpoint(path, a, opt_a, epoch=4)
        b = trained_mlp(6, SGD, lr=0.9)[0]
        observe("SGD state loaded into Adam", "no error" if error_message(ValueError, load_checkpoint, path, b, Adam(b.parameters())) is None else "ValueError")
        observe("epoch of the SGD checkpoint loaded without optimizer", load_checkpoint(path, b)["epoch"])
        truncated = os.path.join(tmp, "truncated.npz")
        Path(truncated).write_bytes(Path(path).read_bytes()[:200])
        msg = error_message(ValueError, load_checkpoint, truncated, b)
        observe("truncated checkpoint: ValueError naming the path", "no error" if msg is None else truncated in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_checkpoint_errors()

# %% [markdown]
# ## 5. Progress bar
#
# A run that prints nothing for a minute looks hung. `ProgressBar(total, stream=sys.stderr, width=30, desc="")`
# redraws one line in place: `\r` moves the cursor to the start of the line, so each write replaces the last.
# `update(n=1, **values)` advances by `n` steps and remembers the values to show; `close()` ends the line with
# a newline; `stream=None` makes it silent. Both are given; they call the two methods you write.
#
# **Task: `format()`**, the line, parts joined by single spaces:
# - `desc`, when not empty;
# - `[bar] count/total`, the bar exactly `width` characters: with `done = min(count, total) * width // total`,
#   `done` times `=`, then `>`, then spaces, or `width` times `=` once `count >= total`. With `total=None`, just
#   the count;
# - `name value` for each remembered value in insertion order, floats with 4 decimals (`f"{v:.4f}"`), others
#   with `str`.
#
# With `width=10`, after 40 of 90 steps: `epoch 3/10 [====>     ] 40/90 loss 0.4123`.
#
# **Task: `_draw()`**: write `"\r"` + the line, followed by enough spaces to cover the rest of a longer previous
# line (remember the length in `self._shown`), and flush the stream.

# %% nbgrader={"grade": false, "grade_id": "progress-bar", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class ProgressBar:
    """One text line redrawn in place: 'desc [=====>     ] count/total name value ...'."""

    def __init__(self, total: int | None, stream: TextIO | None = sys.stderr, width: int = 30, desc: str = "") -> None:
        self.total, self.stream, self.width, self.desc = total, stream, width, desc
        self.count = 0
        self.values: dict = {}
        self.closed = False
        self._shown = 0  # length of the line on screen

    def format(self) -> str:
        """The current line: desc, [bar] count/total, then `name value` pairs."""
        ### BEGIN SOLUTION
        parts = [self.desc] if self.desc else []
        if self.total:
            done = min(self.count, self.total) * self.width // self.total
            bar = "=" * self.width if self.count >= self.total else "=" * done + ">" + " " * (self.width - done - 1)
            parts.append(f"[{bar}] {self.count}/{self.total}")
        else:
            parts.append(str(self.count))
        for name, value in self.values.items():
            parts.append(f"{name} {value:.4f}" if isinstance(value, (float, np.floating)) else f"{name} {value}")
        return " ".join(parts)
        ### END SOLUTION

    def _draw(self) -> None:
        """Overwrite the line on screen with format()."""
        ### BEGIN SOLUTION
        line = self.format()
        self.stream.write("\r" + line + " " * max(0, self._shown - len(line)))
        self.stream.flush()
        self._shown = len(line)
        ### END SOLUTION

    def update(self, n: int = 1, **values) -> None:
        """Advance by n steps, remember `values`, redraw."""
        self.count += n
        self.values.update(values)
        if self.stream is not None and not self.closed:
            self._draw()

    def close(self) -> None:
        """Draw the final line and end it with a newline (once)."""
        if self.stream is not None and not self.closed:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
        self.closed = True

# %% nbgrader={"grade": true, "grade_id": "test-progress-bar", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_progress_bar():
    """The line is desc, [bar] count/total with the bar exactly `width` characters, then `name value` pairs."""
    cases = [  # (total, width, desc, steps, values, line)
        (90, 30, "epoch 3/10", 0, {}, "epoch 3/10 [>" + " " * 29 + "] 0/90"),
        (90, 30, "epoch 3/10", 45, {"loss": 0.41234}, "epoch 3/10 [" + "=" * 15 + ">" + " " * 14 + "] 45/90 loss 0.4123"),
        (90, 30, "epoch 3/10", 90, {"loss": np.float32(0.2), "acc": 3}, "epoch 3/10 [" + "=" * 30 + "] 90/90 loss 0.2000 acc 3"),
        (4, 8, "", 1, {"loss": 123.456789}, "[==>     ] 1/4 loss 123.4568"),  # no desc: the line starts with the bar
        (4, 8, "", 2, {"loss": 1.0}, "[====>   ] 2/4 loss 1.0000"),
        (None, 30, "", 0, {}, "0")]  # total=None shows just the count
    for total, width, desc, steps, values, line in cases:
        bar = ProgressBar(total, stream=None, width=width, desc=desc)
        bar.update(steps, **values)
        assert bar.format() == line, f"ProgressBar({total}, width={width}, desc={desc!r}) after update({steps}, {values}): {line!r}, got {bar.format()!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(806)
    for i in range(10):
        total, width = int(rng.integers(1, 200)), int(rng.integers(5, 40))
        count = int(rng.integers(0, total + 1))
        bar = ProgressBar(total, stream=None, width=width, desc="" if i % 2 else f"run {i}")
        bar.update(count, loss=float(rng.random()), step=i)
        line = bar.format()
        observe(f"random bar {i} (total={total}, width={width}, count={count})", line)
        observe(f"random bar {i}: line length", len(line))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_progress_bar()

# %% nbgrader={"grade": true, "grade_id": "test-progress-bar-draw", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_progress_bar_draw():
    """Each update writes \\r and the line, padded with spaces over a longer previous line; close() ends it once."""
    want = "epoch 3/10 [" + "=" * 15 + ">" + " " * 14 + "] 45/90 loss 0.4123"
    got = drawn(90, [(45, {"loss": 0.41234})], width=30, desc="epoch 3/10")
    assert got == "\r" + want, f"after update(45, loss=0.41234) the stream should hold {want!r}, got {got!r}"
    closed = drawn(90, [(45, {"loss": 0.41234})], closes=2, width=30, desc="epoch 3/10")
    assert closed.endswith("\n") and closed.count("\n") == 1, f"close() twice ends the line once, got {closed!r}"
    first, second = drawn(4, [(1, {"loss": 123.456789}), (1, {"loss": 1.0})], width=8).split("\r")[1:]
    assert second.startswith("[====>   ] 2/4 loss 1.0000") and len(second) == len(first), \
        f"a shorter line must be padded with spaces to cover the previous one, got {second!r}"
    quiet = ProgressBar(3, stream=None)
    quiet.update(2, loss=1.0)
    quiet.close()
    assert quiet.count == 2, "stream=None is silent but still counts"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(816)
    for i in range(4):
        updates = [(int(rng.integers(0, 5)), {"loss": float(10.0 ** rng.integers(-2, 4))}) for _ in range(4)]
        text = drawn(int(rng.integers(5, 50)), updates, closes=1, width=int(rng.integers(5, 20)))
        observe(f"stream {i} after four updates and close()", text)
        observe(f"stream {i}: length", len(text))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_progress_bar_draw()

# %% [markdown]
# ## 6. The trainer
#
# `Trainer(model, optimizer, loss_fn, scheduler=None, clip_grad_norm=None, progress=True)` holds what a run
# needs; its methods `train_epoch`, `evaluate` and `fit` call the three functions you write below, each with the
# trainer as its first argument (the class is given, as module 01's Tensor forwards to functions).

# %%
#| export
def _batch_size(y) -> int:
    """Number of samples in a batch of targets (a 0-d target is one sample)."""
    shape = array_of(y).shape
    return shape[0] if shape else 1


class Trainer:
    """The training loop: train_epoch, evaluate, and fit with history, early stopping and checkpoints."""

    def __init__(self, model: Module, optimizer, loss_fn, scheduler=None, clip_grad_norm: float | None = None,
                 progress: bool = True) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.scheduler, self.clip_grad_norm, self.progress = scheduler, clip_grad_norm, progress
        self.history: History | None = None

    def _bar(self, loader, desc: str) -> ProgressBar:
        """A progress bar over the batches of loader, on stderr when self.progress is on, else silent."""
        total = len(loader) if hasattr(loader, "__len__") else None
        return ProgressBar(total, stream=sys.stderr if self.progress else None, desc=desc)

    def train_epoch(self, loader, bar: ProgressBar | None = None) -> dict:
        """One pass over loader in training mode; sample means of the batch losses and accuracies."""
        return train_epoch(self, loader, bar)

    def evaluate(self, loader) -> dict:
        """Loss and accuracy over loader in eval mode, without recording a graph."""
        return evaluate(self, loader)

    def fit(self, train_loader, val_loader=None, epochs: int = 1, early_stopping: EarlyStopping | None = None,
            checkpoint_path=None) -> History:
        """Train for `epochs` epochs (fewer with early stopping); returns the History of every epoch."""
        return fit(self, train_loader, val_loader, epochs, early_stopping, checkpoint_path)

# %% [markdown]
# **Task: `train_epoch(trainer, loader, bar=None) -> {"loss", "accuracy"}`.** Put the model in training
# mode (`trainer.model.train()`: Dropout drops, module 04), then for each batch `(x, y)`:
# 1. `trainer.optimizer.zero_grad()`: gradients add up across backward calls; without this step each update
#    also contains every earlier batch's gradient;
# 2. forward `out = trainer.model(x)`, `loss = trainer.loss_fn(out, y)`, `loss.backward()`;
# 3. when `trainer.clip_grad_norm` is set, `clip_grad_norm_(trainer.model.parameters(), trainer.clip_grad_norm)`,
#    after backward and before the step;
# 4. `trainer.optimizer.step()`;
# 5. update the two `RunningMean`s with `loss.item()` and `accuracy(out, y)`, weighted by the batch size
#    `_batch_size(y)`, and `bar.update(1, loss=...)` with the running loss.
#
# The metrics use the outputs computed before the step, as every framework reports them: they describe the
# model during the epoch, not after it.

# %% nbgrader={"grade": false, "grade_id": "train-epoch", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def train_epoch(trainer: Trainer, loader, bar: ProgressBar | None = None) -> dict:
    """One pass over loader in training mode; sample means of the batch losses and accuracies."""
    own_bar = bar is None
    bar = trainer._bar(loader, "train") if own_bar else bar
    loss_mean, acc_mean = RunningMean(), RunningMean()
    ### BEGIN SOLUTION
    trainer.model.train()
    for x, y in loader:
        trainer.optimizer.zero_grad()
        out = trainer.model(x)
        loss = trainer.loss_fn(out, y)
        loss.backward()
        if trainer.clip_grad_norm is not None:
            clip_grad_norm_(trainer.model.parameters(), trainer.clip_grad_norm)
        trainer.optimizer.step()
        n = _batch_size(y)
        loss_mean.update(loss.item(), n)
        acc_mean.update(accuracy(out, y), n)
        bar.update(1, loss=loss_mean.compute())
    ### END SOLUTION
    if own_bar:
        bar.close()
    return {"loss": loss_mean.compute(), "accuracy": acc_mean.compute()}

# %% [markdown]
# **Task: `evaluate(trainer, loader) -> {"loss", "accuracy"}`.** `trainer.model.eval()` (Dropout off), and the
# whole loop inside `with no_grad():`, so no graph is recorded: no backward is coming, and the graph would hold
# every intermediate array in memory. The given `try/finally` puts back the mode the model had before.

# %% nbgrader={"grade": false, "grade_id": "evaluate", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def evaluate(trainer: Trainer, loader) -> dict:
    """Loss and accuracy over loader in eval mode, without recording a graph."""
    was_training = trainer.model.training
    loss_mean, acc_mean = RunningMean(), RunningMean()
    try:
        ### BEGIN SOLUTION
        trainer.model.eval()
        with no_grad():
            for x, y in loader:
                out = trainer.model(x)
                n = _batch_size(y)
                loss_mean.update(trainer.loss_fn(out, y).item(), n)
                acc_mean.update(accuracy(out, y), n)
        ### END SOLUTION
    finally:
        trainer.model.train(was_training)
    return {"loss": loss_mean.compute(), "accuracy": acc_mean.compute()}

# %% [markdown]
# The next three cells test `train_epoch` and `evaluate`: a linear model on two separable clouds reaches 100%
# training accuracy in a few epochs with a falling loss; one epoch equals the hand-written loop; a Dropout
# model shows training mode (and a graph) in `train_epoch`, eval mode and no graph in `evaluate`.

# %% nbgrader={"grade": true, "grade_id": "test-train-epoch", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_epoch():
    """train_epoch trains in training mode with gradients on: on separable data the loss falls and accuracy reaches 100%."""
    data, probe = separable_clouds(64, seed=807), Probe()
    manual_seed(0)
    model = Sequential(Linear(2, 2), probe)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), progress=False)
    results = [trainer.train_epoch(DataLoader(data, batch_size=16, shuffle=True, seed=e)) for e in range(6)]
    assert all(isinstance(r, dict) and set(r) == {"loss", "accuracy"} for r in results), "train_epoch returns {'loss', 'accuracy'}"
    losses = [r["loss"] for r in results]
    assert all(isinstance(v, float) for v in losses), "the loss must be a Python float"
    assert all(b < a for a, b in zip(losses, losses[1:])), f"the training loss must fall every epoch, got {losses}"
    assert probe.seen and all(s == (True, True) for s in probe.seen) and model.training, \
        f"train_epoch must run (and leave the model) in training mode with gradients on, saw {probe.seen}"
    final = trainer.evaluate(DataLoader(data, batch_size=16))
    assert final["accuracy"] == 1.0, f"separable data: 100% training accuracy after 6 epochs, got {final['accuracy']}"

    ### BEGIN HIDDEN TESTS
    for seed in range(2):
        data = separable_clouds(40, seed=seed + 860)
        manual_seed(seed)
        model = Sequential(Linear(2, 2))
        trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), progress=False)
        results = [trainer.train_epoch(DataLoader(data, batch_size=16, shuffle=True, seed=e)) for e in range(3)]
        observe(f"separable set {seed}: loss per epoch", [r["loss"] for r in results], rtol=1e-5, atol=1e-6)
        observe(f"separable set {seed}: accuracy per epoch", [r["accuracy"] for r in results], rtol=0, atol=1e-9)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_epoch()

# %% nbgrader={"grade": true, "grade_id": "test-train-epoch-loop", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_epoch_loop():
    """One epoch is the loop zero_grad, forward, loss, backward, clip, step; its metrics are sample-weighted means."""
    a, b, c = small_mlp(1), small_mlp(1), small_mlp(1)
    got = Trainer(a, SGD(a.parameters(), lr=0.3), CrossEntropyLoss(), clip_grad_norm=0.05, progress=False).train_epoch(small_loader())
    losses, accs, sizes = reference_epoch(b, small_loader(), clip=0.05)  # batches of 4, 4, 2
    reference_epoch(c, small_loader(), clip=None)
    want_loss, want_acc = float(losses @ sizes / sizes.sum()), float(accs @ sizes / sizes.sum())
    assert abs(float(losses.mean()) - want_loss) > 1e-4, "sanity: the batch mean differs from the sample mean here"
    assert first_difference(b, c, rtol=1e-5, atol=1e-6) is not None, "sanity: clipping changes the steps"
    differs = first_difference(a, b, rtol=1e-5, atol=1e-6)
    assert differs is None, f"{differs} after train_epoch differs from the loop zero_grad, forward, loss, backward, clip, step"
    assert abs(got["loss"] - want_loss) < 1e-5, f"the epoch loss is the sample-weighted mean {want_loss:.6f}, got {got['loss']:.6f}"
    assert abs(got["accuracy"] - want_acc) < 1e-9, f"the epoch accuracy is the sample-weighted mean {want_acc}, got {got['accuracy']}"

    ### BEGIN HIDDEN TESTS
    for seed in range(3):
        r = np.random.default_rng(seed + 870)
        n, b_size = int(r.integers(5, 30)), int(r.integers(2, 8))
        xs, ys = Tensor(r.standard_normal((n, 4)).astype(np.float32)), Tensor(r.integers(0, 3, n))
        ld = DataLoader(TensorDataset(xs, ys), batch_size=b_size)
        manual_seed(seed)
        m1 = Sequential(Linear(4, 6), ReLU(), Linear(6, 3))
        trainer = Trainer(m1, SGD(m1.parameters(), lr=0.2, momentum=0.9), CrossEntropyLoss(),
                          clip_grad_norm=0.5 if seed else None, progress=False)
        res = trainer.train_epoch(ld)
        observe(f"seed {seed} (n={n}, batch_size={b_size}): epoch loss and accuracy", (res["loss"], res["accuracy"]),
                rtol=0, atol=1e-5)
        for name, p1 in m1.state_dict().items():
            observe(f"seed {seed}: {name} after one epoch", p1, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_epoch_loop()

# %% nbgrader={"grade": true, "grade_id": "test-evaluate", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_evaluate():
    """evaluate runs in eval mode under no_grad, restores the mode, changes nothing, and averages the loss over samples."""
    probe, loss_fn = Probe(), CrossEntropyLoss()
    manual_seed(2)
    net = Sequential(Linear(3, 16), Dropout(0.5), probe, Linear(16, 3))
    trainer, before = Trainer(net, SGD(net.parameters(), lr=0.1), loss_fn, progress=False), net.state_dict()
    first, second = trainer.evaluate(small_loader()), trainer.evaluate(small_loader())
    assert probe.seen and all(s == (False, False) for s in probe.seen), f"evaluate must run in eval mode under no_grad, saw {probe.seen}"
    assert net.training and first == second, "evaluate must put the model back in training mode; Dropout off: two results equal"
    assert first_difference(net, before) is None, "evaluate must not change the parameters"
    net.eval()
    with no_grad():
        want = loss_fn(net(SMALL_X), SMALL_Y).item()
    assert abs(first["loss"] - want) < 1e-5, f"evaluate's loss is the sample mean over the set, {want:.6f}, got {first['loss']:.6f}"
    trainer.evaluate(small_loader())
    assert not net.training, "a model in eval mode stays in eval mode after evaluate"

    ### BEGIN HIDDEN TESTS
    for seed in range(3):
        r = np.random.default_rng(seed + 890)
        n, b_size = int(r.integers(5, 30)), int(r.integers(2, 8))
        ld = DataLoader(TensorDataset(Tensor(r.standard_normal((n, 3)).astype(np.float32)), Tensor(r.integers(0, 3, n))),
                        batch_size=b_size)
        manual_seed(seed)
        net = Sequential(Linear(3, 8), Dropout(0.3), ReLU(), Linear(8, 3))
        res = Trainer(net, SGD(net.parameters(), lr=0.1), loss_fn, progress=False).evaluate(ld)
        observe(f"seed {seed} (n={n}, batch_size={b_size}): evaluate loss and accuracy", (res["loss"], res["accuracy"]),
                rtol=0, atol=1e-5)
        observe(f"seed {seed}: model in training mode after evaluate", net.training)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_evaluate()

# %% [markdown]
# **Task: `fit(trainer, train_loader, val_loader=None, epochs=1, early_stopping=None, checkpoint_path=None)`.**
# The
# given lines make `tracker` (your `early_stopping`, or a tracker of `val_loss`, else `train_loss`, that never
# stops) and an empty `history`. For each epoch:
# 1. read the learning rate `trainer.optimizer.param_groups[0]["lr"]` before training (the rate this epoch uses);
# 2. `bar = trainer._bar(train_loader, f"epoch {epoch + 1}/{epochs}")`, `trainer.train_epoch(train_loader, bar)`, then
#    `trainer.evaluate(val_loader)` if there is one (show its values with `bar.update(0, ...)`), `bar.close()`;
# 3. `history.append(...)` with `train_loss`, `train_accuracy`, `val_loss`, `val_accuracy` (with a validation
#    loader), `lr` and `seconds` (wall time of the epoch, `time.perf_counter()`);
# 4. `stop = tracker.step(value of tracker.monitor)`; when `tracker.improved`: keep `trainer.model.state_dict()`
#    if `tracker.restore_best`, and `save_checkpoint(checkpoint_path, model, optimizer, epoch + 1, history,
#    scheduler)` if a path was given;
# 5. `trainer.scheduler.step()` if there is a scheduler: once per epoch;
# 6. break when `stop` and early stopping was asked for.
#
# After the loop, load the kept best weights back into the model. Return the history.

# %% nbgrader={"grade": false, "grade_id": "fit", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def fit(trainer: Trainer, train_loader, val_loader=None, epochs: int = 1, early_stopping: EarlyStopping | None = None,
        checkpoint_path=None) -> History:
    """Train for `epochs` epochs (fewer with early stopping); returns the History of every epoch."""
    default = "val_loss" if val_loader is not None else "train_loss"
    tracker = early_stopping if early_stopping is not None else EarlyStopping(patience=epochs, monitor=default)
    available = ["train_loss", "train_accuracy"] + (["val_loss", "val_accuracy"] if val_loader is not None else [])
    if tracker.monitor not in available:
        raise ValueError(f"early stopping monitors {tracker.monitor!r}, but this run records only {available}")
    history = trainer.history = History()
    best_state = None
    ### BEGIN SOLUTION
    for epoch in range(epochs):
        start = time.perf_counter()
        lr = trainer.optimizer.param_groups[0]["lr"]
        bar = trainer._bar(train_loader, f"epoch {epoch + 1}/{epochs}")
        train = trainer.train_epoch(train_loader, bar)
        values = {"train_loss": train["loss"], "train_accuracy": train["accuracy"]}
        if val_loader is not None:
            val = trainer.evaluate(val_loader)
            values.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
            bar.update(0, val_loss=val["loss"], val_accuracy=val["accuracy"])
        bar.close()
        history.append(**values, lr=lr, seconds=time.perf_counter() - start)
        stop = tracker.step(values[tracker.monitor])
        if tracker.improved:
            if tracker.restore_best:
                best_state = trainer.model.state_dict()  # copies, so later steps do not change them
            if checkpoint_path is not None:
                save_checkpoint(checkpoint_path, trainer.model, trainer.optimizer, epoch + 1, history, trainer.scheduler)
        if trainer.scheduler is not None:
            trainer.scheduler.step()
        if stop and early_stopping is not None:
            break
    if best_state is not None:
        trainer.model.load_state_dict(best_state)
    ### END SOLUTION
    return history

# %% nbgrader={"grade": true, "grade_id": "test-fit", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_fit():
    """fit records one history entry per epoch (metrics, the lr used, seconds) and steps the schedule once per epoch."""
    model, h, sched, trainer = fit_run(4)
    assert isinstance(h, History) and len(h) == 4, f"fit(epochs=4) without early stopping records 4 epochs, got {len(h)}"
    assert trainer.history is h, "fit keeps its history in trainer.history"
    assert set(h.keys()) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"}, f"keys: {h.keys()}"
    assert np.allclose(h["lr"], 0.02 * 0.95 ** np.arange(4)), f"lr per epoch is the rate used, stepped once per epoch: {h['lr']}"
    assert sched.last_epoch == 4, f"the scheduler steps once per epoch, last_epoch should be 4, got {sched.last_epoch}"
    assert all(s >= 0 for s in h["seconds"]), "seconds must be the epoch's wall time"
    assert h["train_loss"][-1] < h["train_loss"][0], "the training loss falls"

    ### BEGIN HIDDEN TESTS
    model, h, _, _ = fit_run(3, val=False)
    observe("keys without a validation loader", sorted(h.keys()))
    observe("without a validation loader: lr and train_loss per epoch", (h["lr"], h["train_loss"]), rtol=1e-5, atol=1e-6)
    try:
        fit_run(3, EarlyStopping(monitor="val_loss"), val=False)
        raised = "no error"
    except ValueError:
        raised = "ValueError"
    observe("monitoring val_loss without a validation loader", raised)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_fit()

# %% nbgrader={"grade": true, "grade_id": "test-fit-early-stopping", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_fit_early_stopping():
    """fit stops `patience` epochs after the best one and, with restore_best, puts the best epoch's weights back."""
    es = EarlyStopping(patience=2, restore_best=True)
    model, h, _, _ = fit_run(30, es)
    best, _ = h.best("val_loss")
    assert 0 < best < 28, f"sanity: this run should overfit after a few epochs (best epoch {best})"
    assert len(h) == best + 3, f"best epoch {best} and patience 2: stop after epoch {best + 2}, recorded {len(h)}"
    assert es.best_epoch == best, f"EarlyStopping remembers the best epoch {best}, got {es.best_epoch}"
    differs = first_difference(model, fit_run(best + 1)[0], rtol=1e-5, atol=1e-6)
    assert differs is None, f"restore_best: {differs} must hold the weights after epoch {best}"

    ### BEGIN HIDDEN TESTS
    es = EarlyStopping(patience=2, restore_best=False)
    model, h, _, _ = fit_run(30, es)
    observe("restore_best=False: epochs run", len(h))
    for name, got in model.state_dict().items():
        observe(f"restore_best=False: {name} keeps the last weights", got, rtol=1e-5, atol=1e-6)
    es = EarlyStopping(patience=1, monitor="val_accuracy", mode="max", restore_best=True)
    model, h, _, _ = fit_run(30, es)
    observe("val_accuracy, mode='max': epochs run", len(h))
    observe("val_accuracy, mode='max': best epoch in the history and in EarlyStopping",
            (h.best("val_accuracy", mode="max")[0], es.best_epoch))
    for name, got in model.state_dict().items():
        observe(f"val_accuracy, mode='max': restored {name}", got, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_fit_early_stopping()

# %% nbgrader={"grade": true, "grade_id": "test-fit-checkpoint", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import os
import tempfile

import numpy as np
from tito.check import observe


def test_fit_checkpoint():
    """With checkpoint_path, fit saves whenever the monitored value improves: the file ends with the best epoch."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "best.npz")
        _, h, _, _ = fit_run(30, EarlyStopping(patience=2), path)
        best, _ = h.best("val_loss")
        fresh = fit_model(seed=9)
        info = load_checkpoint(path, fresh)
    assert info["epoch"] == best + 1, f"the best checkpoint is the one after epoch {best} ({best + 1} completed), got {info['epoch']}"
    assert len(info["history"]) == best + 1, "the checkpoint's history ends at the best epoch"
    differs = first_difference(fresh, fit_run(best + 1)[0], rtol=1e-5, atol=1e-6)
    assert differs is None, f"the checkpoint must hold the best weights ({differs} differs)"

    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "acc.npz")
        _, h, _, _ = fit_run(12, EarlyStopping(patience=3, monitor="val_accuracy", mode="max"), path)
        fresh = fit_model(seed=10)
        info = load_checkpoint(path, fresh)
        observe("val_accuracy checkpoint: epoch and history length", (info["epoch"], len(info["history"])))
        for name, got in fresh.state_dict().items():
            observe(f"val_accuracy checkpoint: {name}", got, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_fit_checkpoint()

# %% [markdown]
# ## 7. Learning curves
#
# `plot_history(history, path)` (given) draws loss and accuracy per epoch, training against validation, into a
# PNG. Reading them: both losses falling, keep training; the training loss falling while the validation loss
# rises, overfitting (early stopping's signal); both flat and high, the model or the learning rate is too small.
# It draws on a `Figure` with matplotlib's Agg canvas, which needs no display and leaves the notebook's
# plotting backend alone.

# %%
#| export
def plot_history(history: History, path) -> Path:
    """Loss and accuracy per epoch, train vs val, saved as a PNG at `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5))
    FigureCanvasAgg(fig)  # renders to a PNG without a display
    for ax, metric in zip(fig.subplots(1, 2), ("loss", "accuracy")):
        for split in ("train", "val"):
            name = f"{split}_{metric}"
            if name in history and history[name]:
                ax.plot(range(1, len(history[name]) + 1), history[name], marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        if ax.lines:
            ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png", dpi=100)
    return path

# %% [markdown]
# A full run on the shipped digits: a two-layer MLP, Adam, a cosine schedule, early stopping with the best
# weights restored, the best checkpoint, then the curves. It takes a few seconds.

# %%
if __name__ == "__main__":
    from IPython.display import Image, display

    from tinytorch.core.data import DataLoader, TensorDataset, train_test_split
    from tinytorch.core.layers import Flatten
    from tinytorch.core.optim import Adam, CosineAnnealingLR

    _images, _labels = load_digits()
    _train_idx, _val_idx = train_test_split(len(_labels), test_fraction=0.2, seed=0, stratify=_labels)
    _train = DataLoader(TensorDataset(Tensor(_images[_train_idx]), Tensor(_labels[_train_idx])), batch_size=64,
                        shuffle=True, seed=0)
    _val = DataLoader(TensorDataset(Tensor(_images[_val_idx]), Tensor(_labels[_val_idx])), batch_size=256)
    manual_seed(0)
    _model = Sequential(Flatten(), Linear(64, 64), ReLU(), Linear(64, 10))
    _optimizer = Adam(_model.parameters(), lr=3e-3)
    _trainer = Trainer(_model, _optimizer, CrossEntropyLoss(), scheduler=CosineAnnealingLR(_optimizer, T_max=15))
    with tempfile.TemporaryDirectory() as _tmp:
        _history = _trainer.fit(_train, _val, epochs=15, early_stopping=EarlyStopping(patience=3, restore_best=True),
                                checkpoint_path=os.path.join(_tmp, "best.npz"))
        print("best epoch", _history.best("val_loss"), "restored:", _trainer.evaluate(_val))
        display(Image(filename=str(plot_history(_history, os.path.join(_tmp, "history.png")))))

# %% [markdown]
# ## 8. Vanishing gradients
#
# Backpropagation through a layer `a = f(W x + b)` multiplies the gradient by `diag(f'(z)) W`. Through L layers
# the gradient reaching the first layer is a product of L such factors, so its size changes geometrically with
# depth: it shrinks when a typical factor is below 1 and explodes above 1.
#
# - Sigmoid: sigma'(z) = sigma(z)(1 - sigma(z)) <= 1/4, with equality only at z = 0. With Xavier init,
#   Var(W) = 2/(fan_in + fan_out), a square layer keeps the gradient's scale through W, so each sigmoid layer
#   multiplies it by about 1/4 or less: 9 hidden layers give (1/4)^9, about 4e-6. The first layers barely learn.
# - ReLU: the derivative is 1 where a unit is active and 0 elsewhere; about half the units are active, which
#   halves the variance. He init, Var(W) = 2/fan_in, doubles it back, so the gradient keeps its scale through
#   any depth.
#
# Xavier suits sigmoid and tanh (symmetric units, derivative near 1 or 1/4 at 0, PyTorch's gain 1 for sigmoid);
# He suits ReLU. No init rescues deep sigmoid stacks: scaling W up pushes z into the flat tails, where
# sigma' is far below 1/4. ReLU (module 03) and residual connections (module 04) are the fixes deep networks use.
#
# **Task: `deep_mlp(activation, depth=10, width=32, in_features=64, out_features=10)`**: a `Sequential` of
# `depth` Linear layers, `in_features -> width -> ... -> width -> out_features`, with a new activation module
# (`_ACTIVATIONS[activation]()`) after each Linear but the last. Pass `init="he"` for `"relu"` and
# `init="xavier"` for `"sigmoid"` and `"tanh"`.

# %% nbgrader={"grade": false, "grade_id": "deep-mlp", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
_ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def deep_mlp(activation: str, depth: int = 10, width: int = 32, in_features: int = 64,
             out_features: int = 10) -> Sequential:
    """depth Linear layers in -> width -> ... -> out with `activation` between; He init for relu, Xavier otherwise."""
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    ### BEGIN SOLUTION
    init = "he" if activation == "relu" else "xavier"
    sizes = [in_features] + [width] * (depth - 1) + [out_features]
    layers = []
    for i in range(depth):
        layers.append(Linear(sizes[i], sizes[i + 1], init=init))
        if i < depth - 1:
            layers.append(_ACTIVATIONS[activation]())
    return Sequential(*layers)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-deep-mlp", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_deep_mlp():
    """deep_mlp alternates `depth` Linear layers, in -> width -> ... -> out, with a new activation module between them."""
    model = deep_mlp("sigmoid", depth=4, width=7, in_features=5, out_features=3)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"], f"layers: {kinds}"
    shapes = [m.weight.shape for m in model if isinstance(m, Linear)]
    assert shapes == [(7, 5), (7, 7), (7, 7), (3, 7)], f"weight shapes 5 -> 7 -> 7 -> 7 -> 3, got {shapes}"
    assert model(Tensor(np.ones((2, 5), dtype=np.float32))).shape == (2, 3), "output shape (batch, out_features)"
    one = deep_mlp("relu", depth=1, in_features=6, out_features=2)
    assert [type(m).__name__ for m in one] == ["Linear"] and one[0].weight.shape == (2, 6), "depth 1 is one Linear"
    assert [type(m).__name__ for m in deep_mlp("tanh", depth=2)] == ["Linear", "Tanh", "Linear"], "tanh between layers"
    a, b = deep_mlp("relu", depth=3), deep_mlp("relu", depth=3)
    assert a[2] is not b[2] and a[1] is not a[3], "each activation is a new module"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(809)
    for i in range(4):
        depth, width, n_in, n_out = (int(v) for v in rng.integers(1, 9, size=4))
        act = str(rng.choice(["relu", "sigmoid", "tanh"]))
        model = deep_mlp(act, depth=depth, width=width, in_features=n_in, out_features=n_out)
        case = f"case {i} ({act}, depth={depth}, width={width}, {n_in} -> {n_out})"
        observe(f"{case}: weight shapes", [tuple(int(s) for s in m.weight.shape) for m in model if isinstance(m, Linear)])
        observe(f"{case}: number of modules", len(model))
        observe(f"{case}: module kinds", [type(m).__name__ for m in model])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_deep_mlp()

# %% nbgrader={"grade": true, "grade_id": "test-deep-mlp-init", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_deep_mlp_init():
    """He init, Var(W) = 2 / fan_in, for relu; Xavier, Var(W) = 2 / (fan_in + fan_out), for sigmoid and tanh; zero biases."""
    manual_seed(0)
    for activation, rule in (("relu", lambda i, o: 2.0 / i), ("sigmoid", lambda i, o: 2.0 / (i + o)),
                             ("tanh", lambda i, o: 2.0 / (i + o))):
        for m in deep_mlp(activation, depth=3, width=400, in_features=200, out_features=100):
            if isinstance(m, Linear):
                (out_f, in_f), var = m.weight.shape, float(np.var(m.weight.data))
                want = rule(in_f, out_f)
                assert abs(var / want - 1) < 0.1, f"{activation}: Var(W) of a {in_f} -> {out_f} layer should be {want:.2e}, got {var:.2e}"
                assert np.all(m.bias.data == 0), "biases start at zero"

    ### BEGIN HIDDEN TESTS
    manual_seed(1)
    for activation in ("relu", "sigmoid", "tanh"):
        model = deep_mlp(activation, depth=3, width=300, in_features=150, out_features=60)
        variances = [float(np.var(m.weight.data)) for m in model if isinstance(m, Linear)]
        observe(f"{activation}, 150 -> 300 -> 300 -> 60: Var(W) of each layer", np.array(variances), rtol=0.1, atol=0)
        observe(f"{activation}: largest |bias|", max(float(np.abs(m.bias.data).max()) for m in model if isinstance(m, Linear)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_deep_mlp_init()

# %% [markdown]
# **Task: `layer_gradient_norms(model, x, y, loss_fn) -> list[float]`**: clear the gradients
# (`model.zero_grad()`: otherwise an earlier backward adds in), run one forward and backward pass of
# `loss_fn(model(x), y)`, and return the L2 (Frobenius) norm `||dL/dW||` of every Linear layer's weight
# gradient, in the order of `model.modules()`, which is input side first. A weight without a gradient
# counts as 0.0.

# %% nbgrader={"grade": false, "grade_id": "gradient-norms", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def layer_gradient_norms(model: Module, x, y, loss_fn) -> list:
    """||dL/dW||_2 of each Linear weight, input side first, after one backward pass of loss_fn(model(x), y)."""
    ### BEGIN SOLUTION
    model.zero_grad()
    loss_fn(model(x), y).backward()
    return [0.0 if m.weight.grad is None else float(np.linalg.norm(m.weight.grad.data))
            for m in model.modules() if isinstance(m, Linear)]
    ### END SOLUTION

# %% [markdown]
# ### Given: the study and its plot
#
# `vanishing_gradient_study(depth=10, seed=0)` builds the sigmoid and the ReLU network with the same seed and
# measures their gradient norms on 256 shipped digits; `plot_gradient_norms(study, path)` plots them per
# layer on a log scale. The second test after them checks the claim of this section: the sigmoid network's
# first layer gets at least 100 times less gradient than its last, the ReLU network's within a factor of 10.

# %%
#| export
def vanishing_gradient_study(depth: int = 10, seed: int = 0) -> dict:
    """{"sigmoid": norms, "relu": norms}: layer_gradient_norms of deep_mlp(activation, depth) on 256 digits."""
    images, labels = load_digits()
    idx = np.random.default_rng(seed).choice(len(labels), size=256, replace=False)
    x, y = Tensor(images[idx].reshape(len(idx), -1)), Tensor(labels[idx])
    study = {}
    for activation in ("sigmoid", "relu"):
        manual_seed(seed)
        study[activation] = layer_gradient_norms(deep_mlp(activation, depth=depth), x, y, CrossEntropyLoss())
    return study


def plot_gradient_norms(study: dict, path) -> Path:
    """One line per activation: ||dL/dW|| against layer (1 = input side), log-scale y, saved as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for activation, norms in study.items():
        ax.plot(range(1, len(norms) + 1), norms, marker="o", label=activation)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = input side)")
    ax.set_ylabel("||dL/dW||")
    ax.set_title("gradient norm per layer")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png", dpi=100)
    return path

# %% nbgrader={"grade": true, "grade_id": "test-gradient-norms", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_gradient_norms():
    """layer_gradient_norms is ||dL/dW|| of each Linear weight, input side first, after clearing stale gradients."""
    rng = np.random.default_rng(810)
    x, y, loss_fn = Tensor(rng.standard_normal((8, 5)).astype(np.float32)), Tensor(rng.integers(0, 3, 8)), CrossEntropyLoss()
    manual_seed(4)
    model = Sequential(Linear(5, 4), Tanh(), Linear(4, 6), ReLU(), Linear(6, 3))
    for p in model.parameters():
        p.grad = Tensor(np.full(p.shape, 100.0, dtype=np.float32))  # stale gradients must not count
    got = layer_gradient_norms(model, x, y, loss_fn)
    assert isinstance(got, list) and len(got) == 3 and all(isinstance(v, float) for v in got), f"three Linear layers: three Python floats, got {got}"
    model.zero_grad()
    loss_fn(model(x), y).backward()
    want = [float(np.sqrt(np.sum(m.weight.grad.data.astype(np.float64) ** 2))) for m in (model[0], model[2], model[4])]
    assert np.allclose(got, want, rtol=1e-5), f"norms of the weight gradients, input side first: {want}, got {got}"
    again = layer_gradient_norms(model, x, y, loss_fn)
    assert np.allclose(again, want, rtol=1e-5), "a second call must give the same norms (zero_grad first)"

    ### BEGIN HIDDEN TESTS
    for seed in range(3):
        r = np.random.default_rng(seed + 880)
        sizes = [int(v) for v in r.integers(1, 7, size=int(r.integers(2, 6)))]
        manual_seed(seed)
        layers = []
        for i in range(len(sizes) - 1):
            layers += [Linear(sizes[i], sizes[i + 1]), Tanh()]
        layers.append(Linear(sizes[-1], 2))
        net = Sequential(*layers)
        xs, ys = Tensor(r.standard_normal((5, sizes[0])).astype(np.float32)), Tensor(r.integers(0, 2, 5))
        got = layer_gradient_norms(net, xs, ys, loss_fn)
        observe(f"seed {seed}, sizes {sizes}: gradient norms", np.array(got, dtype=np.float64), rtol=1e-5, atol=1e-8)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gradient_norms()

# %% nbgrader={"grade": true, "grade_id": "test-gradient-norms-study", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_gradient_norms_study():
    """At depth 10 the sigmoid network's first layer gets 100x less gradient than its last; ReLU's stay within 10x."""
    study = vanishing_gradient_study(depth=10, seed=0)
    assert set(study) == {"sigmoid", "relu"} and all(len(v) == 10 for v in study.values()), "ten norms per activation"
    sig, relu = study["sigmoid"], study["relu"]
    assert sig[-1] >= 100 * sig[0], f"sigmoid: the first layer's gradient should be 100x smaller than the last's: {sig[0]:.2e} vs {sig[-1]:.2e}"
    assert 0.1 <= relu[-1] / relu[0] <= 10, f"ReLU with He init: first and last norms within 10x: {relu[0]:.2e} vs {relu[-1]:.2e}"

    ### BEGIN HIDDEN TESTS
    study = vanishing_gradient_study(depth=6, seed=3)
    for activation, norms in sorted(study.items()):
        observe(f"depth 6, seed 3, {activation}: gradient norm per layer", np.array(norms, dtype=np.float64), rtol=1e-4, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gradient_norms_study()

# %% [markdown]
# The study at depth 10, plotted: the sigmoid line climbs by orders of magnitude from the input side to the
# output side; the ReLU line stays flat.

# %%
if __name__ == "__main__":
    from IPython.display import Image, display

    _study = vanishing_gradient_study(depth=10, seed=0)
    for _name, _norms in _study.items():
        print(f"{_name:>8}: first layer {_norms[0]:.2e}, last layer {_norms[-1]:.2e}, ratio {_norms[-1] / _norms[0]:.1e}")
    with tempfile.TemporaryDirectory() as _tmp:
        display(Image(filename=str(plot_gradient_norms(_study, os.path.join(_tmp, "gradients.png")))))

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** In the gradient study at depth 10, what norms did the sigmoid network's first and
# last layers get, and by what factor per layer does the gradient shrink on its way to the input? Relate that
# factor to the sigmoid's derivative. What do the ReLU network's figures show instead, and why?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-vanishing", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed sigmoid figures (first layer about 2e-6, last about 0.6, ratio about 3e5) and that the
#   norm falls layer by layer from the output side, so the first layer is the smallest
# - 1 point: the factor per layer as the ninth root of the ratio, about 4, matched to sigma'(z) <= 1/4 with a
#   Xavier-initialized square layer keeping the scale
# - 1 point: ReLU's first and last norms are of the same order (ratio near 1, about 0.6 here), because the
#   active units pass the gradient with factor 1 and He init makes up for the half that are inactive
# Model answer: The sigmoid network's first layer got 1.99e-06 against 5.65e-01 for the last, a ratio of
# 2.8e5. Over the 9 sigmoid layers between them that is (2.8e5)^(1/9), about 4 per layer: each sigmoid
# multiplies the gradient by its derivative, at most 1/4, while Xavier init keeps the scale through the
# square weight matrices. The plot falls in a straight line on the log scale from the output side down. The
# ReLU network's norms stay between about 0.1 and 0.2 (first 0.21, last 0.12): the derivative is 1 for the
# active half of the units, and He init's doubled variance compensates for the inactive half.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** In the full run on the digits, compare the training and the validation loss the
# progress bar printed after epoch 1, and again after the last epoch. Why is the training loss above the
# validation loss in epoch 1, although the model has seen only the training images?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-epoch-loss", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the four figures from the notebook (about 1.9 and 1.4 after epoch 1; about 0.14 and 0.17 at the
#   end)
# - 2 points: the training loss is the running mean, weighted by batch size, of the batch losses during the
#   epoch, most of them computed by the earlier, worse weights of that epoch; the validation loss is computed
#   once with the weights at the end of the epoch. When the model improves fast (epoch 1) the average lags far
#   behind; once it learns slowly, the training loss falls below the validation loss as it fits its own data
# Model answer: After epoch 1 the training loss was 1.91 and the validation loss 1.40; after epoch 15 they were
# 0.137 and 0.173. The training figure is the RunningMean of the 23 batch losses of the epoch, each taken with
# the weights of that moment: the first batches of epoch 1 scored about 2.4, close to chance, and pull the
# average up, while the validation loss is measured after the last step. Late in training the weights barely
# change within an epoch, so the lag disappears and the training loss ends below the validation loss, the
# usual small gap of a model evaluated on the data it was fitted to.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** The full run used `EarlyStopping(patience=3, restore_best=True)` and printed its
# best epoch. Did early stopping end the run before its 15 epochs, and which weights did it restore? Explain
# from the validation losses printed.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-early-stop", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the best epoch printed (index 14, 0-based, so the 15th and last epoch, val loss about 0.173): the
#   run did not stop early and the restored weights are the final ones
# - 1 point: why: the validation loss fell (if only slightly) in every epoch, so the count of bad epochs never
#   reached 3; the cosine schedule shrinks the steps towards the end and this small model is not overfitting
#   yet
# Model answer: It printed best epoch (14, 0.1734): epoch indices start at 0, so the best epoch is the 15th,
# the last. The validation loss decreased in every epoch, from 1.40 to 0.1734, in the last epochs by only
# 0.0001 to 0.003, so EarlyStopping never counted 3 epochs in a row without improvement, and restoring put
# back the weights the run ended with. The cosine schedule brings the learning rate near zero by epoch 15, and the
# two-layer MLP does not yet fit noise, so the validation loss has not turned up.
# ### END SOLUTION
