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
# operation from module 01. Each task is a cell containing `# YOUR CODE HERE`; the locked cell after it tests it.
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

# %% nbgrader={"grade": true, "grade_id": "test-hand-stages", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_hand_stages():
    """Each stage returns the gradients of its inputs, with the inputs' shapes, on cases worked out by hand."""
    a = np.array([1.0, -2.0, 3.0])
    b = np.array([0.5, 0.5, 0.5])
    d_f = np.array([1.0, -1.0, 2.0])
    d_a, d_b = add_backward(a, b, d_f)
    assert np.allclose(d_a, [1.0, -1.0, 2.0]) and np.allclose(d_b, [1.0, -1.0, 2.0]), \
        f"f = a + b passes d_f to both inputs: expected [1, -1, 2] twice, got {d_a} and {d_b}"
    got = square_backward(a, d_f)
    assert np.shape(got) == (3,) and np.allclose(got, [2.0, 4.0, 12.0]), \
        f"f = a ** 2 with a = [1, -2, 3] and d_f = [1, -1, 2]: d_a = 2 * a * d_f = [2, 4, 12], got {got}"

    x = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])  # (n, d) = (3, 2)
    W = np.array([[1.0, -1.0, 0.0], [2.0, 0.5, 1.0]])  # (d, k) = (2, 3)
    bias = np.array([0.1, 0.2, 0.3])  # (k,)
    d_y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, -1.0]])  # (n, k)
    d_x, d_W, d_b = affine_backward(x, W, bias, d_y)
    assert np.shape(d_x) == (3, 2), f"d_x must have the shape of x, (3, 2), got {np.shape(d_x)}"
    assert np.shape(d_W) == (2, 3), f"d_W must have the shape of W, (2, 3), got {np.shape(d_W)}"
    assert np.shape(d_b) == (3,), f"d_b must have the shape of b, (3,), got {np.shape(d_b)}"
    assert np.allclose(d_x, [[1.0, 2.0], [-1.0, 0.5], [0.0, 1.5]]), f"d_x is wrong: {d_x}"
    assert np.allclose(d_W, [[4.0, 3.0, -3.0], [3.0, 0.0, -1.0]]), f"d_W is wrong: {d_W}"
    assert np.allclose(d_b, [2.0, 2.0, -1.0]), f"d_b sums d_y over the n rows: expected [2, 2, -1], got {d_b}"

    z = np.array([-1.0, 0.0, 2.0, 3.0])
    got = relu_backward(z, np.array([5.0, 5.0, 5.0, -1.0]))
    assert np.allclose(got, [0.0, 0.0, 5.0, -1.0]), \
        f"ReLU passes d_r only where z > 0 (not at z = 0): expected [0, 0, 5, -1], got {got}"

    got = squared_loss_backward(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    assert np.allclose(got, [1.0, -2.0]), f"L = mean((r - t)**2), r = [1, 2], t = [0, 4]: d_r = [1, -2], got {got}"
    got = squared_loss_backward(np.full((2, 2), 3.0), np.ones((2, 2)))
    assert np.shape(got) == (2, 2) and np.allclose(got, 1.0), \
        f"the mean is over all 4 elements: d_r = 2 * (3 - 1) / 4 = 1 everywhere, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(2001)
    for i in range(4):
        n, d, k = (int(s) for s in rng.integers(1, 5, size=3))
        x, W, bias = rng.standard_normal((n, d)), rng.standard_normal((d, k)), rng.standard_normal(k)
        d_y = rng.standard_normal((n, k))
        grads = affine_backward(x, W, bias, d_y)
        for name, got in zip(("d_x", "d_W", "d_b"), grads):
            observe(f"case {i} (n, d, k = {n}, {d}, {k}): affine_backward {name}", np.asarray(got), rtol=1e-5, atol=1e-6)
        a = rng.standard_normal((n, d))
        b = rng.standard_normal((n, d))
        d_f = rng.standard_normal((n, d))
        got_a, got_b = add_backward(a, b, d_f)
        observe(f"case {i}: add_backward d_a", np.asarray(got_a), rtol=1e-5, atol=1e-6)
        observe(f"case {i}: add_backward d_b", np.asarray(got_b), rtol=1e-5, atol=1e-6)
        observe(f"case {i}: square_backward", np.asarray(square_backward(a, d_f)), rtol=1e-5, atol=1e-6)
        z = rng.standard_normal((n, k))
        z[np.abs(z) < 0.05] = 0.5
        d_r = rng.standard_normal((n, k))
        observe(f"case {i}: relu_backward", np.asarray(relu_backward(z, d_r)), rtol=1e-5, atol=1e-6)
        r, t = rng.standard_normal((n, k)), rng.standard_normal((n, k))
        observe(f"case {i}: squared_loss_backward", np.asarray(squared_loss_backward(r, t)), rtol=1e-5, atol=1e-6)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_hand_stages()

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
    """unbroadcast sums the broadcast axes away and returns exactly the requested shape."""
    g = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    before = g.copy()
    cases = [
        ((2, 3, 4), g),
        ((3, 4), g.sum(axis=0)),
        ((4,), g.sum(axis=(0, 1))),
        ((1, 4), g.sum(axis=(0, 1)).reshape(1, 4)),
        ((3, 1), g.sum(axis=(0, 2)).reshape(3, 1)),
        ((2, 1, 4), g.sum(axis=1, keepdims=True)),
        ((2, 3, 1), g.sum(axis=2, keepdims=True)),
        ((1, 1, 1), g.sum(keepdims=True)),
        ((1,), np.array([g.sum()])),
        ((), np.array(g.sum())),
    ]
    for shape, want in cases:
        got = unbroadcast(g, shape)
        assert isinstance(got, np.ndarray), f"unbroadcast(g, {shape}) must return an ndarray, got {type(got).__name__}"
        assert got.shape == shape, f"unbroadcast of a (2, 3, 4) gradient to {shape} must have shape {shape}, got {got.shape}"
        assert np.allclose(got, want), f"unbroadcast(g, {shape}) should be {want}, got {got}"
    assert np.array_equal(g, before), "unbroadcast must not modify its input"

    # (2, 3) + (3,): the bias gradient sums the rows; a column (3, 1) against (3, 4) sums along each row
    d_out = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    assert np.allclose(unbroadcast(d_out, (3,)), [11.0, 22.0, 33.0]), "unbroadcast((2, 3) -> (3,)) sums axis 0"
    col = unbroadcast(np.ones((3, 4)), (3, 1))
    assert col.shape == (3, 1) and np.allclose(col, 4.0), f"unbroadcast((3, 4) -> (3, 1)) should be 4 in each row, got {col}"
    ro = np.broadcast_to(np.arange(3.0), (5, 3))  # a read-only broadcast view works too
    assert np.allclose(unbroadcast(ro, (1, 3)), [[0.0, 5.0, 10.0]]), "unbroadcast of a broadcast view is wrong"

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

# %% nbgrader={"grade": true, "grade_id": "test-topological-order", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import sys

import numpy as np
from tito.check import observe


def test_topological_order():
    """Each tensor with requires_grad appears once, after all its parents; the root is last; no recursion."""
    def op(name, *parents):
        data = sum(p.data if isinstance(p, Tensor) else p for p in parents)
        return record_op(name, data, parents, lambda g: tuple(g for _ in parents))

    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    c = Tensor([5.0, 6.0])  # no requires_grad: not part of the backward graph
    y = op("y", x, w)
    u = op("u", y, 2.0)
    v = op("v", y, u, c)
    root = op("root", v, y)
    order = topological_order(root)
    assert isinstance(order, list), f"topological_order must return a list, got {type(order).__name__}"
    names = {id(x): "x", id(w): "w", id(c): "c", id(y): "y", id(u): "u", id(v): "v", id(root): "root"}
    got = [names.get(id(t), "?") for t in order]
    assert sorted(got) == sorted(["x", "w", "y", "u", "v", "root"]), \
        f"expected x, w, y, u, v, root once each (and not the constant c), got {got}"
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        for p in t._parents:
            if p.requires_grad:
                assert position[id(p)] < position[id(t)], f"{names[id(p)]} must come before {names[id(t)]}: {got}"
    assert order[-1] is root, f"the root must come last, got {got}"
    assert [id(t) for t in topological_order(x)] == [id(x)], "the order of a leaf is just [leaf]"

    # no recursion: the depth of nested Python calls must not grow with the graph
    top = Tensor([1.0], requires_grad=True)
    for _ in range(3000):
        top = op("step", top)
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
        order = topological_order(top)
    finally:
        sys.setprofile(previous)
    assert len(order) == 3001, f"a chain of 3000 operations on one leaf has 3001 tensors, got {len(order)}"
    assert depth[1] < 50, f"topological_order nested {depth[1]} Python calls on a chain of 3000: use a stack, not recursion"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4001)
    for g in range(5):
        nodes = [Tensor(rng.standard_normal(2), requires_grad=bool(rng.random() < 0.8)) for _ in range(4)]
        for k in range(30):
            picks = rng.choice(len(nodes), size=int(rng.integers(1, 4)))
            nodes.append(op(f"n{k}", *[nodes[int(i)] for i in picks]))
        root = op("root", *nodes[-5:])
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
    limit = sys.getrecursionlimit()
    top = Tensor([1.0], requires_grad=True)
    for _ in range(20000):
        top = op("step", top)
    sys.setrecursionlimit(1000)
    try:
        length = len(topological_order(top))
    except RecursionError:
        length = "RecursionError: use an explicit stack"
    finally:
        sys.setrecursionlimit(limit)
    observe("chain of 20000 operations: length of the order", length)
    empty = topological_order(Tensor([1.0]))
    observe("tensor without requires_grad: a list, its length", (isinstance(empty, list), len(empty)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_topological_order()

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

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_backward_engine():
    """Each rule runs once with the sum of its consumers' gradients; broadcast gradients are reduced; the seed rule."""
    calls, received = {}, {}

    def op(name, out, parents, rule):
        def backward(g):
            calls[name] = calls.get(name, 0) + 1
            received[name] = np.array(g)
            return rule(g)
        return record_op(name, out, parents, backward)

    # a diamond: y = x^2 is used by a = 3y and by z = y + a, so loss = sum(4 x^2) and d loss/dx = 8x
    xv = np.array([1.5, -2.0, 0.5])
    x = Tensor(xv, dtype=np.float64, requires_grad=True)
    y = op("y", xv * xv, (x,), lambda g: (2 * xv * g,))
    a = op("a", y.data * 3.0, (y, 3.0), lambda g: (3.0 * g, None))  # 3.0 is a constant parent
    z = op("z", y.data + a.data, (y, a), lambda g: (g, g))
    loss = op("loss", z.data.sum(), (z,), lambda g: (np.full(z.shape, g),))
    loss.backward()
    assert x.grad is not None, "x requires grad, so backward must set x.grad"
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad is False, "x.grad must be a Tensor with requires_grad False"
    assert x.grad.shape == (3,) and x.grad.dtype == np.float64, f"x.grad must have x's shape and dtype, got {x.grad.shape} {x.grad.dtype}"
    assert np.allclose(x.grad.data, 8 * xv), \
        f"loss = sum(4 x^2) has gradient 8x = {8 * xv}, got {x.grad.data}: y's rule must run once, with the sum of both contributions"
    assert calls == {"loss": 1, "z": 1, "a": 1, "y": 1}, f"each rule must run exactly once, got {calls}"
    assert np.allclose(received["y"], 4.0), f"y's rule must receive 1 + 3 = 4 from its two consumers, got {received['y']}"
    for t, name in [(y, "y"), (a, "a"), (z, "z"), (loss, "loss")]:
        assert t.grad is None, f"only leaves get .grad, but the intermediate {name} has one"

    # a ladder t_{i+1} = t_i + t_i: 2^40 paths lead from the top to v, but each rule must run once
    v = Tensor([1.0], dtype=np.float64, requires_grad=True)
    top = v
    for i in range(40):
        top = op(f"step{i}", top.data + top.data, (top, top), lambda g: (g, g))
    top.backward()
    assert v.grad.data[0] == 2.0 ** 40, f"the ladder's gradient is 2^40, got {v.grad.data[0]}"
    assert all(calls[f"step{i}"] == 1 for i in range(40)), "each step of the ladder must run once"

    # the engine reduces broadcast gradients with unbroadcast: (3, 1) + (1, 4) -> (3, 4)
    p = Tensor([[1.0], [2.0], [3.0]], dtype=np.float64, requires_grad=True)
    q = Tensor([[10.0, 20.0, 30.0, 40.0]], dtype=np.float64, requires_grad=True)
    s = op("s", p.data + q.data, (p, q), lambda g: (g, g))  # the rule returns gradients of the output's shape
    seed = np.arange(12.0).reshape(3, 4)
    s.backward(seed)
    assert p.grad.shape == (3, 1) and np.allclose(p.grad.data, seed.sum(axis=1, keepdims=True)), \
        f"p (3, 1) must get the row sums of the seed, got {p.grad.data}"
    assert q.grad.shape == (1, 4) and np.allclose(q.grad.data, seed.sum(axis=0, keepdims=True)), \
        f"q (1, 4) must get the column sums of the seed, got {q.grad.data}"

    # the seed rule
    m_in = Tensor(np.ones((2, 2)), dtype=np.float64, requires_grad=True)
    m = op("m", m_in.data * 2.0, (m_in,), lambda g: (2.0 * g,))
    try:
        m.backward()
    except ValueError as e:
        assert "(2, 2)" in str(e), f"the error must name the shape (2, 2), got: {e}"
    else:
        raise AssertionError("backward() on a (2, 2) tensor without a gradient must raise ValueError")
    try:
        m.backward(np.ones(3))
    except ValueError:
        pass
    else:
        raise AssertionError("backward(grad) with a grad of the wrong shape must raise ValueError")
    m.backward(np.full((2, 2), 0.5))
    assert np.allclose(m_in.grad.data, 1.0), f"backward(grad) seeds with grad: 2 * 0.5 = 1, got {m_in.grad.data}"
    one = Tensor([[2.0]], dtype=np.float64, requires_grad=True)
    r = op("r", one.data * 5.0, (one,), lambda g: (5.0 * g,))
    r.backward()  # one element: the seed is 1
    assert one.grad.shape == (1, 1) and np.allclose(one.grad.data, 5.0), f"d(5 x)/dx = 5, got {one.grad.data}"

    # rules may return read-only views, or one array for two parents: the engine must never write into them
    xr = Tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    yr = op("yr", xr.data * 1.0, (xr,), lambda g: (g,))
    s1 = op("s1", yr.data.sum(), (yr,), lambda g: (np.broadcast_to(g, (3,)),))  # read-only views
    s2 = op("s2", yr.data.sum(), (yr,), lambda g: (np.broadcast_to(g, (3,)),))
    both = op("both", s1.data + s2.data, (s1, s2), lambda g: (g, g))
    try:
        both.backward()
    except ValueError as e:
        raise AssertionError(f"the engine wrote into a gradient a rule returned ({e}): add with old + new, not +=") from None
    assert np.allclose(xr.grad.data, 2.0), f"yr is used twice: each element gets 1 + 1 = 2, got {xr.grad.data}"

    # gradients take the dtype of the tensor they belong to; tensors without requires_grad get none
    f32 = Tensor([1.0, 2.0], requires_grad=True)
    const = Tensor([3.0, 4.0])
    mid = op("mid", f32.data * 2.0, (f32,), lambda g: (2.0 * g,))
    h = op("h", mid.data * const.data, (mid, const), lambda g: (g * np.float64(3.0), g))  # a float64 gradient
    h.backward(np.ones(2))  # a float64 seed
    assert received["h"].dtype == np.float32, f"the seed must be cast to the root's dtype (float32), got {received['h'].dtype}"
    assert received["mid"].dtype == np.float32, f"a float32 tensor's rule must receive a float32 gradient, got {received['mid'].dtype}"
    assert f32.grad.dtype == np.float32, f"a float32 leaf must get a float32 gradient, got {f32.grad.dtype}"
    assert const.grad is None, "a tensor without requires_grad must not get .grad"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4002)

    def build(leaves, plan, make):
        vals = list(leaves)
        for k, (kind, i, j) in enumerate(plan):
            vals.append(make(f"n{k}", kind, vals[i], vals[j]))
        return vals[-1]

    def make_t(name, kind, u, w):
        if kind == "add":
            return op(name, u.data + w.data, (u, w), lambda g: (g, g))
        if kind == "mul":
            return op(name, u.data * w.data, (u, w), lambda g, u=u, w=w: (g * w.data, g * u.data))
        return op(name, 0.5 * u.data, (u,), lambda g: (0.5 * g,))

    for r in range(4):
        arrays = [rng.uniform(-1.0, 1.0, size=3) for _ in range(3)]
        plan, n = [], 3
        for _ in range(15):
            plan.append((str(rng.choice(["add", "mul", "half"])), int(rng.integers(0, n)), int(rng.integers(0, n))))
            n += 1
        weights = rng.standard_normal(3)
        leaves = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
        calls.clear()
        build(leaves, plan, make_t).backward(weights)
        observe(f"random graph {r}: how often each rule ran", [calls.get(f"n{k}", 0) for k in range(len(plan))])
        for k, leaf in enumerate(leaves):
            got = np.zeros(3) if leaf.grad is None else leaf.grad.data
            observe(f"random graph {r}: gradient of leaf {k}", got, rtol=1e-5, atol=1e-6)
    b = Tensor(np.zeros(3), dtype=np.float64, requires_grad=True)
    xb = Tensor(np.ones((2, 3)), dtype=np.float64, requires_grad=True)
    out = op("bias", xb.data + b.data, (xb, b), lambda g: (g, g))
    out.backward(np.arange(6.0).reshape(2, 3))
    observe("(2, 3) + (3,): the bias gradient", b.grad.data)
    sc = Tensor(2.0, dtype=np.float64, requires_grad=True)
    out = op("scal", sc.data * np.ones((2, 2)), (sc,), lambda g: (g,))
    out.backward(np.ones((2, 2)))
    observe("a 0-d leaf broadcast to (2, 2): its gradient", sc.grad.data)
    t3 = Tensor(np.ones(3), dtype=np.float64, requires_grad=True)
    try:
        op("id", t3.data.copy(), (t3,), lambda g: (g,)).backward()
        named = "no error"
    except ValueError as e:
        named = "(3,)" in str(e)
    observe("backward() on a (3,) tensor: ValueError naming (3,)", named)
    scalar0 = Tensor(3.0, dtype=np.float64, requires_grad=True)
    op("sq", scalar0.data ** 2, (scalar0,), lambda g: (2 * scalar0.data * g,)).backward()
    observe("d(x^2)/dx at 3 for a 0-d tensor", scalar0.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_backward_engine()

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-accumulation", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_grad_accumulation():
    """.grad adds up over backward calls, as in PyTorch; leaves never share a gradient array."""
    def square(t):
        return record_op("square", t.data ** 2, (t,), lambda g: (2 * t.data * g,))

    def total(t):
        return record_op("total", t.data.sum(), (t,), lambda g: (np.full(t.shape, g),))

    x = Tensor([1.0, -3.0], dtype=np.float64, requires_grad=True)
    loss = total(square(x))
    loss.backward(retain_graph=True)
    assert np.allclose(x.grad.data, [2.0, -6.0]), f"d sum(x^2)/dx = 2x = [2, -6], got {x.grad.data}"
    loss.backward()  # the same graph a second time, kept by retain_graph=True
    assert np.allclose(x.grad.data, [4.0, -12.0]), f"a second backward must add to .grad, not replace it: got {x.grad.data}"
    total(x).backward()  # a new forward pass: d sum(x)/dx = 1
    assert np.allclose(x.grad.data, [5.0, -11.0]), f"gradients of different passes must add up, got {x.grad.data}"
    x.grad = None
    total(x).backward()
    assert np.allclose(x.grad.data, [1.0, 1.0]), f"after x.grad = None backward starts from zero, got {x.grad.data}"

    # the rule hands the same array to both leaves; their .grad arrays must still be separate
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    summed = total(record_op("plus", a.data + b.data, (a, b), lambda g: (g, g)))
    summed.backward(retain_graph=True)
    summed.backward()
    assert np.allclose(a.grad.data, 2.0) and np.allclose(b.grad.data, 2.0), \
        f"two backward passes give 2 to each leaf, got {a.grad.data} and {b.grad.data}: copy a gradient before storing it"
    assert not np.shares_memory(a.grad.data, b.grad.data), "a.grad and b.grad must not share memory"

    # the seed belongs to the caller
    leaf = Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    seed = np.array([0.5, 0.25])
    leaf.backward(seed)
    seed[:] = 100.0
    assert np.allclose(leaf.grad.data, [0.5, 0.25]), "changing the seed array afterwards must not change .grad"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4003)
    w = Tensor(rng.standard_normal((3, 2)), dtype=np.float64, requires_grad=True)
    for k in range(1, 5):
        scale = float(k)
        record_op("scale", w.data * scale, (w,), lambda g, s=scale: (g * s,)).backward(np.ones((3, 2)))
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

# %% nbgrader={"grade": true, "grade_id": "test-backward-engine-retain-graph", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_retain_graph():
    """backward frees the graph unless retain_graph=True; a saved input changed in place stops backward."""
    def square_sum(t):
        sq = record_op("square", t.data ** 2, (t,), lambda g: (2 * t.data * g,))
        return record_op("total", sq.data.sum(), (sq,), lambda g: (np.full(sq.shape, g),))

    x = Tensor([1.0, -3.0], dtype=np.float64, requires_grad=True)
    loss = square_sum(x)
    loss.backward(retain_graph=True)
    loss.backward()
    assert np.allclose(x.grad.data, [4.0, -12.0]), f"retain_graph=True keeps the graph: 2 passes give 4x, got {x.grad.data}"
    assert loss._parents == () and not loss.is_leaf, "backward without retain_graph drops _parents (the node stays a non-leaf)"
    try:
        loss.backward()
    except RuntimeError as e:
        assert "retain_graph=True" in str(e), f"the error must say to pass retain_graph=True, got: {e}"
    else:
        raise AssertionError("backward through a freed graph must raise RuntimeError")

    w, c = Tensor([2.0, 5.0], requires_grad=True), Tensor([1.0, 1.0])
    y = record_op("mul", w.data * c.data, (w, c), lambda g: (g * c.data, None))
    c.zero_()  # the rule would now compute from the zeros
    try:
        y.backward(np.ones(2))
    except RuntimeError as e:
        assert "modified in place" in str(e), f"the error must say the input was modified in place, got: {e}"
    else:
        raise AssertionError("backward after an input was changed in place must raise RuntimeError")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4004)
    v = Tensor(rng.standard_normal(3), dtype=np.float64, requires_grad=True)
    kept = square_sum(v)
    for k in range(3):
        kept.backward(retain_graph=True)
        observe(f"retained graph, pass {k + 1}: .grad", v.grad.data)
    kept.backward()
    try:
        kept.backward()
        outcome = "no error"
    except RuntimeError as e:
        outcome = "retain_graph=True" in str(e)
    observe("fifth pass after the graph was freed: RuntimeError naming retain_graph=True", outcome)
    u = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    mid = record_op("twice", u.data * 2.0, (u,), lambda g: (2.0 * g,))
    record_op("total", mid.data.sum(), (mid,), lambda g: (np.full(2, g),)).backward()
    try:
        record_op("again", mid.data.sum(), (mid,), lambda g: (np.full(2, g),)).backward()
        outcome = "no error"
    except RuntimeError as e:
        outcome = "retain_graph=True" in str(e)
    observe("a new graph through a freed intermediate: RuntimeError", outcome)
    observe("the freed intermediate: parents, versions, requires_grad", (mid._parents, mid._versions, mid.requires_grad))
    c2 = Tensor(rng.standard_normal(2), dtype=np.float64)
    w2 = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    y2 = record_op("mul", w2.data * c2.data, (w2, c2), lambda g: (g * c2.data, None))
    observe("zero_() returns the tensor itself", c2.zero_() is c2)
    observe("version after one zero_()", c2._version)
    try:
        y2.backward(np.ones(2))
        outcome = "no error"
    except RuntimeError as e:
        outcome = "modified in place" in str(e)
    observe("backward after zero_() of a saved input", outcome)
    fresh = Tensor(rng.standard_normal(2), dtype=np.float64, requires_grad=True)
    record_op("total", fresh.data.sum(), (fresh,), lambda g: (np.full(2, g),)).backward()
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
    def depth():
        frame, n = sys._getframe(), 0
        while frame is not None:
            n, frame = n + 1, frame.f_back
        return n

    frames = []

    def first_rule(g):
        frames.append(depth())  # the deepest point a recursive engine would reach
        return (1.0001 * g,)

    x = Tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    y = record_op("scale", x.data * 1.0001, (x,), first_rule)
    for _ in range(19_999):
        y = record_op("scale", y.data * 1.0001, (y,), lambda g: (1.0001 * g,))
    loss = record_op("total", y.data.sum(), (y,), lambda g: (np.full(2, g),))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        start = depth()
        loss.backward()
    except RecursionError:
        raise AssertionError("backward hit the recursion limit on a chain of 20,000 operations: make it iterative") from None
    finally:
        sys.setrecursionlimit(limit)
    assert frames, "the first operation's rule never ran"
    assert frames[0] - start < 40, f"the first rule ran {frames[0] - start} calls deep: backward must not recurse"
    assert np.allclose(x.grad.data, 1.0001 ** 20_000), f"d loss/dx = 1.0001^20000 = {1.0001 ** 20_000:.6f}, got {x.grad.data}"

    ### BEGIN HIDDEN TESTS
    x = Tensor([0.5], dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = record_op("plus_x", y.data + x.data, (y, x), lambda g: (g, g))
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

# %% nbgrader={"grade": true, "grade_id": "test-no-grad", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import gc
import weakref

import numpy as np
from tito.check import observe


def test_no_grad():
    """Under no_grad operations give leaves that keep nothing; the previous mode comes back, nested or not."""
    def double(t):
        return record_op("double", t.data * 2.0, (t,), lambda g: (2.0 * g,))

    x = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled() is True, "recording is on by default"
    with no_grad():
        assert is_grad_enabled() is False, "is_grad_enabled() must be False inside no_grad"
        y = double(x)
    assert is_grad_enabled() is True, "recording must be on again after the block"
    assert np.allclose(y.data, [2.0, 4.0]), "no_grad must not change the forward result"
    assert y.requires_grad is False and y.is_leaf and y._parents == (), "a result made under no_grad must be a plain leaf"
    assert double(x).requires_grad, "outside no_grad the result requires grad again"

    with no_grad():
        with no_grad():
            pass
        assert is_grad_enabled() is False, "leaving an inner no_grad must keep the outer one in force"
    assert is_grad_enabled() is True, "leaving the outer no_grad must turn recording back on"

    try:
        with no_grad():
            raise KeyError("inside")
    except KeyError:
        pass
    assert is_grad_enabled() is True, "an exception inside no_grad must still restore the mode"

    # what no_grad saves: the result keeps no reference to its input
    z = Tensor(np.ones(1000), requires_grad=True)
    ref = weakref.ref(z)
    with no_grad():
        out = double(z)
    del z
    gc.collect()
    assert ref() is None, "a result made under no_grad must not keep its inputs alive"
    assert out.shape == (1000,)

    ### BEGIN HIDDEN TESTS
    inside = []

    @no_grad()
    def evaluate(t):
        inside.append(is_grad_enabled())
        return double(t)

    result = evaluate(x)
    observe("decorator: mode inside, result requires grad, mode after",
            (inside[0], result.requires_grad, is_grad_enabled()))
    observe("decorator: the result's value", result.data)
    ctx = no_grad()
    for i in range(2):
        with ctx:
            wanted = double(x).requires_grad
        observe(f"reused no_grad instance, entry {i}: result requires grad, mode after", (wanted, is_grad_enabled()))
    with no_grad():
        inner = double(double(x))
    observe("chained under no_grad: requires grad, keeps a rule", (inner.requires_grad, inner._backward is not None))
    observe("chained under no_grad: value", inner.data)
    observe("type of is_grad_enabled()", type(is_grad_enabled()).__name__)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_no_grad()

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

# %% nbgrader={"grade": true, "grade_id": "test-numerical-grad", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_numerical_grad():
    """numerical_grad is the central difference, perturbs x in place and restores it exactly; gradcheck uses it."""
    x = np.array([[0.1, -0.7, 1.3], [2.0, 1 / 3, -1.1]])
    original = x.copy()
    got = numerical_grad(lambda a: float(np.sum(a ** 3)), x, eps=1e-3)
    assert isinstance(got, np.ndarray) and got.shape == (2, 3), f"the gradient must be an array of x's shape (2, 3), got {np.shape(got)}"
    # the central difference of a^3 is 3 a^2 + eps^2 exactly; a one-sided difference is off by about 3 a eps
    assert np.allclose(got, 3 * original ** 2 + 1e-6, atol=1e-8), \
        f"d sum(a^3)/da with eps = 1e-3 should be 3a^2 + eps^2 = {3 * original ** 2 + 1e-6}, got {got}: use the central difference"
    assert x.tobytes() == original.tobytes(), "x must be restored exactly: put the remembered value back"

    # f may read x directly instead of its argument: perturb x in place
    y = np.array([1.0, -2.0, 0.5])
    got = numerical_grad(lambda _: float(np.sum(y ** 2)), y)
    assert np.allclose(got, 2 * y, atol=1e-6), f"f reads x itself, so x must be perturbed in place: expected {2 * y}, got {got}"
    s = np.array(1.5)
    assert np.allclose(numerical_grad(lambda a: float(np.sin(a)), s), np.cos(1.5), atol=1e-8), "a 0-d x must work"

    # gradcheck passes a correct rule and names the input and the values of a wrong one
    def scaled(a, b):
        return record_op("scaled", a.data * b.data, (a, b), lambda g: (g * b.data, g * a.data))

    def wrong(a, b):
        return record_op("wrong", a.data * b.data, (a, b), lambda g: (g * b.data, g * a.data * 1.1))

    a = Tensor(np.array([0.5, -1.0, 2.0]), dtype=np.float64, requires_grad=True)
    b = Tensor(np.array([1.5, 0.25, -3.0]), dtype=np.float64, requires_grad=True)
    assert gradcheck(scaled, [a, b]) is None, "gradcheck returns None when the gradients agree"
    try:
        gradcheck(wrong, [a, b])
    except AssertionError as e:
        assert "input 1" in str(e), f"the message must name input 1, got: {e}"
    else:
        raise AssertionError("gradcheck must raise AssertionError for a wrong rule")
    assert a.grad is None and b.grad is None, "gradcheck must leave .grad as it found it"

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

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-grads", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_elementwise_grads():
    """Gradients of + - * / neg ** exp log match closed forms and central differences, with broadcasting."""
    rng = np.random.default_rng(7001)

    # operands (3, 1) and (1, 4): the result is (3, 4), each gradient is reduced to its operand's shape
    A, B = rng.uniform(0.5, 2.0, (3, 1)), rng.uniform(0.5, 2.0, (1, 4))
    w = rng.standard_normal((3, 4))  # the seed: these are the gradients of sum(w * out)
    cases = [
        ("a + b", lambda a, b: a + b, w, w),
        ("a - b", lambda a, b: a - b, w, -w),
        ("a * b", lambda a, b: a * b, w * B, w * A),
        ("a / b", lambda a, b: a / b, w / B, -w * A / B ** 2),
    ]
    for name, fn, want_a, want_b in cases:
        a = Tensor(A, dtype=np.float64, requires_grad=True)
        b = Tensor(B, dtype=np.float64, requires_grad=True)
        out = fn(a, b)
        assert isinstance(out, Tensor) and out.requires_grad, f"{name} must return an autograd Tensor that requires grad"
        assert out.shape == (3, 4) and np.allclose(out.data, fn(A, B)), f"{name}: the forward result is wrong"
        out.backward(w)
        assert a.grad is not None and a.grad.shape == (3, 1), f"{name}: a (3, 1) must get a (3, 1) gradient"
        assert b.grad is not None and b.grad.shape == (1, 4), f"{name}: b (1, 4) must get a (1, 4) gradient"
        assert np.allclose(a.grad.data, want_a.sum(axis=1, keepdims=True)), f"{name}: the gradient of a is wrong"
        assert np.allclose(b.grad.data, want_b.sum(axis=0, keepdims=True)), f"{name}: the gradient of b is wrong"

    # one operand and numbers on either side
    X = rng.uniform(0.5, 2.0, (2, 3))
    v = rng.standard_normal((2, 3))
    cases = [
        ("x + 2.5", lambda x: x + 2.5, v),
        ("2.5 + x", lambda x: 2.5 + x, v),
        ("1 - x", lambda x: 1 - x, -v),
        ("3 * x", lambda x: 3 * x, 3 * v),
        ("x / 4", lambda x: x / 4, v / 4),
        ("2 / x", lambda x: 2 / x, -2 * v / X ** 2),
        ("-x", lambda x: -x, -v),
        ("x ** 3", lambda x: x ** 3, 3 * X ** 2 * v),
        ("x ** 0.5", lambda x: x ** 0.5, 0.5 * X ** -0.5 * v),
        ("x ** -2", lambda x: x ** -2, -2 * X ** -3 * v),
        ("x.exp()", lambda x: x.exp(), np.exp(X) * v),
        ("exp(x)", lambda x: exp(x), np.exp(X) * v),
        ("x.log()", lambda x: x.log(), v / X),
        ("x * x", lambda x: x * x, 2 * X * v),
        ("array * x", lambda x: np.full((2, 3), 1.5) * x, 1.5 * v),
    ]
    for name, fn, want in cases:
        x = Tensor(X, dtype=np.float64, requires_grad=True)
        out = fn(x)
        assert isinstance(out, Tensor) and out.requires_grad, f"{name} must return an autograd Tensor that requires grad"
        out.backward(v)
        assert x.grad is not None and x.grad.shape == (2, 3), f"{name}: x must get a (2, 3) gradient"
        assert np.allclose(x.grad.data, want), f"{name}: expected gradient {want}, got {x.grad.data}"

    z = Tensor([0.0, 2.0], dtype=np.float64, requires_grad=True)
    (z ** 0).backward(np.ones(2))
    assert np.array_equal(z.grad.data, [0.0, 0.0]), f"x ** 0 is constant: its gradient is 0, also at 0; got {z.grad.data}"
    plain = Tensor([1.0, 2.0]) * 3
    assert isinstance(plain, Tensor) and not plain.requires_grad and plain.is_leaf, "without requires_grad no graph is built"

    def check(name, build, *arrays):
        """Backward of build(*tensors), seeded with w, against central differences of sum(w * out)."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        w = np.random.default_rng(1).standard_normal(out.shape)
        out.backward(w)
        for i, t in enumerate(ts):
            num = np.zeros(t.shape)
            for idx in np.ndindex(t.shape):
                old = t.data[idx]
                t.data[idx] = old + 1e-6
                hi = np.sum(build(*ts).data * w)
                t.data[idx] = old - 1e-6
                lo = np.sum(build(*ts).data * w)
                t.data[idx] = old
                num[idx] = (hi - lo) / 2e-6
            assert t.grad is not None and t.grad.shape == t.shape, f"{name}: operand {i} must get a gradient of shape {t.shape}"
            assert np.allclose(t.grad.data, num, rtol=1e-5, atol=1e-6), f"{name}: operand {i} has gradient {t.grad.data}, numerically {num}"

    check("(2, 3) * (3,)", lambda a, b: a * b, rng.standard_normal((2, 3)), rng.standard_normal(3))
    check("() / (2, 2)", lambda a, b: a / b, np.array(1.5), rng.uniform(0.5, 2.0, (2, 2)))
    check("exp(a - b) * log(b)", lambda a, b: exp(a - b) * log(b), rng.standard_normal((2, 1)), rng.uniform(0.5, 2.0, (1, 3)))

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(7002)
    for c in range(6):
        full = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        pa, pb = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
        observe_grads(f"case {c}: add {sa} {sb}", lambda a, b: a + b, pa, pb)
        observe_grads(f"case {c}: sub {sa} {sb}", lambda a, b: b - a, pa, pb)
        observe_grads(f"case {c}: mul {sa} {sb}", lambda a, b: a * b, pa, pb)
        observe_grads(f"case {c}: div {sa} {sb}", lambda a, b: a / b, pa, pb)
        observe_grads(f"case {c}: mixed {sa} {sb}", lambda a, b: ((a * b - a / (b * b + 1)) ** 2 + 1).log() - (-a).exp(), pa, pb)
    observe_grads("power 1.5", lambda a: a ** 1.5, rng.uniform(0.5, 2.0, (3, 2)))
    observe_grads("power -1", lambda a: a ** -1, rng.uniform(0.5, 2.0, (4,)))
    observe_grads("neg", lambda a: -a, rng.standard_normal((2, 2)))
    observe_grads("numbers", lambda a: 3.0 - 2.0 / a + 0.5 * a - a / 3.0, rng.uniform(0.5, 2.0, (3,)))
    f32 = Tensor(rng.uniform(-1.0, 2.0, 2), requires_grad=True)
    (f32 * 2.5 + f32.exp()).backward(np.ones(2, dtype=np.float32))
    observe("float32 gradient of 2.5 x + exp(x): dtype", str(f32.grad.dtype))
    observe("float32 gradient of 2.5 x + exp(x): value", f32.grad.data, rtol=1e-5, atol=1e-6)
    c = Tensor(rng.uniform(0.5, 3.0, 2), dtype=np.float64)
    t = Tensor(rng.uniform(0.5, 4.0, 2), dtype=np.float64, requires_grad=True)
    (c / t).backward(np.ones(2))
    observe("a constant tensor on the left of /: its .grad is None", c.grad is None)
    observe("a constant tensor on the left of /: the gradient of the right", t.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_grads()

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


def test_matmul_grad():
    """Gradients of a @ b for 2-D, 1-D and batched operands match grad @ b^T, a^T @ grad and central differences."""
    rng = np.random.default_rng(8001)
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    G = rng.standard_normal((2, 4))
    a = Tensor(A, dtype=np.float64, requires_grad=True)
    b = Tensor(B, dtype=np.float64, requires_grad=True)
    out = a @ b
    assert isinstance(out, Tensor) and out.requires_grad and out.shape == (2, 4), "a @ b must be a (2, 4) Tensor that requires grad"
    out.backward(G)
    assert np.allclose(a.grad.data, G @ B.T), "d_a must be grad @ b^T"
    assert np.allclose(b.grad.data, A.T @ G), "d_b must be a^T @ grad"

    # data on the left: only the weight gets a gradient
    data = Tensor(A, dtype=np.float64)
    weight = Tensor(B, dtype=np.float64, requires_grad=True)
    data.matmul(weight).backward(G)
    assert data.grad is None and np.allclose(weight.grad.data, A.T @ G), "x @ W with data x: only W gets a gradient"

    def check(name, build, *arrays):
        """Backward of build(*tensors), seeded with w, against central differences of sum(w * out)."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        w = np.random.default_rng(1).standard_normal(out.shape)
        out.backward(w)
        for i, t in enumerate(ts):
            num = np.zeros(t.shape)
            for idx in np.ndindex(t.shape):
                old = t.data[idx]
                t.data[idx] = old + 1e-6
                hi = np.sum(build(*ts).data * w)
                t.data[idx] = old - 1e-6
                lo = np.sum(build(*ts).data * w)
                t.data[idx] = old
                num[idx] = (hi - lo) / 2e-6
            assert t.grad is not None and t.grad.shape == t.shape, f"{name}: operand {i} must get a gradient of shape {t.shape}"
            assert np.allclose(t.grad.data, num, rtol=1e-5, atol=1e-6), f"{name}: operand {i} has gradient {t.grad.data}, numerically {num}"

    for sa, sb in [((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
                   ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 3), (4, 3, 2)),
                   ((2, 0), (0, 3)), ((4, 2, 0), (0, 3)), ((4, 2, 3), (3, 0))]:  # size 0: empty sums are 0
        check(f"{sa} @ {sb}", lambda p, q: p @ q, rng.standard_normal(sa), rng.standard_normal(sb))

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(8004)
    for c in range(8):
        n, k, m = (int(s) for s in rng.integers(1, 4, size=3))
        batch = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        lb = tuple(s if rng.random() < 0.6 else 1 for s in batch)[int(rng.integers(0, len(batch) + 1)):]
        rb = tuple(s if rng.random() < 0.6 else 1 for s in batch)[int(rng.integers(0, len(batch) + 1)):]
        left, right = lb + (n, k), rb + (k, m)
        observe_grads(f"case {c}: {left} @ {right}", lambda p, q: p @ q, rng.standard_normal(left), rng.standard_normal(right))
    observe_grads("chain", lambda p, q, r: (p @ q) @ r, rng.standard_normal((2, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 2)))
    observe_grads("vector both", lambda p, q: matmul(p, q) * 2.0, rng.standard_normal(4), rng.standard_normal(4))
    w32 = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    (Tensor(rng.standard_normal((4, 3))) @ w32).backward(np.ones((4, 2), dtype=np.float32))
    observe("float32 weight: gradient dtype and shape", (str(w32.grad.dtype), tuple(w32.grad.shape)))
    observe("float32 weight: gradient value", w32.grad.data, rtol=1e-4, atol=1e-5)
    for sa, sb in [((3, 2, 0), (0, 4)), ((2, 3, 2), (2, 0)), ((0, 3), (3, 2))]:
        observe_grads(f"size 0: {sa} @ {sb}", lambda p, q: p @ q, rng.standard_normal(sa), rng.standard_normal(sb))
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

# %% nbgrader={"grade": true, "grade_id": "test-reduction-grads", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_reduction_grads():
    """sum, mean and max send the gradient back over the reduced axes; ties of max share it evenly."""
    rng = np.random.default_rng(8002)
    X = rng.standard_normal((2, 3, 4))
    for axis, keepdims in [(None, False), (1, False), (-1, True), ((0, 2), False), ((0, 1, 2), True)]:
        x = Tensor(X, dtype=np.float64, requires_grad=True)
        out = x.sum(axis=axis, keepdims=keepdims)
        assert out.requires_grad and out.shape == np.sum(X, axis=axis, keepdims=keepdims).shape, "sum: wrong result"
        g = rng.standard_normal(out.shape)
        out.backward(g)
        g_kept = g if keepdims else np.expand_dims(g, tuple(range(3)) if axis is None else axis)
        assert x.grad.shape == (2, 3, 4), f"sum(axis={axis}, keepdims={keepdims}): x must get a (2, 3, 4) gradient"
        assert np.allclose(x.grad.data, np.broadcast_to(g_kept, X.shape)), f"sum(axis={axis}, keepdims={keepdims}): wrong gradient"
        y = Tensor(X, dtype=np.float64, requires_grad=True)
        y.mean(axis=axis, keepdims=keepdims).backward(g)
        count = X.size // max(g.size, 1)
        assert np.allclose(y.grad.data, np.broadcast_to(g_kept, X.shape) / count), f"mean(axis={axis}, keepdims={keepdims}): wrong gradient"

    # a (4, 3) summed over axis 1 without keepdims: the (4,) gradient belongs to the rows
    sq = Tensor(np.ones((4, 3)), dtype=np.float64, requires_grad=True)
    reduce_sum(sq, axis=1).backward(np.array([1.0, 2.0, 3.0, 4.0]))
    assert np.allclose(sq.grad.data, [[1.0] * 3, [2.0] * 3, [3.0] * 3, [4.0] * 3]), "put the reduced axis back before broadcasting"

    # max: the gradient goes to the maxima; ties share it
    m = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, -1.0]], dtype=np.float64, requires_grad=True)
    m.max(axis=1).backward(np.array([1.0, 3.0, 2.0]))
    assert np.allclose(m.grad.data, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]), f"max over rows with ties: got {m.grad.data}"
    t = Tensor([[4.0, 1.0], [4.0, 4.0]], dtype=np.float64, requires_grad=True)
    t.max().backward()
    assert np.allclose(t.grad.data, [[1 / 3, 0.0], [1 / 3, 1 / 3]]), f"the global max 4 appears 3 times: 1/3 each, got {t.grad.data}"
    k = Tensor([[1.0, 7.0], [9.0, 2.0]], dtype=np.float64, requires_grad=True)
    reduce_max(k, axis=0, keepdims=True).backward(np.array([[1.0, 2.0]]))
    assert np.allclose(k.grad.data, [[0.0, 2.0], [1.0, 0.0]]), f"max over axis 0 with keepdims: got {k.grad.data}"

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(8005)
    for c in range(8):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=nd))
        kk = int(rng.integers(1, nd + 1))
        axes = tuple(int(a) for a in rng.choice(nd, size=kk, replace=False))
        axis = None if rng.random() < 0.2 else (axes[0] - nd if kk == 1 else axes)
        keep = bool(rng.random() < 0.5)
        # distinct values (no ties for max)
        arr = rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.1 + rng.standard_normal(shape) * 0.01
        observe_grads(f"case {c}: sum {shape} {axis} {keep}", lambda a: reduce_sum(a, axis, keep), arr)
        observe_grads(f"case {c}: mean {shape} {axis} {keep}", lambda a: reduce_mean(a, axis, keep), arr)
        observe_grads(f"case {c}: max {shape} {axis} {keep}", lambda a: reduce_max(a, axis, keep), arr)
    observe_grads("normalize", lambda a: a - a.mean(axis=1, keepdims=True) / a.max(), rng.uniform(0.5, 2.0, (3, 4)))
    ties = Tensor(np.array([[2.0, 2.0], [2.0, 2.0]]), dtype=np.float64, requires_grad=True)
    ties.max(axis=(0, 1)).backward()
    observe("four tied maxima share the gradient", ties.grad.data)
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

