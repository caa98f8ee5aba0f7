"""Module 03 against torch.nn.functional: forward values and gradients of every activation, float64 and float32."""
from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from tinytorch.core import activations as act  # noqa: E402
from tinytorch.core.autograd import Tensor, no_grad  # noqa: E402

SHAPES = [(1,), (7,), (3, 1), (2, 1, 4), (1, 3, 2, 1), (2, 5, 3)]
TOL64 = dict(rtol=1e-10, atol=1e-12)
TOL32 = dict(rtol=1e-5, atol=1e-6)

# name -> (ours, theirs), both taking one tensor
UNARY = {
    "relu": (act.relu, F.relu),
    "leaky_relu": (act.leaky_relu, F.leaky_relu),
    "leaky_relu(0.2)": (lambda x: act.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    "leaky_relu(-0.3)": (lambda x: act.leaky_relu(x, negative_slope=-0.3), lambda x: F.leaky_relu(x, negative_slope=-0.3)),
    "elu": (act.elu, F.elu),
    "elu(0.5)": (lambda x: act.elu(x, alpha=0.5), lambda x: F.elu(x, alpha=0.5)),
    "gelu": (act.gelu, F.gelu),
    "gelu(tanh)": (lambda x: act.gelu(x, approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "silu": (act.silu, F.silu),
    "sigmoid": (act.sigmoid, torch.sigmoid),
    "tanh": (act.tanh, torch.tanh),
    "softmax": (act.softmax, lambda x: F.softmax(x, dim=-1)),
    "softmax(dim=0)": (lambda x: act.softmax(x, dim=0), lambda x: F.softmax(x, dim=0)),
    "log_softmax": (act.log_softmax, lambda x: F.log_softmax(x, dim=-1)),
    "log_softmax(dim=0)": (lambda x: act.log_softmax(x, dim=0), lambda x: F.log_softmax(x, dim=0)),
}


def run_ours(f, data, upstream, dtype):
    x = Tensor(data, dtype=dtype, requires_grad=True)
    out = f(x)
    out.backward(upstream.astype(dtype))
    return out, x.grad


def run_theirs(f, data, upstream, dtype):
    x = torch.tensor(data, dtype=dtype, requires_grad=True)
    out = f(x)
    out.backward(torch.tensor(upstream, dtype=dtype))
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_matches_torch_float64(name, shape):
    ours_f, theirs_f = UNARY[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    data = rng.standard_normal(shape) * 3
    upstream = rng.standard_normal(shape)
    out, grad = run_ours(ours_f, data, upstream, np.float64)
    want_out, want_grad = run_theirs(theirs_f, data, upstream, torch.float64)
    assert out.dtype == np.float64 and out.shape == want_out.shape
    np.testing.assert_allclose(out.data, want_out, **TOL64)
    np.testing.assert_allclose(grad.data, want_grad, **TOL64)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_matches_torch_float32(name):
    ours_f, theirs_f = UNARY[name]
    rng = np.random.default_rng(32)
    data = (rng.standard_normal((4, 6)) * 3).astype(np.float32)
    upstream = rng.standard_normal((4, 6)).astype(np.float32)
    out, grad = run_ours(ours_f, data, upstream, np.float32)
    want_out, want_grad = run_theirs(theirs_f, data, upstream, torch.float32)
    assert out.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(out.data, want_out, **TOL32)
    np.testing.assert_allclose(grad.data, want_grad, **TOL32)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_matches_torch_at_extremes(name):
    """Inputs of +-1000, +-50 and 0: the same finite values and gradients as PyTorch."""
    ours_f, theirs_f = UNARY[name]
    data = np.array([[-1000.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1000.0],
                     [1000.0, 1000.0, -1000.0, 3.0, -3.0, 0.5, -0.5]])
    upstream = np.linspace(-1.0, 1.0, data.size).reshape(data.shape)
    with np.errstate(all="raise", under="ignore"):
        out, grad = run_ours(ours_f, data, upstream, np.float64)
    want_out, want_grad = run_theirs(theirs_f, data, upstream, torch.float64)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(grad.data))
    np.testing.assert_allclose(out.data, want_out, **TOL64)
    np.testing.assert_allclose(grad.data, want_grad, **TOL64)


@pytest.mark.parametrize("x_shape, channels", [((5,), 5), ((4, 3), 3), ((2, 3, 4), 3), ((2, 1, 3, 3), 1), ((3, 2, 1, 2), 2), ((6,), 1)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_prelu_matches_torch(x_shape, channels, per_channel):
    rng = np.random.default_rng(len(x_shape) * 10 + channels + per_channel)
    data = rng.standard_normal(x_shape) * 2
    weight = rng.uniform(-0.5, 0.5, channels if per_channel else 1)
    upstream = rng.standard_normal(x_shape)
    x = Tensor(data, dtype=np.float64, requires_grad=True)
    w = Tensor(weight, dtype=np.float64, requires_grad=True)
    out = act.prelu(x, w)
    out.backward(upstream)
    tx = torch.tensor(data, requires_grad=True)
    tw = torch.tensor(weight, requires_grad=True)
    if len(x_shape) == 1 and channels > 1:
        # PyTorch has no channel dim for 1-D input (weight must have 1 element); ours reads 1-D x as one
        # sample's channels, which is PyTorch on the batch of one, x[None]
        tout = F.prelu(tx[None], tw)[0]
    else:
        tout = F.prelu(tx, tw)
    tout.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL64)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), **TOL64)
    assert w.grad.shape == weight.shape
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy(), **TOL64)


def test_prelu_module_step_matches_torch():
    """One SGD step on the slopes of torch.nn.PReLU gives the same slopes as a step on ours."""
    rng = np.random.default_rng(7)
    data, target = rng.standard_normal((8, 3, 2)), rng.standard_normal((8, 3, 2))
    module = torch.nn.PReLU(num_parameters=3, init=0.25).double()
    loss = ((module(torch.tensor(data)) - torch.tensor(target)) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        module.weight -= 0.1 * module.weight.grad
    w = Tensor(np.full(3, 0.25), dtype=np.float64, requires_grad=True)
    ours = ((act.prelu(Tensor(data, dtype=np.float64), w) - target) ** 2).mean()
    assert abs(ours.item() - loss.item()) < 1e-12
    ours.backward()
    np.testing.assert_allclose(w.data - 0.1 * w.grad.data, module.weight.detach().numpy(), **TOL64)


IN_PLACE = {
    "relu_": (act.relu_, F.relu_),
    "leaky_relu_": (act.leaky_relu_, F.leaky_relu_),
    "leaky_relu_(0.2)": (lambda x: act.leaky_relu_(x, 0.2), lambda x: F.leaky_relu_(x, 0.2)),
    "sigmoid_": (act.sigmoid_, torch.sigmoid_),
    "tanh_": (act.tanh_, torch.tanh_),
}


@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_matches_torch(name, dtype, tol):
    ours_f, theirs_f = IN_PLACE[name]
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((3, 1, 5)) * 4).astype(dtype)
    data[0, 0, :2] = [-1000.0, 1000.0]
    x = Tensor(data, dtype=dtype, requires_grad=True)
    buffer = x.data
    with no_grad():
        assert ours_f(x) is x
    theirs = torch.tensor(data)
    theirs_f(theirs)
    assert x.data is buffer
    np.testing.assert_allclose(buffer, theirs.numpy(), **tol)


def test_in_place_refused_like_torch_for_leaves():
    x = Tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_"):
        act.relu_(x)
    with pytest.raises(RuntimeError):
        F.relu_(torch.tensor([1.0, -1.0], requires_grad=True))


def test_erf_matches_torch():
    grid = np.concatenate([np.linspace(-8.0, 8.0, 16001), [-1e-300, 1e-12, 5.9999, 6.0, 2.0, 1.9999999]])
    np.testing.assert_allclose(act.erf(grid), torch.special.erf(torch.tensor(grid)).numpy(), rtol=1e-13, atol=1e-15)
    assert math.isnan(float(act.erf(np.array(np.nan))))


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0,), 0), ((3, 0, 2), 1), ((0, 4), 1), ((2, 0), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_empty_input_matches_torch(name, shape, dim):
    """A size-0 input gives an empty result and an empty gradient in both."""
    ours_out, ours_grad = run_ours(lambda x: getattr(act, name)(x, dim=dim), np.zeros(shape), np.zeros(shape), np.float64)
    ref_out, ref_grad = run_theirs(lambda x: getattr(F, name)(x, dim=dim), np.zeros(shape), np.zeros(shape), torch.float64)
    assert ours_out.shape == ref_out.shape and ours_grad.shape == ref_grad.shape


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axis_keyword_equals_torch_dim(name):
    """axis= (NumPy's name) gives what torch gives for dim=."""
    data = np.random.default_rng(7).standard_normal((3, 4, 2))
    upstream = np.random.default_rng(8).standard_normal((3, 4, 2))
    for dim in (0, 1, -1):
        ours_out, ours_grad = run_ours(lambda x: getattr(act, name)(x, axis=dim), data, upstream, np.float64)
        ref_out, ref_grad = run_theirs(lambda x: getattr(F, name)(x, dim=dim), data, upstream, torch.float64)
        np.testing.assert_allclose(ours_out.data, ref_out, **TOL64)
        np.testing.assert_allclose(ours_grad.data, ref_grad, **TOL64)
