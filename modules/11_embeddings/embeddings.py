# %% [markdown]
# # Module 11: Embeddings
#
# A tokenizer turns text into integer ids; a network needs vectors. An embedding is a table with one learned
# row per id: the id picks its row. Order matters in text too, so a model also gets a vector per position:
# either a fixed pattern of sines and cosines or a second learned table.
#
# You will write `as_ids` (the checks an id must pass), `one_hot`, the differentiable lookup `embedding`, the
# `Embedding` layer, `sinusoidal_positions` and the `LearnedPositions` layer. Names, arguments and defaults are
# PyTorch's where PyTorch has the same thing (`torch.nn.Embedding`, `torch.nn.functional.embedding`,
# `torch.nn.functional.one_hot`). Each task is a cell containing `# YOUR CODE HERE`; the locked cells after it
# test it. Run the cells in order.
#
# Shapes: `V` is the number of ids (the vocabulary), `d` the embedding size, ids have any shape `(*)`, and
# their embeddings have shape `(*, d)`.

# %%
#| default_exp text.embed

# %%
#| export
import math

import numpy as np

from tinytorch.core.autograd import Tensor, record_op
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import array_of, manual_seed
from tinytorch.core.tensor import default_generator as _generator

# %% [markdown]
# ## 1. Ids
#
# An id is an integer in [0, V). NumPy indexing is more lenient than an embedding may be:
# - `W[-1]` is the last row, so a negative id would silently read another token's vector;
# - `W[2.0]` fails, but with NumPy's own message, which does not say which input was wrong.
#
# PyTorch raises `IndexError` for an id out of range; do the same, and name the first bad id.
#
# **Task: `as_ids(ids, num_embeddings)`.** Return the ids as an integer ndarray (a Tensor's array, a list
# through `np.asarray`). Raise `TypeError` naming the dtype when they are not integers (bool is not an id),
# and `IndexError` naming the first id (in row-major order) that is negative or, when `num_embeddings` is
# given, not below it.

# %% nbgrader={"grade": false, "grade_id": "ids", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def as_ids(ids, num_embeddings: int | None = None) -> np.ndarray:
    """The ids as an integer ndarray; TypeError if not integers, IndexError naming the first id outside [0, V)."""
    ### BEGIN SOLUTION
    a = array_of(ids)
    if a.dtype.kind not in "iu":
        raise TypeError(f"ids must be integers, got dtype {a.dtype}")
    bad = a < 0 if num_embeddings is None else (a < 0) | (a >= num_embeddings)
    if bad.any():
        first = int(a[bad][0])
        where = "ids must not be negative" if num_embeddings is None else f"ids must be in [0, {num_embeddings - 1}]"
        raise IndexError(f"id {first} is out of range: {where}")
    return a
    ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: helpers that several tests below share (not exported).
from tinytorch.core.layers import Linear
from tinytorch.core.losses import mse_loss
from tinytorch.core.optim import Adam


def random_ids(rng, shape, num):
    """Integer ids of the given shape in [0, num), as int64."""
    return rng.integers(0, num, size=shape).astype(np.int64)


def additive_task(rng, n=64, seq=4, vocab=5):
    """Token ids (n, seq) and targets y[s, t] = a[ids[s, t]] + b[t]: a token part and a position part."""
    ids = random_ids(rng, (n, seq), vocab)
    a, b = rng.standard_normal(vocab), rng.standard_normal(seq)
    return ids, (a[ids] + b).astype(np.float32)


