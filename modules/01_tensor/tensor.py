# %% [markdown]
# # Module 01: Tensor
#
# A tensor is an n-dimensional array of numbers with a single dtype. Every later module (autograd, layers,
# losses, optimizers, attention) is built from the operations you write here, on top of NumPy.
#
# You will write the constructor's dtype rule, NumPy's broadcasting rule, elementwise arithmetic, matrix
# multiplication (once with loops, once vectorized), reductions, reshape and transpose, and exp and log.
# Each task is a cell containing `# YOUR CODE HERE`; the locked cell after it tests it. Run the cells in order.
#
# Conventions, as in PyTorch: floats are float32 unless you ask for another dtype, and every operation
# returns a new Tensor without modifying its inputs.

# %%
#| default_exp core.tensor

# %%
#| export
from typing import Union

import numpy as np
import numpy.typing as npt

# %% [markdown]
# ## 1. The Tensor class
#
# A `Tensor` wraps one NumPy array, `self.data`. The properties, indexing and operators are given. Each
# operator forwards to a function you write further down; Python looks that name up when the method runs,
# so it does not matter that the function is defined later.
#
# **Task: `Tensor.__init__`.** Store a new ndarray built from `data`:
# - `dtype` given: use it.
# - otherwise floating data (Python floats, float16/32/64 arrays) becomes float32; integer data keeps its
#   dtype (a Python int becomes int64, an int32 array stays int32); bools stay bool.
# - `data` is a Tensor: copy its array and keep its dtype, unless `dtype` is given.
#
# Pitfall: `np.asarray(arr)` returns `arr` itself when no conversion is needed. The tensor would then share
# memory with the caller's array, and writing to one would silently change the other. Always copy.

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Tensor:
    """An n-dimensional array of numbers with one dtype, stored in a NumPy ndarray."""

    data: np.ndarray

    # NumPy arrays and scalars on the left of an operator hand the work to our reflected methods
    # (np.float32(2) * t calls t.__rmul__) instead of producing an array of Tensor objects.
    __array_ufunc__ = None

    def __init__(self, data, dtype: npt.DTypeLike = None) -> None:
        """Copy `data` into a new ndarray: `dtype` if given, else floats -> float32, ints and bools unchanged."""
        ### BEGIN SOLUTION
        if isinstance(data, Tensor):
            if dtype is None:
                dtype = data.data.dtype  # a copy of a tensor keeps its dtype
            data = data.data
        array = np.array(data, dtype=dtype)  # np.array copies, so we never alias the caller's array
        if dtype is None and np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float32, copy=False)
        self.data = array
        ### END SOLUTION

    # --- given: properties and conversions ---

    @property
    def shape(self) -> tuple:
        """Size of each axis."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return self.data.ndim

    def size(self, dim: int | None = None):
        """The shape, as PyTorch's `t.size()`; `t.size(dim)` is the size of one axis."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        """Number of elements."""
        return self.data.size

    def dim(self) -> int:
        """Number of axes (PyTorch's name for ndim)."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """NumPy dtype of the elements."""
        return self.data.dtype

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def item(self):
        """The only element as a Python number; fails unless it has exactly one element."""
        return self.data.item()

    def tolist(self):
        """The elements as (nested) Python lists of numbers."""
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """What NumPy sees in `np.asarray(t)`: the numbers, never one opaque object (no dtype=object arrays)."""
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        """Size of the first axis."""
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __bool__(self) -> bool:
        """Truth value of a one-element tensor (ambiguous for more elements, as in NumPy)."""
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.data.dtype})"

    def __getitem__(self, index) -> "Tensor":
        """NumPy indexing (ints, slices, None, Ellipsis, integer or bool arrays); returns a new Tensor."""
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return Tensor(self.data[index], dtype=self.data.dtype)

    # --- given: operators, forwarding to the functions below ---

    def __add__(self, other) -> "Tensor":
        return add(self, other)

    def __radd__(self, other) -> "Tensor":
        return add(other, self)

    def __sub__(self, other) -> "Tensor":
        return sub(self, other)

    def __rsub__(self, other) -> "Tensor":
        return sub(other, self)  # 2 - t, not t - 2

    def __mul__(self, other) -> "Tensor":
        return mul(self, other)

    def __rmul__(self, other) -> "Tensor":
        return mul(other, self)

    def __truediv__(self, other) -> "Tensor":
        return div(self, other)

    def __rtruediv__(self, other) -> "Tensor":
        return div(other, self)  # 1 / t, not t / 1

    def __neg__(self) -> "Tensor":
        return neg(self)

    def __pow__(self, exponent: float) -> "Tensor":
        return power(self, exponent)

    def __matmul__(self, other) -> "Tensor":
        return matmul(self, other)

    def __rmatmul__(self, other) -> "Tensor":
        return matmul(other, self)

    # --- given: methods, forwarding to the functions below ---

    def matmul(self, other) -> "Tensor":
        """self @ other."""
        return matmul(self, other)

    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Sum over `axis` (all axes when None)."""
        return reduce_sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Arithmetic mean over `axis` (all axes when None)."""
        return reduce_mean(self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Largest element over `axis` (values only, like torch.amax)."""
        return reduce_max(self, axis, keepdims)

    def reshape(self, *shape) -> "Tensor":
        """Same elements in a new shape: t.reshape(2, 3) or t.reshape((2, 3)); one size may be -1."""
        return reshape(self, *shape)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap axes dim0 and dim1."""
        return transpose(self, dim0, dim1)

    def permute(self, *dims: int) -> "Tensor":
        """Axes in the order `dims`: t.permute(2, 0, 1) or t.permute((2, 0, 1))."""
        return permute(self, *dims)

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

    # --- given: dtype conversions, as PyTorch names them ---

    def to(self, dtype: npt.DTypeLike) -> "Tensor":
        """A copy converted to `dtype` (`t.to(tinytorch.float64)`)."""
        return to_dtype(self, dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

# %% [markdown]
# ### Given: helpers and factories
#
# `array_of(x)` is the one way every module gets the numbers behind an operand: the array of any Tensor
# (this class or a later subclass), `np.asarray(x)` for a number or an array. So every operation accepts
# `t + 1` as well as `t + u`. `_wrap(out, *inputs)` turns a NumPy result into a Tensor using this library's
# dtype rule (section 3).
#
# The factories mirror PyTorch: `tensor([1, 2])`, `zeros(2, 3)`, `ones((2, 3))`, `randn(2, 3)`, `arange(5)`,
# `full((2, 2), 7.0)`, `zeros_like(t)`. They build `tinytorch.Tensor`, the most capable Tensor your package
# has finished: this module's class now, module 02's autograd Tensor once you have exported it. Random
# numbers come from one generator that `manual_seed(n)` resets, as `torch.manual_seed` does.

# %%
#| export
# What an operation accepts as an operand (PyTorch calls this "tensor-like").
TensorLike = Union[Tensor, int, float, bool, np.generic, np.ndarray]

# PyTorch's dtype names, so `tinytorch.tensor(x, dtype=tinytorch.long)` reads as in PyTorch.
float32, float64, float16 = np.float32, np.float64, np.float16
int64, int32, int16, int8, uint8 = np.int64, np.int32, np.int16, np.int8, np.uint8
bool_ = np.bool_
long, double, half = np.int64, np.float64, np.float16


def array_of(x: TensorLike) -> np.ndarray:
    """The ndarray behind any Tensor (module 01's or a subclass); a number or an array through np.asarray."""
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)


