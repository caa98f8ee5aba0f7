# %% [markdown]
# # Module 03: Activations
#
# A layer computes an affine map, and a stack of affine maps is again one affine map: without a nonlinear
# function between the layers, depth adds nothing. That function is the activation. Its derivative also decides
# how gradients travel back: where it is close to 0 (a saturated sigmoid, a ReLU at a negative input), the
# gradient of everything below is close to 0 too.
#
# You will write the activations of `torch.nn.functional`, with its names, arguments and defaults: `relu`,
# `leaky_relu`, `elu`, `sigmoid`, `tanh`, `gelu` (with a vectorized `erf`), `silu`, `softmax`, `log_softmax`
# and `prelu`, whose slope is learned; then the in-place variants `relu_`, `leaky_relu_`, `sigmoid_`, `tanh_`
# and the memory they save. Each task is a cell containing `# YOUR CODE HERE`; the locked cell after it tests
# it. Run the cells in order.
#
# Conventions:
# - Each function is one differentiable operation: the forward pass in NumPy, then one call to module 02's
#   `record_op` with the backward rule.
# - float32 in, float32 out; float64 stays float64 (the gradient checks run in float64).
# - Every function survives inputs of +-1000: no overflow, no nan, no inf. Underflow to 0 (`exp(-1000)`) is the
#   correctly rounded result and is allowed, so the tests run under
#   `np.errstate(all="raise", under="ignore")`, which turns any overflow or invalid operation into an error.

# %%
#| default_exp core.activations

# %%
#| export
import functools
import math
import tracemalloc

import numpy as np

from tinytorch.core.tensor import array_of
from tinytorch.core.autograd import Tensor, is_grad_enabled, record_op

# %% [markdown]
# ### Given: the input array
#
# `_float_data(x)` returns the array behind a Tensor (or `np.asarray(x)` for anything else); integer and bool
# data become float32. Every activation starts with `a = _float_data(x)` and passes `x` itself to `record_op`
# as the parent. The pattern, for a square function:
#
#     def square(x):
#         a = _float_data(x)
#         out = a * a
#         return record_op("square", out, (x,), lambda grad: (grad * 2 * a,))
#
# `grad` is the gradient of the result, an array of `out`'s shape; the rule returns one gradient per parent.
#
# Pitfall (NumPy 2): a NumPy float64 scalar such as `np.sqrt(2 / np.pi)` turns a float32 array into float64.
# Write constants as Python floats (`math.sqrt(2 / math.pi)`, `float(alpha)`): those keep the array's dtype.

# %%
#| export
def _float_data(x) -> np.ndarray:
    """The array behind x (a Tensor, an array or a number); integer and bool data become float32."""
    a = array_of(x)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float32)

# %% [markdown]
# ## 1. ReLU, leaky ReLU, ELU
#
# | function | forward | derivative |
# |---|---|---|
# | `relu(x)` | x if x > 0, else 0 | 1 if x > 0, else 0 |
# | `leaky_relu(x, negative_slope=0.01)` | x if x > 0, else negative_slope * x | 1 if x > 0, else negative_slope |
# | `elu(x, alpha=1.0)` | x if x > 0, else alpha * (e^x - 1) | 1 if x > 0, else alpha * e^x = out + alpha |
#
# At x = 0 exactly, use the "else" branch (x <= 0), as PyTorch does: relu'(0) = 0, leaky_relu'(0) = negative_slope.
#
# ReLU is cheap and does not saturate for x > 0, but a unit whose input is negative on every example gets
# gradient 0 and never changes again (a dead unit). Leaky ReLU and ELU keep a small gradient there.
#
# **Task: `relu`, `leaky_relu`, `elu`.** Backward rules use what is cheapest to keep: relu's needs only
# `out > 0`, and `out` is kept anyway by the result; elu's derivative for x <= 0 is `out + alpha`.
#
# Pitfall: `np.where(cond, A, B)` computes both A and B everywhere. For elu at x = 1000, `np.exp(x)` overflows
# in the branch you throw away: exponentiate `np.minimum(a, 0)` instead. `np.expm1(t)` computes e^t - 1
# without the cancellation of `np.exp(t) - 1` near t = 0.

# %% nbgrader={"grade": false, "grade_id": "relu-family", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def relu(x: Tensor) -> Tensor:
    """max(x, 0); derivative 1 where x > 0, else 0."""
    a = _float_data(x)
    ### BEGIN SOLUTION
    out = np.maximum(a, 0)
    return record_op("relu", out, (x,), lambda grad: (grad * (out > 0),))
    ### END SOLUTION


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x; derivative 1 or negative_slope."""
    a = _float_data(x)
    slope = float(negative_slope)
    ### BEGIN SOLUTION
    positive = a > 0
    out = np.where(positive, a, a * slope)
    return record_op("leaky_relu", out, (x,), lambda grad: (np.where(positive, grad, grad * slope),))
    ### END SOLUTION


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (e^x - 1); derivative 1 or alpha * e^x = out + alpha."""
    a = _float_data(x)
    alpha = float(alpha)
    ### BEGIN SOLUTION
    positive = a > 0
    out = np.where(positive, a, alpha * np.expm1(np.minimum(a, 0)))  # exp of x <= 0 only: no overflow
    return record_op("elu", out, (x,), lambda grad: (np.where(positive, grad, grad * (out + alpha)),))
    ### END SOLUTION

# %% jupyter={"source_hidden": true}
# Given: helpers that several tests below share (not exported).
def derivative(name, f, xs, dtype=np.float64):
    """The gradient of sum(f(x)) at the points xs: for an elementwise f, f'(x) at each point."""
    x = Tensor(xs, dtype=dtype, requires_grad=True)
    out = f(x)
    assert isinstance(out, Tensor) and out.requires_grad and out.dtype == dtype, \
        f"{name}: {np.dtype(dtype)} x that requires grad must give a {np.dtype(dtype)} Tensor that requires grad " \
        f"(build it with record_op), got {out!r}"
    out.backward(np.ones(out.shape))
    return None if x.grad is None else x.grad.data


