# %% [markdown]
# # Module 07: Data
#
# Training reads its data in mini-batches. A *dataset* answers two questions, how many samples and what is
# sample `i`; a *data loader* groups indices into batches, stacks the samples of each batch and reshuffles
# every epoch; *transforms* change images on the way (normalization, random crops and flips).
#
# You will write `TensorDataset`, the batch stacking, the batching of indices, the `DataLoader`, three
# transforms, the loader of the shipped 8x8 digits, a stratified train/test split and a parser for MNIST's
# IDX file format. Each task is a cell containing `# YOUR CODE HERE`; the locked cells after it test it. What
# several tests share (small datasets, file writers) is in one given cell, shown collapsed.
#
# Conventions, as in `torch.utils.data`: a sample is a tuple of fields such as `(x, y)`; a batch is a tuple
# of Tensors whose first axis is the batch axis. Images are (C, H, W), batches of images (N, C, H, W).

# %%
#| default_exp core.data

# %%
#| export
import gzip
import hashlib
import http.client
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

import tinytorch
from tinytorch.core.autograd import Tensor
from tinytorch.core.tensor import array_of, default_generator

# %% [markdown]
# ## 1. Datasets
#
# `Dataset` is the interface: `len(ds)` and `ds[i]`. `TensorDataset(x, y)` is the common case, where the
# samples are the rows of tensors that share their first axis: sample `i` is `(x[i], y[i])`.
#
# **Task: `TensorDataset`.**
# - `__init__(*tensors)`: keep them in `self.tensors` as a tuple of Tensors (wrap a non-Tensor with
#   `Tensor(...)`). Raise `ValueError` naming all the shapes when their first-axis sizes differ, e.g.
#   `TensorDataset: first-axis sizes differ, shapes [(5, 2), (4,)]`, or when no tensor or a 0-d one is given.
# - `__len__`: the common first-axis size.
# - `__getitem__(index)`: a tuple with `t[index]` for every tensor, as new Tensors that keep each tensor's
#   dtype (int64 labels stay int64).
# - `get_batch(indices)`: the same for a whole integer array of indices at once: one NumPy fancy-indexing
#   call per tensor, no loop over samples. The `DataLoader` uses it when a dataset has it.
#
# Pitfall: `Tensor(array)` turns float64 into float32. Pass `dtype=t.dtype` to keep the stored dtype.

# %%
#| export
class Dataset:
    """A map-style dataset: `len(ds)` samples, and `ds[i]` is sample i, a tuple of fields such as (x, y)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

# %% nbgrader={"grade": false, "grade_id": "tensor-dataset", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors); the tensors share their first axis, the sample axis."""

    tensors: tuple

    def __init__(self, *tensors) -> None:
        """Keep the tensors (non-Tensors are wrapped); their first-axis sizes must be equal."""
        ### BEGIN SOLUTION
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        shapes = [t.shape for t in self.tensors]
        if not shapes or any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(f"TensorDataset: first-axis sizes differ, shapes {shapes}")
        ### END SOLUTION

    def __len__(self) -> int:
        """Size of the shared first axis."""
        ### BEGIN SOLUTION
        return self.tensors[0].shape[0]
        ### END SOLUTION

    def __getitem__(self, index: int) -> tuple:
        """(t[index] for each tensor), each keeping its dtype."""
        ### BEGIN SOLUTION
        return tuple(Tensor(t.data[index], dtype=t.dtype) for t in self.tensors)
        ### END SOLUTION

    def get_batch(self, indices: np.ndarray) -> tuple:
        """(t[indices] for each tensor): one fancy-indexing call per tensor, no loop over samples."""
        ### BEGIN SOLUTION
        indices = np.asarray(indices, dtype=np.int64)
        return tuple(Tensor(t.data[indices], dtype=t.dtype) for t in self.tensors)
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"TensorDataset(shapes={[t.shape for t in self.tensors]})"

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dataset", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_tensor_dataset():
    """Sample i is (x[i], y[i]) as Tensors of the stored dtypes; the first-axis sizes must agree."""
    x, y = np.arange(24, dtype=np.float32).reshape(6, 4) / 4.0 - 2.0, np.array([3, 1, 4, 1, 5, 9])
    ds = TensorDataset(Tensor(x), Tensor(y))
    assert len(ds) == 6 and all(isinstance(t, Tensor) for t in ds.tensors), "len 6; self.tensors holds Tensors"
    for i in (0, 2, 5, -1):
        item = ds[i]
        assert isinstance(item, tuple) and len(item) == 2 and all(isinstance(t, Tensor) for t in item), f"ds[{i}] must be a tuple (x, y) of Tensors"
        got = (item[0].shape, item[1].shape, item[0].dtype, item[1].dtype)
        assert got == ((4,), (), np.float32, np.int64), f"ds[{i}]: shapes (4,), () and float32, int64; got {got}"
        assert np.array_equal(item[0].data, x[i]) and item[1].item() == y[i], f"ds[{i}] holds the wrong row"
    arr = TensorDataset(np.ones((3, 2)), np.array([0, 1, 2]))
    assert len(arr) == 3 and isinstance(arr.tensors[0], Tensor), "ndarrays passed in must be wrapped as Tensors"
    msg = error_message(ValueError, TensorDataset, Tensor(np.zeros((5, 2))), Tensor(np.zeros(4)))
    assert msg is not None and "(5, 2)" in msg and "(4,)" in msg, f"sizes 5 and 4: ValueError naming both shapes, got {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(707)
    for i in range(5):
        n = int(rng.integers(1, 20))
        shapes = [(n,) + tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3)))) for _ in range(3)]
        arrays = [rng.standard_normal(shapes[0]).astype(np.float32), rng.integers(0, 10, size=shapes[1]),
                  rng.standard_normal(shapes[2])]
        ds = TensorDataset(Tensor(arrays[0]), Tensor(arrays[1]), Tensor(arrays[2], dtype=np.float64))
        observe(f"random case {i} (shapes {shapes}): len", len(ds))
        k = int(rng.integers(0, n))
        item = ds[k]
        observe(f"random case {i}: ds[{k}] shapes and dtypes", [(tuple(t.shape), str(t.dtype)) for t in item])
        observe(f"random case {i}: ds[{k}] values", [t.data for t in item])
    for j, bad in enumerate([(np.zeros((3, 1)), np.zeros((2, 1))), (np.zeros(4), np.zeros(4), np.zeros(5))]):
        msg = error_message(ValueError, TensorDataset, *[Tensor(b) for b in bad])
        named = "no error" if msg is None else all(str(b.shape) in msg for b in bad)
        observe(f"mismatched shapes {j}: ValueError naming every shape", named)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_tensor_dataset()

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dataset-batch", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_tensor_dataset_batch():
    """get_batch(idx) is (x[idx], y[idx]) for a whole index array, repeats allowed, each dtype kept."""
    x, y = np.arange(24, dtype=np.float32).reshape(6, 4) / 4.0 - 2.0, np.array([3, 1, 4, 1, 5, 9])
    idx = np.array([4, 1, 1, 0])
    xb, yb = TensorDataset(Tensor(x), Tensor(y)).get_batch(idx)
    assert xb.shape == (4, 4) and yb.shape == (4,), f"4 indices give shapes (4, 4), (4,), got {xb.shape}, {yb.shape}"
    assert np.array_equal(xb.data, x[idx]) and np.array_equal(yb.data, y[idx]), "get_batch returned the wrong rows"
    assert yb.dtype == np.int64, f"get_batch must keep int64 labels, got {yb.dtype}"
    d64 = TensorDataset(Tensor(np.linspace(0, 1, 5), dtype=np.float64))
    assert d64[1][0].dtype == d64.get_batch([0, 3])[0].dtype == np.float64, \
        "a float64 tensor's samples and batches must stay float64 (pass dtype=t.dtype)"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(717)
    for i in range(5):
        n = int(rng.integers(1, 20))
        shapes = [(n,) + tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3)))) for _ in range(3)]
        ds = TensorDataset(Tensor(rng.standard_normal(shapes[0]).astype(np.float32)),
                           Tensor(rng.integers(0, 10, size=shapes[1])), Tensor(rng.standard_normal(shapes[2]), dtype=np.float64))
        idx = rng.integers(0, n, size=int(rng.integers(1, 10)))
        batch = ds.get_batch(idx)
        observe(f"random case {i} (shapes {shapes}): get_batch shapes and dtypes", [(tuple(t.shape), str(t.dtype)) for t in batch])
        observe(f"random case {i}: get_batch values", [t.data for t in batch])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_tensor_dataset_batch()

# %% [markdown]
# ## 2. Stacking samples into a batch
#
# A general dataset returns one sample at a time, so a batch of B samples is B calls of `ds[i]` followed by
# one stack per field: B samples whose field k has shape S give a Tensor of shape (B, *S).
#
# **Task: `collate(items)`.** `items` is a list of samples; each sample is a tuple (or list) of fields, or a
# single value, which counts as a 1-tuple. Return a tuple with one Tensor per field, stacked on a new axis 0
# with `np.stack`. dtypes: a Tensor field keeps its dtype; other values (ndarrays, Python numbers) follow the
# Tensor rule (floats become float32, ints int64). Raise `ValueError` if `items` is empty or the samples
# have different numbers of fields.
#
# Pitfall: `zip(*items)` silently drops the extra fields of longer samples; check the counts first.