def train_additive(ids, y, steps, positions=True, fix=None, dim=8, lr=0.05):
    """Fit Linear(token embedding + learned position) to y with Adam; the loss before each step.
    `fix` (a Generator) overwrites every initial weight, so the run does not depend on how init draws."""
    vocab, seq = int(ids.max()) + 1, ids.shape[1]
    tok, pos, head = Embedding(vocab, dim), LearnedPositions(seq, dim), Linear(dim, 1)
    params = [*tok.parameters(), *head.parameters()] + ([*pos.parameters()] if positions else [])
    if fix is not None:
        for p in [*tok.parameters(), *pos.parameters(), *head.parameters()]:
            p.data[...] = fix.standard_normal(p.shape) * 0.5
    opt, losses = Adam(params, lr=lr), []
    for _ in range(steps):
        h = tok(Tensor(ids))
        h = pos(h) if positions else h
        loss = mse_loss(head(h).reshape(*ids.shape), Tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses

# %% nbgrader={"grade": true, "grade_id": "test-ids", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_ids():
    """Integer ids in [0, V) pass unchanged in shape and value; floats, bools and ids outside [0, V) raise."""
    ids = np.array([[0, 4], [2, 2]], dtype=np.int32)
    for given in (ids, Tensor(ids), ids.tolist()):
        got = as_ids(given, 5)
        assert isinstance(got, np.ndarray) and got.dtype.kind == "i" and np.array_equal(got, ids), \
            f"as_ids({given!r}, 5) must return the integer array {ids.tolist()}, got {got!r}"
    assert np.array_equal(as_ids([7, 9]), [7, 9]), "without num_embeddings only negative ids are wrong"
    for bad, first in (([1, 5, 9], 5), ([[0, -1], [7, 1]], -1), ([-3], -3)):
        msg = error_message(IndexError, as_ids, bad, 5)
        assert msg is not None and str(first) in msg, f"as_ids({bad}, 5) must raise IndexError naming id {first}, got {msg!r}"
    for bad in (np.array([1.0, 2.0]), np.array([True, False])):
        msg = error_message(TypeError, as_ids, bad, 5)
        assert msg is not None and str(bad.dtype) in msg, f"as_ids of {bad.dtype} ids must raise TypeError naming it"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1101)
    for i in range(4):
        num = int(rng.integers(2, 9))
        ids = random_ids(rng, (3, 4), num)
        observe(f"case {i}: as_ids of valid ids", as_ids(Tensor(ids), num))
        ids.flat[int(rng.integers(12)):] = num + i  # everything from a random place on is out of range
        observe(f"case {i}: IndexError raised", error_message(IndexError, as_ids, ids, num) is not None)
        observe(f"case {i}: a negative id raises", error_message(IndexError, as_ids, -ids, None) is not None)
    observe("uint8 ids pass", as_ids(np.array([3, 1], dtype=np.uint8), 4).tolist())
    observe("float16 ids raise TypeError", error_message(TypeError, as_ids, np.zeros(2, np.float16)) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_ids()

# %% [markdown]
# ## 2. A lookup is a product with a one-hot matrix
#
# The one-hot vector of id k among V is e_k: V entries, a 1 at k, 0 elsewhere. For a table W (V, d),
# e_k @ W is row k of W. For n ids at once, with their one-hot rows stacked into X (n, V):
#
#     X @ W = W[ids]          (n, V) @ (V, d) -> (n, d)
#
# So an embedding is a Linear layer without bias (weight W.T) applied to one-hot inputs. The product costs n * V * d
# multiply-adds and builds an (n, V) matrix that is almost all zeros; the lookup copies n * d numbers. The
# cell after the tests measures both.
#
# **Task: `one_hot(tensor, num_classes=-1)`** as `torch.nn.functional.one_hot`: an int64 Tensor of shape
# `(*, num_classes)` with a 1 at each id. `num_classes=-1` means the largest id plus one. Check the ids with
# `as_ids`. Hint: `np.eye(num_classes, dtype=np.int64)[ids]`, or set ones with `np.put_along_axis`.

# %% nbgrader={"grade": false, "grade_id": "one-hot", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """(*) integer ids -> (*, num_classes) int64 with out[..., k] = 1 where the id is k, else 0."""
    ### BEGIN SOLUTION
    ids = as_ids(tensor, None if num_classes == -1 else num_classes)
    if num_classes == -1:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    out = np.zeros(ids.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, ids[..., None].astype(np.int64), 1, axis=-1)
    return Tensor(out)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-one-hot", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_one_hot():
    """one_hot puts exactly one 1 per id, at the id; it is int64 (*, C); C defaults to max id + 1; X @ W = W[ids]."""
    got = one_hot(Tensor(np.array([[2, 0], [1, 2]])))
    assert isinstance(got, Tensor) and got.dtype == np.int64 and got.shape == (2, 2, 3), \
        f"one_hot of (2, 2) ids up to 2 is an int64 Tensor of shape (2, 2, 3), got {got!r}"
    assert np.array_equal(got.data, [[[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 0, 1]]]), f"wrong ones: {got.data}"
    assert one_hot(Tensor([1, 0]), num_classes=4).shape == (2, 4), "num_classes sets the last axis"
    assert error_message(IndexError, one_hot, Tensor([1, 4]), 4) is not None, "an id >= num_classes raises IndexError"
    rng = np.random.default_rng(0)
    ids, W = random_ids(rng, (6,), 7), rng.standard_normal((7, 3))
    assert np.allclose(one_hot(ids, 7).data @ W, W[ids]), "one-hot rows times W must equal the rows of W"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1102)
    for i in range(4):
        shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        num = int(rng.integers(2, 6))
        ids = random_ids(rng, shape, num)
        observe(f"case {i}: one_hot(ids of shape {shape}, {num + 2})", one_hot(Tensor(ids), num + 2).data)
        observe(f"case {i}: one_hot with the default num_classes: shape", tuple(one_hot(ids).shape))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_one_hot()

# %% [markdown]
# The two ways, measured with V = 5000, d = 64 and 256 ids: the same numbers, and the lookup is orders of
# magnitude faster (it also never builds the 256 x 5000 one-hot matrix).

# %%
if __name__ == "__main__":
    import time

    _rng = np.random.default_rng(0)
    _W = _rng.standard_normal((5000, 64)).astype(np.float32)
    _ids = random_ids(_rng, (256,), 5000)
    for _name, _f in (("one-hot @ W", lambda: one_hot(_ids, 5000).data.astype(np.float32) @ _W),
                      ("W[ids]", lambda: _W[_ids])):
        _start = time.perf_counter()
        for _ in range(5):
            _out = _f()
        print(f"{_name:>12}: {(time.perf_counter() - _start) / 5 * 1e3:8.3f} ms per call")
    print("same result:", np.allclose(one_hot(_ids, 5000).data.astype(np.float32) @ _W, _W[_ids]))

# %% [markdown]
# ## 3. The differentiable lookup
#
# `embedding(input, weight, padding_idx=None)` (PyTorch's argument order: ids first) returns `weight[ids]`,
# shape `(*, d)`. Its gradient follows from the one-hot form out = X @ W: d_W = X.T @ grad, so row k of d_W is
# the sum of the upstream gradient rows of every position whose id is k. An id that occurs three times
# collects three rows.
#
# That sum is where the obvious NumPy goes wrong. `d_W[ids] += grad` is `d_W[ids] = d_W[ids] + grad`: the
# right side is computed for every position, then written back, and for a repeated id the last write wins.
# `np.add.at(d_W, ids, grad)` adds every row (an unbuffered scatter-add). The next cell shows the difference.
#
# `padding_idx` marks the id used to fill short sequences up to a common length. Its row gets no gradient:
# it never changes in training (the `Embedding` layer also starts it at zero). A negative `padding_idx` counts
# from the end, as in PyTorch; `_padding_index` (given) turns it into a row number.

