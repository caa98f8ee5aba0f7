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

# %% nbgrader={"grade": true, "grade_id": "test-mse-loss", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_mse_loss():
    """mse_loss is the mean, the sum or the array of (x - y)**2, one recorded operation on the inputs; the mean of an
    empty batch is nan; an unknown reduction raises ValueError."""
    x, y = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), Tensor([[1.0, 0.0], [5.0, 4.0]])
    loss = mse_loss(x, y)
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, f"the mean loss is a 0-d float32 Tensor, got {loss!r}"
    assert np.isclose(loss.item(), 2.0), f"squared errors are 0, 4, 4, 0: the mean is 2, got {loss.item()}"
    assert np.isclose(mse_loss(x, y, reduction="sum").item(), 8.0), "reduction='sum' of 0, 4, 4, 0 is 8"
    none = mse_loss(x, y, reduction="none")
    assert none.shape == (2, 2) and np.allclose(none.data, [[0.0, 4.0], [4.0, 0.0]]), f"reduction='none' gives each (x - y)**2, got {none.data}"
    assert loss.requires_grad and all(p.is_leaf for p in loss._parents), "the loss must be one recorded operation whose parents are the inputs"
    empty = mse_loss(Tensor(np.zeros((0, 2))), Tensor(np.zeros((0, 2))))
    assert np.isnan(empty.item()), f"the mean over an empty batch is 0 / 0 = nan, as in PyTorch, got {empty.item()}"
    for bad in ("avg", "elementwise_mean", None):
        assert error_message(ValueError, mse_loss, x, y, reduction=bad) is not None, f"reduction={bad!r} must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5011)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        X, Y = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = mse_loss(Tensor(X, dtype=np.float64), Tensor(Y, dtype=np.float64), reduction=reduction)
        observe(f"mse_loss random case {i} ({reduction}): shape", tuple(got.shape))
        observe(f"mse_loss random case {i} ({reduction}): value", got.data)
    half = mse_loss(Tensor([1.0, 3.0]), Tensor([0.0, 0.0], dtype=np.float64))
    observe("mse_loss float32 input, float64 target: dtype", str(half.dtype))
    observe("mse_loss float32 input, float64 target: value", half.item())
    for reduction in REDUCTIONS:
        got = mse_loss(Tensor(np.zeros((0, 3)), dtype=np.float64), np.zeros((0, 3)), reduction=reduction)
        observe(f"mse_loss on an empty batch, {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mse_loss()

# %% nbgrader={"grade": true, "grade_id": "test-mse-loss-grads", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_mse_loss_grads():
    """d/dx = 2 (x - y) times the reduction's scale (1/N for the mean, 1 for the sum) and d/dy = -d/dx; backward
    matches central differences when shapes broadcast, which warns."""
    cases = [("mean", [[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [5.0, 4.0]], [[0.0, 1.0], [-1.0, 0.0]]),
             ("sum", [0.5, -1.0, 2.0], [1.0, 1.0, 1.0], [-1.0, -4.0, 2.0])]
    for reduction, X, Y, want in cases:
        x, y = Tensor(X, dtype=np.float64, requires_grad=True), Tensor(Y, dtype=np.float64, requires_grad=True)
        mse_loss(x, y, reduction=reduction).backward()
        assert np.allclose(x.grad.data, want) and np.allclose(-y.grad.data, want), f"{reduction}: want dx = -dy = {want}, got {x.grad.data}, {y.grad.data}"
    rng = np.random.default_rng(501)
    U, V = rng.standard_normal((3, 1, 2)), rng.standard_normal((4, 2))
    with warnings.catch_warnings(record=True, action="always") as caught:
        for reduction in REDUCTIONS:
            check_grads(Tensor, lambda p, q: mse_loss(p, q, reduction=reduction), U, V, name=f"mse_loss {reduction}")
        assert mse_loss(Tensor(U), Tensor(V), reduction="none").shape == (3, 4, 2), "(3, 1, 2) and (4, 2) broadcast to (3, 4, 2)"
    assert any("broadcast" in str(w.message) for w in caught), "a shape mismatch must warn"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5012)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        X, Y = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        observe_grads(f"mse_loss random case {i} ({reduction})", Tensor,
                      lambda p, q: mse_loss(p, q, reduction=reduction), X, Y, rtol=1e-4, atol=1e-5)
        p = Tensor(X, dtype=np.float64, requires_grad=True)
        mse_loss(p, Y).backward()
        observe(f"mse_loss random case {i}: d input, mean with an ndarray target", p.grad.data)
    r = Tensor(rng.standard_normal((5, 1)), dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wide = mse_loss(r, np.arange(3.0)[None, :], reduction="sum")
        wide.backward()
    observe("mse_loss (5, 1) against (1, 3), sum: value", wide.data)
    observe("mse_loss (5, 1) against (1, 3), sum: gradient summed over the broadcast axis", r.grad.data)
    for reduction in REDUCTIONS:
        e = Tensor(np.zeros((0, 3)), dtype=np.float64, requires_grad=True)
        got = mse_loss(e, np.zeros((0, 3)), reduction=reduction)
        got.backward(np.ones(got.shape))
        observe(f"mse_loss on an empty batch, {reduction}: gradient shape", tuple(e.grad.shape))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mse_loss_grads()

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

# %% nbgrader={"grade": true, "grade_id": "test-nll-loss", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_nll_loss():
    """nll_loss is minus the log-probability of each sample's target class: the mean, the sum or one per sample; a
    (C,) input with a 0-d target is one sample."""
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.3, 0.3, 0.4]])
    logp, y, picked = Tensor(np.log(probs)), Tensor([0, 2, 1, 0]), np.log([0.7, 0.8, 0.5, 0.3])
    loss = nll_loss(logp, y)
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), -picked.mean(), rtol=1e-5), f"-mean(log [0.7, 0.8, 0.5, 0.3]) = {-picked.mean():.6f}, got {loss.item()}"
    assert np.isclose(nll_loss(logp, y, reduction="sum").item(), -picked.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = nll_loss(logp, y, reduction="none")
    assert none.shape == (4,) and np.allclose(none.data, -picked, rtol=1e-5), f"reduction='none' gives one loss per sample, got {none.data}"
    single = Tensor(np.log([0.2, 0.3, 0.5]), dtype=np.float64)
    one = nll_loss(single, 2)
    assert one.shape == () and np.isclose(one.item(), -np.log(0.5)), f"(C,) input with target 2: -log 0.5, got {one.item()}"
    assert nll_loss(single, Tensor(1), reduction="none").shape == (), "reduction='none' on one sample gives a 0-d loss"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5031)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        X, T = rng.standard_normal((n, c)), rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = nll_loss(Tensor(X, dtype=np.float64), Tensor(T), reduction=reduction)
        observe(f"nll_loss random case {i} ({n}, {c}), {reduction}: shape", tuple(got.shape))
        observe(f"nll_loss random case {i} ({n}, {c}), {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_nll_loss()

# %% nbgrader={"grade": true, "grade_id": "test-nll-loss-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_nll_loss_grads():
    """The gradient is -scale at each target entry (-1/N for the mean), 0 elsewhere; central differences agree."""
    logp = Tensor(np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.3, 0.3, 0.4]]), requires_grad=True)
    loss = nll_loss(logp, Tensor([0, 2, 1, 0]))
    assert loss.requires_grad and all(p.is_leaf for p in loss._parents), "the loss must be one recorded operation on the input"
    loss.backward()
    want = -0.25 * np.eye(3)[[0, 2, 1, 0]]  # -1/N at each sample's target class
    assert np.allclose(logp.grad.data, want), f"the gradient is -1/N at each target entry and 0 elsewhere, got {logp.grad.data}"
    single = Tensor(np.log([0.2, 0.3, 0.5]), dtype=np.float64, requires_grad=True)
    nll_loss(single, 2).backward()
    assert np.allclose(single.grad.data, [0.0, 0.0, -1.0]), f"one sample: gradient -1 at the target, got {single.grad.data}"
    rng = np.random.default_rng(503)
    Z, t = rng.standard_normal((5, 4)), rng.integers(0, 4, size=5)
    t[:2] = 3  # a class picked twice
    for reduction in REDUCTIONS:
        check_grads(Tensor, lambda a: nll_loss(a, t, reduction=reduction), Z, name=f"nll_loss {reduction}")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5032)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        X, T = rng.standard_normal((n, c)), rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        observe_grads(f"nll_loss random case {i} ({n}, {c}), {reduction}", Tensor,
                      lambda a: nll_loss(a, Tensor(T), reduction=reduction), X, rtol=1e-4, atol=1e-5)
        g = Tensor(X, dtype=np.float64, requires_grad=True)
        nll_loss(g, T, reduction="sum").backward()
        observe(f"nll_loss random case {i} ({n}, {c}): gradient of the sum", g.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_nll_loss_grads()

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

# %% jupyter={"source_hidden": true}
# Given: data and helpers that several tests below share (not exported).
LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])  # 4 samples, 3 classes