# %% nbgrader={"grade": false, "grade_id": "collate", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def collate(items: Sequence) -> tuple:
    """Stack field k of the B samples on a new axis 0: B fields of shape S give one Tensor of shape (B, *S)."""
    ### BEGIN SOLUTION
    rows = [item if isinstance(item, (tuple, list)) else (item,) for item in items]
    if not rows:
        raise ValueError("collate: no samples to stack")
    counts = {len(row) for row in rows}
    if len(counts) != 1:
        raise ValueError(f"collate: samples have different numbers of fields {sorted(counts)}")
    batch = []
    for column in zip(*rows):  # one pass per field (x, y), not per sample
        arrays = [array_of(v) if isinstance(v, Tensor) else Tensor(v).data for v in column]
        stacked = np.stack(arrays)
        batch.append(Tensor(stacked, dtype=stacked.dtype))
    return tuple(batch)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-collate", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_collate():
    """B samples whose field k has shape S give one Tensor of shape (B, *S) per field, in sample order."""
    base = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    batch = collate([(Tensor(base * k), Tensor(k)) for k in range(3)])
    assert isinstance(batch, tuple) and len(batch) == 2 and all(isinstance(t, Tensor) for t in batch), \
        f"collate must return a tuple (x, y) of Tensors, got {batch!r}"
    x, y = batch
    assert x.shape == (3, 2, 2) and y.shape == (3,), f"3 samples of shapes (2, 2), () give (3, 2, 2), (3,); got {x.shape}, {y.shape}"
    assert np.array_equal(x.data, np.stack([base * k for k in range(3)])), "x samples stacked in the wrong order"
    assert np.array_equal(y.data, [0, 1, 2]) and y.dtype == np.int64, f"labels should be int64 [0, 1, 2], got {y}"
    assert x.dtype == np.float32, f"float32 samples must give a float32 batch, got {x.dtype}"
    single = collate([Tensor([1.0, 2.0]), Tensor([3.0, 4.0]), Tensor([5.0, 6.0])])
    assert isinstance(single, tuple) and len(single) == 1, "samples that are single values give a 1-tuple"
    assert np.array_equal(single[0].data, [[1, 2], [3, 4], [5, 6]]), f"single values stacked wrongly: {single[0]}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(808)
    for i in range(5):
        b = int(rng.integers(1, 8))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        xs_np = rng.standard_normal((b,) + shape).astype(np.float32)
        ys_np = rng.integers(0, 10, size=b)
        out = collate([(Tensor(xs_np[k]), Tensor(ys_np[k])) for k in range(b)])
        observe(f"random case {i} ({b} samples of shape {shape}): number of fields", len(out))
        observe(f"random case {i}: shapes and dtypes", [(tuple(t.shape), str(t.dtype)) for t in out])
        observe(f"random case {i}: values", [t.data for t in out], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_collate()

# %% nbgrader={"grade": true, "grade_id": "test-collate-dtypes", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_collate_dtypes():
    """Tensor fields keep their dtype, other values follow the Tensor rule; no samples or uneven fields raise."""
    pairs = [(np.array([1.5, 2.5]), 7), (np.array([0.5, -1.0]), 2)]
    f64 = [(Tensor([1.0, 2.0], dtype=np.float64),), (Tensor([3.0, 4.0], dtype=np.float64),)]
    cases = [(pairs, 0, np.float32, [[1.5, 2.5], [0.5, -1.0]]),  # (samples, field, dtype, values)
             (pairs, 1, np.int64, [7, 2]), (f64, 0, np.float64, [[1.0, 2.0], [3.0, 4.0]])]
    for items, k, dtype, want in cases:
        got = collate(items)[k]
        assert got.dtype == dtype and np.allclose(got.data, want), f"field {k} should be {np.dtype(dtype)} {want}, got {got!r}"
    for bad in ([], [(1, 2), (3,)]):
        assert error_message(ValueError, collate, bad) is not None, f"collate({bad}) must raise ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(818)
    for i in range(5):
        b = int(rng.integers(1, 8))
        xs_np = rng.standard_normal((b, int(rng.integers(1, 4))))
        out = collate([(xs_np[k], int(k), float(k) / 2, Tensor(xs_np[k], dtype=np.float64)) for k in range(b)])
        observe(f"ndarray, int, float, float64 Tensor fields, case {i}: dtypes", [str(t.dtype) for t in out])
        observe(f"ndarray, int, float, float64 Tensor fields, case {i}: values", [t.data for t in out], rtol=1e-6, atol=1e-7)
    observe("samples with 2 and 3 fields raise ValueError", error_message(ValueError, collate, [(1, 2), (3, 4, 5)]) is not None)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_collate_dtypes()

# %% [markdown]
# ## 3. Batches of indices
#
# One epoch visits every sample once. Shuffling the order each epoch matters: stochastic gradient descent
# assumes each batch is a random draw, and data stored sorted by class would otherwise give one-class
# batches and a zig-zagging loss.
#
# **Task: `batch_indices(n, batch_size, drop_last, generator)`.** The order is `generator.permutation(n)`
# when a generator is given, else `np.arange(n)`. Cut it into consecutive slices of `batch_size`; the last
# one holds the remainder, and `drop_last=True` drops it when it is shorter than `batch_size`. Return the list
# of index arrays. Batch count: `ceil(n / batch_size)`, or `n // batch_size` with `drop_last`.
#
# Pitfall: draw from the generator you are given, never from a new `np.random.default_rng(seed)`: a fresh
# generator per epoch repeats the same order every epoch.

# %% nbgrader={"grade": false, "grade_id": "batch-indices", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def batch_indices(n: int, batch_size: int, drop_last: bool = False,
                  generator: np.random.Generator | None = None) -> list:
    """0..n-1 (or generator.permutation(n)) cut into consecutive slices of batch_size indices."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    ### BEGIN SOLUTION
    order = generator.permutation(n) if generator is not None else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-batch-indices", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_batch_indices():
    """Without a generator: 0..n-1 in consecutive slices of batch_size; drop_last drops a short last slice."""
    cases = [  # (n, batch_size, drop_last, batches)
        (10, 4, False, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]),
        (10, 4, True, [[0, 1, 2, 3], [4, 5, 6, 7]]),
        (8, 4, True, [[0, 1, 2, 3], [4, 5, 6, 7]]),
        (3, 5, False, [[0, 1, 2]]),
        (3, 5, True, []),
    ]
    for n, size, drop, want in cases:
        got = [[int(i) for i in b] for b in batch_indices(n, size, drop_last=drop)]
        assert got == want, f"batch_indices({n}, {size}, drop_last={drop}) should be {want}, got {got}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(909)
    for i in range(10):
        n, bs, drop = int(rng.integers(1, 60)), int(rng.integers(1, 12)), bool(rng.random() < 0.5)
        got = batch_indices(n, bs, drop_last=drop)
        observe(f"case {i} (n={n}, batch_size={bs}, drop_last={drop}, no generator): the batches",
                [[int(j) for j in b] for b in got])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_indices()

# %% nbgrader={"grade": true, "grade_id": "test-batch-indices-shuffle", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_batch_indices_shuffle():
    """With a generator the order is generator.permutation(n), a new one per call, the same for the same seed."""
    gen, ref = np.random.default_rng(5), np.random.default_rng(5)
    first, second = batch_indices(50, 8, generator=gen), batch_indices(50, 8, generator=gen)
    want_first, want_second = ref.permutation(50), ref.permutation(50)
    assert [len(b) for b in first] == [8] * 6 + [2], f"batch sizes for 50 by 8 are six 8s and a 2, got {[len(b) for b in first]}"
    assert np.array_equal(np.concatenate(first), want_first), "the order must be generator.permutation(n)"
    assert np.array_equal(np.concatenate(second), want_second), "a second call must draw the next permutation"
    assert not np.array_equal(want_first, want_second), "sanity: two epochs differ"
    again = batch_indices(50, 8, generator=np.random.default_rng(5))
    assert np.array_equal(np.concatenate(again), want_first), "the same seed must give the same order"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(919)
    for i in range(10):
        n, bs, drop = int(rng.integers(1, 60)), int(rng.integers(1, 12)), bool(rng.random() < 0.5)
        got = batch_indices(n, bs, drop_last=drop, generator=np.random.default_rng(n))
        observe(f"case {i} (n={n}, batch_size={bs}, drop_last={drop}): the batches",
                [[int(j) for j in b] for b in got])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_batch_indices_shuffle()

# %% [markdown]
# ## 4. DataLoader
#
# `DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, seed=None)` yields, for each batch of
# indices, a tuple of Tensors. It keeps one generator from its creation, `np.random.default_rng(seed)` (without
# a seed: the shared one that `manual_seed` resets); each epoch (each `for` loop over the loader) draws the next
# permutation from it, so the same seed reproduces the whole sequence of epochs, and each epoch has a new order.
#
# **Task: `__len__` and `__iter__`.**
# - `__len__`: the number of batches per epoch (see section 3).
# - `__iter__`: for each index array from `batch_indices` (with `self.generator` only when `self.shuffle`),
#   yield `tuple(self.dataset.get_batch(idx))` when the dataset has a `get_batch` method (the fast path:
#   `hasattr`), else `collate([self.dataset[int(i)] for i in idx])`.
#
# Why `drop_last`: a short last batch gives a noisier gradient step, and batch statistics (BatchNorm)
# are undefined for a batch of one sample.

# %% nbgrader={"grade": false, "grade_id": "dataloader", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class DataLoader:
    """Iterate over a dataset in batches; each batch is a tuple of Tensors with the samples on axis 0."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        # One generator for the loader's lifetime: every epoch draws the next permutation from it. Without a
        # seed it is the package's shared generator, so tinytorch.manual_seed fixes the order, as in PyTorch.
        self.generator = default_generator(seed)

    def __len__(self) -> int:
        """Batches per epoch: n // batch_size with drop_last, else ceil(n / batch_size)."""
        ### BEGIN SOLUTION
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        ### END SOLUTION

    def __iter__(self) -> Iterator[tuple]:
        """One tuple of Tensors per batch: dataset.get_batch(idx) if the dataset has it, else collate."""
        ### BEGIN SOLUTION
        generator = self.generator if self.shuffle else None
        for idx in batch_indices(len(self.dataset), self.batch_size, self.drop_last, generator):
            if hasattr(self.dataset, "get_batch"):
                yield tuple(self.dataset.get_batch(idx))
            else:
                yield collate([self.dataset[int(i)] for i in idx])
        ### END SOLUTION

    def __repr__(self) -> str:
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")

