"""Module 11 against torch: F.embedding and nn.Embedding (padding_idx, repeated ids, 2-D id batches,
from_pretrained and freeze), F.one_hot, and the errors for ids out of range."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinytorch.core.autograd import Tensor  # noqa: E402
from tinytorch.text import embed as E  # noqa: E402

TOL64 = dict(rtol=1e-12, atol=1e-12)
TOL32 = dict(rtol=1e-6, atol=1e-6)
ID_SHAPES = [(7,), (3, 5), (2, 3, 4), (), (0,), (4, 0)]


def both(rng, num, dim, dtype):
    w = rng.standard_normal((num, dim)).astype(dtype)
    return Tensor(w, dtype=dtype, requires_grad=True), torch.tensor(w, requires_grad=True)


@pytest.mark.parametrize("shape", ID_SHAPES)
@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_embedding_matches_torch(shape, padding_idx, dtype):
    rng = np.random.default_rng([len(shape), *shape, 0 if padding_idx is None else padding_idx + 5])
    num, dim = 4, 3  # few rows: ids repeat
    ids = rng.integers(0, num, size=shape)
    ours_w, torch_w = both(rng, num, dim, dtype)
    out = E.embedding(Tensor(ids), ours_w, padding_idx=padding_idx)
    ref = torch.nn.functional.embedding(torch.from_numpy(ids), torch_w, padding_idx=padding_idx)
    assert out.shape == tuple(ref.shape) and out.dtype == dtype
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **(TOL64 if dtype == np.float64 else TOL32))
    g = rng.standard_normal(ref.shape).astype(dtype)
    out.backward(g)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ours_w.grad.data, torch_w.grad.numpy(), **(TOL64 if dtype == np.float64 else TOL32))


def test_repeated_ids_accumulate_as_in_torch():
    ids = np.array([[1, 1, 1, 1], [1, 0, 1, 2]])
    ours_w, torch_w = both(np.random.default_rng(0), 3, 2, np.float64)
    E.embedding(Tensor(ids), ours_w).sum().backward()
    torch.nn.functional.embedding(torch.from_numpy(ids), torch_w).sum().backward()
    np.testing.assert_array_equal(ours_w.grad.data, torch_w.grad.numpy())
    np.testing.assert_array_equal(ours_w.grad.data[:, 0], [1, 6, 1])


def test_backward_twice_accumulates_as_in_torch():
    ids = np.array([2, 0, 2])
    ours_w, torch_w = both(np.random.default_rng(1), 3, 2, np.float64)
    for _ in range(2):
        E.embedding(Tensor(ids), ours_w).sum().backward()
        torch.nn.functional.embedding(torch.from_numpy(ids), torch_w).sum().backward()
    np.testing.assert_array_equal(ours_w.grad.data, torch_w.grad.numpy())


@pytest.mark.parametrize("padding_idx", [None, 1, -2])
def test_embedding_module_matches_torch(padding_idx):
    rng = np.random.default_rng(3)
    ours = E.Embedding(6, 4, padding_idx=padding_idx)
    ref = torch.nn.Embedding(6, 4, padding_idx=padding_idx)
    assert repr(ours) == repr(ref)
    assert ours.padding_idx == ref.padding_idx
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert ours.weight.shape == tuple(ref.weight.shape) and ours.weight.dtype == np.float32
    if padding_idx is not None:  # both start the padding row at zero
        assert not ours.weight.data[ours.padding_idx].any() and not ref.weight[ref.padding_idx].any()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.data.copy()))
    ids = rng.integers(0, 6, size=(3, 5))
    out, expected = ours(Tensor(ids)), ref(torch.from_numpy(ids))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL32)
    g = rng.standard_normal(expected.shape).astype(np.float32)
    out.backward(g)
    expected.backward(torch.from_numpy(g))
    np.testing.assert_allclose(ours.weight.grad.data, ref.weight.grad.numpy(), **TOL32)
    assert set(ours.state_dict()) == set(ref.state_dict())


def test_embedding_init_is_standard_normal_like_torch():
    E.manual_seed(0)
    w = E.Embedding(500, 80).weight.data
    t = torch.nn.Embedding(500, 80).weight.detach().numpy()
    for ours_stat, torch_stat in ((w.mean(), t.mean()), (w.std(), t.std())):
        assert abs(float(ours_stat) - float(torch_stat)) < 0.02


@pytest.mark.parametrize("freeze", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_from_pretrained_matches_torch(freeze, padding_idx):
    rng = np.random.default_rng(4)
    table = rng.standard_normal((5, 3)).astype(np.float32)
    ours = E.Embedding.from_pretrained(Tensor(table), freeze=freeze, padding_idx=padding_idx)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze, padding_idx=padding_idx)
    assert ours.weight.requires_grad == ref.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.data, ref.weight.detach().numpy())  # padding row kept as given
    ids = np.array([[2, 4, 2], [0, 2, 1]])
    out, expected = ours(Tensor(ids)), ref(torch.from_numpy(ids))
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    assert out.requires_grad == expected.requires_grad
    if not freeze:
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_array_equal(ours.weight.grad.data, ref.weight.grad.numpy())


@pytest.mark.parametrize("bad", [[0, 5], [-1, 2], [[1, 2], [7, 0]]])
def test_out_of_range_ids_raise_index_error_like_torch(bad):
    w = np.zeros((5, 2), dtype=np.float32)
    with pytest.raises(IndexError):
        torch.nn.functional.embedding(torch.tensor(bad), torch.from_numpy(w))
    with pytest.raises(IndexError, match=str(np.array(bad)[(np.array(bad) < 0) | (np.array(bad) >= 5)][0])):
        E.embedding(Tensor(bad), Tensor(w))


@pytest.mark.parametrize("shape", [(6,), (2, 3), (2, 2, 2)])
@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot_matches_torch(shape, num_classes):
    ids = np.random.default_rng(len(shape)).integers(0, 5, size=shape)
    ours = E.one_hot(Tensor(ids), num_classes)
    ref = torch.nn.functional.one_hot(torch.from_numpy(ids), num_classes)
    assert ours.dtype == np.int64 and ours.shape == tuple(ref.shape)
    np.testing.assert_array_equal(ours.data, ref.numpy())


def test_namespace_names_are_torchs():
    import tinytorch.nn as nn
    import tinytorch.nn.functional as F
    assert nn.Embedding is E.Embedding and F.embedding is E.embedding and F.one_hot is E.one_hot
    for name in ("Embedding",):
        assert hasattr(torch.nn, name)
    for name in ("embedding", "one_hot"):
        assert hasattr(torch.nn.functional, name)