def softmax_rows(a):
    """softmax along the last axis, written out in NumPy."""
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def same_as_function(module, function, options, inp, tgt):
    """Assert that module is a Module without parameters, that module(x, target) equals
    function(x, target, **options), and that x receives a gradient."""
    name = type(module).__name__
    assert isinstance(module, Module), f"{name} must be a Module"
    assert list(module.parameters()) == [], f"{name} has no parameters"
    x = Tensor(inp, requires_grad=True)
    got, want = module(x, Tensor(tgt)), function(Tensor(inp), Tensor(tgt), **options)
    assert isinstance(got, Tensor), f"{name}(input, target) must return a Tensor, got {type(got).__name__}"
    assert got.shape == want.shape and np.allclose(got.data, want.data, rtol=1e-5), \
        f"{name} with options {options} differs from {function.__name__}"
    got.backward(np.ones(got.shape, dtype=np.float32))
    assert x.grad is not None and x.grad.shape == x.shape, f"{name}: the input must receive a gradient"

# %% [markdown]
# The next four cells test values and gradients against closed forms, the identity with
# `nll_loss(log_softmax(x))` from module 03, label smoothing, stability at logits of +-10,000 under
# `np.errstate(all="raise", under="ignore")` (overflow, division by zero and nan raise; underflow to 0 is the
# correct rounding of exp(-20000)), and the target errors of `_class_targets`.

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_cross_entropy():
    """cross_entropy is log-sum-exp minus the target logit, -log softmax(x)[y]: the mean, the sum or one per sample;
    equal logits over C classes give log C."""
    flat = cross_entropy(Tensor(np.zeros((3, 4))), Tensor([0, 1, 3]))
    assert isinstance(flat, Tensor) and flat.shape == () and flat.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(flat.item(), np.log(4), rtol=1e-6), f"equal logits over 4 classes: the loss is log 4, got {flat.item()}"
    x, T = Tensor(LOGITS, dtype=np.float64), np.array([0, 2, 2, 1])
    per = -np.log(softmax_rows(LOGITS)[np.arange(4), T])
    assert np.isclose(cross_entropy(x, T).item(), per.mean()), f"mean of -log softmax(x)[y]: expected {per.mean():.8f}"
    assert np.isclose(cross_entropy(x, T, reduction="sum").item(), per.sum()), "reduction='sum' is wrong"
    none = cross_entropy(x, T, reduction="none")
    assert none.shape == (4,) and np.allclose(none.data, per), f"reduction='none' gives one loss per sample, got {none.data}"
    single = cross_entropy(Tensor([1.0, 2.0, 3.0], dtype=np.float64), 1)
    want = -np.log(softmax_rows(np.array([1.0, 2.0, 3.0]))[1])
    assert single.shape == () and np.isclose(single.item(), want), f"(C,) logits with target 1: a 0-d {want}, got {single!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(505)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        Z, Y = rng.standard_normal((n, c)) * 3, rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = cross_entropy(Tensor(Z, dtype=np.float64), Tensor(Y), reduction=reduction)
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}: shape", tuple(got.shape))
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_cross_entropy()

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads

from tinytorch.core.activations import log_softmax


def test_cross_entropy_grads():
    """The gradient is (softmax(x) - onehot(y)) * scale from one recorded operation, the same as that of
    nll_loss(log_softmax(x), y); backward matches central differences."""
    T, a, b = np.array([0, 2, 2, 1]), Tensor(LOGITS, dtype=np.float64, requires_grad=True), Tensor(LOGITS, dtype=np.float64, requires_grad=True)
    fused, composed = cross_entropy(a, T), nll_loss(log_softmax(b), T)
    assert fused.requires_grad and all(p.is_leaf for p in fused._parents), "the loss must be one recorded operation on the input"
    fused.backward()
    composed.backward()
    assert np.allclose(a.grad.data, (softmax_rows(LOGITS) - np.eye(3)[T]) / 4), "the gradient of the mean is (softmax(x) - onehot(y)) / N"
    assert np.isclose(fused.item(), composed.item()) and np.allclose(a.grad.data, b.grad.data), "value or gradient differs from nll_loss(log_softmax(x), y)"
    v = Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    cross_entropy(v, 1).backward()
    assert np.allclose(v.grad.data, softmax_rows(np.array([1.0, 2.0, 3.0])) - [0, 1, 0]), f"(C,) input: wrong gradient {v.grad.data}"
    for reduction in REDUCTIONS:
        check_grads(Tensor, lambda z: cross_entropy(z, T, reduction=reduction), LOGITS, name=f"cross_entropy {reduction}")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5051)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        Z, Y = rng.standard_normal((n, c)) * 3, rng.integers(0, c, size=n)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        observe(f"cross_entropy random case {i}: shape", tuple(cross_entropy(Tensor(Z), Y, reduction=reduction).shape))
        observe_grads(f"cross_entropy random case {i} ({n}, {c}), {reduction}", Tensor,
                      lambda z: cross_entropy(z, Tensor(Y), reduction=reduction), Z, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_cross_entropy_grads()

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-smoothing", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_cross_entropy_smoothing():
    """Label smoothing eps trains towards q = (1 - eps) onehot(y) + eps / C: l_i = -sum_c q_c log p_ic, and the
    gradient is softmax(x) - q."""
    T, eps = np.array([0, 2, 2, 1]), 0.2
    P, q = softmax_rows(LOGITS), (1 - eps) * np.eye(3)[T] + eps / 3
    smooth = cross_entropy(Tensor(LOGITS, dtype=np.float64), T, label_smoothing=eps, reduction="none")
    assert np.allclose(smooth.data, -(q * np.log(P)).sum(axis=1)), f"label smoothing: l_i = -sum_c q_c log p_ic, got {smooth.data}"
    x = Tensor(LOGITS, dtype=np.float64, requires_grad=True)
    cross_entropy(x, T, label_smoothing=eps, reduction="sum").backward()
    assert np.allclose(x.grad.data, P - q), f"label smoothing: the gradient is softmax(x) - q, got {x.grad.data}"
    check_grads(Tensor, lambda z: cross_entropy(z, T, label_smoothing=eps), LOGITS, name="cross_entropy, label_smoothing=0.2")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5052)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        Z, Y = rng.standard_normal((n, c)) * 3, rng.integers(0, c, size=n)
        s = float(rng.choice([0.1, 0.35, 0.6]))
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = cross_entropy(Tensor(Z, dtype=np.float64), Tensor(Y), reduction=reduction, label_smoothing=s)
        observe(f"cross_entropy random case {i} ({n}, {c}), {reduction}, eps={s}: value", got.data)
        observe_grads(f"cross_entropy random case {i} ({n}, {c}), {reduction}, eps={s}", Tensor,
                      lambda z: cross_entropy(z, Tensor(Y), reduction=reduction, label_smoothing=s), Z, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_cross_entropy_smoothing()

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-edges", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_cross_entropy_edges():
    """Logits of +-1e4 give exact losses and finite gradients in float32 and float64 (log-sum-exp); a target
    outside [0, C) raises IndexError naming it and C; a float or misshaped target raises TypeError or ValueError."""
    for dtype in (np.float32, np.float64):
        big = Tensor([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype, requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            (out := cross_entropy(big, [0, 1, 2], reduction="none")).backward(np.ones(3))
        assert np.allclose(out.data, [0.0, 2e4, np.log(3)], rtol=1e-5), f"{dtype.__name__} logits +-1e4: losses [0, 2e4, log 3], got {out.data}"
        assert np.allclose(big.grad.data, [[0, 0, 0], [1, -1, 0], [1 / 3, 1 / 3, -2 / 3]], atol=1e-6), \
            f"{dtype.__name__} logits +-1e4: the gradient softmax - onehot, finite, got {big.grad.data}"
    for bad, value in (([0, 4, 1], "4"), ([0, -1, 1], "-1")):
        message = error_message(IndexError, cross_entropy, Tensor(LOGITS[:3]), bad)
        assert message is not None and value in message and "3" in message, f"target {value} with 3 classes: IndexError naming {value} and C = 3, got {message!r}"
    for bad in ([0.0, 1.0, 2.0, 1.0], [0, 1]):
        assert error_message((TypeError, ValueError), cross_entropy, Tensor(LOGITS), np.array(bad)) is not None, \
            f"target {bad} for input (4, 3) must raise TypeError (float) or ValueError (shape)"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5053)
    for i in range(6):
        n, c = int(rng.integers(1, 7)), int(rng.integers(1, 6))
        Z, Y = rng.standard_normal((n, c)) * 3, rng.integers(0, c, size=n)
        Zq = np.round(Z * 256) / 256  # exact in float32 even after adding +-1e4
        z32 = Tensor(Zq + rng.choice([-1e4, 1e4], size=(n, 1)), requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            out = cross_entropy(z32, Y)
            out.backward()
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, dtype", str(out.dtype))
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, float32 loss", out.item(), rtol=1e-5, atol=1e-5)
        observe(f"cross_entropy random case {i}: rows shifted by +-1e4, gradient", z32.grad.data, atol=1e-6)
    message = error_message(IndexError, cross_entropy, Tensor(np.zeros((2, 5))), [1, 7])
    observe("cross_entropy target 7 with 5 classes: IndexError naming 7 and 5",
            "no error" if message is None else "7" in message and "5" in message)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_cross_entropy_edges()

# %% [markdown]
# The next two cells test `weight` and `ignore_index` of `nll_loss` and `cross_entropy` (sections 3 and 4): values,
# the weighted mean, zero gradients for ignored samples, NaN when nothing is kept or the batch is empty.

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-weights", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, error_message, observe_grads


def test_class_weights():
    """With class weights, a kept sample's loss is w[t] times its loss, an ignored one (target -100) gives 0 and no
    gradient, and the mean divides by the kept weight sum; backward matches central differences."""
    T, W, logp = np.array([0, 2, -100, 1]), np.array([1.0, 2.0, 0.5]), LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    per = np.array([-1.0 * logp[0, 0], -0.5 * logp[1, 2], 0.0, -2.0 * logp[3, 1]])
    for f, inp in ((nll_loss, logp), (cross_entropy, LOGITS)):
        x = Tensor(inp, dtype=np.float64, requires_grad=True)
        none = f(x, T, W, reduction="none")
        assert none.shape == (4,) and np.allclose(none.data, per), f"{f.__name__}: w[t] * loss, 0 for target -100; got {none.data}"
        assert np.isclose(f(x, T, W, reduction="sum").item(), per.sum()), f"{f.__name__}: the sum of the weighted losses"
        mean = f(x, T, W)
        assert np.isclose(mean.item(), per.sum() / 3.5), f"{f.__name__}: the mean divides by the kept weights 1 + 0.5 + 2"
        mean.backward()
        assert np.array_equal(x.grad.data[2], np.zeros(3)), f"{f.__name__}: an ignored sample gets no gradient"
        check_grads(Tensor, lambda a: f(a, T, W), inp, name=f"{f.__name__} with class weights")
    check_grads(Tensor, lambda a: cross_entropy(a, T, W, label_smoothing=0.2), LOGITS, name="cross_entropy, weights, smoothing")

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
            got = f(Tensor(Z, dtype=np.float64), Y, Wc, ignore_index=ignore, reduction=reduction, **kw)
            observe(f"{f.__name__} {case}: shape", tuple(got.shape))
            observe(f"{f.__name__} {case}: value", got.data)
            observe_grads(f"{f.__name__} {case}", Tensor, lambda a: f(a, Y, Wc, ignore_index=ignore, reduction=reduction, **kw),
                          Z, rtol=1e-4, atol=1e-5)
    message = error_message(ValueError, cross_entropy, Tensor(np.zeros((2, 3))), [0, 1], np.ones(4))
    observe("cross_entropy with 4 weights for 3 classes: ValueError naming 3", "no error" if message is None else "3" in message)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_class_weights()

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-ignored", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_ignored_targets():
    """When every target is ignored, or the batch is empty, the mean is 0 / 0 = nan, as in PyTorch; ignore_index may
    name a real class, whose samples then count nothing."""
    logp = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    for f, inp in ((nll_loss, logp), (cross_entropy, LOGITS)):
        nothing = f(Tensor(inp[:2], requires_grad=True), [-100, -100])
        assert np.isnan(nothing.item()), f"{f.__name__}: every target ignored gives 0 / 0 = nan, as in PyTorch, got {nothing.item()}"
        empty = f(Tensor(np.zeros((0, 3))), np.zeros(0, dtype=np.int64))
        assert np.isnan(empty.item()), f"{f.__name__}: the mean over an empty batch is nan, got {empty.item()}"
        kept = f(Tensor(inp), [0, 2, 2, 1], ignore_index=2).item()
        assert np.isclose(kept, f(Tensor(inp[[0, 3]]), [0, 1]).item()), f"{f.__name__}: ignore_index=2 drops the samples of class 2"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(514)
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
        Z = rng.standard_normal((6, 3))
        observe(f"{f.__name__}: ignore_index 1 on a real class, sum", f(Tensor(Z, dtype=np.float64), [0, 1, 2, 1, 1, 0],
                ignore_index=1, reduction="sum").item())
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_ignored_targets()

# %%
if __name__ == "__main__":
    # The loss of an untrained classifier on 64 samples: logits of standard deviation 0.01 (every class about
    # equally likely) and of standard deviation 10, for 10 and 1,000 classes.
    _rng = np.random.default_rng(0)
    for _classes in (10, 1000):
        for _std in (0.01, 10.0):
            _logits = Tensor(_std * _rng.standard_normal((64, _classes)).astype(np.float32))
            _loss = cross_entropy(_logits, _rng.integers(0, _classes, 64))
            print(f"{_classes:>5} classes, logits std {_std:>5}: loss {_loss.item():7.3f}   log(C) = {np.log(_classes):.3f}")

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

# %% nbgrader={"grade": true, "grade_id": "test-binary-cross-entropy", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_binary_cross_entropy():
    """binary_cross_entropy is -(y log p + (1 - y) log(1 - p)) per element, reduced; p outside [0, 1] or a shape
    other than the target's raises ValueError."""
    P, Y = np.array([[0.9, 0.2], [0.5, 0.6], [0.3, 0.99]]), np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0]])
    per = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    loss = binary_cross_entropy(Tensor(P), Tensor(Y))
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), per.mean(), rtol=1e-5), f"expected {per.mean():.6f}, got {loss.item()}"
    assert np.isclose(binary_cross_entropy(Tensor(P), Tensor(Y), reduction="sum").item(), per.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = binary_cross_entropy(Tensor(P), Tensor(Y), reduction="none")
    assert none.shape == (3, 2) and np.allclose(none.data, per, rtol=1e-5), "reduction='none' gives each element's loss"
    for bad_p, bad_y in ((np.array([0.5, 1.5]), np.ones(2)), (np.full((3, 1), 0.5), np.ones(3))):
        assert error_message(ValueError, binary_cross_entropy, Tensor(bad_p), Tensor(bad_y)) is not None, \
            f"p = {bad_p.tolist()} with y of shape {bad_y.shape} must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5071)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Pr, Yr = rng.uniform(0.02, 0.98, shape), rng.uniform(0.0, 1.0, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = binary_cross_entropy(Tensor(Pr, dtype=np.float64), Tensor(Yr, dtype=np.float64), reduction=reduction)
        observe(f"binary_cross_entropy random case {i} ({reduction}): shape", tuple(got.shape))
        observe(f"binary_cross_entropy random case {i} ({reduction}): value", got.data)
    for reduction in REDUCTIONS:
        got = binary_cross_entropy(Tensor(np.zeros(0)), Tensor(np.zeros(0)), reduction=reduction)
        observe(f"binary_cross_entropy on an empty batch, {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_binary_cross_entropy()

# %% nbgrader={"grade": true, "grade_id": "test-binary-cross-entropy-grads", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_binary_cross_entropy_grads():
    """dl/dp = (p - y) / (p (1 - p)) and dl/dy = log(1 - p) - log(p), from one recorded operation; backward matches
    central differences."""
    P, Y = np.array([[0.9, 0.2], [0.5, 0.6], [0.3, 0.99]]), np.array([[1.0, 0.0], [1.0, 0.5], [0.0, 1.0]])
    p = Tensor(P, requires_grad=True)
    loss = binary_cross_entropy(p, Tensor(Y))
    assert loss.requires_grad and all(q.is_leaf for q in loss._parents), "the loss must be one recorded operation on the inputs"
    loss.backward()
    assert np.allclose(p.grad.data, (P - Y) / (P * (1 - P)) / 6, rtol=1e-4), "dl/dp = (p - y) / (p (1 - p)), divided by 6 for the mean"
    rng = np.random.default_rng(507)
    A, B = rng.uniform(0.05, 0.95, (4, 1, 3)), rng.uniform(0.0, 1.0, (4, 1, 3))
    for reduction in REDUCTIONS:
        check_grads(Tensor, lambda s, t: binary_cross_entropy(s, t, reduction=reduction), A, B, name=f"binary_cross_entropy {reduction}")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5072)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Pr, Yr = rng.uniform(0.02, 0.98, shape), rng.uniform(0.0, 1.0, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        observe(f"binary_cross_entropy random case {i}: shape", tuple(binary_cross_entropy(Tensor(Pr), Tensor(Yr), reduction=reduction).shape))
        observe_grads(f"binary_cross_entropy random case {i} ({reduction})", Tensor,
                      lambda s, t: binary_cross_entropy(s, t, reduction=reduction), Pr, Yr, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_binary_cross_entropy_grads()

# %% nbgrader={"grade": true, "grade_id": "test-binary-cross-entropy-clamp", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_binary_cross_entropy_clamp():
    """At p = 0 and p = 1 each log is clamped at -100, so a loss is at most 100; p (1 - p) is bounded below by 1e-12,
    so dl/dp is finite; dl/dy uses the clamped logs."""
    edge = Tensor([0.0, 1.0, 0.0, 1.0], dtype=np.float64, requires_grad=True)
    target = Tensor([0.0, 1.0, 1.0, 0.0], dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        out = binary_cross_entropy(edge, target, reduction="none")
        out.backward(np.ones(4))
    assert np.allclose(out.data, [0.0, 0.0, 100.0, 100.0]), f"each log is clamped at -100: losses [0, 0, 100, 100], got {out.data}"
    assert np.allclose(edge.grad.data, [0.0, 0.0, -1e12, 1e12]), f"p (1 - p) is bounded below by 1e-12: got {edge.grad.data}"
    assert np.allclose(target.grad.data, [100.0, -100.0, 100.0, -100.0]), f"dl/dy = log(1 - p) - log(p), clamped: got {target.grad.data}"
    with np.errstate(all="raise", under="ignore"):
        out32 = binary_cross_entropy(Tensor([0.0, 1.0, 0.0, 1.0]), Tensor([0.0, 1.0, 1.0, 0.0]), reduction="none")
    assert np.allclose(out32.data, [0.0, 0.0, 100.0, 100.0]), f"float32: losses [0, 0, 100, 100], got {out32.data}"

    ### BEGIN HIDDEN TESTS
    out = binary_cross_entropy(Tensor([1e-30, 1 - 1e-12], dtype=np.float64), Tensor([1.0, 0.0], dtype=np.float64), reduction="sum")
    observe("binary_cross_entropy at p = 1e-30 and 1 - 1e-12: logs above -100 are not clamped", out.item(), rtol=1e-3)
    rng = np.random.default_rng(5073)
    p = Tensor(rng.choice([0.0, 1.0], size=6), dtype=np.float64, requires_grad=True)
    y = Tensor(rng.uniform(0, 1, 6), dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        out = binary_cross_entropy(p, y, reduction="sum")
        out.backward()
    observe("binary_cross_entropy at p in {0, 1}, soft targets: loss", out.item(), rtol=1e-9)
    observe("binary_cross_entropy at p in {0, 1}, soft targets: gradients (p, y)", [p.grad.data, y.grad.data], rtol=1e-9)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_binary_cross_entropy_clamp()

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

# %% nbgrader={"grade": true, "grade_id": "test-bce-with-logits", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_bce_with_logits():
    """binary_cross_entropy_with_logits(x, y) is binary_cross_entropy(sigmoid(x), y), reduced; logits (3, 1) with
    targets (3,) raise ValueError instead of broadcasting to (3, 3)."""
    X, Y = np.array([[2.0, -1.0], [0.0, 3.5], [-4.0, 0.5]]), np.array([[1.0, 0.0], [1.0, 0.3], [0.0, 1.0]])
    S = 1 / (1 + np.exp(-X))
    per = -(Y * np.log(S) + (1 - Y) * np.log(1 - S))
    loss = binary_cross_entropy_with_logits(Tensor(X), Tensor(Y))
    assert isinstance(loss, Tensor) and loss.shape == () and loss.dtype == np.float32, "the mean loss is a 0-d float32 Tensor"
    assert np.isclose(loss.item(), per.mean(), rtol=1e-5), f"expected {per.mean():.6f}, got {loss.item()}"
    assert np.isclose(binary_cross_entropy_with_logits(Tensor(X), Tensor(Y), reduction="sum").item(), per.sum(), rtol=1e-5), "reduction='sum' is wrong"
    none = binary_cross_entropy_with_logits(Tensor(X), Tensor(Y), reduction="none")
    assert none.shape == (3, 2) and np.allclose(none.data, per, rtol=1e-5), "reduction='none' gives each element's loss"
    assert error_message(ValueError, binary_cross_entropy_with_logits, Tensor(np.zeros((3, 1))), Tensor(np.zeros(3))) is not None, \
        "logits (3, 1) with targets (3,) must raise ValueError, not broadcast to (3, 3)"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5091)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Xr, Yr = rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = binary_cross_entropy_with_logits(Tensor(Xr, dtype=np.float64), Tensor(Yr, dtype=np.float64), reduction=reduction)
        observe(f"bce_with_logits random case {i} ({reduction}): shape", tuple(got.shape))
        observe(f"bce_with_logits random case {i} ({reduction}): value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bce_with_logits()

# %% nbgrader={"grade": true, "grade_id": "test-bce-with-logits-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_bce_with_logits_grads():
    """dl/dx = sigmoid(x) - y and dl/dy = -x, from one recorded operation; backward matches central differences."""
    X, Y = np.array([[2.0, -1.0], [0.0, 3.5], [-4.0, 0.5]]), np.array([[1.0, 0.0], [1.0, 0.3], [0.0, 1.0]])
    x, y = Tensor(X, requires_grad=True), Tensor(Y, requires_grad=True)
    loss = binary_cross_entropy_with_logits(x, y)
    assert loss.requires_grad and all(q.is_leaf for q in loss._parents), "the loss must be one recorded operation on the inputs"
    loss.backward()
    assert np.allclose(x.grad.data, (1 / (1 + np.exp(-X)) - Y) / 6, atol=1e-6), "dl/dx = sigmoid(x) - y, divided by 6 for the mean"
    assert np.allclose(y.grad.data, -X / 6, atol=1e-6), f"dl/dy = -x, divided by 6 for the mean, got {y.grad.data}"
    rng = np.random.default_rng(509)
    A, B = rng.standard_normal((3, 1, 4)) * 3, rng.uniform(0, 1, (3, 1, 4))
    for reduction in REDUCTIONS:
        check_grads(Tensor, lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction), A, B, name=f"bce_with_logits {reduction}")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5092)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Xr, Yr = rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape)
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        observe(f"bce_with_logits random case {i}: shape", tuple(binary_cross_entropy_with_logits(Tensor(Xr), Tensor(Yr), reduction=reduction).shape))
        observe_grads(f"bce_with_logits random case {i} ({reduction})", Tensor,
                      lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction), Xr, Yr, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bce_with_logits_grads()

# %% nbgrader={"grade": true, "grade_id": "test-bce-with-logits-extremes", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_bce_with_logits_extremes():
    """At logits of +-1e4, in float32 and float64, the losses and the gradients sigmoid(x) - y and -x are exact,
    with no overflow (max(x, 0) - x y + log(1 + exp(-|x|)))."""
    for dtype in (np.float32, np.float64):
        big = Tensor([1e4, 1e4, -1e4, -1e4, 0.0], dtype=dtype, requires_grad=True)
        lab = Tensor([0.0, 1.0, 0.0, 1.0, 1.0], dtype=dtype, requires_grad=True)
        with np.errstate(all="raise", under="ignore"):
            out = binary_cross_entropy_with_logits(big, lab, reduction="none")
            out.backward(np.ones(5))
        assert np.allclose(out.data, [1e4, 0.0, 0.0, 1e4, np.log(2)]), f"{dtype.__name__} logits +-1e4: losses [1e4, 0, 0, 1e4, log 2], got {out.data}"
        assert np.allclose(big.grad.data, [1.0, 0.0, 0.0, -1.0, -0.5]), f"{dtype.__name__}: dl/dx = sigmoid(x) - y, got {big.grad.data}"
        assert np.allclose(lab.grad.data, [-1e4, -1e4, 1e4, 1e4, 0.0]), f"{dtype.__name__}: dl/dy = -x, got {lab.grad.data}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5094)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Xr, Yr = rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape)
        shifted = Xr + np.where(Xr > 0, 50.0, -50.0)
        with np.errstate(all="raise", under="ignore"):
            far = binary_cross_entropy_with_logits(Tensor(shifted), Tensor((Yr > 0.5).astype(np.float32)), reduction="none")
        observe(f"bce_with_logits random case {i}: logits beyond +-50 in float32", far.data, rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bce_with_logits_extremes()

# %%
if __name__ == "__main__":
    # A confidently wrong prediction in float32 (label 0, logit x): the loss and dl/dx through
    # binary_cross_entropy(sigmoid(x), y) and through binary_cross_entropy_with_logits(x, y).
    from tinytorch.core.activations import sigmoid
    for _x in (2.0, 10.0, 20.0, 40.0):
        _row = []
        for _loss_of in (lambda z, y: binary_cross_entropy(sigmoid(z), y), binary_cross_entropy_with_logits):
            _logit = Tensor([_x], requires_grad=True)
            _loss = _loss_of(_logit, Tensor([0.0]))
            _loss.backward()
            _row.append(f"loss {_loss.item():8.4f}  dl/dx {_logit.grad.data[0]:.4f}")
        print(f"x = {_x:2.0f}   from probabilities: {_row[0]}   from logits: {_row[1]}")

# %% nbgrader={"grade": true, "grade_id": "test-bce-with-logits-pos-weight", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_bce_with_logits_pos_weight():
    """pos_weight w, one per class along the last axis, scales the positive term: -(w y log s + (1 - y) log(1 - s));
    backward matches central differences."""
    X, Y = np.array([[2.0, -1.0], [0.0, 3.5], [-4.0, 0.5]]), np.array([[1.0, 0.0], [1.0, 0.3], [0.0, 1.0]])
    S, W = 1 / (1 + np.exp(-X)), np.array([3.0, 0.5])
    want = -(W * Y * np.log(S) + (1 - Y) * np.log(1 - S))
    weighted = binary_cross_entropy_with_logits(Tensor(X, dtype=np.float64), Tensor(Y, dtype=np.float64), pos_weight=Tensor(W), reduction="none")
    assert np.allclose(weighted.data, want), f"pos_weight w: -(w y log s + (1 - y) log(1 - s)), expected {want}, got {weighted.data}"
    rng = np.random.default_rng(509)
    A, B = rng.standard_normal((3, 1, 4)) * 3, rng.uniform(0, 1, (3, 1, 4))
    for reduction in REDUCTIONS:
        check_grads(Tensor, lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction, pos_weight=np.array([[2.0, 0.5, 1.0, 4.0]])),
                    A, B, name=f"bce_with_logits {reduction}, pos_weight")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5093)
    for i in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        Xr, Yr, Wr = rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape), rng.uniform(0.2, 5.0, shape[-1:])
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = binary_cross_entropy_with_logits(Tensor(Xr, dtype=np.float64), Tensor(Yr, dtype=np.float64), reduction=reduction, pos_weight=Wr)
        observe(f"bce_with_logits random case {i} ({reduction}, pos_weight): value", got.data)
        observe_grads(f"bce_with_logits random case {i} ({reduction}, pos_weight)", Tensor,
                      lambda s, t: binary_cross_entropy_with_logits(s, t, reduction=reduction, pos_weight=Wr), Xr, Yr,
                      rtol=1e-4, atol=1e-5)
    for reduction in REDUCTIONS:
        got = binary_cross_entropy_with_logits(Tensor(np.zeros((0, 2))), Tensor(np.zeros((0, 2))), reduction=reduction,
                                               pos_weight=np.array([2.0, 0.5]))
        observe(f"bce_with_logits on an empty batch, {reduction}: value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bce_with_logits_pos_weight()

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

# %% nbgrader={"grade": true, "grade_id": "test-loss-modules", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_loss_modules():
    """CrossEntropyLoss and NLLLoss are Modules without parameters whose call equals their function with the stored
    options; an invalid reduction or label_smoothing raises ValueError in the constructor."""
    rng = np.random.default_rng(511)
    X, T, W = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0]), np.array([2.0, 1.0, 0.5])
    same_as_function(CrossEntropyLoss(), cross_entropy, {}, X, T)
    same_as_function(CrossEntropyLoss(reduction="sum", label_smoothing=0.1), cross_entropy, {"reduction": "sum", "label_smoothing": 0.1}, X, T)
    same_as_function(CrossEntropyLoss(Tensor(W), ignore_index=1, label_smoothing=0.1), cross_entropy,
                     {"weight": W, "ignore_index": 1, "label_smoothing": 0.1}, X, T)
    same_as_function(NLLLoss(reduction="none"), nll_loss, {"reduction": "none"}, X, T)
    same_as_function(NLLLoss(), nll_loss, {}, X, T)
    same_as_function(NLLLoss(W, reduction="sum", ignore_index=0), nll_loss, {"weight": W, "reduction": "sum", "ignore_index": 0}, X, T)
    assert CrossEntropyLoss(label_smoothing=0.3).label_smoothing == 0.3, "CrossEntropyLoss must keep label_smoothing"
    for make, options in ((MSELoss, {"reduction": "avg"}), (BCEWithLogitsLoss, {"reduction": "batchmean"}),
                          (CrossEntropyLoss, {"label_smoothing": 1.5})):
        assert error_message(ValueError, make, **options) is not None, f"{make.__name__}(**{options}) must raise ValueError"

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
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_loss_modules()

