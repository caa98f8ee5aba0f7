# %% [markdown]
# # Module 01: Tensor
#
# A tensor is an n-dimensional array of numbers with a single dtype. Every later module (autograd, layers,
# losses, optimizers, attention) is built from the operations you write here, on top of NumPy.
#
# You will write the constructor's dtype rule, NumPy's broadcasting rule, elementwise arithmetic, matrix
# multiplication (once with loops, once vectorized), reductions, reshape and transpose, exp and log, and then
# the everyday rest of PyTorch's tensor: comparisons and masks, where/maximum/clamp/abs/sqrt, argmax and
# max(dim), squeeze/unsqueeze/flatten, cat and stack.
# Each task is a cell containing `# YOUR CODE HERE`; the locked cell after it tests it. Run the cells in order.
#
# Conventions, as in PyTorch: floats are float32 unless you ask for another dtype, and every operation
# returns a new Tensor without modifying its inputs.

# %%
#| default_exp core.tensor

# %%
#| export
from typing import NamedTuple, Union

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

    # Defining __eq__ (elementwise, below) would make the class unhashable; PyTorch hashes tensors by identity,
    # so they stay usable as dict keys and in sets.
    __hash__ = object.__hash__

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

    # Comparisons are elementwise and give bool tensors, as in PyTorch (section 9).
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

    # --- given: methods, forwarding to the functions below ---

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
        """t.max() and t.max(axis=...): the largest values (torch.amax); t.max(dim) and t.max(dim=...): the
        pair (values, indices), as torch.max; t.max(other_tensor): the elementwise maximum."""
        return max_of(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """As max, for the smallest values."""
        return min_of(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim: bool = False) -> "Tensor":
        """Largest values over `dim` (all when None)."""
        return reduce_max(self, dim, keepdim)

    def amin(self, dim=None, keepdim: bool = False) -> "Tensor":
        """Smallest values over `dim` (all when None)."""
        return reduce_min(self, dim, keepdim)

    def argmax(self, dim=None, keepdim: bool = False) -> "Tensor":
        """Index of the largest value over `dim` (of the flattened tensor when None), int64."""
        return argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False) -> "Tensor":
        """Index of the smallest value over `dim` (of the flattened tensor when None), int64."""
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
        """Elementwise larger of self and other."""
        return maximum(self, other)

    def minimum(self, other) -> "Tensor":
        """Elementwise smaller of self and other."""
        return minimum(self, other)

    def clamp(self, min=None, max=None) -> "Tensor":
        """Each element limited to [min, max] (one bound may be None)."""
        return clamp(self, min, max)

    def where(self, condition, other) -> "Tensor":
        """self where `condition` holds, else other (torch's x.where(cond, y))."""
        return where(condition, self, other)

    def abs(self) -> "Tensor":
        """Elementwise |x|."""
        return absolute(self)

    def sqrt(self) -> "Tensor":
        """Elementwise square root."""
        return sqrt(self)

    def reshape(self, *shape) -> "Tensor":
        """Same elements in a new shape: t.reshape(2, 3) or t.reshape((2, 3)); one size may be -1."""
        return reshape(self, *shape)

    def view(self, *shape) -> "Tensor":
        """As reshape (PyTorch's view shares memory; here every result is a new array)."""
        return view(self, *shape)

    def squeeze(self, dim=None) -> "Tensor":
        """Size-1 axes removed: all of them, or only `dim` (an int or a tuple)."""
        return squeeze(self, dim)

    def unsqueeze(self, dim: int) -> "Tensor":
        """A size-1 axis inserted at position `dim`."""
        return unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Axes start_dim..end_dim merged into one."""
        return flatten(self, start_dim, end_dim)

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


def _reduce_args(x: TensorLike, axis, keepdims, dim=None, keepdim=None) -> tuple:
    """(axis, keepdims) from NumPy's names or PyTorch's (`dim`, `keepdim`). A 0-d tensor reduced over axis 0 or
    -1 is itself, as in PyTorch (np.mean would raise), so such an axis becomes None."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give the reduced axes as axis= or as dim=, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    if axis is not None and np.ndim(array_of(x)) == 0:
        for a in axis if isinstance(axis, tuple) else (axis,):
            if a not in (0, -1):
                raise IndexError(f"dimension {a} is out of range for a 0-d tensor (expected 0 or -1)")
        axis = None
    return axis, bool(keepdims)


class ValuesIndices(NamedTuple):
    """What t.max(dim) and t.min(dim) return, as torch.max(t, dim): the values and their int64 indices."""

    values: Tensor
    indices: Tensor


def _extremum_call(dim, keepdim, axis, keepdims) -> tuple:
    """Which of the three meanings of torch.max / Tensor.max (and min) a call asks for: ("elementwise", other)
    when `dim` is a tensor; ("values", axis, keepdims) for no dim or NumPy's `axis=` (torch.amax);
    ("indices", dim, keepdim) for a dim, answered with the pair (values, indices)."""
    if isinstance(dim, (Tensor, np.ndarray)):
        return "elementwise", dim
    if dim is None:
        return "values", axis, keepdim if keepdims is None else keepdims
    if axis is not None:
        raise TypeError("give the reduced axis as axis= (values only) or as dim (values and indices), not both")
    return "indices", dim, keepdim or bool(keepdims)


def max_of(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """torch.max: values for no dim or axis=; (values, indices) for a dim; the elementwise maximum for a tensor."""
    kind, *args = _extremum_call(dim, keepdim, axis, keepdims)
    if kind == "elementwise":
        return maximum(x, *args)
    return reduce_max(x, *args) if kind == "values" else max_dim(x, *args)


def min_of(x: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """torch.min: as max_of, for the smallest values."""
    kind, *args = _extremum_call(dim, keepdim, axis, keepdims)
    if kind == "elementwise":
        return minimum(x, *args)
    return reduce_min(x, *args) if kind == "values" else min_dim(x, *args)


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

# %% nbgrader={"grade": true, "grade_id": "test-tensor-class", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_tensor_creation():
    """Tensor(data) holds a new ndarray: floats become float32, ints and bools keep their dtype, dtype= wins."""
    cases = [  # (data, dtype argument, dtype of the result)
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], None, np.float32), ([1.5, 2.0], None, np.float32),
        (3.5, None, np.float32), (np.array([1.0, 2.0]), None, np.float32), ([1, 2, 3], None, np.int64),
        (np.array([1, 2], dtype=np.int32), None, np.int32), ([True, False], None, np.bool_),
        ([1, 2], np.float64, np.float64), ([1.7, 2.2], np.int64, np.int64),
        (np.array([1.0, 2.0, 3.0], dtype=np.float32), None, np.float32),  # no conversion needed: still a copy
        (np.array([1, 2, 3]), None, np.int64), (Tensor([1.0, 2.0], dtype=np.float64), None, np.float64),
    ]
    for data, dtype, want in cases:
        src = np.asarray(data.data if isinstance(data, Tensor) else data)
        t = Tensor(data, dtype=dtype)
        assert isinstance(t.data, np.ndarray) and t.dtype == want and np.array_equal(t.data, src.astype(want)), \
            f"Tensor({data!r}, dtype={dtype}) should hold {src.astype(want)!r}, got {t.data!r}"
        assert not np.shares_memory(t.data, src), f"Tensor({data!r}) shares memory with its input: copy the array"

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

