# %% [markdown]
# # Module 02: Autograd
#
# Training follows the gradient of a scalar loss with respect to every parameter. Autograd obtains all of them
# in one pass: during the forward computation each result records which operation made it from which inputs
# (the computation graph), and `backward()` walks that graph from the loss back to the inputs, applying the
# chain rule once per operation. This is reverse-mode differentiation; it costs a small multiple of the forward
# pass, however many parameters there are.
#
# You will backpropagate a small network by hand in NumPy, then write what does it automatically: `unbroadcast`,
# the backward engine, `no_grad`, the numerical gradient that checks everything, and the backward rule of every
# operation from module 01. Each task is a cell containing `# YOUR CODE HERE`; the locked cells after it test it.
# Run the cells in order.
#
# Every later module (activations, layers, losses, optimizers, convolutions, attention) adds its operations
# through one function defined here, `record_op` (section 2), and never changes the `Tensor` class.

# %%
#| default_exp core.autograd

# %%
#| export
import functools

import numpy as np

# Module 01's functions compute every forward value here; this module adds the graph around them. "plain"
# because module 01's tensors carry no gradient: `plain.add(a, b)` is the addition without a graph.
import tinytorch.core.tensor as plain

# %% [markdown]
# ## 1. Backpropagation by hand
#
# Take a chain of functions that ends in a scalar loss L. For every array z along the way write `d_z` for the
# array of derivatives dL/dz[i]; it has the shape of z. If y = f(z), the chain rule gives
#
#     d_z[i] = sum over j of d_y[j] * dy[j]/dz[i]
#
# so an operation needs only the gradient of its own output (`d_y`, the upstream gradient) and its own inputs
# to produce the gradients of its inputs. Start from dL/dL = 1 and apply this stage by stage, from the loss
# back to the inputs: that is backpropagation. No engine exists yet; NumPy arrays only.
#
# **Task: five backward stages.** Each function receives the forward inputs and the upstream gradient and
# returns the gradients of the inputs, as arrays of the inputs' shapes.
#
# | function | forward | returns |
# |---|---|---|
# | `add_backward(a, b, d_f)` | f = a + b, with a and b of one shape | (d_a, d_b) |
# | `square_backward(a, d_f)` | f = a ** 2 | d_a |
# | `affine_backward(x, W, b, d_y)` | y = x @ W + b; x (n, d), W (d, k), b (k,), y (n, k) | (d_x, d_W, d_b) |
# | `relu_backward(z, d_r)` | r = max(z, 0) elementwise | d_z |
# | `squared_loss_backward(r, t)` | L = mean((r - t) ** 2) over all elements | d_r |
#
# Hints: a gradient has the shape of its variable, and there is one way to combine `d_y` (n, k) with `W` (d, k)
# into (n, d), and one way to combine `x` (n, d) with `d_y` into (d, k). The bias is added to every one of the n
# rows, so each row's gradient reaches it. ReLU lets the gradient through where z > 0 and blocks it elsewhere,
# including z = 0 (PyTorch's convention).

# %% nbgrader={"grade": false, "grade_id": "hand-stages", "locked": false, "schema_version": 3, "solution": true, "task": false}
import numpy as np


def add_backward(a: np.ndarray, b: np.ndarray, d_f: np.ndarray) -> tuple:
    """f = a + b (same shapes): returns (d_a, d_b)."""
    ### BEGIN SOLUTION
    return d_f, d_f  # df[i]/da[i] = df[i]/db[i] = 1
    ### END SOLUTION


def square_backward(a: np.ndarray, d_f: np.ndarray) -> np.ndarray:
    """f = a ** 2: returns d_a."""
    ### BEGIN SOLUTION
    return 2 * a * d_f
    ### END SOLUTION


def affine_backward(x: np.ndarray, W: np.ndarray, b: np.ndarray, d_y: np.ndarray) -> tuple:
    """y = x @ W + b with x (n, d), W (d, k), b (k,): returns (d_x, d_W, d_b)."""
    ### BEGIN SOLUTION
    d_x = d_y @ W.T  # (n, k) @ (k, d) -> (n, d)
    d_W = x.T @ d_y  # (d, n) @ (n, k) -> (d, k)
    d_b = d_y.sum(axis=0)  # b went into each of the n rows
    return d_x, d_W, d_b
    ### END SOLUTION


def relu_backward(z: np.ndarray, d_r: np.ndarray) -> np.ndarray:
    """r = max(z, 0): returns d_z, equal to d_r where z > 0 and 0 elsewhere."""
    ### BEGIN SOLUTION
    return d_r * (z > 0)
    ### END SOLUTION