# %% nbgrader={"grade": true, "grade_id": "test-shape-grads", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_shape_grads():
    """reshape, transpose, T and indexing move the gradient back; repeated indices add up."""
    rng = np.random.default_rng(8003)
    X = rng.standard_normal((2, 3, 4))
    x = Tensor(X, dtype=np.float64, requires_grad=True)
    g = rng.standard_normal((4, 6))
    out = x.reshape(4, -1)
    assert out.requires_grad and out.shape == (4, 6), "reshape must give a (4, 6) Tensor that requires grad"
    out.backward(g)
    assert x.grad.shape == (2, 3, 4) and np.allclose(x.grad.data, g.reshape(2, 3, 4)), "reshape: the gradient is grad reshaped back"

    x = Tensor(X, dtype=np.float64, requires_grad=True)
    g = rng.standard_normal((4, 3, 2))
    x.transpose(0, 2).backward(g)
    assert np.allclose(x.grad.data, np.swapaxes(g, 0, 2)), "transpose(0, 2): the gradient is grad with axes 0 and 2 swapped"
    x = Tensor(X, dtype=np.float64, requires_grad=True)
    g = rng.standard_normal((2, 4, 3))
    transpose(x, -1, -2).backward(g)
    assert np.allclose(x.grad.data, np.swapaxes(g, -1, -2)), "transpose(-1, -2) is wrong"

    x = Tensor(X, dtype=np.float64, requires_grad=True)
    g = rng.standard_normal((4, 3, 2))
    t = x.T
    assert isinstance(t, Tensor) and t.requires_grad and t.shape == (4, 3, 2), "x.T must be a differentiable Tensor"
    t.backward(g)
    assert np.allclose(x.grad.data, np.transpose(g)), "T: the gradient is grad with its axes reversed"
    t.data[0, 0, 0] = 99.0
    assert X[0, 0, 0] != 99.0 and x.data[0, 0, 0] != 99.0, "x.T must be a new array, not a view of x"

    v = Tensor([1.0, 2.0, 3.0, 4.0], dtype=np.float64, requires_grad=True)
    v[[0, 0, 2]].backward(np.array([1.0, 10.0, 100.0]))
    assert np.allclose(v.grad.data, [11.0, 0.0, 100.0, 0.0]), f"v[[0, 0, 2]]: index 0 is picked twice, so 1 + 10 adds up; got {v.grad.data}"
    m = Tensor(np.arange(12.0).reshape(3, 4), dtype=np.float64, requires_grad=True)
    m[1:, ::2].backward(np.ones((2, 2)))
    assert np.allclose(m.grad.data, [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]]), f"a slice's gradient is wrong: {m.grad.data}"
    m = Tensor(np.arange(12.0).reshape(3, 4), dtype=np.float64, requires_grad=True)
    m[np.array([0, 2, 0]), np.array([1, 1, 1])].backward(np.array([1.0, 2.0, 3.0]))
    want = np.zeros((3, 4))
    want[0, 1], want[2, 1] = 4.0, 2.0
    assert np.allclose(m.grad.data, want), f"pairs of integer arrays with a repeat (0, 1): got {m.grad.data}"
    m = Tensor(np.arange(12.0).reshape(3, 4), dtype=np.float64, requires_grad=True)
    m[1].backward(np.ones(4))
    assert np.allclose(m.grad.data[1], 1.0) and np.allclose(m.grad.data[[0, 2]], 0.0), "m[1] is wrong"
    m = Tensor(np.arange(12.0).reshape(3, 4), dtype=np.float64, requires_grad=True)
    idx = Tensor([2, 2])
    m[idx].backward(np.ones((2, 4)))
    assert np.allclose(m.grad.data[2], 2.0), "a Tensor index picking row 2 twice: 2 in each element of row 2"

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(8006)
    A = rng.standard_normal((3, 4))
    observe_grads("reshape", lambda a: a.reshape(2, 6) * a.reshape(2, 6), A)
    observe_grads("reshape tuple", lambda a: reshape(a, (4, 3)).T, A)
    observe_grads("T 1-D", lambda a: a.T * 2.0, rng.standard_normal(5))
    observe_grads("T 2-D", lambda a: a.T @ a, A)
    observe_grads("transpose 3-D", lambda a: a.transpose(1, 2) * 3.0, rng.standard_normal((2, 3, 4)))
    observe_grads("slices", lambda a: a[:, 1:3] * a[:, ::-1][:, :2], A)
    observe_grads("negative index", lambda a: a[-1] * a[0], A)
    observe_grads("None and Ellipsis", lambda a: a[None, ..., 1], A)
    mask = A > 0
    mask[0, 0] = True
    observe_grads("mask", lambda a: a[mask] * 2.0, A)
    observe_grads("repeats", lambda a: a[[2, 0, 2, 2]], A)
    observe_grads("pairs", lambda a: a[np.arange(3), np.array([1, 1, 3])] * a[np.array([0, 0]), np.array([1, 1])].sum(), A)
    observe_grads("mixed", lambda a: a[[0, 0], 1:3], A)
    observe_grads("0-d from pair", lambda a: a[1, 2] * a, A)
    w32 = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w32[[1, 1]].backward(np.ones((2, 3), dtype=np.float32))
    observe("float32 getitem: gradient dtype", str(w32.grad.dtype))
    observe("float32 getitem: gradient value", w32.grad.data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_grads()

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
    def engine(x_np, W_np, b_np, t_np):
        x = Tensor(x_np, dtype=np.float64)
        W = Tensor(W_np, dtype=np.float64, requires_grad=True)
        b = Tensor(b_np, dtype=np.float64, requires_grad=True)
        z = x @ W + b
        r = z * (z.data > 0)  # ReLU as a product with a constant mask
        loss = ((r - t_np) ** 2).mean()
        assert loss.shape == () and loss.requires_grad, "the loss must be a 0-d Tensor that requires grad"
        loss.backward()
        return W.grad.data, b.grad.data

    x = np.array([[1.0, 2.0], [-1.0, 1.0]])
    W = np.array([[0.5, -1.0], [1.0, 0.25]])
    b = np.array([0.0, 0.5])
    t = np.array([[1.0, 1.0], [0.0, 1.0]])
    dW, db = engine(x, W, b, t)
    hand_dW, hand_db = hand_backprop(x, W, b, t)
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


def test_select_grads():
    """Each rule passes gradcheck away from kinks; at kinks: ties split, clamp passes at its bounds, abs'(0) = 0."""
    rng = np.random.default_rng(1101)
    A, B = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (4,))
    mask = rng.random((3, 4)) < 0.5
    cases = [("where", lambda a, b: where(mask, a, b)), ("maximum", maximum), ("minimum", minimum),
             ("clamp", lambda a, b: clamp(a, 0.8, b)), ("abs", lambda a, b: absolute(a - 1.25) * b),
             ("sqrt", lambda a, b: sqrt(a) + b.sqrt())]
    for name, fn in cases:
        gradcheck(fn, [Tensor(A, dtype=np.float64, requires_grad=True), Tensor(B, dtype=np.float64, requires_grad=True)])
    x = Tensor([0.0, 1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    assert (x > 1).requires_grad is False and (x > 1).dtype == np.bool_, "a comparison is a bool tensor without gradient"
    clamp(x, 1.0, 2.0).backward(np.ones(4))
    assert np.array_equal(x.grad.data, [0.0, 1.0, 1.0, 0.0]), f"clamp(1, 2) passes the gradient at both bounds: got {x.grad.data}"
    y = Tensor([-1.0, 0.0, 2.0], dtype=np.float64, requires_grad=True)
    absolute(y).backward(np.ones(3))
    assert np.array_equal(y.grad.data, [-1.0, 0.0, 1.0]), f"abs: sign(x), 0 at 0; got {y.grad.data}"
    a, b = Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True), Tensor([1.0, 5.0], dtype=np.float64, requires_grad=True)
    maximum(a, b).backward(np.ones(2))
    assert np.allclose(a.grad.data, [0.5, 0.0]) and np.allclose(b.grad.data, [0.5, 1.0]), "maximum: a tie splits the gradient"

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(1102)
    P = rng.integers(-2, 3, size=(3, 4)).astype(np.float64)  # small integers: ties and kinks happen
    Q = rng.integers(-2, 3, size=(4,)).astype(np.float64)
    cond = rng.random((3, 1)) < 0.5
    observe_grads("where, broadcast condition", lambda a, b: where(cond, a, b), P, Q)
    observe_grads("maximum with ties", maximum, P, Q)
    observe_grads("minimum with ties", minimum, P, Q)
    observe_grads("maximum with a number", lambda a: maximum(a, 0.0), P)
    observe_grads("clamp(-1, 1) with values on the bounds", lambda a: clamp(a, -1.0, 1.0), P)
    observe_grads("clamp(min=0)", lambda a: a.clamp(min=0.0), P)
    observe_grads("clamp with tensor bounds", lambda a, lo, hi: clamp(a, lo, hi), P, Q - 1.0, Q + 0.5)
    observe_grads("clamp with min > max", lambda a, lo: clamp(a, lo, -5.0), P, Q)
    observe_grads("abs with zeros", lambda a: absolute(a), P)
    observe_grads("sqrt", lambda a: sqrt(a), rng.uniform(0.2, 3.0, (2, 3)))
    observe_grads("mixed", lambda a, b: sqrt(maximum(a, b) ** 2 + 1.0) * absolute(b), P, Q + 0.5)
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
# `reduce_min` is `reduce_max` with min (ties split evenly, as `torch.amin`). `max_dim(x, dim)` is different:
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
    """Min over `axis`; gradient: grad at the minimal elements, split evenly between ties."""
    axis, keepdims = plain._reduce_args(x, axis, keepdims, dim, keepdim)
    out = plain.reduce_min(x, axis, keepdims).data
    ### BEGIN SOLUTION
    data = array_of(x)
    axes = _axes(axis, data.ndim)

    def backward(grad):
        low = out if keepdims else np.expand_dims(out, axes)
        grad = grad if keepdims else np.expand_dims(grad, axes)
        mask = data == low
        count = mask.sum(axis=axes, keepdims=True, dtype=grad.dtype)
        return (mask * (grad / count),)

    return record_op("min", out, (x,), backward)
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


def test_join_grads():
    """Shape changes and joins pass gradcheck; max(dim) sends the gradient to its index only, amin splits ties."""
    rng = np.random.default_rng(1201)
    A, B = rng.standard_normal((2, 1, 3)), rng.standard_normal((2, 1, 3))
    cases = [("squeeze", lambda a, b: a.squeeze(1) * b.squeeze()), ("unsqueeze", lambda a, b: unsqueeze(a, 0) * b),
             ("view and flatten", lambda a, b: a.view(3, 2) @ flatten(b, 1)), ("cat", lambda a, b: cat([a, b, a], dim=-1)),
             ("stack", lambda a, b: stack([a, b * 2.0], dim=1)), ("amin", lambda a, b: reduce_min(a * b, dim=2)),
             ("max(dim)", lambda a, b: (a + b).max(2).values), ("min(dim)", lambda a, b: (a - b).min(dim=0, keepdim=True).values)]
    for name, fn in cases:
        gradcheck(fn, [Tensor(A, dtype=np.float64, requires_grad=True), Tensor(B, dtype=np.float64, requires_grad=True)])
    x = Tensor([[1.0, 3.0, 3.0]], dtype=np.float64, requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad, "values carry the gradient, indices do not"
    values.backward(np.ones(1))
    assert np.array_equal(x.grad.data, [[0.0, 1.0, 0.0]]), f"max(dim) on a tie: all to index 1, got {x.grad.data}"
    y = Tensor([[1.0, 1.0, 3.0]], dtype=np.float64, requires_grad=True)
    y.amin().backward()
    assert np.allclose(y.grad.data, [[0.5, 0.5, 0.0]]), f"amin splits a tie evenly, got {y.grad.data}"

    ### BEGIN HIDDEN TESTS
    def observe_grads(name, build, *arrays):
        """Each operand's gradient after backward of build(*tensors), seeded with fixed weights."""
        ts = [Tensor(arr, dtype=np.float64, requires_grad=True) for arr in arrays]
        out = build(*ts)
        out.backward(np.random.default_rng(1).standard_normal(out.shape))
        for i, t in enumerate(ts):
            observe(f"{name}: gradient of operand {i}", None if t.grad is None else t.grad.data, rtol=1e-5, atol=1e-6)

    rng = np.random.default_rng(1202)
    P = rng.integers(-2, 3, size=(3, 1, 4)).astype(np.float64)  # ties happen
    Q = rng.standard_normal((3, 2, 4))
    observe_grads("squeeze all", lambda a: a.squeeze() * 2.0, P)
    observe_grads("squeeze(-2) and unsqueeze(-1)", lambda a: squeeze(a, -2).unsqueeze(-1), P)
    observe_grads("view(-1)", lambda a: a.view(-1) * a.view(12), P)
    observe_grads("flatten(0, 1)", lambda a: a.flatten(0, 1) ** 2, Q)
    observe_grads("cat on dim 1", lambda a, b: cat((a, b, a), dim=1), P, Q)
    observe_grads("stack on -1", lambda a, b: stack([a, b[:, :1, :]], dim=-1), P, Q)
    for d in (0, 2, -1):
        for keep in (False, True):
            observe_grads(f"max_dim {d} keepdim {keep}", lambda a: max_dim(a, d, keep).values, P)
            observe_grads(f"min_dim {d} keepdim {keep}", lambda a: min_dim(a, d, keep).values, P)
            observe_grads(f"reduce_min {d} keepdim {keep}", lambda a: reduce_min(a, d, keep), P)
    observe_grads("amin of all", lambda a: a.amin(), P)
    observe_grads("max(dim) of 0-d", lambda a: a.max(0).values * 3.0, np.array(2.0))
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
