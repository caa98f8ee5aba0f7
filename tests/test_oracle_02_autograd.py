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


def test_selection_ops_at_kinks_and_ties():
    """Subgradients where PyTorch picks one: ties of maximum/minimum split, clamp passes at its bounds, abs'(0) = 0."""
    rng = np.random.default_rng(10)
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)  # integers: ties, zeros and values on the bounds
    y = rng.integers(-2, 3, (4,)).astype(np.float64)
    cond = rng.random((3, 1)) < 0.5
    cases = [
        (lambda a, b: ag.where(cond, a, b), lambda a, b: torch.where(torch.from_numpy(cond), a, b)),
        (lambda a, b: ag.maximum(a, b), lambda a, b: torch.maximum(a, b)),
        (lambda a, b: ag.minimum(a, b), lambda a, b: torch.minimum(a, b)),
        (lambda a, b: a.max(b) * b.min(a), lambda a, b: a.max(b) * b.min(a)),
        (lambda a, b: ag.clamp(a, -1.0, 1.0) * b, lambda a, b: torch.clamp(a, -1.0, 1.0) * b),
        (lambda a, b: a.clamp(min=0.0) + b.clamp(max=1.0), lambda a, b: a.clamp(min=0.0) + b.clamp(max=1.0)),
        (lambda a, b: ag.clamp(a, b - 1.0, b + 0.5), lambda a, b: torch.clamp(a, b - 1.0, b + 0.5)),
        (lambda a, b: abs(a) * b.abs(), lambda a, b: abs(a) * b.abs()),
        (lambda a, b: ag.sqrt(a * a + 1.0) + (b * b + 0.5).sqrt(), lambda a, b: torch.sqrt(a * a + 1.0) + (b * b + 0.5).sqrt()),
    ]
    for i, (ours_fn, torch_fn) in enumerate(cases):
        (a, b), (ta, tb) = leaves(x, y)
        compare(ours_fn(a, b), torch_fn(ta, tb), [a, b], [ta, tb], seed=i)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_min_max_along_a_dim(dim, keepdim):
    rng = np.random.default_rng(11)
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)  # ties: max(dim) gives all to one index, amin splits
    for ours_fn, torch_fn in [(lambda a: a.max(dim, keepdim).values, lambda a: a.max(dim, keepdim).values),
                              (lambda a: a.min(dim=dim, keepdim=keepdim).values, lambda a: a.min(dim=dim, keepdim=keepdim).values),
                              (lambda a: ag.reduce_min(a, dim, keepdim), lambda a: torch.amin(a, dim, keepdim)),
                              (lambda a: a.amin(dim), lambda a: a.amin(dim))]:
        (a,), (ta,) = leaves(x)
        compare(ours_fn(a), torch_fn(ta), [a], [ta])
    (a,), (ta,) = leaves(x)
    np.testing.assert_array_equal(a.max(dim, keepdim).indices.data, ta.max(dim, keepdim).indices.numpy())
    assert not a.argmax(dim).requires_grad and not (a > 0).requires_grad


def test_new_shape_ops_and_joins():
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal((2, 1, 3)), rng.standard_normal((2, 1, 3))
    cases = [
        (lambda a, b: a.squeeze() * b.squeeze(1), lambda a, b: a.squeeze() * b.squeeze(1)),
        (lambda a, b: a.unsqueeze(0) + b.unsqueeze(-1), lambda a, b: a.unsqueeze(0) + b.unsqueeze(-1)),
        (lambda a, b: a.view(3, 2) @ b.flatten(1), lambda a, b: a.view(3, 2) @ b.flatten(1)),
        (lambda a, b: ag.cat([a, b, a], dim=1), lambda a, b: torch.cat([a, b, a], dim=1)),
        (lambda a, b: ag.cat([a, b * 2.0], -1), lambda a, b: torch.cat([a, b * 2.0], -1)),
        (lambda a, b: ag.stack([a, b, a], dim=0), lambda a, b: torch.stack([a, b, a], dim=0)),
        (lambda a, b: ag.stack([a * b, b], dim=-1), lambda a, b: torch.stack([a * b, b], dim=-1)),
    ]
    for i, (ours_fn, torch_fn) in enumerate(cases):
        (a, b), (ta, tb) = leaves(x, y)
        compare(ours_fn(a, b), torch_fn(ta, tb), [a, b], [ta, tb], seed=i)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 0), (0, 3)), ((0, 3), (3, 2)), ((2, 3), (3, 0)), ((4, 2, 0), (0, 3)),
                                              ((4, 2, 3), (3, 0)), ((0, 2, 3), (3, 2))])
def test_matmul_with_a_size_0_dimension(shape_a, shape_b):
    rng = np.random.default_rng(13)
    (a, b), (ta, tb) = leaves(rng.standard_normal(shape_a), rng.standard_normal(shape_b))
    compare(a @ b, ta @ tb, [a, b], [ta, tb])


def test_retain_graph_and_freed_graph():
    rng = np.random.default_rng(14)
    (x,), (tx,) = leaves(rng.standard_normal(3))
    y, ty = (x * x).sum(), (tx * tx).sum()
    for _ in range(2):
        y.backward(retain_graph=True)
        ty.backward(retain_graph=True)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        ty.backward()


def test_in_place_change_of_a_saved_input():
    w, tw = ag.Tensor([2.0, 5.0], requires_grad=True), torch.tensor([2.0, 5.0], requires_grad=True)
    c, tc = ag.Tensor([1.0, 3.0]), torch.tensor([1.0, 3.0])
    y, ty = (w * c).sum(), (tw * tc).sum()
    c.zero_()
    tc.zero_()
    assert c._version == tc._version == 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()
    # after backward, p.grad.zero_() clears in place in both, and requires_grad_ returns the tensor
    p, tp = ag.Tensor([1.0, 2.0]).requires_grad_(), torch.tensor([1.0, 2.0]).requires_grad_()
    (p * 3.0).sum().backward()
    (tp * 3.0).sum().backward()
    assert p.grad.zero_() is p.grad and tp.grad.zero_() is tp.grad
    np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())