def away_from_zero(rng, shape):
    """Random numbers with |x| in [0.2, 2]: central differences stay off the kink at 0."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 2.0, size=shape)


def random_shape(rng, high=4):
    """A random shape of 1 to 3 dims, each of size 1 to high - 1."""
    return tuple(int(s) for s in rng.integers(1, high, size=int(rng.integers(1, 4))))


def softmax_reference(arr, dim):
    """softmax of a float64 array along dim, written out."""
    e = np.exp(arr - arr.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)

# %% nbgrader={"grade": true, "grade_id": "test-relu-family", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_relu_family():
    """relu, leaky_relu and elu follow their formulas, keep the shape and the dtype, and are exact at +-1000."""
    xs = [-1000.0, -2.0, -0.5, 0.0, 0.5, 3.0, 1000.0]
    e2, e05 = math.expm1(-2.0), math.expm1(-0.5)
    cases = [  # name, function, values at xs
        ("relu(x)", relu, [0.0, 0.0, 0.0, 0.0, 0.5, 3.0, 1000.0]),
        ("leaky_relu(x)", leaky_relu, [-10.0, -0.02, -0.005, 0.0, 0.5, 3.0, 1000.0]),
        ("leaky_relu(x, 0.2)", lambda t: leaky_relu(t, 0.2), [-200.0, -0.4, -0.1, 0.0, 0.5, 3.0, 1000.0]),
        ("elu(x)", elu, [-1.0, e2, e05, 0.0, 0.5, 3.0, 1000.0]),
        ("elu(x, alpha=0.5)", lambda t: elu(t, alpha=0.5), [-0.5, 0.5 * e2, 0.5 * e05, 0.0, 0.5, 3.0, 1000.0]),
    ]
    with np.errstate(all="raise", under="ignore"):
        for (name, f, want), dtype in [(case, dtype) for case in cases for dtype in (np.float32, np.float64)]:
            got = f(Tensor(xs, dtype=dtype))
            assert isinstance(got, Tensor) and got.shape == (7,) and got.dtype == dtype, \
                f"{name} of a {np.dtype(dtype)} tensor of shape (7,) must be one too, got {got!r}"
            assert np.allclose(got.data, want, rtol=1e-6, atol=1e-7), f"{name} at {xs} gives {got.data}, expected {want}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3011)
    for i in range(5):
        shape = random_shape(rng)
        arr = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 3.0, size=shape)
        s, al = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.2, 2.0))
        for name, got in [
            ("relu", relu(Tensor(arr, dtype=np.float64))),
            ("leaky_relu", leaky_relu(Tensor(arr, dtype=np.float64), s)),
            ("elu", elu(Tensor(arr, dtype=np.float64), al)),
        ]:
            observe(f"{name} random case {i}: shape", tuple(got.shape))
            observe(f"{name} random case {i}: values", got.data, rtol=1e-12, atol=1e-14)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_relu_family()

# %% nbgrader={"grade": true, "grade_id": "test-relu-family-grads", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_relu_family_grads():
    """The derivative is 1 for x > 0, the slope for x <= 0 (x = 0 too, as PyTorch); central differences agree."""
    xs = [-1000.0, -2.0, -0.5, 0.0, 0.5, 3.0, 1000.0]
    cases = [  # name, function, derivative at xs
        ("relu", relu, [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
        ("leaky_relu", leaky_relu, [0.01, 0.01, 0.01, 0.01, 1.0, 1.0, 1.0]),
        ("leaky_relu(x, 0.2)", lambda t: leaky_relu(t, 0.2), [0.2, 0.2, 0.2, 0.2, 1.0, 1.0, 1.0]),
        ("elu", elu, [0.0, math.exp(-2.0), math.exp(-0.5), 1.0, 1.0, 1.0, 1.0]),
        ("elu(x, alpha=0.5)", lambda t: elu(t, alpha=0.5), [0.0, 0.5 * math.exp(-2), 0.5 * math.exp(-0.5), 0.5, 1, 1, 1]),
    ]
    rng = np.random.default_rng(301)
    X, B = away_from_zero(rng, (3, 1, 4)), rng.uniform(-0.05, 0.05, size=(2, 1))
    with np.errstate(all="raise", under="ignore"):
        for name, f, want in cases:
            assert (got := derivative(name, f, xs)) is not None and np.allclose(got, want), f"{name}'({xs}) should be {want}, got {got}"
            check_grads(Tensor, lambda a, b: f(a + b), X, B, name=f"{name} of a + b")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3012)
    for i in range(5):
        shape = random_shape(rng)
        arr = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 3.0, size=shape)
        s, al = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.2, 2.0))
        observe(f"relu random case {i}: derivative", derivative("relu", relu, arr), rtol=1e-12, atol=1e-14)
        observe_grads(f"leaky_relu(a, s) * a random case {i}", Tensor, lambda a: leaky_relu(a, s) * a, arr,
                      rtol=1e-4, atol=1e-5)
        observe_grads(f"elu(a, alpha) * a random case {i}", Tensor, lambda a: elu(a, al) * a, arr, rtol=1e-4, atol=1e-5)
        observe_grads(f"relu(a) * a random case {i}", Tensor, lambda a: relu(a) * a, arr, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_relu_family_grads()

# %% [markdown]
# ## 2. Sigmoid and tanh
#
# sigmoid(x) = 1 / (1 + e^-x) squashes any number into (0, 1): a probability. tanh(x) squashes into (-1, 1).
# Both derivatives are cheapest from the output: sigmoid' = s (1 - s), tanh' = 1 - t^2. Both saturate:
# sigmoid' is at most 0.25, so every sigmoid layer shrinks the gradient at least fourfold (the vanishing
# gradient that module 08 measures).
#
# Pitfall: for x = -1000, e^-x = e^1000 overflows. With e = e^-|x|, which lies in (0, 1], write
#
#     sigmoid(x) = 1 / (1 + e)  for x >= 0,        e / (1 + e)  for x < 0
#
# (the same number; the second form is the first with numerator and denominator multiplied by e^x).
#
# **Task: `stable_sigmoid(a)`** (NumPy array in, array of the same dtype out), **`sigmoid(x)`** and
# **`tanh(x)`** (Tensor operations; `np.tanh` is already stable). `silu` in section 4 reuses `stable_sigmoid`.

# %% nbgrader={"grade": false, "grade_id": "sigmoid-tanh", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a) elementwise without overflow: e = e^-|a|, then 1/(1+e) for a >= 0, e/(1+e) for a < 0."""
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
    inv = 1 / (1 + e)
    return np.where(a >= 0, inv, e * inv)
    ### END SOLUTION


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x); derivative s * (1 - s) from the output s."""
    a = _float_data(x)
    ### BEGIN SOLUTION
    out = stable_sigmoid(a)
    return record_op("sigmoid", out, (x,), lambda grad: (grad * out * (1 - out),))
    ### END SOLUTION


def tanh(x: Tensor) -> Tensor:
    """(e^x - e^-x) / (e^x + e^-x); derivative 1 - t^2 from the output t."""
    a = _float_data(x)
    ### BEGIN SOLUTION
    out = np.tanh(a)
    return record_op("tanh", out, (x,), lambda grad: (grad * (1 - out * out),))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-sigmoid-tanh", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_sigmoid_tanh():
    """stable_sigmoid and sigmoid are 1 / (1 + e^-x), tanh is tanh x; each keeps the dtype and is finite at +-1000."""
    xs = [-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0]
    want = [math.exp(v) / (1 + math.exp(v)) if v < 0 else 1 / (1 + math.exp(-v)) for v in xs]
    with np.errstate(all="raise", under="ignore"):
        for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-6)):
            got = stable_sigmoid(np.array(xs, dtype=dtype))
            assert isinstance(got, np.ndarray) and got.shape == (7,) and got.dtype == dtype, \
                f"stable_sigmoid of a {np.dtype(dtype)} array of shape (7,) must be one too, got {got!r}"
            assert np.allclose(got, want, rtol=tol, atol=0), f"stable_sigmoid({xs}) gives {got}, expected {want}"
        for name, f, ref in [("sigmoid", sigmoid, want), ("tanh", tanh, np.tanh(xs))]:
            out = f(Tensor(xs))
            assert isinstance(out, Tensor) and out.dtype == np.float32, f"{name} of float32 must be a float32 Tensor"
            assert np.allclose(out.data, ref, rtol=1e-6, atol=1e-7), f"{name}({xs}) gives {out.data}, expected {ref}"
    assert abs(sigmoid(Tensor(0.0)).item() - 0.5) < 1e-7, "sigmoid(0) = 0.5"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3021)
    for i in range(5):
        arr = rng.standard_normal(random_shape(rng)) * 4
        observe(f"stable_sigmoid random case {i}", stable_sigmoid(arr), rtol=1e-12, atol=1e-8)
        observe(f"sigmoid random case {i}", sigmoid(Tensor(arr, dtype=np.float64)).data, rtol=1e-12, atol=1e-8)
        observe(f"tanh random case {i}", tanh(Tensor(arr, dtype=np.float64)).data, rtol=1e-12, atol=1e-8)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sigmoid_tanh()

# %% nbgrader={"grade": true, "grade_id": "test-sigmoid-tanh-grads", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_sigmoid_tanh_grads():
    """The derivatives are s (1 - s) and 1 - t^2, finite at +-1000; backward matches central differences."""
    xs = [-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0]
    s = np.array([math.exp(v) / (1 + math.exp(v)) if v < 0 else 1 / (1 + math.exp(-v)) for v in xs])
    rng = np.random.default_rng(302)
    A, B = rng.standard_normal((3, 1)) * 2, rng.standard_normal((1, 4))
    with np.errstate(all="raise", under="ignore"):
        for name, f, want in [("sigmoid", sigmoid, s * (1 - s)), ("tanh", tanh, 1 - np.tanh(xs) ** 2)]:
            got = derivative(name, f, xs)
            assert got is not None and np.allclose(got, want, rtol=1e-9, atol=1e-15), \
                f"{name}: the derivative at {xs} should be {want}, got {got}"
            check_grads(Tensor, lambda a, b: f(a * b), A, B, name=f"{name} of a * b")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3022)
    for i in range(5):
        arr = rng.standard_normal(random_shape(rng)) * 4
        observe(f"sigmoid random case {i}: derivative", derivative("sigmoid", sigmoid, arr), rtol=1e-9, atol=1e-15)
        observe_grads(f"sigmoid(a) * a random case {i}", Tensor, lambda a: sigmoid(a) * a, arr, rtol=1e-4, atol=1e-5)
        observe_grads(f"tanh(a) * a random case {i}", Tensor, lambda a: tanh(a) * a, arr, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_sigmoid_tanh_grads()

# %%
if __name__ == "__main__":
    # The gradient that reaches x through a chain of the same activation, applied 1 to 10 times, at x = 0.5.
    for _name, _fn in [("sigmoid", sigmoid), ("tanh", tanh), ("relu", relu)]:
        _grads = []
        for _depth in range(1, 11):
            _x = Tensor(np.full(1, 0.5), requires_grad=True)
            _y = _x
            for _ in range(_depth):
                _y = _fn(_y)
            _y.sum().backward()
            _grads.append(float(_x.grad.data[0]))
        print(f"{_name:>8}: " + "  ".join(f"{_g:.1e}" for _g in _grads))

# %% [markdown]
# ## 3. The error function
#
# GELU (next section) needs the standard normal CDF, Phi(x) = (1 + erf(x / sqrt(2))) / 2, and NumPy has no
# `erf`. `math.erf` takes one Python call per element, far too slow for a (256, 4096) activation. The recipe:
# fit a few polynomials once, with `math.erf` at a few points, then evaluate them on whole arrays.
#
# - Fit: `np.polynomial.Chebyshev.interpolate(f, deg, domain=[a, b])` calls f once with the deg + 1 Chebyshev
#   points of [a, b] and returns the polynomial through those values; `.convert(kind=np.polynomial.Polynomial)
#   .coef` gives its ordinary coefficients c_0, ..., c_deg, lowest first. Extra arguments of f go in `args=`.
# - |x| < 1: erf(x) = x p(x^2), p of degree 10 interpolating erf(sqrt(t)) / sqrt(t) on [0, 1]. The form is odd
#   (erf(-x) = -erf(x) exactly) and keeps the relative accuracy near 0, where erf(x) is about 1.128 x.
# - 1 <= z = |x| < 6: ten pieces [n/2, n/2 + 1/2), n = 2, 3, ..., 11, with midpoints m = n/2 + 1/4. On piece
#   n, s = 4 (z - m) lies in [-1, 1] and erf(z) = 1 - q_n(s), q_n of degree 12 interpolating erfc(m + s / 4)
#   (`math.erfc`) on [-1, 1]. Put the sign back with `np.copysign`.
# - z >= 6: erf(z) = 1 (1 - erf(6) = 2e-17 is below double precision).
#
# `erf_coefficients()` does the fitting (141 calls of `math.erf` and `math.erfc`); `functools.lru_cache` keeps
# its result, so it runs once. `erf(x)` only evaluates:
#
# - Horner's rule in place: v = c_deg, then v = v s + c_k for k = deg - 1, ..., 0 (`v *= s`, `v += c`). Each
#   step is one pass over the array and makes no temporary array.
# - Compute x p(x^2) for the whole array with x clipped to [-1, 1] (`np.clip`: no overflow at x = 1e300, and
#   nan stays nan). Then overwrite the elements with |x| >= 1: `np.flatnonzero(t == 1)` gives their indices.
#   Their piece numbers n = floor(2z) come from `(np.minimum(z, 6.0) * 2.0).astype(np.int8)` (the cast drops
#   the fraction; 12 for z >= 6), and `np.flatnonzero(piece == n)` gives the elements of piece n.
#
# Pitfall: the classic one-line approximation (Abramowitz and Stegun 7.1.26) is off by up to 1.5e-7. A gradient
# check divides differences of function values by 2 * eps = 2e-6, so that error becomes 0.1 in the numerical
# derivative. The test asks for 1e-12; the cell after it prints the largest error on [-8, 8].
#
# Compute in the input's precision, as `torch.special.erf` does: float32 stays float32 (cast the coefficients
# to x's dtype first: a float64 coefficient would turn each step into a float64 pass), float64 stays float64.
#
# **Task: `erf_coefficients()` and `erf(x)`**, NumPy in, NumPy out of the same shape: float32 for float32,
# float64 for anything else.

# %% nbgrader={"grade": false, "grade_id": "erf", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
@functools.lru_cache(maxsize=None)
def erf_coefficients() -> tuple:
    """(p, qs): ordinary coefficients (lowest first) of p, erf(x) = x p(x^2) for |x| < 1, and of q_2, ..., q_11,
    erf(z) = 1 - q_n(4 (z - m)) on [n/2, n/2 + 1/2), m = n/2 + 1/4. Fitted once, then cached."""
    ### BEGIN SOLUTION
    cheb, poly = np.polynomial.Chebyshev, np.polynomial.Polynomial
    p = cheb.interpolate(lambda t: np.array([math.erf(math.sqrt(v)) / math.sqrt(v) for v in t]), 10, domain=[0.0, 1.0])
    qs = []
    for n in range(2, 12):
        q = cheb.interpolate(lambda s, m: np.array([math.erfc(m + v / 4) for v in s]), 12, args=(n / 2 + 0.25,))
        qs.append(q.convert(kind=poly).coef)
    return p.convert(kind=poly).coef, tuple(qs)
    ### END SOLUTION


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = 2/sqrt(pi) * integral from 0 to x of e^(-t^2) dt, elementwise; float32 stays float32."""
    x = np.asarray(x)
    x = x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)
    ### BEGIN SOLUTION
    p, qs = erf_coefficients()
    p, qs = p.astype(x.dtype), [q.astype(x.dtype) for q in qs]

    def horner(coef: np.ndarray, s: np.ndarray) -> np.ndarray:
        """c_0 + c_1 s + ... + c_deg s^deg, in place on one new array."""
        v = np.full_like(s, coef[-1])
        for c in coef[-2::-1]:
            v *= s
            v += c
        return v

    flat = x.reshape(-1)
    t = np.clip(flat, -1.0, 1.0)
    t *= t  # x^2 where |x| < 1, else 1
    out = horner(p, t)
    out *= flat  # x p(x^2): erf(x) for |x| < 1; the other elements are overwritten below
    far = np.flatnonzero(t == 1.0)  # |x| >= 1 (nan is not)
    xs = flat[far]
    z = np.abs(xs)
    piece = (np.minimum(z, 6.0) * 2.0).astype(np.int8)  # floor(2z): 2 ... 11, and 12 for z >= 6
    erfc = np.zeros_like(z)  # stays 0 for z >= 6
    for n, q in enumerate(qs, start=2):
        i = np.flatnonzero(piece == n)
        s = z[i]
        s -= n / 2 + 0.25
        s *= 4.0  # the piece mapped onto [-1, 1]
        erfc[i] = horner(q, s)
    np.subtract(1.0, erfc, out=erfc)
    out[far] = np.copysign(erfc, xs, out=erfc)
    return out.reshape(x.shape)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-erf", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_erf():
    """erf agrees with math.erf to 1e-12 on a grid over [-7, 7], is odd, and keeps the input's shape."""
    grid = np.linspace(-7.0, 7.0, 1401)
    want = np.array([math.erf(v) for v in grid])
    got = erf(grid)
    assert isinstance(got, np.ndarray) and got.shape == grid.shape, f"erf must return an array of shape {grid.shape}"
    err = np.abs(got - want)
    worst = int(np.argmax(err))
    assert err.max() < 1e-12, f"erf differs from math.erf by {err.max():.3g} at x = {grid[worst]:.4f} (limit 1e-12)"

    tiny = np.array([1e-12, 1e-6, 1e-3])
    rel = np.abs(erf(tiny) / np.array([math.erf(v) for v in tiny]) - 1)
    assert rel.max() < 1e-12, f"erf near 0 must be accurate relative to its size, relative error {rel.max():.3g}"
    assert np.array_equal(erf(-grid), -erf(grid)), "erf is odd: erf(-x) = -erf(x)"
    assert np.array_equal(erf(np.array([-30.0, 30.0])), [-1.0, 1.0]), "erf(+-30) is +-1"
    square = erf(grid[:1400].reshape(35, 40))
    assert square.shape == (35, 40) and np.allclose(square.ravel(), want[:1400], rtol=0, atol=1e-12), "erf of a 2-D array"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(303)
    pts = np.concatenate([rng.uniform(-8, 8, 400), rng.standard_normal(400) * 2, rng.uniform(1.9, 2.1, 50),
                          rng.uniform(5.9, 6.1, 50)])
    observe("erf at 900 random points", erf(pts), rtol=0, atol=1e-12)
    zero_d = erf(np.float64(0.7))
    observe("erf of a 0-d input: shape and value", (tuple(np.shape(zero_d)), float(zero_d)), rtol=0, atol=1e-14)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_erf()

