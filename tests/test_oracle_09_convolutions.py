"""Module 09 against torch: conv2d and Conv2d, max and average pooling (ties included), batch norm in training
and evaluation (running statistics, momentum, num_batches_tracked), state_dict names, and the errors."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core import conv as C  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402

F = torch.nn.functional
TOL64 = dict(rtol=1e-10, atol=1e-10)
TOL32 = dict(rtol=1e-4, atol=1e-5)
# (x shape, weight shape, stride, padding, dilation)
GEOMETRIES = [((2, 3, 7, 6), (4, 3, 3, 3), 1, 1, 1), ((1, 2, 9, 8), (3, 2, 2, 3), (2, 1), (1, 0), (2, 1)),
              ((3, 1, 5, 5), (2, 1, 1, 1), 2, 0, 1), ((2, 2, 8, 8), (2, 2, 3, 2), 3, 2, 2),
              ((1, 4, 4, 4), (5, 4, 4, 4), 1, 0, 1), ((2, 1, 3, 3), (1, 1, 3, 3), 1, (0, 1), 1)]


def ours(a: np.ndarray, grad: bool = True) -> Tensor:
    return Tensor(a, dtype=a.dtype, requires_grad=grad)


def theirs(a: np.ndarray, grad: bool = True):
    return torch.tensor(a, requires_grad=grad)


def backward_both(y, py, rng) -> None:
    g = rng.standard_normal(py.shape).astype(y.data.dtype)
    y.backward(g)
    py.backward(torch.from_numpy(g))


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_float64(geometry, with_bias):
    x_shape, w_shape, s, p, d = geometry
    rng = np.random.default_rng([*x_shape, *w_shape, int(with_bias)])
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    tx, tw, tb = ours(x), ours(w), ours(b)
    px, pw, pb = theirs(x), theirs(w), theirs(b)
    y = C.conv2d(tx, tw, tb if with_bias else None, s, p, d)
    py = F.conv2d(px, pw, pb if with_bias else None, s, p, d)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    np.testing.assert_allclose(C.conv2d_loops(x, w, b if with_bias else None, s, p, d), py.detach().numpy(), **TOL64)
    backward_both(y, py, rng)
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    np.testing.assert_allclose(tw.grad.data, pw.grad.numpy(), **TOL64)
    if with_bias:
        np.testing.assert_allclose(tb.grad.data, pb.grad.numpy(), **TOL64)


def test_conv2d_module_float32_and_state_dict():
    rng = np.random.default_rng(0)
    layer = C.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2))
    layer.bias.data[...] = rng.standard_normal(6)
    ref = torch.nn.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2))
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.weight.data.copy()))
        ref.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    assert list(layer.state_dict()) == list(ref.state_dict())
    assert repr(layer) == repr(ref)
    x = rng.standard_normal((4, 3, 9, 8)).astype(np.float32)
    y, py = layer(ours(x)), ref(theirs(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL32)
    backward_both(y, py, rng)
    np.testing.assert_allclose(layer.weight.grad.data, ref.weight.grad.numpy(), **TOL32)
    np.testing.assert_allclose(layer.bias.grad.data, ref.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert repr(C.Conv2d(1, 2, 3, bias=False)) == repr(torch.nn.Conv2d(1, 2, 3, bias=False))


def test_conv2d_errors_where_torch_refuses():
    x, w = np.ones((1, 3, 5, 5)), np.ones((2, 4, 3, 3))
    with pytest.raises(RuntimeError):
        F.conv2d(torch.tensor(x), torch.tensor(w))
    with pytest.raises(ValueError, match=r"\(1, 3, 5, 5\)"):
        C.conv2d(Tensor(x), Tensor(w))
    small, kernel = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    with pytest.raises(RuntimeError):
        F.conv2d(torch.tensor(small), torch.tensor(kernel))
    with pytest.raises(ValueError, match="padded input"):
        C.conv2d(Tensor(small), Tensor(kernel))
    np.testing.assert_allclose(C.conv2d(Tensor(small), Tensor(kernel), padding=1).data,
                               F.conv2d(torch.tensor(small), torch.tensor(kernel), padding=1).numpy())


POOLS = [(2, None, 0, 1), (3, 2, 1, 1), (3, 1, 1, 2), ((2, 3), (1, 2), (1, 1), 1), (2, 1, 1, (2, 1))]


@pytest.mark.parametrize("pool", POOLS, ids=str)
def test_max_pool2d_with_ties(pool):
    k, s, p, d = pool
    rng = np.random.default_rng(len(str(pool)))
    x = rng.integers(0, 3, size=(2, 3, 7, 6)).astype(np.float64)  # many ties: the first maximum must win
    tx, px = ours(x), theirs(x)
    y, py = C.max_pool2d(tx, k, s, p, d), F.max_pool2d(px, k, s, p, d)
    np.testing.assert_array_equal(y.data, py.detach().numpy())
    backward_both(y, py, rng)
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    module = C.MaxPool2d(k, s, p, d)(Tensor(x))
    np.testing.assert_array_equal(module.data, torch.nn.MaxPool2d(k, s, p, d)(torch.tensor(x)).numpy())


def test_max_pool2d_nan_wins():
    x = np.array([[[[1.0, np.nan, 0.0, 2.0], [3.0, 0.0, 1.0, 1.0]]]])
    np.testing.assert_array_equal(C.max_pool2d(Tensor(x, dtype=np.float64), 2).data,
                                  F.max_pool2d(torch.tensor(x), 2).numpy())


@pytest.mark.parametrize("pool", [(2, None, 0), (3, 2, 1), (3, 1, 1), ((2, 3), (1, 2), (1, 1))], ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(pool, count_include_pad):
    k, s, p = pool
    rng = np.random.default_rng(len(str(pool)) + count_include_pad)
    x = rng.standard_normal((2, 3, 7, 6))
    tx, px = ours(x), theirs(x)
    y = C.avg_pool2d(tx, k, s, p, count_include_pad)
    py = F.avg_pool2d(px, k, s, p, count_include_pad=count_include_pad)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    backward_both(y, py, rng)
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)


def test_pool_padding_larger_than_half_the_kernel_is_refused_by_both():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(RuntimeError):
        F.max_pool2d(torch.tensor(x), 2, padding=2)
    with pytest.raises(ValueError, match="half"):
        C.max_pool2d(Tensor(x), 2, padding=2)


BATCH_NORMS = [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (2, 3, 4, 5))]


@pytest.mark.parametrize("kind, shape", BATCH_NORMS)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_training_then_eval(kind, shape, momentum):
    rng = np.random.default_rng([len(shape), 0 if momentum is None else int(momentum * 10)])
    layer = getattr(C, kind)(3, momentum=momentum).double()
    ref = getattr(torch.nn, kind)(3, momentum=momentum).double()
    with torch.no_grad():
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        layer.weight.data[...], layer.bias.data[...] = w, b
        ref.weight.copy_(torch.from_numpy(w))
        ref.bias.copy_(torch.from_numpy(b))
    assert list(layer.state_dict()) == list(ref.state_dict())  # the repr differs: torch 2.13 also shows bias=True
    for step in range(3):
        x = rng.standard_normal(shape) * (step + 1) + step
        tx, px = ours(x), theirs(x)
        y, py = layer(tx), ref(px)
        np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
        backward_both(y, py, rng)
        np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
        np.testing.assert_allclose(layer.weight.grad.data, ref.weight.grad.numpy(), **TOL64)
        np.testing.assert_allclose(layer.bias.grad.data, ref.bias.grad.numpy(), **TOL64)
        layer.zero_grad()
        ref.zero_grad()
    np.testing.assert_allclose(layer.running_mean.data, ref.running_mean.numpy(), **TOL64)
    np.testing.assert_allclose(layer.running_var.data, ref.running_var.numpy(), **TOL64)
    assert int(layer.num_batches_tracked.data) == int(ref.num_batches_tracked) == 3
    layer.eval()
    ref.eval()
    x = rng.standard_normal(shape)
    tx, px = ours(x), theirs(x)
    y, py = layer(tx), ref(px)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    backward_both(y, py, rng)
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)


def test_batch_norm_float32_module_and_functional():
    rng = np.random.default_rng(7)
    layer, ref = C.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    x = (rng.standard_normal((8, 4, 3, 3)) * 3 + 1).astype(np.float32)
    y, py = layer(ours(x, False)), ref(theirs(x, False))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL32)
    np.testing.assert_allclose(layer.running_var.data, ref.running_var.numpy(), **TOL32)
    rm, rv = rng.standard_normal(4), rng.random(4) + 0.5
    got = C.batch_norm(Tensor(x, dtype=np.float64), Tensor(rm, dtype=np.float64), Tensor(rv, dtype=np.float64), eps=1e-3)
    want = F.batch_norm(torch.tensor(x, dtype=torch.float64), torch.tensor(rm), torch.tensor(rv), eps=1e-3)
    np.testing.assert_allclose(got.data, want.numpy(), **TOL64)


def test_batch_norm_without_tracking_and_errors():
    rng = np.random.default_rng(8)
    layer = C.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    ref = torch.nn.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    assert list(layer.state_dict()) == list(ref.state_dict()) == []
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(layer(Tensor(x, dtype=np.float64)).data, ref(torch.tensor(x)).numpy(), **TOL64)
    one = np.ones((1, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm1d(3)(torch.tensor(one))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        C.BatchNorm1d(3)(Tensor(one))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        torch.nn.BatchNorm2d(3)(torch.tensor(x))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        C.BatchNorm2d(3)(Tensor(x))


def test_cnn_with_the_same_weights_gives_the_same_logits_and_gradients():
    rng = np.random.default_rng(9)
    model = C.digits_cnn()
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1, bias=False), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1, bias=False), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(128, 10))
    assert list(model.state_dict()) == list(ref.state_dict())
    ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    x = rng.random((6, 1, 8, 8)).astype(np.float32)
    y, py = model(Tensor(x)), ref(torch.from_numpy(x))
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL32)
    backward_both(y, py, rng)
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
