"""Module 04 against torch.nn: linear and Linear, PReLU, Dropout in eval, Flatten, activation layers, state_dict names."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core import layers as L  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402

TOL64 = dict(rtol=1e-10, atol=1e-12)
TOL32 = dict(rtol=1e-5, atol=1e-5)
X_SHAPES = [(4, 3), (2, 5, 3), (1, 3), (3, 1, 3), (2, 1, 1, 3), (3,), (5, 1)]


def ours(a: np.ndarray, grad: bool = True) -> Tensor:
    return Tensor(a, dtype=a.dtype, requires_grad=grad)


def theirs(a: np.ndarray, grad: bool = True):
    return torch.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("x_shape", X_SHAPES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_function_float64(x_shape, with_bias):
    rng = np.random.default_rng([*x_shape, int(with_bias)])
    n_in, n_out = x_shape[-1], int(rng.integers(1, 5))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    tx, tw, tb = ours(x), ours(w), ours(b)
    px, pw, pb = theirs(x), theirs(w), theirs(b)
    y = L.linear(tx, tw, tb if with_bias else None)
    py = torch.nn.functional.linear(px, pw, pb if with_bias else None)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    g = rng.standard_normal(py.shape)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    np.testing.assert_allclose(tw.grad.data, pw.grad.numpy(), **TOL64)
    if with_bias:
        np.testing.assert_allclose(tb.grad.data, pb.grad.numpy(), **TOL64)


def test_linear_module_float32_matches_torch_linear():
    rng = np.random.default_rng(0)
    L.manual_seed(0)
    layer = L.Linear(7, 4)
    layer.bias.data[...] = rng.standard_normal(4)
    ref = torch.nn.Linear(7, 4)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.weight.data.copy()))
        ref.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    x = rng.standard_normal((6, 2, 7)).astype(np.float32)
    y, py = layer(Tensor(x)), ref(torch.from_numpy(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL32)
    g = rng.standard_normal(py.shape).astype(np.float32)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_allclose(layer.weight.grad.data, ref.weight.grad.numpy(), **TOL32)
    np.testing.assert_allclose(layer.bias.grad.data, ref.bias.grad.numpy(), **TOL32)
    assert repr(layer) == repr(ref)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (1, 3, 1, 2), (4, 1)])
@pytest.mark.parametrize("channels", ["one", "per-channel"])
def test_prelu_matches_torch(shape, channels):
    if channels == "per-channel" and len(shape) < 2:
        pytest.skip("torch.nn.PReLU(C) needs a channel axis (axis 1)")
    rng = np.random.default_rng(sum(shape) + len(shape))
    c = 1 if channels == "one" else shape[1]
    ours_layer = L.PReLU(c, init=0.1).double()
    ref = torch.nn.PReLU(c, init=0.1).double()
    slopes = rng.uniform(-0.5, 0.5, c)
    ours_layer.weight.data[...] = slopes
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(slopes))
    x = rng.standard_normal(shape)
    tx, px = ours(x), theirs(x)
    y, py = ours_layer(tx), ref(px)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    g = rng.standard_normal(shape)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    np.testing.assert_allclose(ours_layer.weight.grad.data, ref.weight.grad.numpy(), **TOL64)
    assert [n for n, _ in ours_layer.named_parameters()] == [n for n, _ in ref.named_parameters()]


def test_prelu_default_init_matches_torch():
    assert np.allclose(L.PReLU().weight.data, torch.nn.PReLU().weight.detach().numpy())
    assert L.PReLU().weight.shape == tuple(torch.nn.PReLU().weight.shape)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.9, 1.0])
def test_dropout_eval_is_identity_like_torch(p):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 1, 4))
    ours_layer, ref = L.Dropout(p).eval(), torch.nn.Dropout(p).eval()
    tx, px = ours(x), theirs(x)
    y, py = ours_layer(tx), ref(px)
    np.testing.assert_array_equal(y.data, py.detach().numpy())
    g = rng.standard_normal(x.shape)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(tx.grad.data, px.grad.numpy())


def test_dropout_edge_cases_in_training_like_torch():
    x = np.random.default_rng(2).standard_normal((4, 5))
    np.testing.assert_array_equal(L.Dropout(1.0)(ours(x)).data, torch.nn.Dropout(1.0)(theirs(x)).detach().numpy())
    np.testing.assert_array_equal(L.Dropout(0.0)(ours(x)).data, torch.nn.Dropout(0.0)(theirs(x)).detach().numpy())


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 3), (4, 1), (6,), (2, 1, 1, 1, 2)])
def test_flatten_shapes_match_torch(shape):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    nd = len(shape)
    for start in range(-nd, nd):
        for end in range(-nd, nd):
            if start % nd > end % nd:
                continue
            y = L.Flatten(start, end)(ours(x, grad=False))
            py = torch.nn.Flatten(start, end)(theirs(x, grad=False))
            assert y.shape == tuple(py.shape), f"Flatten({start}, {end}) on {shape}"
            np.testing.assert_array_equal(y.data, py.numpy())
    assert repr(L.Flatten()) == repr(torch.nn.Flatten())


ACTIVATIONS = [
    (lambda: L.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: L.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: L.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: L.ELU(), lambda: torch.nn.ELU()),
    (lambda: L.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    (lambda: L.GELU(), lambda: torch.nn.GELU()),
    (lambda: L.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    (lambda: L.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: L.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: L.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: L.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: L.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    (lambda: L.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
    (lambda: L.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
]


@pytest.mark.parametrize("make", ACTIVATIONS)
def test_activation_layers_match_torch(make):
    ours_layer, ref = make[0](), make[1]()
    assert repr(ours_layer) == repr(ref)
    rng = np.random.default_rng(3)
    for shape in [(2, 3), (3, 1, 4), (1, 5)]:
        x = rng.standard_normal(shape) * 3
        tx, px = ours(x), theirs(x)
        y, py = ours_layer(tx), ref(px)
        np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
        g = rng.standard_normal(shape)
        y.backward(g)
        py.backward(torch.from_numpy(g))
        np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)


def build_pair():
    """The same architecture in both frameworks, torch's weights copied into ours."""
    ours_model = L.Sequential(
        L.Flatten(), L.Linear(6, 8), L.ReLU(), L.Dropout(0.2),
        L.Sequential(L.Linear(8, 8), L.PReLU(8), L.Linear(8, 4, bias=False)), L.Tanh(), L.Linear(4, 3),
    ).double()
    ref = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.PReLU(8), torch.nn.Linear(8, 4, bias=False)),
        torch.nn.Tanh(), torch.nn.Linear(4, 3),
    ).double()
    return ours_model, ref