# %%
if __name__ == "__main__":
    # The largest error of erf against math.erf on a grid of step 1e-4 over [-8, 8], and where it occurs.
    _grid = np.linspace(-8.0, 8.0, 160001)
    _err = np.abs(erf(_grid) - np.array([math.erf(_v) for _v in _grid]))
    print(f"max |erf(x) - math.erf(x)| = {_err.max():.1e} at x = {_grid[np.argmax(_err)]:.4f}")

# %% [markdown]
# ## 4. GELU and SiLU
#
# GELU (used in BERT and GPT) weights x by the probability that a standard normal variable lies below it:
#
#     gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))),   gelu'(x) = Phi(x) + x phi(x),
#
# with phi(x) = e^(-x^2/2) / sqrt(2 pi) the normal density. `approximate="tanh"` is the older formula that
# avoids erf:
#
#     gelu(x) = 0.5 x (1 + t),  t = tanh(u),  u = sqrt(2/pi) (x + 0.044715 x^3),
#     gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
#
# SiLU (swish) is x * sigmoid(x), with derivative s (1 + x (1 - s)), s = sigmoid(x).
#
# **Task: `gelu(x, approximate="none")`** (raise `ValueError` for any other value than "none" or "tanh", as
# PyTorch does) **and `silu(x)`**. Your `erf` keeps float32 and float64 but returns float64 for float16: cast
# the result with `.astype(a.dtype, copy=False)` so every float dtype comes back as it came in.

