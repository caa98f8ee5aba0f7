# %% [markdown]
# # Module 12: Attention
#
# An embedding gives each token a vector of its own; to understand "it" in a sentence, a token needs the
# vectors of other tokens too. Attention gives every position a weighted average of the other positions'
# vectors, and the data picks the weights: position t compares its query with every key, and the better a
# key matches, the more of that position's value it takes.
#
# You will write `causal_mask`, the masked softmax, scaled dot-product attention as one graph node with its
# backward rule, the head split, the conversion of `MultiheadAttention`'s masks, and `MultiheadAttention`.
# Names, arguments and defaults are PyTorch's (`torch.nn.functional.scaled_dot_product_attention`,
# `torch.nn.MultiheadAttention`), and `MultiheadAttention` loads a PyTorch model's `state_dict`. Each task is
# a cell containing `# YOUR CODE HERE`; the locked cells after it test it. Run the cells in order.
#
# Shapes: L queries, S keys (and as many values), E the width of queries and keys, Ev the width of values;
# `...` stands for any leading (batch) axes.

# %%
#| default_exp text.attention

# %%
#| export
import math

import numpy as np

from tinytorch.core.autograd import Tensor, record_op, unbroadcast
from tinytorch.core.layers import Linear, Module, Parameter, kaiming_uniform_, linear, xavier_uniform_
from tinytorch.core.tensor import array_of
from tinytorch.core.tensor import default_generator as _generator

# %% [markdown]
# ## 1. The formula
#
# For queries Q (..., L, E), keys K (..., S, E) and values V (..., S, Ev):
#
#     attention(Q, K, V) = softmax(Q K^T / sqrt(E)) V          (..., L, S) @ (..., S, Ev) -> (..., L, Ev)
#
# Row t of the weights softmax(Q K^T / sqrt(E)) is positive and sums to 1, so output t is a weighted average of
# the value rows. The weights depend on the inputs: that is the difference from a Linear layer, whose weights
# are fixed after training.
#
# Why divide by sqrt(E): for query and key entries with mean 0 and variance 1, q . k is a sum of E products
# of variance 1, so its standard deviation is sqrt(E). Without the division, wide heads give logits of tens,
# the softmax puts nearly all weight on one key, and its gradient (s (g - sum g s)) nearly vanishes. The
# division brings the logits back to standard deviation 1 at every width. The cell after the attention tests
# measures both.
#
# ## 2. Masks
#
# A mask says which keys a query may look at:
# - causal: a language model predicting token t + 1 must not read tokens after t, so query t sees keys 0 .. t;
# - padding: sequences of a batch are padded to one length, and nobody may look at the padding keys.
#
# `scaled_dot_product_attention` takes `attn_mask` as PyTorch does: a bool mask means True = "may attend"; a
# float mask is added to the logits (0 keeps a key, -inf removes it, other values bias it).
#
# **Task: `causal_mask(size, key_size=None)`**: the bool Tensor of shape (size, key_size) (key_size defaults
# to size) that is True where key s <= query t: on and below the diagonal. That is the "may attend" convention
# of `scaled_dot_product_attention`. Hint: `np.tri`.

# %% nbgrader={"grade": false, "grade_id": "causal-mask", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def causal_mask(size: int, key_size: int | None = None) -> Tensor:
    """Bool (size, key_size): True where key s <= query t, i.e. the keys query t may attend to."""
    key_size = size if key_size is None else key_size
    ### BEGIN SOLUTION
    return Tensor(np.tri(size, key_size, dtype=bool))
    ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: helpers that several tests below share (not exported).
from tinytorch.core.tensor import manual_seed


