# %% [markdown]
# # Module 09: Convolutions
#
# A `Linear` layer on an image connects every pixel to every unit: it has to learn the same stroke detector
# separately at every position, and it forgets which pixels are neighbours. A convolution applies one small
# filter at every position instead: few weights, shared across the image, looking at local patches. Stacked
# with pooling (which shrinks the image and tolerates small shifts) and batch normalization (which keeps the
# activations of every channel at a trainable scale), it is the network that first read handwritten digits
# at scale (LeCun et al., 1998).
#
# You will write the output-size formula, a convolution with loops (to understand it), then `im2col` and its
# adjoint `col2im`, which turn the convolution into one matrix product and its backward into two more (to use
# it); the `Conv2d` layer, max and average pooling, batch normalization with its closed-form backward and
# its running statistics, and a small CNN for the 8x8 digits. Each task is a cell containing
# `# YOUR CODE HERE`; the locked cells after it test it. What several tests share is in one given cell, shown
# collapsed. Run the cells in order.
#
# Names, arguments and semantics are PyTorch's (`torch.nn.Conv2d`, `torch.nn.functional.max_pool2d`, ...).
# Images are (N, C, H, W): batch, channels, height, width.

# %%
#| default_exp core.conv

# %%
#| export
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinytorch.core.autograd import Tensor, record_op
from tinytorch.core.layers import (Flatten, Linear, Module, Parameter, ReLU, Sequential, _wants_grad,
                                   kaiming_uniform_)
from tinytorch.core.tensor import array_of


def _pair(value, name: str) -> tuple[int, int]:
    """(v, v) for an int v; a pair stays a pair of ints. PyTorch accepts both for every size argument."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])

# %% [markdown]
# ## 1. The output size
#
# A kernel of size k with dilation d spans d (k - 1) + 1 input positions (dilation leaves d - 1 gaps between
# its taps). Padding p adds p zeros on both sides; stride s moves the kernel s positions at a time. The
# number of positions at which the whole span fits is
#
#     out = floor((size + 2 p - d (k - 1) - 1) / s) + 1
#
# Pitfall: when the span is larger than the padded input, the formula gives 0 or less. PyTorch refuses such a
# convolution, and so does the given check here, with a `ValueError` naming both sizes.
#
# **Task: `conv_output_size`.** Return the formula's value (one axis, ints).

# %% nbgrader={"grade": false, "grade_id": "conv-output-size", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """floor((size + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1 output positions along one axis."""
    if kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"kernel_size, stride and dilation must be >= 1 and padding >= 0, got kernel_size "
                         f"{kernel_size}, stride {stride}, padding {padding}, dilation {dilation}")
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(f"the kernel spans {span} positions (kernel_size {kernel_size}, dilation {dilation}), more "
                         f"than the padded input's {size + 2 * padding} (size {size}, padding {padding})")
    ### BEGIN SOLUTION
    return (size + 2 * padding - span) // stride + 1
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-conv-output-size", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_conv_output_size():
    """out = floor((size + 2 p - d (k - 1) - 1) / s) + 1; a kernel wider than the padded input is a ValueError."""
    cases = [((8, 3), {}, 6), ((8, 3), {"padding": 1}, 8), ((8, 3), {"stride": 2}, 3), ((7, 3), {"stride": 2, "padding": 1, "dilation": 2}, 3),
             ((5, 1), {}, 5), ((4, 4), {}, 1), ((2, 3), {"padding": 1}, 2), ((9, 2), {"stride": 3}, 3)]
    for (size, k), kw, want in cases:
        got = conv_output_size(size, k, **kw)
        assert got == want, f"conv_output_size({size}, {k}, {kw}) should be {want}, got {got}"
    msg = error_message(ValueError, conv_output_size, 2, 3) or "no error"
    assert "3" in msg and "2" in msg, f"a 3-wide kernel on 2 positions must raise a ValueError naming both: {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9101)
    for i in range(12):
        k, s, p, d = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
        size = int(d * (k - 1) + 1 - 2 * p + rng.integers(0, 12))
        size = max(size, 1)
        if d * (k - 1) + 1 <= size + 2 * p:
            observe(f"case {i}: conv_output_size({size}, {k}, stride={s}, padding={p}, dilation={d})",
                    conv_output_size(size, k, s, p, d))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv_output_size()

# %% [markdown]
# The tests below share a few helpers, given in the next cell (collapsed): `conv_by_taps`, a third way to
# compute a convolution (one product per kernel tap, over all outputs at once) that the tests compare with,
# `leaves`, float64 Tensors that require grad, and `pooled_with_grad`, a pooling's output and input gradient.

# %% jupyter={"source_hidden": true}
# Given: what several tests share.
import numpy as np

from tinytorch.core.autograd import Tensor


def conv_by_taps(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The convolution as a sum over kernel taps (p, q) of w[:, :, p, q] times the shifted, strided input."""
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    (O, C, kh, kw), xp = w.shape, np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    OH, OW = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1, (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], O, OH, OW))
    for p in range(kh):
        for q in range(kw):
            shifted = xp[:, :, p * dh:, q * dw:][:, :, ::sh, ::sw][:, :, :OH, :OW]
            out += np.einsum("nchw,oc->nohw", shifted, w[:, :, p, q])
    return out if b is None else out + b[:, None, None]


def leaves(rng: np.random.Generator, *shapes) -> list:
    """One float64 Tensor of standard normal values per shape, each requiring grad."""
    return [Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True) for shape in shapes]


def pooled_with_grad(rng: np.random.Generator, pool, x: np.ndarray, *args, **kwargs) -> list:
    """pool(x, ...) and x's gradient under a random upstream gradient: what the hidden pooling cases observe."""
    xs = Tensor(x, dtype=np.float64, requires_grad=True)
    out = pool(xs, *args, **kwargs)
    out.backward(rng.standard_normal(out.shape))
    return [out.data, xs.grad.data]


def random_geometry(rng: np.random.Generator) -> dict:
    """A random convolution: shapes of x and w, stride, padding and dilation, with the kernel fitting the input."""
    n, c, o = (int(v) for v in rng.integers(1, 4, size=3))
    k, s, p, d = (int(rng.integers(1, 4)), int(rng.integers(1, 4))), int(rng.integers(1, 3)), int(rng.integers(0, 2)), \
        int(rng.integers(1, 3))
    size = tuple(int(d * (kk - 1) + 1 + rng.integers(0, 4)) for kk in k)
    return {"x": (n, c) + size, "w": (o, c) + k, "stride": s, "padding": p, "dilation": d}

# %% [markdown]
# ## 2. Convolution with loops
#
# With input x (N, C, H, W), weight w (O, C, kh, kw) and bias b (O,), output channel o at position (i, j) is
# one filter applied to one patch:
#
#     y[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] * xp[n, c, i s + p d, j s + q d]
#
# where xp is x with `padding` zeros on each side of H and W. (Mathematicians call this cross-correlation;
# a true convolution flips the kernel. Deep learning calls it convolution, and the learned weights do not
# care.) The output is (N, O, OH, OW), with OH and OW from section 1.
#
# **Task: `conv2d_loops`.** Loop over n, o, i and j; for each, cut the patch out of xp (C, kh, kw), with the
# dilation as the slice step, and sum its product with w[o]. Return an ndarray. `stride`, `padding` and
# `dilation` are ints or (height, width) pairs: `_pair` (given) turns them into pairs. This version is for
# tiny inputs only: N O OH OW Python iterations.

# %% nbgrader={"grade": false, "grade_id": "conv2d-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_conv(X: np.ndarray, W: np.ndarray, B, stride, padding, dilation) -> tuple[int, int]:
    """Check the shapes of a convolution's operands; return (OH, OW). Every error is a ValueError naming shapes."""
    if X.ndim != 4 or W.ndim != 4:
        raise ValueError(f"conv2d: input (N, C, H, W) and weight (O, C, kh, kw) must be 4-D, got shapes {X.shape} "
                         f"and {W.shape}")
    if X.shape[1] != W.shape[1]:
        raise ValueError(f"conv2d: input of shape {X.shape} has {X.shape[1]} channels, but weight of shape "
                         f"{W.shape} expects {W.shape[1]}")
    if B is not None and B.shape != (W.shape[0],):
        raise ValueError(f"conv2d: bias must have shape ({W.shape[0]},), got {B.shape}")
    return tuple(conv_output_size(X.shape[2 + a], W.shape[2 + a], stride[a], padding[a], dilation[a]) for a in (0, 1))