def test_state_dict_names_match_torch_sequential():
    ours_model, ref = build_pair()
    sd, ref_sd = ours_model.state_dict(), ref.state_dict()
    assert list(sd) == list(ref_sd)
    assert [tuple(v.shape) for v in sd.values()] == [tuple(v.shape) for v in ref_sd.values()]
    assert [n for n, _ in ours_model.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in ours_model.named_modules()] == [n for n, _ in ref.named_modules()]


def test_torch_weights_load_into_ours_and_compute_the_same():
    ours_model, ref = build_pair()
    ours_model.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    ours_model.eval()
    ref.eval()
    x = np.random.default_rng(4).standard_normal((5, 2, 3))
    tx, px = ours(x), theirs(x)
    y, py = ours_model(tx), ref(px)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    g = np.random.default_rng(5).standard_normal(py.shape)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    ref_params = dict(ref.named_parameters())
    for name, p in ours_model.named_parameters():
        np.testing.assert_allclose(p.grad.data, ref_params[name].grad.numpy(), **TOL64, err_msg=name)


def test_shared_module_and_tied_weight_names_match_torch():
    def make(nn):
        class Tied(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(3, 3)
                self.b = self.a
                self.c = nn.Linear(3, 3)
                self.c.weight = self.a.weight
        return Tied()

    ours_model, ref = make(L), make(torch.nn)
    assert list(ours_model.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in ours_model.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in ours_model.named_modules()] == [n for n, _ in ref.named_modules()]


def test_module_list_names_match_torch():
    class Stack(L.Module):
        def __init__(self):
            super().__init__()
            self.blocks = L.ModuleList([L.Linear(2, 2), L.Linear(2, 2)])
            self.head = L.Linear(2, 1)

    class RefStack(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)])
            self.head = torch.nn.Linear(2, 1)

    assert list(Stack().state_dict()) == list(RefStack().state_dict())
    assert list(Stack().blocks[1:].state_dict()) == list(RefStack().blocks[1:].state_dict())