def squared_loss_backward(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    """L = mean((r - t) ** 2) over all elements: returns d_r."""
    ### BEGIN SOLUTION
    return 2 * (r - t) / r.size
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-hand-stages", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_hand_stages():
    """Elementwise stages, worked by hand: d_a = d_b = d_f for a + b, 2 a d_f for a ** 2, d_r where z > 0 for
    ReLU, 2 (r - t) / size for the mean squared loss; each in its input's shape."""
    a, b, d_f = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, 0.5]), np.array([1.0, -1.0, 2.0])
    z, d_r = np.array([-1.0, 0.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0, -1.0])
    cases = [  # (what, returned, expected)
        ("add_backward: (d_f, d_f)", add_backward(a, b, d_f), (d_f, d_f)),
        ("square_backward: 2 * a * d_f", square_backward(a, d_f), [2.0, 4.0, 12.0]),
        ("relu_backward: d_r where z > 0, not at z = 0", relu_backward(z, d_r), [0.0, 0.0, 5.0, -1.0]),
        ("squared loss, r = [1, 2], t = [0, 4]", squared_loss_backward(np.array([1.0, 2.0]), np.array([0.0, 4.0])), [1.0, -2.0]),
        ("squared loss: the mean is over all 4 elements", squared_loss_backward(np.full((2, 2), 3.0), np.ones((2, 2))), np.ones((2, 2))),
    ]
    for what, got, want in cases:
        assert np.shape(got) == np.shape(want) and np.allclose(got, want), f"{what}: expected {np.asarray(want).tolist()}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(2001)
    for i in range(4):
        n, d = (int(s) for s in rng.integers(1, 5, size=2))
        a, b, d_f = rng.standard_normal((n, d)), rng.standard_normal((n, d)), rng.standard_normal((n, d))
        got_a, got_b = add_backward(a, b, d_f)
        observe(f"case {i}: add_backward d_a", np.asarray(got_a), rtol=1e-5, atol=1e-6)
        observe(f"case {i}: add_backward d_b", np.asarray(got_b), rtol=1e-5, atol=1e-6)
        observe(f"case {i}: square_backward", np.asarray(square_backward(a, d_f)), rtol=1e-5, atol=1e-6)
        z = rng.standard_normal((n, d))
        z[np.abs(z) < 0.05] = 0.5
        d_r = rng.standard_normal((n, d))
        observe(f"case {i}: relu_backward", np.asarray(relu_backward(z, d_r)), rtol=1e-5, atol=1e-6)
        r, t = rng.standard_normal((n, d)), rng.standard_normal((n, d))
        observe(f"case {i}: squared_loss_backward", np.asarray(squared_loss_backward(r, t)), rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_hand_stages()

# %% nbgrader={"grade": true, "grade_id": "test-hand-stages-affine", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_hand_stages_affine():
    """y = x @ W + b, worked by hand: d_x = d_y @ W^T (n, d), d_W = x^T @ d_y (d, k), d_b = d_y summed over the
    n rows (k,)."""
    x = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])  # (n, d) = (3, 2)
    W = np.array([[1.0, -1.0, 0.0], [2.0, 0.5, 1.0]])  # (d, k) = (2, 3)
    d_y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, -1.0]])  # (n, k)
    d_x, d_W, d_b = affine_backward(x, W, np.array([0.1, 0.2, 0.3]), d_y)
    wants = [[[1.0, 2.0], [-1.0, 0.5], [0.0, 1.5]], [[4.0, 3.0, -3.0], [3.0, 0.0, -1.0]], [2.0, 2.0, -1.0]]
    for name, g, want in zip(("d_x", "d_W", "d_b"), (d_x, d_W, d_b), wants):
        assert np.shape(g) == np.shape(want) and np.allclose(g, want), f"{name}: expected {want}, got {g}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(2003)
    for i in range(4):
        n, d, k = (int(s) for s in rng.integers(1, 5, size=3))
        x, W, bias = rng.standard_normal((n, d)), rng.standard_normal((d, k)), rng.standard_normal(k)
        d_y = rng.standard_normal((n, k))
        grads = affine_backward(x, W, bias, d_y)
        for name, got in zip(("d_x", "d_W", "d_b"), grads):
            observe(f"case {i} (n, d, k = {n}, {d}, {k}): affine_backward {name}", np.asarray(got), rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_hand_stages_affine()

# %% [markdown]
# **Task: `hand_backprop(x, W, b, t)`.** The whole network: x -> z = x @ W + b -> r = max(z, 0) ->
# L = mean((r - t) ** 2). Run the forward pass and keep what the stages need (z and r); then call the stages in
# reverse: the loss first, the affine stage last. Return (dW, db).

# %% nbgrader={"grade": false, "grade_id": "hand-backprop", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hand_backprop(x: np.ndarray, W: np.ndarray, b: np.ndarray, t: np.ndarray) -> tuple:
    """L = mean((max(x @ W + b, 0) - t) ** 2): returns (dL/dW, dL/db)."""
    ### BEGIN SOLUTION
    z = x @ W + b
    r = np.maximum(z, 0)
    d_r = squared_loss_backward(r, t)
    d_z = relu_backward(z, d_r)
    _, d_W, d_b = affine_backward(x, W, b, d_z)
    return d_W, d_b
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-hand-backprop", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_hand_backprop():
    """hand_backprop gives dL/dW and dL/db of the affine -> ReLU -> squared-loss chain."""
    x = np.array([[1.0, 2.0], [-1.0, 1.0]])
    W = np.array([[0.5, -1.0], [1.0, 0.25]])
    b = np.array([0.0, 0.5])
    t = np.array([[1.0, 1.0], [0.0, 1.0]])
    # z = [[2.5, 0], [0.5, 1.75]]: z[0, 1] is exactly 0, where ReLU passes no gradient
    dW, db = hand_backprop(x, W, b, t)
    assert np.shape(dW) == (2, 2) and np.shape(db) == (2,), f"shapes must be (2, 2) and (2,), got {np.shape(dW)}, {np.shape(db)}"
    assert np.allclose(dW, [[0.5, -0.375], [1.75, 0.375]]), f"dW should be [[0.5, -0.375], [1.75, 0.375]], got {dW}"
    assert np.allclose(db, [1.0, 0.375]), f"db should be [1, 0.375], got {db}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(2002)
    for i in range(5):
        n, d, k = (int(s) for s in rng.integers(1, 6, size=3))
        x, W, b = rng.standard_normal((n, d)), rng.standard_normal((d, k)), rng.standard_normal(k)
        t = rng.standard_normal((n, k))
        dW, db = hand_backprop(x, W, b, t)
        observe(f"case {i} (n, d, k = {n}, {d}, {k}): dW", np.asarray(dW), rtol=1e-5, atol=1e-6)
        observe(f"case {i} (n, d, k = {n}, {d}, {k}): db", np.asarray(db), rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_hand_backprop()

# %% [markdown]
# ## 2. The graph, and the one way to add an operation
#
# The autograd `Tensor` is module 01's Tensor with these fields more:
#
# | field | meaning |
# |---|---|
# | `requires_grad` | gradients should flow to this tensor |
# | `grad` | None until a backward pass reaches this leaf; then a Tensor of the same shape and dtype |
# | `_parents` | the Tensors this one was computed from (empty for a leaf) |
# | `_backward` | the rule that turns this tensor's gradient into its parents' gradients (None for a leaf) |
# | `_op` | the name of the operation that made it (`''` for a leaf) |
# | `_version` | how often the library changed it in place (`zero_()`); section 4 |
# | `_versions` | the parents' `_version` when the operation recorded them |
#
# A leaf is a tensor you created (data, parameters); any other tensor is the result of an operation. Only
# leaves with `requires_grad=True` receive `.grad`. `t.requires_grad_()` turns tracking on for a leaf and
# returns `t`; `t.zero_()` sets `t` to zeros in place (`p.grad.zero_()`) and returns `t`.
#
# ### The extension point: `record_op`
#
#     record_op(op: str, out: np.ndarray, parents: tuple, backward) -> Tensor
#
# Every differentiable operation, in this module and in every later one, is a forward computation in NumPy
# followed by one call to `record_op`:
# - `out` is the forward result; `parents` are the operands, Tensors or constants (numbers, arrays);
# - `backward(grad_out)` receives the gradient of the result, an array of `out`'s shape, and returns a tuple
#   with one entry per parent: that parent's gradient, either of `out`'s shape (the engine then sums away the
#   axes broadcasting added, section 3) or of the parent's shape; or None for a parent that gets no gradient.
#
# `record_op` returns a new Tensor holding `out`, without copying it. If gradients are on (section 5) and some
# parent is a Tensor with `requires_grad`, the result stores `parents` and `backward`; otherwise it is a plain
# leaf and nothing is kept. Constant parents get no gradient. For example, a sine (module 01 has none):
#
#     def sin(x):
#         a = x.data
#         return record_op("sin", np.sin(a), (x,), lambda grad: (grad * np.cos(a),))
#
# The closure keeps what the rule needs (here `a`): that is the memory a graph costs. Later modules add their
# operations exactly like this and never modify `Tensor`.
#
# The class and `record_op` are given; the engine you write next uses every field. Each operator of the class
# calls a function of this module (`add`, `matmul`, ...) that you write in sections 7 to 9.

# %%
#| export
TensorLike = plain.TensorLike  # what an operation accepts: a Tensor, a number or an array
array_of = plain.array_of  # the ndarray behind any Tensor (module 01's or this one); numbers via np.asarray


class Tensor(plain.Tensor):
    """Module 01's Tensor plus its place in the graph: requires_grad, grad, _parents, _backward, _op."""

    __hash__ = object.__hash__  # this class redefines __eq__ too: keep hashing by identity

    def __init__(self, data, dtype=None, requires_grad: bool = False) -> None:
        """Copy `data` with module 01's dtype rule; `requires_grad=True` makes a leaf that receives `.grad`."""
        super().__init__(data, dtype)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = ()
        self._backward = None
        self._op = ""
        self._version = 0
        self._versions = ()

    @classmethod
    def _from_array(cls, data: np.ndarray, requires_grad: bool = False) -> "Tensor":
        """A Tensor around `data` itself: no copy and no dtype rule, unlike __init__. For arrays an operation has
        just made and nobody else holds (op results, gradients): copying them would only cost time."""
        t = object.__new__(cls)
        t.data = data
        t.requires_grad = requires_grad
        t.grad = None
        t._parents = ()
        t._backward = None
        t._op = ""
        t._version = 0
        t._versions = ()
        return t

    @property
    def is_leaf(self) -> bool:
        """True unless a recorded operation made this tensor."""
        return self._backward is None

    def detach(self) -> "Tensor":
        """A new leaf holding a copy of the data, outside any graph."""
        return Tensor._from_array(self.data.copy())

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Add d(self)/d(leaf), seeded with `grad` (1 for a one-element tensor), to each leaf's .grad; the graph
        is freed on the way unless `retain_graph=True`."""
        run_backward(self, grad, retain_graph)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Turn gradient tracking of this leaf on or off, in place; returns self."""
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        if not requires_grad and not self.is_leaf:
            raise RuntimeError("requires_grad_(False) on a result of an operation: use detach() instead")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_(self) -> "Tensor":
        """Set every element to 0 in place (`p.grad.zero_()`); returns self and counts one in-place change."""
        if self.requires_grad and _GradMode.enabled:
            # the graph does not record in-place changes, so the gradient would silently ignore this one
            raise RuntimeError("zero_() on a tensor that requires grad: do it under no_grad(), or on detach()")
        self.data[...] = 0
        self._version += 1
        return self

    def __repr__(self) -> str:
        text = super().__repr__()[:-1]  # module 01's text without its closing parenthesis
        if self._backward is not None:
            return f"{text}, grad_fn=<{self._op}>)"
        if self.requires_grad:
            return f"{text}, requires_grad=True)"
        return text + ")"

    # --- every operator and method of module 01, now through this module's differentiable functions ---

    def __getitem__(self, index) -> "Tensor":
        return getitem(self, index)

    def __add__(self, other) -> "Tensor":
        return add(self, other)

    def __radd__(self, other) -> "Tensor":
        return add(other, self)

    def __sub__(self, other) -> "Tensor":
        return sub(self, other)

    def __rsub__(self, other) -> "Tensor":
        return sub(other, self)

    def __mul__(self, other) -> "Tensor":
        return mul(self, other)

    def __rmul__(self, other) -> "Tensor":
        return mul(other, self)

    def __truediv__(self, other) -> "Tensor":
        return div(self, other)

    def __rtruediv__(self, other) -> "Tensor":
        return div(other, self)

    def __neg__(self) -> "Tensor":
        return neg(self)

    def __pow__(self, exponent: float) -> "Tensor":
        return power(self, exponent)

    def __matmul__(self, other) -> "Tensor":
        return matmul(self, other)

    def __rmatmul__(self, other) -> "Tensor":
        return matmul(other, self)

    def __eq__(self, other) -> "Tensor":
        return eq(self, other)

    def __ne__(self, other) -> "Tensor":
        return ne(self, other)

    def __lt__(self, other) -> "Tensor":
        return lt(self, other)

    def __le__(self, other) -> "Tensor":
        return le(self, other)

    def __gt__(self, other) -> "Tensor":
        return gt(self, other)

    def __ge__(self, other) -> "Tensor":
        return ge(self, other)

    def __abs__(self) -> "Tensor":
        return absolute(self)

    def matmul(self, other) -> "Tensor":
        """self @ other."""
        return matmul(self, other)

    def sum(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> "Tensor":
        """Sum over `axis` (all axes when None); `dim`/`keepdim` are PyTorch's names for the same."""
        return reduce_sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> "Tensor":
        """Arithmetic mean over `axis` (all axes when None)."""
        return reduce_mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """t.max() and t.max(axis=...): the largest values; t.max(dim): (values, indices); t.max(other): maximum."""
        return max_of(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """As max, for the smallest values."""
        return min_of(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim: bool = False) -> "Tensor":
        return reduce_max(self, dim, keepdim)

    def amin(self, dim=None, keepdim: bool = False) -> "Tensor":
        return reduce_min(self, dim, keepdim)

    def argmax(self, dim=None, keepdim: bool = False) -> "Tensor":
        return argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False) -> "Tensor":
        return argmin(self, dim, keepdim)

    def eq(self, other) -> "Tensor":
        return eq(self, other)

    def ne(self, other) -> "Tensor":
        return ne(self, other)

    def lt(self, other) -> "Tensor":
        return lt(self, other)

    def le(self, other) -> "Tensor":
        return le(self, other)

    def gt(self, other) -> "Tensor":
        return gt(self, other)

    def ge(self, other) -> "Tensor":
        return ge(self, other)

    def maximum(self, other) -> "Tensor":
        return maximum(self, other)

    def minimum(self, other) -> "Tensor":
        return minimum(self, other)

    def clamp(self, min=None, max=None) -> "Tensor":
        return clamp(self, min, max)

    def where(self, condition, other) -> "Tensor":
        return where(condition, self, other)

    def abs(self) -> "Tensor":
        return absolute(self)

    def sqrt(self) -> "Tensor":
        return sqrt(self)

    def reshape(self, *shape) -> "Tensor":
        """Same elements in a new shape; one size may be -1."""
        return reshape(self, *shape)

    def view(self, *shape) -> "Tensor":
        return view(self, *shape)

    def squeeze(self, dim=None) -> "Tensor":
        return squeeze(self, dim)

    def unsqueeze(self, dim: int) -> "Tensor":
        return unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        return flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap axes dim0 and dim1."""
        return transpose(self, dim0, dim1)

    def permute(self, *dims: int) -> "Tensor":
        """Axes in the order `dims`."""
        return permute(self, *dims)

    def to(self, dtype) -> "Tensor":
        """A copy converted to `dtype`; gradients flow back between floating dtypes."""
        return to_dtype(self, dtype)

    @property
    def T(self) -> "Tensor":
        """All axes reversed (the matrix transpose for 2-D)."""
        return permute(self, *reversed(range(self.data.ndim)))

    def exp(self) -> "Tensor":
        """Elementwise e**x."""
        return exp(self)

    def log(self) -> "Tensor":
        """Elementwise natural logarithm."""
        return log(self)


def max_of(x: TensorLike, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """torch.max with gradients: values (amax), (values, indices) for a dim, or the elementwise maximum."""
    kind, *args = plain._extremum_call(dim, keepdim, axis, keepdims)
    if kind == "elementwise":
        return maximum(x, *args)
    return reduce_max(x, *args) if kind == "values" else max_dim(x, *args)


def min_of(x: TensorLike, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """torch.min with gradients: as max_of, for the smallest values."""
    kind, *args = plain._extremum_call(dim, keepdim, axis, keepdims)
    if kind == "elementwise":
        return minimum(x, *args)
    return reduce_min(x, *args) if kind == "values" else min_dim(x, *args)

# %%
#| export
class _GradMode:
    """The switch `record_op` reads: whether operations record the graph (turned off by `no_grad`)."""

    enabled = True


def _needs_grad(x) -> bool:
    """True when x is a Tensor that wants a gradient; a rule may skip computing gradients nobody wants."""
    return isinstance(x, Tensor) and x.requires_grad


def record_op(op: str, out: np.ndarray, parents: tuple, backward) -> Tensor:
    """The result of an operation: a Tensor holding `out`. If gradients are on and a parent requires grad, it
    also records the Tensor parents and `backward(grad_out) -> (one gradient or None per parent)`."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)  # NumPy reductions return scalars; a Tensor always holds an ndarray
    result = Tensor._from_array(out)
    if not _GradMode.enabled:
        return result
    needed, constants = False, False
    for p in parents:
        if isinstance(p, Tensor):
            needed = needed or p.requires_grad
        else:
            constants = True
    if not needed:
        return result  # nothing upstream wants a gradient: no graph, no memory kept
    if constants:
        # _parents holds Tensors only: line the rule's answers up with them
        keep = tuple(i for i, p in enumerate(parents) if isinstance(p, Tensor))
        count, rule = len(parents), backward

        def backward(grad_out):
            grads = rule(grad_out)
            if len(grads) != count:
                raise ValueError(f"the backward rule of {op!r} returned {len(grads)} gradients for {count} parents")
            return tuple(grads[i] for i in keep)

        parents = tuple(parents[i] for i in keep)
    result.requires_grad = True
    result._parents = tuple(parents)
    result._versions = tuple(p._version for p in result._parents)  # to notice in-place changes before backward
    result._backward = backward
    result._op = op
    return result


def _check_versions(node: Tensor) -> None:
    """RuntimeError if a parent of `node` was changed in place (zero_ ...) after the operation recorded it: the
    rule would compute the gradient from the new values. Writes to `.data` itself are not counted."""
    for parent, version in zip(node._parents, node._versions):
        if parent._version != version:
            raise RuntimeError(f"a tensor of shape {parent.shape} used by {node._op!r} was modified in place after it "
                               f"was saved for backward (version {version}, now {parent._version}); "
                               "change a copy instead, or compute again after the change")


def _graph_freed(grad):
    """What a node's rule becomes once backward has used it without retain_graph."""
    raise RuntimeError("backward through a graph a second time: its rules were freed by the first backward(); "
                       "pass retain_graph=True to the first call to keep them")

# %% [markdown]
# ## 3. Gradients of broadcast operands
#
# Broadcasting uses one value in many places: in `x + b` with x (n, k) and b (k,), each b[j] is added to all n
# rows. Every use contributes to the gradient, so d_b[j] is the sum of d_y[:, j] over the rows. In general an
# operand's gradient is the output-shaped gradient summed over every axis broadcasting created:
# - leading axes the operand did not have (axis 0 for b above);
# - axes where the operand has size 1 and the output does not (a (3, 1) column against a (3, 4) matrix), summed
#   with `keepdims=True` so that the size-1 axis stays.
#
# The engine applies this to every gradient a rule returns, so no rule has to deal with broadcasting.
#
# **Task: `unbroadcast(grad, shape)`.** Return an ndarray of exactly `shape`. Example: (2, 3, 4) to (3, 1) sums
# axis 0 (added in front) and then the last axis (stretched from 1 to 4), giving (3, 1).
#
# Pitfall: summing over every axis returns a NumPy scalar, not an array. Summing with `keepdims=True` and then
# reshaping to `shape` always gives an ndarray.

# %% nbgrader={"grade": false, "grade_id": "unbroadcast", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added in front or stretched from 1; the result has `shape`."""
    shape = tuple(shape)
    ### BEGIN SOLUTION
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)  # axes broadcasting put in front
    if lead < 0:
        raise ValueError(f"unbroadcast: a gradient of shape {grad.shape} cannot belong to an operand of shape {shape}")
    stretched = tuple(lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1)
    summed = grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    if summed.shape[lead:] != shape:
        raise ValueError(f"unbroadcast: a gradient of shape {grad.shape} cannot belong to an operand of shape {shape}")
    return summed.reshape(shape)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-unbroadcast", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_unbroadcast():
    """unbroadcast(grad, shape) sums grad over the axes broadcasting added in front or stretched from 1 and returns
    an ndarray of exactly `shape`, leaving grad unchanged."""
    g = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    view = np.broadcast_to(np.arange(3.0), (5, 3))  # read-only, as a rule may return
    cases = [  # (gradient, target shape, the axes it sums)
        (g, (2, 3, 4), ()), (g, (3, 4), (0,)), (g, (4,), (0, 1)), (g, (1, 4), (0, 1)), (g, (3, 1), (0, 2)),
        (g, (2, 1, 4), (1,)), (g, (2, 3, 1), (2,)), (g, (1, 1, 1), (0, 1, 2)), (g, (1,), (0, 1, 2)), (g, (), (0, 1, 2)),
        (g[0, :2, :3], (3,), (0,)), (np.ones((3, 4)), (3, 1), (1,)), (view, (1, 3), (0,)),
    ]
    for grad, shape, axes in cases:
        want = grad.sum(axis=axes, keepdims=True).reshape(shape)
        got = unbroadcast(grad, shape)
        assert isinstance(got, np.ndarray) and got.shape == shape and np.allclose(got, want), \
            f"unbroadcast of a {grad.shape} gradient to {shape} sums axes {axes}: expected the ndarray {want.tolist()}, got {got!r}"
    assert np.array_equal(g, np.arange(24).reshape(2, 3, 4)), "unbroadcast must not modify its input"

    ### BEGIN HIDDEN TESTS
    # The law: unbroadcast is the adjoint of np.broadcast_to; the reference's sums are observed elementwise.
    rng = np.random.default_rng(3001)
    for i in range(40):
        nd = int(rng.integers(0, 5))
        full = tuple(int(s) for s in rng.integers(1, 5, size=nd))
        target = tuple(s if rng.random() < 0.5 else 1 for s in full)[int(rng.integers(0, nd + 1)):]
        grad = rng.standard_normal(full)
        got = unbroadcast(grad, target)
        observe(f"case {i}: unbroadcast {full} -> {target} (an ndarray, its value)",
                (isinstance(got, np.ndarray), np.asarray(got)), rtol=1e-9, atol=1e-9)
    same = unbroadcast(np.ones((4, 1)), (4, 1))
    observe("equal shape (4, 1) -> (4, 1): shape and value", (tuple(np.shape(same)), np.asarray(same)))
    zero_d = unbroadcast(np.array(2.5), ())
    observe("0-d gradient to (): shape and value", (tuple(np.shape(zero_d)), np.asarray(zero_d)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unbroadcast()

# %% [markdown]
# ## 4. The backward engine
#
# `loss.backward()` must give each tensor its complete gradient before calling that tensor's rule. A tensor used
# by two operations (a reused intermediate, or the two sides of `x * x`) receives a contribution from each, and
# the chain rule adds them: d_y is the sum over the consumers of y. So a tensor's rule may run only after every
# tensor computed from it has run its own. An order in which each tensor comes after all of its parents is a
# topological order; walked backwards, from the loss, it reaches every consumer before the tensor it consumed.
#
# Why no recursion: Python stops at about 1000 nested calls (`sys.getrecursionlimit()`), and a recurrent network
# unrolled over a long sequence, or any chain of a few thousand operations, is deeper than that. An explicit
# stack (a list you push to and pop from) has no such limit. Each tensor is expanded once and each edge followed
# once, so the work is linear in the size of the graph.
#
# **Task: `topological_order(root)`.** Depth-first search from `root` over `_parents`, visiting only tensors with
# `requires_grad`, each once (keep a set of `id(t)`). Append a tensor after all of its parents (post-order), so
# the list ends with the root. Without recursion: a stack of `(tensor, expanded)` pairs. Pop a pair; if
# `expanded` is False and the tensor is new, mark it, push `(tensor, True)`, then push its parents with False;
# when `(tensor, True)` comes off the stack, all of its parents are already in the list: append it.

# %% nbgrader={"grade": false, "grade_id": "topological-order", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def topological_order(root: Tensor) -> list:
    """The tensors with requires_grad that `root` depends on, root included: each once, after all its parents."""
    ### BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)  # its parents were appended while (node, True) waited on the stack
            continue
        if id(node) in visited or not node.requires_grad:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order
    ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: the operations and helpers the tests of sections 4 to 12 share. Each operation is a forward in NumPy
# and one record_op call, as in section 2.
import sys

import numpy as np


def plus(*parents):
    """The sum of the parents (Tensors or numbers); the rule passes grad on to each."""
    return record_op("plus", sum(array_of(p) for p in parents), parents, lambda grad: tuple(grad for _ in parents))


def scale(t, k: float):
    """k * t; the number k is a constant parent, without a gradient."""
    return record_op("scale", t.data * k, (t, k), lambda grad: (k * grad, None))


def square(t):
    """t ** 2, elementwise."""
    return record_op("square", t.data ** 2, (t,), lambda grad: (2 * t.data * grad,))


def total(t):
    """The sum of all elements of t, a 0-d result."""
    return record_op("total", t.data.sum(), (t,), lambda grad: (np.full(t.shape, grad),))


def spy(log: dict, name: str, t):
    """t, whose rule now also appends each gradient it receives to log[name]: how often it ran, and with what."""
    rule = t._backward

    def backward(grad):
        log.setdefault(name, []).append(np.array(grad))
        return rule(grad)

    t._backward = backward
    return t


def backward_of(build, seed, *arrays):
    """out = build(*leaves), leaves float64 Tensors of `arrays` with requires_grad, then out.backward(seed):
    returns out and each leaf's gradient as an array (None where none arrived)."""
    leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    out = build(*leaves)
    out.backward(seed)
    return out, [None if t.grad is None else t.grad.data for t in leaves]


def agrees(got, want) -> bool:
    """got is an array of want's shape with values close to want's."""
    return got is not None and np.shape(got) == np.shape(want) and bool(np.allclose(got, want))


def call_depth(fn, *args):
    """(fn(*args), how deep Python calls nested inside it): a recursive walk nests as deep as the graph is long.
    A RecursionError gives (None, the recursion limit)."""
    depth = [0, 0]

    def profiler(frame, event, arg):
        if event == "call":
            depth[0] += 1
            depth[1] = max(depth[1], depth[0])
        elif event == "return":
            depth[0] -= 1

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = fn(*args)
    except RecursionError:
        return None, sys.getrecursionlimit()
    finally:
        sys.setprofile(previous)
    return result, depth[1]

# %% nbgrader={"grade": true, "grade_id": "test-topological-order", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_topological_order():
    """topological_order(root) lists each tensor with requires_grad once, after all of its parents; the root last."""
    x, w, c = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True), Tensor([5.0, 6.0])
    y = plus(x, w)
    u = plus(y, 2.0)
    v = plus(y, u, c)  # c has no requires_grad: it is not part of the backward graph
    root = plus(v, y)
    order = topological_order(root)
    names = {id(x): "x", id(w): "w", id(c): "c", id(y): "y", id(u): "u", id(v): "v", id(root): "root"}
    got = [names.get(id(t), "?") for t in order]
    assert isinstance(order, list) and sorted(got) == sorted(["x", "w", "y", "u", "v", "root"]), \
        f"expected a list of x, w, y, u, v, root once each (and not the constant c), got {got}"
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        assert all(position[id(p)] < position[id(t)] for p in t._parents if p.requires_grad), f"{names[id(t)]} must follow its parents: {got}"
    assert order[-1] is root and [id(t) for t in topological_order(x)] == [id(x)], f"the root comes last, got {got}; a leaf's is [leaf]"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4001)
    for g in range(5):
        nodes = [Tensor(rng.standard_normal(2), requires_grad=bool(rng.random() < 0.8)) for _ in range(4)]
        for k in range(30):
            picks = rng.choice(len(nodes), size=int(rng.integers(1, 4)))
            nodes.append(plus(*[nodes[int(i)] for i in picks]))
        root = plus(*nodes[-5:])
        nodes.append(root)
        order = topological_order(root)
        label = {id(t): k for k, t in enumerate(nodes)}
        # which tensors the order holds, each as often as it appears (sorted: any valid order gives the same list)
        observe(f"graph {g}: the tensors of the order, sorted", np.array(sorted(label.get(id(t), -1) for t in order), dtype=np.int64))
        position = {id(t): k for k, t in enumerate(order)}
        late = 0
        for t in order:
            for p in t._parents:
                if p.requires_grad and position.get(id(p), len(order)) >= position[id(t)]:
                    late += 1
        observe(f"graph {g}: parents missing or placed after a child", late)
        observe(f"graph {g}: the root comes last", bool(order) and order[-1] is root)
    empty = topological_order(Tensor([1.0]))
    observe("tensor without requires_grad: a list, its length", (isinstance(empty, list), len(empty)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_topological_order()

# %% nbgrader={"grade": true, "grade_id": "test-topological-order-no-recursion", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import sys

from tito.check import observe


def test_topological_order_no_recursion():
    """An explicit stack, not recursion: on a chain of 3000 operations the nesting of Python calls stays flat."""
    top = Tensor([1.0], requires_grad=True)
    for _ in range(3000):
        top = plus(top)
    order, depth = call_depth(topological_order, top)
    assert depth < 50, f"topological_order nested {depth} Python calls on a chain of 3000: use a stack, not recursion"
    assert len(order) == 3001, f"a chain of 3000 operations on one leaf has 3001 tensors, got {len(order)}"

    ### BEGIN HIDDEN TESTS
    limit = sys.getrecursionlimit()
    top = Tensor([1.0], requires_grad=True)
    for _ in range(20000):
        top = plus(top)
    sys.setrecursionlimit(1000)
    try:
        length = len(topological_order(top))
    except RecursionError:
        length = "RecursionError: use an explicit stack"
    finally:
        sys.setrecursionlimit(limit)
    observe("chain of 20000 operations: length of the order", length)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_topological_order_no_recursion()

# %% [markdown]
# **Task: `run_backward(root, grad)`**, which `Tensor.backward` calls.
#
# 1. The seed. With `grad=None` the root must have exactly one element (a loss); otherwise raise `ValueError`
#    naming its shape, e.g. `backward() without a gradient needs a one-element tensor, got shape (2, 3)`. The
#    seed is then an array of ones of the root's shape and dtype. A given `grad` (array or Tensor) must have the
#    root's shape (`ValueError` otherwise) and is copied in the root's dtype.
# 2. The walk. A dict maps `id(tensor)` to the gradient summed so far; it starts with the root's seed. For each
#    tensor of `reversed(topological_order(root))`, pop its gradient (it is complete now, and no longer needed
#    afterwards), then
#    - a leaf (`_backward is None`): add it to `.grad`. On the first arrival create `.grad` as a copy in the
#      leaf's dtype (`Tensor._from_array(np.array(g, dtype=leaf.data.dtype))`); afterwards add in place. `.grad`
#      accumulates over backward calls, as in PyTorch; `x.grad = None` starts over.
#    - otherwise: call `_check_versions(node)` (given, see below), then `_backward` once; for each parent and
#      returned gradient, skip None and parents without `requires_grad`, `unbroadcast` to the parent's shape when
#      the shapes differ, cast to the parent's dtype when the dtypes differ, and add into the parent's dict entry.
# 3. Freeing. Unless `retain_graph` is True, a node whose rule has run lets go of it: set `_backward` to
#    `_graph_freed` (given; it raises a RuntimeError that says to pass `retain_graph=True`), `_parents` and
#    `_versions` to `()`. The closures and the arrays they hold are then garbage, as in PyTorch, where a second
#    `backward()` through the same graph raises the same way. With `retain_graph=True` the graph stays and a
#    second call adds to `.grad` once more.
#
# In-place changes. A rule computes from the values its operation saw. `zero_()` (and any other in-place method
# of the library) counts each change in `t._version`; `record_op` notes the parents' versions and
# `_check_versions` raises `RuntimeError` (`... was modified in place after it was saved ...`) when one changed
# before backward, as PyTorch does. The check is cheap and conservative: it looks at every Tensor parent, where
# PyTorch looks only at the tensors a rule saved. Writing into `t.data` directly (optimizers do,
# `p.data[...] = ...`) is invisible to the counter.
#
# Pitfall: a rule may hand the same array to two parents (`add` does) or return a read-only broadcast view.
# Never modify a gradient you received: combine with `old + new`, not `+=`. Only a leaf's own `.grad`, a copy
# you made, may be updated in place.

# %% nbgrader={"grade": false, "grade_id": "backward-engine", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def run_backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Seed `root` with `grad` (ones for a one-element root), run every rule once in reverse topological
    order, and add the gradients that reach leaves with requires_grad to their `.grad`; free each rule after
    its use unless `retain_graph`."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no graph "
                           "(no input had requires_grad=True, or it was computed under no_grad)")
    ### BEGIN SOLUTION
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward() without a gradient needs a one-element tensor, got shape {root.shape}; "
                             "pass grad= of that shape")
        seed = np.ones_like(root.data)
    else:
        seed = np.array(array_of(grad), dtype=root.data.dtype)  # a copy: the caller's array is never touched
        if seed.shape != root.data.shape:
            raise ValueError(f"backward(grad): grad has shape {seed.shape}, the tensor has shape {root.shape}")
    grads = {id(root): seed}
    for node in reversed(topological_order(root)):
        g = grads.pop(id(node), None)  # complete: every consumer of node has already run
        if g is None:
            continue
        if node._backward is None:  # a leaf
            if node.grad is None:
                node.grad = Tensor._from_array(np.array(g, dtype=node.data.dtype))  # our own copy
            else:
                node.grad.data += g
            continue
        _check_versions(node)
        parents = node._parents
        parent_grads = node._backward(g)
        if len(parent_grads) != len(parents):
            raise ValueError(f"the backward rule of {node._op!r} returned {len(parent_grads)} gradients "
                             f"for {len(parents)} parents")
        if not retain_graph:
            node._backward, node._parents, node._versions = _graph_freed, (), ()  # the closure can be collected
        for parent, pg in zip(parents, parent_grads):
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:
                pg = unbroadcast(pg, parent.data.shape)
            if pg.dtype != parent.data.dtype:
                pg = pg.astype(parent.data.dtype)
            key = id(parent)
            grads[key] = grads[key] + pg if key in grads else pg
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_backward_engine():
    """d_y is the sum over y's consumers: each rule runs once, with that sum; only leaves get .grad."""
    log, xv = {}, np.array([1.5, -2.0, 0.5])
    x = Tensor(xv, dtype=np.float64, requires_grad=True)
    y = spy(log, "y", square(x))  # y = x^2 feeds a = 3y and z = y + a: loss = sum(4 x^2), d loss/dx = 8x
    a = spy(log, "a", scale(y, 3.0))
    z = spy(log, "z", plus(y, a))
    loss = spy(log, "loss", total(z))
    loss.backward()
    assert isinstance(x.grad, Tensor) and not x.grad.requires_grad and agrees(x.grad.data, 8 * xv) and x.grad.dtype == np.float64, \
        f"x.grad must be a float64 Tensor without requires_grad holding d loss/dx = 8x = {8 * xv}, got {x.grad!r}"
    runs = {name: len(grads) for name, grads in log.items()}
    assert runs == {"loss": 1, "z": 1, "a": 1, "y": 1} and np.allclose(log["y"][0], 4.0), \
        f"each rule runs once, y's with 1 + 3 = 4 from its two consumers; runs {runs}, y received {log['y']}"
    assert all(t.grad is None for t in (y, a, z, loss)), "only leaves get .grad, not intermediates"

    ### BEGIN HIDDEN TESTS
    v = top = Tensor([1.0], dtype=np.float64, requires_grad=True)
    for i in range(40):  # a ladder t + t: 2^40 paths lead from the top to v, yet each rule runs once
        top = spy(log, f"step{i}", plus(top, top))
    top.backward()
    observe("ladder of 40 doublings: the gradient, and the most often any step ran",
            (v.grad.data, max(len(log[f"step{i}"]) for i in range(40))))
    rng = np.random.default_rng(4002)

    def make(kind, u, w):
        if kind == "add":
            return plus(u, w)
        if kind == "mul":
            return record_op("mul", u.data * w.data, (u, w), lambda g, u=u, w=w: (g * w.data, g * u.data))
        return scale(u, 0.5)

    for r in range(4):
        arrays = [rng.uniform(-1.0, 1.0, size=3) for _ in range(3)]
        plan, n = [], 3
        for _ in range(15):
            plan.append((str(rng.choice(["add", "mul", "half"])), int(rng.integers(0, n)), int(rng.integers(0, n))))
            n += 1
        weights = rng.standard_normal(3)
        leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
        vals, log = list(leaves), {}
        for k, (kind, i, j) in enumerate(plan):
            vals.append(spy(log, f"n{k}", make(kind, vals[i], vals[j])))
        vals[-1].backward(weights)
        observe(f"random graph {r}: how often each rule ran", [len(log.get(f"n{k}", [])) for k in range(len(plan))])
        for k, leaf in enumerate(leaves):
            got = np.zeros(3) if leaf.grad is None else leaf.grad.data
            observe(f"random graph {r}: gradient of leaf {k}", got, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_backward_engine()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-shapes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_engine_shapes():
    """The engine unbroadcasts each gradient to its parent's shape and never writes into a gradient a rule returned."""
    p, q = Tensor([[1.0], [2.0], [3.0]], requires_grad=True), Tensor([[10.0, 20.0, 30.0, 40.0]], requires_grad=True)
    seed = np.arange(12.0).reshape(3, 4)
    plus(p, q).backward(seed)  # (3, 1) + (1, 4): the rule returns (3, 4) gradients
    assert agrees(p.grad.data, seed.sum(axis=1, keepdims=True)) and agrees(q.grad.data, seed.sum(axis=0, keepdims=True)), \
        f"p (3, 1) gets the row sums of the seed and q (1, 4) the column sums, got {p.grad.data} and {q.grad.data}"
    xr = Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    yr = plus(xr)  # used twice below; both rules return read-only views
    views = [record_op("sum", yr.data.sum(), (yr,), lambda g: (np.broadcast_to(g, (3,)),)) for _ in range(2)]
    assert error_message(ValueError, plus(*views).backward) is None, "the engine wrote into a rule's gradient: add with old + new, not +="
    assert np.allclose(xr.grad.data, 2.0), f"yr is used twice: each element gets 1 + 1 = 2, got {xr.grad.data}"

    ### BEGIN HIDDEN TESTS
    b = Tensor(np.zeros(3), dtype=np.float64, requires_grad=True)
    xb = Tensor(np.ones((2, 3)), dtype=np.float64, requires_grad=True)
    plus(xb, b).backward(np.arange(6.0).reshape(2, 3))
    observe("(2, 3) + (3,): the bias gradient", b.grad.data)
    sc = Tensor(2.0, dtype=np.float64, requires_grad=True)
    record_op("scal", sc.data * np.ones((2, 2)), (sc,), lambda g: (g,)).backward(np.ones((2, 2)))
    observe("a 0-d leaf broadcast to (2, 2): its gradient", sc.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_engine_shapes()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-dtypes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_engine_dtypes():
    """The seed, each gradient a rule receives and .grad take the dtype of their tensor; no .grad without
    requires_grad."""
    log, f32, const = {}, Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    mid = spy(log, "mid", scale(f32, 2.0))
    h = record_op("h", mid.data * const.data, (mid, const), lambda g: (g * np.float64(3.0), g))  # float64 gradients
    spy(log, "h", h).backward(np.ones(2))  # a float64 seed
    dtypes = [log["h"][0].dtype, log["mid"][0].dtype, f32.grad.dtype]
    assert dtypes == [np.float32] * 3, f"the seed, the gradient mid's rule receives and f32.grad must be float32, got {dtypes}"
    assert const.grad is None, "a tensor without requires_grad must not get .grad"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4005)
    f, c = Tensor(rng.standard_normal(2), requires_grad=True), rng.standard_normal(2)
    record_op("times", f.data * c, (f,), lambda g: (g * c,)).backward(np.ones(2))  # float64 result and rule
    observe("a float32 leaf under a float64 rule: .grad dtype and value", (str(f.grad.dtype), f.grad.data), atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_engine_dtypes()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-seed", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_engine_seed():
    """backward() seeds a one-element root with 1 and refuses others, naming the shape; backward(grad) needs grad
    of the root's shape."""
    m_in = Tensor(np.ones((2, 2)), dtype=np.float64, requires_grad=True)
    m = scale(m_in, 2.0)
    message = error_message(ValueError, m.backward)
    assert message is not None and "(2, 2)" in message, f"backward() on a (2, 2) tensor: ValueError naming (2, 2), got {message}"
    assert error_message(ValueError, m.backward, np.ones(3)) is not None, "backward(grad) with grad of another shape: ValueError"
    m.backward(np.full((2, 2), 0.5))
    assert np.allclose(m_in.grad.data, 1.0), f"backward(grad) seeds with grad: 2 * 0.5 = 1, got {m_in.grad.data}"
    one = Tensor([[2.0]], dtype=np.float64, requires_grad=True)
    scale(one, 5.0).backward()  # one element: the seed is 1
    assert one.grad.shape == (1, 1) and np.allclose(one.grad.data, 5.0), f"d(5 x)/dx = 5, got {one.grad.data}"

    ### BEGIN HIDDEN TESTS
    t3 = Tensor(np.ones(3), dtype=np.float64, requires_grad=True)
    message = error_message(ValueError, plus(t3).backward)
    observe("backward() on a (3,) tensor: ValueError naming (3,)", "no error" if message is None else "(3,)" in message)
    scalar0 = Tensor(3.0, dtype=np.float64, requires_grad=True)
    square(scalar0).backward()
    observe("d(x^2)/dx at 3 for a 0-d tensor", scalar0.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_engine_seed()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-accumulation", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_grad_accumulation():
    """.grad adds up over backward calls, as in PyTorch, until x.grad = None starts it over."""
    x = Tensor([1.0, -3.0], dtype=np.float64, requires_grad=True)
    loss = total(square(x))  # d sum(x^2)/dx = 2x
    steps = [("backward(retain_graph=True): 2x", lambda: loss.backward(retain_graph=True), [2.0, -6.0]),
             ("the same graph again: adds 2x", loss.backward, [4.0, -12.0]),
             ("a new pass, d sum(x)/dx = 1: adds 1", lambda: total(x).backward(), [5.0, -11.0])]
    for what, step, want in steps:
        step()
        assert np.allclose(x.grad.data, want), f"{what}: expected .grad = {want}, got {x.grad.data}"
    x.grad = None
    total(x).backward()
    assert np.allclose(x.grad.data, [1.0, 1.0]), f"after x.grad = None backward starts from zero, got {x.grad.data}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4003)
    w = Tensor(rng.standard_normal((3, 2)), dtype=np.float64, requires_grad=True)
    for k in range(1, 5):
        scale(w, float(k)).backward(np.ones((3, 2)))
        observe(f".grad after {k} passes", w.grad.data)
    observe("accumulated .grad: dtype and shape", (str(w.grad.dtype), tuple(w.grad.shape)))
    f = Tensor(rng.standard_normal(2), requires_grad=True)
    for _ in range(3):
        total(square(f)).backward()
    observe("float32 accumulation over 3 passes: dtype", str(f.grad.dtype))
    observe("float32 accumulation over 3 passes: value", f.grad.data, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_grad_accumulation()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-copies", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_grad_copies():
    """Each leaf's .grad is its own array: not shared with another leaf, a rule or the caller's seed."""
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    both = total(plus(a, b))  # plus hands one array to a and b
    both.backward(retain_graph=True)
    both.backward()
    assert np.allclose(a.grad.data, 2.0) and np.allclose(b.grad.data, 2.0) and not np.shares_memory(a.grad.data, b.grad.data), \
        f"two passes give 2 to each leaf, got {a.grad.data} and {b.grad.data}: copy a gradient before storing it"
    leaf, seed = Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True), np.array([0.5, 0.25])
    leaf.backward(seed)
    seed[:] = 100.0
    assert np.allclose(leaf.grad.data, [0.5, 0.25]), "changing the seed array afterwards must not change .grad"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4006)
    p, q = (Tensor(rng.standard_normal(3), dtype=np.float64, requires_grad=True) for _ in range(2))
    out, seed = plus(p, q), rng.standard_normal(3)
    out.backward(seed, retain_graph=True)
    out.backward(seed)
    seed[:] = 0.0
    observe("plus into two leaves, two passes, seed zeroed after: p.grad, q.grad",
            (p.grad.data, q.grad.data, bool(np.shares_memory(p.grad.data, q.grad.data))))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_grad_copies()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-retain-graph", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_retain_graph():
    """backward frees the graph unless retain_graph=True; a saved input changed in place stops backward."""
    x = Tensor([1.0, -3.0], dtype=np.float64, requires_grad=True)
    loss = total(square(x))
    loss.backward(retain_graph=True)
    loss.backward()
    assert np.allclose(x.grad.data, [4.0, -12.0]), f"retain_graph=True keeps the graph: 2 passes give 4x, got {x.grad.data}"
    assert loss._parents == () and not loss.is_leaf, "backward without retain_graph drops _parents (the node stays a non-leaf)"
    message = error_message(RuntimeError, loss.backward)
    assert message and "retain_graph=True" in message, f"backward through a freed graph: RuntimeError naming retain_graph=True, got {message}"
    w, c = Tensor([2.0, 5.0], requires_grad=True), Tensor([1.0, 1.0])
    y = record_op("mul", w.data * c.data, (w, c), lambda g: (g * c.data, None))
    c.zero_()  # the rule would now compute from the zeros
    message = error_message(RuntimeError, y.backward, np.ones(2))
    assert message and "modified in place" in message, f"backward after a saved input changed in place: RuntimeError saying so, got {message}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4004)
    v = Tensor(rng.standard_normal(3), dtype=np.float64, requires_grad=True)
    kept = total(square(v))
    for k in range(3):
        kept.backward(retain_graph=True)
        observe(f"retained graph, pass {k + 1}: .grad", v.grad.data)
    kept.backward()
    message = error_message(RuntimeError, kept.backward)
    observe("fifth pass after the graph was freed: RuntimeError naming retain_graph=True",
            "no error" if message is None else "retain_graph=True" in message)
    u = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    mid = scale(u, 2.0)
    total(mid).backward()
    message = error_message(RuntimeError, total(mid).backward)
    observe("a new graph through a freed intermediate: RuntimeError", "no error" if message is None else "retain_graph=True" in message)
    observe("the freed intermediate: parents, versions, requires_grad", (mid._parents, mid._versions, mid.requires_grad))
    c2 = Tensor(rng.standard_normal(2), dtype=np.float64)
    w2 = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    y2 = record_op("mul", w2.data * c2.data, (w2, c2), lambda g: (g * c2.data, None))
    observe("zero_() returns the tensor itself", c2.zero_() is c2)
    observe("version after one zero_()", c2._version)
    message = error_message(RuntimeError, y2.backward, np.ones(2))
    observe("backward after zero_() of a saved input", "no error" if message is None else "modified in place" in message)
    fresh = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    total(fresh).backward()
    observe("p.grad.zero_(): values and version", (fresh.grad.zero_().data, fresh.grad._version))
    r = Tensor([1.0, 2.0])
    observe("requires_grad_() returns self and sets the flag", (r.requires_grad_() is r, r.requires_grad))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_retain_graph()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-deep-chain", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import sys

import numpy as np
from tito.check import observe


def test_deep_chain():
    """A chain of 20,000 operations backpropagates without recursion and gives the closed-form gradient."""
    x = Tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = scale(y, 1.0001)
    _, depth = call_depth(total(y).backward)
    assert depth < 50, f"backward nested {depth} Python calls on a chain of 20,000 operations: walk it with a loop, not recursion"
    assert np.allclose(x.grad.data, 1.0001 ** 20_000), f"d loss/dx = 1.0001^20000 = {1.0001 ** 20_000:.6f}, got {x.grad.data}"

    ### BEGIN HIDDEN TESTS
    limit = sys.getrecursionlimit()
    x = Tensor([0.5], dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = plus(y, x)
    sys.setrecursionlimit(1000)
    try:
        y.backward()
        outcome = "done"
    except RecursionError:
        outcome = "RecursionError: make backward iterative"
    finally:
        sys.setrecursionlimit(limit)
    observe("chain of 100,000 operations: backward", outcome)
    observe("y = x + x + ... (100,001 times): dy/dx", None if x.grad is None else x.grad.data)
    del y
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_deep_chain()

# %% [markdown]
# ## 5. Turning the graph off: `no_grad`
#
# Recording costs memory and time: each result keeps its parents and a closure holding the arrays its rule needs,
# for as long as the result lives. When no gradient is wanted (evaluating a model, or an optimizer updating its
# parameters) that is waste, and for a parameter update it is also wrong: `W - lr * W.grad` would become part of
# the next step's graph. Inside `with no_grad():` `record_op` returns plain leaves and keeps nothing.
#
# **Task: `no_grad` and `is_grad_enabled`.** `record_op` reads the switch `_GradMode.enabled`. `__enter__` saves
# the current value on the instance and turns recording off; `__exit__` restores the saved value (it also runs
# when the block raises), so nested blocks leave the mode as they found it. `is_grad_enabled()` returns the
# switch. Using `no_grad()` as a decorator is given.

# %% nbgrader={"grade": false, "grade_id": "no-grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class no_grad:
    """`with no_grad():` operations inside record no graph; on exit the previous mode returns."""

    def __enter__(self) -> "no_grad":
        ### BEGIN SOLUTION
        self._previous = _GradMode.enabled
        _GradMode.enabled = False
        ### END SOLUTION
        return self

    def __exit__(self, *exc_info) -> bool:
        ### BEGIN SOLUTION
        _GradMode.enabled = self._previous
        ### END SOLUTION
        return False  # an exception raised in the block goes on

    def __call__(self, fn):
        """`@no_grad()` on a function: it runs with recording off."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled() -> bool:
    """True when operations record the graph."""
    ### BEGIN SOLUTION
    return _GradMode.enabled
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-no-grad", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_no_grad():
    """no_grad turns recording off inside its block and restores the previous mode on exit: nested, or on a raise."""
    modes = [is_grad_enabled()]
    with no_grad():
        modes.append(is_grad_enabled())
        with no_grad():
            pass
        modes.append(is_grad_enabled())  # after an inner block the outer one is still in force
    modes.append(is_grad_enabled())
    try:
        with no_grad():
            raise KeyError("inside")
    except KeyError:
        modes.append(is_grad_enabled())
    assert modes == [True, False, False, True, True] and all(type(m) is bool for m in modes), \
        f"is_grad_enabled() at the start, inside, after an inner block, after, after a raise: expected T, F, F, T, T; got {modes}"

    ### BEGIN HIDDEN TESTS
    x = Tensor([1.0, 2.0], requires_grad=True)
    inside = []

    @no_grad()
    def evaluate(t):
        inside.append(is_grad_enabled())
        return scale(t, 2.0)

    result = evaluate(x)
    observe("decorator: mode inside, result requires grad, mode after",
            (inside[0], result.requires_grad, is_grad_enabled()))
    observe("decorator: the result's value", result.data)
    ctx = no_grad()
    for i in range(2):
        with ctx:
            wanted = scale(x, 2.0).requires_grad
        observe(f"reused no_grad instance, entry {i}: result requires grad, mode after", (wanted, is_grad_enabled()))
    observe("type of is_grad_enabled()", type(is_grad_enabled()).__name__)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_no_grad()

# %% nbgrader={"grade": true, "grade_id": "test-no-grad-graph", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import gc
import weakref

import numpy as np
from tito.check import observe


def test_no_grad_graph():
    """Under no_grad an operation gives the same value as a plain leaf that keeps nothing, not even its input."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = scale(x, 2.0)
    assert np.allclose(y.data, [2.0, 4.0]) and y.requires_grad is False and y.is_leaf and y._parents == (), "under no_grad: same value, a plain leaf"
    assert scale(x, 2.0).requires_grad, "outside no_grad the result requires grad again"
    z = Tensor(np.ones(1000), requires_grad=True)
    ref = weakref.ref(z)
    with no_grad():
        out = scale(z, 2.0)
    del z
    gc.collect()
    assert ref() is None and out.shape == (1000,), "a result made under no_grad must not keep its inputs alive"

    ### BEGIN HIDDEN TESTS
    with no_grad():
        inner = scale(scale(x, 2.0), 2.0)
    observe("chained under no_grad: requires grad, keeps a rule", (inner.requires_grad, inner._backward is not None))
    observe("chained under no_grad: value", inner.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_no_grad_graph()

# %%
if __name__ == "__main__":
    # The memory a chain of 10 operations keeps alive while its result lives, recorded and under no_grad.
    import tracemalloc

    def _chain_bytes(x):
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(10):
            y = scale(y, 1.01)
        kept = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        return kept

    _x = Tensor(np.ones((500, 500)), dtype=np.float64, requires_grad=True)
    print(f"x: {_x.data.nbytes:,} B")
    print(f"recorded: {_chain_bytes(_x):>12,} B kept")
    with no_grad():
        print(f"no_grad:  {_chain_bytes(_x):>12,} B kept")

# %% [markdown]
# ## 6. Checking gradients numerically
#
# A wrong backward rule (a missing transpose, a sum over the wrong axis) still trains, only badly, so it can go
# unnoticed for a long time. The check is the definition of the derivative: for a scalar function f of an array
# x, perturb one element at a time,
#
#     d_x[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
#
# This central difference has error proportional to eps^2; the one-sided (f(x + eps e_i) - f(x)) / eps only to
# eps. Use float64: at eps = 1e-6, float32 rounding (about 1e-7 of |f|) divided by 2e-6 leaves no correct digit.
#
# **Task: `numerical_grad(f, x, eps)`.** For each index i of x: remember x[i]; set it to x[i] + eps and evaluate
# `f(x)`; set it to x[i] - eps and evaluate; put the remembered value back (exactly that value: `(x + eps) - eps`
# is not always x in floating point). Perturb x itself, in place: `gradcheck` passes a function that reads the
# same array through a Tensor. Pitfall: x may be a view (a slice, a transpose), and `x.reshape(-1)` of a view can
# be a copy, so the perturbation would not reach f. Loop over `np.ndindex(x.shape)`.
#
# `gradcheck(f, inputs)` is given. It calls `f(*inputs)`, seeds backward with fixed random weights w (the gradient
# of sum(out * w), so every output element matters), and compares each input's `.grad` with `numerical_grad`.
# Later modules' tests call it for every new operation; use it yourself in sections 7 to 9.

# %% nbgrader={"grade": false, "grade_id": "numerical-grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f/d x[i] ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every index i; x is perturbed in place and restored."""
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        f_plus = float(f(x))
        x[i] = original - eps
        f_minus = float(f(x))
        x[i] = original  # the remembered value, bit for bit
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
    ### END SOLUTION


def gradcheck(f, inputs: list, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Compare the backward gradients of f(*inputs) with central differences; AssertionError names the worst mismatch."""
    inputs = list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise TypeError(f"gradcheck: input {i} must be a Tensor with requires_grad=True")
        if t.data.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {t.data.dtype}; use float64 "
                            f"(float32 central differences at eps={eps} have no correct digits)")
    if not _GradMode.enabled:
        raise RuntimeError("gradcheck needs gradients on; it was called inside no_grad")
    out = f(*inputs)
    if not isinstance(out, plain.Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    weights = np.ones(out.shape) if out.data.size == 1 else np.random.default_rng(0).standard_normal(out.shape)

    def weighted_output(_):
        previous, _GradMode.enabled = _GradMode.enabled, False  # the numerical passes need no graph
        try:
            return float(np.sum(array_of(f(*inputs)) * weights))
        finally:
            _GradMode.enabled = previous

    saved = [t.grad for t in inputs]
    try:
        for t in inputs:
            t.grad = None
        if isinstance(out, Tensor) and out.requires_grad:
            out.backward(weights)
        for i, t in enumerate(inputs):
            analytic = np.zeros_like(t.data) if t.grad is None else t.grad.data
            numeric = numerical_grad(weighted_output, t.data, eps)
            excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
            excess = np.where(np.isnan(excess), np.inf, excess)
            if excess.size and excess.max() > 0:
                at = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), excess.shape))
                raise AssertionError(
                    f"gradcheck: input {i} (shape {t.shape}), index {at}: backward gives {float(analytic[at]):.8g}, "
                    f"the numerical gradient is {float(numeric[at]):.8g} (atol={atol}, rtol={rtol})")
    finally:
        for t, g in zip(inputs, saved):
            t.grad = g

# %% nbgrader={"grade": true, "grade_id": "test-numerical-grad", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_numerical_grad():
    """numerical_grad is the central difference (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), perturbing x itself
    and restoring it bit for bit."""
    x = np.array([[0.1, -0.7, 1.3], [2.0, 1 / 3, -1.1]])
    original = x.copy()
    got = numerical_grad(lambda a: float(np.sum(a ** 3)), x, eps=1e-3)
    # the central difference of a^3 is 3 a^2 + eps^2 exactly; a one-sided difference is off by about 3 a eps
    assert isinstance(got, np.ndarray) and got.shape == (2, 3) and np.allclose(got, 3 * original ** 2 + 1e-6, atol=1e-8), \
        f"d sum(a^3)/da with eps = 1e-3 should be 3a^2 + eps^2 = {3 * original ** 2 + 1e-6}, got {got}: use the central difference"
    assert x.tobytes() == original.tobytes(), "x must be restored exactly: put the remembered value back"
    y = np.array([1.0, -2.0, 0.5])  # f reads y itself, not its argument: perturb x in place
    got = numerical_grad(lambda _: float(np.sum(y ** 2)), y)
    assert np.allclose(got, 2 * y, atol=1e-6), f"f reads x itself, so x must be perturbed in place: expected {2 * y}, got {got}"
    assert np.allclose(numerical_grad(lambda a: float(np.sin(a)), np.array(1.5)), np.cos(1.5), atol=1e-8), "a 0-d x must work"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(6001)
    base_arr = rng.standard_normal((4, 6))
    view = base_arr[:, ::2].T  # (3, 4), not contiguous
    got = numerical_grad(lambda _: float(np.sum(view ** 3)), view, eps=1e-4)
    observe("a (3, 4) view perturbed in place, eps = 1e-4", got, rtol=1e-5, atol=1e-7)
    observe("the array behind the view afterwards", base_arr, rtol=0.0, atol=0.0)
    for i in range(5):
        shape = tuple(int(k) for k in rng.integers(1, 4, size=int(rng.integers(0, 4))))
        arr = rng.standard_normal(shape)
        kept = arr.copy()
        got = numerical_grad(lambda a: float(np.sum(np.exp(a) * kept)), arr)
        observe(f"case {i}: gradient for shape {shape}", got, rtol=1e-5, atol=1e-6)
        observe(f"case {i}: x afterwards", arr, rtol=0.0, atol=0.0)
    # eps = 1e-2 gives 12 + eps^2 = 12.0001; the tolerance must be far below eps^2 to see eps used
    got = numerical_grad(lambda a: float(np.sum(a ** 3)), np.array([2.0]), eps=1e-2)
    observe("d x^3/dx at 2 with eps = 1e-2", got, rtol=1e-9, atol=1e-9)
    count = [0]

    def counted(a):
        count[0] += 1
        return float(np.sum(a))

    numerical_grad(counted, np.zeros((2, 3)))
    observe("evaluations of f for 6 elements", count[0])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_numerical_grad()

# %%
if __name__ == "__main__":
    # The largest error of the central difference for d/dx sum(exp(x)) = exp(x), at each eps, in float64 and float32.
    _x64 = np.linspace(-1, 1, 20)
    print("eps      float64   float32")
    for _eps in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10]:
        _errors = []
        for _dtype in (np.float64, np.float32):
            _x = _x64.astype(_dtype)
            _got = numerical_grad(lambda a: np.exp(a).sum(), _x, eps=_eps)
            _errors.append(np.abs(_got - np.exp(_x.astype(np.float64))).max())
        print(f"{_eps:.0e}   {_errors[0]:.1e}   {_errors[1]:.1e}")


# %% nbgrader={"grade": true, "grade_id": "test-numerical-grad-gradcheck", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import re

import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_gradcheck():
    """gradcheck, built on numerical_grad, passes a right rule, names the input of a wrong one, and leaves .grad
    as it found it."""
    def product(rule_b):  # a * b, with the rule rule_b(g, a) for b's gradient
        return lambda a, b: record_op("mul", a.data * b.data, (a, b), lambda g: (g * b.data, rule_b(g, a.data)))

    a = Tensor(np.array([0.5, -1.0, 2.0]), dtype=np.float64, requires_grad=True)
    b = Tensor(np.array([1.5, 0.25, -3.0]), dtype=np.float64, requires_grad=True)
    assert gradcheck(product(lambda g, a: g * a), [a, b]) is None, "gradcheck returns None when the gradients agree"
    message = error_message(AssertionError, gradcheck, product(lambda g, a: g * a * 1.1), [a, b])
    assert message and "input 1" in message, f"gradcheck must raise AssertionError naming input 1 for a wrong rule, got {message}"
    assert a.grad is None and b.grad is None, "gradcheck must leave .grad as it found it"

    ### BEGIN HIDDEN TESTS
    # the message names the worst element and the two values; the numerical one comes from numerical_grad
    rng = np.random.default_rng(6002)
    for i in range(3):
        a, b = (Tensor(rng.standard_normal((2, 3)), dtype=np.float64, requires_grad=True) for _ in range(2))
        message = error_message(AssertionError, gradcheck, product(lambda g, a: g * a + 0.1 * g), [a, b]) or ""
        found = re.search(r"input (\d+) .*index \((\d+), (\d+)\): backward gives (\S+), the numerical gradient is (\S+) ", message)
        observe(f"case {i}: input, index, backward value and numerical value gradcheck reports",
                None if found is None else [int(found[1]), int(found[2]), int(found[3]), float(found[4]), float(found[5])],
                rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gradcheck()

# %% [markdown]
# ## 7. Backward rules: elementwise operations
#
# Each operation below is module 01's forward (the `out = plain...` line, given) plus its rule. The rule receives
# `grad`, of `out`'s shape, and returns one gradient per parent, in the order of `parents`. Return gradients of
# `out`'s shape and let the engine reduce broadcast axes. Operands may be numbers or arrays: they are parents like
# any other and the engine ignores their gradients. `array_of(a)` is the array (or number) behind any operand.
#
# | op | forward | gradients |
# |---|---|---|
# | `add(a, b)` | a + b | grad, grad |
# | `sub(a, b)` | a - b | grad, -grad |
# | `mul(a, b)` | a * b | grad * b, grad * a |
# | `div(a, b)` | a / b | grad / b, -grad * a / b^2 (= -grad * out / b) |
# | `neg(a)` | -a | -grad |
# | `power(a, p)`, p a number | a^p | grad * p * a^(p - 1); zeros when p == 0 |
# | `exp(a)` | e^a | grad * out |
# | `log(a)` | ln a | grad / a |
#
# Pitfall: for p == 0 the formula gives 0 * a^-1, which is nan at a = 0; a^0 is a constant, so its gradient is 0.
#
# A rule may skip a gradient nobody wants: `_needs_grad(b)` is False for numbers and for tensors without
# `requires_grad`, and None is a valid answer for such a parent. Keep in the closure only what the rule needs:
# `exp` needs `out`, not its input.
#
# **Task: the rules of `add`, `sub`, `mul`, `div`, `neg`, `power`, `exp`, `log`**, as in the table.

# %% nbgrader={"grade": false, "grade_id": "elementwise-grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def add(a: TensorLike, b: TensorLike) -> Tensor:
    """a + b; gradients: grad, grad."""
    out = plain.add(a, b).data
    ### BEGIN SOLUTION
    return record_op("add", out, (a, b), lambda grad: (grad, grad))
    ### END SOLUTION


def sub(a: TensorLike, b: TensorLike) -> Tensor:
    """a - b; gradients: grad, -grad."""
    out = plain.sub(a, b).data
    ### BEGIN SOLUTION
    return record_op("sub", out, (a, b), lambda grad: (grad, -grad))
    ### END SOLUTION


def mul(a: TensorLike, b: TensorLike) -> Tensor:
    """a * b; gradients: grad * b, grad * a."""
    out = plain.mul(a, b).data
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)

    def backward(grad):
        return (grad * y if _needs_grad(a) else None,
                grad * x if _needs_grad(b) else None)

    return record_op("mul", out, (a, b), backward)
    ### END SOLUTION


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """a / b; gradients: grad / b, -grad * a / b**2."""
    out = plain.div(a, b).data
    ### BEGIN SOLUTION
    y = array_of(b)

    def backward(grad):
        return (grad / y if _needs_grad(a) else None,
                -grad * out / y if _needs_grad(b) else None)

    return record_op("div", out, (a, b), backward)
    ### END SOLUTION


def neg(a: TensorLike) -> Tensor:
    """-a; gradient: -grad."""
    out = plain.neg(a).data
    ### BEGIN SOLUTION
    return record_op("neg", out, (a,), lambda grad: (-grad,))
    ### END SOLUTION


def power(a: TensorLike, exponent: float) -> Tensor:
    """a ** exponent for a number `exponent`; gradient: grad * exponent * a**(exponent - 1), 0 when exponent is 0."""
    if isinstance(exponent, plain.Tensor):
        raise TypeError("power: the exponent must be a number, not a Tensor")
    out = plain.power(a, exponent).data
    ### BEGIN SOLUTION
    x = array_of(a)

    def backward(grad):
        if exponent == 0:
            return (np.zeros_like(grad),)
        return (grad * exponent * x ** (exponent - 1),)

    return record_op("power", out, (a,), backward)
    ### END SOLUTION


def exp(a: TensorLike) -> Tensor:
    """e ** a; gradient: grad * out."""
    out = plain.exp(a).data
    ### BEGIN SOLUTION
    return record_op("exp", out, (a,), lambda grad: (grad * out,))
    ### END SOLUTION


def log(a: TensorLike) -> Tensor:
    """Natural logarithm; gradient: grad / a."""
    out = plain.log(a).data
    ### BEGIN SOLUTION
    x = array_of(a)
    return record_op("log", out, (a,), lambda grad: (grad / x,))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_elementwise_grads():
    """For out = a op b with a (3, 1) and b (1, 4), out.backward(w) gives the gradients of sum(w * out): w and w,
    w and -w, w b and w a, w / b and -w a / b^2, each summed back to its operand's shape."""
    rng = np.random.default_rng(7001)
    A, B, w = rng.uniform(0.5, 2.0, (3, 1)), rng.uniform(0.5, 2.0, (1, 4)), rng.standard_normal((3, 4))
    cases = [("a + b", lambda a, b: a + b, w, w), ("a - b", lambda a, b: a - b, w, -w),
             ("a * b", lambda a, b: a * b, w * B, w * A), ("a / b", lambda a, b: a / b, w / B, -w * A / B ** 2)]
    for name, fn, d_a, d_b in cases:
        out, (got_a, got_b) = backward_of(fn, w, A, B)
        assert isinstance(out, Tensor) and out.requires_grad and agrees(out.data, fn(A, B)), \
            f"{name} must return an autograd Tensor that requires grad, holding the (3, 4) forward result"
        d_a, d_b = d_a.sum(axis=1, keepdims=True), d_b.sum(axis=0, keepdims=True)
        assert agrees(got_a, d_a) and agrees(got_b, d_b), f"{name}: expected gradients {d_a} and {d_b}, got {got_a} and {got_b}"
    const = Tensor([1.0, 2.0]) * 3
    assert isinstance(const, Tensor) and not const.requires_grad and const.is_leaf, "without requires_grad no graph is built"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(7002)
    for c in range(6):
        full = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        pa, pb = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
        observe_grads(f"case {c}: add {sa} {sb}", Tensor, lambda a, b: a + b, pa, pb)
        observe_grads(f"case {c}: sub {sa} {sb}", Tensor, lambda a, b: b - a, pa, pb)
        observe_grads(f"case {c}: mul {sa} {sb}", Tensor, lambda a, b: a * b, pa, pb)
        observe_grads(f"case {c}: div {sa} {sb}", Tensor, lambda a, b: a / b, pa, pb)
    c = Tensor(rng.uniform(0.5, 3.0, 2), dtype=np.float64)
    t = Tensor(rng.uniform(0.5, 4.0, 2), dtype=np.float64, requires_grad=True)
    (c / t).backward(np.ones(2))
    observe("a constant tensor on the left of /: its .grad is None", c.grad is None)
    observe("a constant tensor on the left of /: the gradient of the right", t.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_grads()

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-grads-numbers", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_elementwise_grads_numbers():
    """x with numbers or arrays on either side, -x, x ** p, exp, log: the closed-form gradients of sum(v * out)."""
    rng = np.random.default_rng(7003)
    X, v = rng.uniform(0.5, 2.0, (2, 3)), rng.standard_normal((2, 3))
    cases = [("x + 2.5", lambda x: x + 2.5, v), ("2.5 + x", lambda x: 2.5 + x, v), ("1 - x", lambda x: 1 - x, -v),
             ("3 * x", lambda x: 3 * x, 3 * v), ("x / 4", lambda x: x / 4, v / 4), ("2 / x", lambda x: 2 / x, -2 * v / X ** 2),
             ("-x", lambda x: -x, -v), ("x ** 3", lambda x: x ** 3, 3 * X ** 2 * v), ("x ** 0.5", lambda x: x ** 0.5, 0.5 * X ** -0.5 * v),
             ("x ** -2", lambda x: x ** -2, -2 * X ** -3 * v), ("x.exp()", lambda x: x.exp(), np.exp(X) * v),
             ("exp(x)", exp, np.exp(X) * v), ("x.log()", lambda x: x.log(), v / X), ("x * x", lambda x: x * x, 2 * X * v),
             ("array * x", lambda x: np.full((2, 3), 1.5) * x, 1.5 * v)]
    for name, fn, want in cases:
        out, (got,) = backward_of(fn, v, X)
        assert isinstance(out, Tensor) and out.requires_grad and agrees(got, want), f"{name}: expected gradient {want}, got {got}"
    _, (zero,) = backward_of(lambda x: x ** 0, np.ones(2), [0.0, 2.0])
    assert np.array_equal(zero, [0.0, 0.0]), f"x ** 0 is constant: its gradient is 0, also at 0; got {zero}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(7005)
    observe_grads("power 1.5", Tensor, lambda a: a ** 1.5, rng.uniform(0.5, 2.0, (3, 2)))
    observe_grads("power -1", Tensor, lambda a: a ** -1, rng.uniform(0.5, 2.0, (4,)))
    observe_grads("neg", Tensor, lambda a: -a, rng.standard_normal((2, 2)))
    observe_grads("numbers", Tensor, lambda a: 3.0 - 2.0 / a + 0.5 * a - a / 3.0, rng.uniform(0.5, 2.0, (3,)))
    f32 = Tensor(rng.uniform(-1.0, 2.0, 2), requires_grad=True)
    (f32 * 2.5 + f32.exp()).backward(np.ones(2, dtype=np.float32))
    observe("float32 gradient of 2.5 x + exp(x): dtype", str(f32.grad.dtype))
    observe("float32 gradient of 2.5 x + exp(x): value", f32.grad.data, rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_grads_numbers()

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-grads-numerical", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import check_grads, grads_of, observe_grads


def test_elementwise_grads_numerical():
    """Broadcast products, quotients and exp/log compositions: backward agrees with central differences."""
    rng = np.random.default_rng(7004)
    cases = [("(2, 3) * (3,)", lambda a, b: a * b, rng.standard_normal((2, 3)), rng.standard_normal(3)),
             ("() / (2, 2)", lambda a, b: a / b, np.array(1.5), rng.uniform(0.5, 2.0, (2, 2))),
             ("exp(a - b) * log(b)", lambda a, b: exp(a - b) * log(b), rng.standard_normal((2, 1)), rng.uniform(0.5, 2.0, (1, 3)))]
    for name, build, *arrays in cases:
        check_grads(Tensor, build, *arrays, name=name, atol=1e-6, rtol=1e-5)

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(7006)
    for c in range(6):
        full = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        pa, pb = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
        observe_grads(f"case {c}: mixed {sa} {sb}", Tensor, lambda a, b: ((a * b - a / (b * b + 1)) ** 2 + 1).log() - (-a).exp(), pa, pb)
    arr = rng.uniform(0.5, 2.0, (2, 3))
    observe("numbers on both sides: gradient", grads_of(Tensor, lambda a: (2.0 / a).log() * a ** 2 - 1.0, arr)[0], rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_grads_numerical()

# %% [markdown]
# ## 8. Backward rules: matrix product and reductions
#
# **Matrix product.** For C = A @ B with A (n, k) and B (k, m): d_A = grad @ B^T, of shape (n, k), and
# d_B = A^T @ grad, of shape (k, m): the affine stage of section 1. Stacks of matrices (..., n, k) @ (..., k, m)
# use the same formulas on the last two axes (`np.swapaxes(B, -1, -2)` is B^T for every matrix of the stack);
# batch axes that were broadcast are then summed away with `unbroadcast`, here inside the rule, because of 1-D
# operands: NumPy treats a vector on the left as a row (1, k) and on the right as a column (k, 1), and drops
# that axis from the result. Do the same: view each vector as a matrix, put the dropped axis back into grad
# (`grad[..., None, :]` for a left vector, `grad[..., None]` for a right one), apply the formulas, unbroadcast
# to the matrix shape, and reshape to the vector's shape. (k,) @ (k,) gives a 0-d result: both steps apply.
#
# Pitfall: a size may be 0 (an empty batch, a layer of width 0). The products are then empty sums, zeros of the
# right shape, which NumPy gets right; but `reshape(-1, k)` cannot infer -1 when k is 0: give the sizes.
#
# **Task: `matmul`.** Compute only the gradients that are wanted (`_needs_grad`): in `x @ W` with data `x`,
# d_x would be a whole matrix product thrown away.

# %% nbgrader={"grade": false, "grade_id": "matmul-grad", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def matmul(a: TensorLike, b: TensorLike) -> Tensor:
    """a @ b (1-D, 2-D, batched); gradients: grad @ b^T and a^T @ grad on the last two axes."""
    out = plain.matmul(a, b).data
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)

    def backward(grad):
        # view vectors as matrices: x (k,) as (1, k), y (k,) as (k, 1), and give grad the dropped axes back
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = grad[..., None] if y.ndim == 1 else grad
        g2 = g2[..., None, :] if x.ndim == 1 else g2
        d_a = d_b = None
        if _needs_grad(a):
            d_a = unbroadcast(g2 @ np.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape)
        if _needs_grad(b):
            if y2.ndim == 2 and x2.ndim > 2:
                # one matrix against a stack: fold the stack into the rows, one product instead of a batch;
                # the row count is explicit because reshape(-1, 0) cannot infer it when k or m is 0
                rows = int(np.prod(x2.shape[:-1]))
                d_b = x2.reshape(rows, x2.shape[-1]).T @ g2.reshape(rows, g2.shape[-1])
            else:
                d_b = unbroadcast(np.swapaxes(x2, -1, -2) @ g2, y2.shape)
            d_b = d_b.reshape(y.shape)
        return d_a, d_b

    return record_op("matmul", out, (a, b), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-matmul-grad", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_matmul_grad():
    """For C = A @ B: d_A = grad @ B^T and d_B = A^T @ grad; 1-D, batched and size-0 operands agree with central
    differences."""
    rng = np.random.default_rng(8001)
    A, B, G = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    out, (d_a, d_b) = backward_of(lambda a, b: a @ b, G, A, B)
    assert isinstance(out, Tensor) and out.requires_grad and out.shape == (2, 4), "a @ b must be a (2, 4) Tensor that requires grad"
    assert agrees(d_a, G @ B.T) and agrees(d_b, A.T @ G), f"d_a must be grad @ b^T and d_b a^T @ grad, got {d_a} and {d_b}"
    data, weight = Tensor(A, dtype=np.float64), Tensor(B, dtype=np.float64, requires_grad=True)
    data.matmul(weight).backward(G)
    assert data.grad is None and agrees(weight.grad.data, A.T @ G), "x @ W with data x: only W gets a gradient"
    for sa, sb in [((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
                   ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 3), (4, 3, 2)),
                   ((2, 0), (0, 3)), ((4, 2, 0), (0, 3)), ((4, 2, 3), (3, 0))]:  # size 0: empty sums are 0
        check_grads(Tensor, lambda p, q: p @ q, rng.standard_normal(sa), rng.standard_normal(sb), name=f"{sa} @ {sb}", atol=1e-6, rtol=1e-5)

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8004)
    for c in range(8):
        n, k, m = (int(s) for s in rng.integers(1, 4, size=3))
        batch = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        lb = tuple(s if rng.random() < 0.6 else 1 for s in batch)[int(rng.integers(0, len(batch) + 1)):]
        rb = tuple(s if rng.random() < 0.6 else 1 for s in batch)[int(rng.integers(0, len(batch) + 1)):]
        left, right = lb + (n, k), rb + (k, m)
        observe_grads(f"case {c}: {left} @ {right}", Tensor, lambda p, q: p @ q, rng.standard_normal(left), rng.standard_normal(right))
    observe_grads("chain", Tensor, lambda p, q, r: (p @ q) @ r, rng.standard_normal((2, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 2)))
    observe_grads("vector both", Tensor, lambda p, q: matmul(p, q) * 2.0, rng.standard_normal(4), rng.standard_normal(4))
    w32 = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    (Tensor(rng.standard_normal((4, 3))) @ w32).backward(np.ones((4, 2), dtype=np.float32))
    observe("float32 weight: gradient dtype and shape", (str(w32.grad.dtype), tuple(w32.grad.shape)))
    observe("float32 weight: gradient value", w32.grad.data, rtol=1e-4, atol=1e-5)
    for sa, sb in [((3, 2, 0), (0, 4)), ((2, 3, 2), (2, 0)), ((0, 3), (3, 2))]:
        observe_grads(f"size 0: {sa} @ {sb}", Tensor, lambda p, q: p @ q, rng.standard_normal(sa), rng.standard_normal(sb))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_matmul_grad()

# %% [markdown]
# **Reductions.** Every element that went into a sum receives the sum's gradient: d_x is grad broadcast back to
# x's shape. With `keepdims=False` the reduced axes are missing from grad, and broadcasting would align the
# remaining ones wrongly (a (4,) gradient of a sum over axis 1 of (4, 3) lines up with axis 1, not axis 0). Put the
# axes back first, `np.expand_dims(grad, axes)`, then `np.broadcast_to(..., x.shape)`. `_axes(axis, ndim)` (given)
# turns None, an int or a tuple into a sorted tuple of non-negative axes.
#
# The mean is the sum divided by the number of elements reduced. The max sends the gradient to the positions
# that hold the maximum; where several tie, it is split evenly among them (as `torch.amax` does):
# mask = (x == max, with the axes kept), d_x = mask * grad / (number of maxima in the slice).
#
# **Task: `reduce_sum`, `reduce_mean`, `reduce_max`.**

# %% nbgrader={"grade": false, "grade_id": "reduction-grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _axes(axis, ndim: int) -> tuple:
    """None -> every axis; an int or a tuple -> a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim for a in axis)) if ndim else ()


def reduce_sum(x: TensorLike, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Sum over `axis`; gradient: grad broadcast back to x's shape."""
    axis, keepdims = plain._reduce_args(x, axis, keepdims, dim, keepdim)  # dim=/keepdim= too; a 0-d x: axis None
    out = plain.reduce_sum(x, axis, keepdims).data
    ### BEGIN SOLUTION
    shape = np.shape(array_of(x))
    axes = _axes(axis, len(shape))

    def backward(grad):
        if not keepdims:
            grad = np.expand_dims(grad, axes)
        return (np.broadcast_to(grad, shape),)

    return record_op("sum", out, (x,), backward)
    ### END SOLUTION


def reduce_mean(x: TensorLike, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Mean over `axis`; gradient: grad / (number of elements reduced), broadcast back."""
    axis, keepdims = plain._reduce_args(x, axis, keepdims, dim, keepdim)  # dim=/keepdim= too; a 0-d x: axis None
    out = plain.reduce_mean(x, axis, keepdims).data
    ### BEGIN SOLUTION
    shape = np.shape(array_of(x))
    axes = _axes(axis, len(shape))
    count = int(np.prod([shape[i] for i in axes]))

    def backward(grad):
        if not keepdims:
            grad = np.expand_dims(grad, axes)
        return (np.broadcast_to(grad / count, shape),)

    return record_op("mean", out, (x,), backward)
    ### END SOLUTION


def reduce_max(x: TensorLike, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Max over `axis`; gradient: grad at the maximal elements, split evenly between ties."""
    axis, keepdims = plain._reduce_args(x, axis, keepdims, dim, keepdim)  # dim=/keepdim= too; a 0-d x: axis None
    out = plain.reduce_max(x, axis, keepdims).data
    ### BEGIN SOLUTION
    data = array_of(x)
    axes = _axes(axis, data.ndim)

    def backward(grad):
        top = out if keepdims else np.expand_dims(out, axes)
        grad = grad if keepdims else np.expand_dims(grad, axes)
        mask = data == top
        count = mask.sum(axis=axes, keepdims=True, dtype=grad.dtype)
        return (mask * (grad / count),)

    return record_op("max", out, (x,), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-reduction-grads", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_reduction_grads():
    """sum and mean send grad back to every element they reduced (mean divides by their count); the reduced axes go
    back into grad before it is broadcast."""
    rng = np.random.default_rng(8002)
    X = rng.standard_normal((2, 3, 4))
    for axis, keepdims in [(None, False), (1, False), (-1, True), ((0, 2), False), ((0, 1, 2), True)]:
        g = rng.standard_normal(np.sum(X, axis=axis, keepdims=keepdims).shape)
        back = np.broadcast_to(g if keepdims else np.expand_dims(g, tuple(range(3)) if axis is None else axis), X.shape)
        for name, want in [("sum", back), ("mean", back * g.size / X.size)]:
            out, (got,) = backward_of(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), g, X)
            assert out.requires_grad and out.shape == g.shape and agrees(got, want), \
                f"{name}(axis={axis}, keepdims={keepdims}): expected gradient {want}, got {got}"
    _, (rows,) = backward_of(lambda x: reduce_sum(x, axis=1), np.array([1.0, 2.0, 3.0, 4.0]), np.ones((4, 3)))
    assert agrees(rows, [[1.0] * 3, [2.0] * 3, [3.0] * 3, [4.0] * 3]), f"sum over axis 1 of (4, 3): put the axis back first; got {rows}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8005)
    for c in range(8):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=nd))
        kk = int(rng.integers(1, nd + 1))
        axes = tuple(int(a) for a in rng.choice(nd, size=kk, replace=False))
        axis = None if rng.random() < 0.2 else (axes[0] - nd if kk == 1 else axes)
        keep = bool(rng.random() < 0.5)
        arr = rng.standard_normal(shape)
        observe_grads(f"case {c}: sum {shape} {axis} {keep}", Tensor, lambda a: reduce_sum(a, axis, keep), arr)
        observe_grads(f"case {c}: mean {shape} {axis} {keep}", Tensor, lambda a: reduce_mean(a, axis, keep), arr)
    s0 = Tensor(3.0, dtype=np.float64, requires_grad=True)
    s0.sum().backward()
    observe("sum of a 0-d tensor: gradient", s0.grad.data)
    f32 = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    f32.mean().backward()
    observe("float32 mean: gradient dtype", str(f32.grad.dtype))
    observe("float32 mean: gradient value", f32.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_reduction_grads()

# %% nbgrader={"grade": true, "grade_id": "test-reduction-grads-max", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_reduction_grads_max():
    """max sends grad to the elements that hold the maximum; tied maxima share it evenly (as torch.amax)."""
    cases = [  # (x, the reduction, seed, expected gradient)
        ([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]], lambda m: m.max(axis=1), np.array([1.0, 3.0, 2.0]),
         [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]),
        ([[4.0, 1.0], [4.0, 4.0]], lambda m: m.max(), None, [[1 / 3, 0.0], [1 / 3, 1 / 3]]),  # the maximum 4, three times
        ([[1.0, 7.0], [9.0, 2.0]], lambda m: reduce_max(m, axis=0, keepdims=True), np.array([[1.0, 2.0]]), [[0.0, 2.0], [1.0, 0.0]]),
    ]
    for x, reduce, seed, want in cases:
        _, (got,) = backward_of(reduce, seed, x)
        assert agrees(got, want), f"the maxima of {x} with seed {seed}: expected gradient {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8007)
    for c in range(8):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=nd))
        kk = int(rng.integers(1, nd + 1))
        axes = tuple(int(a) for a in rng.choice(nd, size=kk, replace=False))
        axis = None if rng.random() < 0.2 else (axes[0] - nd if kk == 1 else axes)
        keep = bool(rng.random() < 0.5)
        # distinct values (no ties for max)
        arr = rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.1 + rng.standard_normal(shape) * 0.01
        observe_grads(f"case {c}: max {shape} {axis} {keep}", Tensor, lambda a: reduce_max(a, axis, keep), arr)
    observe_grads("normalize", Tensor, lambda a: a - a.mean(axis=1, keepdims=True) / a.max(), rng.uniform(0.5, 2.0, (3, 4)))
    ties = Tensor(np.array([[2.0, 2.0], [2.0, 2.0]]), dtype=np.float64, requires_grad=True)
    ties.max(axis=(0, 1)).backward()
    observe("four tied maxima share the gradient", ties.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_reduction_grads_max()

# %% [markdown]
# ## 9. Backward rules: reshape, transpose, indexing
#
# These move elements without changing them, so each gradient is grad moved back: `reshape` reshapes it to x's
# shape, `transpose(x, dim0, dim1)` swaps the same two axes again, and `permute(x, *dims)` (also the `T` property, all
# axes reversed) applies the inverse order, `np.argsort(dims)`.
#
# Indexing copies selected elements into the result; the gradient scatters grad back into zeros of x's shape. An
# integer index may pick one element several times, `x[[0, 0, 2]]`, and then each pick contributes: use
# `np.add.at(zeros, index, grad)`, which adds for repeated indices, where `zeros[index] += grad` would keep only one.
#
# **Task: `reshape`, `transpose`, `permute`, `getitem`.**

# %% nbgrader={"grade": false, "grade_id": "shape-grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def reshape(x: TensorLike, *shape: int) -> Tensor:
    """Same elements in a new shape (one size may be -1); gradient: grad reshaped to x's shape."""
    out = plain.reshape(x, *shape).data
    ### BEGIN SOLUTION
    original = np.shape(array_of(x))
    return record_op("reshape", out, (x,), lambda grad: (grad.reshape(original),))
    ### END SOLUTION


def transpose(x: TensorLike, dim0: int, dim1: int) -> Tensor:
    """Swap axes dim0 and dim1; gradient: grad with the same axes swapped back."""
    out = plain.transpose(x, dim0, dim1).data
    ### BEGIN SOLUTION
    return record_op("transpose", out, (x,), lambda grad: (np.swapaxes(grad, dim0, dim1),))
    ### END SOLUTION


def permute(x: TensorLike, *dims: int) -> Tensor:
    """Axes reordered (Tensor.permute, and Tensor.T with all axes reversed); gradient: grad with the inverse
    order, np.argsort(dims), which puts each axis back where it came from."""
    out = plain.permute(x, *dims).data
    ### BEGIN SOLUTION
    order = np.argsort([d % out.ndim for d in plain._shape_arg(dims)]) if out.ndim else ()
    return record_op("permute", out, (x,), lambda grad: (np.transpose(grad, order),))
    ### END SOLUTION


def to_dtype(x: TensorLike, dtype) -> Tensor:
    """x converted to `dtype` (Tensor.to, .float(), .double()); gradient: grad converted back to x's dtype (the
    engine does that), none into an integer result, which cannot carry one."""
    out = plain.to_dtype(x, dtype).data
    if not np.issubdtype(out.dtype, np.floating):
        return Tensor._from_array(out)
    return record_op("to", out, (x,), lambda grad: (grad,))


def _plain_index(index):
    """Tensors inside an index become their arrays, as module 01's indexing does."""
    if isinstance(index, plain.Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, plain.Tensor) else i for i in index)
    return index


def getitem(x: Tensor, index) -> Tensor:
    """x[index] with NumPy indexing; gradient: grad added back into zeros at the indexed places."""
    index = _plain_index(index)
    out = plain.Tensor.__getitem__(x, index).data
    ### BEGIN SOLUTION
    shape = x.data.shape
    parts = index if isinstance(index, tuple) else (index,)
    # ints, slices, None, Ellipsis and boolean masks pick each element at most once
    once = all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               or (isinstance(p, np.ndarray) and p.dtype == np.bool_) for p in parts)

    def backward(grad):
        full = np.zeros(shape, dtype=grad.dtype)
        if once:
            full[index] = grad  # faster than np.add.at when nothing repeats
        else:
            np.add.at(full, index, grad)  # repeated integer indices add up
        return (full,)

    return record_op("getitem", out, (x,), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-shape-grads", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_shape_grads():
    """reshape, transpose and T only move elements: the gradient is grad moved back; x.T is a new array."""
    X = np.random.default_rng(8003).standard_normal((2, 3, 4))
    cases = [("reshape(4, -1)", lambda x: x.reshape(4, -1), (4, 6), lambda g: g.reshape(2, 3, 4)),
             ("transpose(0, 2)", lambda x: x.transpose(0, 2), (4, 3, 2), lambda g: np.swapaxes(g, 0, 2)),
             ("transpose(-1, -2)", lambda x: transpose(x, -1, -2), (2, 4, 3), lambda g: np.swapaxes(g, -1, -2)),
             ("T, all axes reversed", lambda x: x.T, (4, 3, 2), np.transpose)]
    for name, move, shape, back in cases:
        g = np.arange(24.0).reshape(shape)  # distinct values: a misplaced one shows
        out, (got,) = backward_of(move, g, X)
        assert isinstance(out, Tensor) and out.requires_grad and out.shape == shape and agrees(got, back(g)), \
            f"{name}: a {shape} Tensor that requires grad, with gradient {back(g)}; got {out!r} and {got}"
    x = Tensor(X, dtype=np.float64, requires_grad=True)
    x.T.data[0, 0, 0] = 99.0
    assert x.data[0, 0, 0] != 99.0, "x.T must be a new array, not a view of x"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8006)
    A = rng.standard_normal((3, 4))
    observe_grads("reshape", Tensor, lambda a: a.reshape(2, 6) * a.reshape(2, 6), A)
    observe_grads("reshape tuple", Tensor, lambda a: reshape(a, (4, 3)).T, A)
    observe_grads("T 1-D", Tensor, lambda a: a.T * 2.0, rng.standard_normal(5))
    observe_grads("T 2-D", Tensor, lambda a: a.T @ a, A)
    observe_grads("transpose 3-D", Tensor, lambda a: a.transpose(1, 2) * 3.0, rng.standard_normal((2, 3, 4)))
    observe_grads("permute 3-D", Tensor, lambda a: a.permute(2, 0, 1) * 3.0, rng.standard_normal((2, 3, 4)))
    f32 = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    f32.T.backward(np.ones((3, 2), dtype=np.float32))
    observe("float32 T: gradient dtype and value", (str(f32.grad.dtype), f32.grad.data))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_grads()

# %% nbgrader={"grade": true, "grade_id": "test-shape-grads-index", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_shape_grads_index():
    """x[index] sends grad back into zeros at the indexed places; an element picked twice gets both contributions."""
    m = np.arange(12.0).reshape(3, 4)
    cases = [  # (x, index, seed, expected gradient)
        (np.arange(1.0, 5.0), [0, 0, 2], np.array([1.0, 10.0, 100.0]), [11.0, 0.0, 100.0, 0.0]),  # index 0 twice: 1 + 10
        (m, np.s_[1:, ::2], np.ones((2, 2)), [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]]),
        (m, (np.array([0, 2, 0]), np.array([1, 1, 1])), np.array([1.0, 2.0, 3.0]), [[0, 4, 0, 0], [0, 0, 0, 0], [0, 2, 0, 0]]),
        (m, 1, np.ones(4), [[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]]),
        (m, Tensor([2, 2]), np.ones((2, 4)), [[0, 0, 0, 0], [0, 0, 0, 0], [2, 2, 2, 2]]),  # a Tensor index: row 2 twice
    ]
    for x, index, seed, want in cases:
        _, (got,) = backward_of(lambda t: t[index], seed, x)
        assert agrees(got, want), f"x[{index!r}] of a {np.shape(x)} x with seed {seed.tolist()}: expected gradient {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8008)
    A = rng.standard_normal((3, 4))
    observe_grads("slices", Tensor, lambda a: a[:, 1:3] * a[:, ::-1][:, :2], A)
    observe_grads("negative index", Tensor, lambda a: a[-1] * a[0], A)
    observe_grads("None and Ellipsis", Tensor, lambda a: a[None, ..., 1], A)
    mask = A > 0
    mask[0, 0] = True
    observe_grads("mask", Tensor, lambda a: a[mask] * 2.0, A)
    observe_grads("repeats", Tensor, lambda a: a[[2, 0, 2, 2]], A)
    observe_grads("pairs", Tensor, lambda a: a[np.arange(3), np.array([1, 1, 3])] * a[np.array([0, 0]), np.array([1, 1])].sum(), A)
    observe_grads("mixed", Tensor, lambda a: a[[0, 0], 1:3], A)
    observe_grads("0-d from pair", Tensor, lambda a: a[1, 2] * a, A)
    w32 = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w32[[1, 1]].backward(np.ones((2, 3), dtype=np.float32))
    observe("float32 getitem: gradient dtype", str(w32.grad.dtype))
    observe("float32 getitem: gradient value", w32.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_grads_index()

# %% [markdown]
# ## 10. The engine against your hand derivation
#
# Section 1's network once more, now as Tensor arithmetic: the forward pass is ordinary code and `backward()`
# does the rest. ReLU comes in module 03, so here it is the product with a constant mask, z * (z > 0), which has
# the same value and the same gradient; the mask is an array, a constant, so it gets no gradient. The next test
# compares `W.grad` and `b.grad` with your `hand_backprop`.

# %% nbgrader={"grade": true, "grade_id": "test-hand-backprop-vs-engine", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_hand_vs_engine():
    """The engine's dL/dW and dL/db for affine -> ReLU -> squared loss equal hand_backprop's."""
    def engine(x, W, b, t):
        W, b = Tensor(W, dtype=np.float64, requires_grad=True), Tensor(b, dtype=np.float64, requires_grad=True)
        z = Tensor(x, dtype=np.float64) @ W + b
        loss = ((z * (z.data > 0) - t) ** 2).mean()  # ReLU as a product with a constant mask
        assert loss.shape == () and loss.requires_grad, "the loss must be a 0-d Tensor that requires grad"
        loss.backward()
        return W.grad.data, b.grad.data

    x, W = np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[0.5, -1.0], [1.0, 0.25]])
    b, t = np.array([0.0, 0.5]), np.array([[1.0, 1.0], [0.0, 1.0]])
    (dW, db), (hand_dW, hand_db) = engine(x, W, b, t), hand_backprop(x, W, b, t)
    assert np.allclose(dW, hand_dW) and np.allclose(db, hand_db), f"engine gives dW = {dW}, db = {db}; by hand {hand_dW}, {hand_db}"
    assert np.allclose(dW, [[0.5, -0.375], [1.75, 0.375]]) and np.allclose(db, [1.0, 0.375]), "both disagree with the known values"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9001)
    for i in range(5):
        n, d, k = (int(s) for s in rng.integers(1, 7, size=3))
        x, W, b, t = (rng.standard_normal(s) for s in [(n, d), (d, k), (k,), (n, k)])
        dW, db = engine(x, W, b, t)
        observe(f"case {i} (n, d, k = {n}, {d}, {k}): engine dW", dW, atol=1e-10)
        observe(f"case {i}: engine db", db, atol=1e-10)
        hand_dW, hand_db = hand_backprop(x, W, b, t)
        observe(f"case {i}: hand_backprop dW", np.asarray(hand_dW), atol=1e-10)
        observe(f"case {i}: hand_backprop db", np.asarray(hand_db), atol=1e-10)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_hand_vs_engine()

# %% [markdown]
# ## 11. Backward rules: selection, clamping, abs, sqrt
#
# Comparisons and `argmax`/`argmin` (given below) give bool or integer tensors: no gradient flows through them,
# so they build no graph. What they select does carry gradients:
#
# | op | forward | gradients |
# |---|---|---|
# | `where(c, a, b)` | a where c, else b | grad where c, else 0; grad where not c, else 0; none for c |
# | `maximum(a, b)` | larger of a, b | grad where a > b; grad where b > a; grad / 2 to each where a == b |
# | `minimum(a, b)` | smaller of a, b | as maximum, with < |
# | `clamp(x, lo, hi)` | min(max(x, lo), hi) | grad where lo <= x <= hi, else 0; a tensor bound gets grad where it was chosen |
# | `absolute(x)` | abs(x) | grad * sign(x), 0 at x = 0 |
# | `sqrt(x)` | sqrt(x) | grad / (2 * out) |
#
# Rule for kinks: where a function has no derivative (abs at 0, clamp at a bound, a tie of maximum) any value
# between the one-sided slopes is a valid subgradient; these are PyTorch's choices, so gradients match it.
# Clamp passes the gradient at the bound itself: `clamp(x, 0, 1)` at x = 1 has gradient 1.
#
# Pitfall: `np.where(c, grad, 0)` has the output's shape; the engine then reduces it to each operand's shape, so
# a scalar `b` or a bound (4,) against (3, 4) needs no care in the rule.
#
# **Task: `where`, `maximum`, `minimum`, `clamp`, `absolute`, `sqrt`.**

# %% nbgrader={"grade": false, "grade_id": "select-grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _no_graph(result: plain.Tensor) -> Tensor:
    """A module-01 result as this module's Tensor outside any graph: masks and indices carry no gradient."""
    return Tensor._from_array(result.data)


def eq(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.eq(a, b))


def ne(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.ne(a, b))


def lt(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.lt(a, b))


def le(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.le(a, b))


def gt(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.gt(a, b))


def ge(a: TensorLike, b: TensorLike) -> Tensor:
    return _no_graph(plain.ge(a, b))


def argmax(x: TensorLike, dim=None, keepdim: bool = False) -> Tensor:
    return _no_graph(plain.argmax(x, dim, keepdim))


def argmin(x: TensorLike, dim=None, keepdim: bool = False) -> Tensor:
    return _no_graph(plain.argmin(x, dim, keepdim))


def where(condition: TensorLike, a: TensorLike, b: TensorLike) -> Tensor:
    """a where condition, else b; gradients: grad to the side chosen, 0 to the other, none to condition."""
    out = plain.where(condition, a, b).data
    ### BEGIN SOLUTION
    c = np.asarray(array_of(condition), dtype=bool)
    return record_op("where", out, (condition, a, b),
                     lambda grad: (None, np.where(c, grad, 0), np.where(c, 0, grad)))
    ### END SOLUTION


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise larger; gradients: grad to the larger operand, half to each on a tie."""
    out = plain.maximum(a, b).data
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)

    def backward(grad):
        tie = 0.5 * (x == y)
        return grad * ((x > y) + tie), grad * ((y > x) + tie)

    return record_op("maximum", out, (a, b), backward)
    ### END SOLUTION


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """Elementwise smaller; gradients: grad to the smaller operand, half to each on a tie."""
    out = plain.minimum(a, b).data
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)

    def backward(grad):
        tie = 0.5 * (x == y)
        return grad * ((x < y) + tie), grad * ((y < x) + tie)

    return record_op("minimum", out, (a, b), backward)
    ### END SOLUTION


def clamp(x: TensorLike, min: TensorLike | None = None, max: TensorLike | None = None) -> Tensor:
    """min(max(x, min), max); gradient: grad where min <= x <= max (bounds included), else to the bound chosen."""
    out = plain.clamp(x, min, max).data
    ### BEGIN SOLUTION
    data = array_of(x)
    lo = -np.inf if min is None else array_of(min)
    hi = np.inf if max is None else array_of(max)

    def backward(grad):
        inside = (data >= lo) & (data <= hi)
        to_hi = ~inside & ((data > hi) | (lo > hi))  # with lo > hi every element is hi
        to_lo = ~inside & ~to_hi
        return grad * inside, grad * to_lo, grad * to_hi

    return record_op("clamp", out, (x, min, max), backward)
    ### END SOLUTION


def absolute(x: TensorLike) -> Tensor:
    """|x|; gradient: grad * sign(x), 0 at 0."""
    out = plain.absolute(x).data
    ### BEGIN SOLUTION
    data = array_of(x)
    return record_op("abs", out, (x,), lambda grad: (grad * np.sign(data),))
    ### END SOLUTION


def sqrt(x: TensorLike) -> Tensor:
    """Square root; gradient: grad / (2 * out)."""
    out = plain.sqrt(x).data
    ### BEGIN SOLUTION
    return record_op("sqrt", out, (x,), lambda grad: (grad / (2 * out),))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-select-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_select_grads():
    """Each rule passes gradcheck away from kinks; at kinks: ties split, clamp passes at its bounds, abs'(0) = 0."""
    rng = np.random.default_rng(1101)
    A, B, mask = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (4,)), rng.random((3, 4)) < 0.5
    for fn in [lambda a, b: where(mask, a, b), maximum, minimum, lambda a, b: clamp(a, 0.8, b),
               lambda a, b: absolute(a - 1.25) * b, lambda a, b: sqrt(a) + b.sqrt()]:
        gradcheck(fn, [Tensor(A, dtype=np.float64, requires_grad=True), Tensor(B, dtype=np.float64, requires_grad=True)])
    x = Tensor([0.0, 1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    assert (x > 1).requires_grad is False and (x > 1).dtype == np.bool_, "a comparison is a bool tensor without gradient"
    kinks = [("clamp(x, 1, 2) passes grad at both bounds", lambda x: clamp(x, 1.0, 2.0), [[0.0, 1.0, 2.0, 3.0]], [[0.0, 1.0, 1.0, 0.0]]),
             ("abs: sign(x), 0 at 0", absolute, [[-1.0, 0.0, 2.0]], [[-1.0, 0.0, 1.0]]),
             ("maximum: a tie splits grad", maximum, [[1.0, 2.0], [1.0, 5.0]], [[0.5, 0.0], [0.5, 1.0]])]
    for what, fn, arrays, want in kinks:
        got = backward_of(fn, np.ones(len(arrays[0])), *arrays)[1]
        assert all(g is not None and np.array_equal(g, w) for g, w in zip(got, want)), f"{what}: expected gradients {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1102)
    P = rng.integers(-2, 3, size=(3, 4)).astype(np.float64)  # small integers: ties and kinks happen
    Q = rng.integers(-2, 3, size=(4,)).astype(np.float64)
    cond = rng.random((3, 1)) < 0.5
    observe_grads("where, broadcast condition", Tensor, lambda a, b: where(cond, a, b), P, Q)
    observe_grads("maximum with ties", Tensor, maximum, P, Q)
    observe_grads("minimum with ties", Tensor, minimum, P, Q)
    observe_grads("maximum with a number", Tensor, lambda a: maximum(a, 0.0), P)
    observe_grads("clamp(-1, 1) with values on the bounds", Tensor, lambda a: clamp(a, -1.0, 1.0), P)
    observe_grads("clamp(min=0)", Tensor, lambda a: a.clamp(min=0.0), P)
    observe_grads("clamp with tensor bounds", Tensor, lambda a, lo, hi: clamp(a, lo, hi), P, Q - 1.0, Q + 0.5)
    observe_grads("clamp with min > max", Tensor, lambda a, lo: clamp(a, lo, -5.0), P, Q)
    observe_grads("abs with zeros", Tensor, lambda a: absolute(a), P)
    observe_grads("sqrt", Tensor, lambda a: sqrt(a), rng.uniform(0.2, 3.0, (2, 3)))
    observe_grads("mixed", Tensor, lambda a, b: sqrt(maximum(a, b) ** 2 + 1.0) * absolute(b), P, Q + 0.5)
    f32 = Tensor(rng.uniform(0.5, 2.0, 3), requires_grad=True)
    sqrt(f32).backward(np.ones(3, dtype=np.float32))
    observe("float32 sqrt: gradient dtype", str(f32.grad.dtype))
    t = Tensor(P, dtype=np.float64, requires_grad=True)
    observe("comparisons and argmax: requires_grad, dtypes",
            [(t == 0).requires_grad, str((t <= 1).dtype), argmax(t, 1).requires_grad, str(t.argmin().dtype)])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_select_grads()

# %% [markdown]
# ## 12. Backward rules: more shapes, joins, min and max along a dim
#
# `squeeze`, `unsqueeze`, `view` and `flatten` keep every element and only change the shape: the gradient is grad
# reshaped to x's shape, as for `reshape`. `cat(tensors, dim)` placed each input in a slab of the result: its
# gradient is that slab of grad, `np.split(grad, np.cumsum(sizes)[:-1], axis=dim)`. `stack` put input i at index
# i of the new axis: its gradient is `np.take(grad, i, axis=dim)`.
#
# `reduce_min(x)` is `-reduce_max(-x)`: composed of rules you have, so its gradient needs no new rule (ties
# split evenly, as `torch.amin`). `max_dim(x, dim)` is different:
# it returns indices, and PyTorch sends the whole gradient to the one element each index names, even on a tie.
# Scatter it there: `np.put_along_axis(zeros, indices, grad, axis=dim)`, with the reduced axis put back into
# both when `keepdim` is False. The indices carry no gradient.
#
# Pitfall: `dim` may be negative; use `dim % ndim` (a 0-d x has no axis: its gradient is grad itself).
#
# **Task: `squeeze`, `unsqueeze`, `view`, `flatten`, `cat`, `stack`, `reduce_min`, `max_dim`, `min_dim`.**
# `max_of` and `min_of` (given with the class) dispatch `Tensor.max` and `Tensor.min` to these.

# %% nbgrader={"grade": false, "grade_id": "join-grads", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _reshape_back(op: str, x: TensorLike, out: np.ndarray) -> Tensor:
    """Record an operation that only changes the shape: the gradient is grad in x's shape."""
    ### BEGIN SOLUTION
    shape = np.shape(array_of(x))
    return record_op(op, out, (x,), lambda grad: (grad.reshape(shape),))
    ### END SOLUTION


def squeeze(x: TensorLike, dim=None) -> Tensor:
    """x without size-1 axes; gradient: grad reshaped to x's shape."""
    return _reshape_back("squeeze", x, plain.squeeze(x, dim).data)


def unsqueeze(x: TensorLike, dim: int) -> Tensor:
    """x with a new size-1 axis at `dim`; gradient: grad reshaped to x's shape."""
    return _reshape_back("unsqueeze", x, plain.unsqueeze(x, dim).data)


def view(x: TensorLike, *shape: int) -> Tensor:
    """As reshape; gradient: grad reshaped to x's shape."""
    return _reshape_back("view", x, plain.view(x, *shape).data)


def flatten(x: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes start_dim..end_dim merged; gradient: grad reshaped to x's shape."""
    return _reshape_back("flatten", x, plain.flatten(x, start_dim, end_dim).data)


def cat(tensors, dim: int = 0) -> Tensor:
    """The tensors joined along `dim`; gradient of each: its slab of grad."""
    tensors = list(tensors)
    out = plain.cat(tensors, dim).data
    ### BEGIN SOLUTION
    axis = dim % out.ndim
    sizes = [np.shape(array_of(t))[axis] for t in tensors]
    return record_op("cat", out, tuple(tensors),
                     lambda grad: tuple(np.split(grad, np.cumsum(sizes)[:-1], axis=axis)))
    ### END SOLUTION


def stack(tensors, dim: int = 0) -> Tensor:
    """The tensors joined along a new axis `dim`; gradient of input i: grad at index i of that axis."""
    tensors = list(tensors)
    out = plain.stack(tensors, dim).data
    ### BEGIN SOLUTION
    axis = dim % out.ndim
    return record_op("stack", out, tuple(tensors),
                     lambda grad: tuple(np.take(grad, i, axis=axis) for i in range(len(tensors))))
    ### END SOLUTION


def reduce_min(x: TensorLike, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Min over `axis` as -max(-x); its gradient is then max's: grad at the minimal elements, ties split evenly."""
    axis, keepdims = plain._reduce_args(x, axis, keepdims, dim, keepdim)
    ### BEGIN SOLUTION
    return neg(reduce_max(neg(x), axis, keepdims))  # negation is exact: the same values as np.min
    ### END SOLUTION


def _values_at_indices(op: str, x: TensorLike, pair, dim: int, keepdim: bool):
    """(values, indices) where the values' gradient goes to the element each index names, and nowhere else."""
    ### BEGIN SOLUTION
    shape = np.shape(array_of(x))
    indices = pair.indices.data

    def backward(grad):
        if not shape:
            return (grad,)
        axis = dim % len(shape)
        g = grad if keepdim else np.expand_dims(grad, axis)
        at = indices if keepdim else np.expand_dims(indices, axis)
        full = np.zeros(shape, dtype=grad.dtype)
        np.put_along_axis(full, at, g, axis=axis)
        return (full,)

    values = record_op(op, pair.values.data, (x,), backward)
    return plain.ValuesIndices(values, Tensor._from_array(indices))
    ### END SOLUTION


def max_dim(x: TensorLike, dim: int, keepdim: bool = False):
    """(largest values along `dim`, their indices); gradient: grad to the element each index names."""
    return _values_at_indices("max", x, plain.max_dim(x, dim, keepdim), dim, keepdim)


def min_dim(x: TensorLike, dim: int, keepdim: bool = False):
    """(smallest values along `dim`, their indices); gradient: grad to the element each index names."""
    return _values_at_indices("min", x, plain.min_dim(x, dim, keepdim), dim, keepdim)


# %% nbgrader={"grade": true, "grade_id": "test-join-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import observe_grads


def test_join_grads():
    """Shape changes and joins pass gradcheck; max(dim) sends the gradient to its index only, amin splits ties."""
    rng = np.random.default_rng(1201)
    A, B = rng.standard_normal((2, 1, 3)), rng.standard_normal((2, 1, 3))
    for fn in [lambda a, b: a.squeeze(1) * b.squeeze(), lambda a, b: unsqueeze(a, 0) * b, lambda a, b: a.view(3, 2) @ flatten(b, 1),
               lambda a, b: cat([a, b, a], dim=-1), lambda a, b: stack([a, b * 2.0], dim=1), lambda a, b: reduce_min(a * b, dim=2),
               lambda a, b: (a + b).max(2).values, lambda a, b: (a - b).min(dim=0, keepdim=True).values]:
        gradcheck(fn, [Tensor(A, dtype=np.float64, requires_grad=True), Tensor(B, dtype=np.float64, requires_grad=True)])
    x = Tensor([[1.0, 3.0, 3.0]], dtype=np.float64, requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad, "values carry the gradient, indices do not"
    values.backward(np.ones(1))
    assert np.array_equal(x.grad.data, [[0.0, 1.0, 0.0]]), f"max(dim) on a tie: all to index 1, got {x.grad.data}"
    _, (got,) = backward_of(lambda y: y.amin(), None, [[1.0, 1.0, 3.0]])
    assert np.allclose(got, [[0.5, 0.5, 0.0]]), f"amin splits a tie evenly, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1202)
    P = rng.integers(-2, 3, size=(3, 1, 4)).astype(np.float64)  # ties happen
    Q = rng.standard_normal((3, 2, 4))
    observe_grads("squeeze all", Tensor, lambda a: a.squeeze() * 2.0, P)
    observe_grads("squeeze(-2) and unsqueeze(-1)", Tensor, lambda a: squeeze(a, -2).unsqueeze(-1), P)
    observe_grads("view(-1)", Tensor, lambda a: a.view(-1) * a.view(12), P)
    observe_grads("flatten(0, 1)", Tensor, lambda a: a.flatten(0, 1) ** 2, Q)
    observe_grads("cat on dim 1", Tensor, lambda a, b: cat((a, b, a), dim=1), P, Q)
    observe_grads("stack on -1", Tensor, lambda a, b: stack([a, b[:, :1, :]], dim=-1), P, Q)
    for d in (0, 2, -1):
        for keep in (False, True):
            observe_grads(f"max_dim {d} keepdim {keep}", Tensor, lambda a: max_dim(a, d, keep).values, P)
            observe_grads(f"min_dim {d} keepdim {keep}", Tensor, lambda a: min_dim(a, d, keep).values, P)
            observe_grads(f"reduce_min {d} keepdim {keep}", Tensor, lambda a: reduce_min(a, d, keep), P)
    observe_grads("amin of all", Tensor, lambda a: a.amin(), P)
    observe_grads("max(dim) of 0-d", Tensor, lambda a: a.max(0).values * 3.0, np.array(2.0))
    observe("max(dim=2) indices", Tensor(P).max(dim=2).indices.data)
    observe("max(axis=2) is values only", isinstance(Tensor(P).max(axis=2), Tensor))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_join_grads()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: the autograd `Tensor` and the differentiable operations
# replace module 01's under the same names. The table maps each PyTorch-shaped name to this module's object;
# `tito export` collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "Tensor": "Tensor", "no_grad": "no_grad", "is_grad_enabled": "is_grad_enabled", "matmul": "matmul",
    "exp": "exp", "log": "log", "reshape": "reshape", "transpose": "transpose", "permute": "permute",
    "sum": "reduce_sum", "mean": "reduce_mean", "amax": "reduce_max", "autograd.gradcheck": "gradcheck",
    "eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge", "where": "where", "maximum": "maximum",
    "minimum": "minimum", "clamp": "clamp", "abs": "absolute", "sqrt": "sqrt", "amin": "reduce_min",
    "argmax": "argmax", "argmin": "argmin", "max": "max_of", "min": "min_of", "squeeze": "squeeze",
    "unsqueeze": "unsqueeze", "flatten": "flatten", "cat": "cat", "stack": "stack",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** The cell after the `no_grad` tests built a chain of 10 `scale` operations on a
# (500, 500) float64 tensor and measured the memory still held while the result lives. Give both figures. What
# holds the memory in the recorded chain, and why does `no_grad` keep only about one array?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-graph-memory", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures with units: about 20,000,000 B recorded, about 2,000,000 B under no_grad, against
#   x's 2,000,000 B
# - 1 point: recorded, each result keeps its parent in `_parents` (and its rule), so the result holds the
#   whole chain: all 10 intermediate arrays of 2 MB stay alive as long as the result does
# - 1 point: under no_grad record_op returns a plain leaf without parents, so each intermediate is freed when
#   the next one replaces it; only the last result remains. This is why evaluation and parameter updates run
#   under no_grad
# Model answer: x holds 2,000,000 B. With the graph recorded the chain kept 20,010,792 B; under no_grad
# 2,000,240 B. Recorded, every result points to its parent through `_parents`, so the final result keeps the
# nine intermediates and itself alive, ten arrays of 2 MB, for as long as it lives; in a network these are the
# activations backward needs. Under no_grad record_op returns a leaf with no parents, so each intermediate
# loses its last reference when y is reassigned and is freed; only the final array stays.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (4 points).** The cell after the `numerical_grad` tests printed the largest error of the
# central difference at eps from 1e-1 to 1e-10, in float64 and float32. At which eps is each dtype best, and
# about how large is its error there? Explain why the error first falls and then rises as eps shrinks, and why
# float32 at eps = 1e-8 is as wrong as a gradient of 0. Why does `gradcheck` use float64 and eps = 1e-6?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-finite-differences", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: float64 is best near eps = 1e-5 (error about 1e-10), float32 near 1e-2 (about 1e-4)
# - 1 point: for large eps the truncation error of the central difference, proportional to eps^2, dominates
#   (it falls 100 times per factor of 10 in eps, as the table shows)
# - 1 point: for small eps rounding dominates: f is known only to about machine epsilon times |f| (1e-16 in
#   float64, 1e-7 in float32), and dividing that by 2 eps grows as eps shrinks; at 1e-8 float32 cannot even
#   represent x + eps as different from x near 1, so both evaluations are equal and the estimate is 0
# - 1 point: float64 with eps = 1e-6 sits near the float64 minimum, with errors around 1e-9, far below the
#   tolerances of gradcheck; in float32 no eps gives better than about 1e-4
# Model answer: float64 was best at eps = 1e-5 with an error of 1.8e-10; float32 at 1e-2 with 1.8e-04. At
# large eps the error is the truncation error of the central difference, proportional to eps^2: from 1e-1 to
# 1e-4 it fell from 4.5e-3 to 4.5e-9, 100 times per step. At small eps the rounding of f dominates: the two
# values agree to about 1e-16 relative in float64 (1e-7 in float32), and that rounding divided by 2 eps grows
# as eps shrinks, to 1.6e-5 at 1e-10 in float64. In float32 the spacing of numbers near 1 is about 1e-7, so
# x + 1e-8 rounds back to x, both evaluations are equal and the estimate is 0: the error is exp(x) itself,
# 2.7. gradcheck uses float64 at eps = 1e-6, where the error is about 1e-9, well inside its tolerances.
# ### END SOLUTION