def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """y[n, o, i, j] = b[o] + sum_{c,p,q} w[o, c, p, q] xp[n, c, i s + p d, j s + q d], one output at a time."""
    X, W = array_of(x), array_of(weight)
    B = None if bias is None else array_of(bias)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    OH, OW = _check_conv(X, W, B, (sh, sw), (ph, pw), (dh, dw))
    ### BEGIN SOLUTION
    N, O, (kh, kw) = X.shape[0], W.shape[0], W.shape[2:]
    xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, O, OH, OW), dtype=np.result_type(X, W))
    for n in range(N):
        for o in range(O):
            for i in range(OH):
                for j in range(OW):
                    patch = xp[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
                    out[n, o, i, j] = np.sum(patch * W[o]) + (0 if B is None else B[o])
    return out
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-loops", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_conv2d_loops():
    """y[n, o, i, j] = b[o] + sum w[o, c, p, q] xp[n, c, i s + p d, j s + q d], with stride, padding and dilation."""
    x, diag = np.arange(16.0).reshape(1, 1, 4, 4), np.array([[[[1.0, 0.0], [0.0, -1.0]]]])  # x[i, j] - x[i+1, j+1]
    y = conv2d_loops(x, diag, np.array([1.0]))
    assert isinstance(y, np.ndarray) and y.shape == (1, 1, 3, 3) and np.allclose(y, -4.0), f"x[i, j] - x[i+1, j+1] + 1 is -4: {y}"
    assert np.allclose(conv2d_loops(x, diag, stride=2), np.full((1, 1, 2, 2), -5.0)), "stride 2 keeps every other output"
    assert np.allclose(conv2d_loops(x, diag, dilation=2), np.full((1, 1, 2, 2), -10.0)), "dilation 2: x[i, j] - x[i+2, j+2]"
    box = conv2d_loops(x, np.ones((1, 1, 3, 3)), padding=1)[0, 0]
    assert box.shape == (4, 4) and box[0, 0] == 0 + 1 + 4 + 5 and box[1, 1] == 45, f"3x3 sums with zero padding: {box}"
    rng = np.random.default_rng(9102)
    for s, p, d in [(1, 0, 1), (2, 1, 1), ((1, 2), (0, 1), (2, 1))]:
        xs, ws, bs = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 2, 3)), rng.standard_normal(4)
        assert np.allclose(conv2d_loops(xs, ws, bs, s, p, d), conv_by_taps(xs, ws, bs, s, p, d)), f"stride {s}, padding {p}, dilation {d}"

    ### BEGIN HIDDEN TESTS
    for i in range(5):
        g = random_geometry(rng)
        xs, ws, bs = rng.standard_normal(g["x"]), rng.standard_normal(g["w"]), rng.standard_normal(g["w"][0])
        observe(f"case {i}: conv2d_loops, {g}", conv2d_loops(xs, ws, bs, g["stride"], g["padding"], g["dilation"]))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv2d_loops()

# %% [markdown]
# ## 3. im2col and col2im
#
# The loop version computes one dot product per output element. Write every patch as a row instead:
#
#     cols = im2col(x)    (N OH OW, C kh kw): row n OH OW + i OW + j is patch (n, i, j), flattened in (c, p, q) order
#     y    = cols @ w.reshape(O, C kh kw).T + b    (N OH OW, O), then reshaped to (N, OH, OW, O), moved to (N, O, OH, OW)
#
# A convolution is a `Linear` layer applied to every patch: one matrix product, which NumPy runs in fast
# compiled code. Building `cols` needs no loop either; it takes two steps, and pooling (section 6) reuses the
# first.
#
# 1. `windows(x)`: pad xp (only when the padding is not zero: `np.pad` always copies). With the kernel's spans
#    a = dh (kh - 1) + 1 and b = dw (kw - 1) + 1, `sliding_window_view(xp, (a, b), axis=(2, 3))` returns a view
#    of shape (N, C, Hp - a + 1, Wp - b + 1, a, b) holding every a x b window; slicing it with the stride
#    (axes 2, 3) and the dilation (axes 4, 5) keeps the windows and taps the convolution uses,
#    (N, C, OH, OW, kh, kw), still without copying.
# 2. `im2col(x)`: one transpose of that view to (N, OH, OW, C, kh, kw) and one reshape make the copy that is
#    `cols`.
#
# Backward needs the adjoints. Both steps are linear: `windows` reads each input element into every window
# that contains it. Its transpose, `add_windows`, adds each entry of a (N, C, OH, OW, kh, kw) array back onto
# the input position it was read from, so that for every x and g
#
#     <windows(x), g> = <x, add_windows(g)>,
#
# and `col2im` is `add_windows` of cols reshaped back to (N, OH, OW, C, kh, kw) and transposed to
# (N, C, OH, OW, kh, kw) (a view: the transpose of im2col's reshape). Overlapping windows make `add_windows`
# add, not assign. Loop over the kh kw kernel taps only: tap (p, q) of every window reads
# xp[:, :, p d + i s, q d + j s], a strided slice of xp, so one `+=` on that slice handles all N C OH OW windows
# at once. Copy g tap-major first, (kh, kw, N, C, OH, OW), so each `+=` reads one contiguous block. Then cut
# the padding off.
#
# **Task: `windows`, `add_windows`, `im2col` and `col2im`.** `kernel_size`, `stride`, `padding`, `dilation`
# are pairs (already through `_pair`). `windows` pads with `pad_value` (0 for a convolution; max pooling pads
# with minus infinity).

# %% nbgrader={"grade": false, "grade_id": "im2col", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def windows(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
            pad_value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> a view (N, C, OH, OW, kh, kw): tap (p, q) of the window at (i, j), with no copy."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    for a in (0, 1):  # a clear ValueError when the kernel does not fit the padded input
        conv_output_size(x.shape[2 + a], kernel_size[a], stride[a], padding[a], dilation[a])
    ### BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value) if ph or pw else x
    spans = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return spans[:, :, ::sh, ::sw, ::dh, ::dw]
    ### END SOLUTION


def add_windows(g: np.ndarray, x_shape: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
                dilation: tuple) -> np.ndarray:
    """The adjoint of windows: g (N, C, OH, OW, kh, kw) -> x_shape, each entry added where windows read it."""
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    OH, OW = g.shape[2:4]
    ### BEGIN SOLUTION
    taps = np.ascontiguousarray(g.transpose(4, 5, 0, 1, 2, 3))  # (kh, kw, N, C, OH, OW): each tap in one block
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=g.dtype)
    for p in range(kh):
        for q in range(kw):  # one strided slice per tap covers every window: no loop over pixels
            xp[:, :, p * dh:p * dh + sh * (OH - 1) + 1:sh, q * dw:q * dw + sw * (OW - 1) + 1:sw] += taps[p, q]
    return xp[:, :, ph:ph + H, pw:pw + W]
    ### END SOLUTION