def naive_attention(q, k, v, allowed=None, scale=None):
    """The formula one query row at a time, in float64: a reference written differently from the task."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    q, k, v = (np.broadcast_to(a, lead + a.shape[-2:]) for a in (q, k, v))
    allowed = np.ones(q.shape[:-1] + (k.shape[-2],), bool) if allowed is None else np.broadcast_to(allowed, q.shape[:-1] + (k.shape[-2],))
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for i in np.ndindex(q.shape[:-1]):
        keep = allowed[i]
        logits = k[i[:-1]][keep] @ q[i] * scale
        w = np.exp(logits - logits.max())
        out[i] = w @ v[i[:-1]][keep] / w.sum()
    return out


def random_mask(rng, shape):
    """A random bool mask (True = may attend) with at least one True in every row."""
    mask = rng.random(shape) < 0.6
    first = rng.integers(0, shape[-1], size=shape[:-1])
    np.put_along_axis(mask, first[..., None], True, axis=-1)
    return mask


def random_qkv(rng, lead=(2,), L=3, S=4, E=5, Ev=2, dtype=np.float64):
    """Queries, keys and values with the given leading axes."""
    return tuple(rng.standard_normal(lead + shape).astype(dtype) for shape in ((L, E), (S, E), (S, Ev)))


def random_cases(rng, count):
    """(name, q, k, v, kwargs) cases: random shapes, each mask kind, a custom scale."""
    cases = []
    for i in range(count):
        lead = tuple(int(n) for n in rng.integers(1, 3, size=int(rng.integers(0, 3))))
        L, S, E, Ev = (int(n) for n in rng.integers(1, 5, size=4))
        q, k, v = random_qkv(rng, lead, L, S, E, Ev)
        kind = ["none", "bool", "float", "causal", "scale"][i % 5]
        kwargs = {"bool": {"attn_mask": random_mask(rng, (L, S))},
                  "float": {"attn_mask": rng.standard_normal((L, S))},
                  "causal": {"is_causal": True}, "scale": {"scale": float(rng.uniform(0.1, 2))}}.get(kind, {})
        cases.append((f"case {i} ({kind}, q {q.shape}, k {k.shape}, v {v.shape})", q, k, v, kwargs))
    return cases


def T64(a):
    """A float64 Tensor (a Tensor made from an array is float32 by default)."""
    return Tensor(a, dtype=np.float64)


def fixed_mha(rng, E=6, h=2, **kwargs):
    """A float64 MultiheadAttention whose parameters are all random (biases too)."""
    mha = MultiheadAttention(E, h, **kwargs).double()
    for p in mha.parameters():
        p.data[...] = rng.standard_normal(p.shape) * 0.5
    return mha


def mha_by_hand(mha, q, k, v, allowed=None):
    """MultiheadAttention on batch-major float64 arrays (N, L, E) one head at a time; allowed (N, L, S): True = attend."""
    E, h = mha.embed_dim, mha.num_heads
    W, b = mha.in_proj_weight.data, mha.in_proj_bias.data
    d = E // h
    qs, ks, vs = (x @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E] for i, x in enumerate((q, k, v)))
    heads = [naive_attention(qs[..., i * d:(i + 1) * d], ks[..., i * d:(i + 1) * d], vs[..., i * d:(i + 1) * d], allowed)
             for i in range(h)]
    return np.concatenate(heads, axis=-1) @ mha.out_proj.weight.data.T + mha.out_proj.bias.data

# %% nbgrader={"grade": true, "grade_id": "test-causal-mask", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_causal_mask():
    """causal_mask(n) is a bool (n, n) Tensor, True exactly where key <= query; causal_mask(L, S) is (L, S)."""
    got = causal_mask(3)
    assert isinstance(got, Tensor) and got.dtype == np.bool_ and got.shape == (3, 3), f"a bool (3, 3) Tensor, got {got!r}"
    want = [[True, False, False], [True, True, False], [True, True, True]]
    assert np.array_equal(got.data, want), f"query t may attend to keys 0 .. t: want {want}, got {got.data.tolist()}"
    for L, S in ((2, 5), (4, 1), (1, 1)):
        got = causal_mask(L, S).data
        assert got.shape == (L, S), f"causal_mask({L}, {S}) has shape ({L}, {S}), got {got.shape}"
        assert all(got[t, s] == (s <= t) for t in range(L) for s in range(S)), f"causal_mask({L}, {S}): True iff s <= t"

    ### BEGIN HIDDEN TESTS
    for n in (1, 4, 7):
        observe(f"causal_mask({n})", causal_mask(n).data)
    observe("causal_mask(3, 6)", causal_mask(3, 6).data)
    observe("causal_mask(5, 2)", causal_mask(5, 2).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_causal_mask()

# %% [markdown]
# ## 3. A masked weight is exactly zero
#
# Masking sets a logit to -inf before the softmax. The usual stable softmax subtracts the row's maximum m:
# e^(x - m) is at most 1 and cannot overflow, and e^(-inf - m) = 0 exactly. So a masked key gets weight 0,
# not "nearly 0", even when its logit was 1e5 and the others are small. Replacing -inf by a large negative
# number such as -1e9 does not give that guarantee: a logit of 1e9 beats it.
#
# A row whose keys are all masked has no maximum to subtract: every entry is -inf, and e^(-inf - (-inf)) is
# NaN. PyTorch 2.13's `MultiheadAttention` returns NaN there and its `scaled_dot_product_attention` silently
# returns zeros; either hides a bug (usually a mask with the wrong convention) until much later. We raise
# `ValueError` naming the row.
#
# **Task: `masked_softmax(logits, attn_mask=None)`.** logits is an ndarray (..., L, S); attn_mask is None, a
# bool mask (True = may attend) or a float mask to add, either broadcastable to the logits. Return the
# softmax over the last axis as an ndarray of the logits' dtype (convert a float mask to it). Raise
# `ValueError` naming the index of the first row (in row-major order, e.g. `(1, 2)`) that has every key
# masked, before any exponent is taken.

# %% nbgrader={"grade": false, "grade_id": "masked-softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def masked_softmax(logits: np.ndarray, attn_mask=None) -> np.ndarray:
    """softmax over the last axis with masked logits at -inf (weight exactly 0); ValueError for a row with no key."""
    x = np.asarray(logits)
    ### BEGIN SOLUTION
    if attn_mask is not None:
        mask = array_of(attn_mask)
        x = np.where(mask, x, -np.inf) if mask.dtype == np.bool_ else x + mask.astype(x.dtype)
    top = x.max(axis=-1, keepdims=True) if x.shape[-1] else np.full(x.shape[:-1] + (1,), -np.inf)
    dead = np.isneginf(top[..., 0])  # the largest logit of the row is -inf: every key is masked
    if dead.any():
        row = tuple(int(i) for i in np.argwhere(dead)[0])
        raise ValueError(f"attention row {row} has every key masked: its softmax would be 0/0 (NaN)")
    e = x - top
    np.exp(e, out=e)  # a masked logit: e^(-inf) = 0 exactly
    e /= e.sum(axis=-1, keepdims=True)
    return e
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-masked-softmax-values", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_masked_softmax_values():
    """Rows sum to 1; a masked key has weight exactly 0 even with a logit of 1e5; a float mask is added."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 3, 4)).astype(np.float32)
    mask = random_mask(rng, (2, 3, 4))
    got = masked_softmax(logits, mask)
    assert got.shape == (2, 3, 4) and got.dtype == np.float32, f"float32 (2, 3, 4) weights, got {got.dtype} {got.shape}"
    assert np.allclose(got.sum(-1), 1, atol=1e-6) and np.all(got[~mask] == 0), "rows sum to 1, masked weights are 0"
    big = np.array([[1e5, 1.0, 2.0], [3.0, 1e5, 1e5]])
    got = masked_softmax(big, np.array([[False, True, True], [True, True, False]]))
    assert got[0, 0] == 0 and got[1, 2] == 0 and np.isfinite(got).all(), f"masked logits of 1e5 get weight exactly 0, got {got}"
    assert np.allclose(got[0], [0, 1 / (1 + math.e), math.e / (1 + math.e)]) and got[1, 1] == 1.0, f"wrong weights {got}"
    assert np.allclose(masked_softmax(logits), np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)), "no mask: softmax"
    bias = rng.standard_normal((3, 4))  # broadcast over the leading axis
    want = np.exp(logits + bias) / np.exp(logits + bias).sum(-1, keepdims=True)
    assert np.allclose(masked_softmax(logits, bias), want, atol=1e-6), "a float mask is added to the logits"
    assert np.array_equal(masked_softmax(logits, np.where(mask, 0.0, -np.inf)), masked_softmax(logits, mask)), \
        "a float mask of 0 and -inf is the same as the bool mask"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1201)
    for i in range(4):
        shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        logits = rng.standard_normal(shape) * 10
        observe(f"case {i}: masked_softmax, bool mask, {shape}", masked_softmax(logits, random_mask(rng, shape)))
        observe(f"case {i}: masked_softmax, float mask, {shape}", masked_softmax(logits, rng.standard_normal(shape[-1:])))
    big = np.array([[1e5, -1e5, 0.0, 1e5]], dtype=np.float32)
    observe("logits of +-1e5 with key 0 masked", masked_softmax(big, np.array([False, True, True, True])))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_masked_softmax_values()