# %% nbgrader={"grade": false, "grade_id": "gelu-silu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))); approximate="tanh": 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))."""
    a = _float_data(x)
    ### BEGIN SOLUTION
    if approximate == "none":
        cdf = (0.5 * (1.0 + erf(a / math.sqrt(2.0)))).astype(a.dtype, copy=False)
        out = a * cdf

        def backward(grad):
            d = a * a  # one new array, then in place: (cdf + a pdf) grad, pdf = e^(-a^2 / 2) / sqrt(2 pi)
            d *= -0.5
            np.exp(d, out=d)
            d *= a
            d *= 1.0 / math.sqrt(2.0 * math.pi)
            d += cdf
            d *= grad
            return (d,)
    elif approximate == "tanh":
        k, c = math.sqrt(2.0 / math.pi), 0.044715
        t = np.tanh(k * (a + c * a ** 3))
        out = 0.5 * a * (1 + t)

        def backward(grad):
            return (grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * k * (1 + 3 * c * a * a)),)
    else:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return record_op("gelu", out, (x,), backward)
    ### END SOLUTION


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x); derivative s (1 + x (1 - s))."""
    a = _float_data(x)
    ### BEGIN SOLUTION
    s = stable_sigmoid(a)
    out = a * s
    return record_op("silu", out, (x,), lambda grad: (grad * s * (1 + a * (1 - s)),))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-gelu-silu", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_gelu_silu():
    """gelu is x Phi(x) (tanh form 0.5 x (1 + tanh u)) and silu is x s(x): values, derivatives and the dtype."""
    xs, k, c = np.array([-3.0, -1.0, -0.1, 0.0, 0.5, 2.0]), math.sqrt(2 / math.pi), 0.044715
    Phi, phi = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in xs]), np.exp(-xs * xs / 2) / math.sqrt(2 * math.pi)
    t, s = np.tanh(k * (xs + c * xs ** 3)), 1 / (1 + np.exp(-xs))
    cases = [  # name, function, values and derivatives at xs
        ("gelu", gelu, xs * Phi, Phi + xs * phi),
        ("gelu tanh", lambda a: gelu(a, approximate="tanh"), 0.5 * xs * (1 + t), 0.5 * (1 + t) + 0.5 * xs * (1 - t * t) * k * (1 + 3 * c * xs * xs)),
        ("silu", silu, xs * s, s * (1 + xs * (1 - s))),
    ]
    for name, f, value, slope in cases:
        for dtype, rtol, atol in ((np.float64, 1e-12, 1e-15), (np.float32, 1e-5, 1e-6)):
            out = f(Tensor(xs, dtype=dtype))
            assert isinstance(out, Tensor) and out.dtype == dtype and np.allclose(out.data, value, rtol=rtol, atol=atol), \
                f"{name} of {np.dtype(dtype)} x = {xs} should be the {np.dtype(dtype)} Tensor {value}, got {out!r}"
        got = derivative(name, f, xs)
        assert got is not None and np.allclose(got, slope, rtol=1e-10, atol=1e-14), f"{name}: derivative at {xs} is {got}, expected {slope}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3041)
    for i in range(4):
        arr = rng.standard_normal(random_shape(rng)) * 3
        for name, f in [("gelu", gelu), ("gelu tanh", lambda a: gelu(a, approximate="tanh")), ("silu", silu)]:
            got = f(Tensor(arr, dtype=np.float64))
            observe(f"{name} random case {i}: shape", tuple(got.shape))
            observe(f"{name} random case {i}: values", got.data, rtol=1e-12, atol=1e-14)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gelu_silu()

# %% nbgrader={"grade": true, "grade_id": "test-gelu-silu-edges", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, error_message, observe_grads


def test_gelu_silu_edges():
    """Backward matches central differences; at +-1000 the values are [0, 1000] and the derivatives [0, 1] in both
    dtypes; gelu rejects an unknown approximate."""
    forms = [("gelu", gelu), ("gelu tanh", lambda a: gelu(a, approximate="tanh")), ("silu", silu)]
    rng = np.random.default_rng(304)
    A, B = rng.standard_normal((2, 1, 3)) * 2, rng.standard_normal((4, 1))
    for name, f in forms:
        check_grads(Tensor, lambda a, b: f(a + b), A, B, name=f"{name} of a + b")
        with np.errstate(all="raise", under="ignore"):
            for dtype in (np.float64, np.float32):
                out, slope = f(Tensor([-1000.0, 1000.0], dtype=dtype)), derivative(name, f, [-1000.0, 1000.0], dtype)
                assert np.allclose(out.data, [0.0, 1000.0]), f"{name}([-1000, 1000]) should be [0, 1000], got {out.data}"
                assert slope is not None and np.allclose(slope, [0.0, 1.0]), f"{name}: derivative at +-1000 is {slope}, not [0, 1]"
    assert error_message(ValueError, gelu, Tensor([1.0]), approximate="fast") is not None, \
        'gelu(x, approximate="fast") must raise ValueError'

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3042)
    for i in range(4):
        arr = rng.standard_normal(random_shape(rng)) * 3
        for name, f in forms:
            observe(f"{name} random case {i}: derivative", derivative(name, f, arr), rtol=1e-10, atol=1e-14)
            observe_grads(f"{name}(a) * a random case {i}", Tensor, lambda a: f(a) * a, arr, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_gelu_silu_edges()

# %% [markdown]
# ## 5. Softmax and log-softmax
#
# Softmax turns a vector of scores (logits) into probabilities along one axis `dim`:
#
#     softmax(x)_i = e^(x_i) / sum_j e^(x_j),        log_softmax(x)_i = x_i - log sum_j e^(x_j).
#
# Subtracting the maximum m of the slice changes nothing (numerator and denominator are both multiplied by
# e^-m) and makes every exponent <= 0: nothing overflows, and the largest term is e^0 = 1, so the sum is at least
# 1 and its log is finite. Hence log_softmax = (x - m) - log sum_j e^(x_j - m), the log-sum-exp trick.
#
# Pitfall: `log(softmax(x))` is not a stable log_softmax. For x = [0, -1000], softmax underflows to [1, 0] and
# the log gives -inf; log_softmax gives the exact [0, -1000].
#
# Gradients, with g the upstream gradient and sums along `dim` (keepdims, so they broadcast back):
# - softmax: the Jacobian is ds_i/dx_j = s_i (delta_ij - s_j), so dx = s * (g - sum(g * s)).
# - log_softmax: dx = g - softmax(x) * sum(g), where softmax(x) = exp(out).
#
# Edge: an input with no elements (a dim of size 0) has nothing to normalize, and `max` over an empty slice
# raises; return the empty result (PyTorch does) and keep the same backward rule, which works on empty arrays.
#
# **Task: `softmax(x, dim=-1)` and `log_softmax(x, dim=-1)`**, including the empty input. Both accept NumPy's
# `axis=` as well as PyTorch's `dim=`; the given line `dim = _softmax_dim(dim, axis)` picks one.

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _softmax_dim(dim: int | None, axis: int | None) -> int:
    """The one axis to normalize along: `dim` (PyTorch) or `axis` (NumPy), -1 when neither is given."""
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"got dim={dim} and axis={axis}; pass only one")
    return -1 if dim is None and axis is None else (axis if dim is None else dim)


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """e^x / sum(e^x) along dim, computed as e^(x - max); gradient s * (g - sum(g * s))."""
    a = _float_data(x)
    dim = _softmax_dim(dim, axis)
    ### BEGIN SOLUTION
    if a.size == 0:
        out = a.copy()  # nothing to normalize; max() of an empty slice would raise
    else:
        e = np.exp(a - a.max(axis=dim, keepdims=True))  # exponents <= 0: no overflow
        out = e / e.sum(axis=dim, keepdims=True)
    return record_op("softmax", out, (x,), lambda grad: (out * (grad - (grad * out).sum(axis=dim, keepdims=True)),))
    ### END SOLUTION


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x - log(sum(e^x)) along dim, by log-sum-exp; gradient g - exp(out) * sum(g)."""
    a = _float_data(x)
    dim = _softmax_dim(dim, axis)
    ### BEGIN SOLUTION
    if a.size == 0:
        out = a.copy()  # empty in, empty out: the log of an empty sum would be -inf
    else:
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))  # the sum is >= 1: log is finite
    return record_op("log_softmax", out, (x,), lambda grad: (grad - np.exp(out) * grad.sum(axis=dim, keepdims=True),))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-softmax", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_softmax():
    """softmax is e^x / sum e^x along dim (so it sums to 1 there), log_softmax its log; axis= is dim=."""
    s, total = softmax(Tensor([1.0, 2.0, 3.0])), math.exp(1) + math.exp(2) + math.exp(3)
    want = [math.exp(1) / total, math.exp(2) / total, math.exp(3) / total]
    assert isinstance(s, Tensor) and s.dtype == np.float32 and np.allclose(s.data, want, rtol=1e-6), \
        f"softmax([1, 2, 3]) in float32 should be {want}, got {s!r}"
    X = np.array([[1.0, 2.0, 0.5], [-1.0, -1.0, 4.0]])
    for dim in (-1, 1, 0, -2):
        got, logs = softmax(Tensor(X, dtype=np.float64), dim=dim), log_softmax(Tensor(X, dtype=np.float64), dim=dim)
        assert got.shape == (2, 3) and np.allclose(got.data, softmax_reference(X, dim), rtol=1e-12), f"softmax(X, dim={dim}) is wrong"
        assert np.allclose(got.data.sum(axis=dim), 1.0), f"softmax(X, dim={dim}) must sum to 1 along dim {dim}"
        assert logs.shape == (2, 3) and np.allclose(logs.data, np.log(softmax_reference(X, dim)), rtol=1e-12), \
            f"log_softmax(X, dim={dim}) is wrong"
    for f in (softmax, log_softmax):
        assert f(Tensor(X)).dtype == np.float32, f"{f.__name__} of float32 must be float32"
        assert np.allclose(f(Tensor(X), axis=0).data, f(Tensor(X), dim=0).data), f"{f.__name__}(x, axis=0) must equal dim=0"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3051)
    for i in range(5):
        shape = random_shape(rng, high=5)
        arr = rng.standard_normal(shape) * 3
        dim = int(rng.integers(-len(shape), len(shape)))
        observe(f"softmax random case {i}", softmax(Tensor(arr, dtype=np.float64), dim).data, rtol=1e-12, atol=1e-8)
        observe(f"log_softmax random case {i}", log_softmax(Tensor(arr, dtype=np.float64), dim).data,
                rtol=1e-12, atol=1e-12)
        observe(f"softmax(a, axis=dim) random case {i}", softmax(Tensor(arr, dtype=np.float64), axis=dim).data,
                rtol=1e-12, atol=1e-8)
        observe(f"log_softmax(a, axis=dim) random case {i}", log_softmax(Tensor(arr, dtype=np.float64), axis=dim).data,
                rtol=1e-12, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_softmax()

# %% nbgrader={"grade": true, "grade_id": "test-softmax-stability", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import grads_of


def test_softmax_stability():
    """With the max subtracted, softmax(x + 1000) = softmax(x) and +-1000 gives exact values and finite gradients;
    a dim of size 0 gives an empty result and an empty gradient."""
    X = np.array([[1.0, 2.0, 0.5], [-1.0, -1.0, 4.0]])
    big = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    with np.errstate(all="raise", under="ignore"):
        assert np.allclose(softmax(Tensor(X + 1000.0, dtype=np.float64)).data, softmax_reference(X, -1)), "softmax(x + 1000) = softmax(x)"
        for f, want in [(softmax, [[1.0, 0.0, 0.0], [1 / 3] * 3]), (log_softmax, [[0.0, -2000.0, -1000.0], [-math.log(3)] * 3])]:
            got, got32, (grad,) = f(Tensor(big, dtype=np.float64)), f(Tensor(big)), grads_of(Tensor, f, big)
            assert np.allclose(got.data, want), f"{f.__name__} at +-1000 should be {want}, got {got.data}"
            assert np.allclose(got32.data, want, atol=1e-4), f"{f.__name__} in float32 at +-1000 is wrong: {got32.data}"
            assert grad is not None and np.all(np.isfinite(grad)), f"{f.__name__}: the gradient at +-1000 must be finite, got {grad}"
            empty = f(Tensor(np.zeros((2, 0))), dim=1)
            assert empty.shape == (2, 0), f"{f.__name__} over a size-0 dim: an empty (2, 0) result, got {empty.shape}"
            (grad,) = grads_of(Tensor, lambda a: f(a, dim=1), np.zeros((2, 0)))
            assert grad is not None and grad.shape == (2, 0), f"{f.__name__}: the empty input gets an empty gradient"

    ### BEGIN HIDDEN TESTS
    for shape, dim in (((0,), 0), ((3, 0, 2), 1), ((0, 4), 1), ((2, 0), -1)):
        for f in (softmax, log_softmax):
            got = grads_of(Tensor, lambda a: f(a, dim=dim), np.zeros(shape))
            observe(f"{f.__name__} of an empty {shape} along {dim}: output shape", tuple(f(Tensor(np.zeros(shape)), dim=dim).shape))
            observe(f"{f.__name__} of an empty {shape} along {dim}: gradient shape", tuple(got[0].shape))
    rng = np.random.default_rng(3053)
    for i in range(3):
        arr = rng.standard_normal((2, 5)) * 1000
        for f in (softmax, log_softmax):
            observe(f"{f.__name__} of entries near +-1000, case {i}", f(Tensor(arr, dtype=np.float64)).data, rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_softmax_stability()

# %% nbgrader={"grade": true, "grade_id": "test-softmax-grads", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, observe_grads


def test_softmax_grads():
    """The softmax gradient is s * (g - sum(g * s)); backward of both matches central differences along any dim."""
    X, g = np.array([[1.0, 2.0, 0.5], [-1.0, -1.0, 4.0]]), np.array([[1.0, 0.0, -2.0], [0.5, 3.0, 1.0]])
    t = Tensor(X, dtype=np.float64, requires_grad=True)
    out = softmax(t, dim=1)
    assert out.requires_grad, "softmax: the result must require grad when x does"
    out.backward(g)
    s = softmax_reference(X, 1)
    want = s * (g - (g * s).sum(axis=1, keepdims=True))
    assert t.grad is not None and np.allclose(t.grad.data, want), f"the softmax gradient should be {want}, got {t.grad}"
    rng = np.random.default_rng(305)
    A, B = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 1))
    for f, dim in [(f, dim) for f in (softmax, log_softmax) for dim in (-1, 1, 0)]:
        check_grads(Tensor, lambda a: f(a, dim=dim), A, name=f"{f.__name__}(a, dim={dim})")
        check_grads(Tensor, lambda a, b: f(a + b, dim=dim), A, B, name=f"{f.__name__}(a + b, dim={dim})")

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3052)
    for i in range(5):
        shape = random_shape(rng, high=5)
        arr = rng.standard_normal(shape) * 3
        dim = int(rng.integers(-len(shape), len(shape)))
        observe(f"softmax random case {i}: shape", tuple(softmax(Tensor(arr), dim).shape))
        observe_grads(f"softmax(a, dim) * a random case {i}", Tensor, lambda a: softmax(a, dim) * a, arr,
                      rtol=1e-4, atol=1e-5)
        observe_grads(f"log_softmax(a, dim) * a random case {i}", Tensor, lambda a: log_softmax(a, dim) * a, arr,
                      rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_softmax_grads()

# %% [markdown]
# ## 6. PReLU: a learnable slope
#
# PReLU is leaky ReLU whose negative slope is a parameter, learned by gradient descent like a weight:
#
#     prelu(x, w) = x if x > 0, else w * x
#     d/dx = 1 or w,        d/dw_c = sum over the elements of channel c where x <= 0 of g * x.
#
# `weight` has shape (1,) (one slope for everything) or (C,) (one per channel). Channels are dim 1, as in
# (N, C) and (N, C, H, W). A 1-D x is read as one sample's channels, dim 0 (PyTorch accepts only a (1,) weight
# for 1-D x; ours then equals PyTorch on the batch of one, `x[None]`). The given code checks the sizes and gives
# you `slope` (the weight reshaped to broadcast against x) and `axes` (the axes to sum the weight gradient
# over); reshape the summed gradient to `w.shape`.
#
# One step of gradient descent on the slope, given a loss L built from `prelu(x, w)`:
#
#     L.backward()
#     w.data -= lr * w.grad.data        # dL/dw < 0 means a larger slope lowers the loss
#
# **Task: `prelu(x, weight)`.**

# %% nbgrader={"grade": false, "grade_id": "prelu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight[c] * x, c the channel (dim 1; dim 0 for 1-D x); weight has shape (1,) or (C,)."""
    a = _float_data(x)
    w = _float_data(weight).astype(a.dtype, copy=False)
    channel = 1 if a.ndim >= 2 else 0
    if w.size == 1:
        slope, axes = w.reshape(()), tuple(range(a.ndim))
    elif a.ndim >= 1 and w.size == a.shape[channel]:
        shape = [1] * a.ndim
        shape[channel] = w.size
        slope, axes = w.reshape(shape), tuple(i for i in range(a.ndim) if i != channel)
    else:
        size = a.shape[channel] if a.ndim else 1
        raise ValueError(f"prelu: weight has {w.size} elements; it needs 1 or {size}, one per channel of x {a.shape}")
    ### BEGIN SOLUTION
    positive = a > 0
    out = np.where(positive, a, slope * a)

    def backward(grad):
        d_x = np.where(positive, grad, grad * slope)
        d_w = np.sum(grad * np.where(positive, 0, a), axis=axes).reshape(w.shape)
        return d_x, d_w

    return record_op("prelu", out, (x, weight), backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-prelu", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_prelu():
    """prelu scales x <= 0 by one slope, or by w[c] on channel c (dim 1; dim 0 for 1-D x); any other number of
    slopes raises ValueError."""
    X = [[-2.0, 1.0, -0.5], [3.0, -1.0, 0.0]]  # (N, C) = (2, 3)
    cases = [  # x, weight, dtype, expected; the 3-D x is (N, C, L) = (2, 2, 2)
        (X, [0.25], np.float32, [[-0.5, 1.0, -0.125], [3.0, -0.25, 0.0]]),
        (X, [0.1, 0.2, 0.3], np.float32, [[-0.2, 1.0, -0.15], [3.0, -0.2, 0.0]]),
        ([[[-1.0, 2.0], [-1.0, -2.0]], [[4.0, -4.0], [-3.0, 1.0]]], [0.5, -1.0], np.float64, [[[-0.5, 2.0], [1.0, 2.0]], [[4.0, -2.0], [3.0, 1.0]]]),
        ([-1.0, -1.0, 2.0], [0.1, 0.2, 0.3], np.float32, [-0.1, -0.2, 2.0]),
        ([-1000.0, 1000.0], [0.25], np.float64, [-250.0, 1000.0]),
    ]
    with np.errstate(all="raise", under="ignore"):
        for x, w, dtype, want in cases:
            assert isinstance(got := prelu(Tensor(x, dtype=dtype), Tensor(w, dtype=dtype)), Tensor) and got.dtype == dtype and np.allclose(got.data, want), \
                f"prelu(x, {w}) for {np.dtype(dtype)} x = {x} should be {want}, got {got!r}"
    assert error_message(ValueError, prelu, Tensor(X), Tensor([0.1, 0.2])) is not None, "prelu with 2 slopes for 3 channels must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3061)
    for i in range(4):
        shape = random_shape(rng)
        arr = away_from_zero(rng, shape)
        c = shape[1] if len(shape) >= 2 else shape[0]
        for wshape in [(1,), (c,)]:
            wv = rng.uniform(-0.5, 0.5, wshape)
            got = prelu(Tensor(arr, dtype=np.float64), Tensor(wv, dtype=np.float64))
            observe(f"prelu random case {i} with weight {wshape}", got.data, rtol=1e-12, atol=1e-8)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_prelu()

# %% nbgrader={"grade": true, "grade_id": "test-prelu-grads", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, grads_of


def test_prelu_grads():
    """d/dx is 1 or w[c]; d/dw[c] sums g * x over channel c where x <= 0; backward matches central differences."""
    x, w = (Tensor(v, dtype=np.float64, requires_grad=True) for v in ([[-2.0, 1.0, -0.5], [3.0, -1.0, 0.0]], [0.1, 0.2, 0.3]))
    out = prelu(x, w)
    assert out.requires_grad, "prelu: the result must require grad when x or the weight does"
    out.backward(np.array([[1.0, 1.0, 2.0], [1.0, 3.0, 1.0]]))
    assert np.allclose(x.grad.data, [[0.1, 1.0, 0.6], [1.0, 0.6, 0.3]]), f"d/dx is wrong: {x.grad.data}"
    assert w.grad is not None and w.grad.shape == (3,) and np.allclose(w.grad.data, [-2.0, -3.0, -1.0]), \
        f"d/dw should be [-2, -3, -1], of the weight's shape (3,); got {w.grad}"
    rng = np.random.default_rng(306)
    for shape, size in [((2, 3, 1, 2), 3), ((4, 1, 3), 1), ((5,), 5)]:
        check_grads(Tensor, prelu, away_from_zero(rng, shape), rng.uniform(0.05, 0.5, size), name=f"prelu {shape} with ({size},)")
    t, w1 = Tensor([-1000.0, 1000.0], dtype=np.float64, requires_grad=True), Tensor([0.25], dtype=np.float64, requires_grad=True)
    with np.errstate(all="raise", under="ignore"):
        prelu(t, w1).backward(np.ones(2))
    assert np.allclose(t.grad.data, [0.25, 1.0]) and np.allclose(w1.grad.data, [-1000.0]), "prelu gradients at +-1000"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3062)
    for i in range(4):
        shape = random_shape(rng)
        arr = away_from_zero(rng, shape)
        c = shape[1] if len(shape) >= 2 else shape[0]
        for wshape in [(1,), (c,)]:
            wv = rng.uniform(-0.5, 0.5, wshape)
            observe(f"prelu(a, w) * a random case {i} with weight {wshape}: gradients (x, w)",
                    grads_of(Tensor, lambda a, ww: prelu(a, ww) * a, arr, wv), rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_prelu_grads()

# %% nbgrader={"grade": true, "grade_id": "test-prelu-step", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_prelu_step():
    """For L = mean((prelu(x, w) - y)^2), dL/dw[c] = mean of 2 (prelu(x, w) - y) x over x <= 0 in channel c
    (summed, over the size of x); one descent step w -= dL/dw lowers L."""
    Xd = away_from_zero(np.random.default_rng(3063), (16, 3))
    target = np.where(Xd > 0, Xd, np.array([0.1, 0.5, -0.2]) * Xd)
    w = Tensor([0.25, 0.25, 0.25], dtype=np.float64, requires_grad=True)
    loss = ((prelu(Tensor(Xd, dtype=np.float64), w) - target) ** 2).mean()
    loss.backward()
    residual = np.where(Xd > 0, Xd, 0.25 * Xd) - target
    want = (2 * residual * np.where(Xd > 0, 0, Xd)).sum(axis=0) / Xd.size
    assert w.grad is not None and np.allclose(w.grad.data, want), f"dL/dw should be {want}, got {w.grad}"
    stepped = Tensor(w.data - 1.0 * w.grad.data, dtype=np.float64)
    new_loss = ((prelu(Tensor(Xd, dtype=np.float64), stepped) - target) ** 2).mean()
    assert new_loss.item() < loss.item(), f"one step with lr = 1 should lower the loss {loss.item():.4f}, got {new_loss.item():.4f}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3064)
    for i in range(3):
        Xh = away_from_zero(rng, (8, 4))
        yh = np.where(Xh > 0, Xh, rng.uniform(-0.5, 0.5, 4) * Xh)
        wh = Tensor(rng.uniform(0.0, 0.5, 4), dtype=np.float64, requires_grad=True)
        lh = ((prelu(Tensor(Xh, dtype=np.float64), wh) - yh) ** 2).mean()
        lh.backward()
        observe(f"prelu step case {i}: loss and dL/dw", (lh.item(), wh.grad.data), rtol=1e-9, atol=1e-12)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_prelu_step()

# %% [markdown]
# ## 7. In-place variants for inference
#
# `relu(x)` allocates a new array for its result. For a (256, 4096) float32 activation that is
# 256 * 4096 * 4 B = 4 MiB for every call, in every layer. In inference nothing reads x again, so the result
# can overwrite it: NumPy's ufuncs write into an existing array with `out=`, as in `np.maximum(a, 0, out=a)`,
# and the 4 MiB (and the time to allocate and fill them) are saved.
#
# In training the backward rules need x or the output (relu's keeps `out > 0`, sigmoid's keeps s): overwriting
# x would silently corrupt the gradients. So an in-place variant refuses, with `RuntimeError`, when gradients
# are on and x requires grad, as PyTorch does for leaves; under `no_grad()` it runs. The given
# `_check_in_place(name, x)` raises that error; otherwise it counts the change in `x._version`, so a graph that
# saved x (say, the constant input of `w * x`) raises at backward instead of using the overwritten values.
#
# **Task: `relu_(x)`, `leaky_relu_(x, negative_slope=0.01)`, `sigmoid_(x)`, `tanh_(x)`.** Call
# `_check_in_place`, write the result into `x.data` (the same array, not a new one) and return `x`.
# - leaky_relu_: `np.multiply(a, slope, out=a, where=a < 0)`; the mask `a < 0` costs one byte per element, a
#   quarter of a float32 x.
# - sigmoid_: the sign split needs temporary arrays. sigmoid(x) = exp(-log(1 + e^-x)) = exp(-logaddexp(0, -x))
#   needs none: negate, `np.logaddexp(0, a, out=a)`, negate, exp, each with `out=a`. `logaddexp` computes
#   log(e^p + e^q) without overflow.
#
# `peak_bytes(fn, *args)` (given) measures the largest amount of memory allocated while `fn(*args)` runs, with
# Python's `tracemalloc`; NumPy reports every array buffer to it. The test expects about one array of x's
# size for `relu` and almost nothing for `relu_`.

# %%
#| export
def _check_in_place(name: str, x: Tensor) -> None:
    """Raise RuntimeError when gradients are on and x requires grad: overwriting x would corrupt a backward rule.
    Otherwise count the change in x's version (module 02), so a graph that saved x refuses to run backward."""
    if is_grad_enabled() and getattr(x, "requires_grad", False):
        raise RuntimeError(
            f"{name}(x): x requires grad and gradients are on; overwriting x.data would destroy values that "
            f"the backward pass needs. Use {name.rstrip('_')}(x) in training, or call {name} inside no_grad().")
    if hasattr(x, "_version"):
        x._version += 1


def peak_bytes(fn, *args) -> int:
    """Peak bytes allocated while fn(*args) runs, above what was allocated when it started (tracemalloc)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if started:
            tracemalloc.stop()
    return peak - before

# %% nbgrader={"grade": false, "grade_id": "in-place", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def relu_(x: Tensor) -> Tensor:
    """relu written into x.data; returns x. Inference only."""
    ### BEGIN SOLUTION
    _check_in_place("relu_", x)
    np.maximum(x.data, 0, out=x.data)
    return x
    ### END SOLUTION


def leaky_relu_(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu written into x.data; returns x. Inference only."""
    ### BEGIN SOLUTION
    _check_in_place("leaky_relu_", x)
    a = x.data
    np.multiply(a, float(negative_slope), out=a, where=a < 0)
    return x
    ### END SOLUTION


def sigmoid_(x: Tensor) -> Tensor:
    """sigmoid written into x.data as exp(-logaddexp(0, -x)), no temporaries; returns x. Inference only."""
    ### BEGIN SOLUTION
    _check_in_place("sigmoid_", x)
    a = x.data
    np.negative(a, out=a)
    np.logaddexp(0, a, out=a)  # log(1 + e^-x), never overflows
    np.negative(a, out=a)
    np.exp(a, out=a)
    return x
    ### END SOLUTION


def tanh_(x: Tensor) -> Tensor:
    """tanh written into x.data; returns x. Inference only."""
    ### BEGIN SOLUTION
    _check_in_place("tanh_", x)
    np.tanh(x.data, out=x.data)
    return x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-in-place", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_in_place():
    """Each in-place variant writes the out-of-place result into x.data itself, keeps the dtype and returns x."""
    data = (np.random.default_rng(307).standard_normal((4, 5)) * 3).astype(np.float32)
    data[0, :2] = [-1000.0, 1000.0]
    pairs = [("relu_", relu_, relu), ("leaky_relu_", leaky_relu_, leaky_relu), ("sigmoid_", sigmoid_, sigmoid),
             ("tanh_", tanh_, tanh), ("leaky_relu_(x, 0.2)", lambda t: leaky_relu_(t, 0.2), lambda t: leaky_relu(t, 0.2))]
    with np.errstate(all="raise", under="ignore"):
        for (name, in_place, reference), (dtype, tol) in [(p, d) for p in pairs for d in ((np.float32, 1e-6), (np.float64, 1e-12))]:
            x = Tensor(data, dtype=dtype)
            buffer, want = x.data, reference(Tensor(data, dtype=dtype)).data
            assert in_place(x) is x, f"{name} must return x itself"
            assert x.data is buffer, f"{name} must write into the existing array x.data (out=...), not replace it"
            assert x.dtype == dtype, f"{name} must keep the dtype {np.dtype(dtype)}, got {x.dtype}"
            assert np.allclose(buffer, want, rtol=tol, atol=tol), f"{name} ({np.dtype(dtype)}) differs from the out-of-place result"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3071)
    for i in range(4):
        shape = random_shape(rng, high=5)
        arr = rng.standard_normal(shape) * 5
        s = float(rng.uniform(0.01, 0.5))
        for name, in_place in [("relu_", relu_), ("sigmoid_", sigmoid_), ("tanh_", tanh_),
                               ("leaky_relu_", lambda t: leaky_relu_(t, s))]:
            x = Tensor(arr, dtype=np.float64)
            in_place(x)
            observe(f"{name} random case {i}: x.data", x.data, rtol=1e-12, atol=1e-14)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_in_place()

# %% nbgrader={"grade": true, "grade_id": "test-in-place-autograd", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message

from tinytorch.core.autograd import no_grad


def test_in_place_autograd():
    """While gradients are on, an in-place variant refuses an x that requires grad (a leaf or a result) with
    RuntimeError and leaves it unchanged; under no_grad it runs."""
    data = np.array([[-1.0, 0.5, 2.0], [3.0, -0.2, 0.0]], dtype=np.float32)
    for name, in_place in [("relu_", relu_), ("leaky_relu_", leaky_relu_), ("sigmoid_", sigmoid_), ("tanh_", tanh_)]:
        for x in (Tensor(data, requires_grad=True), Tensor(data, requires_grad=True) * 2.0):
            before = x.data.copy()
            message = error_message(RuntimeError, in_place, x)
            assert message is not None and name in message, f"{name} on x that requires grad: RuntimeError naming {name}, got {message!r}"
            assert np.array_equal(x.data, before), f"{name} must leave x unchanged when it refuses"
        w = Tensor(data, requires_grad=True)
        with no_grad():
            assert in_place(w) is w, f"{name} must run under no_grad, even when x requires grad"

    ### BEGIN HIDDEN TESTS
    x = Tensor([-3.0, 2.0], requires_grad=False)
    observe("relu_ on a tensor without requires_grad, gradients on: returns x", relu_(x) is x)
    observe("relu_ on a tensor without requires_grad, gradients on: x.data", x.data, rtol=0, atol=0)
    w = Tensor([-1.0, 0.5, 2.0], dtype=np.float64, requires_grad=True)
    with no_grad():
        for f in (sigmoid_, tanh_, leaky_relu_):
            f(w)
    observe("sigmoid_, tanh_, leaky_relu_ under no_grad on x that requires grad: x.data", w.data, rtol=1e-12, atol=1e-14)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_in_place_autograd()

# %% nbgrader={"grade": true, "grade_id": "test-in-place-memory", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_in_place_memory():
    """relu allocates about one array of x's size; the in-place variants almost nothing (leaky_relu_ its mask)."""
    x = Tensor(np.random.default_rng(307).standard_normal((512, 1024)).astype(np.float32))
    size = x.data.nbytes
    out_of_place = peak_bytes(relu, x)
    assert 0.9 * size <= out_of_place <= 2.1 * size, f"relu should allocate about one array ({size} B), measured {out_of_place} B"
    for name, in_place, limit in [("relu_", relu_, 0.02), ("sigmoid_", sigmoid_, 0.02), ("tanh_", tanh_, 0.02),
                                  ("leaky_relu_", leaky_relu_, 0.3)]:
        used = peak_bytes(in_place, x)
        assert used <= limit * size, f"{name} allocated {used} B for a {size} B tensor; write into x.data with out="

    ### BEGIN HIDDEN TESTS
    # the values the memory test left in x: each variant ran on the previous one's result
    observe("relu_, sigmoid_, tanh_, leaky_relu_ in turn on a (512, 1024) tensor: row means", x.data.mean(axis=1),
            rtol=1e-5, atol=1e-7)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_in_place_memory()

# %%
if __name__ == "__main__":
    # Peak memory of one call on a 1,000 x 1,000 float32 tensor, under no_grad as in inference.
    _x = Tensor(np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32))
    print(f"{'x itself':>12}: {_x.data.nbytes:>10,} B")
    with no_grad():
        for _name, _fn in [("relu", relu), ("relu_", relu_), ("leaky_relu_", leaky_relu_), ("sigmoid", sigmoid),
                           ("sigmoid_", sigmoid_)]:
            print(f"{_name:>12}: {peak_bytes(_fn, _x):>10,} B")

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: the activation functions, as `torch.relu` and
# `torch.nn.functional.relu`. The table maps each PyTorch-shaped name to this module's object; `tito export`
# collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "relu": "relu", "relu_": "relu_", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
    "log_softmax": "log_softmax", "nn.functional.relu": "relu", "nn.functional.relu_": "relu_",
    "nn.functional.leaky_relu": "leaky_relu", "nn.functional.leaky_relu_": "leaky_relu_",
    "nn.functional.elu": "elu", "nn.functional.gelu": "gelu", "nn.functional.silu": "silu",
    "nn.functional.sigmoid": "sigmoid", "nn.functional.tanh": "tanh", "nn.functional.softmax": "softmax",
    "nn.functional.log_softmax": "log_softmax", "nn.functional.prelu": "prelu",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** The cell after the sigmoid and tanh tests printed the gradient that reaches x