def test_sequential_slice_keeps_names_like_torch():
    ours_model, ref = build_pair()
    for index in [slice(1, None), slice(None, 3), slice(4, 7), slice(None, None, 2)]:
        assert list(ours_model[index].state_dict()) == list(ref[index].state_dict())
        assert repr(ours_model[index]).replace("Dropout(p=0.2)", "Dropout(p=0.2, inplace=False)") == repr(ref[index])


def test_repr_matches_torch():
    ours_model = L.Sequential(L.Linear(2, 3), L.Sequential(L.ReLU(), L.Linear(3, 1, bias=False)), L.LeakyReLU(),
                              L.PReLU(), L.GELU(), L.Softmax(dim=-1), L.Flatten(), L.ELU())
    ref = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1, bias=False)),
                              torch.nn.LeakyReLU(), torch.nn.PReLU(), torch.nn.GELU(), torch.nn.Softmax(dim=-1),
                              torch.nn.Flatten(), torch.nn.ELU())
    assert repr(ours_model) == repr(ref)


@pytest.mark.parametrize("shape", [(5, 3), (16, 8, 3, 3), (4, 2, 5), (7, 1), (3, 2, 1, 1, 2)])
def test_fans_and_gains_match_torch(shape):
    t = L.Parameter(np.zeros(shape))
    assert L.calculate_fans(t) == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                        ("leaky_relu", 0.2), ("selu", None), ("conv2d", None)]:
        assert L.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-12)


@pytest.mark.parametrize("init", ["xavier_uniform_", "kaiming_uniform_"])
def test_uniform_bounds_match_torch(init):
    # the same bound as PyTorch for the same fans: the largest of 60000 draws is within 0.2% of it in both
    shape = (300, 200)
    ours_t = getattr(L, init)(L.Parameter(np.zeros(shape)), rng=np.random.default_rng(0))
    ref_t = getattr(torch.nn.init, init)(torch.empty(shape, dtype=torch.float64))
    # (torch's default nonlinearity for kaiming is leaky_relu with a=0, whose gain equals our default relu's)
    ours_max, ref_max = float(np.abs(ours_t.data).max()), float(ref_t.abs().max())
    assert ours_max == pytest.approx(ref_max, rel=2e-3)


@pytest.mark.parametrize("n_in, n_out", [(0, 3), (3, 0), (0, 0)])
def test_linear_with_zero_features_matches_torch(n_in, n_out):
    """Linear(0, 3) and Linear(3, 0): both warn at init; outputs and gradients agree (the weights are empty)."""
    with pytest.warns(UserWarning, match="zero-element"):
        layer = L.Linear(n_in, n_out)
    with pytest.warns(UserWarning, match="zero-element"):
        ref = torch.nn.Linear(n_in, n_out, dtype=torch.float64)
    layer.double()
    with torch.no_grad():
        ref.bias.zero_()
    rng = np.random.default_rng(n_in * 10 + n_out)
    x, g = rng.standard_normal((4, n_in)), rng.standard_normal((4, n_out))
    tx, px = ours(x), theirs(x)
    y, py = layer(tx), ref(px)
    np.testing.assert_allclose(y.data, py.detach().numpy(), **TOL64)
    y.backward(g)
    py.backward(torch.from_numpy(g))
    np.testing.assert_allclose(tx.grad.data, px.grad.numpy(), **TOL64)
    assert layer.weight.grad.shape == tuple(ref.weight.grad.shape)
    np.testing.assert_allclose(layer.bias.grad.data, ref.bias.grad.numpy(), **TOL64)
