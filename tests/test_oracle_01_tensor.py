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
