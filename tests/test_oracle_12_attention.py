"""Module 12 against torch: F.scaled_dot_product_attention (bool, float and causal masks, scale, broadcast batch
axes; values and gradients) and nn.MultiheadAttention (batch_first, key_padding_mask, attn_mask, need_weights,
average_attn_weights, no batch, bias=False; values, weights and gradients after load_state_dict from torch)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from tinytorch.core.autograd import Tensor  # noqa: E402
from tinytorch.core.tensor import manual_seed  # noqa: E402
from tinytorch.text import attention as A  # noqa: E402

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}


def pair(a: np.ndarray):
    """The same array as a tinytorch leaf and a torch leaf, both requiring grad."""
    return Tensor(a, dtype=a.dtype, requires_grad=True), torch.tensor(a, requires_grad=True)


def compare(ours, theirs, leaves, rng, dtype):
    """Forward values, then the gradients of every leaf pair for one random upstream gradient."""
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(theirs.shape).astype(dtype)
    ours.backward(g)
    theirs.backward(torch.from_numpy(g))
    for i, (o, t) in enumerate(leaves):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), err_msg=f"gradient of leaf {i}", **TOL[dtype])


def allowed_mask(rng, shape):
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True  # every row keeps a key
    return mask


MASKS = ["none", "bool", "float", "causal", "causal-rect", "scale"]


@pytest.mark.parametrize("kind", MASKS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sdpa_matches_torch(kind, dtype):
    rng = np.random.default_rng([MASKS.index(kind), dtype == np.float32])
    L, S = (3, 5) if kind != "causal" else (4, 4)
    q, k, v = (rng.standard_normal(shape).astype(dtype) for shape in ((2, 3, L, 4), (2, 3, S, 4), (2, 3, S, 6)))
    kwargs = {"bool": {"attn_mask": allowed_mask(rng, (L, S))}, "float": {"attn_mask": rng.standard_normal((3, L, S)).astype(dtype)},
              "causal": {"is_causal": True}, "causal-rect": {"is_causal": True}, "scale": {"scale": 0.37}}.get(kind, {})
    leaves = [pair(a) for a in (q, k, v)]
    ours = A.scaled_dot_product_attention(*(o for o, _ in leaves), **kwargs)
    torch_kwargs = {key: torch.from_numpy(val) if isinstance(val, np.ndarray) else val for key, val in kwargs.items()}
    theirs = F.scaled_dot_product_attention(*(t for _, t in leaves), **torch_kwargs)
    assert ours.dtype == dtype
    compare(ours, theirs, leaves, rng, dtype)


def test_sdpa_broadcast_keys_match_torch():
    rng = np.random.default_rng(7)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((1, 5, 4)), rng.standard_normal((1, 5, 2))
    leaves = [pair(a) for a in (q, k, v)]
    ours = A.scaled_dot_product_attention(*(o for o, _ in leaves))
    theirs = F.scaled_dot_product_attention(*(t for _, t in leaves))
    compare(ours, theirs, leaves, rng, np.float64)


def test_masked_logit_of_1e5_has_weight_exactly_zero_as_in_torch():
    q, k, v = np.array([[1000.0]]), np.array([[100.0], [1.0]]), np.array([[5.0], [7.0]])
    mask = np.array([[False, True]])
    ours = A.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1.0)
    theirs = F.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (q, k, v, mask)), scale=1.0)
    assert ours.data[0, 0] == theirs.item() == 7.0


def test_fully_masked_row_is_silent_in_torch_and_an_error_here():
    x = np.ones((2, 3))
    mask = np.array([[True, True], [False, False]])  # SDPA's convention: row 1 may attend to nothing
    silent = F.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (x, x, x, mask)))
    assert (silent[1] == 0).all()  # torch 2.13: zeros, no error
    with pytest.raises(ValueError, match=r"\(1,\)"):
        A.scaled_dot_product_attention(x, x, x, attn_mask=mask)
    theirs = torch.nn.MultiheadAttention(3, 1, batch_first=True)
    ours = A.MultiheadAttention(3, 1, batch_first=True)
    x32 = x[None].astype(np.float32)
    assert torch.isnan(theirs(*[torch.from_numpy(x32)] * 3, attn_mask=torch.from_numpy(~mask))[0]).any()
    with pytest.raises(ValueError, match=r"\(0, 0, 1\)"):
        ours(*[Tensor(x32)] * 3, attn_mask=~mask)


def torch_pair(E, h, rng, dtype=np.float64, **kwargs):
    """A torch MultiheadAttention with random parameters (biases too) and ours loaded from its state_dict."""
    theirs = torch.nn.MultiheadAttention(E, h, **kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(dtype) * 0.5))
    ours = A.MultiheadAttention(E, h, **kwargs)
    if dtype == np.float64:
        ours = ours.double()
    ours.load_state_dict({key: val.numpy() for key, val in theirs.state_dict().items()})
    return ours, theirs


def test_state_dict_keys_and_shapes_match_torch():
    for kwargs in ({}, {"bias": False}, {"batch_first": True}):
        theirs = torch.nn.MultiheadAttention(12, 3, **kwargs).state_dict()
        ours = A.MultiheadAttention(12, 3, **kwargs).state_dict()
        assert list(ours) == list(theirs)
        assert all(ours[key].shape == tuple(val.shape) for key, val in theirs.items())


def test_init_statistics_match_torch():
    torch.manual_seed(0)
    manual_seed(0)
    theirs, ours = torch.nn.MultiheadAttention(256, 4), A.MultiheadAttention(256, 4)
    for name, val in theirs.state_dict().items():
        t, o = val.numpy(), ours.state_dict()[name]
        assert abs(t.std() - o.std()) < 0.05 * max(t.std(), 1e-3) and abs(np.abs(t).max() - np.abs(o).max()) < 0.02 * max(np.abs(t).max(), 1e-3), name


CASES = {
    "plain": {},
    "key_padding bool": {"key_padding_mask": "bool"},
    "key_padding float": {"key_padding_mask": "float"},
    "attn_mask bool 2-D": {"attn_mask": "bool2"},
    "attn_mask float 3-D": {"attn_mask": "float3"},
    "both masks": {"key_padding_mask": "bool", "attn_mask": "bool2"},
    "per-head weights": {"average_attn_weights": False},
    "no weights": {"need_weights": False},
}


def build_masks(spec, rng, N, h, L, S, dtype):
    out = {}
    for key, val in spec.items():
        if val == "bool":
            out[key] = ~allowed_mask(rng, (N, S))  # MultiheadAttention: True = hide
        elif val == "float":
            out[key] = rng.standard_normal((N, S)).astype(dtype)
        elif val == "bool2":
            out[key] = ~allowed_mask(rng, (L, S))
        elif val == "float3":
            out[key] = rng.standard_normal((N * h, L, S)).astype(dtype)
        else:
            out[key] = val
    return out


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_matches_torch(case, batch_first):
    rng = np.random.default_rng([list(CASES).index(case), batch_first])
    E, h, N, L, S = 8, 2, 3, 4, 5
    ours, theirs = torch_pair(E, h, rng, batch_first=batch_first)
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    q, k, v = rng.standard_normal(shape(L)), rng.standard_normal(shape(S)), rng.standard_normal(shape(S))
    kwargs = build_masks(CASES[case], rng, N, h, L, S, np.float64)
    leaves = [pair(a) for a in (q, k, v)]
    out, weights = ours(*(o for o, _ in leaves), **kwargs)
    t_kwargs = {key: torch.from_numpy(val) if isinstance(val, np.ndarray) else val for key, val in kwargs.items()}
    t_out, t_weights = theirs(*(t for _, t in leaves), **t_kwargs)
    if t_weights is None:
        assert weights is None
    else:
        np.testing.assert_allclose(weights.data, t_weights.detach().numpy(), **TOL[np.float64])
    compare(out, t_out, leaves, rng, np.float64)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad.data, p.grad.numpy(), err_msg=name,
                                   **TOL[np.float64])


def test_self_attention_causal_matches_torch_float32():
    rng = np.random.default_rng(11)
    ours, theirs = torch_pair(16, 4, rng, np.float32, batch_first=True)
    x = rng.standard_normal((2, 6, 16)).astype(np.float32)
    o, t = pair(x)
    out, weights = ours(o, o, o, is_causal=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(6)
    t_out, t_weights = theirs(t, t, t, attn_mask=mask, is_causal=True)
    np.testing.assert_allclose(weights.data, t_weights.detach().numpy(), **TOL[np.float32])
    assert out.dtype == np.float32
    compare(out, t_out, [(o, t)], rng, np.float32)


def test_unbatched_and_no_bias_match_torch():
    rng = np.random.default_rng(12)
    ours, theirs = torch_pair(6, 3, rng, bias=False)
    q, kv = rng.standard_normal((4, 6)), rng.standard_normal((5, 6))
    pad = np.array([False, True, False, False, True])
    leaves = [pair(a) for a in (q, kv)]
    out, weights = ours(leaves[0][0], leaves[1][0], leaves[1][0], key_padding_mask=pad)
    t_out, t_weights = theirs(leaves[0][1], leaves[1][1], leaves[1][1], key_padding_mask=torch.from_numpy(pad))
    assert out.shape == (4, 6) and weights.shape == (4, 5)
    np.testing.assert_allclose(weights.data, t_weights.detach().numpy(), **TOL[np.float64])
    compare(out, t_out, leaves, rng, np.float64)
