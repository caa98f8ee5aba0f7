"""Regression tests for the bugs fixed with the "One Tensor" operations; each failed before its fix. No torch needed."""
from __future__ import annotations

import numpy as np
import pytest

from tinytorch.core import autograd as ag
from tinytorch.core import tensor as tt


@pytest.mark.parametrize("module", [tt, ag], ids=["plain", "autograd"])
def test_mean_of_a_0d_tensor_over_dim_minus_1_or_0_is_itself(module):
    # np.mean raised "axis -1 is out of bounds for array of dimension 0" while np.sum allowed it
    x = module.Tensor(2.5)
    for axis in (-1, 0):
        for reduce in (module.reduce_mean, module.reduce_sum, module.reduce_max):
            got = reduce(x, axis)
            assert got.shape == () and got.item() == 2.5, f"{reduce.__name__}(0-d, axis={axis})"
        assert x.mean(axis).item() == 2.5
    with pytest.raises(IndexError):
        module.reduce_mean(x, 1)


def test_matmul_backward_with_a_size_0_dimension():
    # The 2-D cases already worked; a stack on the left crashed: its rule folded the batch with reshape(-1, k),
    # which cannot infer -1 when k or m is 0.
    rng = np.random.default_rng(0)
    for shape_a, shape_b in [((2, 0), (0, 3)), ((0, 3), (3, 2)), ((2, 3), (3, 0)), ((4, 2, 0), (0, 3)),
                             ((4, 2, 3), (3, 0))]:
        A, B = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
        a = ag.Tensor(A, dtype=np.float64, requires_grad=True)
        b = ag.Tensor(B, dtype=np.float64, requires_grad=True)
        out = a @ b
        G = rng.standard_normal(out.shape)
        out.backward(G)
        assert a.grad.shape == shape_a and b.grad.shape == shape_b, (shape_a, shape_b)
        np.testing.assert_allclose(a.grad.data, G @ np.swapaxes(B, -1, -2))
        want_b = np.swapaxes(A, -1, -2) @ G
        np.testing.assert_allclose(b.grad.data, want_b.sum(axis=0) if want_b.ndim > 2 else want_b)


def test_in_place_activation_of_a_saved_input_is_noticed_at_backward():
    """relu_ on a tensor a graph saved (no grad of its own) must not silently change the gradient."""
    import pytest

    from tinytorch.core.activations import relu_
    from tinytorch.core.autograd import Tensor
    w = Tensor([2.0, 3.0], requires_grad=True)
    x = Tensor([-1.0, 4.0])
    y = (w * x).sum()
    relu_(x)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