# %% nbgrader={"grade": true, "grade_id": "test-broadcast-shape", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_broadcast_shape():
    """Shapes align from the right; each pair of sizes is equal or has a 1; the result takes the larger; a
    mismatch raises ValueError naming both shapes and the dimension counted from the right."""
    cases = [((2, 3), (3,), (2, 3)), ((2, 3), (2, 3), (2, 3)), ((4, 1), (1, 5), (4, 5)), ((8, 1, 3), (5, 1), (8, 5, 3)),
             ((), (2, 2), (2, 2)), ((3,), (), (3,)), ((3, 1), (3,), (3, 3)), ((0,), (1,), (0,))]
    for a, b, want in cases:
        got = broadcast_shape(a, b)
        assert isinstance(got, tuple) and got == want, f"broadcast_shape({a}, {b}) should be the tuple {want}, got {got!r}"
    for a, b, dim in [((2, 3), (4,), -1), ((5, 2, 4), (3, 4), -2)]:
        msg = error_message(ValueError, broadcast_shape, a, b) or "no error"
        assert str(a) in msg and str(b) in msg and f"dimension {dim}" in msg, \
            f"broadcast_shape({a}, {b}) must raise ValueError naming {a}, {b} and dimension {dim}, got: {msg}"

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
#
# **Task: `add`, `sub`, `mul`, `div`, `neg`, `power`.**

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

# %% jupyter={"source_hidden": true}
# Given, not graded: mismatch(got, want) says how a result differs from the expected array; the tests use it.
import numpy as np