def _wrap(out, *inputs: TensorLike) -> Tensor:
    """Wrap a NumPy result with the dtype rule: the kind (bool, int, float) is NumPy's; a float result is the
    widest float dtype among the Tensor inputs (float32 if none), an integer result the widest integer dtype
    among the Tensor inputs (so Python numbers never widen an int32 tensor, as in PyTorch)."""
    out = np.asarray(out)
    kind = out.dtype.kind
    if kind in "fiu":
        same_kind = [x.data.dtype for x in inputs if isinstance(x, Tensor)
                     and (x.data.dtype.kind == "f" if kind == "f" else x.data.dtype.kind in "iu")]
        if same_kind:
            return Tensor(out, dtype=np.result_type(*same_kind))
        if kind == "f":
            return Tensor(out, dtype=np.float32)
    return Tensor(out, dtype=out.dtype)


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike; return (2, 3) as Python ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


class _RandomState:
    """The generator behind randn, rand, weight initialisation, dropout and shuffling; manual_seed resets it."""

    generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the shared generator: the same seed gives the same random numbers, as torch.manual_seed does."""
    _RandomState.generator = np.random.default_rng(seed)
    return _RandomState.generator


def default_generator(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    """`rng` itself when it is a Generator, a new one when it is a seed, else the shared generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    return _RandomState.generator if rng is None else np.random.default_rng(rng)


def _factory_class() -> type:
    """The class factories build: `tinytorch.Tensor` (module 02's autograd Tensor once your package has it
    finished) when it extends this Tensor, else this Tensor (as in this notebook, whose class is new)."""
    try:
        from tinytorch._namespace import finished_attribute
        cls = finished_attribute("Tensor")
    except ImportError:
        cls = None
    return cls if isinstance(cls, type) and issubclass(cls, Tensor) else Tensor