# %% jupyter={"source_hidden": true}
# Given: scaffolding for the tests below (datasets, and writers of the files the loaders read).
import contextlib
import gzip
import os
from pathlib import Path


class CountingDataset(TensorDataset):
    """A TensorDataset that counts its __getitem__ calls: the loader's fast path makes none."""

    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.calls = 0

    def __getitem__(self, index):
        self.calls += 1
        return super().__getitem__(index)


class Squares(Dataset):
    """A Dataset without get_batch: sample i is (Tensor([i, i * i]), i)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return Tensor([i, i * i], dtype=np.float32), i


def column(batches, k):
    """Field k of every batch, concatenated along the batch axis."""
    return np.concatenate([b[k].data for b in batches])


def window_corners(x, out, pad):
    """(top, left) of the window of each zero-padded image of x that equals its crop in out (None if none)."""
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h, w = out.shape[-2:]
    found = []
    for k in range(x.shape[0]):
        hits = [(i, j) for i in range(padded.shape[2] - h + 1) for j in range(padded.shape[3] - w + 1)
                if np.array_equal(padded[k, :, i:i + h, j:j + w], out[k])]
        found.append(hits[0] if hits else None)
    return found


@contextlib.contextmanager
def data_root_env(path):
    """$TINYTORCH_DATA set to path inside the block, restored after it."""
    old = os.environ.get("TINYTORCH_DATA")
    os.environ["TINYTORCH_DATA"] = str(path)
    try:
        yield
    finally:
        if old is None:
            del os.environ["TINYTORCH_DATA"]
        else:
            os.environ["TINYTORCH_DATA"] = old


def write_digits(root, counts, labels):
    """root/digits/digits.npz as the shipped file stores it: uint8 counts (N, 8, 8) and uint8 labels."""
    (Path(root) / "digits").mkdir(exist_ok=True)
    np.savez(Path(root) / "digits" / "digits.npz", images=np.asarray(counts, dtype=np.uint8),
             labels=np.asarray(labels, dtype=np.uint8))


IDX_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array):
    """An IDX writer: the header (0, 0, type code, ndim, big-endian sizes), then the values big-endian."""
    array = np.asarray(array)
    head = bytes([0, 0, IDX_CODES[array.dtype.type], array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(root, images, labels, train=True):
    """The two gzip files load_mnist reads, under the MNIST file names."""
    split = "train" if train else "test"
    for key, array in ((f"{split}_images", images), (f"{split}_labels", labels)):
        with gzip.open(Path(root) / MNIST_FILES[key], "wb") as f:
            f.write(idx_bytes(array))

# %% nbgrader={"grade": true, "grade_id": "test-dataloader", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_dataloader():
    """len(loader) is the batch count; without shuffle the batches follow 0..n-1, read by get_batch, not per sample."""
    x, y = np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10) * 10
    ds = CountingDataset(Tensor(x), Tensor(y))
    for size, drop, sizes in ((4, False, [4, 4, 2]), (4, True, [4, 4]), (3, False, [3, 3, 3, 1])):
        loader = DataLoader(ds, batch_size=size, drop_last=drop)
        batches = list(loader)
        assert len(loader) == len(sizes) and [b[0].shape for b in batches] == [(s, 3) for s in sizes], \
            f"batch_size={size}, drop_last={drop}: len {len(sizes)}, x shapes (s, 3) for s in {sizes}; got {len(loader)}, {[b[0].shape for b in batches]}"
        assert all(isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], Tensor) for b in batches), "a batch is a tuple (x, y) of Tensors"
        k = sum(sizes)
        assert np.array_equal(column(batches, 0), x[:k]) and np.array_equal(column(batches, 1), y[:k]), \
            "without shuffle the order must be 0..n-1, labels following their samples"
        assert batches[0][1].dtype == np.int64, f"labels must stay int64, got {batches[0][1].dtype}"
    assert ds.calls == 0, f"a dataset with get_batch must not be read sample by sample ({ds.calls} calls)"
    assert len(DataLoader(ds)) == 10, "the default batch_size is 1"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1010)
    for i in range(6):
        n, bs, drop = int(rng.integers(1, 40)), int(rng.integers(1, 9)), bool(rng.random() < 0.5)
        data = rng.standard_normal((n, 2)).astype(np.float32)
        loader = DataLoader(TensorDataset(Tensor(data), Tensor(np.arange(n))), batch_size=bs, drop_last=drop, seed=n)
        got = list(loader)
        observe(f"case {i} (n={n}, batch_size={bs}, drop_last={drop}, shuffle=False): len(loader)", len(loader))
        observe(f"case {i}: labels of each batch", [b[1].data for b in got])
        observe(f"case {i}: x of each batch", [b[0].data for b in got], rtol=0, atol=0)
    plain = DataLoader(TensorDataset(Tensor(np.arange(6))), batch_size=4, shuffle=False, seed=1)
    for epoch in range(2):
        observe(f"shuffle=False, epoch {epoch}", [b[0].data for b in plain])
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dataloader()

# %% nbgrader={"grade": true, "grade_id": "test-dataloader-collate", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_dataloader_collate():
    """A dataset without get_batch is read sample by sample and each batch stacked with collate."""
    batches = list(DataLoader(Squares(7), batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 2), (3, 2), (1, 2)], "a plain Dataset must be batched through collate"
    assert np.array_equal(batches[1][0].data, [[3, 9], [4, 16], [5, 25]]), f"second batch of squares wrong: {batches[1][0]}"
    assert batches[2][1].dtype == np.int64 and batches[2][1].data.tolist() == [6], "int labels must batch to int64"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1020)
    for i in range(4):
        n, bs, drop = int(rng.integers(1, 20)), int(rng.integers(1, 6)), bool(rng.random() < 0.5)
        loader = DataLoader(Squares(n), batch_size=bs, shuffle=True, drop_last=drop, seed=i)
        got = list(loader)
        observe(f"Squares({n}), batch_size={bs}, drop_last={drop}, shuffled: len(loader)", len(loader))
        observe(f"Squares({n}), case {i}: each batch (x, y)", [(b[0].data, b[1].data) for b in got], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dataloader_collate()

# %% nbgrader={"grade": true, "grade_id": "test-dataloader-shuffle", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_dataloader_shuffle():
    """With shuffle, epoch k uses the k-th permutation of default_rng(seed), x and y together; seeds reproduce."""
    x, y = np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10) * 10

    def shuffled(seed):
        return DataLoader(TensorDataset(Tensor(x), Tensor(y)), batch_size=3, shuffle=True, seed=seed)

    loader, ref = shuffled(7), np.random.default_rng(7)
    epochs = [list(loader), list(loader)]
    for epoch in epochs:
        want = ref.permutation(10)
        assert np.array_equal(column(epoch, 1), y[want]), "epoch k must use the k-th permutation of np.random.default_rng(seed)"
        assert np.array_equal(column(epoch, 0), x[want]), "x and y must be shuffled together"
    assert np.array_equal(column(shuffled(7), 1), column(epochs[0], 1)), "the same seed must give the same first epoch"
    assert not np.array_equal(column(shuffled(8), 1), column(epochs[0], 1)), "different seeds must give different orders"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1030)
    for i in range(6):
        n, bs, drop = int(rng.integers(1, 40)), int(rng.integers(1, 9)), bool(rng.random() < 0.5)
        data = rng.standard_normal((n, 2)).astype(np.float32)
        loader = DataLoader(TensorDataset(Tensor(data), Tensor(np.arange(n))), batch_size=bs, shuffle=True,
                            drop_last=drop, seed=n)
        for epoch in range(2):
            got = list(loader)
            observe(f"case {i} (n={n}, batch_size={bs}, drop_last={drop}, shuffle=True), epoch {epoch}: labels of each batch",
                    [b[1].data for b in got])
            observe(f"case {i}, epoch {epoch}: x of each batch", [b[0].data for b in got], rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_dataloader_shuffle()

# %% [markdown]
# The fast path matters: an epoch over 1,797 samples of shape (1, 8, 8) in batches of 64 costs either 1,797
# `__getitem__` calls and 29 stacks, or 29 fancy-indexing calls. Run this cell to compare (times vary).

# %%
import time


class _PerSample(Dataset):
    """The same data without get_batch: the loader must call __getitem__ once per sample."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


