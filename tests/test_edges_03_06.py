"""Edge cases of modules 03-06 that PyTorch handles, one test per case (no torch needed).

Each failed on the package before the "One Tensor" edges fix; the expected values are PyTorch 2.13's.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from tinytorch.core import losses
from tinytorch.core.activations import log_softmax, softmax
from tinytorch.core.autograd import Tensor
from tinytorch.core.layers import Linear
from tinytorch.core.optim import clip_grad_norm_


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_softmax_over_a_size_zero_dim_is_empty_with_an_empty_gradient(f):
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    out = f(x, dim=1)
    assert out.shape == (2, 0)
    out.backward(np.zeros((2, 0)))
    assert x.grad.shape == (2, 0)


@pytest.mark.parametrize("f", [softmax, log_softmax])
def test_softmax_accepts_axis_beside_dim(f):
    data = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    np.testing.assert_array_equal(f(Tensor(data), axis=0).data, f(Tensor(data), dim=0).data)
    with pytest.raises(TypeError):
        f(Tensor(data), dim=0, axis=1)


def test_linear_with_zero_outputs_runs_backward():
    with pytest.warns(UserWarning, match="zero-element"):
        layer = Linear(3, 0)
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = layer(x)
    assert out.shape == (2, 0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    assert layer.weight.grad.shape == (0, 3)


def test_linear_with_zero_inputs_warns_instead_of_dividing_by_zero():
    with pytest.warns(UserWarning, match="zero-element"):
        layer = Linear(0, 3)
    out = layer(Tensor(np.zeros((2, 0))))
    np.testing.assert_array_equal(out.data, np.zeros((2, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(layer.bias.grad.data, [2.0, 2.0, 2.0])
    assert layer.weight.grad.shape == (3, 0)


@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "cross_entropy", "nll_loss"])
def test_mean_over_an_empty_batch_is_nan(name):
    if name in ("cross_entropy", "nll_loss"):
        args = (Tensor(np.zeros((0, 3))), np.zeros(0, dtype=np.int64))
    else:
        args = (Tensor(np.zeros(0)), Tensor(np.zeros(0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning for the empty mean either
        loss = getattr(losses, name)(*args)
        assert math.isnan(loss.item())
        assert getattr(losses, name)(*args, reduction="sum").item() == 0.0


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_ignore_index_drops_samples_and_their_gradient(name):
    x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0]])
    a = Tensor(x, dtype=np.float64, requires_grad=True)
    loss = getattr(losses, name)(a, [0, -100, 2])
    kept = getattr(losses, name)(Tensor(x[[0, 2]], dtype=np.float64), [0, 2])
    assert np.isclose(loss.item(), kept.item())
    loss.backward()
    np.testing.assert_array_equal(a.grad.data[1], np.zeros(3))
    five = getattr(losses, name)(Tensor(x), [0, 1, 1], ignore_index=1, reduction="none")
    assert five.data[1] == 0.0 and five.data[2] == 0.0


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_class_weight_scales_samples_and_the_mean_divides_by_the_weight_sum(name):
    x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0]])
    weight = np.array([2.0, 1.0, 0.5])
    target = [0, 1, 2]
    plain = getattr(losses, name)(Tensor(x, dtype=np.float64), target, reduction="none").data
    weighted = getattr(losses, name)(Tensor(x, dtype=np.float64), target, weight, reduction="none").data
    np.testing.assert_allclose(weighted, plain * weight)
    mean = getattr(losses, name)(Tensor(x, dtype=np.float64), target, weight)
    assert np.isclose(mean.item(), (plain * weight).sum() / weight.sum())


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gives_nan_mean_and_zero_gradient(name):
    a = Tensor(np.ones((2, 3)), dtype=np.float64, requires_grad=True)
    loss = getattr(losses, name)(a, [-100, -100])
    assert math.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(a.grad.data, np.zeros((2, 3)))


def test_loss_modules_take_weight_and_ignore_index():
    x = Tensor(np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), dtype=np.float64)
    got = losses.CrossEntropyLoss(np.array([1.0, 2.0, 3.0]), ignore_index=1)(x, [2, 1])
    want = losses.cross_entropy(x, [2, 1], np.array([1.0, 2.0, 3.0]), ignore_index=1)
    assert np.isclose(got.item(), want.item())
    assert np.isclose(losses.NLLLoss(ignore_index=0)(x, [0, 1]).item(), -x.data[1, 1])


def test_clip_grad_norm_with_a_nan_gradient_makes_every_gradient_nan():
    a = Tensor(np.zeros(2), dtype=np.float64, requires_grad=True)
    b = Tensor(np.zeros(2), dtype=np.float64, requires_grad=True)
    a.grad = Tensor(np.array([3.0, 4.0]), dtype=np.float64)
    b.grad = Tensor(np.array([np.nan, 1.0]), dtype=np.float64)
    total = clip_grad_norm_([a, b], 1.0)
    assert math.isnan(total)
    assert np.isnan(a.grad.data).all() and np.isnan(b.grad.data).all()


def test_clip_grad_norm_error_if_nonfinite_raises_before_changing_anything():
    a = Tensor(np.zeros(2), dtype=np.float64, requires_grad=True)
    a.grad = Tensor(np.array([np.inf, 1.0]), dtype=np.float64)
    with pytest.raises(RuntimeError):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad.data, [np.inf, 1.0])