# %%
if __name__ == "__main__":
    _ids = np.array([1, 3, 1, 1])
    _grad = np.ones((4, 2))
    _lost = np.zeros((5, 2))
    _lost[_ids] += _grad
    _kept = np.zeros((5, 2))
    np.add.at(_kept, _ids, _grad)
    print("ids", _ids.tolist())
    print("d_W[ids] += grad   row 1:", _lost[1], " (id 1 occurs 3 times, 2 updates lost)")
    print("np.add.at           row 1:", _kept[1])

# %% [markdown]
# **Task: `embedding`.** Check the ids with `as_ids`, look them up, and return `record_op("embedding", out,
# (weight,), backward)`: the ids are not differentiable, so `weight` is the only parent. The backward rule
# scatter-adds the upstream gradient into zeros of weight's shape and dtype and zeroes the padding row.
# Flatten first: ids to (n,), grad to (n, d).

# %% nbgrader={"grade": false, "grade_id": "embedding", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx as a row number in [0, V) (negative counts from the end), or None; ValueError if outside."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings={num_embeddings}")
    return padding_idx % num_embeddings


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """weight[input]: ids (*) and weight (V, d) -> (*, d); backward scatter-adds into the rows, padding row 0."""
    W = array_of(weight)
    if W.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {W.shape}")
    padding_idx = _padding_index(padding_idx, W.shape[0])
    ### BEGIN SOLUTION
    ids = as_ids(input, W.shape[0])
    out = W[ids]

    def backward(grad: np.ndarray) -> tuple:
        d_w = np.zeros_like(W)
        np.add.at(d_w, ids.reshape(-1), grad.reshape(-1, W.shape[1]))  # repeated ids add up
        if padding_idx is not None:
            d_w[padding_idx] = 0
        return (d_w,)

    return record_op("embedding", out, (weight,), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-embedding-values", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_embedding_values():
    """embedding(ids, W) is W[ids]: shape (*, d), W's dtype, for 1-D and 2-D ids; bad ids raise IndexError."""
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        W = Tensor(rng.standard_normal((6, 3)), dtype=dtype, requires_grad=True)
        for ids in (np.array([4, 0, 4]), random_ids(rng, (2, 5), 6), np.array(2), np.zeros((0, 2), np.int64)):
            got = embedding(Tensor(ids), W)
            assert isinstance(got, Tensor) and got.shape == ids.shape + (3,) and got.dtype == dtype, \
                f"embedding of {ids.shape} ids in a {np.dtype(dtype)} (6, 3) table: a {ids.shape + (3,)} {np.dtype(dtype)} Tensor, got {got!r}"
            assert np.array_equal(got.data, W.data[ids]), f"embedding of {ids.tolist()} must be the rows W[ids]"
    assert embedding([1, 1], W).requires_grad, "a lookup in a table that requires grad must require grad"
    msg = error_message(IndexError, embedding, Tensor([0, 6]), W)
    assert msg is not None and "6" in msg, f"id 6 of a 6-row table must raise IndexError naming it, got {msg!r}"
    assert error_message(ValueError, embedding, Tensor([0]), W, padding_idx=6) is not None, "padding_idx outside: ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1103)
    for i in range(4):
        num, dim = (int(s) for s in rng.integers(2, 7, size=2))
        ids = random_ids(rng, tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3)))), num)
        W = Tensor(rng.standard_normal((num, dim)))
        observe(f"case {i}: embedding of ids {ids.shape} in a ({num}, {dim}) table", embedding(Tensor(ids), W).data)
        observe(f"case {i}: an id equal to V raises IndexError",
                error_message(IndexError, embedding, Tensor(ids.ravel().tolist() + [num]), W) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_values()

# %% nbgrader={"grade": true, "grade_id": "test-embedding-grads", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_embedding_grads():
    """Row k of d_W sums the upstream rows of every position with id k (repeats add up); central differences agree."""
    W = Tensor(np.zeros((4, 2)), requires_grad=True)
    ids = np.array([[1, 3, 1], [1, 0, 3]])
    upstream = np.arange(12.0).reshape(2, 3, 2)
    embedding(Tensor(ids), W).backward(upstream)
    want = [[8, 9], [0 + 4 + 6, 1 + 5 + 7], [0, 0], [2 + 10, 3 + 11]]
    assert W.grad is not None and np.array_equal(W.grad.data, want), \
        f"ids {ids.tolist()}: d_W must be {want} (id 1 three times, id 2 never), got {None if W.grad is None else W.grad.data.tolist()}"
    assert W.grad.dtype == W.dtype, "the gradient has the table's dtype"
    rng = np.random.default_rng(1)
    for shape in [(5,), (2, 4), (3, 1, 2)]:
        ids = random_ids(rng, shape, 3)  # few rows: repeats are certain
        check_grads(Tensor, lambda w: embedding(ids, w), rng.standard_normal((3, 2)), name=f"ids of shape {shape}")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1104)
    for i in range(4):
        num, dim = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        ids = random_ids(rng, (int(rng.integers(3, 9)), 2), num)
        observe_grads(f"case {i}: embedding of ids {ids.tolist()}", Tensor, lambda w: embedding(Tensor(ids), w),
                      rng.standard_normal((num, dim)))
        W = Tensor(np.zeros((num, 1)), requires_grad=True)
        embedding(Tensor(ids), W).sum().backward()
        observe(f"case {i}: d_W of the sum: how often each id occurs", None if W.grad is None else W.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_grads()

# %% nbgrader={"grade": true, "grade_id": "test-embedding-padding", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import grads_of


def test_embedding_padding():
    """The padding row reads its value but receives zero gradient; the other rows are unchanged; -1 is the last row."""
    rng = np.random.default_rng(2)
    table = rng.standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 0, 1]])
    plain = grads_of(Tensor, lambda w: embedding(ids, w), table)[0]
    for padding_idx, row in ((0, 0), (2, 2), (-1, 4)):
        W = Tensor(table, dtype=np.float64, requires_grad=True)
        out = embedding(Tensor(ids), W, padding_idx=padding_idx)
        assert np.array_equal(out.data, table[ids]), "padding_idx changes no value of the lookup"
        got = grads_of(Tensor, lambda w: embedding(ids, w, padding_idx=padding_idx), table)[0]
        want = plain.copy()
        want[row] = 0
        assert np.allclose(got, want), f"padding_idx={padding_idx}: row {row} of d_W must be 0, the others as without padding"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1105)
    for i in range(4):
        num = int(rng.integers(2, 6))
        pad = int(rng.integers(-num, num))
        ids = random_ids(rng, (3, 3), num)
        got = grads_of(Tensor, lambda w: embedding(ids, w, padding_idx=pad), rng.standard_normal((num, 2)))[0]
        observe(f"case {i}: d_W with padding_idx={pad}, ids {ids.tolist()}", got, rtol=1e-10, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_padding()

# %% [markdown]
# ## 4. The Embedding layer
#
# `Embedding(num_embeddings, embedding_dim, padding_idx=None)` owns `weight` (num_embeddings, embedding_dim)
# and computes `embedding(input, self.weight, self.padding_idx)`. As in PyTorch:
# - the weight is float32, drawn from N(0, 1) (`_generator().standard_normal`, so `manual_seed` fixes it);
#   each output is one row, not a sum over inputs, so there is no fan-in to scale by;
# - the padding row starts at zero, and backward keeps it there;
# - `Embedding.from_pretrained(embeddings, freeze=True, padding_idx=None)` (given) wraps an existing table,
#   for instance vectors trained elsewhere. It calls the constructor with `_weight` (copy it, draw nothing,
#   leave the padding row as given) and `_freeze` (the weight then does not require grad).
#
# **Task: `Embedding.__init__` and `forward`.**

# %% nbgrader={"grade": false, "grade_id": "embedding-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Embedding(Module):
    """A learned table: ids (*) -> rows (*, embedding_dim); weight ~ N(0, 1), the padding row starts at 0."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 _weight=None, _freeze: bool = False) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        if _weight is not None and array_of(_weight).shape != (num_embeddings, embedding_dim):
            raise ValueError(f"_weight must have shape ({num_embeddings}, {embedding_dim}), got {array_of(_weight).shape}")
        ### BEGIN SOLUTION
        if _weight is None:
            table = _generator().standard_normal((num_embeddings, embedding_dim)).astype(np.float32)
            if self.padding_idx is not None:
                table[self.padding_idx] = 0
            self.weight = Parameter(table, requires_grad=not _freeze)
        else:
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        ### END SOLUTION

    def forward(self, input) -> Tensor:
        """ids (*) -> (*, embedding_dim)."""
        ### BEGIN SOLUTION
        return embedding(input, self.weight, self.padding_idx)
        ### END SOLUTION

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> "Embedding":
        """An Embedding holding a copy of `embeddings` (V, d); frozen (no gradient) unless freeze=False."""
        shape = array_of(embeddings).shape
        if len(shape) != 2:
            raise ValueError(f"embeddings must be 2-D, got shape {shape}")
        return cls(shape[0], shape[1], padding_idx=padding_idx, _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"

# %% nbgrader={"grade": true, "grade_id": "test-embedding-module-init", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_embedding_module_init():
    """Embedding's weight is a float32 (V, d) Parameter ~ N(0, 1) that a seed rebuilds; the padding row is 0."""
    manual_seed(0)
    layer = Embedding(400, 50)
    w = layer.weight
    assert [n for n, _ in layer.named_parameters()] == ["weight"], "Embedding's one parameter is 'weight'"
    assert isinstance(w, Parameter) and w.shape == (400, 50) and w.dtype == np.float32 and w.requires_grad, \
        f"weight: a float32 (400, 50) Parameter that requires grad, got {w!r}"
    assert abs(float(w.data.mean())) < 0.02 and abs(float(w.data.std()) - 1) < 0.02, \
        f"weight ~ N(0, 1): mean {w.data.mean():.3f}, std {w.data.std():.3f}"
    manual_seed(7)
    first, second = Embedding(5, 3).weight.data.copy(), Embedding(5, 3).weight.data.copy()
    manual_seed(7)
    assert np.array_equal(Embedding(5, 3).weight.data, first) and not np.array_equal(first, second), \
        "the same seed must build the same table; two tables in a row differ"
    padded = Embedding(6, 4, padding_idx=-2)
    assert padded.padding_idx == 4 and not padded.weight.data[4].any() and padded.weight.data[[0, 1, 2, 3, 5]].all(), \
        "padding_idx=-2 of 6 is row 4, which starts at zero; the other rows are random"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1106)
    for i in range(3):
        num, dim = int(rng.integers(2, 9)), int(rng.integers(1, 6))
        pad = int(rng.integers(0, num))
        manual_seed(int(rng.integers(1000)))
        lay = Embedding(num, dim, padding_idx=pad)
        observe(f"case {i}: Embedding({num}, {dim}, padding_idx={pad}): shape, dtype, zero rows",
                (tuple(lay.weight.shape), str(lay.weight.dtype), np.flatnonzero(~lay.weight.data.any(axis=1)).tolist()))
    manual_seed(5)
    big = Embedding(1000, 100).weight.data
    observe("Embedding(1000, 100): mean and std of the weight", [float(big.mean()), float(big.std())], rtol=0.0, atol=0.02)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_module_init()