if __name__ == "__main__":  # a demo: runs in the notebook, not when pytest imports this file
    _demo = TensorDataset(Tensor(np.random.default_rng(0).random((1797, 1, 8, 8))), Tensor(np.arange(1797) % 10))
    for _name, _ds in (("get_batch", _demo), ("per sample", _PerSample(_demo))):
        _start = time.perf_counter()
        for _xb, _yb in DataLoader(_ds, batch_size=64, shuffle=True, seed=0):
            pass
        print(f"{_name:>10}: {1000 * (time.perf_counter() - _start):6.1f} ms per epoch")

# %% [markdown]
# ## 5. Transforms
#
# A transform is a callable that takes an image ndarray (C, H, W) or a batch (N, C, H, W) and returns a new
# ndarray; `Compose([f, g])` applies f then g. `TransformDataset(dataset, transform)` applies a transform to
# the first field of every sample, and to a whole batch at once in `get_batch`.
#
# Normalization centres the inputs so that the first layer's pre-activations start in a useful range.
# Augmentation (random crops and flips) shows the model a slightly different image every epoch: more data for
# free, for the training set only. Each image in a batch must get its own random draw; one draw per batch is
# weaker augmentation and correlates the samples of a step.
#
# `rng` is a seed, an `np.random.Generator` or None, as accepted by `np.random.default_rng`.

# %%
#| export
def _check_images(name: str, x: np.ndarray) -> None:
    """Transforms take one image (C, H, W) or a batch (N, C, H, W)."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} expects an image (C, H, W) or a batch (N, C, H, W), got shape {x.shape}")


class Compose:
    """Apply transforms in order: Compose([f, g])(x) = g(f(x))."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class TransformDataset(Dataset):
    """Sample i is (transform(x), *rest) where (x, *rest) = dataset[i]; the transform sees ndarrays."""

    def __init__(self, dataset: Dataset, transform: Callable) -> None:
        self.dataset = dataset
        self.transform = transform

    def __len__(self) -> int:
        return len(self.dataset)

    def _apply(self, x) -> Tensor:
        out = np.asarray(self.transform(array_of(x)))
        return Tensor(out, dtype=out.dtype)  # the transform decides the dtype

    def __getitem__(self, index: int) -> tuple:
        x, *rest = self.dataset[index]
        return (self._apply(x), *rest)

    def get_batch(self, indices: np.ndarray) -> tuple:
        """The inner dataset's batch with its first field transformed as one (N, C, H, W) array."""
        if hasattr(self.dataset, "get_batch"):
            x, *rest = self.dataset.get_batch(indices)
        else:
            x, *rest = collate([self.dataset[int(i)] for i in indices])
        return (self._apply(x), *rest)

# %% [markdown]
# **Task: `Normalize(mean, std)`.** Per channel c: `out[c] = (x[c] - mean[c]) / std[c]`. The constructor
# (given) stores `mean` and `std` as 1-D float64 arrays of length C (or 1, shared by all channels). The channel
# axis is third from the end in both layouts, so `mean` reshaped to (C, 1, 1) broadcasts over H, W and the
# batch axis. The result has the input's float dtype (float32 for integer input); the input is not modified.
#
# Pitfall: `(x - mean) / std` with `mean` of shape (C,) broadcasts against W, not C, and fails or silently
# normalizes columns when W == C.

# %% nbgrader={"grade": false, "grade_id": "normalize", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Normalize:
    """out[c] = (x[c] - mean[c]) / std[c] for each channel c of (C, H, W) or (N, C, H, W) input."""

    def __init__(self, mean, std) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1 or np.any(self.std <= 0):
            raise ValueError(f"Normalize needs 1-D mean and positive 1-D std, got {self.mean}, {self.std}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        _check_images("Normalize", x)
        channels = x.shape[-3]
        if len(self.mean) not in (1, channels) or len(self.std) not in (1, channels):
            raise ValueError(f"Normalize: {len(self.mean)} means and {len(self.std)} stds for {channels} channels")
        ### BEGIN SOLUTION
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float32)
        mean = self.mean.astype(dtype).reshape(-1, 1, 1)  # (C, 1, 1): broadcasts over H, W and N
        std = self.std.astype(dtype).reshape(-1, 1, 1)
        return (x.astype(dtype) - mean) / std
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"

# %% nbgrader={"grade": true, "grade_id": "test-normalize", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_normalize():
    """out[c] = (x[c] - mean[c]) / std[c] for an image or a batch; the data's own statistics give mean 0, std 1."""
    rng, mean, std = np.random.default_rng(11), [0.1, 0.5, 0.9], [0.5, 1.0, 2.0]
    x = rng.random((2, 3, 4, 3)).astype(np.float32)  # W == C: a wrong broadcast would not fail
    want = (x - np.array(mean, dtype=np.float32)[:, None, None]) / np.array(std, dtype=np.float32)[:, None, None]
    cases = [(x, Normalize(mean, std), want, "batch (N, C, H, W): each channel uses its own mean and std"),
             (x[1], Normalize(mean, std), want[1], "single image (C, H, W) normalized wrongly"),
             (x, Normalize(0.5, 0.25), (x - 0.5) / 0.25, "a single mean and std apply to every channel"),
             (x, Compose([Normalize(mean, std), Normalize([1.0, 2.0, 3.0], [2.0] * 3)]),
              (want - np.array([1.0, 2.0, 3.0])[:, None, None]) / 2.0, "Compose chain wrong")]
    for inp, transform, expected, what in cases:
        got = transform(inp)
        assert isinstance(got, np.ndarray) and got.shape == inp.shape and np.allclose(got, expected, atol=1e-6), what
    z = Normalize(x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3)))(x)
    assert np.allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-5) and np.allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-4), \
        "normalizing with the data's own channel statistics must give mean 0 and std 1 per channel"

    ### BEGIN HIDDEN TESTS
    for i in range(5):
        c, h, w = (int(s) for s in rng.integers(1, 5, size=3))
        batch = rng.standard_normal((int(rng.integers(1, 4)), c, h, w)).astype(np.float32)
        mu, sd = rng.standard_normal(c), rng.random(c) + 0.5
        observe(f"random batch {i} {batch.shape}", Normalize(mu, sd)(batch), rtol=1e-5, atol=1e-5)
        observe(f"random image {i} {batch[0].shape}", Normalize(mu, sd)(batch[0]), rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_normalize()

# %% nbgrader={"grade": true, "grade_id": "test-normalize-dtype", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_normalize_dtype():
    """Float input keeps its dtype, integer input gives float32; the input is never modified."""
    cases = [(np.full((2, 3, 4, 3), 0.75, dtype=np.float32), [0.25], [0.5], np.float32, 1.0),  # (x, mean, std, dtype, out)
             (np.ones((1, 2, 2), dtype=np.float64), [1.0], [2.0], np.float64, 0.0),
             (np.full((1, 2, 2), 16, dtype=np.uint8), [8.0], [8.0], np.float32, 1.0)]
    for x, mean, std, dtype, want in cases:
        before = x.copy()
        got = Normalize(mean, std)(x)
        assert np.array_equal(x, before), "Normalize must not modify its input"
        assert got.dtype == dtype and np.allclose(got, want), \
            f"{x.dtype} input, mean {mean}, std {std}: {np.dtype(dtype)} {want} everywhere, got {got.dtype} {got.ravel()[:4]}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1111)
    for i, dtype in enumerate((np.float64, np.uint8, np.int64, np.float32)):
        x = (rng.random((2, 2, 3, 3)) * 20).astype(dtype)
        got = Normalize(rng.random(2) * 10, rng.random(2) + 0.5)(x)
        observe(f"{np.dtype(dtype)} batch {i}: dtype", str(got.dtype))
        observe(f"{np.dtype(dtype)} batch {i}: values", got, rtol=1e-5, atol=1e-5)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_normalize_dtype()

# %% [markdown]
# **Task: `RandomCrop(size, padding=0, rng=None)`.** Zero-pad H and W by `padding` on each side, then cut an
# `h x w` window (`size` is an int for a square, or `(h, w)`) whose top-left corner is drawn uniformly:
# `top` in `0..H + 2 * padding - h`, `left` likewise, independently for each image of a batch, from
# `self.rng`. Vectorize: treat one image as a batch of one, draw all offsets at once
# (`self.rng.integers(low, high, size=N)`), and gather the windows with one indexing call, for example
# through `np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(2, 3))`, whose element
# `[n, c, i, j]` is the window with corner `(i, j)`. The dtype is kept.
#
# Pitfall: `rng.integers(low, high)` excludes `high`; the largest corner is `H + 2 * padding - h`.

# %% nbgrader={"grade": false, "grade_id": "random-crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class RandomCrop:
    """Zero-pad H and W by `padding`, then cut an h x w window at a random corner, one draw per image."""

    def __init__(self, size: int | tuple, padding: int = 0, rng=None) -> None:
        self.size = (int(size), int(size)) if np.isscalar(size) else tuple(int(s) for s in size)
        self.padding = int(padding)
        self.rng = np.random.default_rng(rng)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        _check_images("RandomCrop", x)
        h, w = self.size
        if h > x.shape[-2] + 2 * self.padding or w > x.shape[-1] + 2 * self.padding:
            raise ValueError(f"RandomCrop: a {h}x{w} crop does not fit {x.shape} padded by {self.padding}")
        ### BEGIN SOLUTION
        batch = x if x.ndim == 4 else x[None]  # one image is a batch of one
        p = self.padding
        padded = np.pad(batch, ((0, 0), (0, 0), (p, p), (p, p)))
        n = padded.shape[0]
        top = self.rng.integers(0, padded.shape[2] - h + 1, size=n)
        left = self.rng.integers(0, padded.shape[3] - w + 1, size=n)
        windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, C, H', W', h, w)
        out = windows[np.arange(n), :, top, left]  # (N, C, h, w): window (top[k], left[k]) of image k
        return out if x.ndim == 4 else out[0]
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"

