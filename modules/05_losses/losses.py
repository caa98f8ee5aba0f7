# %% [markdown]
# # Module 05: Losses
#
# A loss turns a model's output and the target into one number that training drives down. Its gradient is
# where every backward pass starts, so a loss must be exact and numerically safe at any input the model can
# produce, including a confidently wrong logit of 10,000.
#
# You will write five losses with PyTorch's names, arguments and reductions: mean squared error (regression),
# negative log-likelihood and cross-entropy (classes), binary cross-entropy on probabilities and on logits
# (yes/no targets), then their `torch.nn`-style Module classes. Each task is a cell containing
# `# YOUR CODE HERE`; the locked cell after it tests it. Run the cells in order.
#
# Each loss is ONE operation: the forward value in NumPy, then one `record_op` (module 02) whose backward is
# the closed-form gradient. One node instead of a chain of exp, log, sum and indexing nodes keeps less memory,
# runs one backward step, and stays finite where the chain would pass through inf or 0.

# %%
#| default_exp core.losses

# %%
#| export
import warnings

import numpy as np

from tinytorch.core.autograd import Tensor, record_op
from tinytorch.core.tensor import array_of
from tinytorch.core.layers import Module

# %% [markdown]
# ## 1. Given: reductions and argument checks
#
# Every loss first computes one value per item (per element for MSE and BCE, per sample for NLL and
# cross-entropy) and then reduces them, selected by `reduction` as in PyTorch: `"mean"` (default) averages,
# `"sum"` adds, `"none"` returns the per-item values.
#
# `_reduce(per_item, reduction, total=None)` returns `(loss, scale)`: the reduced loss and d loss / d per_item,
# which is 1/total for `"mean"` and 1 for `"sum"` and `"none"`. `total` is the divisor of the mean: the number of
# items unless given (weighted NLL and cross-entropy pass their sum of weights, section 4). In a backward rule,
# `grad * scale` is the upstream gradient of every per-item value: a 0-d array for mean and sum, an array of
# `per_item`'s shape for none. Either way it broadcasts against an elementwise local gradient. A total of 0 (an
# empty batch, or every target ignored) gives a NaN mean and a NaN scale, as PyTorch does; the sum of nothing is 0.
#
# The other helpers: `_floats(*operands)` returns the operands' arrays in one float dtype (the widest float
# dtype among the Tensor operands, else float32: module 01's rule); `_wants_grad(x)` says whether x is a Tensor
# that requires grad, so a rule can skip gradients nobody needs; `_class_targets(target, shape, name)` checks
# integer class targets against scores of shape (N, C) or (C,) and returns them as an int array of shape
# (N,), (1,) for a single sample (a target equal to `ignore_index` may lie outside 0..C-1); `_class_weights(weight,
# classes, dtype, name)` returns the per-class weights as a (C,) array, all ones when `weight` is None.
#
# Pitfall: `"mean"` divides by the number of items, so a sample's gradient shrinks as the batch grows and the
# learning rate does not depend on the batch size; with `"sum"` it does.

# %%
#| export
REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    """Raise ValueError unless reduction is "mean", "sum" or "none"."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(per_item: np.ndarray, reduction: str, total=None) -> tuple:
    """(loss, scale): per_item reduced, and d loss / d per_item (1/total for "mean", total = count by default, else 1)."""
    _check_reduction(reduction)
    if reduction == "mean":
        total = per_item.size if total is None else total
        if total == 0:  # 0 / 0: an empty batch or all targets ignored gives NaN, as in PyTorch
            return per_item.dtype.type(np.nan), np.nan
        return per_item.sum() / per_item.dtype.type(total), 1.0 / float(total)
    if reduction == "sum":
        return per_item.sum(), 1.0
    return per_item, 1.0


def _floats(*operands) -> tuple:
    """The operands' arrays in one float dtype: the widest float dtype of the Tensor operands, else float32."""
    arrays = [array_of(x) for x in operands]
    floats = [a.dtype for x, a in zip(operands, arrays)
              if isinstance(x, Tensor) and np.issubdtype(a.dtype, np.floating)]
    dtype = np.result_type(*floats) if floats else np.float32
    return tuple(a.astype(dtype, copy=False) for a in arrays)


def _wants_grad(x) -> bool:
    """True when x is a Tensor that requires grad."""
    return isinstance(x, Tensor) and x.requires_grad


def _class_targets(target, shape: tuple, name: str, ignore_index: int = -100) -> np.ndarray:
    """Check integer class targets for scores of shape (N, C) or (C,); return them with shape (N,) or (1,)."""
    y = array_of(target)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name}: target must hold integer class indices, got dtype {y.dtype}")
    if len(shape) not in (1, 2):
        raise ValueError(f"{name}: input must have shape (N, C) or (C,), got {shape}; "
                         "reshape (B, T, C) scores to (B * T, C) and their targets to (B * T,)")
    expected = tuple(shape[:-1])
    if y.shape != expected:
        raise ValueError(f"{name}: input of shape {shape} needs a target of shape {expected}, got {y.shape}")
    y = y.reshape(-1)
    classes = shape[-1]
    bad = ((y < 0) | (y >= classes)) & (y != ignore_index)
    if bad.any():
        raise IndexError(f"{name}: target {int(y[bad][0])} is out of bounds for {classes} classes "
                         f"(valid: 0 to {classes - 1})")
    return y


def _class_weights(weight, classes: int, dtype, name: str) -> np.ndarray:
    """The weight of each class as a (C,) array of the scores' dtype; all ones when weight is None."""
    if weight is None:
        return np.ones(classes, dtype=dtype)
    w = array_of(weight).astype(dtype)
    if w.shape != (classes,):
        raise ValueError(f"{name}: weight must hold one value per class, shape ({classes},), got {w.shape}")
    return w

# %% [markdown]
# ## 2. Mean squared error
#
# For regression: the squared difference per element,
#
#     l = (x - y) ** 2,    dl/dx = 2 (x - y),    dl/dy = -2 (x - y)
#
# with x the input (the prediction) and y the target; both may require grad.
#
# **Task: `mse_loss`.** Compute the per-element losses, reduce them with `_reduce`, and record one operation
# with `record_op("mse_loss", loss, (input, target), backward)`. The backward rule returns (d_input,
# d_target), each None when `_wants_grad` says nobody needs it.
#
# Pitfall: predictions of shape (N, 1) and targets of shape (N,) broadcast to (N, N), and the loss silently
# compares every prediction with every target. The given line warns about it, as PyTorch does.

