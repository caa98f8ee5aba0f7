# %% [markdown]
# # Module 13: Transformers
#
# Attention (module 12) lets every position read the positions before it. A transformer stacks that with a
# small per-position network, and keeps the stack trainable with two tools: layer normalization and residual
# connections. A GPT is such a stack over token and position embeddings (module 11) with a linear read-out
# to the vocabulary; trained to predict the next token, it generates text one token at a time.
#
# You will write `layer_norm` and its backward rule, the `LayerNorm` layer, the feed-forward block, the
# pre-norm `TransformerBlock`, `sample_next` (temperature and top-k) and the `GPT` with `generate`. Names,
# arguments and defaults are PyTorch's where PyTorch has the same thing (`torch.nn.LayerNorm`,
# `torch.nn.functional.layer_norm`). Each task is a cell containing `# YOUR CODE HERE`; the locked cells
# after it test it. Run the cells in order.
#
# Shapes: `N` sequences per batch, `T` tokens per sequence, `E` the embedding width, `V` the vocabulary.

# %%
#| default_exp text.transformer

# %%
#| export
import math

import numpy as np

from tinytorch.core.autograd import Tensor, no_grad, record_op
from tinytorch.core.layers import GELU, Dropout, Linear, Module, ModuleList, Parameter
from tinytorch.core.tensor import array_of, default_generator, manual_seed
from tinytorch.text.attention import MultiheadAttention, causal_mask
from tinytorch.text.embed import Embedding, LearnedPositions

# %% [markdown]
# ## 1. Layer normalization
#
# Deep stacks train badly when the scale of the activations drifts from layer to layer. Layer normalization
# rescales each vector on its own: over its last axes (the `normalized_shape`, usually just `(E,)`),
#
#     mu = mean(x)     var = mean((x - mu)^2)     x_hat = (x - mu) / sqrt(var + eps)     y = x_hat * w + b
#
# The variance is the biased one (divide by the count, not count - 1), and `eps` sits inside the square root,
# as in PyTorch. `w` (ones at first) and `b` (zeros) give each feature its scale and shift back.
#
# Why not BatchNorm (module 09)? BatchNorm averages each feature over the batch: the output for one sequence
# depends on the other sequences, the statistics of a padded or generated position mix with real ones, and
# evaluation needs running averages. LayerNorm uses one vector only: the same in training and evaluation, for
# any batch size, and one token's output never depends on another token.
#
# The backward rule, with M the number of normalized elements, g = grad * w, and means over the normalized
# axes:
#
#     d_x = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps)
#     d_w = sum of grad * x_hat over the leading axes         d_b = sum of grad over the leading axes
#
# The two subtracted terms are the gradient flowing back through mu and var: shifting x or scaling x - mu
# does not change x_hat.
#
# Every vector is one row of x.reshape(R, M): the statistics are row means, and `np.vecdot(a, b)` gives each
# row's sum of a * b in one pass, without building a * b. Scale the arrays you just made in place (`*=`).
#
# **Task: `layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)`** as
# `torch.nn.functional.layer_norm`. Compute in the input's dtype and return `record_op("layer_norm", out,
# (input, weight, bias), backward)`; the rule returns None for a missing weight or bias. `_norm_axes` (given)
# checks the shapes and returns the normalized axes.

