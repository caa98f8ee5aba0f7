"""Module 01's forward values against PyTorch on random shapes with broadcasting and size-1 dimensions."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core import tensor as tt  # noqa: E402

SHAPE_PAIRS = [((3, 4), (4,)), ((2, 1, 5), (3, 1)), ((1,), (6, 1)), ((2, 3), (2, 3)), ((), (4, 2))]


def pair(rng, shape_a, shape_b):
    a = rng.standard_normal(shape_a)
    b = rng.standard_normal(shape_b) + 3.0  # away from zero for division
    return a, b


@pytest.mark.parametrize("shape_a, shape_b", SHAPE_PAIRS)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_elementwise_matches_torch(name, shape_a, shape_b):
    rng = np.random.default_rng(1)
    a, b = pair(rng, shape_a, shape_b)
    ours = getattr(tt, name)(tt.Tensor(a, dtype=np.float64), tt.Tensor(b, dtype=np.float64))
    theirs = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((5, 1, 2, 3), (4, 3, 2)), ((3,), (3,))])
def test_matmul_matches_torch(shape_a, shape_b):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    ours = tt.matmul(tt.Tensor(a, dtype=np.float64), tt.Tensor(b, dtype=np.float64))
    np.testing.assert_allclose(ours.data, torch.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False), ((0, 2), True)])
def test_reductions_match_torch(axis, keepdims):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 1, 4))
    t, ours = torch.from_numpy(x), tt.Tensor(x, dtype=np.float64)
    dims = {} if axis is None else {"dim": axis, "keepdim": keepdims}
    np.testing.assert_allclose(tt.reduce_sum(ours, axis, keepdims).data, torch.sum(t, **dims).numpy(), rtol=1e-12)
    np.testing.assert_allclose(tt.reduce_mean(ours, axis, keepdims).data, torch.mean(t, **dims).numpy(), rtol=1e-12)
    np.testing.assert_allclose(tt.reduce_max(ours, axis, keepdims).data, torch.amax(t, **dims).numpy(), rtol=1e-12)


def test_shape_ops_exp_log_match_torch():
    rng = np.random.default_rng(4)
    x = rng.random((2, 3, 4)) + 0.1
    t, ours = torch.from_numpy(x), tt.Tensor(x, dtype=np.float64)
    np.testing.assert_array_equal(tt.reshape(ours, 4, -1).data, t.reshape(4, -1).numpy())
    np.testing.assert_array_equal(tt.transpose(ours, 0, 2).data, t.transpose(0, 2).numpy())
    np.testing.assert_allclose(tt.exp(ours).data, torch.exp(t).numpy(), rtol=1e-14)
    np.testing.assert_allclose(tt.log(ours).data, torch.log(t).numpy(), rtol=1e-14)
    assert tt.Tensor([1.5, 2.0]).dtype == np.float32 and torch.tensor([1.5, 2.0]).dtype == torch.float32
    assert tt.Tensor([1, 2]).dtype == np.int64 and torch.tensor([1, 2]).dtype == torch.int64


def np_dtype(t) -> np.dtype:
    """The NumPy dtype matching a torch tensor's dtype."""
    return torch.empty(0, dtype=t.dtype).numpy().dtype


@pytest.mark.parametrize("shape_a, shape_b", SHAPE_PAIRS)
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum"])
def test_comparisons_and_extrema_match_torch(name, shape_a, shape_b):
    rng = np.random.default_rng(10)
    a, b = rng.integers(-2, 3, shape_a).astype(np.float64), rng.integers(-2, 3, shape_b).astype(np.float64)  # ties
    ours = getattr(tt, name)(tt.Tensor(a, dtype=np.float64), tt.Tensor(b, dtype=np.float64))
    theirs = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    assert ours.dtype == np_dtype(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_operators_where_clamp_abs_sqrt_match_torch():
    rng = np.random.default_rng(11)
    x = rng.integers(-3, 4, (3, 4)).astype(np.float32)
    y = rng.standard_normal(4).astype(np.float32)
    t, u = torch.from_numpy(x), torch.from_numpy(y)
    ours_x, ours_y = tt.Tensor(x), tt.Tensor(y)
    pairs = [
        (ours_x == ours_y, t == u), (ours_x != 1, t != 1), (ours_x < ours_y, t < u), (0 <= ours_x, 0 <= t),
        (tt.where(ours_x > 0, ours_x, ours_y), torch.where(t > 0, t, u)), (tt.where(ours_x > 0, ours_x, 0.5), torch.where(t > 0, t, 0.5)),
        (tt.clamp(ours_x, -1, 2), torch.clamp(t, -1, 2)), (tt.clamp(ours_x, min=0.5), torch.clamp(t, min=0.5)),
        (tt.clamp(ours_x, max=ours_y), torch.clamp(t, max=u)), (tt.clamp(ours_x, 2.0, -1.0), torch.clamp(t, 2.0, -1.0)),
        (abs(ours_x), abs(t)), (tt.sqrt(abs(ours_x)), torch.sqrt(abs(t))), (ours_x.max(ours_y), t.max(u)),
    ]
    for i, (ours, theirs) in enumerate(pairs):
        assert ours.dtype == np_dtype(theirs), f"case {i}"
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, err_msg=f"case {i}")
    assert len({ours_x, ours_y, ours_x}) == len({t, u, t}) == 2  # hashed by identity


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_index_reductions_match_torch(dim, keepdim):
    rng = np.random.default_rng(12)
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)  # ties: both take the first
    t, ours = torch.from_numpy(x), tt.Tensor(x, dtype=np.float64)
    kw = {} if dim is None else {"dim": dim}
    for name in ("argmax", "argmin"):
        got, want = getattr(tt, name)(ours, dim, keepdim), getattr(torch, name)(t, keepdim=keepdim, **kw)
        assert got.dtype == np.int64 and got.shape == tuple(want.shape)
        np.testing.assert_array_equal(got.data, want.numpy())
    np.testing.assert_array_equal(tt.reduce_min(ours, dim, keepdim).data, torch.amin(t, keepdim=keepdim, **kw).numpy())
    if dim is not None:
        for ours_pair, torch_pair in [(ours.max(dim, keepdim), t.max(dim, keepdim)), (ours.min(dim=dim, keepdim=keepdim), t.min(dim=dim, keepdim=keepdim))]:
            np.testing.assert_array_equal(ours_pair.values.data, torch_pair.values.numpy())
            np.testing.assert_array_equal(ours_pair.indices.data, torch_pair.indices.numpy())
    else:
        np.testing.assert_array_equal(ours.max().data, t.max().numpy())


