"""Module 05 against torch.nn.functional: every loss, value and gradient, every reduction, in float64."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from tinytorch.core import losses  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402

REDUCTIONS = ["mean", "sum", "none"]
SHAPES = [(4,), (3, 1), (2, 1, 5), (1, 3, 2), (1,)]
CLASS_SHAPES = [(5, 3), (1, 4), (6, 1), (3, 7)]
TOL = dict(rtol=1e-10, atol=1e-12)


def seed(*parts) -> int:
    """A seed fixed by the test's parameters (str hashes change between runs)."""
    return zlib.crc32(repr(parts).encode())


def ours_and_theirs(*arrays, grad=True):
    """The same float64 values as tinytorch leaves and as torch leaves."""
    ours = [Tensor(a, dtype=np.float64, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in arrays]
    return ours, theirs


def backward_both(mine, ref, rng):
    """Seed both losses with the same upstream gradient (random for reduction='none')."""
    seed = rng.standard_normal(mine.shape)
    mine.backward(seed)
    ref.backward(torch.from_numpy(np.array(seed)))


def assert_same(mine, ref, what):
    assert mine.shape == tuple(ref.shape), f"{what}: shape {mine.shape} vs torch {tuple(ref.shape)}"
    np.testing.assert_allclose(mine.data, ref.detach().numpy(), **TOL, err_msg=what)


def assert_grads(ours, theirs, what):
    for k, (p, q) in enumerate(zip(ours, theirs)):
        assert p.grad is not None, f"{what}: operand {k} got no gradient"
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), **TOL, err_msg=f"{what}: gradient of operand {k}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_mse_loss(shape, reduction):
    rng = np.random.default_rng(seed((shape, reduction)))
    (x, y), (tx, ty) = ours_and_theirs(rng.standard_normal(shape) * 2, rng.standard_normal(shape))
    mine = losses.mse_loss(x, y, reduction=reduction)
    ref = F.mse_loss(tx, ty, reduction=reduction)
    assert_same(mine, ref, f"mse_loss {shape} {reduction}")
    backward_both(mine, ref, rng)
    assert_grads([x, y], [tx, ty], f"mse_loss {shape} {reduction}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_broadcast(reduction):
    """Broadcast targets: both warn, both sum the gradient back to each operand's shape."""
    rng = np.random.default_rng(7)
    (x, y), (tx, ty) = ours_and_theirs(rng.standard_normal((3, 1, 2)), rng.standard_normal((4, 2)))
    with pytest.warns(UserWarning):
        mine = losses.mse_loss(x, y, reduction=reduction)
    with pytest.warns(UserWarning):
        ref = F.mse_loss(tx, ty, reduction=reduction)
    assert_same(mine, ref, f"mse_loss broadcast {reduction}")
    backward_both(mine, ref, rng)
    assert_grads([x, y], [tx, ty], f"mse_loss broadcast {reduction}")


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.45, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_cross_entropy(shape, reduction, label_smoothing):
    rng = np.random.default_rng(seed((shape, reduction, label_smoothing)))
    target = rng.integers(0, shape[1], size=shape[0])
    (x,), (tx,) = ours_and_theirs(rng.standard_normal(shape) * 3)
    mine = losses.cross_entropy(x, Tensor(target), reduction=reduction, label_smoothing=label_smoothing)
    ref = F.cross_entropy(tx, torch.from_numpy(target), reduction=reduction, label_smoothing=label_smoothing)
    assert_same(mine, ref, f"cross_entropy {shape} {reduction} eps={label_smoothing}")
    backward_both(mine, ref, rng)
    assert_grads([x], [tx], f"cross_entropy {shape} {reduction} eps={label_smoothing}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_single_sample(reduction):
    """Logits (C,) with a 0-d target."""
    rng = np.random.default_rng(11)
    (x,), (tx,) = ours_and_theirs(rng.standard_normal(5))
    mine = losses.cross_entropy(x, 3, reduction=reduction, label_smoothing=0.2)
    ref = F.cross_entropy(tx, torch.tensor(3), reduction=reduction, label_smoothing=0.2)
    assert_same(mine, ref, f"cross_entropy (C,) {reduction}")
    backward_both(mine, ref, rng)
    assert_grads([x], [tx], f"cross_entropy (C,) {reduction}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_extreme_logits(dtype):
    """Logits of +-1e4: the same finite values and gradients as torch, in float32 and float64."""
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [5e3, 5e3, -1e4]], dtype=dtype)
    target = np.array([0, 1, 2, 1])
    x = Tensor(logits, dtype=dtype, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        mine = losses.cross_entropy(x, target, reduction="sum")
        mine.backward()
    ref = F.cross_entropy(tx, torch.from_numpy(target), reduction="sum")
    ref.backward()
    np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_nll_loss(shape, reduction):
    rng = np.random.default_rng(seed((shape, reduction, "nll")))
    target = rng.integers(0, shape[1], size=shape[0])
    logp = np.log(rng.dirichlet(np.ones(shape[1]), size=shape[0]))
    (x,), (tx,) = ours_and_theirs(logp)
    mine = losses.nll_loss(x, target, reduction=reduction)
    ref = F.nll_loss(tx, torch.from_numpy(target), reduction=reduction)
    assert_same(mine, ref, f"nll_loss {shape} {reduction}")
    backward_both(mine, ref, rng)
    assert_grads([x], [tx], f"nll_loss {shape} {reduction}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_binary_cross_entropy(shape, reduction):
    rng = np.random.default_rng(seed((shape, reduction, "bce")))
    (p, y), (tp, ty) = ours_and_theirs(rng.uniform(0.01, 0.99, shape), rng.uniform(0, 1, shape))
    mine = losses.binary_cross_entropy(p, y, reduction=reduction)
    ref = F.binary_cross_entropy(tp, ty, reduction=reduction)
    assert_same(mine, ref, f"binary_cross_entropy {shape} {reduction}")
    backward_both(mine, ref, rng)
    assert_grads([p, y], [tp, ty], f"binary_cross_entropy {shape} {reduction}")


def test_binary_cross_entropy_clamped():
    """p at 0 and 1: the loss is clamped at 100 and the input's gradient bounded, as in torch."""
    probs, labels = np.array([0.0, 1.0, 0.0, 1.0, 1e-50]), np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    (p,), (tp,) = ours_and_theirs(probs)
    mine = losses.binary_cross_entropy(p, Tensor(labels, dtype=np.float64), reduction="none")
    ref = F.binary_cross_entropy(tp, torch.from_numpy(labels), reduction="none")
    assert_same(mine, ref, "binary_cross_entropy at 0 and 1")
    mine.backward(np.ones(5))
    ref.backward(torch.ones(5, dtype=torch.float64))
    # torch's bound is 1e-12 rounded to float32 (9.99999996e-13): equal to 4e-9 relative
    np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-8)


@pytest.mark.parametrize("pos_weight", [None, "scalar", "per-class"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_bce_with_logits(shape, reduction, pos_weight):
    rng = np.random.default_rng(seed((shape, reduction, pos_weight)))
    (x, y), (tx, ty) = ours_and_theirs(rng.standard_normal(shape) * 4, rng.uniform(0, 1, shape))
    w = {None: None, "scalar": np.array([2.5]), "per-class": rng.uniform(0.2, 4.0, shape[-1:])}[pos_weight]
    tw = None if w is None else torch.from_numpy(w)
    mine = losses.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=w)
    ref = F.binary_cross_entropy_with_logits(tx, ty, reduction=reduction, pos_weight=tw)
    assert_same(mine, ref, f"bce_with_logits {shape} {reduction} pos_weight={pos_weight}")
    backward_both(mine, ref, rng)
    assert_grads([x, y], [tx, ty], f"bce_with_logits {shape} {reduction} pos_weight={pos_weight}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_extreme(dtype):
    logits = np.array([1e4, 1e4, -1e4, -1e4, 40.0, -40.0], dtype=dtype)
    labels = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 0.3], dtype=dtype)
    x, tx = Tensor(logits, dtype=dtype, requires_grad=True), torch.tensor(logits, requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        mine = losses.binary_cross_entropy_with_logits(x, Tensor(labels, dtype=dtype), reduction="sum")
        mine.backward()
    ref = F.binary_cross_entropy_with_logits(tx, torch.from_numpy(labels), reduction="sum")
    ref.backward()
    np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_modules_match_torch_nn():
    """The classes with options against torch.nn's classes of the same name."""
    rng = np.random.default_rng(13)
    logits, target = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    soft, probs = rng.uniform(0, 1, (6, 4)), rng.uniform(0.05, 0.95, (6, 4))
    weight = rng.uniform(0.5, 2.0, 4)
    cases = [
        (losses.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum"), logits, soft),
        (losses.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), logits, target),
        (losses.CrossEntropyLoss(reduction="none", label_smoothing=0.3),
         torch.nn.CrossEntropyLoss(reduction="none", label_smoothing=0.3), logits, target),
        (losses.NLLLoss(), torch.nn.NLLLoss(), np.log(probs / probs.sum(1, keepdims=True)), target),
        (losses.BCELoss(reduction="none"), torch.nn.BCELoss(reduction="none"), probs, soft),
        (losses.BCEWithLogitsLoss(pos_weight=Tensor(weight, dtype=np.float64)), torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(weight)),
         logits, soft),
    ]
    for mine_fn, ref_fn, inp, tgt in cases:
        (x,), (tx,) = ours_and_theirs(inp)
        if tgt.dtype.kind == "i":
            mine, ref = mine_fn(x, Tensor(tgt)), ref_fn(tx, torch.from_numpy(tgt))
        else:
            mine = mine_fn(x, Tensor(tgt, dtype=np.float64))
            ref = ref_fn(tx, torch.from_numpy(tgt))
        assert_same(mine, ref, type(mine_fn).__name__)
        backward_both(mine, ref, rng)
        assert_grads([x], [tx], type(mine_fn).__name__)


def test_target_errors_match_torch():
    """An out-of-range class index is an IndexError in both."""
    x = np.zeros((3, 4))
    for bad in ([0, 4, 1], [0, -1, 2]):
        with pytest.raises(IndexError):
            F.cross_entropy(torch.from_numpy(x), torch.tensor(bad))
        with pytest.raises(IndexError, match=str(max(bad, key=lambda v: v < 0 or v >= 4))):
            losses.cross_entropy(Tensor(x), bad)
        with pytest.raises(IndexError):
            losses.nll_loss(Tensor(x), bad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_elementwise_losses_on_an_empty_batch(name, reduction):
    """mean over nothing is NaN, sum 0, none empty, as in torch; backward works."""
    (x, y), (tx, ty) = ours_and_theirs(np.zeros((0, 3)), np.zeros((0, 3)))
    mine = getattr(losses, name)(x, y, reduction=reduction)
    ref = getattr(F, name)(tx, ty, reduction=reduction)
    assert_same(mine, ref, f"{name} on (0, 3), {reduction}")
    mine.backward(np.ones(mine.shape))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "random", "zeros"])
@pytest.mark.parametrize("ignore", ["none", "some", "all", "valid class"])
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_weight_and_ignore_index(name, ignore, weight, reduction, label_smoothing):
    """weight and ignore_index: values and gradients, including the NaN means torch gives for a zero weight sum."""
    if name == "nll_loss" and label_smoothing:
        pytest.skip("nll_loss has no label smoothing")
    rng = np.random.default_rng(seed((name, ignore, weight, reduction, label_smoothing)))
    n, c = 6, 4
    target = rng.integers(0, c, size=n)
    ignore_index = 2 if ignore == "valid class" else -100
    if ignore == "some":
        target[[1, 4]] = -100
    elif ignore == "all":
        target[:] = -100
    w = {None: None, "random": rng.uniform(0.2, 3.0, c), "zeros": np.zeros(c)}[weight]
    (x,), (tx,) = ours_and_theirs(rng.standard_normal((n, c)) * 2)
    extra = {"label_smoothing": label_smoothing} if name == "cross_entropy" else {}
    mine = getattr(losses, name)(x, target, w, ignore_index=ignore_index, reduction=reduction, **extra)
    ref = getattr(F, name)(tx, torch.from_numpy(target), None if w is None else torch.from_numpy(w),
                           ignore_index=ignore_index, reduction=reduction, **extra)
    what = f"{name} ignore={ignore} weight={weight} {reduction} eps={label_smoothing}"
    assert_same(mine, ref, what)
    backward_both(mine, ref, rng)
    assert_grads([x], [tx], what)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_losses_on_an_empty_batch_and_one_ignored_sample(name, reduction):
    (x,), (tx,) = ours_and_theirs(np.zeros((0, 3)))
    empty = np.zeros(0, dtype=np.int64)
    assert_same(getattr(losses, name)(x, empty, reduction=reduction),
                getattr(F, name)(tx, torch.from_numpy(empty), reduction=reduction), f"{name} empty {reduction}")
    (v,), (tv,) = ours_and_theirs(np.array([0.5, -1.0, 2.0]))
    mine = getattr(losses, name)(v, -100, np.array([1.0, 2.0, 3.0]), reduction=reduction)
    ref = getattr(F, name)(tv, torch.tensor(-100), torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), reduction=reduction)
    assert_same(mine, ref, f"{name} one ignored sample {reduction}")


def test_weighted_loss_modules_match_torch_nn():
    rng = np.random.default_rng(17)
    logits, target = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    weight = rng.uniform(0.5, 2.0, 4)
    target[2] = 3
    cases = [
        (losses.CrossEntropyLoss(Tensor(weight, dtype=np.float64), ignore_index=3, label_smoothing=0.2),
         torch.nn.CrossEntropyLoss(torch.from_numpy(weight), ignore_index=3, label_smoothing=0.2), logits),
        (losses.NLLLoss(Tensor(weight, dtype=np.float64), reduction="sum", ignore_index=0),
         torch.nn.NLLLoss(torch.from_numpy(weight), reduction="sum", ignore_index=0), logits - 3.0),
    ]
    for mine_fn, ref_fn, inp in cases:
        (x,), (tx,) = ours_and_theirs(inp)
        mine, ref = mine_fn(x, Tensor(target)), ref_fn(tx, torch.from_numpy(target))
        assert_same(mine, ref, type(mine_fn).__name__)
        backward_both(mine, ref, rng)
        assert_grads([x], [tx], type(mine_fn).__name__)
    assert "weight" in dict(cases[0][0].named_buffers()) and list(cases[0][0].parameters()) == []