def mismatch(got, want, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """What keeps `got` from being a Tensor like the array `want`: its type, shape, dtype or values (within
    np.allclose's tolerances); None when nothing does."""
    want = np.asarray(want)
    if not isinstance(got, Tensor):
        return f"must return a Tensor, got {type(got).__name__}"
    if got.shape != want.shape:
        return f"should have shape {want.shape}, got {got.shape}"
    if got.dtype != want.dtype:
        return f"should have dtype {want.dtype}, got {got.dtype}"
    if not np.allclose(got.data, want, rtol=rtol, atol=atol):
        return f"gives {got.data}, expected {want}"
    return None

# %% nbgrader={"grade": true, "grade_id": "test-elementwise", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_elementwise():
    """Each op is NumPy's, elementwise with broadcasting, with a number on either side; inputs stay unchanged."""
    a_np = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=np.float32)
    b_np = np.array([0.5, 2.0, -4.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    cases = [("add(a, b)", add(a, b), a_np + b_np), ("sub(a, b)", sub(a, b), a_np - b_np),
             ("mul(a, b)", mul(a, b), a_np * b_np), ("div(a, b)", div(a, b), a_np / b_np),
             ("neg(a)", neg(a), -a_np), ("power(a, 2)", power(a, 2), a_np ** 2),
             ("a + 1.5", a + 1.5, a_np + 1.5), ("1.5 + a", 1.5 + a, 1.5 + a_np), ("a - 2", a - 2, a_np - 2),
             ("2 - a (sub(2, a), not sub(a, 2))", 2 - a, 2 - a_np), ("3 * a", 3 * a, 3 * a_np),
             ("1 / b (div(1, b), not div(b, 1))", 1 / b, 1 / b_np), ("-a", -a, -a_np), ("b ** 3", b ** 3, b_np ** 3)]
    for name, got, want in cases:
        assert mismatch(got, want) is None, f"{name} {mismatch(got, want)}"
    assert np.array_equal(a.data, a_np) and np.array_equal(b.data, b_np), "operations must not modify their inputs"

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
    observe("np.float32(2) - t", (np.float32(2.0) - t).data)
    observe("power(t, 3)", power(t, 3).data, rtol=1e-5)
    observe("power(|t|, 0.5)", power(Tensor(np.abs(x)), 0.5).data, rtol=1e-5)
    observe("neg(t)", neg(t).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise()

# %% [markdown]
# The next two cells test the dtype rule, then shapes: a column with a row, and shapes that do not broadcast.

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-dtype", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_elementwise_dtype():
    """NumPy picks the kind; a float result is float64 only if a float64 Tensor took part, and Python numbers
    never widen a tensor; division is true division."""
    i32, i, j = Tensor(np.array([1, 2], dtype=np.int32)), Tensor([1, 2, 3]), Tensor([2, 2, 2])
    cases = [("float32 tensor * 2.5", Tensor([1.0, 2.0]) * 2.5, np.float32([2.5, 5.0])),
             ("int32 tensor + 1", i32 + 1, np.int32([2, 3])), ("2 * int32 tensor", 2 * i32, np.int32([2, 4])),
             ("[1 2 3] + [2 2 2]", i + j, np.int64([3, 4, 5])), ("[1 2 3] / [2 2 2]", i / j, np.float32([0.5, 1.0, 1.5]))]
    for name, got, want in cases:
        assert mismatch(got, want) is None, f"{name} {mismatch(got, want)}"

    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(303).standard_normal((3, 4)).astype(np.float32)
    t = Tensor(x)
    observe("dtype of t * np.float64(2)", str((t * np.float64(2.0)).dtype))
    d = Tensor(x, dtype=np.float64)
    observe("dtypes: float64 + 1.0, float64 * float32, int + 2.5",
            [str(add(d, 1.0).dtype), str(mul(d, t).dtype), str(add(Tensor([1, 2]), 2.5).dtype)])
    observe("Tensor([1, 2]) / 2", div(Tensor([1, 2]), 2).data)
    i32 = Tensor(np.array([3, -4], dtype=np.int32))
    observe("dtypes: int32 - 7, int32 * int64 tensor, int32 / 2", [str(sub(i32, 7).dtype), str(mul(i32, Tensor([2, 2])).dtype),
                                                                   str(div(i32, 2).dtype)])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_dtype()

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-shapes", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_elementwise_shapes():
    """A column (3, 1) with a row (3,) gives a (3, 3) table; shapes that do not broadcast raise broadcast_shape's
    ValueError, which names both."""
    col, row = np.float32([[1.0], [2.0], [3.0]]), np.float32([10.0, 20.0, 40.0])
    for op, np_op in [(add, np.add), (sub, np.subtract), (mul, np.multiply), (div, np.divide)]:
        got, want = op(Tensor(col), Tensor(row)), np_op(col, row)
        assert mismatch(got, want) is None, f"{op.__name__}(column, row) {mismatch(got, want)}"
        msg = error_message(ValueError, op, Tensor(np.zeros((2, 3))), Tensor(np.zeros(4))) or "no error"
        assert "(2, 3)" in msg and "(4,)" in msg, \
            f"{op.__name__} of (2, 3) and (4,): call broadcast_shape first, to raise a ValueError naming both; got: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(313)
    col, row = rng.standard_normal((4, 1)).astype(np.float32), (rng.random(5) + 0.5).astype(np.float32)
    for f in (sub, mul, div):
        observe(f"{f.__name__} of a (4, 1) column and a (5,) row", f(Tensor(col), Tensor(row)).data, rtol=1e-5, atol=1e-6)
        msg = error_message(ValueError, f, Tensor(np.ones((3, 2))), Tensor(np.ones((3,))))
        observe(f"{f.__name__} of (3, 2) and (3,): ValueError naming both",
                "no error" if msg is None else "(3, 2)" in msg and "(3,)" in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_elementwise_shapes()

# %%
if __name__ == "__main__":
    # The column-against-row pitfall: 100 targets stored as a column (100, 1), the predictions as a row (100,),
    # each prediction off by 0.1.
    _column = np.random.default_rng(0).standard_normal((100, 1)).astype(np.float32)
    _pred = Tensor(_column[:, 0] + 0.1)
    for _name, _target in [("target (100, 1)", Tensor(_column)), ("target (100,)", Tensor(_column[:, 0]))]:
        _diff = _pred - _target
        print(f"{_name}: diff shape {_diff.shape}, {_diff.data.size:,} elements, "
              f"mean squared error {float((_diff.data ** 2).mean()):.4f}")

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

# %% nbgrader={"grade": true, "grade_id": "test-matmul-loops", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_matmul_loops():
    """matmul_loops computes C[i, j] = sum_p A[i, p] B[p, j] and rejects shapes that do not align."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.0
    y = np.arange(12, dtype=np.float32).reshape(3, 4) / 3.0
    a, b = Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([[5.0, 6.0], [7.0, 8.0]])
    cases = [("[[1, 2], [3, 4]] @ [[5, 6], [7, 8]]", matmul_loops(a, b), np.float32([[19, 22], [43, 50]])),
             ("(2, 3) @ (3, 4)", matmul_loops(Tensor(x), Tensor(y)), x @ y)]
    for name, got, want in cases:
        assert mismatch(got, want, atol=1e-5) is None, f"matmul_loops: {name} {mismatch(got, want, atol=1e-5)}"
    for sa, sb in [((2, 3), (4, 5)), ((3,), (3, 2))]:
        msg = error_message(ValueError, matmul_loops, Tensor(np.ones(sa)), Tensor(np.ones(sb))) or "no error"
        assert str(sa) in msg and str(sb) in msg, f"matmul_loops of {sa} and {sb} must raise ValueError naming both, got: {msg}"

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

# %% nbgrader={"grade": true, "grade_id": "test-matmul", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_matmul():
    """matmul, @ and Tensor.matmul match np.matmul for 2-D, batched and 1-D operands; a mismatch names both shapes."""
    shapes = [((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),  # a batch of matrices times one matrix
              ((5, 2, 3), (5, 3, 4)), ((2, 1, 2, 3), (4, 3, 2)),  # batch times batch; batch dims (2, 1), (4,) broadcast
              ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,))]  # a vector on the left, on the right; the dot product
    for sa, sb in shapes:
        p = np.linspace(-1.0, 1.0, int(np.prod(sa)), dtype=np.float32).reshape(sa)
        q = np.linspace(0.5, 2.0, int(np.prod(sb)), dtype=np.float32).reshape(sb)
        for name, got in [("matmul", matmul(Tensor(p), Tensor(q))), ("@", Tensor(p) @ Tensor(q)),
                          ("Tensor.matmul", Tensor(p).matmul(Tensor(q)))]:
            assert mismatch(got, p @ q, atol=1e-6) is None, f"{name} of {sa} and {sb} {mismatch(got, p @ q, atol=1e-6)}"
    msg = error_message(ValueError, matmul, Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))) or "no error"
    assert "(2, 3)" in msg and "(4, 5)" in msg, f"matmul of (2, 3) and (4, 5) must raise ValueError naming both, got: {msg}"

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

# %%
if __name__ == "__main__":
    # The loops against the vectorized product on the same (40, 40) @ (40, 40): 64,000 multiply-adds.
    import time
    _rng = np.random.default_rng(0)
    _a, _b = Tensor(_rng.standard_normal((40, 40))), Tensor(_rng.standard_normal((40, 40)))
    _seconds = {}
    for _name, _fn, _runs in [("matmul_loops", matmul_loops, 1), ("matmul", matmul, 200)]:
        _start = time.perf_counter()
        for _ in range(_runs):
            _fn(_a, _b)
        _seconds[_name] = (time.perf_counter() - _start) / _runs
        print(f"{_name:>12}: {_seconds[_name] * 1e3:9.4f} ms")
    print(f"matmul is {_seconds['matmul_loops'] / _seconds['matmul']:,.0f} times faster")

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
# PyTorch calls the same arguments `dim` and `keepdim`: every reduction here accepts both spellings. The given
# first line of each function, `_reduce_args`, turns them into (axis, keepdims). It also settles a corner NumPy
# gets wrong for PyTorch code: a 0-d tensor reduced over dim 0 or -1 is itself (`np.sum` allows that, `np.mean`
# raises), so for a 0-d input the axis becomes None.
#
# **Task: `reduce_sum`, `reduce_mean`, `reduce_max`.** Same semantics as NumPy's `sum`, `mean`, `max`
# (PyTorch: `sum`, `mean`, `amax`). Return `_wrap(result, x)`, so the mean of an integer tensor is float32.

# %% nbgrader={"grade": false, "grade_id": "reductions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def reduce_sum(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Sum of the elements over `axis` (all axes when None)."""
    axis, keepdims = _reduce_args(x, axis, keepdims, dim, keepdim)
    ### BEGIN SOLUTION
    return _wrap(np.sum(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION


def reduce_mean(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Sum over `axis` divided by the number of elements reduced; float32 for integer input."""
    axis, keepdims = _reduce_args(x, axis, keepdims, dim, keepdim)
    ### BEGIN SOLUTION
    return _wrap(np.mean(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION


def reduce_max(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Largest element over `axis` (all axes when None)."""
    axis, keepdims = _reduce_args(x, axis, keepdims, dim, keepdim)
    ### BEGIN SOLUTION
    return _wrap(np.max(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-reductions", "locked": true, "points": 9, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_reductions():
    """sum, mean and max match NumPy over every kind of axis, with and without keepdims, in NumPy's names or
    PyTorch's (dim, keepdim); a 0-d tensor reduced over axis -1 is itself."""
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 4.0
    x = Tensor(x_np)
    cases = [(f"{op.__name__}(x, axis={axis}, keepdims={keep})", op(x, axis=axis, keepdims=keep),
              np_op(x_np, axis=axis, keepdims=keep))
             for op, np_op in [(reduce_sum, np.sum), (reduce_mean, np.mean), (reduce_max, np.max)]
             for axis in (None, 0, 1, 2, -1, -2, (0, 2), (1, 2)) for keep in (False, True)]
    cases += [("x.sum(axis=1, keepdims=True)", x.sum(axis=1, keepdims=True), x_np.sum(axis=1, keepdims=True)),
              ("x.sum(dim=1, keepdim=True)", x.sum(dim=1, keepdim=True), x_np.sum(axis=1, keepdims=True)),
              ("x.mean(-1)", x.mean(-1), x_np.mean(-1)), ("x.max()", x.max(), x_np.max())]
    cases += [(f"{op.__name__}(Tensor(2.5), axis=-1)", op(Tensor(2.5), axis=-1), np.float32(2.5))
              for op in (reduce_sum, reduce_mean, reduce_max)]
    for name, got, want in cases:
        assert mismatch(got, want, atol=1e-5) is None, f"{name} {mismatch(got, want, atol=1e-5)}"

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
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_reductions()

# %% nbgrader={"grade": true, "grade_id": "test-reductions-dtype", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_reductions_dtype():
    """A sum or max keeps the input's dtype; the mean of an integer tensor is float32."""
    i = Tensor([[1, 2], [3, 5]])
    cases = [("reduce_mean([[1, 2], [3, 5]], axis=1)", reduce_mean(i, axis=1), np.float32([1.5, 4.0])),
             ("reduce_sum([[1, 2], [3, 5]])", reduce_sum(i), np.int64(11)),
             ("reduce_max([[1, 2], [3, 5]], axis=0)", reduce_max(i, axis=0), np.int64([3, 5]))]
    for name, got, want in cases:
        assert mismatch(got, want) is None, f"{name} {mismatch(got, want)}"

    ### BEGIN HIDDEN TESTS
    d = Tensor(np.random.default_rng(606).standard_normal((3, 2)), dtype=np.float64)
    observe("dtype of the mean of a float64 tensor", str(reduce_mean(d).dtype))
    mx = reduce_max(Tensor([[-3, -7], [-1, -9]]), axis=0)
    observe("max over axis 0 of negative ints", (str(mx.dtype), mx.data))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_reductions_dtype()

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
#
# **Task: `permute(x, *dims)`.** Result axis i is x's axis `dims[i]`, as in `torch.permute`; `x.T` is
# `permute` with every axis reversed. Raise `ValueError` naming the shape when `dims` is not an order of all
# the axes. Return a new array, not a view of x.

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

# %% nbgrader={"grade": true, "grade_id": "test-shape-ops", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_shape_ops():
    """reshape keeps row-major order and infers -1; sizes that do not fit raise ValueError naming both shapes."""
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.0
    x = Tensor(x_np)
    cases = [("reshape(x, 4, 6)", reshape(x, 4, 6), x_np.reshape(4, 6)),
             ("reshape(x, (6, 4))", reshape(x, (6, 4)), x_np.reshape(6, 4)),
             ("reshape(x, 3, -1)", reshape(x, 3, -1), x_np.reshape(3, 8)),
             ("reshape(x, -1, 2, 2)", reshape(x, -1, 2, 2), x_np.reshape(6, 2, 2)),
             ("reshape(x, -1)", reshape(x, -1), x_np.reshape(24)), ("x.reshape(2, 12)", x.reshape(2, 12), x_np.reshape(2, 12))]
    for name, got, want in cases:
        assert mismatch(got, want, rtol=0, atol=0) is None, f"{name} {mismatch(got, want, rtol=0, atol=0)}"
    for requested in [(5, 5), (5, -1), (-1, -1)]:
        msg = error_message(ValueError, reshape, x, *requested) or "no error"
        assert "(2, 3, 4)" in msg and str(requested) in msg, f"reshape (2, 3, 4) into {requested}: ValueError naming both? got: {msg}"

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
        rng.integers(-len(old), len(old), size=2)  # the axes of test-shape-ops-transpose
    observe("shape of reshape(arange(12), (2, -1, 3))", tuple(reshape(Tensor(np.arange(12.0)), (2, -1, 3)).shape))
    for requested in [(7, -1), (2, 7)]:
        msg = error_message(ValueError, reshape, Tensor(np.arange(12)), requested)
        observe(f"reshape (12,) into {requested}: ValueError naming both",
                "no error" if msg is None else "(12,)" in msg and str(requested) in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_ops()

# %% nbgrader={"grade": true, "grade_id": "test-shape-ops-transpose", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_shape_ops_transpose():
    """transpose swaps two axes as np.swapaxes does, permute reorders all as np.transpose does."""
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.0
    x = Tensor(x_np)
    cases = [("transpose(x, 0, 2)", transpose(x, 0, 2), np.swapaxes(x_np, 0, 2)),
             ("transpose(x, -1, -2)", transpose(x, -1, -2), np.swapaxes(x_np, -1, -2)),
             ("x.transpose(0, 1)", x.transpose(0, 1), np.swapaxes(x_np, 0, 1)),
             ("permute(x, 2, 0, 1)", permute(x, 2, 0, 1), np.transpose(x_np, (2, 0, 1))),
             ("x.permute((1, -1, 0))", x.permute((1, -1, 0)), np.transpose(x_np, (1, 2, 0))), ("x.T", x.T, x_np.T)]
    for name, got, want in cases:
        assert mismatch(got, want, rtol=0, atol=0) is None, f"{name} {mismatch(got, want, rtol=0, atol=0)}"
    assert not np.shares_memory(permute(x, 1, 0, 2).data, x.data), "permute must return a new array, not a view"
    assert error_message(ValueError, permute, x, 0, 1) is not None, "permute(x, 0, 1) of a 3-d x must raise"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(707)
    for i in range(10):  # the cases of test-shape-ops, drawn the same way
        old = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        data = rng.integers(-50, 50, size=old)
        new = rng.permutation(list(old) + [1])
        rng.integers(0, len(new))  # where test-shape-ops puts its -1
        d0, d1 = (int(d) for d in rng.integers(-len(old), len(old), size=2))
        observe(f"transpose of random case {i}", transpose(Tensor(data), d0, d1).data)
        observe(f"permute of random case {i}", permute(Tensor(data), *rng.permutation(len(old)).tolist()).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_shape_ops_transpose()

# %% [markdown]
# ## 8. Exponential and logarithm
#
# `exp` and `log` apply e^x and ln(x) to each element; softmax, cross-entropy and every probability model
# need them. Return `_wrap(result, x)`: float32 stays float32, integer input gives float32.
#
# Pitfall: float32 `exp` overflows to `inf` for x > 88.7, and `log(0)` is `-inf`. Module 03 avoids both by
# subtracting the maximum before `exp` (the log-sum-exp trick).
#
# **Task: `exp`, `log`.**

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

# %% nbgrader={"grade": true, "grade_id": "test-exp-log", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_exp_log():
    """exp and log match NumPy, keep float32, give float32 for integers and invert each other."""
    x_np = np.array([[-2.0, -0.5, 0.0], [1.0, 2.5, 4.0]], dtype=np.float32)
    p_np = np.array([0.1, 1.0, 2.5, 100.0], dtype=np.float32)
    cases = [("exp(x)", exp(Tensor(x_np)), np.exp(x_np)), ("log(p)", log(Tensor(p_np)), np.log(p_np)),
             ("x.exp()", Tensor(x_np).exp(), np.exp(x_np)), ("p.log()", Tensor(p_np).log(), np.log(p_np)),
             ("exp([0, 1, 2])", exp(Tensor([0, 1, 2])), np.float32([1.0, np.e, np.e ** 2])),
             ("log(exp(x))", log(exp(Tensor(x_np))), x_np)]
    for name, got, want in cases:
        assert mismatch(got, want, atol=1e-6) is None, f"{name} {mismatch(got, want, atol=1e-6)}"

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
# ## 9. Comparisons and elementwise selection
#
# `a < b` compares element by element, with broadcasting, and gives a bool tensor, a mask. A mask selects:
# `where(cond, a, b)` takes `a` where `cond` is True and `b` elsewhere. Built on the same idea: `maximum(a, b)`
# and `minimum(a, b)` elementwise, `clamp(x, min, max)` (each element limited to [min, max]; one bound may be
# None), `absolute(x)` (PyTorch's `abs`, also `abs(t)`) and `sqrt(x)`.
#
# Rule: results go through `_wrap`. A comparison is bool; `where`, `maximum`, `minimum` and `clamp` follow the
# dtype rule of their value operands (never of `cond`); `sqrt` of integers is float32.
#
# Pitfall: `t == u` no longer asks "the same object?"; it gives a tensor. `if t == u:` works for one element
# only, and `t in [u, v]` fails for larger tensors, as in PyTorch. The class keeps `__hash__` (identity), so
# tensors still work as dict keys and in sets.
#
# **Task: `_compare`, `where`, `maximum`, `minimum`, `clamp`, `absolute`, `sqrt`.** `_compare(np_op, a, b)` is
# the one rule behind the six comparisons (given below it): check the shapes with `broadcast_shape`, apply
# `np_op` to the two arrays, wrap. `where` checks that all three shapes broadcast together. `clamp` with both
# bounds None raises `ValueError`.

# %% nbgrader={"grade": false, "grade_id": "compare-select", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _compare(np_op, a: TensorLike, b: TensorLike) -> Tensor:
    """np_op(a, b) elementwise with broadcasting, for a NumPy comparison such as np.less: a bool Tensor."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(np_op(x, y), a, b)
    ### END SOLUTION


def eq(a: TensorLike, b: TensorLike) -> Tensor:
    """a == b elementwise."""
    return _compare(np.equal, a, b)


def ne(a: TensorLike, b: TensorLike) -> Tensor:
    """a != b elementwise."""
    return _compare(np.not_equal, a, b)


def lt(a: TensorLike, b: TensorLike) -> Tensor:
    """a < b elementwise."""
    return _compare(np.less, a, b)


def le(a: TensorLike, b: TensorLike) -> Tensor:
    """a <= b elementwise."""
    return _compare(np.less_equal, a, b)


def gt(a: TensorLike, b: TensorLike) -> Tensor:
    """a > b elementwise."""
    return _compare(np.greater, a, b)


def ge(a: TensorLike, b: TensorLike) -> Tensor:
    """a >= b elementwise."""
    return _compare(np.greater_equal, a, b)


def where(condition: TensorLike, a: TensorLike, b: TensorLike) -> Tensor:
    """a where condition is True, else b; the three shapes broadcast together."""
    ### BEGIN SOLUTION
    c, x, y = array_of(condition).astype(bool), array_of(a), array_of(b)
    broadcast_shape(broadcast_shape(c.shape, x.shape), y.shape)
    return _wrap(np.where(c, x, y), a, b)
    ### END SOLUTION


def maximum(a: TensorLike, b: TensorLike) -> Tensor:
    """The larger of a and b, elementwise, with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(np.maximum(x, y), a, b)
    ### END SOLUTION


def minimum(a: TensorLike, b: TensorLike) -> Tensor:
    """The smaller of a and b, elementwise, with broadcasting."""
    ### BEGIN SOLUTION
    x, y = array_of(a), array_of(b)
    broadcast_shape(x.shape, y.shape)
    return _wrap(np.minimum(x, y), a, b)
    ### END SOLUTION


def clamp(x: TensorLike, min: TensorLike | None = None, max: TensorLike | None = None) -> Tensor:
    """min(max(x, min), max) elementwise; a bound that is None is not applied."""
    ### BEGIN SOLUTION
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    out = array_of(x)
    if min is not None:
        out = np.maximum(out, array_of(min))
    if max is not None:
        out = np.minimum(out, array_of(max))  # after min: for min > max every element becomes max, as in PyTorch
    return _wrap(out, x, min, max)
    ### END SOLUTION


def absolute(x: TensorLike) -> Tensor:
    """|x| elementwise (PyTorch's abs)."""
    ### BEGIN SOLUTION
    return _wrap(np.abs(array_of(x)), x)
    ### END SOLUTION


def sqrt(x: TensorLike) -> Tensor:
    """Square root elementwise; nan for negative elements; float32 for integer input."""
    ### BEGIN SOLUTION
    return _wrap(np.sqrt(array_of(x)), x)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-compare-select", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_compare_select():
    """Comparisons are elementwise with broadcasting and give bool masks; tensors still hash by identity."""
    a_np = np.array([[1.0, -2.0, 3.0], [0.0, 5.0, -6.0]], dtype=np.float32)
    b_np = np.array([1.0, 0.0, 4.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    cases = [("a == b", a == b, a_np == b_np), ("a != b", a != b, a_np != b_np), ("a < b", a < b, a_np < b_np),
             ("a <= 1", a <= 1, a_np <= 1), ("a > b", a > b, a_np > b_np), ("0 >= a", 0 >= a, 0 >= a_np)]
    for name, got, want in cases:
        assert mismatch(got, want) is None, f"{name} {mismatch(got, want)}"
    assert len({a, b, a}) == 2, "tensors hash by identity: the set {a, b, a} has two elements"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(909)
    for c in range(6):
        full = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        x = Tensor(rng.integers(-3, 4, size=sa).astype(np.float32))
        y = Tensor(rng.integers(-3, 4, size=sb).astype(np.float32))
        for op in (eq, ne, lt, le, gt, ge):
            got = op(x, y)
            observe(f"case {c}: {op.__name__}", (str(got.dtype), got.data))
    msg = error_message(ValueError, lt, Tensor(np.ones((2, 3))), Tensor(np.ones(4)))
    observe("lt of (2, 3) and (4,): ValueError naming both", "no error" if msg is None else "(2, 3)" in msg and "(4,)" in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_compare_select()

# %% nbgrader={"grade": true, "grade_id": "test-compare-select-values", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_compare_select_values():
    """where, maximum, minimum, clamp, abs and sqrt match NumPy and take the dtype of their values, not of a mask."""
    a_np = np.array([[1.0, -2.0, 3.0], [0.0, 5.0, -6.0]], dtype=np.float32)
    b_np = np.array([1.0, 0.0, 4.0], dtype=np.float32)
    a, b, i = Tensor(a_np), Tensor(b_np), Tensor([4, 9])
    cases = [("where(a > 0, a, b)", where(a > 0, a, b), np.where(a_np > 0, a_np, b_np)),
             ("maximum(a, b)", maximum(a, b), np.maximum(a_np, b_np)), ("minimum(a, 0.5)", minimum(a, 0.5), np.minimum(a_np, 0.5)),
             ("clamp(a, -1, 2)", clamp(a, -1, 2), np.clip(a_np, -1, 2)), ("a.clamp(max=0)", a.clamp(max=0), np.minimum(a_np, 0)),
             ("abs(a)", abs(a), np.abs(a_np)), ("sqrt(abs(a))", sqrt(absolute(a)), np.sqrt(np.abs(a_np))),
             ("sqrt([4, 9])", sqrt(i), np.float32([2, 3])),
             ("where([True, False], [4, 9], 0)", where(Tensor([True, False]), i, 0), np.int64([4, 0]))]
    for name, got, want in cases:
        assert mismatch(got, want) is None, f"{name} {mismatch(got, want)}"
    assert error_message(ValueError, clamp, a) is not None, "clamp without min and max must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(909)
    for c in range(6):
        full = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 4))))
        sa = tuple(s if rng.random() < 0.6 else 1 for s in full)
        sb = tuple(s if rng.random() < 0.6 else 1 for s in full)[int(rng.integers(0, len(full) + 1)):]
        x = Tensor(rng.integers(-3, 4, size=sa).astype(np.float32))
        y = Tensor(rng.integers(-3, 4, size=sb).astype(np.float32))
        for op in (maximum, minimum):
            got = op(x, y)
            observe(f"case {c}: {op.__name__}", (str(got.dtype), got.data))
        got = where(x > 0, x, y)
        observe(f"case {c}: where", (str(got.dtype), got.data))
        observe(f"case {c}: clamp(x, -1.5, 2)", clamp(x, -1.5, 2).data)
        observe(f"case {c}: clamp(x, min=y)", clamp(x, min=y).data)
        observe(f"case {c}: abs and sqrt", (absolute(x).data, sqrt(absolute(x)).data), rtol=1e-6)
    observe("dtypes: clamp(int, 0.5), abs(int32), maximum(int, 2.5)",
            [str(clamp(Tensor([1, 2]), 0.5).dtype), str(absolute(Tensor(np.array([-1], dtype=np.int32))).dtype),
             str(maximum(Tensor([1, 2]), 2.5).dtype)])
    observe("clamp with min > max", clamp(Tensor([0.0, 5.0]), 3.0, 1.0).data)
    observe("clamp without bounds", "no error" if error_message(ValueError, clamp, Tensor([1.0])) is None else "ValueError")
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_compare_select_values()

# %% [markdown]
# ## 10. Reductions that also say where
#
# `argmax(x, dim)` is the index of the largest element along `dim` (into the flattened tensor when `dim` is
# None): the predicted class of a row of logits. `reduce_min` is the smallest value (PyTorch's `amin`) and
# `argmin` its index. `max_dim(x, dim)` returns both, as the pair `ValuesIndices(values, indices)` (given), and
# that is what PyTorch's `t.max(dim)` returns; `t.max()` and `t.max(axis=...)` keep returning the values only.
# `max_of` and `min_of` (given in section 1) tell the cases apart for `Tensor.max`, `Tensor.min` and
# `tinytorch.max`.
#
# Rule: ties go to the first position, as in NumPy and PyTorch; indices are int64.
#
# Pitfall: `_wrap` would give the indices of an int32 tensor the dtype int32: build them with
# `Tensor(indices, dtype=np.int64)`.
#
# **Task: `reduce_min`, `argmax`, `argmin`, `max_dim`, `min_dim`.** `max_dim` and `min_dim` raise `TypeError`
# unless `dim` is a single int (several axes: `reduce_max`).

# %% nbgrader={"grade": false, "grade_id": "index-reductions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def reduce_min(x: Tensor, axis: int | tuple | None = None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    """Smallest element over `axis` (all axes when None)."""
    axis, keepdims = _reduce_args(x, axis, keepdims, dim, keepdim)
    ### BEGIN SOLUTION
    return _wrap(np.min(array_of(x), axis=axis, keepdims=keepdims), x)
    ### END SOLUTION


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """int64 index of the largest element along `dim` (into the flattened tensor when None); first of ties."""
    dim, keepdim = _reduce_args(x, dim, keepdim)
    ### BEGIN SOLUTION
    return Tensor(np.argmax(array_of(x), axis=dim, keepdims=keepdim), dtype=np.int64)
    ### END SOLUTION


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """int64 index of the smallest element along `dim` (into the flattened tensor when None); first of ties."""
    dim, keepdim = _reduce_args(x, dim, keepdim)
    ### BEGIN SOLUTION
    return Tensor(np.argmin(array_of(x), axis=dim, keepdims=keepdim), dtype=np.int64)
    ### END SOLUTION


def max_dim(x: Tensor, dim: int, keepdim: bool = False) -> ValuesIndices:
    """(largest values along `dim`, their int64 indices), as torch.max(x, dim)."""
    ### BEGIN SOLUTION
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"max(dim) takes one int dim, got {dim!r}; for several axes use amax or max(axis=...)")
    return ValuesIndices(reduce_max(x, dim, keepdim), argmax(x, dim, keepdim))
    ### END SOLUTION


def min_dim(x: Tensor, dim: int, keepdim: bool = False) -> ValuesIndices:
    """(smallest values along `dim`, their int64 indices), as torch.min(x, dim)."""
    ### BEGIN SOLUTION
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"min(dim) takes one int dim, got {dim!r}; for several axes use amin or min(axis=...)")
    return ValuesIndices(reduce_min(x, dim, keepdim), argmin(x, dim, keepdim))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-index-reductions", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_index_reductions():
    """argmax/argmin pick the first extreme as int64; t.max(dim) is (values, indices); t.max() is values only."""
    x_np = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]], dtype=np.float32)
    x = Tensor(x_np)
    am = argmax(x, 1)
    assert am.dtype == np.int64 and np.array_equal(am.data, [1, 0]), f"argmax per row is [1, 0] (first of ties), got {am}"
    assert argmax(x).item() == 1 and argmin(x).item() == 4, "without dim: the index into the flattened tensor"
    assert np.array_equal(reduce_min(x, axis=0).data, [1.0, -1.0, 0.5]), "reduce_min over axis 0 is wrong"
    values, indices = x.max(1)
    assert np.array_equal(values.data, [3.0, 2.0]) and np.array_equal(indices.data, [1, 0]), "x.max(1) is (values, indices)"
    m = x.min(dim=0, keepdim=True)
    assert m.values.shape == (1, 3) and np.array_equal(m.indices.data, [[0, 1, 1]]), "x.min(dim=0, keepdim=True) is wrong"
    assert isinstance(x.max(axis=1), Tensor) and isinstance(x.max(), Tensor), "max() and max(axis=...) give the values only"
    assert argmax(Tensor(np.array([[5, 9]], dtype=np.int32)), 1).dtype == np.int64, "indices are int64 for any input"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1010)
    for c in range(6):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        data = rng.integers(-4, 5, size=shape).astype(np.float32)  # small integers: ties happen
        t = Tensor(data)
        d = int(rng.integers(-len(shape), len(shape)))
        keep = bool(rng.random() < 0.5)
        for op in (argmax, argmin):
            got = op(t, d, keep)
            observe(f"case {c}: {op.__name__} over {d}, keepdim {keep}", (str(got.dtype), got.data))
            observe(f"case {c}: {op.__name__} flattened", op(t).data)
        for op in (max_dim, min_dim):
            pair = op(t, d, keep)
            observe(f"case {c}: {op.__name__} over {d}", (pair.values.data, pair.indices.data))
        observe(f"case {c}: reduce_min over {d}", reduce_min(t, dim=d, keepdim=keep).data)
    observe("argmax of a 0-d tensor over dim 0", argmax(Tensor(2.0), 0).data)
    try:
        max_dim(Tensor(np.ones((2, 2))), (0, 1))
        outcome = "no error"
    except TypeError:
        outcome = "TypeError"
    observe("max_dim with a tuple dim", outcome)
    observe("Tensor.max(axis=0) and max(dim=0).indices of an int32 tensor",
            [str(Tensor(np.array([[1, 7]], dtype=np.int32)).max(axis=0).dtype),
             str(Tensor(np.array([[1, 7]], dtype=np.int32)).max(dim=0).indices.dtype)])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_index_reductions()

# %% [markdown]
# ## 11. Adding and removing axes, joining tensors
#
# `unsqueeze(x, dim)` inserts an axis of size 1 at position `dim` of the result (so dim runs from -ndim-1 to
# ndim). `squeeze(x, dim)` removes axes of size 1: all of them when `dim` is None, else those among `dim` (an int
# or a tuple) that have size 1; an axis of another size stays, as in PyTorch. `flatten(x, start_dim, end_dim)`
# merges the axes start_dim..end_dim into one (a 0-d tensor becomes shape (1,)). `view` is `reshape` here.
# `cat(tensors, dim)` joins along an existing axis (all other sizes must agree); `stack(tensors, dim)` joins
# along a new axis (all shapes must agree).
#
# Pitfall: cat keeps the number of axes, stack adds one. Three (2, 3) tensors give (6, 3) with
# `cat(ts, dim=0)` and (3, 2, 3) with `stack(ts, dim=0)`.
#
# **Task: `squeeze`, `unsqueeze`, `flatten`, `cat`, `stack`.** Raise `IndexError` for a dim out of range and
# `ValueError` naming the shapes when tensors cannot be joined. Return `_wrap(result, ...)`, with every tensor
# joined as an input of `cat` and `stack`.

# %% nbgrader={"grade": false, "grade_id": "join-ops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_dim(dim: int, ndim: int, op: str) -> int:
    """`dim` as a non-negative axis of an array with `ndim` axes; IndexError when out of range."""
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dimension {dim} is out of range for {ndim} axes")
    return dim % ndim


def squeeze(x: Tensor, dim: int | tuple | None = None) -> Tensor:
    """x without its size-1 axes (all, or those among `dim`)."""
    ### BEGIN SOLUTION
    data = array_of(x)
    if dim is None:
        axes = tuple(i for i, size in enumerate(data.shape) if size == 1)
    else:
        dims = dim if isinstance(dim, tuple) else (dim,)
        checked = [_check_dim(d, max(data.ndim, 1), "squeeze") for d in dims]  # PyTorch allows dim 0 of a 0-d
        axes = tuple(d for d in checked if data.ndim and data.shape[d] == 1)
    return _wrap(np.squeeze(data, axis=axes), x)
    ### END SOLUTION


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """x with a new size-1 axis at position `dim` of the result."""
    ### BEGIN SOLUTION
    data = array_of(x)
    return _wrap(np.expand_dims(data, _check_dim(dim, data.ndim + 1, "unsqueeze")), x)
    ### END SOLUTION


def view(x: Tensor, *shape: int) -> Tensor:
    """As reshape: PyTorch's view shares memory with x, here every operation makes a new array."""
    return reshape(x, *shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes start_dim..end_dim merged into one axis; a 0-d tensor becomes shape (1,)."""
    ### BEGIN SOLUTION
    data = array_of(x)
    if data.ndim == 0:
        return _wrap(data.reshape(1), x)
    start, end = _check_dim(start_dim, data.ndim, "flatten"), _check_dim(end_dim, data.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {data.shape}")
    merged = int(np.prod(data.shape[start:end + 1]))
    return _wrap(data.reshape(data.shape[:start] + (merged,) + data.shape[end + 1:]), x)
    ### END SOLUTION


def cat(tensors, dim: int = 0) -> Tensor:
    """The tensors joined along the existing axis `dim`; the other sizes must agree."""
    tensors = list(tensors)
    ### BEGIN SOLUTION
    arrays = [array_of(t) for t in tensors]
    if not arrays or arrays[0].ndim == 0:
        raise ValueError("cat: needs one or more tensors with at least one axis")
    d = _check_dim(dim, arrays[0].ndim, "cat")
    first = arrays[0].shape
    for a in arrays:
        if a.ndim != len(first) or a.shape[:d] + a.shape[d + 1:] != first[:d] + first[d + 1:]:
            raise ValueError(f"cat: shapes {first} and {a.shape} differ outside dimension {dim}")
    return _wrap(np.concatenate(arrays, axis=d), *tensors)
    ### END SOLUTION


def stack(tensors, dim: int = 0) -> Tensor:
    """The tensors, all of one shape, joined along a new axis at position `dim` of the result."""
    tensors = list(tensors)
    ### BEGIN SOLUTION
    arrays = [array_of(t) for t in tensors]
    if not arrays:
        raise ValueError("stack: needs one or more tensors")
    for a in arrays:
        if a.shape != arrays[0].shape:
            raise ValueError(f"stack: all shapes must be equal, got {arrays[0].shape} and {a.shape}")
    d = _check_dim(dim, arrays[0].ndim + 1, "stack")
    return _wrap(np.stack(arrays, axis=d), *tensors)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-join-ops", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_join_ops():
    """squeeze, unsqueeze, flatten and view change the shape and move no element."""
    x_np = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    x = Tensor(x_np)
    cases = [("squeeze(x)", squeeze(x), x_np.reshape(2, 3)), ("squeeze(x, 0)", squeeze(x, 0), x_np),
             ("x.squeeze(-2)", x.squeeze(-2), x_np.reshape(2, 3)), ("unsqueeze(x, 0)", unsqueeze(x, 0), x_np[None]),
             ("x.unsqueeze(-1)", x.unsqueeze(-1), x_np[..., None]), ("flatten(x)", flatten(x), x_np.reshape(6)),
             ("x.flatten(1)", x.flatten(1), x_np.reshape(2, 3)), ("x.view(3, 2)", x.view(3, 2), x_np.reshape(3, 2)),
             ("flatten(Tensor(3.0))", flatten(Tensor(3.0)), np.float32([3.0]))]
    for name, got, want in cases:
        assert mismatch(got, want, rtol=0, atol=0) is None, f"{name} {mismatch(got, want, rtol=0, atol=0)}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1111)
    for c in range(6):
        shape = tuple(int(s) for s in rng.choice([1, 2, 3], size=int(rng.integers(1, 4))))
        data = rng.integers(-9, 9, size=shape)
        t = Tensor(data)
        nd = len(shape)
        observe(f"case {c}: squeeze()", squeeze(t).data)
        d = int(rng.integers(-nd, nd))
        observe(f"case {c}: squeeze({d}) shape", tuple(squeeze(t, d).shape))
        u = int(rng.integers(-nd - 1, nd + 1))
        observe(f"case {c}: unsqueeze({u}) shape", tuple(unsqueeze(t, u).shape))
        s0 = int(rng.integers(0, nd))
        observe(f"case {c}: flatten({s0}) shape and dtype", (tuple(flatten(t, s0).shape), str(flatten(t, s0).dtype)))
    for name, bad in [("unsqueeze(t, 3) of 2-D", lambda: unsqueeze(Tensor(np.ones((2, 2))), 3)),
                      ("squeeze(t, 2) of 2-D", lambda: squeeze(Tensor(np.ones((2, 1))), 2)),
                      ("flatten(t, 2, 1) of 3-D", lambda: flatten(Tensor(np.ones((2, 2, 2))), 2, 1))]:
        try:
            bad()
            outcome = "no error"
        except (IndexError, ValueError) as e:
            outcome = type(e).__name__
        observe(name, outcome)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_join_ops()

# %% nbgrader={"grade": true, "grade_id": "test-join-ops-cat-stack", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_join_ops_cat_stack():
    """cat joins along an existing axis and stack along a new one; shapes that do not fit raise ValueError."""
    x_np = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    x = Tensor(x_np)
    cases = [("cat([x, x], dim=2)", cat([x, x], dim=2), np.concatenate([x_np, x_np], axis=2)),
             ("stack([x, x], dim=1)", stack([x, x], dim=1), np.stack([x_np, x_np], axis=1))]
    for name, got, want in cases:
        assert mismatch(got, want, rtol=0, atol=0) is None, f"{name} {mismatch(got, want, rtol=0, atol=0)}"
    assert error_message(ValueError, cat, [x, Tensor(np.ones((2, 2, 3)))]) is not None, \
        "cat of (2, 1, 3) and (2, 2, 3) on dim 0 must raise ValueError"
    assert error_message(ValueError, stack, [x, squeeze(x)]) is not None, "stack of (2, 1, 3) and (2, 3) must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1111)
    for c in range(6):  # the cases of test-join-ops, drawn the same way
        shape = tuple(int(s) for s in rng.choice([1, 2, 3], size=int(rng.integers(1, 4))))
        t = Tensor(rng.integers(-9, 9, size=shape))
        nd = len(shape)
        d = int(rng.integers(-nd, nd))
        u = int(rng.integers(-nd - 1, nd + 1))
        rng.integers(0, nd)  # the flatten start of test-join-ops
        observe(f"case {c}: cat on {d}", cat([t, t * 2, t], dim=d).data)
        observe(f"case {c}: stack on {u}", stack([t, t - 1], dim=u).data)
    observe("cat of float32 and float64: dtype", str(cat([Tensor([1.0]), Tensor([2.0], dtype=np.float64)]).dtype))
    try:
        cat([Tensor(1.0), Tensor(2.0)])
        outcome = "no error"
    except (IndexError, ValueError) as e:
        outcome = type(e).__name__
    observe("cat of 0-d tensors", outcome)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_join_ops_cat_stack()

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
# **Question 1 (3 points).** The cell after the elementwise tests subtracted 100 targets from 100 predictions
# that are each off by 0.1, once with the targets as a (100, 1) column and once as a (100,) row. Give the
# shape and the mean squared error of each. Which one is wrong, what did broadcasting compute there, and why
# does no error warn you?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-broadcast-pitfall", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: the column gives shape (100, 100) with 10,000 elements and an error near 2 (1.86
#   here); the row gives (100,) and 0.0100
# - 1 point: the (100, 1) case is wrong: aligned from the right, (100,) and (100, 1) broadcast to (100, 100),
#   every prediction minus every target, so the mean mixes all pairs (about twice the targets' variance)
# - 1 point: the shapes are compatible under the rule, so nothing raises; only checking the result's shape
#   (or keeping targets and predictions in the same shape) catches it
# Model answer: With the targets as a column the difference had shape (100, 100), 10,000 elements, and a mean
# squared error of 1.8614; as a row it had shape (100,) and exactly the 0.0100 that an error of 0.1 gives. The
# column case is wrong: the rule pads (100,) to (1, 100), and (1, 100) against (100, 1) gives (100, 100), so it
# subtracted every target from every prediction; for unrelated pairs the squared difference averages about
# twice the variance of the data, near 2. Every dimension has equal sizes or a 1, so broadcasting is legal and
# no error is raised; I would have to assert the shape of the difference or reshape the targets to (100,).
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** The cell after the `matmul` tests timed `matmul_loops` and `matmul` on the same
# (40, 40) @ (40, 40) product. Give both times and the ratio. How many multiply-adds does each do, and where
# does the loop version lose its time? From your figure, about how long would `matmul_loops` take on
# (400, 400) @ (400, 400)?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-matmul-speed", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the two times with units and the ratio (hundreds to a few thousand times; the exact figure
#   depends on the machine), and both do the same 40 * 40 * 40 = 64,000 multiply-adds
# - 1 point: the loops pay the Python interpreter for every multiply-add (indexing each element into a NumPy
#   scalar object, the add, the loop step); np.matmul runs one compiled loop (BLAS) over the whole arrays,
#   using the CPU's vector units and cache blocking
# - 1 point: the cost grows with n^3, so (400, 400) is 1,000 times the work: about 1,000 times the measured
#   loop time (some minutes), while matmul stays in milliseconds
# Model answer: matmul_loops took 184 ms and matmul 0.125 ms, so matmul was about 1,470 times faster. Both do
# 40 * 40 * 40 = 64,000 multiply-adds; the difference is that the loop version makes Python execute each
# one: it indexes two elements, creates NumPy scalar objects, adds them and advances the loop, about 3
# microseconds a step. np.matmul hands the whole product to compiled BLAS code that works through the arrays
# in vector registers. The work grows with n^3, so (400, 400) @ (400, 400) is 1,000 times more multiply-adds:
# about 1,000 x 0.18 s = 3 minutes with loops.
# ### END SOLUTION