# %% nbgrader={"grade": true, "grade_id": "test-random-crop", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_random_crop():
    """Each output image is one window of its zero-padded input; the corners are uniform, one draw per image."""
    x = np.arange(64 * 2 * 6 * 6, dtype=np.float32).reshape(64, 2, 6, 6) + 1.0  # distinct, nonzero pixels
    out = RandomCrop(6, padding=2, rng=0)(x)
    assert isinstance(out, np.ndarray) and out.shape == (64, 2, 6, 6), f"crop 6 of 6 padded by 2 keeps (64, 2, 6, 6), got {getattr(out, 'shape', None)}"
    assert out.dtype == np.float32, f"dtype must be kept, got {out.dtype}"
    found = window_corners(x, out, 2)
    assert None not in found, "every output image must be a window of its own zero-padded input"
    tops, lefts = {c[0] for c in found}, {c[1] for c in found}
    assert tops == lefts == set(range(5)), f"over 64 images every corner 0..4 must occur (uniform, one draw per image), got {tops}, {lefts}"
    assert (out == 0).any(), "with padding some crops must contain zero padding"
    small = RandomCrop((3, 4), rng=1)(x[:16])
    assert small.shape == (16, 2, 3, 4) and None not in window_corners(x[:16], small, 0), \
        f"size (3, 4) without padding gives (16, 2, 3, 4) windows of the images, got {small.shape}"
    one = RandomCrop(4, padding=1, rng=2)(x[5])
    assert one.shape == (2, 4, 4) and None not in window_corners(x[5:6], one[None], 1), "a single (C, H, W) image must work"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1111)
    for i in range(4):
        n, c, hh, ww = (int(s) for s in rng.integers(1, 6, size=4))
        pad = int(rng.integers(0, 3))
        h, w = int(rng.integers(1, hh + 2 * pad + 1)), int(rng.integers(1, ww + 2 * pad + 1))
        data = rng.integers(1, 100, size=(n, c, hh, ww)).astype(np.int64)
        got = RandomCrop((h, w), padding=pad, rng=int(rng.integers(0, 100)))(data)
        observe(f"crop {i} {(h, w)} padding {pad} of {data.shape}: shape and dtype", (tuple(got.shape), str(got.dtype)))
        observe(f"crop {i}: every image a window of its padded input", None not in window_corners(data, got, pad))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_random_crop()

# %% nbgrader={"grade": true, "grade_id": "test-random-crop-seed", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_random_crop_seed():
    """The same seed gives the same crops, each call draws new corners, and a full-size unpadded crop is the identity."""
    x = np.arange(64 * 2 * 6 * 6, dtype=np.float32).reshape(64, 2, 6, 6) + 1.0
    assert np.array_equal(RandomCrop(4, 1, rng=3)(x), RandomCrop(4, 1, rng=3)(x)), "the same seed must give the same crops"
    crop = RandomCrop(4, 1, rng=3)
    assert not np.array_equal(crop(x), crop(x)), "a second call must draw new corners"
    assert np.array_equal(RandomCrop(6, rng=4)(x), x), "a full-size crop without padding is the identity"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1121)
    for i in range(4):
        n, c, hh, ww = (int(s) for s in rng.integers(1, 6, size=4))
        pad = int(rng.integers(0, 3))
        data = rng.integers(1, 100, size=(n, c, hh, ww)).astype(np.int64)
        full = RandomCrop((hh + 2 * pad, ww + 2 * pad), padding=pad, rng=0)
        observe(f"crop {i}: full-size crop of the padded batch {data.shape}, padding {pad}", full(data))
        observe(f"crop {i}: full-size crop of one padded image", full(data[0]))
        seeded = [RandomCrop((hh, ww), padding=pad, rng=7)(data) for _ in range(2)]
        observe(f"crop {i}: two crops with seed 7 are equal", bool(np.array_equal(*seeded)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_random_crop_seed()

# %% [markdown]
# **Task: `RandomHorizontalFlip(p=0.5, rng=None)`.** Mirror each image left-right (reverse the W axis,
# `x[..., ::-1]`) with probability `p`, independently per image. For a batch draw `self.rng.random(N) < p`
# and select with `np.where` (the mask reshaped to (N, 1, 1, 1)); for one image draw `self.rng.random() < p`.
# Always return a new array.

# %% nbgrader={"grade": false, "grade_id": "random-flip", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class RandomHorizontalFlip:
    """Reverse the W axis with probability p, independently for each image."""

    def __init__(self, p: float = 0.5, rng=None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.rng = np.random.default_rng(rng)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        _check_images("RandomHorizontalFlip", x)
        ### BEGIN SOLUTION
        if x.ndim == 3:
            return x[..., ::-1].copy() if self.rng.random() < self.p else x.copy()
        flip = self.rng.random(x.shape[0]) < self.p
        return np.where(flip[:, None, None, None], x[..., ::-1], x)
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"

# %% nbgrader={"grade": true, "grade_id": "test-random-flip", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_random_flip():
    """p=1 mirrors every image, p=0 none; p=0.5 mirrors about half, each image either mirrored or intact."""
    x = np.random.default_rng(12).random((200, 2, 3, 4)).astype(np.float32)
    always, never = RandomHorizontalFlip(p=1.0, rng=0)(x), RandomHorizontalFlip(p=0.0, rng=0)(x)
    assert isinstance(always, np.ndarray) and np.array_equal(always, x[..., ::-1]), "p=1 must reverse the W axis of every image"
    assert np.array_equal(never, x) and never is not x, "p=0 must return an unchanged copy"
    half = RandomHorizontalFlip(rng=1)(x)
    flipped = np.array([np.array_equal(h, v[..., ::-1]) for h, v in zip(half, x)])
    kept = np.array([np.array_equal(h, v) for h, v in zip(half, x)])
    assert np.all(flipped | kept) and 60 < flipped.sum() < 140, f"p=0.5: each image mirrored or unchanged, about 100 of 200 mirrored; {flipped.sum()} mirrored"
    assert np.array_equal(RandomHorizontalFlip(rng=5)(x), RandomHorizontalFlip(rng=5)(x)), "the same seed, the same flips"
    one = RandomHorizontalFlip(p=1.0)(x[0])
    assert one.shape == (2, 3, 4) and np.array_equal(one, x[0, ..., ::-1]), "a single (C, H, W) image must be mirrored"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1212)
    for p in (0.2, 0.8):
        data = rng.random((300, 1, 2, 3))
        got = RandomHorizontalFlip(p=p, rng=int(rng.integers(0, 100)))(data)
        mirrored = np.array([np.array_equal(got[k], data[k, ..., ::-1]) for k in range(300)])
        kept = np.array([np.array_equal(got[k], data[k]) for k in range(300)])
        observe(f"p={p}: fraction of the 300 images mirrored", float(mirrored.mean()), rtol=0, atol=0.1)
        observe(f"p={p}: every image mirrored or unchanged", bool(np.all(mirrored | kept)))
        observe(f"p={p}: dtype of float64 input", str(got.dtype))
        observe(f"p={p}: p=1 on 20 images", RandomHorizontalFlip(p=1.0, rng=0)(data[:20]))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_random_flip()

# %% nbgrader={"grade": true, "grade_id": "test-random-flip-dataset", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_random_flip_dataset():
    """TransformDataset (given) flips the images of every batch it serves and leaves the labels."""
    x = np.random.default_rng(12).random((8, 2, 3, 4)).astype(np.float32)
    ds = TransformDataset(TensorDataset(Tensor(x), Tensor(np.arange(8))), RandomHorizontalFlip(p=1.0))
    xb, yb = next(iter(DataLoader(ds, batch_size=8)))
    assert np.array_equal(xb.data, x[..., ::-1]) and np.array_equal(yb.data, np.arange(8)), \
        "TransformDataset must flip the images and leave the labels"

    ### BEGIN HIDDEN TESTS
    data = np.random.default_rng(1222).random((10, 1, 2, 3)).astype(np.float32)
    ds = TransformDataset(TensorDataset(Tensor(data), Tensor(np.arange(10))), RandomHorizontalFlip(p=1.0, rng=0))
    for k, (xb, yb) in enumerate(DataLoader(ds, batch_size=4)):
        observe(f"batch {k} of 10 images flipped with p=1, in batches of 4: (x, y)", (xb.data, yb.data))
    observe("one sample ds[3] flipped with p=1 (a (C, H, W) image)", ds[3][0].data)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_random_flip_dataset()

# %% [markdown]
# ## 6. The digits data set
#
# `datasets/digits/digits.npz` ships with the course: 1,797 handwritten digits (UCI, CC BY 4.0), `images`
# (1797, 8, 8) uint8 pixel counts 0..16 and `labels` (1797,) uint8. `default_data_root()` (given) finds the
# `datasets/` folder: `$TINYTORCH_DATA` if set, else the folder next to the `tinytorch` package (the repository,
# or your bundle).
#
# **Task: `load_digits`.** The given part finds and reads the file. Return the images as float32 in [0, 1],
# shape (1797, 1, 8, 8) (a channel axis, the (N, C, H, W) layout of convolutions), and the labels as int64
# (the class indices cross-entropy expects).
#
# Pitfall: these pixels count up to 16, not 255: dividing by 255 leaves every input below 0.07.

# %%
#| export
def default_data_root() -> Path:
    """$TINYTORCH_DATA if set, else <root>/datasets where <root> holds the tinytorch package."""
    env = os.environ.get("TINYTORCH_DATA")
    if env:
        return Path(env)
    # In the package this is Path(__file__).resolve().parents[2] / "datasets"; a notebook has no __file__,
    # so anchor on the tinytorch package, which the notebook imports too.
    return Path(tinytorch.__file__).resolve().parents[1] / "datasets"

# %% nbgrader={"grade": false, "grade_id": "load-digits", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def load_digits(root: str | Path | None = None) -> tuple:
    """Images (1797, 1, 8, 8) float32 = counts / 16 in [0, 1], labels (1797,) int64."""
    path = Path(root if root is not None else default_data_root()) / "digits" / "digits.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"digits data not found at {path}. It ships with the course in datasets/digits/; regenerate it with "
            "`python datasets/make_digits.py` (needs scikit-learn), or set TINYTORCH_DATA to the folder holding "
            "digits/digits.npz")
    with np.load(path) as archive:
        images, labels = archive["images"], archive["labels"]
    ### BEGIN SOLUTION
    x = (images.astype(np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
    return x, labels.astype(np.int64)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-load-digits", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import tempfile

import numpy as np
from tito.check import observe


def test_load_digits():
    """load_digits(root) gives the stored images as (N, 1, 8, 8) float32 counts / 16 and the labels as int64."""
    counts = (np.arange(3 * 64).reshape(3, 8, 8) * 7) % 17  # counts 0..16, all different rows
    with tempfile.TemporaryDirectory() as tmp:
        write_digits(tmp, counts, [3, 7, 0])
        x, y = load_digits(tmp)
    assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray), "load_digits returns two ndarrays"
    assert x.shape == (3, 1, 8, 8) and x.dtype == np.float32, f"3 images must give (3, 1, 8, 8) float32, got {x.shape} {x.dtype}"
    assert np.allclose(x[:, 0], counts / 16.0, atol=1e-7), "images must be the pixel counts / 16, in the stored order"
    assert x.max() == 1.0 and x.min() == 0.0, f"counts 0..16 scale to [0, 1], got [{x.min()}, {x.max()}]"
    assert y.tolist() == [3, 7, 0] and y.dtype == np.int64, f"labels must be int64 [3, 7, 0], got {y} ({y.dtype})"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1414)
    with tempfile.TemporaryDirectory() as tmp:
        write_digits(tmp, rng.integers(0, 17, size=(12, 8, 8)), rng.integers(0, 10, size=12))
        x, y = load_digits(tmp)
        observe("random counts: shapes and dtypes", (tuple(x.shape), str(x.dtype), tuple(y.shape), str(y.dtype)))
        observe("random counts: images", x, rtol=1e-5, atol=1e-7)
        observe("random counts: labels", y)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_load_digits()

# %% nbgrader={"grade": true, "grade_id": "test-load-digits-root", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import tempfile
from pathlib import Path

import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_load_digits_root():
    """Without root, $TINYTORCH_DATA or the repository's datasets/ is read; a missing file names the path and the fix."""
    with tempfile.TemporaryDirectory() as tmp:
        write_digits(tmp, np.zeros((3, 8, 8)), [0, 1, 2])
        with data_root_env(tmp):
            assert load_digits()[0].shape == (3, 1, 8, 8), "without root, $TINYTORCH_DATA must be used"
        msg = error_message(FileNotFoundError, load_digits, Path(tmp) / "nowhere")
    assert msg is not None and "nowhere" in msg and "make_digits.py" in msg, f"a missing file: FileNotFoundError naming the path and the fix, got {msg}"
    if (default_data_root() / "digits" / "digits.npz").is_file():  # the shipped file (absent from bare copies)
        images, labels = load_digits()
        assert images.shape == (1797, 1, 8, 8) and labels.shape == (1797,), f"shipped digits: got {images.shape}, {labels.shape}"
        assert images.min() == 0.0 and images.max() == 1.0, "shipped digits must scale to [0, 1]"
        assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], "label counts differ"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1424)
    with tempfile.TemporaryDirectory() as tmp:
        write_digits(tmp, rng.integers(0, 17, size=(5, 8, 8)), rng.integers(0, 10, size=5))
        with data_root_env(tmp):
            x, y = load_digits()
        observe("random counts read through $TINYTORCH_DATA: pixel sum of each image", x.sum(axis=(1, 2, 3)), rtol=1e-5, atol=1e-6)
        observe("random counts read through $TINYTORCH_DATA: labels", y)
    shipped = (default_data_root() / "digits" / "digits.npz").is_file()
    observe("shipped digits file found", shipped)
    if shipped:
        images, labels = load_digits()
        observe("shipped digits: shapes and dtypes", (tuple(images.shape), str(images.dtype), tuple(labels.shape),
                                                      str(labels.dtype)))
        observe("shipped digits: first 100 images", images[:100], rtol=1e-5, atol=1e-7)
        observe("shipped digits: pixel sum of each image", images.sum(axis=(1, 2, 3)), rtol=1e-5, atol=1e-5)
        observe("shipped digits: labels", labels)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_load_digits_root()

