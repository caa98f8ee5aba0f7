"""Module 02's gradients against PyTorch: every op, broadcasting and size-1 dims, reused intermediates."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core import autograd as ag  # noqa: E402

BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
SHAPE_PAIRS = [((3, 4), (4,)), ((2, 1, 5), (3, 1)), ((1,), (6, 1)), ((2, 3), (2, 3)), ((), (4, 2)), ((3, 1), (1, 4))]


def leaves(*arrays):
    ours = [ag.Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def compare(ours_out, theirs_out, ours_in, theirs_in, seed=0):
    """Forward values equal; gradients of sum(out * w) equal for a fixed random weighting w."""
    np.testing.assert_allclose(ours_out.data, theirs_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(ours_out.shape)
    (ours_out * ag.Tensor(w, dtype=np.float64)).sum().backward()
    (theirs_out * torch.from_numpy(w)).sum().backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        assert o.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


@pytest.mark.parametrize("shape_a, shape_b", SHAPE_PAIRS)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops(name, shape_a, shape_b):
    rng = np.random.default_rng(5)
    (a, b), (ta, tb) = leaves(rng.standard_normal(shape_a), rng.standard_normal(shape_b) + 3.0)
    compare(getattr(ag, name)(a, b), BINARY[name](ta, tb), [a, b], [ta, tb])


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
                                              ((5, 1, 2, 3), (4, 3, 2)), ((3,), (3,)), ((1, 3, 4), (2, 4, 1))])
def test_matmul(shape_a, shape_b):
    rng = np.random.default_rng(6)
    (a, b), (ta, tb) = leaves(rng.standard_normal(shape_a), rng.standard_normal(shape_b))
    compare(a @ b, ta @ tb, [a, b], [ta, tb])


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False), ((0, 2), True)])
@pytest.mark.parametrize("name", ["sum", "mean", "amax"])
def test_reductions(name, axis, keepdims):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 1, 4))
    x[0, 0, :2] = 5.0  # a tie for max: both frameworks split the gradient evenly
    (a,), (ta,) = leaves(x)
    ours = {"sum": ag.reduce_sum, "mean": ag.reduce_mean, "amax": ag.reduce_max}[name](a, axis, keepdims)
    dims = {} if axis is None else {"dim": axis, "keepdim": keepdims}
    compare(ours, getattr(torch, name)(ta, **dims), [a], [ta])


def test_unary_and_shape_ops():
    rng = np.random.default_rng(8)
    x = rng.random((2, 3, 4)) + 0.5
    cases = [
        (lambda t: t.exp(), lambda t: t.exp()),
        (lambda t: t.log(), lambda t: t.log()),
        (lambda t: -t, lambda t: -t),
        (lambda t: t ** 3, lambda t: t ** 3),
        (lambda t: t ** -0.5, lambda t: t ** -0.5),
        (lambda t: t.reshape(4, -1), lambda t: t.reshape(4, -1)),
        (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
        (lambda t: t.T, lambda t: t.permute(2, 1, 0)),
        (lambda t: t[1, :, ::2], lambda t: t[1, :, ::2]),
        (lambda t: t[[0, 1, 0, 0]], lambda t: t[[0, 1, 0, 0]]),  # repeated indices accumulate
        (lambda t: 2.0 - t / 3.0, lambda t: 2.0 - t / 3.0),
    ]
    for i, (ours_fn, torch_fn) in enumerate(cases):
        (a,), (ta,) = leaves(x)
        compare(ours_fn(a), torch_fn(ta), [a], [ta], seed=i)


def test_reused_intermediates_and_accumulation():
    rng = np.random.default_rng(9)
    (x, w), (tx, tw) = leaves(rng.standard_normal((4, 3)), rng.standard_normal((3, 3)))
    for _ in range(2):  # two forward/backward passes: leaf gradients accumulate in both frameworks
        h = x @ w
        y = (h * h + h.exp() * 0.1 - h).sum(axis=1)
        th = tx @ tw
        ty = (th * th + th.exp() * 0.1 - th).sum(dim=1)
        compare(y, ty, [x, w], [tx, tw])