# through 1 to 10 applications of sigmoid, tanh and relu. About how large is it after 10 sigmoids, by what
# factor does it shrink per sigmoid, and which property of the derivative s (1 - s) sets that factor? Why does
# relu pass 1 at every depth here, and for which inputs would it pass 0?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-gradient-depth", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed figures: about 3e-7 after 10 sigmoids, shrinking by about 0.2 to 0.25 per layer
#   (tanh decays slowly, to about 0.2; relu stays 1)
# - 1 point: s (1 - s) is at most 0.25 (at x = 0), so each sigmoid multiplies the gradient by at most a
#   quarter and the chain rule multiplies these factors: at most 0.25^10, about 1e-6
# - 1 point: relu's derivative is exactly 1 for positive inputs; 0.5 is positive and relu keeps it so, so
#   every factor is 1; a negative input (a dead unit) passes exactly 0
# Model answer: After 10 sigmoids the gradient was 3.5e-07, against 0.24 after one: each layer multiplied it by
# about 0.22. The derivative s (1 - s) is largest at x = 0, where it is 0.25, and the chain rule multiplies one
# such factor per layer, so 10 sigmoids give at most 0.25^10 = 1e-6. tanh's derivative reaches 1 at 0 and its
# repeated values shrink toward 0, so it lost only a factor of 5 (0.22). relu's derivative is 1 wherever its
# input is positive; 0.5 stays 0.5, so every factor is 1. For a negative input relu passes 0, and nothing
# below it learns from that example.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (4 points).** The memory cell after the in-place tests measured one call on a 1,000 x 1,000
# float32 tensor. Give the bytes for relu, relu_ and leaky_relu_ and explain each from the array sizes. Why
# did sigmoid (not in place) allocate several times x's size? Why can the in-place variants not be used in
# training?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-inplace-memory", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures with units: relu about 4,000,000 B (one float32 result, 10^6 x 4 B), relu_ a few
#   hundred bytes at most
# - 1 point: leaky_relu_ about 1,000,000 B: the boolean mask `a < 0`, one byte per element
# - 1 point: sigmoid about 4 or more times x (17 MB measured here): the sign split makes temporary arrays (the
#   masks, exp of the negative part, the two branches) besides the result
# - 1 point: in training the backward rule needs x or the output (relu keeps out > 0, sigmoid keeps s);
#   overwriting x destroys values the graph saved, which is why they raise when x requires grad
# Model answer: x itself is 4,000,000 B. relu allocated 4,000,632 B, one new float32 array for its result;
# relu_ allocated 204 B, because np.maximum writes into x.data. leaky_relu_ allocated 1,001,660 B: the mask
# a < 0 is a bool array, one byte per element, a quarter of x. sigmoid allocated 17,002,032 B, over four
# arrays of x's size, for the temporaries of the sign split; sigmoid_ avoids them with exp(-logaddexp(0, -x))
# computed in place. In training backward needs x or the output: overwriting x would silently corrupt the
# gradients, so the in-place variants refuse when x requires grad and are for inference under no_grad.
# ### END SOLUTION