# %% [markdown]
# ## 7. Train/test split
#
# The test set estimates accuracy on unseen data only if it is chosen at random and never trained on. With few
# samples per class, a random split can leave a class under-represented in the test set; a *stratified* split
# keeps each class's proportion in both parts.
#
# **Task: `train_test_split(n, test_fraction=0.2, seed=0, stratify=None)`** returns `(train_idx, test_idx)`,
# disjoint int64 index arrays covering 0..n-1, each sorted ascending, drawn from the given
# `rng = np.random.default_rng(seed)`:
# - without `stratify`: the test part is the first `round(n * test_fraction)` indices of `rng.permutation(n)`.
# - with `stratify=labels` (length n): each class c with n_c samples puts `round(n_c * test_fraction)` of them,
#   chosen at random, into the test part. Vectorized, without a loop over samples: permute all indices, sort
#   them stably by label (each class becomes one run, still in random order), and take the first
#   `round(n_c * test_fraction)` of each run (`np.unique(..., return_index=True, return_counts=True)` gives
#   the runs).
#
# `round` is Python's and NumPy's rounding, half to even: 2.5 gives 2, and 178 * 0.2 = 35.6 gives 36.

# %% nbgrader={"grade": false, "grade_id": "train-test-split", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def train_test_split(n: int, test_fraction: float = 0.2, seed: int = 0, stratify=None) -> tuple:
    """Sorted disjoint (train_idx, test_idx) over 0..n-1; the test part has round(n_c * test_fraction) of each class."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    if stratify is not None and len(stratify) != n:
        raise ValueError(f"stratify has {len(stratify)} labels for n = {n} samples")
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    order = rng.permutation(n)
    if stratify is None:
        n_test = int(round(n * test_fraction))
        test, train = order[:n_test], order[n_test:]
    else:
        labels = np.asarray(stratify).reshape(-1)
        grouped = order[np.argsort(labels[order], kind="stable")]  # classes in runs, random order inside each
        _, starts, counts = np.unique(labels[grouped], return_index=True, return_counts=True)
        rank = np.arange(n) - np.repeat(starts, counts)  # position of each index inside its class run
        is_test = rank < np.repeat(np.round(counts * test_fraction).astype(np.int64), counts)
        test, train = grouped[is_test], grouped[~is_test]
    return np.sort(train).astype(np.int64), np.sort(test).astype(np.int64)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-train-test-split", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_test_split():
    """The test part is the first round(n * fraction) of default_rng(seed).permutation(n); both parts sorted, disjoint."""
    train, test = train_test_split(100, test_fraction=0.2, seed=0)
    assert isinstance(train, np.ndarray) and isinstance(test, np.ndarray), "the split returns two index arrays"
    assert len(test) == 20 and len(train) == 80, f"100 samples at 0.2 give 80/20, got {len(train)}/{len(test)}"
    assert np.issubdtype(train.dtype, np.integer) and np.issubdtype(test.dtype, np.integer), "indices must be integers"
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(100)), "train and test must partition 0..99"
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0), "both index arrays must be sorted ascending"
    want = np.sort(np.random.default_rng(0).permutation(100)[:20])
    assert np.array_equal(test, want), "the test part is the first 20 of np.random.default_rng(seed).permutation(100)"
    assert np.array_equal(train_test_split(100, test_fraction=0.2, seed=0)[1], test), "the same seed must give the same split"
    assert not np.array_equal(train_test_split(100, 0.2, seed=1)[1], test), "different seeds must give different splits"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1313)
    for i in range(6):
        n = int(rng.integers(20, 200))
        frac = float(rng.choice([0.1, 0.25, 0.3, 0.5]))
        seed = int(rng.integers(0, 1000))
        observe(f"case {i} (n={n}, fraction {frac}, seed {seed}): plain split (train, test)",
                train_test_split(n, frac, seed=seed))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_test_split()

# %% nbgrader={"grade": true, "grade_id": "test-train-test-split-stratify", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_test_split_stratify():
    """With stratify, class c puts round(n_c * fraction) of its samples, chosen at random, into the test part."""
    labels = np.repeat([0, 1, 2], [60, 30, 10])[np.random.default_rng(3).permutation(100)]
    tr, te = train_test_split(100, 0.2, seed=4, stratify=labels)
    assert np.array_equal(np.sort(np.concatenate([tr, te])), np.arange(100)), "a stratified split must partition 0..99"
    assert np.bincount(labels[te], minlength=3).tolist() == [12, 6, 2], f"test classes must be 12/6/2, got {np.bincount(labels[te], minlength=3).tolist()}"
    assert np.bincount(labels[tr], minlength=3).tolist() == [48, 24, 8], "train classes must be 48/24/8"
    picks = {tuple(train_test_split(100, 0.2, seed=s, stratify=labels)[1]) for s in range(5)}
    assert len(picks) == 5, f"the stratified test part must be random: 5 seeds gave {len(picks)} different test parts"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1313)
    for i in range(6):
        n = int(rng.integers(20, 200))
        frac = float(rng.choice([0.1, 0.25, 0.3, 0.5]))
        classes = rng.choice([2, 5, 11, 40], size=int(rng.integers(1, 5)), replace=False)
        y = rng.choice(classes, size=n)
        seed = int(rng.integers(0, 1000))
        tr, te = train_test_split(n, frac, seed=seed, stratify=y)
        observe(f"case {i} (n={n}, fraction {frac}): stratified train + test, sorted", np.sort(np.concatenate([tr, te])))
        observe(f"case {i}: stratified test count of each class", [int((y[te] == c).sum()) for c in np.unique(y)])
        tr2, te2 = train_test_split(n, frac, seed=seed, stratify=y)
        observe(f"case {i}: the same seed gives the same stratified split",
                bool(np.array_equal(te, te2) and np.array_equal(tr, tr2)))
    digits_like = np.repeat(np.arange(10), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    _, te = train_test_split(1797, 0.2, seed=1986, stratify=digits_like)
    observe("digits-like labels at 0.2: test count of each class", np.bincount(digits_like[te], minlength=10))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_test_split_stratify()

# %% [markdown]
# The split in use: the digits, stratified 80/20, and a shuffled loader over the training part.

# %%
if __name__ == "__main__":  # a demo: runs in the notebook, not when pytest imports this file
    _images, _labels = load_digits()
    _train_idx, _test_idx = train_test_split(len(_labels), test_fraction=0.2, seed=0, stratify=_labels)
    _train = DataLoader(TensorDataset(Tensor(_images[_train_idx]), Tensor(_labels[_train_idx])), batch_size=32,
                        shuffle=True, seed=0)
    _xb, _yb = next(iter(_train))
    print(f"{len(_train_idx)} train / {len(_test_idx)} test samples; {len(_train)} batches; "
          f"first batch {_xb.shape}, {_yb.shape}")

# %% [markdown]
# Why stratify: the test samples per class, for a plain and a stratified split of the digits (about 180 images per
# class, so 20% is about 36).

# %%
if __name__ == "__main__":  # a demo: runs in the notebook, not when pytest imports this file
    for _name, _strat in (("plain", None), ("stratified", _labels)):
        _, _split_test = train_test_split(len(_labels), test_fraction=0.2, seed=0, stratify=_strat)
        _per_class = np.bincount(_labels[_split_test], minlength=10)
        print(f"{_name:>10}: test samples per class {_per_class.tolist()}, "
              f"fewest {_per_class.min()}, most {_per_class.max()}")

# %% [markdown]
# ## 8. MNIST: download and cache
#
# MNIST (LeCun, Cortes and Burges: 70,000 handwritten digits, 28x28, 60,000 for training) is too large to
# ship (11 MB). Given: `download_mnist(root)` fetches its four gzip files from a public mirror into `root`
# (default `datasets/cache/mnist`, ignored by git) and returns their paths. Three habits worth copying:
# - **Checksums.** Each file's SHA-256 must equal the published value; a truncated or altered download is
#   deleted and reported with both hashes, never parsed.
# - **Cache.** A file already present with the right hash is not fetched again.
# - **Resume.** Bytes arrive in `<file>.part`; after an interruption, the next call asks only for the rest
#   with an HTTP `Range: bytes=<have>-` request, and renames the file once its hash is right.
#
# Offline, it raises `ConnectionError` naming the URL: download the four files elsewhere and copy them into
# the cache folder by hand. `load_mnist(root, train)` parses them with `parse_idx`, which you write next.
# The graded tests never use the network; the course's own test suite checks the download against a local
# server.

# %%
#| export
MNIST_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# SHA-256 of the original MNIST files (LeCun, Cortes and Burges), which the mirror serves unchanged.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mnist_root(root: str | Path | None) -> Path:
    return Path(root) if root is not None else default_data_root() / "cache" / "mnist"


def _fetch(url: str, part: Path, timeout: float) -> None:
    """Download `url` into `part`, asking only for the bytes after those already in `part` (HTTP Range)."""
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    hint = f"if this machine is offline, download the MNIST files elsewhere and place them in {part.parent}"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            # 206: the server sent the rest; 200: it ignored the Range header and sent everything.
            resumed = have > 0 and response.status == 206
            with open(part, "ab" if resumed else "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
    except urllib.error.HTTPError as e:  # before URLError, its base class
        if e.code == 416 and have:  # nothing after byte `have`: the partial file is already complete
            return
        raise ConnectionError(f"download of {url} failed: HTTP {e.code} {e.reason}; {hint}") from e
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as e:
        raise ConnectionError(f"cannot download {url}: {getattr(e, 'reason', e)}; {hint}") from e


def download_mnist(root: str | Path | None = None, mirror: str = MNIST_MIRROR, timeout: float = 30,
                   checksums: dict | None = None) -> dict:
    """Fetch the four MNIST files into `root`, verify their SHA-256, keep valid cached files; name -> Path."""
    root = _mnist_root(root)
    checksums = MNIST_SHA256 if checksums is None else checksums
    root.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, name in MNIST_FILES.items():
        target, part, want = root / name, root / (name + ".part"), checksums[name]
        if target.is_file() and sha256_file(target) == want:
            paths[key] = target  # cached and valid: no request
            continue
        target.unlink(missing_ok=True)  # present but wrong: fetch it again
        url = mirror.rstrip("/") + "/" + name
        _fetch(url, part, timeout)
        got = sha256_file(part)
        if got != want:
            part.unlink()
            raise ValueError(f"checksum mismatch for {name} from {url}: expected sha256 {want}, got {got}; "
                             "the file was deleted, run download_mnist again")
        os.replace(part, target)
        paths[key] = target
    return paths


def load_mnist(root: str | Path | None = None, train: bool = True) -> tuple:
    """Images (N, 28, 28) uint8 and labels (N,) int64 from the cached files: 60,000 train or 10,000 test."""
    root = _mnist_root(root)
    split = "train" if train else "test"
    arrays = []
    for key, magic in ((f"{split}_images", "00000803"), (f"{split}_labels", "00000801")):
        path = root / MNIST_FILES[key]
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: run download_mnist({str(root)!r}) or place the file there")
        with gzip.open(path, "rb") as f:
            data = f.read()
        if data[:4] != bytes.fromhex(magic):  # 0x0803: uint8 images, 3-D; 0x0801: uint8 labels, 1-D
            raise ValueError(f"{path}: magic number 0x{data[:4].hex()}, expected 0x{magic} for MNIST "
                             f"{key.replace('_', ' ')}")
        try:
            arrays.append(parse_idx(data))
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from e
    images, labels = arrays
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} {split} images but {len(labels)} labels")
    return images, labels.astype(np.int64)

# %% [markdown]
# ## 9. The IDX format
#
# Each MNIST file, once gunzipped, is one array in the IDX format:
#
# | bytes | content |
# |---|---|
# | 0-1 | two zero bytes |
# | 2 | type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 |
# | 3 | number of dimensions d |
# | 4 .. 4 + 4d | d sizes, each a big-endian uint32 |
# | then | the values in row-major order, big-endian |
#
# The first four bytes are the *magic number*: 0x00000803 for the image files (uint8, 3-D), 0x00000801 for
# the labels (uint8, 1-D).
#
# **Task: `parse_idx(data: bytes) -> np.ndarray`.** Check the magic number and raise `ValueError` containing
# the words `magic number` and the four bytes in hex (`data[:4].hex()`) when the first two bytes are not zero or
# the type code is unknown. Read the sizes with `np.frombuffer(data, dtype=">u4", count=d, offset=4)` and the
# values with `np.frombuffer` and the big-endian dtype from `IDX_DTYPES`. Raise `ValueError` naming the
# expected and actual byte counts when the length does not match the header. Return an array in the
# machine's native byte order (`.astype(dtype.newbyteorder("="))`), which is also a writable copy.
#
# Pitfall: x86 and ARM machines are little-endian; reading the sizes as native uint32 turns 60,000 into
# 1,625,948,160.

# %% nbgrader={"grade": false, "grade_id": "parse-idx", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
# IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes) -> np.ndarray:
    """IDX: 0, 0, type code, ndim; ndim big-endian uint32 sizes; the values, big-endian, row-major."""
    ### BEGIN SOLUTION
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES:
        raise ValueError(f"not an IDX file: magic number 0x{data[:4].hex()} should be 0x0000TTDD "
                         f"(type code TT in {[hex(c) for c in IDX_DTYPES]}, DD dimensions)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"IDX header needs {header} bytes for {ndim} dimensions, got {len(data)} bytes")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[data[2]])
    count = int(np.prod(shape, dtype=np.int64))
    expected = header + count * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"IDX data of shape {shape} needs {expected} bytes, got {len(data)} bytes")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-parse-idx", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_parse_idx():
    """parse_idx inverts the IDX writer for each type code, in native byte order, as a writable array."""
    rng = np.random.default_rng(14)
    arrays = [rng.integers(0, 256, size=(3, 28, 28)).astype(np.uint8), np.array([5, 0, 4], dtype=np.uint8),
              np.zeros((300, 2), dtype=np.uint8)]  # sizes are big-endian uint32: 300 must stay 300
    arrays += [(rng.standard_normal((2, 3)) * 1000).astype(dt) for dt in (np.int16, np.int32, np.float32, np.float64)]
    for array in arrays:
        back = parse_idx(idx_bytes(array))
        assert isinstance(back, np.ndarray) and back.shape == array.shape, f"shape {array.shape} expected, got {getattr(back, 'shape', None)}"
        assert back.dtype == array.dtype, f"type code {IDX_CODES[array.dtype.type]:#x} must give native {array.dtype}, got {back.dtype}"
        assert np.array_equal(back, array), f"{array.dtype} values read wrongly (byte order?)"
        back.flat[0] = 9  # np.frombuffer alone gives a read-only array

    ### BEGIN HIDDEN TESTS
    for i in range(6):
        dt = list(IDX_CODES)[int(rng.integers(0, len(IDX_CODES)))]
        shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        arr = (rng.standard_normal(shape) * 100).astype(dt)
        back = parse_idx(idx_bytes(arr))
        observe(f"random IDX array {i} ({np.dtype(dt)} {shape}): shape and dtype", (tuple(back.shape), str(back.dtype)))
        observe(f"random IDX array {i}: values", back, rtol=0, atol=0)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_parse_idx()

# %% nbgrader={"grade": true, "grade_id": "test-parse-idx-errors", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_parse_idx_errors():
    """A bad magic number raises ValueError naming its four bytes; a length the header disagrees with, the byte count."""
    good = idx_bytes(np.arange(3 * 28 * 28).reshape(3, 28, 28).astype(np.uint8))
    cases = [(b"\x01\x00\x08\x01" + good[4:], ["magic number", "01000801"]),  # (data, words the error must hold)
             (b"\x00\x00\x07\x01" + good[4:], ["magic number", "00000701"]),
             (good[:-1], [str(len(good) - 1)]), (good + b"\x00", [str(len(good) + 1)])]
    for data, words in cases:
        msg = error_message(ValueError, parse_idx, data)
        assert msg is not None and all(w in msg for w in words), \
            f"{len(data)} bytes starting {data[:4].hex()}: ValueError containing {words}, got {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1515)
    for i in range(4):
        data = idx_bytes(rng.integers(0, 256, size=(2, 3, 4)).astype(np.uint8))
        cut = data[:int(rng.integers(16, len(data)))]
        for what, bad in (("truncated", cut), ("one byte too many", data + b"\x00")):
            msg = error_message(ValueError, parse_idx, bad)
            observe(f"{what} file {i}, {len(bad)} bytes: ValueError naming the byte count", msg is not None and str(len(bad)) in msg)
        observe(f"file {i}: the intact data still parses (sum of values)", int(parse_idx(data).sum()))
    for head in (b"\x00\x01\x08\x03", b"\x00\x00\x0a\x01"):
        msg = error_message(ValueError, parse_idx, head + data[4:])
        observe(f"magic number {head.hex()}: ValueError naming it", msg is not None and head.hex() in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_parse_idx_errors()

# %% nbgrader={"grade": true, "grade_id": "test-parse-idx-mnist", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import tempfile

import numpy as np
from tito.check import observe


def test_parse_idx_mnist():
    """load_mnist (given) reads the cached gzip files through parse_idx: uint8 images, int64 labels."""
    images = np.random.default_rng(14).integers(0, 256, size=(3, 28, 28)).astype(np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        write_mnist(tmp, images, np.array([5, 0, 4], dtype=np.uint8))
        x, y = load_mnist(tmp, train=True)
    assert np.array_equal(x, images) and y.tolist() == [5, 0, 4], "load_mnist must parse the cached files"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1616)
    with tempfile.TemporaryDirectory() as tmp:
        images, labels = rng.integers(0, 256, size=(5, 28, 28)).astype(np.uint8), rng.integers(0, 10, size=5).astype(np.uint8)
        write_mnist(tmp, images, labels, train=False)
        x, y = load_mnist(tmp, train=False)
        observe("test split: images (dtype, values)", (str(x.dtype), x))
        observe("test split: labels (dtype, values)", (str(y.dtype), y))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_parse_idx_mnist()

# %% [markdown]
# ## The names this module adds to `tinytorch`
#
# `import tinytorch as torch` reads like PyTorch: `torch.utils.data`. The table maps each PyTorch-shaped name to
# this module's object; `tito export` collects the tables of all modules. Given.

# %%
#| export
PYTORCH_NAMES = {
    "utils.data.Dataset": "Dataset", "utils.data.TensorDataset": "TensorDataset",
    "utils.data.DataLoader": "DataLoader",
}

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** Your `DataLoader` timed one epoch of the 1,797 digits-shaped samples with the
# `get_batch` fast path and per sample. What two times did it print, and what is their ratio? Where does the
# per-sample path spend the difference, and name one situation where the gap would matter much less.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-fast-path", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: both times from the notebook, in ms per epoch, and their ratio (per sample is tens of times slower;
#   the exact figures depend on the machine)
# - 1 point: the cause: 1,797 Python-level `__getitem__` calls, each building new Tensors, then a stack per
#   field and batch, against one fancy-indexing call per field for each of the 29 batches
# - 1 point: a fair case where it matters less: the per-sample work dominates (reading or decoding each image
#   from disk, per-image augmentation), or the model's step takes far longer than the loading
# Model answer: get_batch took about 1 ms per epoch and the per-sample path about 55 ms, some 50 times slower.
# The per-sample path runs 1,797 `__getitem__` calls in Python, each indexing two tensors and wrapping the rows
# in new Tensor objects, then `collate` stacks 64 small arrays per field for each of the 29 batches; the fast
# path does 29 x 2 fancy-indexing calls that copy the rows in C. The gap matters little when each sample is
# expensive anyway, for example images decoded from files, or when a training step of a large model takes
# seconds so that 55 ms per epoch is noise.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** Compare the test samples per class of the plain and the stratified split of the
# digits. Which class is the least represented in the plain split, with how many test images against the
# stratified split's? What does that do to the accuracy you would report for that class?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-stratify", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the class and its two counts from the notebook (with seed 0: class 0, 28 plain against 36
#   stratified; stratified counts all lie within one of 20% of the class size)
# - 1 point: one test image of that class moves its accuracy by 1/28, about 3.6 points, against 1/36, about
#   2.8: the per-class estimate is noisier, and the overall figure weighs the classes unequally
# - 1 point: the other side: that class has more training images than its share (150 against 142), and the
#   spread (28 to 42 plain, 35 to 37 stratified) is chance, not a property of the data
# Model answer: The plain split gave class 0 only 28 test images and class 7 42, where the stratified split
# gives every class 35 to 37 (36 for class 0). With 28 images, one mistake changes class 0's accuracy by about
# 3.6 points instead of 2.8, so its estimate is less reliable, and the overall test accuracy weighs class 7
# half again as much as class 0, unlike the data. The missing test images of class 0 went to training (150
# instead of 142). Stratifying removes this chance imbalance at no cost.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** The digits' training loader printed its number of samples and of batches of 32.
# How many samples are in its last batch, and what would `drop_last=True` change in one epoch and over many
# epochs?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-last-batch", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: 1,438 samples in 45 batches: 44 full batches and a last batch of 1,438 - 44 x 32 = 30
# - 1 point: drop_last gives 44 batches and skips 30 samples per epoch; with shuffle these are different
#   samples each epoch, so over many epochs every sample is still used (without shuffle the same 30 would
#   never be seen)
# Model answer: 1,438 = 44 x 32 + 30, so the 45th batch holds 30 samples, nearly full, so its gradient is
# barely noisier. With drop_last=True the loader yields 44 batches and leaves out 30 samples each epoch;
# because the order is reshuffled every epoch, the left-out samples change, and no sample is lost for good.
# Without shuffling the same last 30 samples would never be trained on.
# ### END SOLUTION