# %% nbgrader={"grade": true, "grade_id": "test-loss-modules-elementwise", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_loss_modules_elementwise():
    """MSELoss, BCELoss and BCEWithLogitsLoss are Modules without parameters whose call equals their function with
    the stored options."""
    rng = np.random.default_rng(512)
    X, B, P, W = rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 3)), rng.uniform(0.05, 0.95, (5, 3)), np.array([2.0, 1.0, 0.5])
    same_as_function(MSELoss(), mse_loss, {}, X, B)
    same_as_function(MSELoss(reduction="none"), mse_loss, {"reduction": "none"}, X, B)
    same_as_function(BCELoss(reduction="sum"), binary_cross_entropy, {"reduction": "sum"}, P, B)
    same_as_function(BCEWithLogitsLoss(), binary_cross_entropy_with_logits, {}, X, B)
    same_as_function(BCEWithLogitsLoss(reduction="none", pos_weight=Tensor(W)), binary_cross_entropy_with_logits,
                     {"reduction": "none", "pos_weight": W}, X, B)

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5111)
    for i in range(3):
        n, c = int(rng.integers(1, 6)), int(rng.integers(2, 5))
        Z, Bn = rng.standard_normal((n, c)), rng.uniform(0, 1, (n, c))
        reduction = REDUCTIONS[int(rng.integers(0, 3))]
        got = BCEWithLogitsLoss(reduction=reduction)(Tensor(Z, dtype=np.float64), Tensor(Bn, dtype=np.float64))
        observe(f"random BCEWithLogitsLoss {i} ({reduction}): shape", tuple(got.shape))
        observe(f"random BCEWithLogitsLoss {i} ({reduction}): value", got.data)
        got = MSELoss(reduction=reduction)(Tensor(Z, dtype=np.float64), Tensor(Bn, dtype=np.float64))
        observe(f"random MSELoss {i} ({reduction}): value", got.data)
        got = BCELoss(reduction=reduction)(Tensor(Bn * 0.9 + 0.05, dtype=np.float64), Tensor(Bn, dtype=np.float64))
        observe(f"random BCELoss {i} ({reduction}): value", got.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_loss_modules_elementwise()

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

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** The cell after the ignored-targets test computed the cross-entropy of an
# untrained classifier for 10 and 1,000 classes, with logits of standard deviation 0.01 and 10. Give the four
# losses. Why is the first one for each class count equal to log(C), and what does a first-step loss far above
# log(C), as with standard deviation 10, tell you about a model you are about to train?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-initial-loss", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: 2.303 and 6.908 for logits near 0, matching log 10 and log 1000; far larger (about
#   15 and 33 here) with standard deviation 10
# - 1 point: logits near 0 make softmax uniform, p = 1/C for every class, so the loss -log p of the target is
#   log C whatever the target
# - 1 point: a first loss far above log C means the untrained model is confidently wrong: its logits are too
#   large (initialization or input scaling), so it is a bug to fix before training; the check is to compare
#   the first loss with log C
# Model answer: With logits of standard deviation 0.01 the loss was 2.303 for 10 classes and 6.908 for 1,000,
# exactly log 10 and log 1000; with standard deviation 10 it was 15.094 and 33.296. Logits near 0 give a
# uniform softmax, probability 1/C for each class, so -log p of the target is log C for every sample. Large
# random logits put most of the probability on one arbitrary class, which is usually wrong, and the loss pays
# about the gap between the largest logit and the target's. So a first loss well above log C says the
# untrained network is confidently wrong, usually because of its initialization or unscaled inputs, and I
# would fix that before training.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (4 points).** The cell after the extreme-logit test gave a float32 logit x with label 0 to
# `binary_cross_entropy(sigmoid(x), y)` and to `binary_cross_entropy_with_logits(x, y)`. Give the loss and
# dl/dx of both at x = 20 and x = 40. What is the true loss, where does the value 100 come from, and why is the
# gradient through the probability 0? What does that do to training?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-bce-logits", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: from probabilities the loss is 100 and dl/dx 0 at both x = 20 and 40; from logits
#   the loss is 20 and 40 with dl/dx 1
# - 1 point: the true loss is -log(1 - sigmoid(x)), about x for large x (softplus(x)), so the logits version
#   is right; in float32 sigmoid(x) rounds to exactly 1 from about x = 17, log(1 - 1) is -inf, and
#   binary_cross_entropy clamps the log at -100, as PyTorch does
# - 1 point: the gradient through the sigmoid is p (1 - p) = 0 once p is exactly 1 (and the clamp is flat),
#   while from logits it is sigmoid(x) - y = 1
# - 1 point: so the most confidently wrong examples give no gradient and are never corrected; compute the loss
#   from logits (BCEWithLogitsLoss) and leave out the final sigmoid
# Model answer: At x = 20 and x = 40 the probability route gave a loss of 100.0000 and dl/dx 0.0000; the
# logits route gave 20.0000 and 40.0000, each with dl/dx 1.0000. The true loss is -log(1 - sigmoid(x)) =
# softplus(x), about x, so the logits are right. In float32 sigmoid(20) rounds to exactly 1.0, 1 - p is 0 and
# its log is -inf; binary_cross_entropy clamps each log at -100, so the loss is the clamp value for every large
# x. The chain rule through the sigmoid multiplies by p (1 - p), which is exactly 0 there, so no gradient
# reaches x, while from logits dl/dx = sigmoid(x) - y = 1. A network trained on probabilities would never
# correct its most confidently wrong predictions; that is why the last layer outputs logits.
# ### END SOLUTION