def _build(array: np.ndarray, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    cls = _factory_class()
    if not requires_grad:
        return cls(array, dtype=dtype)
    if cls is Tensor:
        raise RuntimeError("requires_grad needs module 02 (autograd): complete it and run `tito export 02`")
    return cls(array, dtype=dtype, requires_grad=True)


def tensor(data, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A new Tensor holding a copy of `data` (PyTorch's `torch.tensor`)."""
    return _build(array_of(data) if isinstance(data, Tensor) else data, dtype, requires_grad)


def zeros(*shape: int, dtype: npt.DTypeLike = np.float32, requires_grad: bool = False) -> Tensor:
    """Tensor of the given shape filled with 0."""
    return _build(np.zeros(_shape_arg(shape)), dtype, requires_grad)


def ones(*shape: int, dtype: npt.DTypeLike = np.float32, requires_grad: bool = False) -> Tensor:
    """Tensor of the given shape filled with 1."""
    return _build(np.ones(_shape_arg(shape)), dtype, requires_grad)


def full(shape, fill_value: float, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Tensor of the given shape filled with `fill_value` (its dtype rule as for `tensor(fill_value)`)."""
    return _build(np.full(_shape_arg((shape,)), fill_value), dtype, requires_grad)


def randn(*shape: int, seed: int | None = None, dtype: npt.DTypeLike = np.float32,
          requires_grad: bool = False) -> Tensor:
    """Samples from N(0, 1) from the shared generator (or a fresh one for `seed`)."""
    return _build(default_generator(seed).standard_normal(_shape_arg(shape)), dtype, requires_grad)


def rand(*shape: int, seed: int | None = None, dtype: npt.DTypeLike = np.float32,
         requires_grad: bool = False) -> Tensor:
    """Samples from U[0, 1) from the shared generator (or a fresh one for `seed`)."""
    return _build(default_generator(seed).random(_shape_arg(shape)), dtype, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: npt.DTypeLike = None,
           requires_grad: bool = False) -> Tensor:
    """Values start, start + step, ... below end; arange(n) is 0, 1, ..., n - 1."""
    if end is None:
        start, end = 0, start
    return _build(np.arange(start, end, step), dtype, requires_grad)


def zeros_like(t: Tensor, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return zeros(array_of(t).shape, dtype=dtype or array_of(t).dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return ones(array_of(t).shape, dtype=dtype or array_of(t).dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return full(array_of(t).shape, fill_value, dtype=dtype or array_of(t).dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return randn(array_of(t).shape, dtype=dtype or array_of(t).dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: npt.DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return rand(array_of(t).shape, dtype=dtype or array_of(t).dtype, requires_grad=requires_grad)


def to_dtype(x: TensorLike, dtype: npt.DTypeLike) -> Tensor:
    """A copy of x converted to `dtype` (Tensor.to, .float(), .long() ...)."""
    return Tensor(array_of(x), dtype=dtype)

# %% [markdown]
# The next cell tests `Tensor.__init__`. Expected: `Tensor([1, 2.5])` is `Tensor([1. , 2.5], dtype=float32)`,
# `Tensor([1, 2])` is int64, `Tensor(np.ones(3, dtype=np.int32))` stays int32.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-creation", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_tensor_creation():
    """The constructor copies its input and applies the dtype rule."""
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.data, np.ndarray), f"self.data must be an np.ndarray, got {type(t.data).__name__}"
    assert t.shape == (2, 3), f"shape of a 2x3 nested list should be (2, 3), got {t.shape}"
    assert np.array_equal(t.data, [[1, 2, 3], [4, 5, 6]]), f"values were not stored: {t.data}"

    # dtype rule
    assert Tensor([1.5, 2.0]).dtype == np.float32, "a list of Python floats must become float32"
    assert Tensor(3.5).dtype == np.float32 and Tensor(3.5).shape == (), "a Python float is a 0-d float32 tensor"
    assert Tensor(np.array([1.0, 2.0])).dtype == np.float32, "a float64 array must become float32 by default"
    assert Tensor([1, 2, 3]).dtype == np.int64, "Python ints must stay integers (int64), not become float"
    assert Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32, "an int32 array must keep int32"
    assert Tensor([True, False]).dtype == np.bool_, "bools must stay bool"
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64, "an explicit dtype must be used as given"
    assert Tensor([1.7, 2.2], dtype=np.int64).dtype == np.int64, "an explicit dtype must be used as given"

    # no aliasing of the caller's array, even when no conversion is needed
    src = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    t = Tensor(src)
    src[0] = 100.0
    assert t.data[0] == 1.0, "Tensor(arr) shares memory with arr: copy the array"
    assert t.data is not src, "Tensor(arr) must store a new array, not arr itself"
    src_int = np.array([1, 2, 3])
    t_int = Tensor(src_int)
    src_int[1] = -5
    assert t_int.data[1] == 2, "Tensor(int_arr) shares memory with int_arr: copy the array"

    # a Tensor argument is copied and keeps its dtype
    u = Tensor([1.0, 2.0], dtype=np.float64)
    v = Tensor(u)
    assert v.data is not u.data, "Tensor(tensor) must copy the data array"
    u.data[0] = 9.0
    assert v.data[0] == 1.0, "Tensor(tensor) must not share memory with the original"
    assert v.dtype == np.float64, f"Tensor(tensor) must keep the tensor's dtype (float64), got {v.dtype}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(101)
    for i in range(5):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(0, 4)))
        arr = rng.standard_normal(shape)
        t = Tensor(arr)
        observe(f"random float64 array {i}: shape and dtype", (tuple(t.shape), str(t.dtype)))
        observe(f"random float64 array {i}: values", t.data, atol=1e-6)
        arr32 = arr.astype(np.float32)
        t32 = Tensor(arr32)
        arr32[...] = 0.0
        observe(f"float32 array {i} after the input was zeroed", t32.data)
    observe("dtypes: float16, np.float64 scalar, int, uint8, 'float64', Tensor with dtype", [
        str(Tensor(np.array([1.0], dtype=np.float16)).dtype), str(Tensor(np.float64(2.0)).dtype),
        str(Tensor(5).dtype), str(Tensor(np.array([1, 2], dtype=np.uint8)).dtype),
        str(Tensor([1, 2], dtype="float64").dtype), str(Tensor(Tensor([1, 2]), dtype=np.float32).dtype)])
    observe("Tensor(5).item()", Tensor(5).item())
    b = np.array([True, False])
    tb = Tensor(b)
    b[0] = False
    observe("bool tensor after its input changed", (str(tb.dtype), tb.data))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_tensor_creation()

# %% [markdown]
# ## 2. Broadcasting
#
# Broadcasting combines arrays of different shapes elementwise without copying: `x + b`, with `x` of shape
# (batch, features) and a bias `b` of shape (features,), adds `b` to every row.
#
# Rule (NumPy's): align the two shapes from the right; a missing leading dimension counts as 1; at each
# position the sizes must be equal or one of them must be 1, and the result takes the larger.
# (8, 1, 3) and (5, 1) give (8, 5, 3).
#
# **Task: `broadcast_shape`.** Apply the rule with a loop (do not call `np.broadcast_shapes`) and return a
# tuple. On a mismatch raise `ValueError` naming both shapes and the dimension counted from the right:
# `cannot broadcast shapes (2, 3) and (4,): dimension -1 has sizes 3 and 4`.
#
# Pitfall: a column (3, 1) plus a row (3,) is (3, 3), not (3,). Compatible shapes never fail, so a wrong
# shape can travel far before anything breaks.

# %% nbgrader={"grade": false, "grade_id": "broadcast-shape", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def broadcast_shape(shape_a: tuple, shape_b: tuple) -> tuple:
    """Align from the right; each pair of sizes must be equal or contain a 1; the result takes the larger."""
    ### BEGIN SOLUTION
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)  # missing leading dims count as 1
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for i, (size_a, size_b) in enumerate(zip(padded_a, padded_b)):
        if size_a == size_b or size_b == 1:
            result.append(size_a)
        elif size_a == 1:
            result.append(size_b)
        else:
            raise ValueError(
                f"cannot broadcast shapes {tuple(shape_a)} and {tuple(shape_b)}: "
                f"dimension {i - ndim} has sizes {size_a} and {size_b}"
            )
    return tuple(result)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-broadcast-shape", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_broadcast_shape():
    """broadcast_shape follows NumPy's rule and names both shapes and the dimension on a mismatch."""
    cases = [
        ((2, 3), (3,), (2, 3)),
        ((2, 3), (2, 3), (2, 3)),
        ((4, 1), (1, 5), (4, 5)),
        ((8, 1, 3), (5, 1), (8, 5, 3)),
        ((), (2, 2), (2, 2)),
        ((3,), (), (3,)),
        ((3, 1), (3,), (3, 3)),
        ((0,), (1,), (0,)),
    ]
    for a, b, want in cases:
        got = broadcast_shape(a, b)
        assert isinstance(got, tuple), f"broadcast_shape must return a tuple, got {type(got).__name__}"
        assert got == want, f"broadcast_shape({a}, {b}) should be {want}, got {got}"

    for a, b, dim in [((2, 3), (4,), -1), ((5, 2, 4), (3, 4), -2)]:
        try:
            broadcast_shape(a, b)
        except ValueError as e:
            msg = str(e)
        else:
            raise AssertionError(f"broadcast_shape({a}, {b}) must raise ValueError")
        assert str(a) in msg and str(b) in msg, f"the error must name both shapes {a} and {b}, got: {msg}"
        assert f"dimension {dim}" in msg, f"the error must name the offending dimension {dim}, got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(202)
    shapes = []
    for _ in range(50):
        nd = int(rng.integers(0, 5))
        full = tuple(int(s) for s in rng.integers(1, 5, size=nd))
        a = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, nd + 1)):]
        b = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, nd + 1)):]
        shapes.append(broadcast_shape(a, b))
    observe("50 random compatible shape pairs", shapes)
    for a, b in [((3,), (4,)), ((2, 1, 5), (7, 6)), ((1, 2), (3, 3, 3)), ((6, 5), (6,))]:
        try:
            broadcast_shape(a, b)
            named = "no error"
        except ValueError as e:
            named = str(a) in str(e) and str(b) in str(e)
        observe(f"incompatible {a} and {b}: ValueError naming both", named)
    original = np.broadcast_shapes

    def forbidden(*args):
        raise AssertionError("broadcast_shape must apply the rule with a loop, not call np.broadcast_shapes")

    np.broadcast_shapes = forbidden
    try:
        observe("(2, 1, 3) and (4, 1) without np.broadcast_shapes", broadcast_shape((2, 1, 3), (4, 1)))
    finally:
        np.broadcast_shapes = original
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_broadcast_shape()