# %% nbgrader={"grade": false, "grade_id": "mse-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """(input - target) ** 2 per element, reduced; gradients 2 (input - target) and -2 (input - target)."""
    x, y = _floats(input, target)
    if x.shape != y.shape:
        warnings.warn(f"mse_loss: target shape {y.shape} differs from input shape {x.shape}; they broadcast "
                      f"to {np.broadcast_shapes(x.shape, y.shape)}, which is rarely intended", stacklevel=2)
    ### BEGIN SOLUTION
    diff = x - y
    loss, scale = _reduce(diff * diff, reduction)

    def backward(grad):
        d = 2 * diff * (grad * scale)
        return (d if _wants_grad(input) else None,
                -d if _wants_grad(target) else None)

    return record_op("mse_loss", loss, (input, target), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-mse-loss", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import warnings

import numpy as np
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_mse_loss():
    """mse_loss is the mean, sum or array of (x - y)**2; its gradients are 2 (x - y) * scale and the negative."""
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = Tensor([[1.0, 0.0], [5.0, 4.0]])
    loss = mse_loss(x, y)
    assert isinstance(loss, Tensor), f"mse_loss must return a Tensor, got {type(loss).__name__}"
    assert loss.shape == () and loss.dtype == np.float32, f"the mean loss is a 0-d float32 Tensor, got {loss.shape}, {loss.dtype}"
    assert np.isclose(loss.item(), 2.0), f"squared errors are 0, 4, 4, 0: the mean is 2, got {loss.item()}"
    assert np.isclose(mse_loss(x, y, reduction="sum").item(), 8.0), "reduction='sum' of 0, 4, 4, 0 is 8"
    none = mse_loss(x, y, reduction="none")
    assert none.shape == (2, 2) and np.allclose(none.data, [[0.0, 4.0], [4.0, 0.0]]), f"reduction='none' gives each (x - y)**2, got {none.data}"
    assert loss.requires_grad and all(p.is_leaf for p in loss._parents), \
        "the loss must be one recorded operation whose parents are the inputs"
    loss.backward()
    assert np.allclose(x.grad.data, [[0.0, 1.0], [-1.0, 0.0]]), f"d mean / dx = 2 (x - y) / 4 = [[0, 1], [-1, 0]], got {x.grad.data}"

    # the target gets the negative gradient; 'sum' and 'none' scale it by 1
    a = Tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    b = Tensor([1.0, 1.0, 1.0], dtype=np.float64, requires_grad=True)
    mse_loss(a, b, reduction="sum").backward()
    assert np.allclose(a.grad.data, [-1.0, -4.0, 2.0]) and np.allclose(b.grad.data, [1.0, 4.0, -2.0]), \
        f"sum: dx = 2 (x - y) = [-1, -4, 2] and dy = -dx, got {a.grad.data}, {b.grad.data}"
    for bad in ("avg", "elementwise_mean", None):
        try:
            mse_loss(a, b, reduction=bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"reduction={bad!r} must raise ValueError")

    # gradient checks in float64, with broadcasting and size-1 dimensions
    rng = np.random.default_rng(501)
    u = Tensor(rng.standard_normal((3, 1, 2)), dtype=np.float64, requires_grad=True)
    v = Tensor(rng.standard_normal((4, 2)), dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for reduction in REDUCTIONS:
            gradcheck(lambda p, q: mse_loss(p, q, reduction=reduction), [u, v])
        assert mse_loss(u, v, reduction="none").shape == (3, 4, 2), "(3, 1, 2) and (4, 2) broadcast to (3, 4, 2)"
    assert any("broadcast" in str(w.message) for w in caught), "a shape mismatch must warn"
    empty = mse_loss(Tensor(np.zeros((0, 2))), Tensor(np.zeros((0, 2))))
    assert np.isnan(empty.item()), f"the mean over an empty batch is 0 / 0 = nan, as in PyTorch, got {empty.item()}"

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        X, Y = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        p = Tensor(X, dtype=np.float64, requires_grad=True)
        q = Tensor(Y, dtype=np.float64, requires_grad=True)
        got = mse_loss(p, q, reduction=reduction)
        observe(f"mse_loss random case {i} ({reduction}): shape", tuple(got.shape))
        observe(f"mse_loss random case {i} ({reduction}): value", got.data)
        got.backward(np.asarray(rng.standard_normal(got.shape)))  # in place of gradcheck: weighted gradients
        observe(f"mse_loss random case {i} ({reduction}): d input", p.grad.data, rtol=1e-4, atol=1e-5)
        observe(f"mse_loss random case {i} ({reduction}): d target", q.grad.data, rtol=1e-4, atol=1e-5)
        p.grad = None
        mse_loss(p, Y).backward()
        observe(f"mse_loss random case {i}: d input, mean with an ndarray target", p.grad.data)
    r = Tensor(rng.standard_normal((5, 1)), dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wide = mse_loss(r, np.arange(3.0)[None, :], reduction="sum")
        wide.backward()
    observe("mse_loss (5, 1) against (1, 3), sum: value", wide.data)
    observe("mse_loss (5, 1) against (1, 3), sum: gradient summed over the broadcast axis", r.grad.data)
    half = mse_loss(Tensor([1.0, 3.0]), Tensor([0.0, 0.0], dtype=np.float64))
    observe("mse_loss float32 input, float64 target: dtype", str(half.dtype))
    observe("mse_loss float32 input, float64 target: value", half.item())
    for reduction in REDUCTIONS:
        e = Tensor(np.zeros((0, 3)), dtype=np.float64, requires_grad=True)
        got = mse_loss(e, np.zeros((0, 3)), reduction=reduction)
        got.backward(np.ones(got.shape))
        observe(f"mse_loss on an empty batch, {reduction}: value", got.data)
        observe(f"mse_loss on an empty batch, {reduction}: gradient shape", tuple(e.grad.shape))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mse_loss()

# %% [markdown]
# ## 3. Negative log-likelihood
#
# A classifier with C classes outputs, per sample, log-probabilities `input[i, c] = log p_i(c)` (for example
# from `log_softmax`). The loss of sample i is minus the log-probability of its true class y_i:
#
#     l_i = -input[i, y_i],    dl_i/dinput[i, c] = -1 if c == y_i, else 0
#
# Targets are class indices, not one-hot vectors. A single sample may come as scores of shape (C,) with a 0-d
# target; `_class_targets` then returns shape (1,), and `input.reshape(-1, C)` views the scores as (1, C).
#
# Two options, with PyTorch's semantics. `weight` (one value w_c per class) scales each sample's loss by the weight
# of its target, l_i = -w_{y_i} input[i, y_i], to count a rare class more. A sample whose target equals
# `ignore_index` (default -100, e.g. padding) counts nothing: its loss is 0, its gradient 0, and its target need
# not be a valid class. `"mean"` then divides by the sum of the weights of the targets kept, not by N:
#
#     mean = sum_i l_i / sum_{i kept} w_{y_i}        (all targets ignored: 0 / 0 = NaN, as in PyTorch)
#
# **Task: `nll_loss`.** Pick each row's target entry with an integer index pair `rows[np.arange(N), y]`, reduce,
# and record one operation with the input as its only parent. The per-sample losses have shape (N,), or () for
# a single sample, so that `reduction="none"` matches PyTorch. For ignored samples, index with a valid class
# instead (`np.where(keep, y, 0)`) and give them weight 0; pass `total=` (the weight sum) to `_reduce`.
#
# Pitfall: nll_loss trusts that its input holds log-probabilities. Given raw scores or probabilities, it still
# returns a number, and training minimizes the wrong thing without any error.

# %% nbgrader={"grade": false, "grade_id": "nll-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def nll_loss(input: Tensor, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """-w[t_i] input[i, t_i] per sample (0 where t_i == ignore_index), reduced; gradient -w[t_i] at each target entry."""
    (logp,) = _floats(input)
    y = _class_targets(target, logp.shape, "nll_loss", ignore_index)
    w = _class_weights(weight, logp.shape[-1], logp.dtype, "nll_loss")
    ### BEGIN SOLUTION
    rows = logp.reshape(-1, logp.shape[-1])  # (C,) -> (1, C)
    n = np.arange(len(y))
    keep = y != ignore_index
    picked = np.where(keep, y, 0)  # a valid column for every row; ignored rows get weight 0
    w_y = np.where(keep, w[picked], 0).astype(rows.dtype)
    per_sample = np.where(keep, -w_y * rows[n, picked], 0)  # where, not a product: 0 * -inf would be nan
    loss, scale = _reduce(per_sample.reshape(logp.shape[:-1]), reduction, total=w_y.sum())

    def backward(grad):
        d = np.zeros_like(rows)
        up = np.reshape(grad * scale, -1)  # (1,) for mean and sum, (N,) for none
        d[n, picked] = np.where(keep, -w_y * up, 0)  # ignored samples get no gradient, even from a NaN mean
        return (d.reshape(logp.shape),)

    return record_op("nll_loss", loss, (input,), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-nll-loss", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_nll_loss():
    """nll_loss is minus the log-probability of the target class; its gradient is -scale at that entry."""
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.3, 0.3, 0.4]])
    logp = Tensor(np.log(probs), requires_grad=True)
    y = Tensor([0, 2, 1, 0])
    picked = np.log([0.7, 0.8, 0.5, 0.3])
    loss = nll_loss(logp, y)
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), -picked.mean(), rtol=1e-5), f"-mean(log [0.7, 0.8, 0.5, 0.3]) = {-picked.mean():.6f}, got {loss.item()}"
    assert np.isclose(nll_loss(logp, y, reduction="sum").item(), -picked.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = nll_loss(logp, y, reduction="none")
    assert none.shape == (4,) and np.allclose(none.data, -picked, rtol=1e-5), f"reduction='none' gives one loss per sample, got {none.data}"
    assert loss.requires_grad and all(p.is_leaf for p in loss._parents), "the loss must be one recorded operation on the input"
    loss.backward()
    want = np.zeros((4, 3))
    want[[0, 1, 2, 3], [0, 2, 1, 0]] = -0.25
    assert np.allclose(logp.grad.data, want), f"the gradient is -1/N at each target entry and 0 elsewhere, got {logp.grad.data}"

    # one sample: scores (C,) and a 0-d target
    single = Tensor(np.log([0.2, 0.3, 0.5]), dtype=np.float64, requires_grad=True)
    one = nll_loss(single, 2)
    assert one.shape == () and np.isclose(one.item(), -np.log(0.5)), f"(C,) input with target 2: -log 0.5, got {one.item()}"
    assert nll_loss(single, Tensor(1), reduction="none").shape == (), "reduction='none' on one sample gives a 0-d loss"
    one.backward()
    assert np.allclose(single.grad.data, [0.0, 0.0, -1.0]), f"one sample: gradient -1 at the target, got {single.grad.data}"

    rng = np.random.default_rng(503)
    z = Tensor(rng.standard_normal((5, 4)), dtype=np.float64, requires_grad=True)
    t = rng.integers(0, 4, size=5)
    t[:2] = 3  # a class picked twice
    for reduction in REDUCTIONS:
        gradcheck(lambda a: nll_loss(a, t, reduction=reduction), [z])

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        X = rng.standard_normal((n, c))
        T = rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        a = Tensor(X, dtype=np.float64, requires_grad=True)
        got = nll_loss(a, Tensor(T), reduction=reduction)
        observe(f"nll_loss random case {i} ({n}, {c}), {reduction}: shape", tuple(got.shape))
        observe(f"nll_loss random case {i} ({n}, {c}), {reduction}: value", got.data)
        got.backward(np.asarray(rng.standard_normal(got.shape)))  # in place of gradcheck: weighted gradient
        observe(f"nll_loss random case {i} ({n}, {c}), {reduction}: d input", a.grad.data, rtol=1e-4, atol=1e-5)
        g = Tensor(X, dtype=np.float64, requires_grad=True)
        nll_loss(g, T, reduction="sum").backward()
        observe(f"nll_loss random case {i} ({n}, {c}): gradient of the sum", g.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_nll_loss()

# %% [markdown]
# ## 4. Cross-entropy on logits
#
# A model's last layer outputs logits x (any real numbers); softmax turns them into probabilities and the
# loss is the negative log-probability of the target, in one step:
#
#     l_i = -log softmax(x_i)[y_i] = log sum_c exp(x_ic) - x_{i, y_i}
#     dl_i/dx_i = softmax(x_i) - onehot(y_i)
#
# This is `nll_loss(log_softmax(x), y)` as one operation. The gradient needs no division and lies in [-1, 1]:
# a wrong prediction pulls the true class up and the predicted classes down in proportion to their probability.
#
# Stability (log-sum-exp): exp(x) overflows for x > 88.7 in float32 and x > 709.8 in float64. Subtract each
# row's maximum m first, log sum_c exp(x_c) = m + log sum_c exp(x_c - m): the largest term becomes exp(0) = 1,
# nothing overflows, and the sum is at least 1, so its log is finite. Terms that underflow to 0 are harmless.
#
# Label smoothing eps trains towards the distribution q = (1 - eps) onehot(y) + eps / C instead of the one-hot:
#
#     l_i = -sum_c q_c log p_ic = (1 - eps) (-log p_{i, y_i}) + eps * mean_c(-log p_ic),    dl_i/dx_i = p_i - q
#
# `weight` and `ignore_index` work as in `nll_loss`: a kept sample's loss is w_{y_i} (-log p_{i, y_i}), "mean"
# divides by the weight sum of the kept targets, ignored samples give 0 and get no gradient. With both weight and
# smoothing, PyTorch weights the smoothing term class by class, eps * sum_c w_c (-log p_ic) / C, so
#
#     dl_i/dx_i = (1 - eps) w_{y_i} (p_i - onehot(y_i)) + (eps / C) (sum_c w_c p_i - w)
#
# (with w = 1 this is p_i - q again).
#
# **Task: `cross_entropy`.** Compute the log-probabilities stably (shift by the row maximum), the per-sample
# losses (shape (N,), or () for a single sample, as in `nll_loss`), reduce (with `total=`), and record one
# operation. The backward rule: the gradient above, times the upstream gradient of each sample's loss, and 0 for
# ignored samples.
#
# Pitfall: `CrossEntropyLoss` takes logits. A model that ends in a Softmax layer still trains with it, but
# slowly: softmax is applied twice and the gradient shrinks.

# %% nbgrader={"grade": false, "grade_id": "cross-entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def cross_entropy(input: Tensor, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """w[t] (log sum_c exp(x_c) - x_t) per sample (0 if t == ignore_index), reduced; gradient w[t] (softmax(x) - onehot(t)), smoothed."""
    (x,) = _floats(input)
    y = _class_targets(target, x.shape, "cross_entropy", ignore_index)
    w = _class_weights(weight, x.shape[-1], x.dtype, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    ### BEGIN SOLUTION
    rows = x.reshape(-1, x.shape[-1])  # (C,) -> (1, C)
    n, classes = np.arange(len(y)), rows.shape[1]
    keep = y != ignore_index
    picked = np.where(keep, y, 0)  # a valid column for every row; ignored rows get weight 0
    w_y = np.where(keep, w[picked], 0).astype(rows.dtype)
    shifted = rows - rows.max(axis=1, keepdims=True)  # the largest logit becomes 0: exp cannot overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    per_sample = w_y * -log_probs[n, picked]
    if label_smoothing:
        smooth = np.where(keep, -(log_probs * w).sum(axis=1) / classes, 0)  # weighted mean of -log p over classes
        per_sample = (1 - label_smoothing) * per_sample + label_smoothing * smooth
    loss, scale = _reduce(per_sample.reshape(x.shape[:-1]), reduction, total=w_y.sum())

    def backward(grad):
        # (1 - eps) w_y (p - onehot) + (eps / C) (sum(w) p - w), row by row
        d = np.exp(log_probs) * ((1 - label_smoothing) * w_y + label_smoothing * w.sum() / classes)[:, None]
        if label_smoothing:
            d -= label_smoothing * w / classes
        d[n, picked] -= (1 - label_smoothing) * w_y
        up = np.where(keep, np.reshape(grad * scale, -1), 0)  # ignored rows get 0, even from a NaN mean
        return ((d * up[:, None]).reshape(x.shape),)

    return record_op("cross_entropy", loss, (input,), backward)
    ### END SOLUTION

# %% [markdown]
# The next cell tests values and gradients against closed forms, stability at logits of +-10,000 under
# `np.errstate(all="raise", under="ignore")` (overflow, division by zero and nan raise; underflow to 0 is the
# correct rounding of exp(-20000)), the identity with `nll_loss(log_softmax(x))` from module 03, and the
# target errors of `_class_targets`.

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy", "locked": true, "points": 20, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.activations import log_softmax
from tinytorch.core.autograd import gradcheck


def test_cross_entropy():
    """cross_entropy is log-sum-exp minus the target logit, stable at +-1e4; its gradient is softmax - onehot."""

    def softmax(a):
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    # all-equal logits: every class has probability 1/C, the loss is log C
    flat = cross_entropy(Tensor(np.zeros((3, 4))), Tensor([0, 1, 3]))
    assert isinstance(flat, Tensor) and flat.shape == () and flat.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(flat.item(), np.log(4), rtol=1e-6), f"equal logits over 4 classes: the loss is log 4, got {flat.item()}"

    X = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
    T = np.array([0, 2, 2, 1])
    P = softmax(X)
    per = -np.log(P[np.arange(4), T])
    x = Tensor(X, dtype=np.float64, requires_grad=True)
    loss = cross_entropy(x, T)
    assert np.isclose(loss.item(), per.mean()), f"mean of -log softmax(x)[y]: expected {per.mean():.8f}, got {loss.item()}"
    assert np.isclose(cross_entropy(x, T, reduction="sum").item(), per.sum()), "reduction='sum' is wrong"
    none = cross_entropy(x, T, reduction="none")
    assert none.shape == (4,) and np.allclose(none.data, per), f"reduction='none' gives one loss per sample, got {none.data}"
    assert loss.requires_grad and all(p.is_leaf for p in loss._parents), "the loss must be one recorded operation on the input"
    loss.backward()
    hot = np.eye(3)[T]
    assert np.allclose(x.grad.data, (P - hot) / 4), "the gradient of the mean is (softmax(x) - onehot(y)) / N"
    for reduction in REDUCTIONS:
        gradcheck(lambda a: cross_entropy(a, T, reduction=reduction), [Tensor(X, dtype=np.float64, requires_grad=True)])

    # label smoothing: q = (1 - eps) onehot + eps / C
    eps = 0.2
    q = (1 - eps) * hot + eps / 3
    smooth = cross_entropy(Tensor(X, dtype=np.float64), T, label_smoothing=eps, reduction="none")
    assert np.allclose(smooth.data, -(q * np.log(P)).sum(axis=1)), "label smoothing: l_i = -sum_c q_c log p_ic"
    xs = Tensor(X, dtype=np.float64, requires_grad=True)
    cross_entropy(xs, T, label_smoothing=eps, reduction="sum").backward()
    assert np.allclose(xs.grad.data, P - q), "label smoothing: the gradient is softmax(x) - q"
    gradcheck(lambda a: cross_entropy(a, T, label_smoothing=eps), [Tensor(X, dtype=np.float64, requires_grad=True)])

    # one sample: logits (C,) and a 0-d target
    v = Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    single = cross_entropy(v, 1)
    assert single.shape == () and np.isclose(single.item(), -np.log(softmax(np.array([1.0, 2.0, 3.0]))[1])), "(C,) input: wrong value"
    single.backward()
    assert np.allclose(v.grad.data, softmax(np.array([1.0, 2.0, 3.0])) - [0, 1, 0]), "(C,) input: wrong gradient"

    # stability at extreme logits, float32 and float64
    for dtype in (np.float32, np.float64):
        big = Tensor([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype, requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            out = cross_entropy(big, [0, 1, 2], reduction="none")
            out.backward(np.ones(3))
        assert np.allclose(out.data, [0.0, 2e4, np.log(3)], rtol=1e-5), f"{dtype.__name__} logits +-1e4: losses [0, 2e4, log 3], got {out.data}"
        assert np.all(np.isfinite(big.grad.data)), f"{dtype.__name__} logits +-1e4: the gradient must be finite"
        assert np.allclose(big.grad.data, [[0, 0, 0], [1, -1, 0], [1 / 3, 1 / 3, -2 / 3]], atol=1e-6), "logits +-1e4: gradient softmax - onehot"

    # identity: cross_entropy(x, y) = nll_loss(log_softmax(x), y), values and gradients
    a = Tensor(X, dtype=np.float64, requires_grad=True)
    b = Tensor(X, dtype=np.float64, requires_grad=True)
    fused, composed = cross_entropy(a, T), nll_loss(log_softmax(b), T)
    assert np.isclose(fused.item(), composed.item()), "cross_entropy(x, y) must equal nll_loss(log_softmax(x), y)"
    fused.backward()
    composed.backward()
    assert np.allclose(a.grad.data, b.grad.data), "cross_entropy and nll_loss(log_softmax) must have equal gradients"

    # target errors
    for bad, value in (([0, 4, 1], "4"), ([0, -1, 1], "-1")):
        try:
            cross_entropy(Tensor(X[:3]), bad)
        except IndexError as e:
            assert value in str(e) and "3" in str(e), f"the IndexError must name the target {value} and C = 3, got: {e}"
        else:
            raise AssertionError(f"target {value} with 3 classes must raise IndexError")
    for bad in ([0.0, 1.0, 2.0, 1.0], [0, 1]):
        try:
            cross_entropy(Tensor(X), np.array(bad))
        except (TypeError, ValueError):
            pass
        else:
            raise AssertionError(f"target {bad} for input (4, 3) must raise TypeError (float) or ValueError (shape)")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(505)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        Z = rng.standard_normal((n, c)) * 3
        Y = rng.integers(0, c, size=n)
        s = float(rng.choice([0.0, 0.1, 0.35]))
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        z = Tensor(Z, dtype=np.float64, requires_grad=True)
        got = cross_entropy(z, Tensor(Y), reduction=reduction, label_smoothing=s)
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}, eps={s}: shape", tuple(got.shape))
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}, eps={s}: value", got.data)
        got.backward(np.asarray(rng.standard_normal(got.shape)))  # in place of gradcheck: weighted gradient
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}, eps={s}: d input", z.grad.data,
                rtol=1e-4, atol=1e-5)
        Zq = np.round(Z * 256) / 256  # exact in float32 even after adding +-1e4
        z32 = Tensor(Zq + rng.choice([-1e4, 1e4], size=(n, 1)), requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            out = cross_entropy(z32, Y)
            out.backward()
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, dtype", str(out.dtype))
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, float32 loss", out.item(), rtol=1e-5, atol=1e-5)
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, gradient", z32.grad.data, atol=1e-6)
    try:
        cross_entropy(Tensor(np.zeros((2, 5))), [1, 7])
        named = "no error"
    except IndexError as e:
        named = "7" in str(e) and "5" in str(e)
    observe("cross_entropy target 7 with 5 classes: IndexError naming 7 and 5", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_cross_entropy()

# %% [markdown]
# The next cell tests `weight` and `ignore_index` of `nll_loss` and `cross_entropy` (sections 3 and 4): values,
# the weighted mean, zero gradients for ignored samples, NaN when nothing is kept or the batch is empty.

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-weights", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_class_weights():
    """A kept sample's loss is w[t] times its loss; ignored ones give 0; the mean divides by the kept weight sum."""
    X = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
    T = np.array([0, 2, -100, 1])
    W = np.array([1.0, 2.0, 0.5])
    logp = X - np.log(np.exp(X).sum(axis=1, keepdims=True))
    per = np.array([-1.0 * logp[0, 0], -0.5 * logp[1, 2], 0.0, -2.0 * logp[3, 1]])
    for f, inp in ((nll_loss, logp), (cross_entropy, X)):
        x = Tensor(inp, dtype=np.float64, requires_grad=True)
        none = f(x, T, W, reduction="none")
        assert none.shape == (4,) and np.allclose(none.data, per), f"{f.__name__}: w[t] * loss, 0 for target -100; got {none.data}"
        assert np.isclose(f(x, T, W, reduction="sum").item(), per.sum()), f"{f.__name__}: the sum of the weighted losses"
        mean = f(x, T, W)
        assert np.isclose(mean.item(), per.sum() / 3.5), f"{f.__name__}: the mean divides by the kept weights 1 + 0.5 + 2"
        mean.backward()
        assert np.array_equal(x.grad.data[2], np.zeros(3)), f"{f.__name__}: an ignored sample gets no gradient"
        gradcheck(lambda a: f(a, T, W), [Tensor(inp, dtype=np.float64, requires_grad=True)])
        nothing = f(Tensor(inp[:2], requires_grad=True), [-100, -100])
        assert np.isnan(nothing.item()), f"{f.__name__}: every target ignored gives 0 / 0 = nan, as in PyTorch"
        empty = f(Tensor(np.zeros((0, 3))), np.zeros(0, dtype=np.int64))
        assert np.isnan(empty.item()), f"{f.__name__}: the mean over an empty batch is nan"
    assert np.isclose(cross_entropy(Tensor(X), [0, 2, 2, 1], ignore_index=2).item(),
                      cross_entropy(Tensor(X[[0, 3]]), [0, 1]).item()), "ignore_index may name a real class"
    gradcheck(lambda a: cross_entropy(a, T, W, label_smoothing=0.2), [Tensor(X, dtype=np.float64, requires_grad=True)])

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(513)
    for i in range(8):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 5))
        Z = rng.standard_normal((n, c)) * 2
        ignore = -100 if i % 2 else int(rng.integers(0, c))
        Y = rng.integers(0, c, size=n)
        Y[rng.random(n) < 0.3] = ignore
        Wc = rng.uniform(0.1, 3.0, c) if i % 3 else None
        reduction = REDUCTIONS[i % 3]
        s = float(rng.choice([0.0, 0.25]))
        case = f"class weights case {i} ({n}, {c}), {reduction}, ignore {ignore}, weight {Wc is not None}"
        for f, kw in ((nll_loss, {}), (cross_entropy, {"label_smoothing": s})):
            a = Tensor(Z, dtype=np.float64, requires_grad=True)
            got = f(a, Y, Wc, ignore_index=ignore, reduction=reduction, **kw)
            observe(f"{f.__name__} {case}: shape", tuple(got.shape))
            observe(f"{f.__name__} {case}: value", got.data)
            got.backward(np.asarray(rng.standard_normal(got.shape)))
            observe(f"{f.__name__} {case}: d input", a.grad.data, rtol=1e-4, atol=1e-5)
    for f in (nll_loss, cross_entropy):
        a = Tensor(rng.standard_normal((3, 4)), dtype=np.float64, requires_grad=True)
        got = f(a, [5, 5, 5], np.array([1.0, 2.0, 3.0, 4.0]), ignore_index=5)
        got.backward()
        observe(f"{f.__name__}: all targets ignored, mean", got.item())
        observe(f"{f.__name__}: all targets ignored, gradient", a.grad.data)
        for reduction in REDUCTIONS:
            got = f(Tensor(np.zeros((0, 4))), np.zeros(0, dtype=np.int64), np.ones(4), reduction=reduction)
            observe(f"{f.__name__}: empty batch, {reduction}", got.data)
        single = f(Tensor(rng.standard_normal(4), dtype=np.float64), -100, reduction="none")
        observe(f"{f.__name__}: one ignored sample of shape (C,), none: value and shape", (single.data, tuple(single.shape)))
    try:
        cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], np.ones(4))
        named = "no error"
    except ValueError as e:
        named = "3" in str(e)
    observe("cross_entropy with 4 weights for 3 classes: ValueError naming 3", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_class_weights()

# %% [markdown]
# ## 5. Binary cross-entropy on probabilities
#
# For yes/no targets: the input p is the predicted probability of "yes" (after a sigmoid), the target y is in
# [0, 1], and each element is a two-class cross-entropy:
#
#     l = -(y log p + (1 - y) log(1 - p))
#     dl/dp = (p - y) / (p (1 - p)),    dl/dy = log(1 - p) - log(p)
#
# At p = 0 or p = 1 a log is -inf. As PyTorch does, clamp each log at -100, so the loss is at most 100, and
# bound the denominator of dl/dp below by 1e-12, so the gradient is finite. Compute the logs inside
# `np.errstate(divide="ignore")`: log(0) = -inf is expected and clamped right away. Use the clamped logs in
# dl/dy too.
#
# **Task: `binary_cross_entropy`.** Per-element loss, reduction, one `record_op` with (input, target).
#
# Pitfall: with `0 * log(0)` unclamped, a correct prediction p = 0 for y = 0 gives 0 * -inf = nan.

# %% nbgrader={"grade": false, "grade_id": "binary-cross-entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def binary_cross_entropy(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)), logs clamped at -100, reduced; gradient (p - y) / max(p (1 - p), 1e-12)."""
    p, y = _floats(input, target)
    if p.shape != y.shape:
        raise ValueError(f"binary_cross_entropy: target shape {y.shape} must equal input shape {p.shape}")
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # nan fails too
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]; "
                         "for raw scores use binary_cross_entropy_with_logits")
    ### BEGIN SOLUTION
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped on the same line
        log_p = np.maximum(np.log(p), -100)
        log_q = np.maximum(np.log1p(-p), -100)  # log(1 - p)
    loss, scale = _reduce(-(y * log_p + (1 - y) * log_q), reduction)

    def backward(grad):
        up = grad * scale
        d_p = up * (p - y) / np.maximum(p * (1 - p), 1e-12) if _wants_grad(input) else None
        d_y = up * (log_q - log_p) if _wants_grad(target) else None
        return d_p, d_y

    return record_op("binary_cross_entropy", loss, (input, target), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-binary-cross-entropy", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_binary_cross_entropy():
    """binary_cross_entropy matches -(y log p + (1 - y) log(1 - p)), clamps at 100 and has finite gradients at 0 and 1."""
    P = np.array([[0.9, 0.2], [0.5, 0.6], [0.3, 0.99]])
    Y = np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0]])
    per = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    p = Tensor(P, requires_grad=True)
    loss = binary_cross_entropy(p, Tensor(Y))
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), per.mean(), rtol=1e-5), f"expected {per.mean():.6f}, got {loss.item()}"
    assert np.isclose(binary_cross_entropy(p, Tensor(Y), reduction="sum").item(), per.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = binary_cross_entropy(p, Tensor(Y), reduction="none")
    assert none.shape == (3, 2) and np.allclose(none.data, per, rtol=1e-5), "reduction='none' gives each element's loss"
    assert loss.requires_grad and all(q.is_leaf for q in loss._parents), "the loss must be one recorded operation on the inputs"
    loss.backward()
    assert np.allclose(p.grad.data, (P - Y) / (P * (1 - P)) / 6, rtol=1e-4), "dl/dp = (p - y) / (p (1 - p)), divided by 6 for the mean"

    # clamping: p at 0 and 1
    edge = Tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64, requires_grad=True)
    target = Tensor([0.0, 1.0, 1.0, 0.0], dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        out = binary_cross_entropy(edge, target, reduction="none")
        out.backward(np.ones(4))
    assert np.allclose(out.data, [0.0, 0.0, 100.0, 100.0]), f"each log is clamped at -100: losses [0, 0, 100, 100], got {out.data}"
    assert np.allclose(edge.grad.data, [0.0, 0.0, -1e12, 1e12]), f"p (1 - p) is bounded below by 1e-12: got {edge.grad.data}"
    assert np.allclose(target.grad.data, [100.0, -100.0, 100.0, -100.0]), f"dl/dy = log(1 - p) - log(p), clamped: got {target.grad.data}"

    rng = np.random.default_rng(507)
    a = Tensor(rng.uniform(0.05, 0.95, (4, 1, 3)), dtype=np.float64, requires_grad=True)
    b = Tensor(rng.uniform(0.0, 1.0, (4, 1, 3)), dtype=np.float64, requires_grad=True)
    for reduction in REDUCTIONS:
        gradcheck(lambda s, t: binary_cross_entropy(s, t, reduction=reduction), [a, b])
    for bad_p, bad_y in ((np.array([0.5, 1.5]), np.ones(2)), (np.full((3, 1), 0.5), np.ones(3))):
        try:
            binary_cross_entropy(Tensor(bad_p), Tensor(bad_y))
        except ValueError:
            pass
        else:
            raise AssertionError(f"p = {bad_p.tolist()} with y of shape {bad_y.shape} must raise ValueError")

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Pr, Yr = rng.uniform(0.02, 0.98, shape), rng.uniform(0.0, 1.0, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        s = Tensor(Pr, dtype=np.float64, requires_grad=True)
        t = Tensor(Yr, dtype=np.float64, requires_grad=True)
        got = binary_cross_entropy(s, t, reduction=reduction)
        observe(f"binary_cross_entropy random case {i} ({reduction}): shape", tuple(got.shape))
        observe(f"binary_cross_entropy random case {i} ({reduction}): value", got.data)
        got.backward(np.asarray(rng.standard_normal(got.shape)))  # in place of gradcheck: weighted gradients
        observe(f"binary_cross_entropy random case {i} ({reduction}): d input", s.grad.data, rtol=1e-4, atol=1e-5)
        observe(f"binary_cross_entropy random case {i} ({reduction}): d target", t.grad.data, rtol=1e-4, atol=1e-5)
    tiny = Tensor([1e-30, 1 - 1e-12], dtype=np.float64, requires_grad=True)
    out = binary_cross_entropy(tiny, Tensor([1.0, 0.0], dtype=np.float64), reduction="sum")
    observe("binary_cross_entropy at p = 1e-30 and 1 - 1e-12: logs above -100 are not clamped", out.item(), rtol=1e-3)
    for reduction in REDUCTIONS:
        got = binary_cross_entropy(Tensor(np.zeros(0)), Tensor(np.zeros(0)), reduction=reduction)
        observe(f"binary_cross_entropy on an empty batch, {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_binary_cross_entropy()

# %% [markdown]
# ## 6. Binary cross-entropy on logits
#
# The same loss with p = sigmoid(x), computed from the logit x without forming p. With softplus(z) = log(1 + e^z),
# -log sigmoid(x) = softplus(-x) and -log(1 - sigmoid(x)) = x + softplus(-x), so
#
#     l = (1 - y) x + softplus(-x) = max(x, 0) - x y + log(1 + exp(-|x|))
#     dl/dx = sigmoid(x) - y,    dl/dy = -x
#
# exp(-|x|) lies in (0, 1], so nothing overflows, and `np.log1p` keeps log(1 + tiny) accurate. For the gradient,
# take both sigmoids from e = exp(-|x|): sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, and
# sigmoid(-x) the other way round.
#
# Why this beats `binary_cross_entropy(sigmoid(x), y)`: in float32, sigmoid(x) rounds to exactly 1 from
# about x = 17 (float64: 37). For a wrong label y = 0 the loss is then the clamp value 100 whatever x is, and
# the gradient through the sigmoid, p (1 - p), is exactly 0: the most confidently wrong predictions teach
# nothing. From logits, the loss is x and the gradient sigmoid(x) - y = 1.
#
# `pos_weight` w (one weight per class, broadcast along the last axis; w = negatives / positives balances a
# rare class) multiplies the positive term, -[w y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]:
#
#     l = (1 - y) x + (1 + (w - 1) y) softplus(-x),  softplus(-x) = max(-x, 0) + log(1 + exp(-|x|))
#     dl/dx = sigmoid(x) - y - (w - 1) y sigmoid(-x),    dl/dy = -x + (w - 1) softplus(-x)
#
# As in PyTorch, pos_weight gets no gradient.
#
# **Task: `binary_cross_entropy_with_logits`.** Per-element loss (the first form when `pos_weight` is None),
# reduction, one `record_op` with (input, target).

# %% nbgrader={"grade": false, "grade_id": "bce-with-logits", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, *, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """max(x, 0) - x y + log(1 + exp(-|x|)) per element (pos_weight w: (1 - y) x + (1 + (w - 1) y) softplus(-x)), reduced; gradient sigmoid(x) - y."""
    x, y = _floats(input, target)
    if x.shape != y.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {y.shape} must equal input shape {x.shape}")
    w = None if pos_weight is None else array_of(pos_weight).astype(x.dtype)
    if w is not None and np.broadcast_shapes(w.shape, x.shape) != x.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: pos_weight of shape {w.shape} does not broadcast "
                         f"to the input's shape {x.shape}")
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(x))  # in (0, 1]: cannot overflow
    if w is None:
        per_item = np.maximum(x, 0) - x * y + np.log1p(e)
    else:
        softplus_neg = np.maximum(-x, 0) + np.log1p(e)  # log(1 + exp(-x)) = -log sigmoid(x)
        per_item = (1 - y) * x + (1 + (w - 1) * y) * softplus_neg
    loss, scale = _reduce(per_item, reduction)

    def backward(grad):
        up = grad * scale
        positive = x >= 0
        sig = np.where(positive, 1, e) / (1 + e)  # sigmoid(x)
        d_x = d_y = None
        if _wants_grad(input):
            d_x = sig - y
            if w is not None:
                d_x = d_x - (w - 1) * y * (np.where(positive, e, 1) / (1 + e))  # sigmoid(-x)
            d_x = up * d_x
        if _wants_grad(target):
            d_y = up * (-x if w is None else (w - 1) * softplus_neg - x)
        return d_x, d_y

    return record_op("binary_cross_entropy_with_logits", loss, (input, target), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-bce-with-logits", "locked": true, "points": 21, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe

from tinytorch.core.autograd import gradcheck


def test_bce_with_logits():
    """binary_cross_entropy_with_logits equals BCE(sigmoid(x)), is exact at logits +-1e4, and handles pos_weight."""

    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    X = np.array([[2.0, -1.0], [0.0, 3.5], [-4.0, 0.5]])
    Y = np.array([[1.0, 0.0], [1.0, 0.3], [0.0, 1.0]])
    S = sigmoid(X)
    per = -(Y * np.log(S) + (1 - Y) * np.log(1 - S))
    x = Tensor(X, requires_grad=True)
    loss = binary_cross_entropy_with_logits(x, Tensor(Y))
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), per.mean(), rtol=1e-5), f"expected {per.mean():.6f}, got {loss.item()}"
    assert np.isclose(binary_cross_entropy_with_logits(x, Tensor(Y), reduction="sum").item(), per.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = binary_cross_entropy_with_logits(x, Tensor(Y), reduction="none")
    assert none.shape == (3, 2) and np.allclose(none.data, per, rtol=1e-5), "reduction='none' gives each element's loss"
    assert loss.requires_grad and all(q.is_leaf for q in loss._parents), "the loss must be one recorded operation on the inputs"
    loss.backward()
    assert np.allclose(x.grad.data, (S - Y) / 6, atol=1e-6), "dl/dx = sigmoid(x) - y, divided by 6 for the mean"

    # extreme logits: exact losses and gradients, no overflow
    for dtype in (np.float32, np.float64):
        big = Tensor([1e4, 1e4, -1e4, -1e4, 0.0], dtype=dtype, requires_grad=True)
        lab = Tensor([0.0, 1.0, 0.0, 1.0, 1.0], dtype=dtype, requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            out = binary_cross_entropy_with_logits(big, lab, reduction="none")
            out.backward(np.ones(5))
        assert np.allclose(out.data, [1e4, 0.0, 0.0, 1e4, np.log(2)]), f"{dtype.__name__} logits +-1e4: losses [1e4, 0, 0, 1e4, log 2], got {out.data}"
        assert np.allclose(big.grad.data, [1.0, 0.0, 0.0, -1.0, -0.5]), f"{dtype.__name__}: dl/dx = sigmoid(x) - y, got {big.grad.data}"
        assert np.allclose(lab.grad.data, [-1e4, -1e4, 1e4, 1e4, 0.0]), f"{dtype.__name__}: dl/dy = -x, got {lab.grad.data}"

    # gradient checks, with the target's gradient, every reduction and size-1 dimensions
    rng = np.random.default_rng(509)
    a = Tensor(rng.standard_normal((3, 1, 4)) * 3, dtype=np.float64, requires_grad=True)
    b = Tensor(rng.uniform(0, 1, (3, 1, 4)), dtype=np.float64, requires_grad=True)
    for reduction in REDUCTIONS:
        gradcheck(lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction), [a, b])

    # pos_weight, one weight per class along the last axis
    W = np.array([3.0, 0.5])
    want = -(W * Y * np.log(S) + (1 - Y) * np.log(1 - S))
    weighted = binary_cross_entropy_with_logits(Tensor(X, dtype=np.float64), Tensor(Y, dtype=np.float64), pos_weight=Tensor(W), reduction="none")
    assert np.allclose(weighted.data, want), f"pos_weight w: -(w y log s + (1 - y) log(1 - s)), expected {want}, got {weighted.data}"
    for reduction in REDUCTIONS:
        gradcheck(lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction, pos_weight=np.array([[2.0, 0.5, 1.0, 4.0]])), [a, b])
    try:
        binary_cross_entropy_with_logits(Tensor(np.zeros((3, 1))), Tensor(np.zeros(3)))
    except ValueError:
        pass
    else:
        raise AssertionError("logits (3, 1) with targets (3,) must raise ValueError, not broadcast to (3, 3)")

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Xr, Yr = rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        Wr = rng.uniform(0.2, 5.0, shape[-1:]) if rng.random() < 0.5 else None
        case = f"bce_with_logits random case {i} ({reduction}, pos_weight {'given' if Wr is not None else 'None'})"
        s = Tensor(Xr, dtype=np.float64, requires_grad=True)
        t = Tensor(Yr, dtype=np.float64, requires_grad=True)
        got = binary_cross_entropy_with_logits(s, t, reduction=reduction, pos_weight=Wr)
        observe(f"{case}: shape", tuple(got.shape))
        observe(f"{case}: value", got.data)
        got.backward(np.asarray(rng.standard_normal(got.shape)))  # in place of gradcheck: weighted gradients
        observe(f"{case}: d input", s.grad.data, rtol=1e-4, atol=1e-5)
        observe(f"{case}: d target", t.grad.data, rtol=1e-4, atol=1e-5)
        shifted = Xr + np.where(Xr > 0, 50.0, -50.0)
        with np.errstate(all="raise", under="ignore"):
            far = binary_cross_entropy_with_logits(Tensor(shifted), Tensor((Yr > 0.5).astype(np.float32)), reduction="none")
        observe(f"{case}: logits beyond +-50 in float32", far.data, rtol=1e-5, atol=1e-5)
    for reduction in REDUCTIONS:
        got = binary_cross_entropy_with_logits(Tensor(np.zeros((0, 2))), Tensor(np.zeros((0, 2))), reduction=reduction,
                                               pos_weight=np.array([2.0, 0.5]))
        observe(f"bce_with_logits on an empty batch, {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bce_with_logits()

# %% [markdown]
# ## 7. Loss modules
#
# `torch.nn` wraps each loss in a Module: its options are fixed in the constructor, and `loss_fn(output,
# target)` calls `forward`, so a loss sits in a training loop like any layer. The classes hold no parameters.
# The given base class `_Loss` checks and stores `reduction`; the constructors are given (`pos_weight` and the class
# `weight` are buffers, as in PyTorch). As in PyTorch, the options are keyword arguments, except the class weight,
# which may come first: `CrossEntropyLoss(w, ignore_index=0, label_smoothing=0.1)`.
#
# **Task: the five `forward` methods.** Each calls its function with the module's options.

# %% nbgrader={"grade": false, "grade_id": "loss-modules", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class _Loss(Module):
    """Base of the loss modules: stores `reduction` after checking it."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction


class MSELoss(_Loss):
    """Module form of mse_loss."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return mse_loss(input, target, reduction=self.reduction)
        ### END SOLUTION


def _weight_buffer(weight) -> Tensor | None:
    """The class weight as a Tensor, or None."""
    return weight if weight is None or isinstance(weight, Tensor) else Tensor(weight)


class CrossEntropyLoss(_Loss):
    """Module form of cross_entropy: logits (N, C) and integer targets (N,)."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction=reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
        self.register_buffer("weight", _weight_buffer(weight))  # saved and cast with the module, not learned
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        ### BEGIN SOLUTION
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                             label_smoothing=self.label_smoothing)
        ### END SOLUTION


class NLLLoss(_Loss):
    """Module form of nll_loss: log-probabilities (N, C) and integer targets (N,)."""

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", _weight_buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        ### BEGIN SOLUTION
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction)
        ### END SOLUTION


class BCELoss(_Loss):
    """Module form of binary_cross_entropy: probabilities and targets of one shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return binary_cross_entropy(input, target, reduction=self.reduction)
        ### END SOLUTION


class BCEWithLogitsLoss(_Loss):
    """Module form of binary_cross_entropy_with_logits: logits and targets of one shape."""

    def __init__(self, *, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction=reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            pos_weight = Tensor(pos_weight)
        self.register_buffer("pos_weight", pos_weight)  # as in PyTorch: saved and cast with the module, not learned

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return binary_cross_entropy_with_logits(input, target, reduction=self.reduction, pos_weight=self.pos_weight)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-loss-modules", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_loss_modules():
    """Each loss module is a Module without parameters whose call equals its function with the stored options."""
    rng = np.random.default_rng(511)
    X = rng.standard_normal((5, 3))
    T = np.array([0, 2, 1, 1, 0])
    B = rng.uniform(0, 1, (5, 3))
    P = rng.uniform(0.05, 0.95, (5, 3))
    W = np.array([2.0, 1.0, 0.5])
    cases = [
        (MSELoss(), lambda: mse_loss(Tensor(X), Tensor(B)), (X, B)),
        (MSELoss(reduction="none"), lambda: mse_loss(Tensor(X), Tensor(B), reduction="none"), (X, B)),
        (CrossEntropyLoss(), lambda: cross_entropy(Tensor(X), T), (X, T)),
        (CrossEntropyLoss(reduction="sum", label_smoothing=0.1),
         lambda: cross_entropy(Tensor(X), T, reduction="sum", label_smoothing=0.1), (X, T)),
        (NLLLoss(reduction="none"), lambda: nll_loss(Tensor(X), T, reduction="none"), (X, T)),
        (NLLLoss(), lambda: nll_loss(Tensor(X), T), (X, T)),
        (NLLLoss(W, reduction="sum", ignore_index=0), lambda: nll_loss(Tensor(X), T, W, reduction="sum", ignore_index=0), (X, T)),
        (CrossEntropyLoss(Tensor(W), ignore_index=1, label_smoothing=0.1),
         lambda: cross_entropy(Tensor(X), T, W, ignore_index=1, label_smoothing=0.1), (X, T)),
        (BCELoss(reduction="sum"), lambda: binary_cross_entropy(Tensor(P), Tensor(B), reduction="sum"), (P, B)),
        (BCEWithLogitsLoss(), lambda: binary_cross_entropy_with_logits(Tensor(X), Tensor(B)), (X, B)),
        (BCEWithLogitsLoss(reduction="none", pos_weight=Tensor(W)),
         lambda: binary_cross_entropy_with_logits(Tensor(X), Tensor(B), reduction="none", pos_weight=W), (X, B)),
    ]
    for module, function, (inp, tgt) in cases:
        name = type(module).__name__
        assert isinstance(module, Module), f"{name} must be a Module"
        assert list(module.parameters()) == [], f"{name} has no parameters"
        x = Tensor(inp, requires_grad=True)
        got = module(x, Tensor(tgt))
        want = function()
        assert isinstance(got, Tensor), f"{name}(input, target) must return a Tensor, got {type(got).__name__}"
        assert got.shape == want.shape and np.allclose(got.data, want.data, rtol=1e-5), f"{name} with reduction={module.reduction!r} differs from its function"
        got.backward(np.ones(got.shape, dtype=np.float32))
        assert x.grad is not None and x.grad.shape == x.shape, f"{name}: the input must receive a gradient"

    assert CrossEntropyLoss(label_smoothing=0.3).label_smoothing == 0.3, "CrossEntropyLoss must keep label_smoothing"
    for make in (lambda: MSELoss(reduction="avg"), lambda: BCEWithLogitsLoss(reduction="batchmean"),
                 lambda: CrossEntropyLoss(label_smoothing=1.5)):
        try:
            make()
        except ValueError:
            pass
        else:
            raise AssertionError("an invalid reduction or label_smoothing must raise ValueError in the constructor")

    ### BEGIN HIDDEN TESTS
    for i in range(3):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 5))
        Z, Yc = rng.standard_normal((n, c)), rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        s = float(rng.uniform(0, 0.5))
        got = CrossEntropyLoss(reduction=reduction, label_smoothing=s)(Tensor(Z, dtype=np.float64), Yc)
        observe(f"random CrossEntropyLoss {i} ({reduction}): shape", tuple(got.shape))
        observe(f"random CrossEntropyLoss {i} ({reduction}): value", got.data)
        Wc = rng.uniform(0.5, 2.0, c)
        got = CrossEntropyLoss(Wc, ignore_index=0, reduction=reduction)(Tensor(Z, dtype=np.float64), Yc)
        observe(f"random CrossEntropyLoss {i} ({reduction}), weight, ignore_index 0: value", got.data)
        got = NLLLoss(Wc, ignore_index=c - 1, reduction=reduction)(Tensor(Z, dtype=np.float64), Yc)
        observe(f"random NLLLoss {i} ({reduction}), weight, ignore_index {c - 1}: value", got.data)
        Bn = rng.uniform(0, 1, (n, c))
        got = BCEWithLogitsLoss(reduction=reduction)(Tensor(Z, dtype=np.float64), Tensor(Bn, dtype=np.float64))
        observe(f"random BCEWithLogitsLoss {i} ({reduction}): shape", tuple(got.shape))
        observe(f"random BCEWithLogitsLoss {i} ({reduction}): value", got.data)
        got = MSELoss(reduction=reduction)(Tensor(Z, dtype=np.float64), Tensor(Bn, dtype=np.float64))
        observe(f"random MSELoss {i} ({reduction}): value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_loss_modules()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: the losses, as modules and as functions. The table maps each
# PyTorch-shaped name to this module's object; `tito export` collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "nn.MSELoss": "MSELoss", "nn.CrossEntropyLoss": "CrossEntropyLoss", "nn.NLLLoss": "NLLLoss",
    "nn.BCELoss": "BCELoss", "nn.BCEWithLogitsLoss": "BCEWithLogitsLoss", "nn.functional.mse_loss": "mse_loss",
    "nn.functional.cross_entropy": "cross_entropy", "nn.functional.nll_loss": "nll_loss",
    "nn.functional.binary_cross_entropy": "binary_cross_entropy",
    "nn.functional.binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
}