# %% nbgrader={"grade": true, "grade_id": "test-embedding-module-forward", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_embedding_module_forward():
    """Embedding(ids) is weight[ids]; backward fills weight.grad by scatter-add, zero on the padding row."""
    manual_seed(1)
    layer = Embedding(5, 3, padding_idx=0)
    ids = np.array([[0, 3, 3], [1, 0, 4]])
    out = layer(Tensor(ids))
    assert isinstance(out, Tensor) and out.shape == (2, 3, 3), f"(2, 3) ids -> (2, 3, 3), got {out!r}"
    assert np.array_equal(out.data, layer.weight.data[ids]), "the forward is weight[ids]"
    out.sum().backward()
    assert layer.weight.grad is not None, "backward must reach the weight"
    counts = np.array([0, 1, 0, 2, 1], dtype=np.float32)[:, None] * np.ones(3)  # id 0 is padding: 0, not 2
    assert np.array_equal(layer.weight.grad.data, counts), f"d_W of sum() counts each id: {counts[:, 0]}"
    assert repr(layer) == "Embedding(5, 3, padding_idx=0)", f"repr as PyTorch's, got {layer!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1107)
    for i in range(3):
        num, dim = int(rng.integers(2, 7)), int(rng.integers(1, 4))
        lay = Embedding(num, dim, padding_idx=int(rng.integers(num)))
        lay.weight.data[...] = rng.standard_normal((num, dim))  # the init is tested above: fix it here
        ids = random_ids(rng, (2, 4), num)
        out = lay(Tensor(ids))
        out.backward(rng.standard_normal(out.shape).astype(np.float32))
        observe(f"case {i}: forward", out.data, rtol=1e-6, atol=1e-6)
        observe(f"case {i}: weight.grad", lay.weight.grad.data, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_module_forward()

# %% nbgrader={"grade": true, "grade_id": "test-embedding-module-pretrained", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_embedding_module_pretrained():
    """from_pretrained copies the table without drawing; freeze=True: no gradient, freeze=False: it trains."""
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    manual_seed(3)
    frozen = Embedding.from_pretrained(Tensor(table))
    after = Embedding(2, 2).weight.data.copy()
    manual_seed(3)
    assert np.array_equal(after, Embedding(2, 2).weight.data), "from_pretrained must not draw from the generator"
    assert np.array_equal(frozen.weight.data, table) and not frozen.weight.requires_grad, "frozen: a copy, no grad"
    assert frozen.weight.data is not table, "the layer must own a copy of the table"
    assert not frozen(Tensor([1, 2])).requires_grad, "a frozen table gives outputs that need no gradient"
    padded = Embedding.from_pretrained(Tensor(table), freeze=False, padding_idx=1)
    assert padded.weight.requires_grad and np.array_equal(padded.weight.data, table), \
        "freeze=False: the table trains; its padding row keeps the given values"
    padded(Tensor([1, 1, 2])).sum().backward()
    assert np.array_equal(padded.weight.grad.data[:, 0], [0, 0, 1, 0]), "and the padding row gets no gradient"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1108)
    table = rng.standard_normal((5, 2)).astype(np.float32)
    lay = Embedding.from_pretrained(Tensor(table), freeze=False, padding_idx=3)
    out = lay(Tensor(random_ids(rng, (6,), 5)))
    out.backward(rng.standard_normal((6, 2)).astype(np.float32))
    observe("from_pretrained(freeze=False, padding_idx=3): forward", out.data)
    observe("from_pretrained(freeze=False, padding_idx=3): weight.grad", lay.weight.grad.data, rtol=1e-5, atol=1e-6)
    observe("from_pretrained(): requires_grad", Embedding.from_pretrained(Tensor(table)).weight.requires_grad)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_embedding_module_pretrained()