# %% [markdown]
# ## 3. Elementwise arithmetic
#
# `add`, `sub`, `mul`, `div`, `neg` and `power` apply an operation element by element; each operand may be a
# Tensor or a number. For the binary ones: convert both operands with `array_of`, call `broadcast_shape` on
# their shapes first (so a mismatch raises your message naming the shapes, not NumPy's), compute with
# NumPy and return `_wrap(result, a, b)`.
#
# Dtype rule, applied by `_wrap`: NumPy decides the kind (bool, int, float); a float result is float64 only
# if a float64 Tensor took part, otherwise float32. Hence:
# - `t * 2.5` and `t * np.sqrt(2.0)` leave a float32 `t` float32 (NumPy alone makes the second float64,
#   because NumPy scalars, unlike Python numbers, take part in type promotion);
# - `div` is true division, as in PyTorch: two integer tensors give float32, `Tensor([1, 2]) / 2` is `[0.5, 1.]`;
# - integer tensors stay integer under `+`, `-`, `*` with integers.
#
# The operators are already wired: `2 - t` calls `t.__rsub__(2)`, which is `sub(2, t)`.

# %% nbgrader={"grade": false, "grade_id": "elementwise", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def add(a: TensorLike, b: TensorLike) -> Tensor:
    """a + b elementwise, with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)  # our error message, naming both shapes
    return _wrap(x + y, a, b)
    ### END SOLUTION


def sub(a: TensorLike, b: TensorLike) -> Tensor:
    """a - b elementwise, with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(x - y, a, b)
    ### END SOLUTION


def mul(a: TensorLike, b: TensorLike) -> Tensor:
    """a * b elementwise, with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(x * y, a, b)
    ### END SOLUTION


def div(a: TensorLike, b: TensorLike) -> Tensor:
    """a / b elementwise (true division: integers give float32), with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(x / y, a, b)
    ### END SOLUTION


def neg(a: TensorLike) -> Tensor:
    """-a elementwise."""
    ### BEGIN SOLUTION
    return _wrap(-array_of(a), a)
    ### END SOLUTION


