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
# locked cell after it tests it. Run the cells in order.
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

# %% nbgrader={"grade": true, "grade_id": "test-accuracy", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_accuracy():
    """accuracy is the fraction of argmax hits; binary logits are thresholded at 0."""
    logits = Tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.5, 4.0], [5.0, 0.0, 0.0]])
    got = accuracy(logits, Tensor([0, 1, 0, 0]))
    assert isinstance(got, float), f"accuracy must return a Python float, got {type(got).__name__}"
    assert got == 0.75, f"argmax is [0, 1, 2, 0] against targets [0, 1, 0, 0]: 3 of 4, got {got}"
    assert accuracy(logits.data, np.array([1, 0, 1, 1])) == 0.0, "no argmax matches: accuracy 0.0"
    assert accuracy(logits, np.array([0, 1, 2, 0])) == 1.0, "every argmax matches: accuracy 1.0"
    onehot = np.eye(3)[[0, 2, 2, 0]]
    assert accuracy(logits, onehot) == 0.75, f"one-hot targets compare argmax with argmax, got {accuracy(logits, onehot)}"
    assert accuracy(np.array([0.2, 3.0, -1.0]), np.array(1)) == 1.0, "logits (C,) with a scalar target: one sample"

    z = np.array([[2.0], [-1.0], [0.5], [-3.0], [0.0]])
    t = np.array([[1.0], [0.0], [0.0], [1.0], [0.0]])
    assert accuracy(Tensor(z), Tensor(t)) == 0.6, f"binary: predictions [1, 0, 1, 0, 0] vs [1, 0, 0, 1, 0] give 3/5, got {accuracy(z, t)}"
    assert accuracy(z, t[:, 0]) == 0.6, "binary logits (N, 1) with targets (N,) must not broadcast to (N, N)"
    assert accuracy(z[:, 0], t[:, 0]) == 0.6, "binary logits (N,) with targets (N,)"
    assert accuracy(np.array([[0.0]]), np.array([[0.0]])) == 1.0, "a logit of exactly 0 predicts class 0 (p = 1/2 is not > 1/2)"
    for bad in ((np.zeros((4, 3)), np.zeros(5)), (np.zeros((4, 3)), np.zeros((4, 2)))):
        try:
            accuracy(*bad)
        except ValueError as e:
            assert str(bad[0].shape) in str(e) and str(bad[1].shape) in str(e), f"the error must name both shapes, got: {e}"
        else:
            raise AssertionError(f"logits {bad[0].shape} with targets {bad[1].shape} must raise ValueError")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(801)
    for i in range(10):
        lead = tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, 3))))
        c = int(rng.integers(2, 7))
        out = rng.standard_normal(lead + (c,))
        y = rng.integers(0, c, size=lead)
        observe(f"random case {i}: accuracy on logits {lead + (c,)}", accuracy(Tensor(out), Tensor(y)), rtol=0, atol=1e-12)
        n = int(rng.integers(1, 20))
        zb = rng.standard_normal((n, 1))
        yb = (rng.random(n) < 0.5).astype(np.float32)
        observe(f"random case {i}: binary accuracy, logits (N, 1), targets (N, 1)", accuracy(zb, yb[:, None]),
                rtol=0, atol=1e-12)
        observe(f"random case {i}: binary accuracy, logits (N, 1), targets (N,)", accuracy(zb, yb), rtol=0, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_accuracy()

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

# %% nbgrader={"grade": true, "grade_id": "test-history", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import json
import math

import numpy as np
from tito.check import observe


def test_history():
    """History appends per epoch, finds the best epoch, and survives a JSON round trip."""
    h = History()
    h.append(train_loss=np.float32(0.9), val_loss=1.0, lr=0.1)
    h.append(train_loss=Tensor(0.5), val_loss=0.7, lr=0.1)
    h.append(train_loss=0.4, val_loss=0.8, lr=0.05)
    assert len(h) == 3, f"three appends are three epochs, got len {len(h)}"
    assert h["val_loss"] == [1.0, 0.7, 0.8], f"history['val_loss'] should be [1.0, 0.7, 0.8], got {h['val_loss']}"
    assert "lr" in h and "val_accuracy" not in h, "a name is in the history once a value was appended for it"
    assert all(type(v) is float for v in h["train_loss"]), "values must be stored as Python floats"
    assert abs(h["train_loss"][0] - 0.9) < 1e-7 and h["train_loss"][1] == 0.5, "values changed on append"
    assert h.best("val_loss") == (1, 0.7), f"smallest val_loss is 0.7 at epoch 1, got {h.best('val_loss')}"
    assert h.best("val_loss", mode="max") == (0, 1.0), "largest val_loss is 1.0 at epoch 0"
    assert h.best("lr", mode="max") == (0, 0.1), "on a tie the first epoch wins"
    try:
        h.best("val_loss", mode="lowest")
    except ValueError:
        pass
    else:
        raise AssertionError("best(name, mode='lowest') must raise ValueError")

    text = json.dumps(h.to_dict())
    back = History.from_dict(json.loads(text))
    assert isinstance(back, History), "History.from_dict must return a History"
    assert back.to_dict() == h.to_dict() and len(back) == 3, "to_dict -> JSON -> from_dict must give the same history"
    d = h.to_dict()
    d["val_loss"].append(0.0)
    assert h["val_loss"] == [1.0, 0.7, 0.8], "to_dict must return copies of the lists"

    g = History()
    g.append(val_accuracy=0.5)
    g.append(val_accuracy=math.nan)
    g.append(val_accuracy=0.75)
    assert g.best("val_accuracy", mode="max") == (2, 0.75), "nan entries are skipped"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(803)
    for i in range(5):
        values = rng.standard_normal(int(rng.integers(1, 12)))
        h = History()
        for v in values:
            h.append(metric=float(v), other=float(-v))
        observe(f"random case {i}: history['metric']", list(h["metric"]), rtol=0, atol=0)
        observe(f"random case {i}: best('metric')", h.best("metric"), rtol=0, atol=0)
        observe(f"random case {i}: best('metric', 'max')", h.best("metric", "max"), rtol=0, atol=0)
        back = History.from_dict(json.loads(json.dumps(h.to_dict()))).to_dict()
        observe(f"random case {i}: to_dict -> JSON -> from_dict -> to_dict", sorted(back.items()), rtol=0, atol=0)
        observe(f"random case {i}: the round trip equals to_dict()", back == h.to_dict())
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_history()

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

# %% nbgrader={"grade": true, "grade_id": "test-early-stopping", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import math

import numpy as np
from tito.check import observe


def test_early_stopping():
    """step() stops after `patience` epochs without an improvement larger than min_delta."""
    es = EarlyStopping(patience=2)
    stops = [es.step(v) for v in (5.0, 4.0, 4.5, 4.2)]
    assert stops == [False, False, False, True], f"losses 5, 4, 4.5, 4.2 with patience 2 stop at the 4th, got {stops}"
    assert es.best == 4.0 and es.best_epoch == 1, f"best is 4.0 at epoch 1, got {es.best} at {es.best_epoch}"
    assert es.num_bad_epochs == 2 and es.epoch == 3 and es.improved is False, "two bad epochs after the best one"

    es = EarlyStopping(patience=2)
    stops = [es.step(v) for v in (3.0, 3.5, 2.0, 2.5, 2.1, 1.0)]
    assert stops == [False, False, False, False, True, False], f"an improvement resets the count, got {stops}"
    assert es.improved is True and es.best_epoch == 5, "step 5 improved"

    es = EarlyStopping(patience=1, min_delta=0.1)
    assert es.step(Tensor(1.0)) is False and es.improved, "the first finite value always improves on +inf"
    assert es.step(0.95) is True and not es.improved, "0.95 is not below 1.0 - 0.1: no improvement"
    assert es.best == 1.0, "a value that does not improve by min_delta is not the new best"

    es = EarlyStopping(patience=3, monitor="val_accuracy", mode="max")
    stops = [es.step(v) for v in (0.5, 0.7, 0.6, 0.7, 0.65)]
    assert stops == [False, False, False, False, True], f"mode='max': 0.7 equal to the best is no improvement, got {stops}"
    assert es.best == 0.7 and es.best_epoch == 1, "mode='max' remembers the largest value"

    es = EarlyStopping(patience=0)
    assert [es.step(v) for v in (1.0, 0.5, 0.6)] == [False, False, True], "patience 0 stops at the first bad epoch"
    es = EarlyStopping(patience=1)
    assert es.step(math.nan) is True and es.best_epoch == -1, "nan never improves"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(804)
    for i in range(20):
        patience, delta = int(rng.integers(0, 4)), float(rng.choice([0.0, 0.05]))
        mode = str(rng.choice(["min", "max"]))
        values = np.round(rng.random(12), 2)
        es = EarlyStopping(patience=patience, min_delta=delta, mode=mode)
        stops, bests, best_epochs, improved = [], [], [], []
        for v in values:
            stops.append(es.step(float(v)))
            bests.append(es.best)
            best_epochs.append(es.best_epoch)
            improved.append(es.improved)
        case = f"case {i} (patience={patience}, min_delta={delta}, mode={mode})"
        observe(f"{case}: step() result per epoch", stops)
        observe(f"{case}: best per epoch", bests, rtol=0, atol=0)
        observe(f"{case}: best_epoch per epoch", best_epochs)
        observe(f"{case}: improved per epoch", improved)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_early_stopping()

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

# %% nbgrader={"grade": true, "grade_id": "test-checkpoint", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import os
import tempfile

import numpy as np
from tito.check import observe

from tinytorch.core.optim import SGD, Adam, StepLR


def test_checkpoint():
    """A restored model and optimizer continue exactly like a run that never stopped."""
    rng = np.random.default_rng(805)
    x = Tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = Tensor(rng.integers(0, 3, 16))
    loss_fn = CrossEntropyLoss()

    def step(model, optimizer):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    def make(seed):
        manual_seed(seed)
        return Sequential(Linear(4, 8), ReLU(), Linear(8, 3))

    for make_optimizer in (lambda p: Adam(p, lr=0.01), lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True)):
        a = make(0)
        opt_a = make_optimizer(a.parameters())
        for _ in range(3):
            step(a, opt_a)
        h = History()
        h.append(train_loss=0.5, lr=0.01)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.npz")
            returned = save_checkpoint(path, a, opt_a, epoch=3, history=h)
            assert os.path.isfile(path), "save_checkpoint must write the file at `path`"
            assert os.listdir(tmp) == ["run.npz"], f"no temporary file may be left behind, found {os.listdir(tmp)}"
            assert str(returned) == path, "save_checkpoint returns the path"
            with np.load(path, allow_pickle=False) as archive:
                keys = set(archive.files)
                assert np.array_equal(archive["model/0.weight"], a.state_dict()["0.weight"]), "model/0.weight holds the weight"
            assert {"meta", "model/0.weight", "model/0.bias", "model/2.weight", "model/2.bias"} <= keys, f"keys: {sorted(keys)}"
            assert any(k.startswith("optim/") for k in keys), "the optimizer's arrays belong under optim/..."
            out_a = a(x).data.copy()
            step(a, opt_a)  # the run that never stopped takes one more step

            b = make(1)  # other weights, fresh optimizer
            opt_b = make_optimizer(b.parameters())
            info = load_checkpoint(path, b, opt_b)
            assert info["epoch"] == 3, f"the epoch saved was 3, got {info['epoch']}"
            assert isinstance(info["history"], History) and info["history"].to_dict() == h.to_dict(), "history not restored"
            assert np.array_equal(b(x).data, out_a), "the restored model must give identical outputs"
            step(b, opt_b)
            for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
                assert np.array_equal(pa, pb), f"one step after restoring, {name} differs: optimizer state was not restored"

            save_checkpoint(path, b)  # overwrite, model only
            c = make(2)
            assert load_checkpoint(path, c)["history"] is None, "no history saved: history is None"
            assert np.array_equal(c(x).data, b(x).data), "overwriting the checkpoint must store the new weights"
            try:
                load_checkpoint(path, c, make_optimizer(c.parameters()))
            except ValueError:
                pass
            else:
                raise AssertionError("loading an optimizer from a checkpoint without optimizer state must raise ValueError")

            missing = os.path.join(tmp, "nothing.npz")
            try:
                load_checkpoint(missing, c)
            except FileNotFoundError as e:
                assert missing in str(e), f"the error must name the path, got: {e}"
            else:
                raise AssertionError("a missing checkpoint must raise FileNotFoundError")
            corrupt = os.path.join(tmp, "corrupt.npz")
            with open(corrupt, "wb") as f:
                f.write(b"this is not a checkpoint")
            try:
                load_checkpoint(corrupt, c)
            except ValueError as e:
                assert corrupt in str(e), f"the error must name the path, got: {e}"
            else:
                raise AssertionError("a corrupt checkpoint must raise ValueError")

    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sub", "ckpt.npz")
        a = make(5)
        opt_a = SGD(a.parameters(), lr=0.2, momentum=0.5, weight_decay=0.01)
        sched_a = StepLR(opt_a, step_size=2, gamma=0.5)
        for _ in range(3):
            step(a, opt_a)
            sched_a.step()
        save_checkpoint(path, a, opt_a, epoch=7, scheduler=sched_a)
        b = make(6)
        opt_b = SGD(b.parameters(), lr=0.9)
        sched_b = StepLR(opt_b, step_size=5)
        observe("epoch returned by load_checkpoint (7 was saved)", load_checkpoint(path, b, opt_b, sched_b)["epoch"])
        observe("restored StepLR: last_epoch and get_last_lr()", (sched_b.last_epoch, sched_b.get_last_lr()))
        for _ in range(2):
            step(b, opt_b)
            sched_b.step()
        for name, pb in b.state_dict().items():
            observe(f"{name} two SGD-momentum + StepLR steps after a restore", pb, rtol=0, atol=0)
        try:
            load_checkpoint(path, b, Adam(b.parameters()))
            raised = "no error"
        except ValueError:
            raised = "ValueError"
        observe("SGD state loaded into Adam", raised)
        truncated = os.path.join(tmp, "truncated.npz")
        with open(path, "rb") as f, open(truncated, "wb") as g:
            g.write(f.read()[:200])
        try:
            load_checkpoint(truncated, b)
            named = "no error"
        except ValueError as e:
            named = truncated in str(e)
        observe("truncated checkpoint: ValueError naming the path", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_checkpoint()

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

# %% nbgrader={"grade": true, "grade_id": "test-progress-bar", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import io

import numpy as np
from tito.check import observe


def test_progress_bar():
    """The bar is one line redrawn with \\r, exactly `width` characters between the brackets."""
    s = io.StringIO()
    bar = ProgressBar(90, stream=s, width=30, desc="epoch 3/10")
    assert bar.format() == "epoch 3/10 [>" + " " * 29 + "] 0/90", f"empty bar wrong: {bar.format()!r}"
    bar.update(45, loss=0.41234)
    want = "epoch 3/10 [" + "=" * 15 + ">" + " " * 14 + "] 45/90 loss 0.4123"
    assert s.getvalue() == "\r" + want, f"after update(45, loss=0.41234) the stream should hold {want!r}, got {s.getvalue()!r}"
    bar.update(45, loss=np.float32(0.2), acc=3)
    last = s.getvalue().split("\r")[-1]
    assert last == "epoch 3/10 [" + "=" * 30 + "] 90/90 loss 0.2000 acc 3", f"full bar wrong: {last!r}"
    bar.close()
    bar.close()
    assert s.getvalue().endswith("\n") and s.getvalue().count("\n") == 1, "close() ends the line once"

    s = io.StringIO()
    bar = ProgressBar(4, stream=s, width=8)
    bar.update(1, loss=123.456789)
    bar.update(1, loss=1.0)
    first, second = s.getvalue().split("\r")[1:]
    assert first == "[==>     ] 1/4 loss 123.4568", f"no desc: the line starts with the bar, got {first!r}"
    assert second.startswith("[====>   ] 2/4 loss 1.0000") and len(second) == len(first), \
        f"a shorter line must be padded with spaces to cover the previous one, got {second!r}"
    assert ProgressBar(None, stream=None).format() == "0", "total=None shows just the count"
    quiet = ProgressBar(3, stream=None)
    quiet.update(2, loss=1.0)
    quiet.close()
    assert quiet.count == 2, "stream=None is silent but still counts"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(806)
    for i in range(10):
        total, width = int(rng.integers(1, 200)), int(rng.integers(5, 40))
        count = int(rng.integers(0, total + 1))
        bar = ProgressBar(total, stream=None, width=width)
        bar.count = count
        line = bar.format()
        observe(f"random bar {i} (total={total}, width={width}, count={count})", line)
        observe(f"random bar {i}: line length", len(line))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_progress_bar()

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
# The next cell tests `train_epoch` and `evaluate`: a linear model on two separable clouds reaches 100%
# training accuracy in a few epochs with a falling loss; one epoch equals the hand-written loop; a Dropout
# model shows training mode (and a graph) in `train_epoch`, eval mode and no graph in `evaluate`.

# %% nbgrader={"grade": true, "grade_id": "test-train-epoch", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.autograd import is_grad_enabled
from tinytorch.core.data import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout
from tinytorch.core.optim import SGD


def test_train_epoch():
    """train_epoch is the hand-written loop; evaluate runs in eval mode without a graph."""
    rng = np.random.default_rng(807)
    n = 64
    y_np = rng.integers(0, 2, n)
    x_np = rng.standard_normal((n, 2)).astype(np.float32)
    x_np[:, 0] = (2 * y_np - 1) * (0.5 + np.abs(x_np[:, 0]))  # class = sign of the first feature: separable
    data = TensorDataset(Tensor(x_np), Tensor(y_np))
    manual_seed(0)
    model = Sequential(Linear(2, 2))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), progress=False)
    loader = DataLoader(data, batch_size=16, shuffle=True, seed=0)
    results = [trainer.train_epoch(loader) for _ in range(6)]
    assert all(isinstance(r, dict) and set(r) == {"loss", "accuracy"} for r in results), "train_epoch returns {'loss', 'accuracy'}"
    losses = [r["loss"] for r in results]
    assert all(isinstance(v, float) for v in losses), "the loss must be a Python float"
    assert all(b < a for a, b in zip(losses, losses[1:])), f"the training loss must fall every epoch, got {losses}"
    final = trainer.evaluate(DataLoader(data, batch_size=16))
    assert final["accuracy"] == 1.0, f"separable data: 100% training accuracy after 6 epochs, got {final['accuracy']}"

    # one epoch equals the hand-written loop, clipping included; batches of 4, 4, 2 weight the metrics
    x10, y10 = Tensor(rng.standard_normal((10, 3)).astype(np.float32)), Tensor(rng.integers(0, 3, 10))
    small = DataLoader(TensorDataset(x10, y10), batch_size=4)
    models = []
    for _ in range(3):
        manual_seed(1)
        models.append(Sequential(Linear(3, 5), ReLU(), Linear(5, 3)))
    a, b, c = models
    loss_fn = CrossEntropyLoss()

    def reference_epoch(model, clip):
        opt = SGD(model.parameters(), lr=0.3)
        losses, accs, sizes = [], [], []
        for xb, yb in small:
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            if clip is not None:
                clip_grad_norm_(model.parameters(), clip)
            opt.step()
            losses.append(loss.item())
            accs.append(float(np.mean(out.data.argmax(-1) == yb.data)))
            sizes.append(len(yb.data))
        return np.array(losses), np.array(accs), np.array(sizes)

    got = Trainer(a, SGD(a.parameters(), lr=0.3), loss_fn, clip_grad_norm=0.05, progress=False).train_epoch(small)
    losses, accs, sizes = reference_epoch(b, 0.05)
    reference_epoch(c, None)
    want_loss, want_acc = float(losses @ sizes / sizes.sum()), float(accs @ sizes / sizes.sum())
    assert abs(float(losses.mean()) - want_loss) > 1e-4, "sanity: the batch mean differs from the sample mean here"
    assert not np.allclose(b[0].weight.data, c[0].weight.data, atol=1e-6), "sanity: clipping changes the steps"
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert np.allclose(pa, pb, atol=1e-6), f"{name} after train_epoch differs from the loop zero_grad, forward, loss, backward, clip, step"
    assert abs(got["loss"] - want_loss) < 1e-5, f"the epoch loss is the sample-weighted mean {want_loss:.6f}, got {got['loss']:.6f}"
    assert abs(got["accuracy"] - want_acc) < 1e-9, f"the epoch accuracy is the sample-weighted mean {want_acc}, got {got['accuracy']}"

    # modes: Dropout is on in train_epoch, off in evaluate; evaluate records no graph
    seen = []

    class Probe(Module):
        def forward(self, x):
            seen.append((self.training, is_grad_enabled()))
            return x

    manual_seed(2)
    net = Sequential(Linear(3, 16), Dropout(0.5), Probe(), Linear(16, 3))
    trainer = Trainer(net, SGD(net.parameters(), lr=0.1), loss_fn, progress=False)
    trainer.train_epoch(small)
    assert seen and all(s == (True, True) for s in seen), f"train_epoch must run in training mode with gradients on, saw {seen}"
    assert net.training, "after train_epoch the model is in training mode"
    seen.clear()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    first, second = trainer.evaluate(small), trainer.evaluate(small)
    assert seen and all(s == (False, False) for s in seen), f"evaluate must run in eval mode under no_grad, saw {seen}"
    assert net.training, "evaluate must put the model back in the mode it was in"
    assert first == second, "in eval mode Dropout is off: evaluating twice gives the same result"
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items()), "evaluate must not change the parameters"
    net.eval()
    with no_grad():
        want = loss_fn(net(x10), y10).item()
    assert abs(first["loss"] - want) < 1e-5, f"evaluate's loss is the sample mean over the set, {want:.6f}, got {first['loss']:.6f}"
    trainer.evaluate(small)
    assert not net.training, "a model in eval mode stays in eval mode after evaluate"

    ### BEGIN HIDDEN TESTS
    for seed in range(3):
        r = np.random.default_rng(seed + 870)
        n, b_size = int(r.integers(5, 30)), int(r.integers(2, 8))
        xs, ys = Tensor(r.standard_normal((n, 4)).astype(np.float32)), Tensor(r.integers(0, 3, n))
        ld = DataLoader(TensorDataset(xs, ys), batch_size=b_size)
        manual_seed(seed)
        m1 = Sequential(Linear(4, 6), ReLU(), Linear(6, 3))
        res = Trainer(m1, SGD(m1.parameters(), lr=0.2, momentum=0.9), loss_fn, progress=False).train_epoch(ld)
        observe(f"seed {seed} (n={n}, batch_size={b_size}): epoch loss", res["loss"], rtol=0, atol=1e-5)
        for name, p1 in m1.state_dict().items():
            observe(f"seed {seed}: {name} after one epoch", p1, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_epoch()

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

# %% nbgrader={"grade": true, "grade_id": "test-fit", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import os
import tempfile

import numpy as np
from tito.check import observe

from tinytorch.core.data import DataLoader, TensorDataset
from tinytorch.core.optim import SGD, StepLR


def test_fit():
    """fit records a history, steps the schedule per epoch, stops early and restores the best weights."""
    rng = np.random.default_rng(808)

    def blobs(n):
        y = rng.integers(0, 2, n)
        x = rng.standard_normal((n, 8)).astype(np.float32)
        x[:, 0] += 2 * y - 1  # one informative feature, seven of noise: a small training set gets overfitted
        return TensorDataset(Tensor(x), Tensor(y))

    train_set, val_set = blobs(24), blobs(64)

    def run(epochs, early_stopping=None, checkpoint_path=None, val=True):
        manual_seed(3)
        model = Sequential(Linear(8, 32), ReLU(), Linear(32, 2))
        opt = SGD(model.parameters(), lr=0.02, momentum=0.9)
        sched = StepLR(opt, step_size=1, gamma=0.95)
        trainer = Trainer(model, opt, CrossEntropyLoss(), scheduler=sched, progress=False)
        history = trainer.fit(DataLoader(train_set, batch_size=8, shuffle=True, seed=1),
                              DataLoader(val_set, batch_size=16) if val else None, epochs=epochs,
                              early_stopping=early_stopping, checkpoint_path=checkpoint_path)
        return model, history, sched, trainer

    model, h, sched, trainer = run(4)
    assert isinstance(h, History) and len(h) == 4, f"fit(epochs=4) without early stopping records 4 epochs, got {len(h)}"
    assert trainer.history is h, "fit keeps its history in trainer.history"
    assert set(h.keys()) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"}, f"keys: {h.keys()}"
    assert np.allclose(h["lr"], 0.02 * 0.95 ** np.arange(4)), f"lr per epoch is the rate used, stepped once per epoch: {h['lr']}"
    assert sched.last_epoch == 4, f"the scheduler steps once per epoch, last_epoch should be 4, got {sched.last_epoch}"
    assert all(s >= 0 for s in h["seconds"]), "seconds must be the epoch's wall time"
    assert h["train_loss"][-1] < h["train_loss"][0], "the training loss falls"

    es = EarlyStopping(patience=2, restore_best=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "best.npz")
        model, h, _, _ = run(30, es, path)
        best, _ = h.best("val_loss")
        assert 0 < best < 28, f"sanity: this run should overfit after a few epochs (best epoch {best})"
        assert len(h) == best + 3, f"best epoch {best} and patience 2: stop after epoch {best + 2}, recorded {len(h)}"
        assert es.best_epoch == best, f"EarlyStopping remembers the best epoch {best}, got {es.best_epoch}"
        reference, _, _, _ = run(best + 1)
        for (name, got), want in zip(model.state_dict().items(), reference.state_dict().values()):
            assert np.allclose(got, want, atol=1e-6), f"restore_best: {name} must hold the weights after epoch {best}"
        manual_seed(9)
        fresh = Sequential(Linear(8, 32), ReLU(), Linear(32, 2))
        info = load_checkpoint(path, fresh)
        assert info["epoch"] == best + 1, f"the best checkpoint is the one after epoch {best} ({best + 1} completed), got {info['epoch']}"
        assert len(info["history"]) == best + 1, "the checkpoint's history ends at the best epoch"
        for got, want in zip(fresh.state_dict().values(), reference.state_dict().values()):
            assert np.allclose(got, want, atol=1e-6), "the checkpoint must hold the best weights"

    ### BEGIN HIDDEN TESTS
    model, h, _, _ = run(3, val=False)
    observe("keys without a validation loader", sorted(h.keys()))
    try:
        run(3, EarlyStopping(monitor="val_loss"), val=False)
        raised = "no error"
    except ValueError:
        raised = "ValueError"
    observe("monitoring val_loss without a validation loader", raised)
    es = EarlyStopping(patience=2, restore_best=False)
    model, h, _, _ = run(30, es)
    observe("restore_best=False: epochs run", len(h))
    for name, got in model.state_dict().items():
        observe(f"restore_best=False: {name} keeps the last weights", got, rtol=1e-5, atol=1e-6)
    es = EarlyStopping(patience=1, monitor="val_accuracy", mode="max", restore_best=True)
    model, h, _, _ = run(30, es)
    observe("val_accuracy, mode='max': epochs run", len(h))
    observe("val_accuracy, mode='max': best epoch in the history and in EarlyStopping",
            (h.best("val_accuracy", mode="max")[0], es.best_epoch))
    for name, got in model.state_dict().items():
        observe(f"val_accuracy, mode='max': restored {name}", got, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_fit()

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

# %% nbgrader={"grade": true, "grade_id": "test-deep-mlp", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_deep_mlp():
    """deep_mlp alternates Linear and activation layers with the init that suits the activation."""
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

    manual_seed(0)
    for activation, rule in (("relu", lambda i, o: 2.0 / i), ("sigmoid", lambda i, o: 2.0 / (i + o)),
                             ("tanh", lambda i, o: 2.0 / (i + o))):
        model = deep_mlp(activation, depth=3, width=400, in_features=200, out_features=100)
        for m in model:
            if isinstance(m, Linear):
                out_f, in_f = m.weight.shape
                var = float(np.var(m.weight.data))
                want = rule(in_f, out_f)
                assert abs(var / want - 1) < 0.1, f"{activation}: Var(W) of a {in_f} -> {out_f} layer should be {want:.2e}, got {var:.2e}"
                assert np.all(m.bias.data == 0), "biases start at zero"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(809)
    for i in range(4):
        depth, width, n_in, n_out = (int(v) for v in rng.integers(1, 9, size=4))
        act = str(rng.choice(["relu", "sigmoid", "tanh"]))
        model = deep_mlp(act, depth=depth, width=width, in_features=n_in, out_features=n_out)
        case = f"case {i} ({act}, depth={depth}, width={width}, {n_in} -> {n_out})"
        observe(f"{case}: weight shapes", [tuple(int(s) for s in m.weight.shape) for m in model if isinstance(m, Linear)])
        observe(f"{case}: number of modules", len(model))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_deep_mlp()

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
# layer on a log scale. The test after them checks the claim of this section: the sigmoid network's first
# layer gets at least 100 times less gradient than its last, the ReLU network's within a factor of 10.

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

# %% nbgrader={"grade": true, "grade_id": "test-gradient-norms", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_gradient_norms():
    """layer_gradient_norms gives ||dL/dW|| per Linear layer; sigmoid gradients vanish, ReLU ones do not."""
    rng = np.random.default_rng(810)
    x = Tensor(rng.standard_normal((8, 5)).astype(np.float32))
    y = Tensor(rng.integers(0, 3, 8))
    loss_fn = CrossEntropyLoss()
    manual_seed(4)
    model = Sequential(Linear(5, 4), Tanh(), Linear(4, 6), ReLU(), Linear(6, 3))
    for p in model.parameters():
        p.grad = Tensor(np.full(p.shape, 100.0, dtype=np.float32))  # stale gradients must not count
    got = layer_gradient_norms(model, x, y, loss_fn)
    assert isinstance(got, list) and len(got) == 3, f"three Linear layers give three norms, got {got}"
    assert all(isinstance(v, float) for v in got), "the norms must be Python floats"
    model.zero_grad()
    loss_fn(model(x), y).backward()
    want = [float(np.sqrt(np.sum(m.weight.grad.data.astype(np.float64) ** 2))) for m in (model[0], model[2], model[4])]
    assert np.allclose(got, want, rtol=1e-5), f"norms of the weight gradients, input side first: {want}, got {got}"
    again = layer_gradient_norms(model, x, y, loss_fn)
    assert np.allclose(again, want, rtol=1e-5), "a second call must give the same norms (zero_grad first)"

    study = vanishing_gradient_study(depth=10, seed=0)
    assert set(study) == {"sigmoid", "relu"} and all(len(v) == 10 for v in study.values()), "ten norms per activation"
    sig, relu = study["sigmoid"], study["relu"]
    assert sig[-1] >= 100 * sig[0], f"sigmoid: the first layer's gradient should be 100x smaller than the last's: {sig[0]:.2e} vs {sig[-1]:.2e}"
    assert 0.1 <= relu[-1] / relu[0] <= 10, f"ReLU with He init: first and last norms within 10x: {relu[0]:.2e} vs {relu[-1]:.2e}"

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