# %% [markdown]
# ## 5. Sinusoidal positions
#
# A sum of token embeddings does not change when the tokens are shuffled: the model needs each position's
# vector as well. The fixed choice of the original transformer: for position p and pair i = 0 .. d/2 - 1,
#
#     PE[p, 2i]     = sin(p * w_i)
#     PE[p, 2i + 1] = cos(p * w_i)          w_i = 1 / 10000^(2i / d)
#
# Pair i turns at angular speed w_i: from 1 radian per position (i = 0) down to about 1/10000, so close
# positions differ in the fast pairs and distant ones in the slow pairs, and nothing repeats within
# thousands of positions. Two consequences, tested below:
# - a shift by k positions is one linear map for every p: each (sin, cos) pair turns by the angle k * w_i,
#   PE[p + k] = R_k PE[p] with R_k block-diagonal 2 x 2 rotations;
# - hence PE[p] . PE[q] = sum_i cos((p - q) w_i) depends only on p - q.
#
# **Task: `sinusoidal_positions(max_len, dim)`**: the float32 Tensor PE of shape (max_len, dim), no gradient.
# Compute the angles in float64 (p * w_i reaches thousands of radians) and convert at the end.

# %% nbgrader={"grade": false, "grade_id": "sinusoidal", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def sinusoidal_positions(max_len: int, dim: int) -> Tensor:
    """PE (max_len, dim): PE[p, 2i] = sin(p w_i), PE[p, 2i+1] = cos(p w_i), w_i = 10000^(-2i/dim)."""
    if dim % 2:
        raise ValueError(f"sinusoidal positions need an even dim (sin and cos pairs), got {dim}")
    ### BEGIN SOLUTION
    speeds = 10000.0 ** (-np.arange(0, dim, 2) / dim)  # w_i, (dim / 2,)
    angles = np.arange(max_len)[:, None] * speeds       # (max_len, dim / 2), float64
    pe = np.empty((max_len, dim))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return Tensor(pe.astype(np.float32))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-sinusoidal-values", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_sinusoidal_values():
    """PE is float32 (max_len, dim); row 0 is (0, 1, 0, 1, ...); the known entries; each pair has norm 1."""
    pe = sinusoidal_positions(50, 8)
    assert isinstance(pe, Tensor) and pe.shape == (50, 8) and pe.dtype == np.float32 and not pe.requires_grad, \
        f"a float32 (50, 8) Tensor without grad, got {pe!r}"
    assert np.array_equal(pe.data[0], [0, 1] * 4), f"position 0: sin 0 = 0, cos 0 = 1 in every pair, got {pe.data[0]}"
    known = {(1, 0): math.sin(1), (1, 1): math.cos(1), (3, 2): math.sin(3 / 10), (3, 3): math.cos(3 / 10),
             (49, 6): math.sin(49 / 1000), (49, 7): math.cos(49 / 1000)}  # w_1 = 10000^(-2/8) = 1/10
    for (p, j), want in known.items():
        assert abs(pe.data[p, j] - want) < 1e-6, f"PE[{p}, {j}] must be {want:.6f}, got {pe.data[p, j]:.6f}"
    norms = pe.data[:, 0::2] ** 2 + pe.data[:, 1::2] ** 2
    assert np.allclose(norms, 1, atol=1e-6), "sin^2 + cos^2 = 1 in every pair: sin on even, cos on odd columns"
    assert error_message(ValueError, sinusoidal_positions, 4, 5) is not None, "an odd dim raises ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1109)
    for i in range(3):
        max_len, dim = int(rng.integers(1, 30)), 2 * int(rng.integers(1, 6))
        observe(f"case {i}: sinusoidal_positions({max_len}, {dim})", sinusoidal_positions(max_len, dim).data,
                rtol=1e-6, atol=1e-6)
    observe("sinusoidal_positions(3000, 16): last row", sinusoidal_positions(3000, 16).data[-1], rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sinusoidal_values()

# %% nbgrader={"grade": true, "grade_id": "test-sinusoidal-relative", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_sinusoidal_relative():
    """PE[p + k] = R_k PE[p] for one rotation matrix R_k and every p; so PE[p] . PE[q] depends only on p - q."""
    dim, k = 16, 5
    pe = sinusoidal_positions(64, dim).data.astype(np.float64)
    speeds = 10000.0 ** (-np.arange(0, dim, 2) / dim)
    R = np.zeros((dim, dim))
    for i, w in enumerate(speeds):  # (sin, cos) -> (sin cos kw + cos sin kw, cos cos kw - sin sin kw)
        c, s = math.cos(k * w), math.sin(k * w)
        R[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    assert np.allclose(pe[:-k] @ R.T, pe[k:], atol=1e-5), \
        f"a shift by {k} must turn every (sin, cos) pair by the angle {k} w_i, at every position"
    gram = pe @ pe.T
    assert np.allclose(gram[1:, 1:], gram[:-1, :-1], atol=1e-4), "PE[p] . PE[q] = PE[p + 1] . PE[q + 1]"
    assert np.allclose(np.diag(gram), dim / 2, atol=1e-4), "|PE[p]|^2 = d / 2 (d / 2 pairs of norm 1)"

    ### BEGIN HIDDEN TESTS
    pe = sinusoidal_positions(40, 12).data.astype(np.float64)
    gram = pe @ pe.T
    observe("PE(40, 12): dot products with position 0", gram[0], rtol=1e-5, atol=1e-5)
    observe("PE(40, 12): largest change of PE[p] . PE[p + 3] along p", float(np.ptp(np.diag(gram, 3))), rtol=0.0, atol=1e-4)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sinusoidal_relative()

# %% [markdown]
# ## 6. Learned positions
#
# The other choice (GPT-2's): a second table with one learned row per position, added to the token
# embeddings. It can learn any pattern the data needs, but only for positions it has seen: a model built with
# `max_len` positions has no vector for position `max_len`, and must refuse longer sequences.
#
# `LearnedPositions(max_len, embedding_dim)` owns `weight` (max_len, embedding_dim), float32 ~ N(0, 1) like an
# `Embedding` (it is one, indexed by position). Its forward takes x of shape (*, seq, embedding_dim), the token
# embeddings, and returns x + weight[:seq], the same rows for every sequence of a batch. Broadcasting in the
# addition sums the gradient over the batch; rows at and beyond seq get none.
#
# **Task: `LearnedPositions.__init__` and `forward`.** Look the positions 0 .. seq-1 up with your `embedding`.

# %% nbgrader={"grade": false, "grade_id": "learned-positions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class LearnedPositions(Module):
    """x (*, seq, dim) -> x + weight[:seq]: one learned vector per position, weight (max_len, dim) ~ N(0, 1)."""

    def __init__(self, max_len: int, embedding_dim: int) -> None:
        super().__init__()
        self.max_len, self.embedding_dim = max_len, embedding_dim
        ### BEGIN SOLUTION
        self.weight = Parameter(_generator().standard_normal((max_len, embedding_dim)).astype(np.float32))
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """Add the vector of position t to x[..., t, :]."""
        shape = array_of(x).shape
        if len(shape) < 2 or shape[-1] != self.embedding_dim:
            raise ValueError(f"LearnedPositions: x must have shape (*, seq, {self.embedding_dim}), got {shape}")
        if shape[-2] > self.max_len:
            raise ValueError(f"a sequence of {shape[-2]} positions is longer than max_len={self.max_len}")
        ### BEGIN SOLUTION
        return x + embedding(np.arange(shape[-2]), self.weight)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.max_len}, {self.embedding_dim}"

# %% nbgrader={"grade": true, "grade_id": "test-learned-positions-forward", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads


def test_learned_positions_forward():
    """out[b, t] = x[b, t] + weight[t]; d_weight[t] sums the upstream over the batch, 0 for t >= seq; d_x = upstream."""
    manual_seed(0)
    pos = LearnedPositions(6, 4)
    w = pos.weight
    assert isinstance(w, Parameter) and w.shape == (6, 4) and w.dtype == np.float32 and len(np.unique(w.data)) == 24, \
        f"weight: a random float32 (6, 4) Parameter, got {w!r}"
    x = Tensor(np.random.default_rng(0).standard_normal((3, 5, 4)), requires_grad=True)
    out = pos(x)
    assert out.shape == (3, 5, 4) and np.allclose(out.data, x.data + w.data[:5]), "out[b, t] = x[b, t] + weight[t]"
    out.backward(np.ones((3, 5, 4)))
    assert np.array_equal(w.grad.data, [[3] * 4] * 5 + [[0] * 4]), "row t < 5 gets the sum over the batch of 3; row 5 none"
    assert np.array_equal(x.grad.data, np.ones((3, 5, 4))), "the gradient of x passes through unchanged"
    pos = LearnedPositions(4, 2).double()
    for shape in [(3, 2), (2, 4, 2)]:
        check_grads(Tensor, lambda a, t: pos(a) * t, np.ones(shape), np.random.default_rng(1).standard_normal(shape))

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1110)
    for i in range(3):
        max_len, dim, seq = 6, int(rng.integers(1, 4)), int(rng.integers(1, 7))
        pos = LearnedPositions(max_len, dim)
        pos.weight.data[...] = rng.standard_normal((max_len, dim))
        x = Tensor(rng.standard_normal((2, seq, dim)).astype(np.float32), requires_grad=True)
        out = pos(x)
        out.backward(rng.standard_normal(out.shape).astype(np.float32))
        observe(f"case {i}: seq {seq} of max_len {max_len}: out, d_weight, d_x",
                [out.data, pos.weight.grad.data, x.grad.data], rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_learned_positions_forward()

# %% nbgrader={"grade": true, "grade_id": "test-learned-positions-errors", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_learned_positions_errors():
    """A sequence of max_len positions works; one more raises ValueError naming both lengths."""
    pos = LearnedPositions(3, 2)
    assert pos(Tensor(np.zeros((3, 2)))).shape == (3, 2), "exactly max_len positions is fine (no batch axis either)"
    msg = error_message(ValueError, pos, Tensor(np.zeros((1, 4, 2))))
    assert msg is not None and "4" in msg and "3" in msg, f"4 positions with max_len=3: ValueError naming 4 and 3, got {msg!r}"
    assert repr(pos) == "LearnedPositions(3, 2)", f"repr shows max_len and dim, got {pos!r}"

    ### BEGIN HIDDEN TESTS
    for seq in (1, 5, 6, 7, 20):
        pos = LearnedPositions(6, 2)
        raised = error_message(ValueError, pos, Tensor(np.zeros((2, seq, 2), dtype=np.float32))) is not None
        observe(f"LearnedPositions(6, 2) on {seq} positions raises ValueError", raised)
    pos.weight.data[...] = np.arange(12.0).reshape(6, 2)
    observe("LearnedPositions(6, 2) with weight arange(12) on all 6 positions of zeros", pos(Tensor(np.zeros((6, 2)))).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_learned_positions_errors()

# %% [markdown]
# ## 7. Tokens and positions together
#
# A toy task shows why the position vector is needed: sequences of 4 tokens out of 5, and a target per
# position y[s, t] = a[token] + b[t], a part from the token and a part from the position. The model is
# `Linear(token embedding + position vector)`. Without positions the same token must get the same output at
# every position, so the loss cannot fall below the spread of b; with them it falls to about zero.

# %% nbgrader={"grade": true, "grade_id": "test-learned-positions-train", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_learned_positions_train():
    """Token embedding + learned positions + Linear fit y = a[token] + b[position]: the loss falls below 1% of its start."""
    ids, y = additive_task(np.random.default_rng(11))
    manual_seed(0)
    losses = train_additive(ids, y, steps=200)
    assert all(math.isfinite(v) for v in losses), "the loss must stay finite"
    assert losses[-1] < 0.01 * losses[0], f"with positions the loss must fall from {losses[0]:.3f} below 1%, got {losses[-1]:.4f}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1111)
    ids, y = additive_task(rng, n=16, seq=3, vocab=4)
    observe("fixed start, 20 steps: loss per step", np.array(train_additive(ids, y, 20, fix=rng)), rtol=1e-3, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_learned_positions_train()

# %%
if __name__ == "__main__":
    _ids, _y = additive_task(np.random.default_rng(11))
    for _positions in (False, True):
        manual_seed(0)
        _losses = train_additive(_ids, _y, steps=300, positions=_positions)
        print(f"positions {'on ' if _positions else 'off'}: mse {_losses[0]:.4f} -> {_losses[-1]:.5f}")

# %% [markdown]
# The floor without positions: the best any model can do that sees only the token is to predict, for each
# token, the mean of its targets.

# %%
if __name__ == "__main__":
    _token_means = np.array([_y[_ids == k].mean() for k in range(int(_ids.max()) + 1)])
    print(f"best mse from the token alone: {np.mean((_y - _token_means[_ids]) ** 2):.5f}")

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `nn.Embedding`, `nn.functional.embedding` and `nn.functional.one_hot` resolve to this module's objects.
# The position encodings have no PyTorch counterpart and stay under `tinytorch.text.embed`. Given.

# %%
#| export
PYTORCH_NAMES = {
    "nn.Embedding": "Embedding", "nn.functional.embedding": "embedding", "nn.functional.one_hot": "one_hot",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** With V = 5000, d = 64 and 256 ids, how long did `one-hot @ W` and `W[ids]` take per
# call, and what is their ratio? Count the multiply-adds of the product and the numbers the lookup copies, and
# the bytes of the one-hot matrix your `one_hot` built. Does the count explain the ratio?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-lookup-cost", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the two printed times and their ratio (thousands of times; the figures depend on the machine)
# - 1 point: the counts: 256 x 5000 x 64 = 81,920,000 multiply-adds against 256 x 64 = 16,384 copied numbers, a
#   factor V = 5000; the one-hot matrix is 256 x 5000 int64 = 10,240,000 bytes (plus its float32 copy,
#   5,120,000 bytes)
# - 1 point: the comparison: the ratio is of the order of V; it is not exactly V because the product runs in
#   fast BLAS while the lookup of so little data is dominated by fixed call overhead, and the product also pays
#   for building and converting the one-hot matrix
# Model answer: one-hot @ W took 120 ms per call and W[ids] 0.034 ms, about 3,500 times less. The product does
# 256 x 5000 x 64 = 81.9 million multiply-adds, almost all with zeros, and first builds a 256 x 5000 int64
# matrix of 10.24 MB and its float32 copy of 5.12 MB; the lookup copies 256 rows of 64 values, 16,384 numbers.
# The work differs by a factor of 5000, so the ratio of the times has the expected size; it is a little lower
# because a call that copies only 64 KB is mostly fixed overhead, while the large product runs at full speed.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** On the toy task, what loss did the model reach with positions off and on, and what
# is the best loss from the token alone that your notebook printed? Explain why the model without positions
# stops exactly there, and what the figure measures in terms of the task's targets y = a[token] + b[position].

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-positions", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: about 0.289 without positions, about 0 with them, and the printed floor, the same
#   0.289
# - 1 point: why: without positions the output depends on the token only, so the best it can do is each
#   token's mean target; the model reached that optimum, it is not under-trained
# - 1 point: what the floor measures: the part of y that depends on the position, the spread of b over the 4
#   positions (close to the variance of b); the learned position vectors let the Linear head add b[t]
# Model answer: Without positions the mse went from 2.23 to 0.28900; with learned positions from 4.91 to
# 0.00000. The best mse from the token alone is also 0.28900. A model that sees only the token must give the
# same output for that token at every position, and the best single value is the mean of its targets, so
# training without positions converged to that optimum and cannot go lower. What remains is the position
# part b[t] of the target, whose spread over the four positions is about 0.29. With a learned vector per
# position, the head can output a[token] + b[position] exactly, and the loss falls to zero.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** Your notebook showed row 1 of the gradient after `d_W[ids] += grad` and after
# `np.add.at` for the ids [1, 3, 1, 1]. What did each give, and what would the first version do to the training
# of an embedding table on real text?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-scatter-add", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: [1, 1] against [3, 3]: with buffered fancy-index assignment the repeated id is written three
#   times with the same value, so two of its three contributions are lost
# - 1 point: the effect: a token's gradient counts once per batch however often it occurs, so frequent
#   tokens (spaces, ` the`, `e`) get far too small gradients relative to rare ones, silently: the loss still
#   falls, and only a test with repeated ids (or a gradient check) shows it
# Model answer: d_W[ids] += grad gave row 1 = [1, 1], np.add.at gave [3, 3]. The first form reads d_W[ids] for
# all four positions, adds, then writes back, and the three writes to row 1 carry the same value, so two
# updates are lost. On real text the frequent tokens repeat many times in every batch, so their rows would get
# the gradient of one occurrence instead of the sum, far too small compared with rare tokens. Nothing fails:
# training just runs with wrong gradients, which only a check with repeated ids reveals.
# ### END SOLUTION