# %% nbgrader={"grade": false, "grade_id": "layer-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _norm_axes(shape: tuple, normalized_shape) -> tuple:
    """The last len(normalized_shape) axes of `shape`; ValueError if they are not normalized_shape."""
    normalized = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(normalized) == 0 or shape[len(shape) - len(normalized):] != normalized or len(normalized) > len(shape):
        raise ValueError(f"layer_norm: input of shape {shape} does not end with normalized_shape {normalized}")
    return tuple(range(len(shape) - len(normalized), len(shape)))


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias, statistics over the last axes (biased variance)."""
    x = array_of(input)
    axes = _norm_axes(x.shape, normalized_shape)
    ### BEGIN SOLUTION
    w = None if weight is None else array_of(weight)
    b = None if bias is None else array_of(bias)
    split = x.ndim - len(axes)
    R, M = math.prod(x.shape[:split]), math.prod(x.shape[split:])  # R vectors of M elements: rows of (R, M)
    rows = x.reshape(R, M)
    x_hat = rows - rows.mean(axis=1, keepdims=True)  # a new array: scaled in place below
    rstd = 1.0 / np.sqrt(np.vecdot(x_hat, x_hat)[:, None] / M + x.dtype.type(eps))
    x_hat *= rstd
    out = x_hat.copy() if w is None else x_hat * w.reshape(M)
    if b is not None:
        out += b.reshape(M)

    def backward(grad: np.ndarray) -> tuple:
        G = grad.reshape(R, M)
        g = G if w is None else G * w.reshape(M)
        d_x = x_hat * (np.vecdot(g, x_hat)[:, None] / -M)  # rstd (g - mean(g) - x_hat mean(g x_hat)), in place
        d_x += g
        d_x -= g.mean(axis=1, keepdims=True)
        d_x *= rstd
        d_w = None if w is None else (G * x_hat).sum(axis=0).reshape(w.shape)
        d_b = None if b is None else G.sum(axis=0).reshape(b.shape)
        return d_x.reshape(x.shape), d_w, d_b

    out = out.reshape(x.shape)
    return record_op("layer_norm", out, (input, weight, bias), backward)
    ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: helpers that several tests below share (not exported).
from tinytorch.core.activations import gelu
from tinytorch.core.losses import cross_entropy


def fill_params(module, rng, scale=0.3):
    """Overwrite every parameter, in sorted name order, with N(0, scale^2) numbers: a model that does not
    depend on how its initializers draw."""
    for _, p in sorted(module.named_parameters()):
        p.data[...] = rng.standard_normal(p.shape) * scale


def random_ids(rng, shape, num):
    """Integer ids of the given shape in [0, num), as int64."""
    return rng.integers(0, num, size=shape).astype(np.int64)


def tiny_gpt(seed=0, tie_weights=False, vocab=11, context=8):
    """A small seeded GPT: V=11, context 8, E=16, 2 heads, 2 layers."""
    manual_seed(seed)
    return GPT(vocab, context, 16, 2, 2, tie_weights=tie_weights)


def causality_probe(model, ids, t, vocab):
    """Logits of ids and of ids with token t changed: (largest change before t, smallest change at each
    position from t on)."""
    changed = ids.copy()
    changed[:, t] = (changed[:, t] + 1) % vocab
    with no_grad():
        a, b = model(Tensor(ids)).data, model(Tensor(changed)).data
    diff = np.abs(a - b).max(axis=(0, 2))  # (T,): largest change of each position's logits
    return float(diff[:t].max(initial=0.0)), float(diff[t:].min())

# %% nbgrader={"grade": true, "grade_id": "test-layer-norm-values", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_layer_norm_values():
    """Each normalized vector has mean 0 and variance 1 (biased, eps inside the root); then * w + b."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3, 6)) * 5 + 2, dtype=np.float64)
    y = layer_norm(x, (6,)).data
    assert y.shape == (4, 3, 6) and y.dtype == np.float64, f"same shape and dtype as the input, got {y.shape} {y.dtype}"
    assert np.allclose(y.mean(-1), 0) and np.allclose(y.var(-1), 1, atol=1e-5), "each row: mean 0, biased variance 1"
    y2 = layer_norm(x, (3, 6), eps=0.0).data.reshape(4, -1)
    assert np.allclose(y2.mean(-1), 0) and np.allclose(y2.var(-1), 1), "normalized_shape (3, 6): over the last 2 axes"
    assert np.allclose(layer_norm(Tensor([[1.0, 3.0]]), 2, eps=0.0).data, [[-1, 1]]), "[1, 3] -> [-1, 1]"
    assert np.allclose(layer_norm(Tensor([[1.0, 3.0]]), 2, eps=3.0).data, [[-0.5, 0.5]]), "eps inside the root"
    w, b = Tensor(rng.standard_normal(6)), Tensor(rng.standard_normal(6))
    assert np.allclose(layer_norm(x, 6, w, b).data, y * w.data + b.data), "then the affine map y * w + b"
    assert error_message(ValueError, layer_norm, x, (4,)) is not None, "a shape that does not end the input raises"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1301)
    for i in range(3):
        x = rng.standard_normal((2, 3, 5)).astype(np.float32) * (i + 1)
        w, b = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
        observe(f"case {i}: layer_norm((2, 3, 5), 5, w, b)", layer_norm(Tensor(x), 5, Tensor(w), Tensor(b)).data,
                rtol=1e-4, atol=1e-5)
    observe("layer_norm over (3, 5), eps 0.1", layer_norm(Tensor(x), (3, 5), eps=0.1).data, rtol=1e-4, atol=1e-5)
    observe("a constant row normalizes to 0", layer_norm(Tensor(np.full((1, 4), 7.0)), 4).data, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_layer_norm_values()

# %% nbgrader={"grade": true, "grade_id": "test-layer-norm-grads", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_layer_norm_grads():
    """The backward rule of layer_norm matches central differences for x, weight and bias, with and without them."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    check_grads(Tensor, lambda x, w, b: layer_norm(x, 5, w, b), x, w, b, name="layer_norm(x, 5, w, b)")
    check_grads(Tensor, lambda x: layer_norm(x, 5), x, name="layer_norm(x, 5)")
    x3 = rng.standard_normal((2, 2, 3))
    check_grads(Tensor, lambda x, w: layer_norm(x, (2, 3), w, eps=0.5), x3, rng.standard_normal((2, 3)),
                name="layer_norm over (2, 3)")
    x = Tensor(x, requires_grad=True)
    layer_norm(x, 5).sum().backward()
    assert np.allclose(x.grad.data, 0, atol=1e-6), "sum of a normalized row is always 0: its gradient is 0"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1302)
    for i in range(2):
        shape = (int(rng.integers(1, 4)), 4)
        observe_grads(f"case {i}: layer_norm{shape} with w, b", Tensor, lambda x, w, b: layer_norm(x, 4, w, b),
                      rng.standard_normal(shape), rng.standard_normal(4), rng.standard_normal(4))
    observe_grads("layer_norm((2, 2, 3), (2, 3), eps=0.5)", Tensor, lambda x: layer_norm(x, (2, 3), eps=0.5),
                  rng.standard_normal((2, 2, 3)))
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    layer_norm(x, 4).sum().backward()
    observe("d_x of the sum of normalized rows (always 0)", x.grad.data, rtol=0.0, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_layer_norm_grads()

# %% [markdown]
# **Task: `LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`** as `torch.nn.LayerNorm`.
# With `elementwise_affine`, it owns `weight` (ones) and, with `bias`, `bias` (zeros), both float32 of shape
# `normalized_shape`; otherwise those attributes are None. Forward calls `layer_norm`.

# %% nbgrader={"grade": false, "grade_id": "layer-norm-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class LayerNorm(Module):
    """layer_norm over the last axes with a learned scale (ones) and shift (zeros)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        ### BEGIN SOLUTION
        self.weight = Parameter(np.ones(shape, dtype=np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype=np.float32)) if elementwise_affine and bias else None
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """x (*, *normalized_shape) -> the same shape."""
        ### BEGIN SOLUTION
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

# %% nbgrader={"grade": true, "grade_id": "test-layer-norm-module", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_layer_norm_module():
    """LayerNorm owns weight = 1 and bias = 0 of normalized_shape (or none), and applies layer_norm with them."""
    ln = LayerNorm(6)
    names = [name for name, _ in ln.named_parameters()]
    assert names == ["weight", "bias"], f"parameters weight and bias, got {names}"
    assert ln.weight.shape == (6,) and ln.weight.dtype == np.float32 and np.all(ln.weight.data == 1), "weight: ones"
    assert np.all(ln.bias.data == 0), "bias: zeros"
    assert list(LayerNorm(6, elementwise_affine=False).parameters()) == [], "elementwise_affine=False: no parameters"
    assert LayerNorm((2, 3), bias=False).bias is None and LayerNorm((2, 3), bias=False).weight.shape == (2, 3)
    x = Tensor(np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32))
    ln.weight.data[...], ln.bias.data[...] = 2.0, 1.0
    assert np.allclose(ln(x).data, 2 * layer_norm(x, 6).data + 1, atol=1e-6), "forward: layer_norm * weight + bias"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1303)
    ln = LayerNorm((2, 3), eps=0.01)
    fill_params(ln, rng)
    observe("LayerNorm((2, 3), eps=0.01) with random weight and bias",
            ln(Tensor(rng.standard_normal((2, 2, 3)).astype(np.float32))).data, rtol=1e-4, atol=1e-5)
    observe("LayerNorm(4, bias=False): parameter names", [name for name, _ in LayerNorm(4, bias=False).named_parameters()])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_layer_norm_module()