def im2col(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
           pad_value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> (N OH OW, C kh kw): one row per patch, in (n, i, j) order, each flattened in (c, p, q) order."""
    N, C = x.shape[:2]
    (kh, kw) = kernel_size
    ### BEGIN SOLUTION
    view = windows(x, kernel_size, stride, padding, dilation, pad_value)
    OH, OW = view.shape[2:4]
    return view.transpose(0, 2, 3, 1, 4, 5).reshape(N * OH * OW, C * kh * kw)
    ### END SOLUTION


def col2im(cols: np.ndarray, x_shape: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
           dilation: tuple) -> np.ndarray:
    """The adjoint of im2col: (N OH OW, C kh kw) -> x_shape, each entry added where im2col read it."""
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    OH, OW = conv_output_size(H, kh, sh, ph, dh), conv_output_size(W, kw, sw, pw, dw)
    ### BEGIN SOLUTION
    g = cols.reshape(N, OH, OW, C, kh, kw).transpose(0, 3, 1, 2, 4, 5)  # (N, C, OH, OW, kh, kw), a view
    return add_windows(g, x_shape, kernel_size, stride, padding, dilation)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-im2col", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_im2col():
    """Row n OH OW + i OW + j of im2col is patch (n, i, j) in (c, p, q) order; cols @ W2.T is the convolution."""
    x = np.arange(2 * 2 * 3 * 3.0).reshape(2, 2, 3, 3)
    cols = im2col(x, (2, 2), (1, 1), (0, 0), (1, 1))
    assert cols.shape == (2 * 2 * 2, 2 * 2 * 2), f"(N OH OW, C kh kw) = (8, 8), got {cols.shape}"
    assert np.array_equal(cols[0], [0, 1, 3, 4, 9, 10, 12, 13]), f"row 0: channel 0's patch, then channel 1's: {cols[0]}"
    assert np.array_equal(cols[3], x[0, :, 1:3, 1:3].ravel()) and np.array_equal(cols[6], x[1, :, 1:3, 0:2].ravel()), "rows 3, 6"
    view = windows(x, (2, 2), (1, 1), (0, 0), (1, 1))
    assert view.shape == (2, 2, 2, 2, 2, 2) and np.shares_memory(view, x), "without padding, windows(x) is a view of x"
    assert np.array_equal(view[1, 0, 0, 1], x[1, 0, 0:2, 1:3]), "view[n, c, i, j] is the window at (i, j)"
    padded = im2col(x[:1, :1], (2, 2), (2, 2), (1, 1), (1, 1), pad_value=-7.0)
    assert np.array_equal(padded[0], [-7, -7, -7, 0]) and padded.shape == (4, 4), f"pad_value fills the padding: {padded}"
    rng = np.random.default_rng(9103)
    for s, p, d in [(1, 1, 1), (2, 0, 1), ((2, 1), (1, 0), (1, 2))]:
        xs, ws = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
        geometry = ((3, 2), _pair(s, "s"), _pair(p, "p"), _pair(d, "d"))
        c = im2col(xs, *geometry)
        want = conv_by_taps(xs, ws, None, s, p, d)
        assert np.allclose((c @ ws.reshape(4, -1).T).reshape(2, *want.shape[2:], 4).transpose(0, 3, 1, 2), want), f"{geometry}"

    ### BEGIN HIDDEN TESTS
    for i in range(5):
        g = random_geometry(rng)
        geometry = (g["w"][2:], _pair(g["stride"], "s"), _pair(g["padding"], "p"), _pair(g["dilation"], "d"))
        observe(f"case {i}: im2col, {g}", im2col(rng.standard_normal(g["x"]), *geometry, pad_value=0.5))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_im2col()

# %% nbgrader={"grade": true, "grade_id": "test-im2col-adjoint", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_im2col_adjoint():
    """col2im is the adjoint of im2col: <im2col(x), g> = <x, col2im(g)>; col2im of ones counts the patches per pixel."""
    counts = col2im(np.ones((16, 9)), (1, 1, 4, 4), (3, 3), (1, 1), (1, 1), (1, 1))
    rim = [4, 6, 6, 4]
    assert np.array_equal(counts[0, 0], [rim, [6, 9, 9, 6], [6, 9, 9, 6], rim]), f"3x3 windows over each pixel: {counts}"
    rng = np.random.default_rng(9104)
    for shape, k, s, p, d in [((2, 3, 5, 6), (3, 3), (1, 1), (1, 1), (1, 1)), ((1, 2, 7, 7), (2, 3), (2, 1), (0, 1), (1, 2)),
                              ((3, 1, 6, 5), (1, 1), (2, 2), (0, 0), (1, 1)), ((2, 2, 9, 8), (3, 2), (3, 2), (2, 1), (2, 3))]:
        x = rng.standard_normal(shape)
        cols = im2col(x, k, s, p, d)
        g = rng.standard_normal(cols.shape)
        back = col2im(g, shape, k, s, p, d)
        assert back.shape == shape, f"col2im must return x's shape {shape}, got {back.shape}"
        assert np.isclose(np.sum(cols * g), np.sum(x * back)), f"<im2col x, g> != <x, col2im g> for kernel {k}, stride {s}, padding {p}, dilation {d}"
        view = windows(x, k, s, p, d)
        gw = rng.standard_normal(view.shape)
        assert np.isclose(np.sum(view * gw), np.sum(x * add_windows(gw, shape, k, s, p, d))), f"<windows x, g> != <x, add_windows g> for kernel {k}, stride {s}, padding {p}, dilation {d}"

    ### BEGIN HIDDEN TESTS
    for i in range(5):
        geo = random_geometry(rng)
        geometry = (geo["w"][2:], _pair(geo["stride"], "s"), _pair(geo["padding"], "p"), _pair(geo["dilation"], "d"))
        rows = im2col(np.zeros(geo["x"]), *geometry).shape
        observe(f"case {i}: col2im, {geo}", col2im(rng.standard_normal(rows), geo["x"], *geometry))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_im2col_adjoint()

# %% [markdown]
# ## 4. Convolution as one matrix product
#
# `conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)` is `torch.nn.functional.conv2d`
# (only groups=1). With cols = im2col(x) and W2 = w.reshape(O, C kh kw), the forward is section 3's product,
# and the backward is `linear`'s (module 04) on the patches. With G the upstream gradient moved to
# (N, OH, OW, O) and reshaped to (N OH OW, O):
#
#     d_x = col2im(G @ W2)                 (N OH OW, C kh kw) -> (N, C, H, W)
#     d_w = (G.T @ cols).reshape(w.shape)  (O, C kh kw): summed over every patch of every image
#     d_b = G.sum(axis=0)                  (O,)
#
# The weight is shared by all patches, so its gradient is a sum over all of them.
#
# **Task: `conv2d`.** Compute the forward with `im2col` and one matrix product; return
# `record_op("conv2d", out, parents, backward)` with parents `(input, weight, bias)`, or `(input, weight)`
# without bias. As in `linear`, compute only the gradients someone needs (`_wants_grad`, module 04's). The
# shape checks are given, and so is `geometry`: the four pairs (kernel, stride, padding, dilation) that
# `im2col(X, *geometry)` and `col2im(cols, X.shape, *geometry)` take.

# %% nbgrader={"grade": false, "grade_id": "conv2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """y = im2col(x) @ w.reshape(O, -1).T + b, as (N, O, OH, OW); x (N, C, H, W), w (O, C, kh, kw), b (O,)."""
    if groups != 1:
        raise NotImplementedError(f"conv2d: only groups=1 is implemented, got groups={groups}")
    X, Wt = array_of(input), array_of(weight)
    B = None if bias is None else array_of(bias)
    geometry = (_pair(Wt.shape[2:], "kernel_size") if Wt.ndim == 4 else None, _pair(stride, "stride"),
                _pair(padding, "padding"), _pair(dilation, "dilation"))
    OH, OW = _check_conv(X, Wt, B, *geometry[1:])
    ### BEGIN SOLUTION
    N, O = X.shape[0], Wt.shape[0]
    cols = im2col(X, *geometry)  # (N OH OW, C kh kw)
    W2 = Wt.reshape(O, -1)
    out = cols @ W2.T
    if B is not None:
        out = out + B
    out = np.ascontiguousarray(out.reshape(N, OH, OW, O).transpose(0, 3, 1, 2))

    def backward(grad: np.ndarray) -> tuple:
        G = grad.transpose(0, 2, 3, 1).reshape(N * OH * OW, O)
        d_x = col2im(G @ W2, X.shape, *geometry) if _wants_grad(input) else None
        d_w = (G.T @ cols).reshape(Wt.shape) if _wants_grad(weight) else None
        if B is None:
            return d_x, d_w
        return d_x, d_w, (G.sum(axis=0) if _wants_grad(bias) else None)

    parents = (input, weight) if B is None else (input, weight, bias)
    return record_op("conv2d", out, parents, backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-values", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_conv2d_values():
    """conv2d is ONE graph node whose value is the convolution, with stride, padding and dilation; float32 stays float32."""
    rng = np.random.default_rng(9105)
    for s, p, d in [(1, 0, 1), (1, 1, 1), (2, 1, 1), ((2, 1), (0, 2), (1, 2)), (3, 2, 2)]:
        x, w, b = leaves(rng, (2, 3, 8, 7), (4, 3, 3, 2), (4,))
        y = conv2d(x, w, b, stride=s, padding=p, dilation=d)
        want = conv_by_taps(x.data, w.data, b.data, s, p, d)
        assert isinstance(y, Tensor) and y.shape == want.shape, f"stride {s}, padding {p}, dilation {d}: shape {want.shape}, got {y.shape}"
        assert np.allclose(y.data, want), f"stride {s}, padding {p}, dilation {d}: wrong values"
        assert y._op == "conv2d" and [id(t) for t in y._parents] == [id(x), id(w), id(b)], "one record_op('conv2d') node on (x, w, b)"
    no_bias = conv2d(x, w)
    assert np.allclose(no_bias.data, conv_by_taps(x.data, w.data)) and len(no_bias._parents) == 2, "without bias: parents (x, w)"
    x32, w32 = Tensor(rng.standard_normal((1, 2, 5, 5))), Tensor(rng.standard_normal((3, 2, 3, 3)))
    assert conv2d(x32, w32).dtype == np.float32, "float32 in, float32 out"

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        g = random_geometry(rng)
        xs, ws, bs = leaves(rng, g["x"], g["w"], g["w"][:1])
        observe(f"case {i}: conv2d, {g}", conv2d(xs, ws, bs, g["stride"], g["padding"], g["dilation"]).data)
    observe("float32 dtype", str(conv2d(x32, w32, Tensor(np.ones(3)), padding=1).dtype))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv2d_values()

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-grads", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads


def test_conv2d_grads():
    """conv2d's backward (col2im(G @ W2), G.T @ cols, G summed) matches central differences, and skips unneeded grads."""
    rng = np.random.default_rng(9106)
    for xs, ws, s, p, d in [((2, 2, 4, 4), (3, 2, 2, 2), 1, 0, 1), ((1, 3, 5, 4), (2, 3, 3, 3), 2, 1, 1),
                            ((2, 1, 6, 5), (2, 1, 2, 2), (1, 2), (1, 0), (2, 1)), ((1, 2, 3, 3), (1, 2, 1, 1), 1, 1, 1)]:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
        check_grads(Tensor, lambda x, w, b: conv2d(x, w, b, s, p, d), x, w, b, name=f"conv2d x {xs}, w {ws}, stride {s}, padding {p}, dilation {d}")
        check_grads(Tensor, lambda x, w: conv2d(x, w, None, s, p, d), x, w, name=f"conv2d without bias, x {xs}")
    frozen, w = Tensor(rng.standard_normal((1, 2, 4, 4))), leaves(rng, (3, 2, 3, 3))[0]
    conv2d(frozen, w).sum().backward()
    assert frozen.grad is None and w.grad.shape == (3, 2, 3, 3), "only operands that require grad get a gradient"

    ### BEGIN HIDDEN TESTS
    from tito.testkit import observe_grads

    for i in range(5):
        g = random_geometry(rng)
        arrays = rng.standard_normal(g["x"]), rng.standard_normal(g["w"]), rng.standard_normal(g["w"][0])
        observe(f"case {i}: conv2d values, {g}", conv2d(*(Tensor(a, dtype=np.float64) for a in arrays), g["stride"],
                                                       g["padding"], g["dilation"]).data)
        observe_grads(f"case {i}: conv2d, {g}", Tensor,
                      lambda x, w, b: conv2d(x, w, b, g["stride"], g["padding"], g["dilation"]), *arrays)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv2d_grads()

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-errors", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_conv2d_errors():
    """A channel mismatch and a kernel larger than the padded input are ValueErrors that name the shapes."""
    x, w = Tensor(np.ones((1, 3, 5, 5))), Tensor(np.ones((2, 3, 3, 3)))
    msg = error_message(ValueError, conv2d, x, Tensor(np.ones((2, 4, 3, 3)))) or "no error"
    assert "(1, 3, 5, 5)" in msg and "(2, 4, 3, 3)" in msg, f"3 channels into a weight for 4: ValueError naming both shapes, got: {msg}"
    msg = error_message(ValueError, conv2d, Tensor(np.ones((1, 3, 2, 2))), w) or "no error"
    assert "3" in msg and "2" in msg, f"a 3x3 kernel on a 2x2 image: ValueError naming both sizes, got: {msg}"
    fits = conv2d(Tensor(np.ones((1, 3, 2, 2))), w, padding=1)
    assert fits.shape == (1, 2, 2, 2) and np.allclose(fits.data, 12.0), "with padding 1 the 3x3 kernel fits a 2x2 image"
    assert np.allclose(conv2d(x, w).data, 27.0), "a 3x3x3 window of ones times ones is 27"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9107)
    for i in range(3):
        c = int(rng.integers(1, 4))
        wide = Tensor(rng.standard_normal((2, c, 4, 4)))
        small = Tensor(rng.standard_normal((1, c, 3, 3)))
        observe(f"case {i}: 4x4 kernel on a 3x3 image raises ValueError", error_message(ValueError, conv2d, small, wide) is not None)
        observe(f"case {i}: the same with padding 1", conv2d(small, wide, padding=1).data, rtol=1e-5, atol=1e-5)
        observe(f"case {i}: channel mismatch raises ValueError",
                error_message(ValueError, conv2d, small, Tensor(np.ones((1, c + 1, 1, 1)))) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv2d_errors()

# %% [markdown]
# The loops of section 2 and the one product, measured on a small batch (4 images of 3 x 16 x 16, 8 filters
# of 3 x 3): the same numbers, and the product is hundreds of times faster, because NumPy hands it to BLAS
# while the loops pay Python's cost for every output pixel.

# %%
if __name__ == "__main__":
    import time

    _rng = np.random.default_rng(0)
    _x, _w = _rng.standard_normal((4, 3, 16, 16)), _rng.standard_normal((8, 3, 3, 3))
    _seconds = {}
    for _name, _f in (("loops", lambda: conv2d_loops(_x, _w, padding=1)),
                      ("im2col + product", lambda: conv2d(Tensor(_x), Tensor(_w), padding=1).data)):
        _times = []
        for _ in range(3):  # the best of three: the first call also pays for warming caches
            _start = time.perf_counter()
            _f()
            _times.append(time.perf_counter() - _start)
        _seconds[_name] = min(_times)
        print(f"{_name:>16}: {_seconds[_name] * 1e3:8.2f} ms")
    print(f"speed-up: {_seconds['loops'] / _seconds['im2col + product']:.0f}x; same result:",
          np.allclose(conv2d_loops(_x, _w, padding=1), conv2d(Tensor(_x), Tensor(_w), padding=1).data, atol=1e-4))

# %% [markdown]
# The price of the speed: the memory of `cols` for the same batch, against the input's.

# %%
if __name__ == "__main__":
    _cols = im2col(_x, (3, 3), (1, 1), (1, 1), (1, 1))
    print(f"x {_x.shape}: {_x.nbytes:,} bytes; cols {_cols.shape}: {_cols.nbytes:,} bytes, "
          f"{_cols.nbytes / _x.nbytes:.1f}x")

# %% [markdown]
# ## 5. The Conv2d layer
#
# `Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True)` owns
# `weight` (out_channels, in_channels, kh, kw) and `bias` (out_channels,) and computes `conv2d`. The size
# arguments are stored as pairs, as PyTorch does. Initialization follows module 04's `Linear`: He uniform
# weights (`kaiming_uniform_` counts fan_in = in_channels kh kw for a 4-D weight) and zero biases.
#
# **Task: `Conv2d.__init__` (the two parameters, float32) and `forward`.**

# %% nbgrader={"grade": false, "grade_id": "conv2d-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Conv2d(Module):
    """2-D convolution layer: y = conv2d(x, weight, bias) with weight (out, in, kh, kw) from He init, bias zeros."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        if groups != 1:
            raise NotImplementedError(f"Conv2d: only groups=1 is implemented, got groups={groups}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding")
        self.dilation = _pair(dilation, "dilation")
        ### BEGIN SOLUTION
        self.weight = Parameter(np.zeros((out_channels, in_channels) + self.kernel_size, dtype=np.float32))
        kaiming_uniform_(self.weight, nonlinearity="relu")
        self.bias = Parameter(np.zeros(out_channels, dtype=np.float32)) if bias else None
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """x (N, in_channels, H, W) -> (N, out_channels, OH, OW)."""
        ### BEGIN SOLUTION
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
        ### END SOLUTION

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-module", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe

from tinytorch.core.layers import manual_seed


def test_conv2d_module():
    """Conv2d owns a float32 He-initialized weight (out, in, kh, kw) and a zero bias, and computes conv2d with them."""
    manual_seed(0)
    layer = Conv2d(3, 8, (3, 2), stride=2, padding=1)
    (names, (w, b)) = zip(*layer.named_parameters())
    assert names == ("weight", "bias"), "parameters 'weight' then 'bias'"
    assert isinstance(w, Parameter) and w.shape == (8, 3, 3, 2) and w.dtype == np.float32, f"weight (8, 3, 3, 2) float32, got {w.shape}"
    assert b.shape == (8,) and b.dtype == np.float32 and not b.data.any(), "bias: float32 zeros"
    bound = (6 / (3 * 3 * 2)) ** 0.5  # He uniform: sqrt(6 / fan_in), fan_in = in kh kw
    assert np.abs(w.data).max() <= bound + 1e-6 and np.abs(w.data).max() > 0.8 * bound, "He uniform with fan_in = 3 * 3 * 2"
    x = Tensor(np.random.default_rng(9108).standard_normal((2, 3, 7, 6)))
    y = layer(x)
    assert y.shape == (2, 8, 4, 4) and np.allclose(y.data, conv2d(x, w, b, 2, 1).data), "forward is conv2d(x, weight, bias, ...)"
    y.sum().backward()
    assert w.grad.shape == w.shape and np.allclose(b.grad.data, 2 * 4 * 4), "gradients reach weight and bias"
    plain = Conv2d(1, 2, 3, bias=False)
    assert plain.bias is None and repr(plain) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), bias=False)", repr(plain)

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9109)
    for i in range(4):
        g = random_geometry(rng)
        lay = Conv2d(g["x"][1], g["w"][0], g["w"][2:], g["stride"], g["padding"], g["dilation"], bias=bool(i % 2))
        lay.weight.data[...] = rng.standard_normal(g["w"])  # the init's draws are the student's to order: fix them
        observe(f"case {i}: Conv2d forward, {g}", lay(Tensor(rng.standard_normal(g["x"]))).data, rtol=1e-4, atol=1e-5)
        wide = Conv2d(g["x"][1], 64, g["w"][2:])
        observe(f"case {i}: max |w| of the He init, {g['w'][2:]}", float(np.abs(wide.weight.data).max()), rtol=0.15, atol=0.0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_conv2d_module()

# %% [markdown]
# ## 6. Pooling
#
# Pooling summarizes each window of each channel by one number: its maximum (`max_pool2d`) or its mean
# (`avg_pool2d`). It has no weights; it halves H and W with the usual `kernel_size=2`, and the maximum makes
# the output indifferent to where in the window a feature appeared. `stride` defaults to `kernel_size`
# (windows side by side), and padding may be at most half the kernel, as in PyTorch.
#
# Both reduce each window of `windows(x)` (section 3, no copy) to one number. The window's kh kw taps form a
# short axis; copy the view once, tap-major (`tap_major`: `taps` of shape (kh kw, N, C, OH, OW)), and a
# reduction over the window runs along axis 0: kh kw operations on whole (N, C, OH, OW) arrays. Backward builds
# the gradient of `taps`, moves its axes back to (N, C, OH, OW, kh, kw) (a view) and sends it through
# `add_windows`:
# - max: `out = taps.max(axis=0)` (a NaN in the window propagates, as in PyTorch). The whole upstream gradient
#   goes to one position per window: on ties PyTorch picks the first maximum in the window (row-major order,
#   which is tap order), and a NaN counts as the maximum. Mark the hits, `taps == out` (and, in a window whose
#   maximum is NaN, its NaNs), and find each window's first hit with a loop over the kh kw taps (count the taps
#   before it). Keep only that index for the backward: the gradient of `taps` is its one-hot times grad. Pad
#   with minus infinity, so padding never wins.
# - average: every position of the window gets grad / (kh kw). The zeros of the padding count in the mean
#   (PyTorch's default, `count_include_pad=True`); with `count_include_pad=False` divide by the number of
#   real input positions in each window instead: the window sums of `windows` of an all-ones image.
#
# **Task: `tap_major`, `max_pool2d` and `avg_pool2d`**, each pooling returning one `record_op` node. The argument
# checks are given.

# %% nbgrader={"grade": false, "grade_id": "pooling", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _pool_geometry(X: np.ndarray, kernel_size, stride, padding, dilation=1) -> tuple:
    """(kernel, stride, padding, dilation) as pairs, checked as PyTorch does; stride None means kernel_size."""
    kernel = _pair(kernel_size, "kernel_size")
    geometry = (kernel, kernel if stride is None else _pair(stride, "stride"), _pair(padding, "padding"),
                _pair(dilation, "dilation"))
    if X.ndim != 4:
        raise ValueError(f"pooling expects a 4-D input (N, C, H, W), got shape {X.shape}")
    if any(2 * p > k for p, k in zip(geometry[2], kernel)):
        raise ValueError(f"pad should be at most half of effective kernel size, got padding {geometry[2]} for "
                         f"kernel_size {kernel}")
    return geometry


def tap_major(view: np.ndarray) -> np.ndarray:
    """windows(x), (N, C, OH, OW, kh, kw), copied as (kh kw, N, C, OH, OW): each tap of every window in one block."""
    ### BEGIN SOLUTION
    return np.ascontiguousarray(view.transpose(4, 5, 0, 1, 2, 3)).reshape(-1, *view.shape[:4])
    ### END SOLUTION


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1) -> Tensor:
    """The maximum of each window of each channel: (N, C, H, W) -> (N, C, OH, OW); ties go to the first maximum."""
    X = array_of(input)
    geometry = _pool_geometry(X, kernel_size, stride, padding, dilation)
    ### BEGIN SOLUTION
    view = windows(X, *geometry, pad_value=-np.inf)  # (N, C, OH, OW, kh, kw)
    taps = tap_major(view)
    K, out = len(taps), taps.max(axis=0)
    hit = taps == out
    if np.isnan(out).any():  # a window whose maximum is NaN: its NaNs are the hits
        hit |= np.isnan(taps)
    first = np.zeros(out.shape, dtype=np.min_scalar_type(K))  # each window's first hit; the smallest int type
    seen = hit[0].copy()
    for t in range(1, K):
        first += ~seen
        seen |= hit[t]

    def backward(grad: np.ndarray) -> tuple:  # keeps first, not the taps
        d_taps = (np.arange(K).reshape(-1, 1, 1, 1, 1) == first) * grad
        d_view = d_taps.reshape(geometry[0] + out.shape).transpose(2, 3, 4, 5, 0, 1)
        return (add_windows(d_view, X.shape, *geometry),)

    return record_op("max_pool2d", out, (input,), backward)
    ### END SOLUTION


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """The mean of each window of each channel; padding zeros count unless count_include_pad is False."""
    X = array_of(input)
    geometry = _pool_geometry(X, kernel_size, stride, padding)
    ### BEGIN SOLUTION
    view = windows(X, *geometry)  # (N, C, OH, OW, kh, kw)
    taps = tap_major(view)
    if count_include_pad:
        count = np.asarray(len(taps), dtype=X.dtype)
    else:  # real input positions per window, (1, 1, OH, OW): the same for every image and channel
        count = windows(np.ones((1, 1) + X.shape[2:], dtype=X.dtype), *geometry).sum(axis=(4, 5))
    out = taps.sum(axis=0) / count

    def backward(grad: np.ndarray) -> tuple:
        d_view = np.broadcast_to((grad / count)[..., None, None], out.shape + geometry[0])
        return (add_windows(d_view, X.shape, *geometry),)

    return record_op("avg_pool2d", out, (input,), backward)
    ### END SOLUTION

# %% [markdown]
# The two layers are given: each stores its arguments and calls its function.

# %%
#| export
class MaxPool2d(Module):
    """Max pooling over kernel_size windows; stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride or kernel_size, padding, dilation

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool2d(Module):
    """Average pooling over kernel_size windows; stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

# %% nbgrader={"grade": true, "grade_id": "test-pooling-max", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_pooling_max():
    """max_pool2d takes each window's maximum; its gradient goes to the FIRST maximum; padding never wins; NaN does."""
    x = Tensor([[[[1.0, 3.0, 3.0, 0.0], [2.0, 3.0, 1.0, 1.0], [0.0, 0.0, 5.0, 5.0], [4.0, 0.0, 5.0, 5.0]]]], requires_grad=True)
    y = max_pool2d(x, 2)
    assert isinstance(y, Tensor) and y.shape == (1, 1, 2, 2) and np.array_equal(y.data[0, 0], [[3, 3], [4, 5]]), f"{y.data}"
    y.backward(np.float32([[[[1.0, 2.0], [3.0, 4.0]]]]))
    want = [[0, 1, 2, 0], [0, 0, 0, 0], [0, 0, 4, 0], [3, 0, 0, 0]]  # ties: the first maximum in row-major order
    assert np.array_equal(x.grad.data[0, 0], want), f"the gradient goes to each window's first maximum, got {x.grad.data[0, 0]}"
    x2 = Tensor([[[[0.0, 1.0, 0.0], [1.0, 9.0, 1.0], [0.0, 1.0, 0.0]]]], requires_grad=True)
    max_pool2d(x2, 2, stride=1).sum().backward()  # the centre is the maximum of all four overlapping windows
    assert x2.grad.data[0, 0, 1, 1] == 4 and x2.grad.data.sum() == 4, f"overlapping windows add up, got {x2.grad.data}"
    neg = max_pool2d(Tensor(-np.ones((1, 1, 2, 2))), 2, stride=1, padding=1)
    assert neg.shape == (1, 1, 3, 3) and np.all(neg.data == -1), "padding is minus infinity: -1 beats it"
    assert np.isnan(max_pool2d(Tensor([[[[1.0, np.nan], [2.0, 0.0]]]]), 2).data).all(), "a NaN in the window wins, as in PyTorch"
    assert MaxPool2d(2)(Tensor(np.ones((2, 3, 5, 4)))).shape == (2, 3, 2, 2), "MaxPool2d(2): stride 2, sizes rounded down"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9110)
    for i in range(5):
        k, s, p, d = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2)), int(rng.integers(1, 3))
        x = rng.integers(0, 4, size=(2, 2, 7, 6)).astype(np.float64)  # few distinct values: many ties
        observe(f"case {i}: max_pool2d(kernel {k}, stride {s}, padding {p}, dilation {d}) with ties: values and gradient",
                pooled_with_grad(rng, max_pool2d, x, k, s, p, d))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_pooling_max()