def test_new_shape_ops_match_torch():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 1, 3, 1))
    t, ours = torch.from_numpy(x), tt.Tensor(x, dtype=np.float64)
    pairs = [
        (ours.squeeze(), t.squeeze()), (ours.squeeze(1), t.squeeze(1)), (ours.squeeze(0), t.squeeze(0)),
        (ours.squeeze((1, 3)), t.squeeze((1, 3))), (ours.unsqueeze(0), t.unsqueeze(0)), (ours.unsqueeze(-1), t.unsqueeze(-1)),
        (ours.unsqueeze(-5), t.unsqueeze(-5)), (ours.flatten(), t.flatten()), (ours.flatten(1, 2), t.flatten(1, 2)),
        (ours.flatten(-2), t.flatten(-2)), (ours.view(3, -1), t.view(3, -1)), (tt.flatten(tt.Tensor(2.0)), torch.flatten(torch.tensor(2.0))),
        (tt.cat([ours, ours * 2], dim=2), torch.cat([t, t * 2], dim=2)), (tt.cat([ours, ours], -1), torch.cat([t, t], -1)),
        (tt.stack([ours, ours + 1], dim=1), torch.stack([t, t + 1], dim=1)), (tt.stack([ours, ours], -1), torch.stack([t, t], -1)),
    ]
    for i, (ours_out, theirs) in enumerate(pairs):
        assert ours_out.shape == tuple(theirs.shape), f"case {i}"
        np.testing.assert_array_equal(ours_out.data, theirs.numpy(), err_msg=f"case {i}")


def test_dim_keepdim_and_0d_reductions_match_torch():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((3, 4))
    t, ours = torch.from_numpy(x), tt.Tensor(x, dtype=np.float64)
    np.testing.assert_allclose(ours.sum(dim=1, keepdim=True).data, t.sum(dim=1, keepdim=True).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.mean(dim=(0, 1)).data, t.mean(dim=(0, 1)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(tt.reduce_max(ours, dim=0).data, torch.amax(t, dim=0).numpy(), rtol=1e-12)
    z, tz = tt.Tensor(2.5), torch.tensor(2.5)
    for dim in (0, -1):
        for keepdim in (False, True):
            for name, ours_fn in [("sum", tt.reduce_sum), ("mean", tt.reduce_mean), ("amax", tt.reduce_max)]:
                got, want = ours_fn(z, dim=dim, keepdim=keepdim), getattr(torch, name)(tz, dim=dim, keepdim=keepdim)
                assert got.shape == tuple(want.shape) and got.item() == want.item()
    with pytest.raises(IndexError):
        tt.reduce_mean(z, 1)
    with pytest.raises(IndexError):
        tz.mean(dim=1)


@pytest.mark.parametrize("left, right", [
    (np.array([1, 2], dtype=np.int32), 3), (np.array([1, 2], dtype=np.int32), 2.5), (np.array([1, 2], dtype=np.int32), True),
    (np.array([1, 2], dtype=np.int64), np.array([3, 4], dtype=np.int32)), (np.array([1.0], dtype=np.float32), 2),
    (np.array([1.0], dtype=np.float32), np.array([2.0], dtype=np.float64)), (np.array([1, 0], dtype=np.uint8), 7),
    (np.array([True, False]), 2), (np.array([True, False]), 1.5), (np.array([1, 2], dtype=np.int16), np.array([1.0], dtype=np.float16)),
])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_dtype_promotion_matches_torch(op, left, right):
    # Tensors of both sides count; a Python number never widens a tensor of its own kind
    def ours_of(v):
        return tt.Tensor(v, dtype=v.dtype) if isinstance(v, np.ndarray) else v

    def theirs_of(v):
        return torch.from_numpy(v) if isinstance(v, np.ndarray) else v

    if op == "sub" and (left.dtype == np.bool_ or isinstance(right, bool)):
        pytest.skip("torch refuses subtraction of bools")
    got = getattr(tt, op)(ours_of(left), ours_of(right))
    want = getattr(torch, op)(theirs_of(left), theirs_of(right))
    assert got.dtype == np_dtype(want), f"{left.dtype} {op} {right!r}: ours {got.dtype}, torch {want.dtype}"