# %% [markdown]
# ## 2. The feed-forward block
#
# Attention mixes positions; the feed-forward block then works on each position alone: widen E -> 4E, apply
# a nonlinearity, project back 4E -> E. Most of a transformer's parameters are here.
#
# The nonlinearity is GELU (module 03's `gelu`, module 04's `GELU` layer): x * Phi(x) with Phi the standard
# normal CDF, in the exact erf form that is PyTorch's default. Unlike ReLU it is smooth at 0 and passes a
# small gradient for negative inputs, so a unit pushed below zero early in training is not cut off for good.
#
# **Task: `FeedForward(embed_dim, hidden_dim=None, dropout=0.0)`**: `fc1 = Linear(E, H)`, `act = GELU()`,
# `fc2 = Linear(H, E)`, `drop = Dropout(dropout)` with H = 4E by default; forward is
# drop(fc2(act(fc1(x)))). Use these attribute names: the tests and `GPT` refer to them.

# %% nbgrader={"grade": false, "grade_id": "feed-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class FeedForward(Module):
    """x (*, E) -> Dropout(Linear(GELU(Linear(x)))) (*, E), hidden width 4E unless given."""

    def __init__(self, embed_dim: int, hidden_dim: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.fc1 = Linear(embed_dim, hidden_dim)
        self.act = GELU()
        self.fc2 = Linear(hidden_dim, embed_dim)
        self.drop = Dropout(dropout)
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return self.drop(self.fc2(self.act(self.fc1(x))))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-feed-forward", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_feed_forward():
    """FeedForward is fc2(GELU(fc1(x))) with widths E -> 4E -> E (or the given hidden width), applied per position."""
    ffn = FeedForward(6)
    shapes = {name: p.shape for name, p in ffn.named_parameters()}
    assert shapes == {"fc1.weight": (24, 6), "fc1.bias": (24,), "fc2.weight": (6, 24), "fc2.bias": (6,)}, \
        f"fc1: Linear(6, 24), fc2: Linear(24, 6), got {shapes}"
    assert FeedForward(6, hidden_dim=10).fc1.out_features == 10, "hidden_dim sets the inner width"
    x = np.random.default_rng(3).standard_normal((2, 5, 6)).astype(np.float32)
    h = x @ ffn.fc1.weight.data.T + ffn.fc1.bias.data
    want = gelu(Tensor(h)).data @ ffn.fc2.weight.data.T + ffn.fc2.bias.data
    assert np.allclose(ffn(Tensor(x)).data, want, atol=1e-5), "forward: fc2(gelu(fc1(x)))"
    assert np.allclose(ffn(Tensor(x[:, :1])).data, want[:, :1], atol=1e-5), "each position on its own"
    dropped = FeedForward(6, dropout=0.5).eval()
    assert np.array_equal(dropped(Tensor(x)).data, dropped(Tensor(x)).data), "evaluation mode: no dropout"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1304)
    ffn = FeedForward(4, hidden_dim=7)
    fill_params(ffn, rng)
    observe("FeedForward(4, 7) with random parameters", ffn(Tensor(rng.standard_normal((3, 4)).astype(np.float32))).data,
            rtol=1e-4, atol=1e-5)
    observe("FeedForward(5): parameter shapes", [p.shape for _, p in sorted(FeedForward(5).named_parameters())])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_feed_forward()

