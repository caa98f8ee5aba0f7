"""Module 07's DataLoader, batch stacking and transforms against torch.utils.data and torch ops."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils import data as tud  # noqa: E402

from tinytorch.core import data as td  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402

CASES = [(1, 1, False), (7, 3, False), (7, 3, True), (9, 3, True), (10, 4, False), (10, 4, True), (3, 5, False),
         (3, 5, True), (64, 64, False), (65, 64, True), (100, 7, False)]


@pytest.mark.parametrize("n, batch_size, drop_last", CASES)
def test_batch_count_and_sizes_match_torch(n, batch_size, drop_last):
    x = np.random.default_rng(n).standard_normal((n, 2, 1))
    ours = td.DataLoader(td.TensorDataset(Tensor(x, dtype=np.float64)), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert [b[0].shape for b in ours_batches] == [tuple(b[0].shape) for b in theirs_batches]
    for (a,), (b,) in zip(ours_batches, theirs_batches):  # without shuffling both keep the stored order
        np.testing.assert_array_equal(a.data, b.numpy())
        assert a.dtype == np.float64


def test_shuffled_epochs_are_permutations_like_torch():
    n = 23
    ours = td.DataLoader(td.TensorDataset(Tensor(np.arange(n))), batch_size=5, shuffle=True, seed=0)
    gen = torch.Generator().manual_seed(0)
    theirs = tud.DataLoader(tud.TensorDataset(torch.arange(n)), batch_size=5, shuffle=True, generator=gen)
    for _ in range(3):  # each epoch covers every sample once, in batches of the same sizes
        a, b = list(ours), list(theirs)
        assert [len(x[0].data) for x in a] == [len(x[0]) for x in b]
        assert sorted(np.concatenate([x[0].data for x in a]).tolist()) == sorted(torch.cat([x[0] for x in b]).tolist())


def test_generic_dataset_collates_like_torch():
    class Pairs(td.Dataset, tud.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full((2, 3), i * 0.5, dtype=np.float32), i

    ours = list(td.DataLoader(Pairs(), batch_size=2))
    theirs = list(tud.DataLoader(Pairs(), batch_size=2))
    assert len(ours) == len(theirs) == 3
    for (xa, ya), (xb, yb) in zip(ours, theirs):
        assert xa.shape == tuple(xb.shape) and xa.dtype == np.float32 and xb.dtype == torch.float32
        np.testing.assert_array_equal(xa.data, xb.numpy())
        np.testing.assert_array_equal(ya.data, yb.numpy())
        assert ya.dtype == np.int64 and yb.dtype == torch.int64


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5), (1, 1, 8, 8), (4, 1, 1, 3)])
def test_normalize_and_flip_match_torch(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    channels = shape[-3]
    mean, std = rng.standard_normal(channels), rng.random(channels) + 0.5
    t = torch.from_numpy(x)
    want = (t - torch.from_numpy(mean).view(-1, 1, 1)) / torch.from_numpy(std).view(-1, 1, 1)
    np.testing.assert_allclose(td.Normalize(mean, std)(x), want.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(td.RandomHorizontalFlip(p=1.0)(x), torch.flip(t, dims=[-1]).numpy())


def test_padded_full_crop_matches_torch_pad():
    x = np.random.default_rng(5).standard_normal((6, 2, 4, 4)).astype(np.float32)
    padded = torch.nn.functional.pad(torch.from_numpy(x), (1, 1, 1, 1)).numpy()
    np.testing.assert_array_equal(td.RandomCrop(6, padding=1, rng=0)(x), padded)  # only one corner fits