def power(a: TensorLike, exponent: float) -> Tensor:
    """a ** exponent elementwise, for a scalar exponent."""
    ### BEGIN SOLUTION
    return _wrap(array_of(a) ** exponent, a)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-arithmetic", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_arithmetic():
    """Elementwise ops match NumPy, broadcast, take scalars on either side and follow the dtype rule."""
    a_np = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=np.float32)
    b_np = np.array([0.5, 2.0, -4.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    results = [
        ("add(a, b)", add(a, b), a_np + b_np),
        ("sub(a, b)", sub(a, b), a_np - b_np),
        ("mul(a, b)", mul(a, b), a_np * b_np),
        ("div(a, b)", div(a, b), a_np / b_np),
        ("neg(a)", neg(a), -a_np),
        ("power(a, 2)", power(a, 2), a_np ** 2),
    ]
    for name, got, want in results:
        assert isinstance(got, Tensor), f"{name} must return a Tensor, got {type(got).__name__}"
        assert got.shape == want.shape, f"{name} should have shape {want.shape}, got {got.shape}"
        assert got.dtype == np.float32, f"{name} of float32 tensors should be float32, got {got.dtype}"
        assert np.allclose(got.data, want), f"{name} gives {got.data}, expected {want}"
    assert np.array_equal(a.data, a_np) and np.array_equal(b.data, b_np), "operations must not modify inputs"

    # operators with a scalar on either side; reflected ones keep the order
    assert np.allclose((a + 1.5).data, a_np + 1.5), "t + 1.5 is wrong"
    assert np.allclose((1.5 + a).data, 1.5 + a_np), "1.5 + t is wrong"
    assert np.allclose((2 - a).data, 2 - a_np), "2 - t must be sub(2, t), not sub(t, 2)"
    assert np.allclose((a - 2).data, a_np - 2), "t - 2 is wrong"
    assert np.allclose((3 * a).data, 3 * a_np), "3 * t is wrong"
    assert np.allclose((1 / b).data, 1 / b_np), "1 / t must be div(1, t), not div(t, 1)"
    assert np.allclose((-a).data, -a_np), "-t is wrong"
    assert np.allclose((b ** 3).data, b_np ** 3), "t ** 3 is wrong"
    assert (a * 2.5).dtype == np.float32, "a Python float must not turn a float32 tensor into float64"

    # integers
    i, j = Tensor([1, 2, 3]), Tensor([2, 2, 2])
    s = i + j
    assert s.dtype == np.int64 and np.array_equal(s.data, [3, 4, 5]), f"int + int should be int64 [3 4 5], got {s}"
    q = i / j
    assert q.dtype == np.float32, f"int / int is true division and should be float32, got {q.dtype}"
    assert np.allclose(q.data, [0.5, 1.0, 1.5]), f"[1 2 3] / [2 2 2] should be [0.5 1. 1.5], got {q.data}"

    # a shape mismatch raises our error, naming both shapes
    try:
        add(Tensor(np.zeros((2, 3))), Tensor(np.zeros(4)))
    except ValueError as e:
        msg = str(e)
    else:
        raise AssertionError("add of shapes (2, 3) and (4,) must raise ValueError")
    assert "(2, 3)" in msg and "(4,)" in msg, f"call broadcast_shape first: the error must name (2, 3) and (4,), got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(303)
    for i in range(10):
        full = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        x = rng.standard_normal(sa).astype(np.float32)
        y = (rng.random(sb) + 0.5).astype(np.float32)
        for op in (add, sub, mul, div):
            got = op(Tensor(x), Tensor(y))
            observe(f"{op.__name__} of random pair {i}", got.data, rtol=1e-5, atol=1e-6)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    t = Tensor(x)
    observe("dtype of t * np.float64(2)", str((t * np.float64(2.0)).dtype))
    observe("np.float32(2) - t", (np.float32(2.0) - t).data)
    observe("power(t, 3)", power(t, 3).data, rtol=1e-5)
    observe("power(|t|, 0.5)", power(Tensor(np.abs(x)), 0.5).data, rtol=1e-5)
    observe("neg(t)", neg(t).data)
    d = Tensor(x, dtype=np.float64)
    observe("dtypes: float64 + 1.0, float64 * float32, int + 2.5",
            [str(add(d, 1.0).dtype), str(mul(d, t).dtype), str(add(Tensor([1, 2]), 2.5).dtype)])
    observe("Tensor([1, 2]) / 2", div(Tensor([1, 2]), 2).data)
    for f in (sub, mul, div):
        try:
            f(Tensor(np.ones((3, 2))), Tensor(np.ones((3,))))
            named = "no error"
        except ValueError as e:
            named = "(3, 2)" in str(e) and "(3,)" in str(e)
        observe(f"{f.__name__} of (3, 2) and (3,): ValueError naming both", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_arithmetic()

# %% [markdown]
# ## 4. Matrix multiplication with loops
#
# For A of shape (n, k) and B of shape (k, m), the product C = A @ B has shape (n, m):
#
#     C[i, j] = sum over p of A[i, p] * B[p, j]
#
# The inner dimensions (k) must agree. The cost is n * m * k multiply-adds. As three Python loops it is
# slow, and that is the point: time it against the vectorized `matmul` of section 5.
#
# **Task: `matmul_loops`.** 2-D inputs only. Raise `ValueError` naming both shapes if an input is not 2-D or
# the inner dimensions differ. Compute with three explicit loops (no `np.matmul`, `np.dot` or `@`) and
# return `_wrap(result, a, b)`.

# %% nbgrader={"grade": false, "grade_id": "matmul-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def matmul_loops(a: Tensor, b: Tensor) -> Tensor:
    """C[i, j] = sum_p A[i, p] * B[p, j] for 2-D A (n, k) and B (k, m), with three explicit loops."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(f"matmul_loops: needs 2-D inputs, got shapes {x.shape} and {y.shape}")
    n, k = x.shape
    k_b, m = y.shape
    if k != k_b:
        raise ValueError(f"matmul_loops: shapes {x.shape} and {y.shape} do not align: {k} != {k_b}")
    out = np.zeros((n, m), dtype=np.result_type(x, y))
    for i in range(n):
        for j in range(m):
            total = 0
            for p in range(k):
                total += x[i, p] * y[p, j]
            out[i, j] = total
    return _wrap(out, a, b)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-matmul-loops", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_matmul_loops():
    """matmul_loops computes sum_p A[i, p] B[p, j] and rejects shapes that do not align."""
    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    b = Tensor([[5.0, 6.0], [7.0, 8.0]])
    c = matmul_loops(a, b)
    assert isinstance(c, Tensor), f"matmul_loops must return a Tensor, got {type(c).__name__}"
    assert c.shape == (2, 2), f"(2, 2) @ (2, 2) should have shape (2, 2), got {c.shape}"
    assert np.allclose(c.data, [[19.0, 22.0], [43.0, 50.0]]), f"[[1, 2], [3, 4]] @ [[5, 6], [7, 8]] is [[19, 22], [43, 50]], got {c.data}"
    assert c.dtype == np.float32, f"float32 inputs should give float32, got {c.dtype}"

    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.0
    y = np.arange(12, dtype=np.float32).reshape(3, 4) / 3.0
    got = matmul_loops(Tensor(x), Tensor(y))
    assert got.shape == (2, 4), f"(2, 3) @ (3, 4) should have shape (2, 4), got {got.shape}"
    assert np.allclose(got.data, x @ y, rtol=1e-5, atol=1e-5), f"(2, 3) @ (3, 4) gives {got.data}, expected {x @ y}"

    for sa, sb in [((2, 3), (4, 5)), ((3,), (3, 2))]:
        try:
            matmul_loops(Tensor(np.ones(sa)), Tensor(np.ones(sb)))
        except ValueError as e:
            msg = str(e)
        else:
            raise AssertionError(f"matmul_loops of shapes {sa} and {sb} must raise ValueError")
        assert str(sa) in msg and str(sb) in msg, f"the error must name both shapes {sa} and {sb}, got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(404)
    for i in range(8):
        n, k, m = (int(s) for s in rng.integers(1, 7, size=3))
        x = rng.standard_normal((n, k)).astype(np.float32)
        y = rng.standard_normal((k, m)).astype(np.float32)
        got = matmul_loops(Tensor(x), Tensor(y))
        observe(f"random product {i}", got.data, rtol=1e-4, atol=1e-5)
        observe(f"random product {i}: dtype", str(got.dtype))
    xi = rng.integers(-5, 5, size=(3, 4))
    yi = rng.integers(-5, 5, size=(4, 2))
    observe("integer product", matmul_loops(Tensor(xi), Tensor(yi)).data)
    try:
        matmul_loops(Tensor(np.ones((2, 3))), Tensor(np.ones((2, 3))))
        named = "no error"
    except ValueError as e:
        named = "(2, 3)" in str(e)
    observe("(2, 3) @ (2, 3): ValueError naming the shapes", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_matmul_loops()

# %% [markdown]
# ## 5. Matrix multiplication, vectorized
#
# `matmul` is the version the library uses; it follows `np.matmul` and `torch.matmul`:
# - 2-D: (n, k) @ (k, m) -> (n, m);
# - batched: (..., n, k) @ (..., k, m) -> (..., n, m), where the leading batch dimensions broadcast;
# - 1-D: on the left a vector acts as a row, (k,) @ (k, m) -> (m,); on the right as a column,
#   (n, k) @ (k,) -> (n,); (k,) @ (k,) is the dot product, shape ().
#
# **Task: `matmul`.** Before computing, check that the inner dimensions agree and raise `ValueError` naming
# both shapes, such as `matmul: shapes (2, 3) and (4, 5) do not align: 3 != 4`. Then let `np.matmul` do the
# work and return `_wrap(result, a, b)`.

# %% nbgrader={"grade": false, "grade_id": "matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """(..., n, k) @ (..., k, m) -> (..., n, m) with broadcast batch dims; 1-D operands as in np.matmul."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: needs at least 1-D inputs, got shapes {x.shape} and {y.shape}")
    k_a = x.shape[-1]
    k_b = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} do not align: {k_a} != {k_b}")
    try:
        broadcast_shape(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {x.shape} and {y.shape} do not broadcast") from None
    return _wrap(np.matmul(x, y), a, b)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-matmul", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_matmul():
    """matmul matches np.matmul for 2-D, batched and 1-D operands and names both shapes on a mismatch."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    y = np.arange(12, dtype=np.float32).reshape(3, 4) / 4.0
    got = matmul(Tensor(x), Tensor(y))
    assert isinstance(got, Tensor), f"matmul must return a Tensor, got {type(got).__name__}"
    assert got.shape == (2, 4) and got.dtype == np.float32, f"(2, 3) @ (3, 4) should be float32 (2, 4), got {got.dtype} {got.shape}"
    assert np.allclose(got.data, x @ y, rtol=1e-5, atol=1e-6), f"(2, 3) @ (3, 4) gives {got.data}, expected {x @ y}"
    assert np.allclose((Tensor(x) @ Tensor(y)).data, x @ y, rtol=1e-5, atol=1e-6), "the @ operator is wrong"
    assert np.allclose(Tensor(x).matmul(Tensor(y)).data, x @ y, rtol=1e-5, atol=1e-6), "Tensor.matmul is wrong"

    shapes = [
        ((5, 2, 3), (3, 4)),        # a batch of matrices times one matrix
        ((5, 2, 3), (5, 3, 4)),     # batch times batch
        ((2, 1, 2, 3), (4, 3, 2)),  # batch dims (2, 1) and (4,) broadcast to (2, 4)
        ((3,), (3, 4)),             # vector on the left
        ((2, 3), (3,)),             # vector on the right
        ((3,), (3,)),               # dot product
    ]
    for sa, sb in shapes:
        p = np.linspace(-1.0, 1.0, int(np.prod(sa)), dtype=np.float32).reshape(sa)
        q = np.linspace(0.5, 2.0, int(np.prod(sb)), dtype=np.float32).reshape(sb)
        got = matmul(Tensor(p), Tensor(q))
        want = np.matmul(p, q)
        assert got.shape == want.shape, f"{sa} @ {sb} should have shape {want.shape}, got {got.shape}"
        assert np.allclose(got.data, want, rtol=1e-5, atol=1e-6), f"{sa} @ {sb} differs from np.matmul"

    try:
        matmul(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5))))
    except ValueError as e:
        msg = str(e)
    else:
        raise AssertionError("matmul of shapes (2, 3) and (4, 5) must raise ValueError")
    assert "(2, 3)" in msg and "(4, 5)" in msg, f"the error must name both shapes (2, 3) and (4, 5), got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(505)
    for i in range(8):
        n, k, m = (int(s) for s in rng.integers(1, 6, size=3))
        batch = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        p = rng.standard_normal(batch + (n, k)).astype(np.float32)
        q = rng.standard_normal((k, m)).astype(np.float32)
        observe(f"random batched product {i}", matmul(Tensor(p), Tensor(q)).data, rtol=1e-4, atol=1e-5)
    for sa, sb in [((4,), (3,)), ((2, 3, 4), (2, 5, 6)), ((3,), (2, 3))]:
        try:
            matmul(Tensor(np.ones(sa)), Tensor(np.ones(sb)))
            named = "no error"
        except ValueError as e:
            named = str(sa) in str(e) and str(sb) in str(e)
        observe(f"{sa} @ {sb}: ValueError naming both", named)
    d = matmul(Tensor([[1.0, 2.0]], dtype=np.float64), Tensor([[3.0], [4.0]], dtype=np.float64))
    observe("float64 product: dtype and value", (str(d.dtype), d.item()))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_matmul()

# %% [markdown]
# ## 6. Reductions
#
# A reduction collapses axes. `axis` is None (all axes; the result has shape ()), an int (negative counts
# from the end) or a tuple of ints. With `keepdims=True` the reduced axes stay as size 1, so the result
# broadcasts against the input: `x - x.mean(axis=1, keepdims=True)` centres each row of `x`.
#
# Pitfall: without `keepdims`, (4, 3) minus the row means (4,) fails to broadcast, and for a square (3, 3)
# input it silently subtracts each row's mean from a column instead.
#
# **Task: `reduce_sum`, `reduce_mean`, `reduce_max`.** Same semantics as NumPy's `sum`, `mean`, `max`
# (PyTorch: `sum`, `mean`, `amax`). Return `_wrap(result, x)`, so the mean of an integer tensor is float32.

# %% nbgrader={"grade": false, "grade_id": "reductions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def reduce_sum(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False) -> Tensor:
    """Sum of the elements over `axis` (all axes when None)."""
    ### BEGIN SOLUTION
    return _wrap(np.sum(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION


def reduce_mean(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` divided by the number of elements reduced; float32 for integer input."""
    ### BEGIN SOLUTION
    return _wrap(np.mean(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION


def reduce_max(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False) -> Tensor:
    """Largest element over `axis` (all axes when None)."""
    ### BEGIN SOLUTION
    return _wrap(np.max(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-reductions", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_reductions():
    """sum, mean and max match NumPy for every kind of axis, with and without keepdims."""
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 4.0
    x = Tensor(x_np)
    cases = [
        ("reduce_sum(x)", reduce_sum(x), x_np.sum()),
        ("reduce_sum(x, axis=1)", reduce_sum(x, axis=1), x_np.sum(axis=1)),
        ("reduce_sum(x, axis=-1, keepdims=True)", reduce_sum(x, axis=-1, keepdims=True), x_np.sum(axis=-1, keepdims=True)),
        ("reduce_sum(x, axis=(0, 2))", reduce_sum(x, axis=(0, 2)), x_np.sum(axis=(0, 2))),
        ("reduce_mean(x)", reduce_mean(x), x_np.mean()),
        ("reduce_mean(x, axis=0)", reduce_mean(x, axis=0), x_np.mean(axis=0)),
        ("reduce_mean(x, axis=(1, 2), keepdims=True)", reduce_mean(x, axis=(1, 2), keepdims=True), x_np.mean(axis=(1, 2), keepdims=True)),
        ("reduce_max(x)", reduce_max(x), x_np.max()),
        ("reduce_max(x, axis=2)", reduce_max(x, axis=2), x_np.max(axis=2)),
        ("reduce_max(x, axis=-2, keepdims=True)", reduce_max(x, axis=-2, keepdims=True), x_np.max(axis=-2, keepdims=True)),
        ("x.sum(axis=1, keepdims=True)", x.sum(axis=1, keepdims=True), x_np.sum(axis=1, keepdims=True)),
        ("x.mean(-1)", x.mean(-1), x_np.mean(-1)),
        ("x.max()", x.max(), x_np.max()),
    ]
    for name, got, want in cases:
        want = np.asarray(want)
        assert isinstance(got, Tensor), f"{name} must return a Tensor, got {type(got).__name__}"
        assert got.shape == want.shape, f"{name} should have shape {want.shape}, got {got.shape}"
        assert got.dtype == np.float32, f"{name} of a float32 tensor should be float32, got {got.dtype}"
        assert np.allclose(got.data, want, rtol=1e-5, atol=1e-5), f"{name} gives {got.data}, expected {want}"

    m = reduce_mean(Tensor([[1, 2], [3, 5]]), axis=1)
    assert m.dtype == np.float32, f"the mean of an integer tensor should be float32, got {m.dtype}"
    assert np.allclose(m.data, [1.5, 4.0]), f"row means of [[1, 2], [3, 5]] are [1.5, 4.0], got {m.data}"
    s = reduce_sum(Tensor([[1, 2], [3, 5]]))
    assert s.dtype == np.int64 and s.item() == 11, f"the sum of an int64 tensor is an int64, 11, got {s}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(606)
    for i in range(12):
        nd = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(1, 5, size=nd))
        data = rng.standard_normal(shape).astype(np.float32)
        t = Tensor(data)
        k = int(rng.integers(1, nd + 1))
        axes = tuple(int(a) for a in rng.choice(nd, size=k, replace=False))
        axis = axes[0] - nd if k == 1 and rng.random() < 0.5 else (axes[0] if k == 1 else axes)
        keep = bool(rng.random() < 0.5)
        for op in (reduce_sum, reduce_mean, reduce_max):
            observe(f"{op.__name__} of random case {i}", op(t, axis=axis, keepdims=keep).data, atol=1e-5)
    d = Tensor(rng.standard_normal((3, 2)), dtype=np.float64)
    observe("dtype of the mean of a float64 tensor", str(reduce_mean(d).dtype))
    mx = reduce_max(Tensor([[-3, -7], [-1, -9]]), axis=0)
    observe("max over axis 0 of negative ints", (str(mx.dtype), mx.data))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_reductions()

# %% [markdown]
# ## 7. Reshape and transpose
#
# `reshape` lays the same elements out in a new shape, reading and writing them in row-major (C) order; the
# number of elements cannot change. One size may be -1; it is inferred as `size // product(other sizes)`.
# `transpose(x, dim0, dim1)` swaps two axes: for a matrix, element `[i, j]` moves to `[j, i]`.
#
# Pitfall: reshape is not transpose. A (2, 3) matrix reshaped to (3, 2) keeps the elements in row order;
# its transpose reads them column by column.
#
# **Task: `reshape`.** Work out the -1 yourself (do not pass -1 on to NumPy) and raise `ValueError` naming
# the old and the requested shape, such as `reshape: cannot reshape (2, 3, 4) into (5, -1)`, when more than
# one -1 is given or the sizes do not match. `shape` already arrives as a tuple of ints.
#
# **Task: `transpose`.** Negative dims count from the end, as in `torch.transpose`.

# %% nbgrader={"grade": false, "grade_id": "shape-ops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def reshape(x: Tensor, *shape: int) -> Tensor:
    """Same elements in row-major order, new shape; a single -1 becomes size // product(other sizes)."""
    shape = _shape_arg(shape)  # reshape(x, 2, 3) and reshape(x, (2, 3)) both give (2, 3)
    ### BEGIN SOLUTION
    data = array_of(x)
    problem = f"reshape: cannot reshape {data.shape} (size {data.size}) into {shape}"
    if shape.count(-1) > 1:
        raise ValueError(f"{problem}: at most one size can be -1")
    if any(s < -1 for s in shape):
        raise ValueError(f"{problem}: sizes must be non-negative or -1")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or data.size % known != 0:
            raise ValueError(problem)
        shape = tuple(data.size // known if s == -1 else s for s in shape)
    elif known != data.size:
        raise ValueError(problem)
    return _wrap(data.reshape(shape), x)
    ### END SOLUTION


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap axes dim0 and dim1 (negative dims count from the end), like torch.transpose."""
    ### BEGIN SOLUTION
    data = array_of(x)
    for d in (dim0, dim1):
        if not -data.ndim <= d < data.ndim:
            raise IndexError(f"transpose: dimension {d} is out of range for shape {data.shape}")
    axes = list(range(data.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]  # list indexing handles negative dims
    return _wrap(np.transpose(data, axes), x)
    ### END SOLUTION


def permute(x: Tensor, *dims: int) -> Tensor:
    """Axes reordered: result axis i is x's axis dims[i] (negative dims count from the end), like torch.permute."""
    ### BEGIN SOLUTION
    data = array_of(x)
    dims = _shape_arg(dims)
    if sorted(d % data.ndim for d in dims) != list(range(data.ndim)) if data.ndim else dims != ():
        raise ValueError(f"permute: {dims} is not an order of the {data.ndim} axes of shape {data.shape}")
    return _wrap(np.transpose(data, dims).copy(), x)  # a new array, not a view of x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-shape-ops", "locked": true, "points": 15, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_shape_ops():
    """reshape keeps row-major order and infers -1; transpose swaps two axes like np.swapaxes."""
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.0
    x = Tensor(x_np)
    cases = [
        ("reshape(x, 4, 6)", reshape(x, 4, 6), x_np.reshape(4, 6)),
        ("reshape(x, (6, 4))", reshape(x, (6, 4)), x_np.reshape(6, 4)),
        ("reshape(x, 3, -1)", reshape(x, 3, -1), x_np.reshape(3, 8)),
        ("reshape(x, -1, 2, 2)", reshape(x, -1, 2, 2), x_np.reshape(6, 2, 2)),
        ("reshape(x, -1)", reshape(x, -1), x_np.reshape(24)),
        ("x.reshape(2, 12)", x.reshape(2, 12), x_np.reshape(2, 12)),
        ("transpose(x, 0, 2)", transpose(x, 0, 2), np.swapaxes(x_np, 0, 2)),
        ("transpose(x, -1, -2)", transpose(x, -1, -2), np.swapaxes(x_np, -1, -2)),
        ("x.transpose(0, 1)", x.transpose(0, 1), np.swapaxes(x_np, 0, 1)),
    ]
    for name, got, want in cases:
        assert isinstance(got, Tensor), f"{name} must return a Tensor, got {type(got).__name__}"
        assert got.shape == want.shape, f"{name} should have shape {want.shape}, got {got.shape}"
        assert got.dtype == np.float32, f"{name} must keep float32, got {got.dtype}"
        assert np.array_equal(got.data, want), f"{name} put the elements in the wrong places"

    for requested in [(5, 5), (5, -1), (-1, -1)]:
        try:
            reshape(x, *requested)
        except ValueError as e:
            msg = str(e)
        else:
            raise AssertionError(f"reshape of (2, 3, 4) into {requested} must raise ValueError")
        assert "(2, 3, 4)" in msg and str(requested) in msg, f"the error must name (2, 3, 4) and {requested}, got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(707)
    for i in range(10):
        old = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        data = rng.integers(-50, 50, size=old)
        new = tuple(int(s) for s in rng.permutation(list(old) + [1]))
        with_hole = list(new)
        with_hole[int(rng.integers(0, len(new)))] = -1
        for j, req in enumerate((new, tuple(with_hole))):
            got = reshape(Tensor(data), *req)
            observe(f"reshape of random case {i}, request {j}", (str(got.dtype), got.data))
        d0, d1 = (int(d) for d in rng.integers(-len(old), len(old), size=2))
        observe(f"transpose of random case {i}", transpose(Tensor(data), d0, d1).data)
    observe("shape of reshape(arange(12), (2, -1, 3))", tuple(reshape(Tensor(np.arange(12.0)), (2, -1, 3)).shape))
    for requested in [(7, -1), (2, 7)]:
        try:
            reshape(Tensor(np.arange(12)), requested)
            named = "no error"
        except ValueError as e:
            named = "(12,)" in str(e) and str(requested) in str(e)
        observe(f"reshape (12,) into {requested}: ValueError naming both", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_ops()

# %% [markdown]
# ## 8. Exponential and logarithm
#
# `exp` and `log` apply e^x and ln(x) to each element; softmax, cross-entropy and every probability model
# need them. Return `_wrap(result, x)`: float32 stays float32, integer input gives float32.
#
# Pitfall: float32 `exp` overflows to `inf` for x > 88.7, and `log(0)` is `-inf`. Module 03 avoids both by
# subtracting the maximum before `exp` (the log-sum-exp trick).

# %% nbgrader={"grade": false, "grade_id": "exp-log", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def exp(x: Tensor) -> Tensor:
    """e**x elementwise."""
    ### BEGIN SOLUTION
    return _wrap(np.exp(array_of(x)), x)
    ### END SOLUTION


def log(x: Tensor) -> Tensor:
    """Natural logarithm elementwise; log(0) = -inf and log of a negative number is nan."""
    ### BEGIN SOLUTION
    return _wrap(np.log(array_of(x)), x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-exp-log", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_exp_log():
    """exp and log match NumPy, keep float32 and invert each other."""
    x_np = np.array([[-2.0, -0.5, 0.0], [1.0, 2.5, 4.0]], dtype=np.float32)
    p_np = np.array([0.1, 1.0, 2.5, 100.0], dtype=np.float32)
    cases = [
        ("exp(x)", exp(Tensor(x_np)), np.exp(x_np)),
        ("log(p)", log(Tensor(p_np)), np.log(p_np)),
        ("x.exp()", Tensor(x_np).exp(), np.exp(x_np)),
        ("p.log()", Tensor(p_np).log(), np.log(p_np)),
    ]
    for name, got, want in cases:
        assert isinstance(got, Tensor), f"{name} must return a Tensor, got {type(got).__name__}"
        assert got.shape == want.shape, f"{name} should have shape {want.shape}, got {got.shape}"
        assert got.dtype == np.float32, f"{name} of float32 should stay float32, got {got.dtype}"
        assert np.allclose(got.data, want, rtol=1e-5, atol=1e-6), f"{name} gives {got.data}, expected {want}"

    back = log(exp(Tensor(x_np)))
    assert np.allclose(back.data, x_np, atol=1e-5), f"log(exp(x)) should be x, got {back.data}"
    e = exp(Tensor([0, 1, 2]))
    assert e.dtype == np.float32, f"exp of an integer tensor should be float32, got {e.dtype}"
    assert np.allclose(e.data, [1.0, np.e, np.e ** 2]), f"exp([0, 1, 2]) is [1, e, e^2], got {e.data}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(808)
    for i in range(5):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        data = rng.standard_normal(shape).astype(np.float32) * 3
        observe(f"exp of random case {i}", exp(Tensor(data)).data, rtol=1e-5)
        observe(f"log of random case {i}", log(Tensor(np.abs(data) + 0.01)).data, rtol=1e-5, atol=1e-6)
    d = Tensor([0.5, 2.0], dtype=np.float64)
    observe("dtypes: exp and log of float64, log of int", [str(exp(d).dtype), str(log(d).dtype),
                                                           str(log(Tensor([1, 10])).dtype)])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_exp_log()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: `tinytorch.Tensor`, `tinytorch.zeros`, ... (module 02 adds
# gradients to the same names). The table maps each PyTorch-shaped name to this module's object; `tito export`
# collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "Tensor": "Tensor", "tensor": "tensor", "zeros": "zeros", "ones": "ones", "full": "full", "randn": "randn",
    "rand": "rand", "arange": "arange", "zeros_like": "zeros_like", "ones_like": "ones_like",
    "full_like": "full_like", "randn_like": "randn_like", "rand_like": "rand_like", "manual_seed": "manual_seed",
    "matmul": "matmul", "exp": "exp", "log": "log", "reshape": "reshape", "transpose": "transpose",
    "permute": "permute", "sum": "reduce_sum", "mean": "reduce_mean", "amax": "reduce_max", "float32": "float32",
    "float64": "float64", "float16": "float16", "int64": "int64", "int32": "int32", "int16": "int16",
    "int8": "int8", "uint8": "uint8", "long": "long", "double": "double", "half": "half", "bool": "bool_",
}