# %% [markdown]
# ## 3. The pre-norm transformer block
#
# One block, for x of shape (N, T, E):
#
#     x = x + Dropout(Attention(LN1(x)))        every position reads itself and the positions before it
#     x = x + FeedForward(LN2(x))               every position on its own
#
# Attention is module 12's `MultiheadAttention` with `batch_first=True` and a causal mask: position t may
# attend to positions 0 .. t only. Mind the two conventions: module 12's `causal_mask(T)` is True where
# attending is allowed (as `scaled_dot_product_attention` takes it), while `MultiheadAttention`, as in
# PyTorch, takes a bool `attn_mask` that is True where attending is *not* allowed: pass `~causal_mask(T).data`.
#
# Why pre-norm (the normalization inside the branch, as in GPT-2) rather than the original post-norm,
# x = LN(x + sublayer(x))? In pre-norm the path x -> x + ... -> x + ... is an identity through every block,
# so the gradient reaches the first block undamped however deep the stack; post-norm puts a LayerNorm on
# that path in every block, and deep post-norm stacks need a learning-rate warm-up to train at all. A
# consequence you can test: if both sublayers output zeros, the block is the identity.
#
# **Task: `TransformerBlock.forward`.** The layers are given in `__init__`; call the attention as
# `self.attn(h, h, h, attn_mask=..., need_weights=False)` and take the first of the two results.