# %% nbgrader={"grade": true, "grade_id": "test-masked-softmax-errors", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_masked_softmax_errors():
    """A row with every key masked (bool False or float -inf) raises ValueError naming its index, not NaN."""
    logits = np.zeros((2, 3, 4))
    mask = np.ones((2, 3, 4), bool)
    mask[1, 2] = False
    msg = error_message(ValueError, masked_softmax, logits, mask)
    assert msg is not None and "(1, 2)" in msg, f"row (1, 2) has no key: ValueError naming (1, 2), got {msg!r}"
    additive = np.zeros((3, 4))
    additive[0] = -np.inf
    msg = error_message(ValueError, masked_softmax, logits, additive)
    assert msg is not None and "(0, 0)" in msg, f"a float row of -inf masks every key of row (0, 0), got {msg!r}"
    assert error_message(ValueError, masked_softmax, np.zeros((2, 0))) is not None, "a row with no keys at all raises"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1202)
    for i in range(3):
        shape = tuple(int(n) for n in rng.integers(1, 4, size=3)) + (3,)
        mask = random_mask(rng, shape)
        row = tuple(int(rng.integers(0, n)) for n in shape[:-1])
        mask[row] = False
        msg = error_message(ValueError, masked_softmax, rng.standard_normal(shape), mask)
        observe(f"case {i}: row {row} masked: ValueError naming it", msg is not None and str(row) in msg)
    one = np.eye(4, dtype=bool)[rng.integers(0, 4, size=(2, 3))]  # exactly one key left in each row
    observe("one key left per row: its weight is 1", masked_softmax(rng.standard_normal((2, 3, 4)) * 100, one))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_masked_softmax_errors()

# %% [markdown]
# ## 4. Attention as one graph node
#
# Attention could be built from module 02's matmul and transpose and module 03's softmax: about six nodes,
# each keeping its own arrays. One node with a closed-form backward is faster and keeps only P. With
# S = scale Q K^T, P = masked_softmax(S) and O = P V, for the upstream gradient G = dL/dO:
#
#     dV = P^T G                        (..., S, L) @ (..., L, Ev)
#     dP = G V^T                        (..., L, Ev) @ (..., Ev, S)
#     dS = P * (dP - sum(dP * P, -1))   the softmax rule of module 03, row by row
#     dQ = scale dS K,   dK = scale dS^T Q
#
# A masked logit is a constant (-inf), so its P is 0 and so is its dS: the mask needs no rule of its own.
# Leading axes may broadcast (one key set shared by a batch of queries): `unbroadcast` (module 02) sums the
# gradient back to each operand's shape.
#
# Dropout on the weights (`dropout_p`, for training) multiplies P by a random mask D that keeps each weight
# with probability 1 - p and scales it by 1 / (1 - p): O = (P * D) V, so dV = (P * D)^T G and dP = (G V^T) * D.
#
# **Task: `attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None)`.**
# Return `(out, weights)`: out the Tensor from `record_op("scaled_dot_product_attention", O, (query, key,
# value), backward)`, weights the ndarray P * D actually used (P without dropout). `scale` defaults to
# 1 / sqrt(E); `is_causal=True` uses `causal_mask(L, S)` as the mask. Compute in the query's float dtype (a
# Python float for the scale keeps float32 float32). Draw the dropout mask from `_generator()`, so
# `manual_seed` fixes it. `scaled_dot_product_attention`, PyTorch's name for the output alone, is given.

# %% nbgrader={"grade": false, "grade_id": "attention", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _floats(x) -> np.ndarray:
    """The array behind x; integer and bool data become float32."""
    a = array_of(x)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float32)


def _wants_grad(t) -> bool:
    return isinstance(t, Tensor) and t.requires_grad


def attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
              scale: float | None = None) -> tuple[Tensor, np.ndarray]:
    """(softmax(scale Q K^T + mask) V, the weights): (..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev)."""
    Q, K, V = _floats(query), _floats(key), _floats(value)
    if Q.ndim < 2 or K.ndim < 2 or V.ndim < 2 or Q.shape[-1] != K.shape[-1] or K.shape[-2] != V.shape[-2]:
        raise ValueError(f"attention needs query (..., L, E), key (..., S, E), value (..., S, Ev); "
                         f"got {Q.shape}, {K.shape}, {V.shape}")
    if is_causal and attn_mask is not None:
        raise ValueError("pass either attn_mask or is_causal=True, not both")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"dropout_p must be in [0, 1), got {dropout_p}")
    scale = 1.0 / math.sqrt(Q.shape[-1]) if scale is None else float(scale)
    ### BEGIN SOLUTION
    dtype = Q.dtype
    K, V = K.astype(dtype, copy=False), V.astype(dtype, copy=False)
    if is_causal:
        attn_mask = causal_mask(Q.shape[-2], K.shape[-2])
    P = masked_softmax((Q * scale) @ np.swapaxes(K, -1, -2), attn_mask)  # scale the smaller (L, E) operand
    D = None
    if dropout_p > 0.0:
        D = (_generator().random(P.shape) >= dropout_p).astype(dtype) * (1.0 / (1.0 - dropout_p))
    A = P if D is None else P * D
    out = A @ V

    def backward(grad: np.ndarray) -> tuple:
        d_v = unbroadcast(np.swapaxes(A, -1, -2) @ grad, V.shape) if _wants_grad(value) else None
        if not (_wants_grad(query) or _wants_grad(key)):
            return None, None, d_v
        d_s = grad @ np.swapaxes(V, -1, -2)  # dP, turned into dL/dS (without the scale) in place below
        if D is not None:
            d_s *= D
        d_s -= (d_s * P).sum(axis=-1, keepdims=True)
        d_s *= P
        d_q = unbroadcast((d_s @ K) * scale, Q.shape) if _wants_grad(query) else None
        d_k = unbroadcast(np.swapaxes(d_s, -1, -2) @ (Q * scale), K.shape) if _wants_grad(key) else None
        return d_q, d_k, d_v

    return record_op("scaled_dot_product_attention", out, (query, key, value), backward), A
    ### END SOLUTION


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None) -> Tensor:
    """softmax(scale Q K^T + mask) V, as torch.nn.functional.scaled_dot_product_attention (bool mask: True = attend)."""
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]

# %% nbgrader={"grade": true, "grade_id": "test-attention-values", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_attention_values():
    """attention is softmax(Q K^T / sqrt(E) + mask) V for each mask kind, any leading axes, L != S, Ev != E."""
    rng = np.random.default_rng(0)
    q, k, v = random_qkv(rng, (2, 3), L=3, S=5, E=4, Ev=2, dtype=np.float32)
    mask = random_mask(rng, (3, 5))
    out, weights = attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=mask)
    assert isinstance(out, Tensor) and out.shape == (2, 3, 3, 2) and out.dtype == np.float32, f"a float32 (2, 3, 3, 2) Tensor, got {out!r}"
    assert np.allclose(out.data, naive_attention(q, k, v, mask), atol=1e-5), "bool mask: wrong output"
    assert weights.shape == (2, 3, 3, 5) and np.all(weights[..., ~mask] == 0), "the weights (..., L, S), 0 where masked"
    bias = rng.standard_normal((3, 5))
    got = scaled_dot_product_attention(q, k, v, attn_mask=bias).data
    logits = q @ np.swapaxes(k, -1, -2) / 2 + bias  # E = 4: scale 1/2
    want = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True) @ v
    assert np.allclose(got, want, atol=1e-5), "a float mask is added to the scaled logits"
    assert np.allclose(scaled_dot_product_attention(q, k, v, scale=0.3).data, naive_attention(q, k, v, scale=0.3), atol=1e-5), "scale"
    assert error_message(ValueError, attention, q, k, v, mask, is_causal=True) is not None, "attn_mask and is_causal: ValueError"

    ### BEGIN HIDDEN TESTS
    for name, q, k, v, kwargs in random_cases(np.random.default_rng(1203), 10):
        observe(f"{name}: output", scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), **kwargs).data)
    q, k, v = random_qkv(np.random.default_rng(1204), (2,), L=2, S=3, E=3, Ev=3, dtype=np.float32)
    out = scaled_dot_product_attention(Tensor(q), Tensor(k[:1]), Tensor(v[:1]))
    observe("keys shared across the batch (broadcast): output", out.data, rtol=1e-5, atol=1e-6)
    observe("float32 in: dtype out", str(out.dtype))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_attention_values()