# %% nbgrader={"grade": true, "grade_id": "test-pooling-avg", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_pooling_avg():
    """avg_pool2d is each window's mean; padding zeros count unless count_include_pad=False; d_x = grad / window size."""
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    y = avg_pool2d(x, 2)
    assert y.shape == (1, 1, 2, 2) and np.allclose(y.data[0, 0], [[2.5, 4.5], [10.5, 12.5]]), f"2x2 means, got {y.data}"
    y.sum().backward()
    assert np.allclose(x.grad.data, 0.25), "each pixel is in one 2x2 window: gradient 1/4"
    ones = Tensor(np.ones((1, 1, 2, 2)))
    assert np.allclose(avg_pool2d(ones, 2, 1, 1).data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]), "zeros count"
    assert np.allclose(avg_pool2d(ones, 2, 1, 1, count_include_pad=False).data, 1.0), "count_include_pad=False: real pixels only"
    x3 = Tensor(np.ones((2, 3, 6, 6)), requires_grad=True)
    AvgPool2d(3, stride=1)(x3).sum().backward()
    assert x3.grad.shape == (2, 3, 6, 6) and np.isclose(x3.grad.data[0, 0, 2, 2], 1.0) and np.isclose(x3.grad.data[1, 2, 0, 0], 1 / 9), \
        "overlapping windows add their 1/9 shares: 9 windows cover the centre, 1 the corner"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9111)
    for i in range(5):
        k, s, p = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
        observe(f"case {i}: avg_pool2d(kernel {k}, stride {s}, padding {p}, count_include_pad={bool(i % 2)})",
                pooled_with_grad(rng, avg_pool2d, rng.standard_normal((2, 2, 7, 6)), k, s, p, count_include_pad=bool(i % 2)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_pooling_avg()

# %% nbgrader={"grade": true, "grade_id": "test-pooling-grads", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads


def test_pooling_grads():
    """Both poolings' backward matches central differences (distinct values, so no ties), with stride and padding."""
    rng = np.random.default_rng(9112)
    for shape, k, s, p in [((2, 2, 4, 4), 2, None, 0), ((1, 3, 5, 5), 3, 2, 1), ((2, 1, 5, 4), (2, 3), (1, 2), (1, 1))]:
        x = rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0  # distinct, 0.1 apart: no tie within the step
        check_grads(Tensor, lambda t: max_pool2d(t, k, s, p), x, name=f"max_pool2d(kernel {k}, stride {s}, padding {p})")
        check_grads(Tensor, lambda t: avg_pool2d(t, k, s, p), x, name=f"avg_pool2d(kernel {k}, stride {s}, padding {p})")

    ### BEGIN HIDDEN TESTS
    from tito.testkit import observe_grads

    for i in range(4):
        k, s, p = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
        x = rng.permutation(2 * 2 * 6 * 5).reshape(2, 2, 6, 5) / 10.0
        observe(f"case {i}: max_pool2d({k}, {s}, {p}) values", max_pool2d(Tensor(x, dtype=np.float64), k, s, p).data)
        observe_grads(f"case {i}: max_pool2d({k}, {s}, {p})", Tensor, lambda t: max_pool2d(t, k, s, p), x)
        observe_grads(f"case {i}: avg_pool2d({k}, {s}, {p})", Tensor, lambda t: avg_pool2d(t, k, s, p, False), x)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_pooling_grads()

# %% [markdown]
# ## 7. Batch normalization
#
# Batch normalization (Ioffe and Szegedy, 2015) standardizes each channel over the batch, then lets the
# network rescale it. For channel c, with the mean and the biased variance taken over every axis but the
# channel axis 1 (N for (N, C); N, H, W for images), M values in all:
#
#     x_hat = (x - mean) / sqrt(var + eps)        y = weight[c] x_hat + bias[c]
#
# In training the statistics are the batch's, and the layer keeps running estimates for evaluation:
#
#     running_mean = (1 - momentum) running_mean + momentum mean
#     running_var  = (1 - momentum) running_var  + momentum var M / (M - 1)     (the unbiased variance)
#
# In evaluation the running estimates replace the batch's statistics, so one image's output does not depend
# on the rest of its batch. Pitfall: evaluating in training mode uses (and updates) batch statistics.
#
# The backward in closed form, per channel, with g the upstream gradient and gh = g weight[c]:
#
#     d_weight = sum(g x_hat)      d_bias = sum(g)
#     d_x = (gh - mean(gh) - x_hat mean(gh x_hat)) / sqrt(var + eps)      (training: mean and var depend on x)
#     d_x = gh / sqrt(var + eps)                                          (evaluation: constants)
#
# with the means over the channel's M values. Compute d_weight and d_bias first: mean(g) = d_bias / M and
# mean(g x_hat) = d_weight / M, so d_x = weight[c] / sqrt(var + eps) (g - d_bias / M - x_hat d_weight / M).
# One node instead of the dozen that the formula would make from module 02's operations, and no large
# intermediates kept but x_hat.
#
# Each full pass over x costs: take the variance in two passes (the mean, then the mean of (x - mean)^2;
# E[x^2] - E[x]^2 cancels badly in float32), get sums of products with `np.vecdot(a, b)` over (N, C, L)
# views (it multiplies and adds without building a * b), and scale arrays you just made in place (`*=`).
#
# **Task: `batch_norm`**, `torch.nn.functional.batch_norm`: `running_mean` and `running_var` are Tensors of
# shape (C,) updated in place (`.data`) when training, or None (training then uses batch statistics only);
# `weight` and `bias` are (C,) or None (no scale, no shift). Return one `record_op` node whose parents are
# input, weight and bias (the ones that are not None). The check that training sees more than one value per
# channel is given.

# %% nbgrader={"grade": false, "grade_id": "batch-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = weight (x - mean) / sqrt(var + eps) + bias per channel (axis 1); batch statistics when training."""
    X = array_of(input)
    if X.ndim < 2:
        raise ValueError(f"batch_norm expects an input (N, C, ...), got shape {X.shape}")
    axes = (0,) + tuple(range(2, X.ndim))
    count = X.size // X.shape[1] if X.shape[1] else 0
    if training and count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {X.shape}")
    ### BEGIN SOLUTION
    shape = (1, X.shape[1]) + (1,) * (X.ndim - 2)  # broadcasts a (C,) array along the channel axis

    def channel_sum(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        """The (C,) sums of a, or of a * b, over every axis but 1; np.vecdot multiplies and adds in one pass."""
        if b is None:
            return a.sum(axis=axes)
        rows = (X.shape[0], X.shape[1], -1)  # (N, C, L), views; L = 1 for an (N, C) input
        return np.vecdot(a.reshape(rows), b.reshape(rows)).sum(axis=0)

    batch_stats = training or running_mean is None
    mean = channel_sum(X) / count if batch_stats else array_of(running_mean)
    x_hat = X - mean.reshape(shape).astype(X.dtype)  # a new array: scaled in place below
    var = channel_sum(x_hat, x_hat) / count if batch_stats else array_of(running_var)
    if training and running_mean is not None:
        running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean
        running_var.data[...] = (1 - momentum) * running_var.data + momentum * var * (count / (count - 1))
    inv_std = (1.0 / np.sqrt(var + eps)).astype(X.dtype)
    x_hat *= inv_std.reshape(shape)
    gamma = None if weight is None else array_of(weight)
    out = x_hat.copy() if gamma is None else x_hat * gamma.reshape(shape)
    if bias is not None:
        out += array_of(bias).reshape(shape)

    def backward(grad: np.ndarray) -> tuple:
        d_weight = channel_sum(grad, x_hat) if weight is not None or batch_stats else None
        d_bias = channel_sum(grad) if bias is not None or batch_stats else None
        d_x = None
        if _wants_grad(input):
            scale = (inv_std if gamma is None else gamma * inv_std).reshape(shape)
            if batch_stats:  # scale (grad - mean(grad) - x_hat mean(grad x_hat)), in place
                d_x = x_hat * (-d_weight / count).reshape(shape)
                d_x += grad
                d_x -= (d_bias / count).reshape(shape)
                d_x *= scale
            else:
                d_x = grad * scale
        grads = [d_x]
        if weight is not None:
            grads.append(d_weight if _wants_grad(weight) else None)
        if bias is not None:
            grads.append(d_bias if _wants_grad(bias) else None)
        return tuple(grads)

    parents = (input,) + tuple(t for t in (weight, bias) if t is not None)
    return record_op("batch_norm", out, parents, backward)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-batch-norm", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_batch_norm():
    """Training: each channel (axis 1) gets mean 0 and variance 1, then weight and bias; running stats move by momentum."""
    rng = np.random.default_rng(9113)
    for shape in [(6, 3), (4, 3, 5), (2, 3, 4, 5)]:
        x, axes = Tensor(rng.standard_normal(shape) * 3 + 2, dtype=np.float64), (0,) + tuple(range(2, len(shape)))
        mean, var = Tensor(np.zeros(3), dtype=np.float64), Tensor(np.ones(3), dtype=np.float64)
        y = batch_norm(x, mean, var, training=True, momentum=0.25)
        assert y.shape == shape and np.allclose(y.data.mean(axis=axes), 0) and np.allclose(y.data.var(axis=axes), 1, atol=1e-4), f"{shape}"
        assert np.allclose(mean.data, 0.25 * x.data.mean(axis=axes)), "running_mean = (1 - momentum) 0 + momentum mean"
        assert np.allclose(var.data, 0.75 + 0.25 * x.data.var(axis=axes, ddof=1)), "running_var moves toward the UNBIASED var"
        w, b = Tensor([1.0, 2.0, -1.0], dtype=np.float64), Tensor([0.0, 1.0, 3.0], dtype=np.float64)
        per_channel = (1, 3) + (1,) * (len(shape) - 2)  # a (3,) array along axis 1
        scaled = batch_norm(x, None, None, w, b, training=True)
        assert np.allclose(scaled.data, y.data * w.data.reshape(per_channel) + b.data.reshape(per_channel)), "then weight and bias"
    ev = batch_norm(x, mean, var, w, b)  # training=False: the running statistics, no update
    assert np.allclose(ev.data, (x.data - mean.data[:, None, None]) / np.sqrt(var.data[:, None, None] + 1e-5) * w.data[:, None, None] + b.data[:, None, None])
    assert batch_norm(Tensor(np.ones((4, 2))), None, None, training=True).dtype == np.float32, "float32 stays float32"

    ### BEGIN HIDDEN TESTS
    for i in range(4):
        shape = [(5, 2), (3, 4, 3), (2, 3, 3, 2), (4, 2, 2, 2)][i]
        c = shape[1]
        rm, rv = Tensor(rng.standard_normal(c), dtype=np.float64), Tensor(rng.random(c) + 0.5, dtype=np.float64)
        xs = Tensor(rng.standard_normal(shape) * 2 - 1, dtype=np.float64)
        w, b = Tensor(rng.standard_normal(c), dtype=np.float64), Tensor(rng.standard_normal(c), dtype=np.float64)
        observe(f"case {i}: training output {shape}", batch_norm(xs, rm, rv, w, b, True, 0.3, 1e-3).data)
        observe(f"case {i}: running mean and var after one step", [rm.data, rv.data])
        observe(f"case {i}: evaluation output", batch_norm(xs, rm, rv, w, b, False, 0.3, 1e-3).data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_norm()

# %% nbgrader={"grade": true, "grade_id": "test-batch-norm-grads", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import check_grads, grads_of


def test_batch_norm_grads():
    """The closed-form backward matches central differences, with batch statistics (training) and with running ones."""
    rng = np.random.default_rng(9114)
    stats = Tensor(rng.standard_normal(3), dtype=np.float64), Tensor(rng.random(3) + 0.5, dtype=np.float64)
    for shape in [(5, 3), (3, 3, 4), (2, 3, 3, 2)]:
        x, w, b = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)
        check_grads(Tensor, lambda x, w, b: batch_norm(x, None, None, w, b, training=True), x, w, b, name=f"training, {shape}")
        check_grads(Tensor, lambda x: batch_norm(x, None, None, training=True), x, name=f"training without weight and bias, {shape}")
        check_grads(Tensor, lambda x, w, b: batch_norm(x, *stats, w, b), x, w, b, name=f"evaluation, {shape}")
    d_x = grads_of(Tensor, lambda x: batch_norm(x, None, None, training=True).sum(), rng.standard_normal((4, 3)))[0]
    assert np.allclose(d_x, 0, atol=1e-9), "training: a sum of normalized values is constant (0) in x, so its gradient is 0"

    ### BEGIN HIDDEN TESTS
    from tito.testkit import observe_grads

    for i in range(4):
        shape = [(6, 2), (2, 4, 3), (3, 2, 2, 3), (2, 1, 3, 3)][i]
        c, arrays = shape[1], (rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1]))
        observe_grads(f"case {i}: training {shape}", Tensor, lambda x, w, b: batch_norm(x, None, None, w, b, True), *arrays)
        run = Tensor(rng.standard_normal(c), dtype=np.float64), Tensor(rng.random(c) + 0.5, dtype=np.float64)
        observe(f"case {i}: evaluation values {shape}", batch_norm(Tensor(arrays[0], dtype=np.float64), *run).data)
        observe_grads(f"case {i}: evaluation {shape}", Tensor, lambda x, w, b: batch_norm(x, *run, w, b), *arrays)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_norm_grads()

# %% [markdown]
# The layers `BatchNorm1d` (inputs (N, C) or (N, C, L)) and `BatchNorm2d` (inputs (N, C, H, W)) share one
# class. It owns `weight` (ones) and `bias` (zeros) when `affine`, and three buffers when
# `track_running_stats`: `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked` (an int64
# count). Its forward decides what `batch_norm` gets, as PyTorch does:
# - training with tracked statistics: add 1 to `num_batches_tracked`; the update factor is `momentum`, or,
#   when `momentum` is None, 1 / num_batches_tracked, which makes the running values plain averages over
#   all batches seen so far;
# - batch statistics are used when training, or when there are no running statistics
#   (`track_running_stats=False`); otherwise the running ones.
#
# **Task: `_BatchNorm.__init__` (parameters and buffers, float32) and `forward`.** Register the buffers with
# `register_buffer` (module 04); without `track_running_stats` register all three as None, and without
# `affine` set `weight` and `bias` to None, as PyTorch does. The given `_check_input` checks the input's shape.

# %% nbgrader={"grade": false, "grade_id": "batch-norm-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d: normalize each channel (axis 1) with batch or running statistics."""

    dims: tuple = ()  # the input dimensions the subclass accepts

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        ### BEGIN SOLUTION
        self.weight = Parameter(np.ones(num_features, dtype=np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        ### END SOLUTION

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in self.dims:
            wanted = " or ".join(f"{d}D" for d in self.dims)
            raise ValueError(f"{type(self).__name__}: expected {wanted} input (got {x.ndim}D input)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) got an input with {x.shape[1]} channels "
                             f"(shape {x.shape})")

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        ### BEGIN SOLUTION
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or self.running_mean is None
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch, factor, self.eps)
        ### END SOLUTION

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over N (and L)."""

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs over N, H and W."""

    dims = (4,)

# %% nbgrader={"grade": true, "grade_id": "test-batch-norm-module-train", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe


def test_batch_norm_module_train():
    """BatchNorm2d: weight ones, bias zeros, three buffers; each training step counts a batch and moves the stats."""
    bn = BatchNorm2d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"], "parameters 'weight', 'bias'"
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"], "three buffers, PyTorch's names"
    assert np.array_equal(bn.weight.data, np.ones(3)) and bn.weight.dtype == np.float32 and not bn.bias.data.any(), "ones and zeros"
    x = Tensor(np.random.default_rng(9115).standard_normal((4, 3, 2, 2)) + 5.0)
    for step in (1, 2):
        y = bn(x)
        assert int(bn.num_batches_tracked.data) == step, f"after {step} training steps num_batches_tracked is {step}"
    assert np.allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-5) and np.allclose(bn.running_mean.data, 0.19 * x.data.mean(axis=(0, 2, 3)), atol=1e-5), \
        "training normalizes with the batch's statistics; two steps of momentum 0.1 give running_mean = (1 - 0.9^2) mean"
    cumulative = BatchNorm1d(3, momentum=None)
    for shift in (0.0, 3.0, 6.0):
        cumulative(Tensor(np.random.default_rng(1).standard_normal((8, 3)) + shift))
    assert np.allclose(cumulative.running_mean.data, 3.0 + np.random.default_rng(1).standard_normal((8, 3)).mean(axis=0), atol=1e-5), \
        "momentum=None: the running mean is the plain average over all batches"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(9116)
    for i, (cls, shape, momentum) in enumerate([(BatchNorm1d, (5, 3), 0.2), (BatchNorm1d, (4, 2, 3), None), (BatchNorm2d, (3, 2, 2, 3), 0.5)]):
        layer = cls(shape[1], momentum=momentum)
        for step in range(3):
            out = layer(Tensor(rng.standard_normal(shape) * (step + 1)))
        observe(f"case {i}: {cls.__name__} momentum {momentum}: output, running mean, running var, batches",
                [out.data, layer.running_mean.data, layer.running_var.data, int(layer.num_batches_tracked.data)], rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_norm_module_train()

# %% nbgrader={"grade": true, "grade_id": "test-batch-norm-module-eval", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe
from tito.testkit import error_message


def test_batch_norm_module_eval():
    """Evaluation uses the running statistics and changes nothing; affine=False has no parameters; no tracking: batch stats."""
    rng = np.random.default_rng(9117)
    bn = BatchNorm1d(2)
    bn.running_mean.data[...], bn.running_var.data[...] = [1.0, -1.0], [4.0, 0.25]
    bn.eval()
    x = Tensor(rng.standard_normal((3, 2)))
    y = bn(x)
    assert np.allclose(y.data, (x.data - [1.0, -1.0]) / np.sqrt(np.float32([4.0, 0.25]) + 1e-5), atol=1e-5), "eval: (x - running_mean) / sqrt(running_var + eps)"
    assert int(bn.num_batches_tracked.data) == 0 and np.array_equal(bn.running_mean.data, [1.0, -1.0]), "eval updates nothing"
    bare = BatchNorm2d(2, affine=False, track_running_stats=False).eval()
    assert list(bare.parameters()) == [] and bare.running_mean is None, "no parameters, no running statistics"
    z = bare(Tensor(rng.standard_normal((3, 2, 2, 2)) * 4))
    assert np.allclose(z.data.mean(axis=(0, 2, 3)), 0, atol=1e-5), "without running statistics even eval normalizes by the batch"
    msg = error_message(ValueError, BatchNorm2d(2), Tensor(np.ones((3, 2)))) or "no error"
    assert "4D" in msg and "2D" in msg, f"BatchNorm2d on a 2-D input must raise ValueError: expected 4D input (got 2D input); got: {msg}"

    ### BEGIN HIDDEN TESTS
    for i in range(3):
        layer = BatchNorm2d(3, eps=1e-3)
        layer.running_mean.data[...], layer.running_var.data[...] = rng.standard_normal(3), rng.random(3) + 0.5
        layer.weight.data[...], layer.bias.data[...] = rng.standard_normal(3), rng.standard_normal(3)
        layer.eval()
        observe(f"case {i}: eval output", layer(Tensor(rng.standard_normal((2, 3, 2, 2)))).data, rtol=1e-4, atol=1e-5)
        free = BatchNorm1d(3, track_running_stats=False).eval()
        observe(f"case {i}: eval without running statistics", free(Tensor(rng.standard_normal((4, 3)))).data, rtol=1e-4, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_norm_module_eval()

# %% [markdown]
# ## 8. A small CNN
#
# Two convolution stages, then a linear classifier. Each stage is convolution (3x3, padding 1: the size stays),
# batch norm, ReLU, and 2x2 max pooling (the size halves):
#
# | layer | output for one 8x8 digit |
# |---|---|
# | Conv2d(1, 16, 3, padding=1), BatchNorm2d(16), ReLU(), MaxPool2d(2) | (16, 4, 4) |
# | Conv2d(16, 32, 3, padding=1), BatchNorm2d(32), ReLU(), MaxPool2d(2) | (32, 2, 2) |
# | Flatten(), Linear(128, 10) | (10,) logits |
#
# The convolutions need no bias (`bias=False`): the batch norm after each subtracts the mean, bias included,
# and adds its own. 6,138 parameters, about a third of the 64-128-64-10 MLP of milestone 1986. Milestone 1998
# (`tito milestone run 1998`) trains a somewhat wider CNN on the digits to above 98.5% test accuracy.
#
# **Task: `digits_cnn()`**, a `Sequential` of exactly these layers, in this order.

# %% nbgrader={"grade": false, "grade_id": "digits-cnn", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def digits_cnn() -> Sequential:
    """conv-bn-relu-pool twice (16 then 32 channels), then Flatten and Linear(128, 10), for (N, 1, 8, 8) digits."""
    ### BEGIN SOLUTION
    return Sequential(
        Conv2d(1, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, bias=False), BatchNorm2d(32), ReLU(), MaxPool2d(2),
        Flatten(), Linear(128, 10))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-digits-cnn", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tito.check import observe

from tinytorch.core.layers import manual_seed
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optim import Adam


def test_digits_cnn():
    """digits_cnn maps (N, 1, 8, 8) to (N, 10) logits with the layers of the table, 6,138 parameters, and learns."""
    manual_seed(0)
    model, kinds = digits_cnn(), ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"] * 2 + ["Flatten", "Linear"]
    assert [type(m).__name__ for m in model] == kinds, f"layers, in order: {kinds}"
    assert sum(p.numel() for p in model.parameters()) == 6138 and model[0].bias is None, "6,138 parameters, convolutions without bias"
    rng = np.random.default_rng(9118)
    x, labels, optimizer, losses = Tensor(rng.random((16, 1, 8, 8))), Tensor(np.arange(16) % 10), Adam(model.parameters(), lr=1e-2), []
    assert model(x).shape == (16, 10), "(N, 1, 8, 8) -> (N, 10)"
    for _ in range(15):
        optimizer.zero_grad()
        (loss := cross_entropy(model(x), labels)).backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], f"15 Adam steps on one batch must halve the loss: {losses[0]:.3f} -> {losses[-1]:.3f}"

    ### BEGIN HIDDEN TESTS
    net = digits_cnn()
    for p in net.parameters():  # the init's draws are the student's to order: fix them
        p.data[...] = rng.standard_normal(p.shape) * 0.3
    for size in (1, 3):
        observe(f"digits_cnn: logits of {size} images, training mode" if size > 1 else "digits_cnn: eval logits",
                (net.eval() if size == 1 else net.train())(Tensor(rng.random((size, 1, 8, 8)))).data, rtol=1e-4, atol=1e-5)
    observe("digits_cnn: parameter shapes", [tuple(p.shape) for p in net.parameters()])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_digits_cnn()

# %% [markdown]
# Where the parameters of `digits_cnn` are, and what batch norm does with the rest of the batch: the logits of
# one image in a batch of 2 and in a batch of 64 digits, in training mode and in evaluation mode.

# %%
if __name__ == "__main__":
    from tinytorch.core.data import load_digits
    from tinytorch.core.layers import manual_seed

    manual_seed(0)
    _cnn = digits_cnn()
    for _i, _layer in enumerate(_cnn):
        _count = sum(p.numel() for p in _layer.parameters())
        if _count:
            print(f"layer {_i} {type(_layer).__name__:>11}: {_count:5,} parameters")
    _digits = Tensor(load_digits()[0][:64])
    for _mode in ("train", "eval"):
        _cnn.train(_mode == "train")
        _gap = np.abs(_cnn(_digits).data[:1] - _cnn(Tensor(_digits.data[:2])).data[:1]).max()
        print(f"{_mode:>5} mode: image 0 in a batch of 2 against in a batch of 64: largest logit difference "
              f"{_gap:.2e}")

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` then `torch.nn.Conv2d`, `torch.nn.functional.max_pool2d` and the rest read as in
# PyTorch. Given.

# %%
#| export
PYTORCH_NAMES = {
    "nn.Conv2d": "Conv2d", "nn.MaxPool2d": "MaxPool2d", "nn.AvgPool2d": "AvgPool2d",
    "nn.BatchNorm1d": "BatchNorm1d", "nn.BatchNorm2d": "BatchNorm2d",
    "nn.functional.conv2d": "conv2d", "nn.functional.max_pool2d": "max_pool2d",
    "nn.functional.avg_pool2d": "avg_pool2d", "nn.functional.batch_norm": "batch_norm",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** On the batch of 4 images of 3 x 16 x 16 with 8 filters of 3 x 3, how long did the
# loops and the im2col product take, and how many bytes did `cols` need against the input `x`? Explain both
# the speed-up and the factor of memory from the shapes.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-im2col-cost", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the notebook's figures: the two times and the speed-up (hundreds of times; the exact figure
#   depends on the machine), and the bytes, 24,576 for x against 221,184 for cols, 9x
# - 1 point: the speed-up: the loops run 4 x 8 x 16 x 16 = 8,192 Python iterations, each slicing a patch and
#   summing 27 products, while im2col builds all patches with a few array operations and one BLAS product does
#   all the multiply-adds
# - 1 point: the memory: cols has one row of C kh kw = 27 values per output position (1,024 of them), so every
#   input value is copied into up to kh kw = 9 overlapping patches
# Model answer: The loops took 183 ms and the im2col product 0.43 ms, about 425 times faster, with the same
# result. The loop version runs its innermost body 8,192 times (image, filter, row, column), each time with
# Python and NumPy call overhead for a 27-element dot product; im2col is a view, a transpose and one copy, and
# the product (1,024 x 27) @ (27 x 8) runs in compiled BLAS. The price is memory: cols is (1,024, 27) float64,
# 221,184 bytes, 9 times the 24,576 bytes of x, because with stride 1 each pixel appears in 3 x 3 = 9 patches.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** Which layer of `digits_cnn` holds most of its 6,138 parameters, by the counts your
# notebook printed? Derive the two convolutions' counts from their shapes, and say what a `Linear` layer doing
# the job of the second convolution, from the (16, 4, 4) map to a (32, 4, 4) map, would cost.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-cnn-parameters", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed counts (144, 32, 4,608, 64, 1,290) and that the second convolution holds most,
#   three quarters of the total
# - 1 point: the counts from the shapes: 16 x 1 x 3 x 3 = 144 and 32 x 16 x 3 x 3 = 4,608 (no bias), which do
#   not depend on the image size because one filter is shared by every position
# - 1 point: the Linear equivalent: 256 inputs to 512 outputs, 256 x 512 = 131,072 weights plus 512 biases,
#   about 28 times the convolution's 4,608
# Model answer: The second convolution has 4,608 of the 6,138 parameters (the first 144, the batch norms 32
# and 64, the final Linear 1,290). Its weight is (32, 16, 3, 3): 32 filters, each with 3 x 3 taps on 16 input
# channels, and no bias because batch norm follows. The same filter slides over all 4 x 4 positions, so the
# count would not change for a larger image. A Linear layer from the 16 x 4 x 4 = 256 values to 32 x 4 x 4 =
# 512 values would need 131,072 weights and 512 biases, 28 times more, because it learns a separate weight for
# every pair of positions instead of sharing one small local filter.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** Your notebook compared the logits of image 0 in a batch of 2 and in a batch of 64,
# in training and in evaluation mode. What differences did it print, and what does this mean for the mode in
# which you must evaluate or deploy a network with batch norm?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-batchnorm-mode", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the figures: a clear difference in training mode (about 0.3 here; any value well above rounding)
#   and exactly 0 (or rounding level) in evaluation mode, explained by batch statistics against the running
#   estimates
# - 1 point: the consequence: call `model.eval()` before evaluating or predicting, otherwise one image's
#   prediction depends on the other images of its batch (and the running statistics get updated by test data)
# Model answer: In training mode image 0's logits differed by up to 0.3 between the two batches, in evaluation
# mode by 0. Training-mode batch norm normalizes each channel with the mean and variance of the current batch,
# so every other image in the batch changes image 0's output; evaluation mode uses the fixed running estimates,
# so the output depends on the image alone. A network with batch norm must be switched to eval() before it is
# evaluated or used, or its predictions vary with the batch and the evaluation also updates the running
# statistics with test data.
# ### END SOLUTION
