"""Module 13 against torch: F.layer_norm and nn.LayerNorm (normalized_shape, eps, elementwise_affine, bias)
values and gradients, GELU (exact and tanh), and the whole GPT against the same model built from torch.nn
parts with the weights copied: logits, loss and every parameter's gradient."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core.activations import gelu  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402
from tinytorch.core.losses import cross_entropy  # noqa: E402
from tinytorch.text import transformer as T  # noqa: E402

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-5)}
CASES = [((4, 6), (6,)), ((2, 3, 5), (5,)), ((2, 3, 5), (3, 5)), ((7,), (7,)), ((2, 1, 4), (1, 4))]


def pair(array, dtype):
    a = np.asarray(array, dtype=dtype)
    return Tensor(a, dtype=dtype, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("shape, normalized", CASES)
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
@pytest.mark.parametrize("eps", [1e-5, 0.3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_layer_norm_matches_torch(shape, normalized, affine, eps, dtype):
    rng = np.random.default_rng([len(shape), *shape, len(normalized), int(eps * 10)])
    x, tx = pair(rng.standard_normal(shape) * 3 + 1, dtype)
    w, tw = pair(rng.standard_normal(normalized), dtype) if affine != "none" else (None, None)
    b, tb = pair(rng.standard_normal(normalized), dtype) if affine == "both" else (None, None)
    out = T.layer_norm(x, normalized, w, b, eps)
    ref = torch.nn.functional.layer_norm(tx, normalized, tw, tb, eps)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(shape).astype(dtype)
    out.backward(g)
    ref.backward(torch.from_numpy(g))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        if ours is not None:
            np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("kwargs", [{}, dict(eps=1e-3), dict(elementwise_affine=False), dict(bias=False)])
def test_layer_norm_module_matches_torch(kwargs):
    ours, theirs = T.LayerNorm((3, 4), **kwargs), torch.nn.LayerNorm((3, 4), **kwargs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_array_equal(p.data, q.detach().numpy())
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), **TOL[np.float32])


def test_layer_norm_shape_mismatch_raises_like_torch():
    x = np.zeros((2, 5), dtype=np.float32)
    with pytest.raises(RuntimeError):
        torch.nn.functional.layer_norm(torch.from_numpy(x), (4,))
    with pytest.raises(ValueError, match="normalized_shape"):
        T.layer_norm(Tensor(x), (4,))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    x, tx = pair(np.linspace(-6, 6, 97), np.float64)
    out = gelu(x, approximate=approximate)
    ref = torch.nn.functional.gelu(tx, approximate=approximate)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-7, atol=1e-9)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-7, atol=1e-9)


class TorchBlock(torch.nn.Module):
    """The same pre-norm block from torch.nn parts."""

    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = torch.nn.LayerNorm(dim), torch.nn.LayerNorm(dim)
        self.attn = torch.nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ffn = torch.nn.Sequential(torch.nn.Linear(dim, 4 * dim), torch.nn.GELU(), torch.nn.Linear(4 * dim, dim))

    def forward(self, x):
        mask = torch.triu(torch.ones(x.shape[1], x.shape[1], dtype=torch.bool), 1)
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.ffn(self.ln2(x))


class TorchGPT(torch.nn.Module):
    def __init__(self, vocab, context, dim, heads, layers, tie):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, dim), torch.nn.Embedding(context, dim)
        self.blocks = torch.nn.ModuleList(TorchBlock(dim, heads) for _ in range(layers))
        self.ln_f, self.head = torch.nn.LayerNorm(dim), torch.nn.Linear(dim, vocab, bias=False)
        if tie:
            self.head.weight = self.tok.weight

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def torch_name(name: str) -> str:
    """Our parameter name -> the TorchGPT one."""
    for ours, theirs in (("tok_emb.", "tok."), ("pos_emb.", "pos."), ("ffn.fc1.", "ffn.0."), ("ffn.fc2.", "ffn.2.")):
        name = name.replace(ours, theirs)
    return name


@pytest.mark.parametrize("tie", [False, True])
def test_gpt_matches_torch_model_with_copied_weights(tie):
    torch.manual_seed(0)
    T.manual_seed(0)
    ours, theirs = T.GPT(13, 10, 16, 4, 2, tie_weights=tie).double(), TorchGPT(13, 10, 16, 4, 2, tie).double()
    rng = np.random.default_rng(1)
    ours_params = dict(ours.named_parameters())
    theirs_params = dict(theirs.named_parameters())
    assert sorted(torch_name(n) for n in ours_params) == sorted(theirs_params)
    with torch.no_grad():
        for name, p in ours_params.items():
            p.data[...] = rng.standard_normal(p.shape) * 0.3
            theirs_params[torch_name(name)].copy_(torch.from_numpy(p.data))
    ids = rng.integers(0, 13, size=(3, 10))
    logits = ours(Tensor(ids))
    ref = theirs(torch.from_numpy(ids))
    np.testing.assert_allclose(logits.data, ref.detach().numpy(), rtol=1e-9, atol=1e-10)
    targets = rng.integers(0, 13, size=(3, 10))
    loss = cross_entropy(logits.reshape(-1, 13), targets.reshape(-1))
    ref_loss = torch.nn.functional.cross_entropy(ref.reshape(-1, 13), torch.from_numpy(targets).reshape(-1))
    assert abs(loss.item() - ref_loss.item()) < 1e-10
    loss.backward()
    ref_loss.backward()
    for name, p in ours_params.items():
        np.testing.assert_allclose(p.grad.data, theirs_params[torch_name(name)].grad.numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=name)