# %% nbgrader={"grade": false, "grade_id": "block", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class TransformerBlock(Module):
    """Pre-norm block on (N, T, E): x + Dropout(causal attention(LN1(x))), then x + FeedForward(LN2(x))."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.ln1 = LayerNorm(embed_dim)
        self.attn = MultiheadAttention(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.drop = Dropout(dropout)
        self.ln2 = LayerNorm(embed_dim)
        self.ffn = FeedForward(embed_dim, dropout=dropout)

    def forward(self, x: Tensor) -> Tensor:
        """x (N, T, E) -> (N, T, E); output t depends on x[:, :t + 1] only."""
        ### BEGIN SOLUTION
        h = self.ln1(x)
        attended, _ = self.attn(h, h, h, attn_mask=~causal_mask(x.shape[-2]).data, need_weights=False)
        x = x + self.drop(attended)
        return x + self.ffn(self.ln2(x))
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-block", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_block():
    """The block keeps the shape (N, T, E); with both sublayers zeroed it is the identity; output t ignores x after t."""
    manual_seed(0)
    block = TransformerBlock(8, 2)
    x = Tensor(np.random.default_rng(4).standard_normal((2, 5, 8)).astype(np.float32), requires_grad=True)
    out = block(x)
    assert isinstance(out, Tensor) and out.shape == (2, 5, 8), f"a (2, 5, 8) Tensor, got {out!r}"
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == (2, 5, 8), "the gradient reaches x"
    for p in (block.attn.out_proj.weight, block.attn.out_proj.bias, block.ffn.fc2.weight, block.ffn.fc2.bias):
        p.data[...] = 0
    assert np.array_equal(block(x).data, x.data), "both sublayers output 0: x passes unchanged (the residual path)"
    fill_params(block, np.random.default_rng(5))
    later = x.data.copy()
    later[:, 3:] += 1.0
    a, b = block(x).data, block(Tensor(later)).data
    assert np.allclose(a[:, :3], b[:, :3], atol=1e-5), "changing positions 3, 4 must not change outputs 0, 1, 2"
    assert not np.allclose(a[:, 3:], b[:, 3:]), "but it changes outputs 3 and 4"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1305)
    block = TransformerBlock(6, 3)
    fill_params(block, rng)
    x = Tensor(rng.standard_normal((2, 4, 6)).astype(np.float32), requires_grad=True)
    out = block(x)
    out.backward(rng.standard_normal(out.shape).astype(np.float32))
    observe("TransformerBlock(6, 3), random parameters: output", out.data, rtol=1e-4, atol=1e-5)
    observe("TransformerBlock(6, 3), random parameters: d_x", x.grad.data, rtol=1e-3, atol=1e-4)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_block()

# %% [markdown]
# ## 4. Sampling the next token
#
# A language model gives logits over the V tokens for the next position. Generation draws one token from
# softmax(logits / temperature), appends it and repeats. Two knobs:
# - temperature: below 1 sharpens the distribution, above 1 flattens it; as it goes to 0 the draw becomes
#   the argmax (greedy decoding), so `temperature=0` means argmax;
# - top-k: only the k largest logits keep their probability (renormalized); the long tail of unlikely tokens,
#   which together still draw often, is cut off. `top_k=1` is greedy decoding again.
#
# Draw with one uniform number u per row: the sampled id is the first one whose cumulative probability
# reaches u. With the same generator the draws repeat exactly.
#
# **Task: `sample_next(logits, temperature=1.0, top_k=None, generator=None)`**: logits (N, V) -> int64 ids
# (N,). `generator` is a `np.random.Generator`, a seed, or None for the package's generator
# (`default_generator(generator)` returns the one to use). Compute in float64.

# %% nbgrader={"grade": false, "grade_id": "sample-next", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def sample_next(logits, temperature: float = 1.0, top_k: int | None = None, generator=None) -> np.ndarray:
    """One id per row of logits (N, V), drawn from softmax(logits / temperature) restricted to the top_k largest;
    temperature 0 gives the argmax."""
    z = array_of(logits).astype(np.float64)
    if z.ndim != 2:
        raise ValueError(f"sample_next: logits must have shape (N, V), got {z.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    ### BEGIN SOLUTION
    if temperature == 0:
        return z.argmax(axis=-1).astype(np.int64)
    z = z / temperature
    if top_k is not None and top_k < z.shape[1]:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    cdf = p.cumsum(axis=-1)
    cdf /= cdf[:, -1:]  # the last entry is exactly 1: every u in [0, 1) finds an id
    u = default_generator(generator).random((z.shape[0], 1))
    return (cdf < u).sum(axis=-1).astype(np.int64)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-sample-next", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_sample_next():
    """Draws follow softmax(logits / T) over the top k; T = 0 and top_k = 1 give the argmax; a seed repeats them."""
    logits = np.log(np.array([[0.5, 0.3, 0.2, 1e-9]]))
    many = np.repeat(logits, 20000, axis=0)
    ids = sample_next(many, generator=np.random.default_rng(0))
    assert ids.shape == (20000,) and ids.dtype == np.int64, f"one int64 id per row, got {ids.shape} {ids.dtype}"
    freq = np.bincount(ids, minlength=4) / len(ids)
    assert np.allclose(freq, [0.5, 0.3, 0.2, 0], atol=0.02), f"frequencies must follow softmax(logits), got {freq}"
    freq = np.bincount(sample_next(many, 2.0, generator=1), minlength=4) / len(ids)
    want = np.sqrt([0.5, 0.3, 0.2, 1e-9]) / np.sqrt([0.5, 0.3, 0.2, 1e-9]).sum()
    assert np.allclose(freq, want, atol=0.02), f"temperature 2: softmax(logits / 2) = {want.round(3)}, got {freq}"
    freq = np.bincount(sample_next(many, top_k=2, generator=2), minlength=4) / len(ids)
    assert np.allclose(freq, [0.625, 0.375, 0, 0], atol=0.02), f"top_k=2 renormalizes the two largest, got {freq}"
    rows = np.random.default_rng(3).standard_normal((50, 9))
    for kwargs in (dict(temperature=0), dict(top_k=1, temperature=3.0)):
        assert np.array_equal(sample_next(rows, **kwargs), rows.argmax(-1)), f"{kwargs} must give the argmax"
    assert np.array_equal(sample_next(rows, generator=7), sample_next(rows, generator=7)), "same seed, same draws"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1306)
    rows = rng.standard_normal((40, 6)) * 3
    observe("sample_next(temperature=0): the argmax", sample_next(rows, temperature=0))
    observe("sample_next(top_k=1, temperature=0.5): the argmax", sample_next(rows, 0.5, top_k=1))
    observe("same generator seed, same draws", bool(np.array_equal(sample_next(rows, generator=5), sample_next(rows, generator=5))))
    logits = rng.standard_normal((1, 5))
    for temperature, top_k in ((1.0, None), (0.5, 3), (2.0, 2)):
        draws = sample_next(np.repeat(logits, 20000, axis=0), temperature, top_k, generator=rng)
        observe(f"frequencies at temperature {temperature}, top_k {top_k}", np.bincount(draws, minlength=5) / 20000,
                rtol=0.0, atol=0.02)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sample_next()

# %% [markdown]
# ## 5. A GPT
#
# The whole model, for ids of shape (N, T) with T <= context_length:
#
#     x = Dropout(token embedding(ids) + position vectors[:T])      (N, T, E)      module 11
#     x = block_L( ... block_1(x))                                  (N, T, E)
#     logits = head(LN_f(x))                                        (N, T, V)      head: Linear(E, V), no bias
#
# The logits at position t predict token t + 1; because every block is causal they depend on tokens 0 .. t
# only, so one forward pass trains all T predictions at once. With `tie_weights=True` the head reuses the
# token embedding table as its weight (both are (V, E)): one Parameter, V * E fewer numbers to learn.
#
# The given `__init__` starts every matrix and table at N(0, 0.02^2), as GPT-2 does: the logits start near 0,
# so every token has probability about 1/V and the loss at initialization is about ln V.
#
# **Task: `GPT.forward`** (raise the given `ValueError` when T > context_length) **and `GPT.generate(ids,
# max_new_tokens, temperature=1.0, top_k=None, generator=None)`**: append `max_new_tokens` ids to ids (N, T0),
# each from `sample_next` on the logits of the last position, feeding the model at most the last
# `context_length` ids; no gradients (`with no_grad():`). Pass one generator to every call of `sample_next`
# (`default_generator(generator)`), so a seed gives one repeatable sequence.

# %% nbgrader={"grade": false, "grade_id": "gpt", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class GPT(Module):
    """Token + position embeddings, num_layers pre-norm blocks, a final LayerNorm and a linear head to V logits."""

    def __init__(self, vocab_size: int, context_length: int, embed_dim: int, num_heads: int, num_layers: int,
                 dropout: float = 0.0, tie_weights: bool = False) -> None:
        super().__init__()
        self.vocab_size, self.context_length = vocab_size, context_length
        self.tok_emb = Embedding(vocab_size, embed_dim)
        self.pos_emb = LearnedPositions(context_length, embed_dim)
        self.drop = Dropout(dropout)
        self.blocks = ModuleList([TransformerBlock(embed_dim, num_heads, dropout) for _ in range(num_layers)])
        self.ln_f = LayerNorm(embed_dim)
        self.head = Linear(embed_dim, vocab_size, bias=False)
        if tie_weights:
            self.head.weight = self.tok_emb.weight
        rng = default_generator()
        for _, p in self.named_parameters():
            if p.ndim == 2:  # matrices and tables; biases stay 0, LayerNorm weights 1
                p.data[...] = rng.normal(0.0, 0.02, size=p.shape)

    def forward(self, ids) -> Tensor:
        """ids (N, T) -> logits (N, T, V)."""
        length = array_of(ids).shape[-1]
        if length > self.context_length:
            raise ValueError(f"a sequence of {length} tokens is longer than context_length={self.context_length}")
        ### BEGIN SOLUTION
        x = self.drop(self.pos_emb(self.tok_emb(ids)))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))
        ### END SOLUTION

    def generate(self, ids, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 generator=None) -> Tensor:
        """ids (N, T0) -> (N, T0 + max_new_tokens): the prompt and the sampled continuation, in evaluation mode."""
        out = np.array(array_of(ids), dtype=np.int64)
        was_training = self.training
        self.eval()
        ### BEGIN SOLUTION
        rng = default_generator(generator)
        with no_grad():
            for _ in range(max_new_tokens):
                logits = self(out[:, -self.context_length:]).data[:, -1]
                out = np.concatenate([out, sample_next(logits, temperature, top_k, rng)[:, None]], axis=1)
        ### END SOLUTION
        self.train(was_training)
        return Tensor(out)

# %% nbgrader={"grade": true, "grade_id": "test-gpt-forward", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_gpt_forward():
    """Logits have shape (N, T, V); T > context raises; tied weights are one Parameter; loss at init is about ln V."""
    model = tiny_gpt()
    ids = random_ids(np.random.default_rng(6), (3, 8), 11)
    logits = model(Tensor(ids))
    assert isinstance(logits, Tensor) and logits.shape == (3, 8, 11), f"logits (3, 8, 11), got {logits!r}"
    loss = cross_entropy(logits.reshape(-1, 11), ids.reshape(-1)).item()
    assert abs(loss - math.log(11)) < 0.05, f"the loss at initialization must be about ln 11 = 2.398, got {loss:.3f}"
    msg = error_message(ValueError, model, Tensor(random_ids(np.random.default_rng(7), (1, 9), 11)))
    assert msg is not None and "9" in msg and "8" in msg, f"9 tokens with context 8: ValueError naming both, got {msg!r}"
    tied, untied = tiny_gpt(tie_weights=True), sum(p.data.size for p in model.parameters())
    assert tied.head.weight is tied.tok_emb.weight, "tie_weights: the head's weight is the embedding table itself"
    assert sum(p.data.size for p in tied.parameters()) == untied - 11 * 16, "so it is counted (and trained) once"
    cross_entropy(tied(Tensor(ids)).reshape(-1, 11), ids.reshape(-1)).backward()
    assert tied.tok_emb.weight.grad is not None, "the shared table gets the gradient of both uses"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1307)
    for tie in (False, True):
        model = tiny_gpt(tie_weights=tie)
        fill_params(model, rng)
        observe(f"tie_weights={tie}, random parameters: logits", model(Tensor(random_ids(rng, (2, 6), 11))).data,
                rtol=1e-3, atol=1e-4)
        observe(f"tie_weights={tie}: number of parameters", sum(p.data.size for p in model.parameters()))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gpt_forward()


# %% [markdown]
# Where a GPT's parameters are: a character model with V = 65, a context of 128, E = 128, 4 heads and 4
# blocks, counted by part, without and with tied weights.

# %%
if __name__ == "__main__":
    def _count(module):
        return sum(p.data.size for p in module.parameters())

    for _tied in (False, True):
        manual_seed(0)
        _gpt = GPT(65, 128, 128, 4, 4, tie_weights=_tied)
        _parts = {"embeddings": _count(_gpt.tok_emb) + _count(_gpt.pos_emb),
                  "attention": sum(_count(b.attn) for b in _gpt.blocks),
                  "feed-forward": sum(_count(b.ffn) for b in _gpt.blocks),
                  "norms": sum(_count(b.ln1) + _count(b.ln2) for b in _gpt.blocks) + _count(_gpt.ln_f)}
        _parts["head (not shared)"] = _count(_gpt) - sum(_parts.values())
        print(f"tie_weights={_tied}: {_count(_gpt):,} =", " + ".join(f"{n} {c:,}" for n, c in _parts.items()))

# %% [markdown]
# The law that makes next-token training honest: the logits at position t must not depend on any token after
# t. The probe below changes token t and compares the logits before and after the change: those before t
# must be unchanged, those at t and after must change. A block without its causal mask fails it.

# %% nbgrader={"grade": true, "grade_id": "test-gpt-causal", "locked": true, "points": 16, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_gpt_causal():
    """Changing token t never changes the logits before t, and always changes the logits at t and after."""
    model = tiny_gpt(seed=1)
    fill_params(model, np.random.default_rng(8))
    ids = random_ids(np.random.default_rng(9), (2, 8), 11)
    for t in range(8):
        before, after = causality_probe(model, ids, t, 11)
        assert before < 1e-5, f"changing token {t} changed the logits of an earlier position by {before:.2g}"
        assert after > 1e-4, f"changing token {t} left the logits at or after it unchanged ({after:.2g})"
    short = model(Tensor(ids[:, :5])).data
    assert np.allclose(short, model(Tensor(ids)).data[:, :5], atol=1e-5), "the first 5 logits are those of a 5-token input"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1308)
    for i in range(2):
        model = tiny_gpt(seed=i, context=6)
        fill_params(model, rng)
        ids = random_ids(rng, (2, 6), 11)
        before, after = np.array([causality_probe(model, ids, t, 11) for t in range(6)]).T
        observe(f"model {i}: largest change of the logits before t, t = 0..5", before, rtol=0.0, atol=1e-5)
        observe(f"model {i}: logits from t on changed, t = 0..5", [bool(a > 1e-4) for a in after])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gpt_causal()

# %% nbgrader={"grade": true, "grade_id": "test-gpt-generate", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def greedy(model, ids, steps):
    """The greedy continuation, one argmax at a time over the last context_length ids."""
    ids = ids.copy()
    for _ in range(steps):
        logits = model(Tensor(ids[:, -model.context_length:])).data[:, -1]
        ids = np.concatenate([ids, logits.argmax(-1)[:, None]], axis=1)
    return ids


def test_gpt_generate():
    """generate keeps the prompt, appends ids in [0, V), repeats under a seed, and top_k=1 is greedy."""
    model = tiny_gpt(seed=2)
    fill_params(model, np.random.default_rng(10))
    prompt = random_ids(np.random.default_rng(11), (2, 3), 11)
    out = model.generate(Tensor(prompt), 7, generator=3)
    assert isinstance(out, Tensor) and out.shape == (2, 10) and out.dtype == np.int64, f"(2, 10) int64, got {out!r}"
    assert np.array_equal(out.data[:, :3], prompt), "the prompt comes first, unchanged"
    assert out.data.min() >= 0 and out.data.max() < 11, "generated ids are in [0, V)"
    assert np.array_equal(out.data, model.generate(prompt, 7, generator=3).data), "the same seed gives the same ids"
    want = greedy(model, prompt, 9)  # 12 ids: the last 4 steps read a cropped context of 8
    assert np.array_equal(model.generate(prompt, 9, top_k=1).data, want), "top_k=1 is greedy decoding"
    assert np.array_equal(model.generate(prompt, 9, temperature=0).data, want), "temperature 0 is greedy decoding"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1309)
    model = tiny_gpt(seed=3, context=5)
    fill_params(model, rng)
    prompt = random_ids(rng, (3, 4), 11)
    observe("greedy continuation of 8 ids with context 5", model.generate(prompt, 8, temperature=0).data)
    observe("top_k=1 at temperature 2: the same", model.generate(prompt, 8, 2.0, top_k=1).data)
    runs = [model.generate(prompt, 6, 1.5, top_k=4, generator=9).data for _ in range(2)]
    observe("a seeded run repeats", bool(np.array_equal(*runs)))
    observe("a seeded run: shape and prompt kept", [runs[0].shape, bool(np.array_equal(runs[0][:, :4], prompt))])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gpt_generate()


# %% [markdown]
# What one generated token costs: `generate` runs the model over the whole window for every new token.
# Timed with a 1-token prompt and with a 56-token prompt (context 64):

# %%
if __name__ == "__main__":
    import time

    manual_seed(0)
    _gpt = GPT(65, 64, 64, 4, 2)
    for _prompt in (1, 56):
        _start = time.perf_counter()
        _gpt.generate(np.zeros((1, _prompt), dtype=np.int64), 8, generator=0)
        print(f"prompt of {_prompt:2d} tokens: {(time.perf_counter() - _start) / 8 * 1000:.1f} ms per new token")

# %% [markdown]
# A few hundred steps of next-token training on a repeating pattern: the loss falls from about ln V toward 0,
# and generation continues the pattern.

# %%
if __name__ == "__main__":
    from tinytorch.core.optim import Adam

    _text = "abcabdabcabd" * 4
    _vocab = sorted(set(_text))
    _ids = np.array([[_vocab.index(c) for c in _text]])
    manual_seed(0)
    _model = GPT(len(_vocab), 16, 32, 2, 2)
    _opt = Adam(_model.parameters(), lr=3e-3)
    for _step in range(150):
        _start = np.random.default_rng(_step).integers(0, _ids.shape[1] - 17, size=8)
        _x = np.stack([_ids[0, s:s + 16] for s in _start])
        _y = np.stack([_ids[0, s + 1:s + 17] for s in _start])
        _loss = cross_entropy(_model(Tensor(_x)).reshape(-1, len(_vocab)), _y.reshape(-1))
        _opt.zero_grad()
        _loss.backward()
        _opt.step()
        if _step % 50 == 0 or _step == 149:
            print(f"step {_step:3d}  loss {_loss.item():.4f}")
    _out = _model.generate(_ids[:, :4], 20, temperature=0).data[0]
    print("greedy from 'abca':", "".join(_vocab[i] for i in _out))

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `nn.LayerNorm` and `nn.functional.layer_norm` resolve to this module's objects. `nn.GELU` and
# `nn.functional.gelu` are module 03's and 04's. The block, the GPT and the sampler are the course's own and
# stay under `tinytorch.text.transformer`. Given.

# %%
#| export
PYTORCH_NAMES = {"nn.LayerNorm": "LayerNorm", "nn.functional.layer_norm": "layer_norm"}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** From the parameter count: which part of the character GPT holds most of its
# parameters, and what share? How many does tying the weights save here, and how many would it save in GPT-2
# small (V = 50,257, E = 768)? Why is the answer so different?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-parameters", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: 826,368 parameters in all; the feed-forward blocks hold 526,848 (about 64%),
#   attention 264,192 (about 32%), embeddings, norms and head the rest
# - 1 point: why the feed-forward dominates: per block it has 2 x 4E x E = 8E^2 weights against attention's
#   4E^2 (three input projections and the output projection)
# - 1 point: tying saves V x E: 65 x 128 = 8,320 here (1%), and 50,257 x 768 = 38,597,376 in GPT-2 small,
#   about a third of its 124 million; the saving grows with the vocabulary, which is tiny for characters
# Model answer: The model has 826,368 parameters; the feed-forward blocks hold 526,848 of them (64%) and
# attention 264,192 (32%). Per block the feed-forward has two E x 4E matrices, 8E^2 numbers, and attention
# four E x E matrices, 4E^2. Tying the head to the token table saves V x E = 8,320 parameters here, 1% of the
# model, because a character vocabulary has only 65 entries; GPT-2 small with 50,257 tokens of width 768
# saves 38.6 million, about a third of the model.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** What did one new token cost with a 1-token prompt and with a 56-token prompt?
# Generating 100 tokens from a 1-token prompt with context 64, how many positions does the model compute in
# all, against the 100 it needs? A cache that keeps each position's keys and values between steps avoids most
# of this work: why is reusing them correct only because the model is causal?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-generation-cost", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed times per token (several times more with the long prompt; figures depend on the
#   machine) and why: each step runs every block over the whole window, not over the new token only
# - 1 point: the count: steps see windows of 1, 2, .., 64, then 64 for the remaining 36 steps: 2,080 + 2,304
#   = 4,384 positions for 100 new tokens (44 times as many)
# - 1 point: causality: a position's keys and values depend only on the tokens up to it, so appending a
#   token never changes them and they can be kept; without the causal mask every earlier position would
#   attend to the new token and all of them would have to be recomputed
# Model answer: One token cost 2.9 ms with a 1-token prompt and 11.1 ms with a 56-token prompt, because every
# step runs the model over the whole window. Generating 100 tokens computes 1 + 2 + .. + 64 = 2,080 positions
# for the first 64 steps and 64 for each of the other 36, 2,304, so 4,384 positions for 100 new tokens. With
# a causal mask position t attends to tokens 0 .. t only, so its keys and values (in every layer) are the same
# whatever comes after it; only the new position must be computed, and it can read the cached ones.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** The pattern `abcabd` repeated is fully determined once you know where you are in
# it, yet the loss printed at the last training step is not 0. Which predictions can no model get right from
# a window that starts at a random offset, and what loss per token does that leave?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-loss-floor", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the ambiguous prediction: the token after an "ab" (or a "b") at the start of a window, before a
#   c or d has been seen, is c or d with equal odds; the model can only give each probability 1/2, a loss of
#   ln 2 = 0.693 for that one target
# - 1 point: the floor: it happens in windows starting at 4 of the 6 phases (a, b, a, b), once per 16
#   targets, so about (4/6) x 0.693 / 16 = 0.029 nats per token, close to the printed last losses (about
#   0.04; a batch of 8 windows varies around the floor); more training cannot remove it
# Model answer: The last printed loss was 0.0465. A window that starts with "ab" or "b" has to predict the
# token after that "b" before it has seen a c or a d, and then c and d are equally likely, so the best
# prediction is 1/2 each and costs ln 2 = 0.693 nats. Four of the six starting phases have one such target
# among 16, so the floor is about (4/6) x 0.693 / 16 = 0.029 nats per token; the loss stays near it because
# that uncertainty is in the data, not in the model.
# ### END SOLUTION