# %% [markdown]
# Why 1/sqrt(E), measured: queries and keys with entries from N(0, 1), 256 keys. Unscaled, the logits'
# standard deviation grows as sqrt(E), and the largest weight of a row approaches 1 (one key takes
# everything); scaled, both stay put.

# %%
if __name__ == "__main__":
    _rng = np.random.default_rng(0)
    print("    E   std unscaled   std scaled   max weight unscaled   max weight scaled")
    for _E in (4, 16, 64, 256, 1024):
        _q, _k = _rng.standard_normal((64, _E)), _rng.standard_normal((256, _E))
        _raw = _q @ _k.T
        _top = [masked_softmax(_raw * _s).max(axis=-1).mean() for _s in (1.0, 1 / math.sqrt(_E))]
        print(f"{_E:5d} {_raw.std():14.2f} {(_raw / math.sqrt(_E)).std():12.2f} {_top[0]:21.3f} {_top[1]:19.3f}")

# %% nbgrader={"grade": true, "grade_id": "test-attention-causal", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_attention_causal():
    """With is_causal, output t depends only on positions 0 .. t: changing later tokens leaves it unchanged."""
    rng = np.random.default_rng(1)
    q, k, v = random_qkv(rng, (2,), L=6, S=6, E=4, Ev=3)
    before = scaled_dot_product_attention(q, k, v, is_causal=True).data
    assert np.allclose(before, naive_attention(q, k, v, np.tri(6, dtype=bool))), "is_causal: query t sees keys 0 .. t"
    for t in range(5):
        q2, k2, v2 = (a.copy() for a in (q, k, v))
        for a in (q2, k2, v2):
            a[:, t + 1:] = rng.standard_normal(a[:, t + 1:].shape) * 10
        after = scaled_dot_product_attention(q2, k2, v2, is_causal=True).data
        assert np.array_equal(after[:, :t + 1], before[:, :t + 1]), f"changing tokens after {t} changed an output at or before {t}"
    mask = causal_mask(6)
    assert np.array_equal(scaled_dot_product_attention(q, k, v, attn_mask=mask).data, before), "is_causal = causal_mask"
    assert np.array_equal(before[:, 0], v[:, 0]), "query 0 sees key 0 only: its output is value 0"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1205)
    for i in range(3):
        L, S = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        q, k, v = random_qkv(rng, (2,), L=L, S=S, E=3, Ev=2)
        observe(f"case {i}: is_causal with L={L}, S={S}", scaled_dot_product_attention(q, k, v, is_causal=True).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_attention_causal()

# %% nbgrader={"grade": true, "grade_id": "test-attention-permutation", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_attention_permutation():
    """Without a mask, attention has no notion of order: permuting the queries permutes the outputs the same
    way, and permuting the keys together with their values changes nothing."""
    rng = np.random.default_rng(2)
    q, k, v = random_qkv(rng, (), L=5, S=7, E=4, Ev=3)
    out = scaled_dot_product_attention(q, k, v).data
    rows, keys = rng.permutation(5), rng.permutation(7)
    assert np.allclose(scaled_dot_product_attention(q[rows], k, v).data, out[rows]), "permuted queries: permuted outputs"
    assert np.allclose(scaled_dot_product_attention(q, k[keys], v[keys]).data, out), "keys and values permuted together: same output"
    assert not np.allclose(scaled_dot_product_attention(q, k[keys], v).data, out), "keys alone permuted: a different output"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1206)
    q, k, v = random_qkv(rng, (2,), L=4, S=5, E=3, Ev=2)
    keys = rng.permutation(5)
    observe("keys and values permuted: output", scaled_dot_product_attention(q, k[:, keys], v[:, keys]).data)
    observe("keys alone permuted: output", scaled_dot_product_attention(q, k[:, keys], v).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_attention_permutation()

# %% nbgrader={"grade": true, "grade_id": "test-attention-grads", "locked": true, "points": 14, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, grads_of, observe_grads


def test_attention_grads():
    """Backward agrees with central differences for query, key and value under every mask kind, broadcast
    keys and dropout; a key no query may see gets no gradient."""
    rng = np.random.default_rng(3)
    q, k, v = random_qkv(rng, (2,), L=3, S=4, E=3, Ev=2)
    masks = {"no mask": {}, "bool mask": {"attn_mask": random_mask(rng, (3, 4))}, "causal": {"is_causal": True},
             "float mask": {"attn_mask": rng.standard_normal((2, 3, 4))}, "scale 0.7": {"scale": 0.7}}
    for name, kwargs in masks.items():
        check_grads(Tensor, lambda a, b, c: attention(a, b, c, **kwargs)[0], q, k, v, name=name)
    check_grads(Tensor, lambda a, b, c: attention(a, b, c)[0], q, k[:1], v[:1], name="keys shared by the batch")
    dropped = lambda a, b, c: (manual_seed(0), attention(a, b, c, dropout_p=0.5)[0])[1]  # the same dropout mask each call
    check_grads(Tensor, dropped, q, k, v, name="dropout 0.5")
    pad = np.array([True, True, False, True])  # key 2 is padding
    d_v = grads_of(Tensor, lambda a, b, c: attention(a, b, c, attn_mask=pad)[0], q, k, v)[2]
    assert np.all(d_v[:, 2] == 0) and np.all(d_v[:, [0, 1, 3]] != 0), "a masked key's value gets gradient 0, the others do not"

    ### BEGIN HIDDEN TESTS
    for name, q, k, v, kwargs in random_cases(np.random.default_rng(1207), 10):
        observe_grads(name, Tensor, lambda a, b, c: attention(a, b, c, **kwargs)[0], q, k, v)
    q, k, v = random_qkv(np.random.default_rng(1208), (2,), L=3, S=3, E=2, Ev=2)
    dropped = lambda a, b, c: (manual_seed(5), attention(a, b, c, dropout_p=0.3)[0])[1]
    observe("dropout 0.3, seed 5: output", dropped(Tensor(q), Tensor(k), Tensor(v)).data)
    observe_grads("dropout 0.3, seed 5", Tensor, dropped, q, k, v)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_attention_grads()


# %% [markdown]
# What attention costs as the sequence grows: the logits and the weights P are L x L per head, so time and
# memory grow with L^2 while the input grows with L. Measured on 8 heads of width 32, causal:

# %%
if __name__ == "__main__":
    import time

    print("    L   forward ms (8 heads of width 32)   bytes of the weights P")
    for _L in (128, 256, 512, 1024):
        _x = Tensor(np.random.default_rng(0).standard_normal((8, _L, 32)).astype(np.float32))
        _best = math.inf
        for _ in range(3):
            _start = time.perf_counter()
            _out, _P = attention(_x, _x, _x, is_causal=True)
            _best = min(_best, time.perf_counter() - _start)
        print(f"{_L:5d} {_best * 1000:34.1f} {_P.nbytes:24,d}")

# %% [markdown]
# ## 5. Heads
#
# One attention computes one weighting per query. Multi-head attention runs h smaller attentions side by side,
# each with its own projections, so one head can follow the previous token while another follows a matching
# bracket. With E split into h heads of d = E / h columns, the cost is that of one attention of width E.
#
# Heads are a reshape, not a loop: (N, L, E) -> (N, L, h, d) splits each row into h blocks of d columns
# (head i owns columns i d .. (i + 1) d - 1), and swapping axes 1 and 2 gives (N, h, L, d). The batched
# matrix products of `attention` then treat (N, h) as leading axes. Merging is the inverse:
# (N, h, L, d) -> (N, L, h, d) -> (N, L, E).
#
# **Task: `split_heads(x, num_heads)` and `merge_heads(x)`** with the differentiable `reshape` and `transpose`
# of module 02, for any leading axes: (..., L, E) -> (..., h, L, E / h) and back.

# %% nbgrader={"grade": false, "grade_id": "split-heads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(..., L, E) -> (..., h, L, E / h): head i gets columns i E/h .. (i + 1) E/h - 1."""
    *lead, L, E = x.shape
    if E % num_heads:
        raise ValueError(f"cannot split width {E} into {num_heads} heads")
    ### BEGIN SOLUTION
    return x.reshape(*lead, L, num_heads, E // num_heads).transpose(-3, -2)
    ### END SOLUTION


def merge_heads(x: Tensor) -> Tensor:
    """(..., h, L, d) -> (..., L, h d): the inverse of split_heads."""
    *lead, h, L, d = x.shape
    ### BEGIN SOLUTION
    return x.transpose(-3, -2).reshape(*lead, L, h * d)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-split-heads", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads


def test_split_heads():
    """split_heads(x, h)[n, i, t] = x[n, t, i d:(i + 1) d]; merge_heads inverts it; both pass gradients."""
    x = np.arange(2 * 3 * 6.0).reshape(2, 3, 6)
    heads = split_heads(Tensor(x), 3)
    assert isinstance(heads, Tensor) and heads.shape == (2, 3, 3, 2), f"(2, 3, 6) in 3 heads: (2, 3, 3, 2), got {heads!r}"
    for n in range(2):
        for i in range(3):
            assert np.array_equal(heads.data[n, i], x[n, :, 2 * i:2 * i + 2]), f"head {i} must hold columns {2 * i}, {2 * i + 1}"
    assert np.array_equal(merge_heads(heads).data, x), "merge_heads(split_heads(x)) = x"
    assert split_heads(Tensor(x[0]), 2).shape == (2, 3, 3), "no batch axis: (L, E) -> (h, L, E / h)"
    rng = np.random.default_rng(4)
    check_grads(Tensor, lambda a: split_heads(a, 2), rng.standard_normal((2, 3, 4)), name="split_heads")
    check_grads(Tensor, merge_heads, rng.standard_normal((2, 2, 3, 2)), name="merge_heads")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1209)
    for h in (1, 2, 4):
        x = rng.standard_normal((3, 2, 8))
        observe(f"split_heads of (3, 2, 8) into {h} heads", split_heads(Tensor(x), h).data)
        observe(f"merge_heads of (3, {h}, 2, {8 // h})", merge_heads(Tensor(x.reshape(3, h, 2, 8 // h))).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_split_heads()

# %% [markdown]
# ## 6. MultiheadAttention's masks: the opposite convention
#
# Pitfall: in `torch.nn.MultiheadAttention` a bool mask means True = "NOT allowed" (True marks what to hide),
# the opposite of `scaled_dot_product_attention`'s True = "may attend"; we keep both conventions, since code
# written for PyTorch must mean the same thing here. Float masks are added in both.
#
# `MultiheadAttention` takes two masks:
# - `key_padding_mask` (N, S): which keys of each sequence are padding;
# - `attn_mask` (L, S), the same for every sequence and head, or (N h, L, S), one per sequence and head
#   (sequence n, head i at row n h + i).
#
# **Task: `merge_masks(attn_mask, key_padding_mask, num_heads, dtype)`.** Turn each given mask into an additive
# float array of `dtype` (bool True -> -inf, False -> 0; a float mask as it is) and return their sum,
# broadcastable to the logits (N, h, L, S): attn_mask (L, S) stays (L, S), (N h, L, S) becomes (N, h, L, S),
# key_padding_mask (N, S) becomes (N, 1, 1, S). Return None when both are None.

# %% nbgrader={"grade": false, "grade_id": "merge-masks", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def merge_masks(attn_mask, key_padding_mask, num_heads: int, dtype=np.float32) -> np.ndarray | None:
    """MultiheadAttention's masks (bool: True = NOT allowed; float: added) as one additive float mask, or None."""
    ### BEGIN SOLUTION
    def additive(mask) -> np.ndarray:
        m = array_of(mask)
        return np.where(m, -np.inf, 0.0).astype(dtype) if m.dtype == np.bool_ else m.astype(dtype)

    total = None
    if attn_mask is not None:
        total = additive(attn_mask)
        if total.ndim == 3:  # (N h, L, S): row n h + i is sequence n, head i
            total = total.reshape(-1, num_heads, *total.shape[1:])
    if key_padding_mask is not None:
        padding = additive(key_padding_mask)[:, None, None, :]
        total = padding if total is None else total + padding
    return total
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-merge-masks", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_merge_masks():
    """Bool True -> -inf, False -> 0, floats kept; (N h, L, S) -> (N, h, L, S); key padding -> (N, 1, 1, S); sum."""
    assert merge_masks(None, None, 2) is None, "no masks: None"
    hide = np.array([[False, True], [False, False], [True, False]])  # (L, S) = (3, 2)
    got = merge_masks(hide, None, 2)
    assert got.dtype == np.float32 and np.array_equal(got, np.where(hide, -np.inf, 0)), f"True -> -inf, False -> 0, got {got}"
    pad = np.array([[False, False], [False, True]])  # sequence 1's key 1 is padding
    got = merge_masks(None, pad, 2, np.float64)
    assert got.shape == (2, 1, 1, 2) and got.dtype == np.float64 and got[1, 0, 0, 1] == -np.inf and (got[0] == 0).all(), \
        f"key_padding_mask (N, S) -> (N, 1, 1, S) of 0 and -inf, got {got}"
    per_head = np.arange(2 * 2 * 3 * 2.0).reshape(4, 3, 2)  # (N h, L, S) with N = h = 2
    got = merge_masks(per_head, pad, 2)
    assert got.shape == (2, 2, 3, 2) and np.array_equal(got[1, 0, :, 0], per_head[2, :, 0]), "row n h + i is (n, i)"
    assert (got[1, :, :, 1] == -np.inf).all() and np.array_equal(got[0], per_head[:2]), "the float mask plus the padding"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1210)
    for i in range(3):
        N, h, L, S = (int(n) for n in rng.integers(1, 4, size=4))
        attn = rng.random((L, S)) < 0.3 if i % 2 else rng.standard_normal((N * h, L, S))
        got = merge_masks(attn, rng.random((N, S)) < 0.3, h, np.float64)
        observe(f"case {i}: merged mask, N={N}, h={h}, L={L}, S={S}", np.broadcast_to(got, (N, h, L, S)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_merge_masks()

# %% [markdown]
# ## 7. MultiheadAttention
#
# `MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False)` holds PyTorch's
# parameters, under PyTorch's names, so `load_state_dict` takes a PyTorch model's weights:
# - `in_proj_weight` (3E, E): the query, key and value projections stacked, rows 0 .. E-1 for the query,
#   E .. 2E-1 for the key, 2E .. 3E-1 for the value; Xavier uniform (module 04's `xavier_uniform_`);
# - `in_proj_bias` (3E,), zeros;
# - `out_proj`, a `Linear(E, E)` that mixes the heads back: weight from U(-1/sqrt(E), 1/sqrt(E)) (PyTorch's
#   default Linear init: `kaiming_uniform_` with `a=math.sqrt(5)` and `nonlinearity="leaky_relu"`), bias zeros.
#   With `bias=False` neither projection has a bias (`in_proj_bias` is None).
#
# forward(query, key, value): project (q = query W_q^T + b_q and so on: `linear` with row blocks of
# `in_proj_weight`), split the heads, `attention` with the merged masks, dropout `self.dropout` in training
# mode only, merge the heads, `out_proj`. Self-attention could project once with the whole `in_proj_weight` and
# slice the result's columns, but then each slice's backward writes into zeros of the whole (N, L, 3E) result,
# and the three are added: more memory traffic than the three products save.
#
# Inputs are (L, N, E) by default, PyTorch's old layout; (N, L, E) with `batch_first=True`; (L, E) without a
# batch. The given code converts to (N, L, E) and back. It returns `(output, weights)`: weights (N, L, S)
# averaged over heads, (N, h, L, S) with `average_attn_weights=False`, None with `need_weights=False`; they are
# a Tensor without gradient. `is_causal=True` without `attn_mask` hides the keys after each query (PyTorch
# requires the mask and treats the flag as a hint; here the flag alone is enough).
#
# **Task: `MultiheadAttention.__init__` and `forward`.**

# %% nbgrader={"grade": false, "grade_id": "mha", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class MultiheadAttention(Module):
    """h attentions of width E / h side by side on projected inputs; PyTorch's parameter names and layout."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads, got {embed_dim} and {num_heads}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        ### BEGIN SOLUTION
        self.in_proj_weight = xavier_uniform_(Parameter(np.zeros((3 * embed_dim, embed_dim), dtype=np.float32)))
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=np.float32)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        kaiming_uniform_(self.out_proj.weight, a=math.sqrt(5), nonlinearity="leaky_relu")
        ### END SOLUTION

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """(L, N, E) or (N, L, E) with batch_first, or (L, E) -> (output of the query's shape, weights or None)."""
        unbatched = len(query.shape) == 2
        q, k, v = (self._batch_major(t, unbatched) for t in (query, key, value))  # (N, L, E), (N, S, E), (N, S, E)
        if q.shape[-1] != self.embed_dim or k.shape[:2] != v.shape[:2] or q.shape[0] != k.shape[0]:
            raise ValueError(f"MultiheadAttention({self.embed_dim}, {self.num_heads}): query (N, L, {self.embed_dim}), "
                             f"key and value (N, S, {self.embed_dim}) expected, got {q.shape}, {k.shape}, {v.shape}")
        if unbatched and key_padding_mask is not None:
            key_padding_mask = array_of(key_padding_mask)[None]
        if is_causal and attn_mask is None:
            attn_mask = ~causal_mask(q.shape[1], k.shape[1]).data  # this class's bool convention: True = hide
        ### BEGIN SOLUTION
        E, h, W, b = self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias
        q, k, v = (linear(x, W[i * E:(i + 1) * E], None if b is None else b[i * E:(i + 1) * E])
                   for i, x in enumerate((q, k, v)))
        mask = merge_masks(attn_mask, key_padding_mask, h, q.dtype)
        out, weights = attention(split_heads(q, h), split_heads(k, h), split_heads(v, h), attn_mask=mask,
                                 dropout_p=self.dropout if self.training else 0.0)
        out = self.out_proj(merge_heads(out))
        ### END SOLUTION
        if unbatched:
            out, weights = out.squeeze(0), weights[0]
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.mean(axis=-3) if average_attn_weights else weights
        return out, Tensor(weights, dtype=weights.dtype)

    def _batch_major(self, x, unbatched: bool) -> Tensor:
        """The input as (N, L, E)."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        if unbatched:
            return x.unsqueeze(0)
        return x if self.batch_first else x.transpose(0, 1)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, batch_first={self.batch_first}"

# %% nbgrader={"grade": true, "grade_id": "test-mha-init", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_mha_init():
    """PyTorch's parameter names and shapes; in_proj_weight ~ Xavier U(+-sqrt(6 / 4E)), out_proj.weight ~
    U(+-1 / sqrt(E)), biases 0; bias=False drops both biases; E not divisible by h raises ValueError."""
    manual_seed(0)
    mha = MultiheadAttention(64, 4)
    shapes = {name: p.shape for name, p in mha.named_parameters()}
    want = {"in_proj_weight": (192, 64), "in_proj_bias": (192,), "out_proj.weight": (64, 64), "out_proj.bias": (64,)}
    assert shapes == want, f"parameters as in PyTorch: {want}, got {shapes}"
    w_in, w_out = mha.in_proj_weight.data, mha.out_proj.weight.data
    for w, bound, name in ((w_in, math.sqrt(6 / 256), "in_proj_weight"), (w_out, 1 / 8, "out_proj.weight")):
        assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound, \
            f"{name}: float32 from U(-{bound:.4f}, {bound:.4f}), largest |w| {np.abs(w).max():.4f}"
    assert not mha.in_proj_bias.data.any() and not mha.out_proj.bias.data.any(), "the biases start at 0"
    assert [n for n, _ in MultiheadAttention(8, 2, bias=False).named_parameters()] == ["in_proj_weight", "out_proj.weight"]
    msg = error_message(ValueError, MultiheadAttention, 10, 3)
    assert msg is not None and "10" in msg and "3" in msg, f"embed_dim 10 and 3 heads: ValueError naming both, got {msg!r}"

    ### BEGIN HIDDEN TESTS
    for E, h in ((8, 2), (12, 3), (256, 8)):
        manual_seed(E)
        mha = MultiheadAttention(E, h, bias=E != 12)
        observe(f"MultiheadAttention({E}, {h}): names and shapes", [(n, tuple(p.shape)) for n, p in mha.named_parameters()])
        observe(f"MultiheadAttention({E}, {h}): largest |in_proj_weight|, |out_proj.weight| over their bounds",
                [float(np.abs(mha.in_proj_weight.data).max() * math.sqrt(E / 1.5)), float(np.abs(mha.out_proj.weight.data).max() * math.sqrt(E))],
                rtol=0.0, atol=0.2)
    observe("MultiheadAttention(10, 4) raises ValueError", error_message(ValueError, MultiheadAttention, 10, 4) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mha_init()

# %% nbgrader={"grade": true, "grade_id": "test-mha-forward", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_mha_forward():
    """Output = heads written out by hand; (L, N, E) and batch_first (N, L, E) agree; weights: averaged (N, L, S)
    or per head (N, h, L, S), rows sum to 1; need_weights=False gives None; (L, E) is a batch of one."""
    rng = np.random.default_rng(5)
    mha = fixed_mha(rng)
    q, k, v = (rng.standard_normal((2, n, 6)) for n in (3, 4, 4))  # (N, L, E), (N, S, E)
    out, w = mha(*(T64(a.transpose(1, 0, 2)) for a in (q, k, v)))  # (L, N, E) by default
    assert out.shape == (3, 2, 6) and w.shape == (2, 3, 4), f"(L, N, E) out and (N, L, S) weights, got {out.shape}, {w.shape}"
    assert np.allclose(out.data.transpose(1, 0, 2), mha_by_hand(mha, q, k, v)), "output differs from the heads by hand"
    mha.batch_first = True
    out_bf, w_h = mha(T64(q), T64(k), T64(v), average_attn_weights=False)
    assert np.allclose(out_bf.data, out.data.transpose(1, 0, 2)), "batch_first=True: the same numbers in (N, L, E)"
    assert w_h.shape == (2, 2, 3, 4) and np.allclose(w_h.data.sum(-1), 1) and np.allclose(w_h.data.mean(1), w.data), \
        "per-head weights (N, h, L, S), rows sum to 1; their mean over heads is the averaged weights"
    assert mha(T64(q), T64(k), T64(v), need_weights=False)[1] is None, "need_weights=False: None"
    single, w1 = mha(T64(q[0]), T64(k[0]), T64(v[0]))
    assert single.shape == (3, 6) and np.allclose(single.data, out_bf.data[0]) and w1.shape == (3, 4), "(L, E): no batch axis"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1211)
    for i, batch_first in enumerate((False, True, True)):
        mha = fixed_mha(rng, E=8, h=[1, 2, 4][i], batch_first=batch_first)
        x, mem = (rng.standard_normal((2, n, 8) if batch_first else (n, 2, 8)) for n in (3, 5))
        out, w = mha(T64(x), T64(mem), T64(mem), average_attn_weights=i != 1)
        observe(f"case {i}: batch_first={batch_first}, h={mha.num_heads}: output and weights", [out.data, w.data])
        x = T64(x)
        observe(f"case {i}: self-attention", mha(x, x, x)[0].data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mha_forward()

# %% nbgrader={"grade": true, "grade_id": "test-mha-masks", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_mha_masks():
    """True in key_padding_mask or attn_mask hides a key (weight exactly 0, its value has no effect);
    is_causal hides the future; dropout acts in training mode only."""
    rng = np.random.default_rng(6)
    mha = fixed_mha(rng, batch_first=True)
    q, k, v = (rng.standard_normal((2, n, 6)) for n in (3, 4, 4))
    pad = np.array([[False, False, True, True], [False, False, False, True]])
    hide = np.array([[False, True, False, False]] * 3)
    out, w = mha(T64(q), T64(k), T64(v), key_padding_mask=pad, attn_mask=hide)
    allowed = ~(pad[:, None, :] | hide)
    assert np.all(w.data[~allowed] == 0) and np.allclose(out.data, mha_by_hand(mha, q, k, v, allowed)), "True hides a key"
    x = rng.standard_normal((2, 4, 6))
    causal, _ = mha(*[T64(x)] * 3, is_causal=True)  # one Tensor three times: the self-attention path
    assert np.allclose(causal.data, mha_by_hand(mha, x, x, x, np.tri(4, dtype=bool))), "is_causal: query t sees keys 0 .. t"
    drop = fixed_mha(rng, dropout=0.5, batch_first=True)
    trained = drop(T64(x), T64(x), T64(x))[0].data
    evaluated = drop.eval()(T64(x), T64(x), T64(x))[0].data
    assert not np.allclose(trained, evaluated), "dropout=0.5 in training mode must drop some weights"
    assert np.allclose(evaluated, mha_by_hand(drop, x, x, x)), "evaluation mode: no dropout"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1212)
    mha = fixed_mha(rng, E=4, h=2)
    x = rng.standard_normal((3, 2, 4))  # (L, N, E)
    pad = np.array([[False, False, True], [False, False, False]])
    observe("key_padding_mask: output and weights", [t.data for t in mha(T64(x), T64(x), T64(x), key_padding_mask=pad)])
    observe("float attn_mask: output", mha(T64(x), T64(x), T64(x), attn_mask=rng.standard_normal((3, 3)))[0].data)
    observe("is_causal: output", mha(T64(x), T64(x), T64(x), is_causal=True)[0].data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mha_masks()


# %% [markdown]
# The two conventions side by side: `causal_mask(4)` is written for `scaled_dot_product_attention` (True = may
# attend). Given to `MultiheadAttention`, where True hides, it means the opposite; its complement is right.

# %%
if __name__ == "__main__":
    manual_seed(0)
    _mha = MultiheadAttention(8, 2, batch_first=True)
    _x = Tensor(np.random.default_rng(0).standard_normal((1, 4, 8)).astype(np.float32))
    for _name, _mask in (("causal_mask(4)", causal_mask(4).data), ("~causal_mask(4)", ~causal_mask(4).data)):
        try:
            _, _w = _mha(_x, _x, _x, attn_mask=_mask)
            print(f"attn_mask={_name}: weights of queries 0 to 3:\n{np.round(_w.data[0], 2)}")
        except ValueError as _error:
            print(f"attn_mask={_name}: ValueError: {_error}")

# %% nbgrader={"grade": true, "grade_id": "test-mha-grads", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_mha_grads():
    """Backward through MultiheadAttention agrees with central differences for query, key and value, with
    padding and an attention mask, and for self-attention (one input used three times)."""
    rng = np.random.default_rng(7)
    mha = fixed_mha(rng, E=4, h=2)
    q, k, v = rng.standard_normal((2, 2, 4)), rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    masks = {"key_padding_mask": np.array([[False, True, False], [False, False, False]]),
             "attn_mask": np.array([[False, False, True], [True, False, False]])}
    check_grads(Tensor, lambda a, b, c: mha(a, b, c, **masks)[0], q, k, v, name="cross-attention with masks")
    check_grads(Tensor, lambda a: mha(a, a, a, is_causal=True)[0], k, name="causal self-attention")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1213)
    mha = fixed_mha(rng, E=4, h=2, batch_first=True)
    x = rng.standard_normal((2, 3, 4))
    observe_grads("self-attention, batch_first, key 2 of sequence 0 padded", Tensor,
                  lambda a: mha(a, a, a, key_padding_mask=np.array([[False, False, True], [False] * 3]))[0], x)
    out = mha(*[T64(x)] * 3, is_causal=True)[0]
    out.backward(rng.standard_normal(out.shape))
    observe("causal self-attention: parameter gradients", [p.grad.data for p in mha.parameters()])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_mha_grads()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `nn.MultiheadAttention` and `nn.functional.scaled_dot_product_attention` resolve to this module's objects.
# `causal_mask`, `masked_softmax`, `attention`, the head split and `merge_masks` have no PyTorch counterpart
# of the same name and stay under `tinytorch.text.attention`. Given.

# %%
#| export
PYTORCH_NAMES = {
    "nn.MultiheadAttention": "MultiheadAttention",
    "nn.functional.scaled_dot_product_attention": "scaled_dot_product_attention",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** In the table of section 4, what were the logits' standard deviation and the mean
# largest weight of a row at E = 256, unscaled and scaled? Using the softmax gradient s (g - sum(g s)), explain
# what a largest weight near 1 does to the gradients that reach the queries and keys.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-scaling", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: std about 16 unscaled and about 1 scaled; largest weight about 0.83 unscaled and
#   about 0.04 scaled (random numbers, so close to these)
# - 1 point: the mechanism: when one weight is near 1 and the rest near 0, every entry of s (g - sum(g s)) is
#   near 0: the winner's factor g_i - sum(g s) is near g_i - g_i = 0 and the others' s_i is near 0; so the
#   logits, and through them the queries and keys, get almost no gradient, and attention stops learning
#   which key to look at
# - 1 point: why sqrt(E): the unscaled std grows as sqrt(E) (2, 4, 8, 16, 32 for E = 4 .. 1024), so dividing
#   by sqrt(E) keeps the logits at std 1 for any head width, and the same initialization and learning rate
#   work for every width
# Model answer: At E = 256 the unscaled logits had std 16.10 and the largest weight of a row was 0.827 on
# average; scaled, the std was 1.01 and the largest weight 0.043, spread over many of the 256 keys. The
# gradient of the logits is s (g - sum(g s)). With one weight near 1, sum(g s) is about g of that key, so its
# entry is about 1 x 0, and every other entry is multiplied by an s near 0: the logits get almost no
# gradient, so the queries and keys stop learning. The unscaled std doubled with every 4x of E, as sqrt(E);
# dividing by sqrt(E) brings it back to 1 at any width.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** From the cost table: by what factors did the time and the bytes of P grow from
# L = 512 to L = 1024, and why those factors? GPT-2 small has 12 layers of 12 heads and a context of 1024: how
# many bytes are the float32 weights P that training keeps for backward, for a batch of 8 sequences?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-cost-of-length", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: P grew exactly 4x (8,388,608 to 33,554,432 bytes); the time about 4x (the printed
#   times; small L can grow less than 4x because of fixed costs, large L more because P no longer fits in
#   the caches)
# - 1 point: why: Q K^T and P V are L x L x E products and P holds L x L numbers per head, so doubling L
#   quadruples both, while the input only doubles
# - 1 point: the count: 8 x 12 x 1024 x 1024 x 4 bytes = 402,653,184 bytes (about 0.4 GB) per layer, times 12
#   layers = 4,831,838,208 bytes (about 4.8 GB), just for P; long contexts are limited by this L^2 memory
# Model answer: From 512 to 1024 the weights P grew from 8,388,608 to 33,554,432 bytes, exactly 4x, and the
# time from 52.9 to 253.1 ms, about 4.8x. Both logits and P have L x L entries per head and the two products
# cost L x L x E multiply-adds, so twice the length is four times the work and memory. For GPT-2 small one
# layer's P is 8 x 12 x 1024 x 1024 x 4 = 402,653,184 bytes, and 12 layers keep 4.83 GB for backward, more
# than the model's weights; this is why long contexts are expensive.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** Your notebook gave `causal_mask(4)` to `MultiheadAttention`. What happened, and why
# that row? If the error had not been raised, what would the other rows have computed, and what would go wrong
# when a model trained with this mask generates text?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-mask-convention", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: a ValueError naming row (0, 0, 3): MultiheadAttention reads True as "hide", so query t hides keys
#   0 .. t, and the last query (t = 3) hides all four keys
# - 1 point: the other rows attend only to later positions (query t to keys t + 1 .. 3): the model reads the
#   future, so its training loss looks excellent, but at generation the future does not exist yet and the
#   text is poor; PyTorch 2.13's MultiheadAttention would return NaN for the last row instead of an error
# Model answer: It raised ValueError: attention row (0, 0, 3) has every key masked. With True meaning "hide",
# the mask hid keys 0 .. t from query t, so query 3 had no key left. Queries 0 to 2 would have attended only
# to the positions after them, exactly the ones a language model must not see: training would look very good
# because the model copies the next token, and generation, where no future exists, would fail. PyTorch would
# have given NaN in row 3, which shows up only later.
# ### END SOLUTION
