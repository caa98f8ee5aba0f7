"""Module 08 beyond its graded cells: checkpoints on real files (resume, atomic writes, bad files), PNG output,
the progress bar through the trainer, the vanishing-gradient study over many seeds, and gradient norms vs PyTorch."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tinytorch.core import training as tt
from tinytorch.core.autograd import Tensor
from tinytorch.core.data import DataLoader, TensorDataset
from tinytorch.core.layers import Linear, ReLU, Sequential, manual_seed
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optim import SGD, Adam, CosineAnnealingLR

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def blobs(n: int, seed: int, classes: int = 3, features: int = 4) -> TensorDataset:
    """Gaussian clouds around one centre per class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centres = rng.standard_normal((classes, features)) * 2
    x = (centres[y] + rng.standard_normal((n, features))).astype(np.float32)
    return TensorDataset(Tensor(x), Tensor(y))


def make_run(seed: int = 0):
    manual_seed(seed)
    model = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))
    optimizer = Adam(model.parameters(), lr=0.01)
    scheduler = CosineAnnealingLR(optimizer, T_max=6)
    return model, optimizer, scheduler


def loaders():
    return (DataLoader(blobs(60, 1), batch_size=16), DataLoader(blobs(30, 2), batch_size=16))


def test_resume_from_checkpoint_matches_an_uninterrupted_run(tmp_path):
    """fit 2 epochs, save, rebuild everything from the file, fit 3 more == fit 5 epochs in one go."""
    model, optimizer, scheduler = make_run()
    train, val = loaders()
    tt.Trainer(model, optimizer, CrossEntropyLoss(), scheduler=scheduler, progress=False).fit(train, val, epochs=5)

    first, opt1, sched1 = make_run()
    history = tt.Trainer(first, opt1, CrossEntropyLoss(), scheduler=sched1, progress=False).fit(train, val, epochs=2)
    path = tmp_path / "run.npz"
    tt.save_checkpoint(path, first, opt1, epoch=2, history=history, scheduler=sched1)

    second, opt2, sched2 = make_run(seed=99)  # different weights, fresh optimizer state and schedule
    info = tt.load_checkpoint(path, second, opt2, sched2)
    assert info["epoch"] == 2 and info["history"].to_dict() == history.to_dict()
    assert sched2.last_epoch == 2 and opt2.param_groups[0]["lr"] == opt1.param_groups[0]["lr"]
    tt.Trainer(second, opt2, CrossEntropyLoss(), scheduler=sched2, progress=False).fit(train, val, epochs=3)
    for (name, want), got in zip(model.state_dict().items(), second.state_dict().values()):
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_checkpoint_is_plain_npz_with_json_metadata(tmp_path):
    model, optimizer, scheduler = make_run()
    train, _ = loaders()
    tt.Trainer(model, optimizer, CrossEntropyLoss(), progress=False).train_epoch(train)
    path = tt.save_checkpoint(tmp_path / "c.npz", model, optimizer, epoch=1, scheduler=scheduler)
    with np.load(path, allow_pickle=False) as archive:  # every member loads without pickle
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays.pop("meta")))
    assert meta["format"] == tt.CHECKPOINT_FORMAT and meta["epoch"] == 1 and meta["optimizer_class"] == "Adam"
    assert meta["model"] == list(model.state_dict())
    assert {f"model/{k}" for k in model.state_dict()} <= set(arrays)
    assert any(k.startswith("optim/state/") and k.endswith("exp_avg_sq") for k in arrays)
    assert all(a.dtype != object for a in arrays.values())


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model, optimizer, _ = make_run()
    path = tmp_path / "best.npz"
    tt.save_checkpoint(path, model, optimizer, epoch=1)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")  # the crash happens mid-write
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        tt.save_checkpoint(path, model, optimizer, epoch=2)
    monkeypatch.undo()
    assert path.read_bytes() == before, "the old checkpoint must survive a failed save"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz"], "the temporary file must be removed"
    assert tt.load_checkpoint(path, model, optimizer)["epoch"] == 1


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"\x93NUMPY not really"])
def test_unreadable_checkpoints_name_the_path(tmp_path, content):
    model, _, _ = make_run()
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.npz"):
        tt.load_checkpoint(path, model)


def test_npz_without_metadata_or_with_other_format(tmp_path):
    model, _, _ = make_run()
    plain = tmp_path / "plain.npz"
    np.savez(plain, **{f"model/{k}": v for k, v in model.state_dict().items()})
    with pytest.raises(ValueError, match="plain.npz"):
        tt.load_checkpoint(plain, model)
    other = tmp_path / "other.npz"
    np.savez(other, meta=np.array(json.dumps({"format": "something-else"})))
    with pytest.raises(ValueError, match="something-else"):
        tt.load_checkpoint(other, model)


def test_shape_mismatch_changes_nothing(tmp_path):
    model, _, _ = make_run()
    path = tt.save_checkpoint(tmp_path / "m.npz", model)
    manual_seed(1)
    other = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    before = {k: v.copy() for k, v in other.state_dict().items()}
    with pytest.raises(Exception, match="0.weight"):
        tt.load_checkpoint(path, other)
    assert all(np.array_equal(before[k], v) for k, v in other.state_dict().items())


def test_history_with_nan_round_trips_through_a_checkpoint(tmp_path):
    model, _, _ = make_run()
    h = tt.History()
    h.append(val_loss=math.nan, train_loss=1.0)
    h.append(val_loss=0.5, train_loss=0.8)
    tt.save_checkpoint(tmp_path / "h.npz", model, history=h)
    back = tt.load_checkpoint(tmp_path / "h.npz", model)["history"]
    assert math.isnan(back["val_loss"][0]) and back["val_loss"][1] == 0.5 and back.best("val_loss") == (1, 0.5)


def test_plot_history_writes_a_png(tmp_path):
    h = tt.History()
    for e in range(4):
        h.append(train_loss=1 / (e + 1), val_loss=1.2 / (e + 1), train_accuracy=0.5 + e / 10, val_accuracy=0.4 + e / 10)
    out = tt.plot_history(h, tmp_path / "curves.png")
    assert out == tmp_path / "curves.png" and out.read_bytes()[:8] == PNG_SIGNATURE
    train_only = tt.History()
    train_only.append(train_loss=1.0, train_accuracy=0.5)
    assert tt.plot_history(train_only, str(tmp_path / "t.png")).read_bytes()[:8] == PNG_SIGNATURE


def test_plot_gradient_norms_writes_a_png(tmp_path):
    out = tt.plot_gradient_norms({"sigmoid": [1e-6, 1e-3, 0.1], "relu": [0.5, 0.6, 0.4]}, tmp_path / "g.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_plotting_leaves_the_pyplot_backend_alone(tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    tt.plot_gradient_norms({"relu": [1.0, 2.0]}, tmp_path / "g.png")
    assert matplotlib.get_backend() == before


def test_trainer_progress_bar_on_stderr(capsys):
    model, optimizer, _ = make_run()
    train, val = loaders()
    tt.Trainer(model, optimizer, CrossEntropyLoss()).fit(train, val, epochs=2)
    err = capsys.readouterr().err
    lines = err.split("\n")
    assert len(lines) == 3 and lines[-1] == "", "one line per epoch"
    for epoch, line in enumerate(lines[:2], start=1):
        last = line.split("\r")[-1]
        assert last.startswith(f"epoch {epoch}/2 [{'=' * 30}] {len(train)}/{len(train)} loss ")
        assert "val_loss" in last and "val_accuracy" in last
    tt.Trainer(model, optimizer, CrossEntropyLoss(), progress=False).fit(train, val, epochs=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("seed", range(10))
def test_vanishing_gradient_claim_holds_for_many_seeds(seed):
    study = tt.vanishing_gradient_study(depth=10, seed=seed)
    sig, relu = study["sigmoid"], study["relu"]
    assert sig[-1] >= 100 * sig[0], f"seed {seed}: sigmoid ratio {sig[-1] / sig[0]:.3g}"
    assert 0.1 <= relu[-1] / relu[0] <= 10, f"seed {seed}: relu ratio {relu[-1] / relu[0]:.3g}"
    # the margin is wide: orders of magnitude for sigmoid, a factor of about 3 at most for ReLU
    assert sig[-1] >= 1e4 * sig[0] and 1 / 3 <= relu[-1] / relu[0] <= 3


def test_sigmoid_gradient_shrinks_by_at_least_4_per_layer_on_average():
    sig = np.array(tt.vanishing_gradient_study(depth=10, seed=0)["sigmoid"])
    # nine sigmoid layers between the first and the last weight: each multiplies by at most about 1/4
    assert (sig[-1] / sig[0]) ** (1 / 9) >= 3.0


def test_layer_gradient_norms_match_torch():
    torch = pytest.importorskip("torch")
    manual_seed(5)
    ours = tt.deep_mlp("sigmoid", depth=5, width=12, in_features=7, out_features=4)
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((9, 7)).astype(np.float32), rng.integers(0, 4, 9)
    layers = []
    for m in ours:
        if isinstance(m, Linear):
            lin = torch.nn.Linear(m.weight.shape[1], m.weight.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(m.weight.data.copy()))
                lin.bias.copy_(torch.from_numpy(m.bias.data.copy()))
            layers.append(lin)
        else:
            layers.append(torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers)
    torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    want = [float(m.weight.grad.norm()) for m in layers if isinstance(m, torch.nn.Linear)]
    got = tt.layer_gradient_norms(ours, Tensor(x), Tensor(y), CrossEntropyLoss())
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_training_loop_matches_torch():
    """Three epochs of Trainer with SGD momentum and clipping give PyTorch's weights and epoch losses."""
    torch = pytest.importorskip("torch")
    manual_seed(7)
    ours = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        for mine, lin in ((ours[0], theirs[0]), (ours[2], theirs[2])):
            lin.weight.copy_(torch.from_numpy(mine.weight.data.copy()))
            lin.bias.copy_(torch.from_numpy(mine.bias.data.copy()))
    train = DataLoader(blobs(50, 3), batch_size=8)
    trainer = tt.Trainer(ours, SGD(ours.parameters(), lr=0.05, momentum=0.9), CrossEntropyLoss(),
                         clip_grad_norm=1.0, progress=False)
    history = trainer.fit(train, epochs=3)
    opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(3):
        total, count = 0.0, 0
        for xb, yb in train:
            tx, ty = torch.from_numpy(xb.data), torch.from_numpy(yb.data)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(theirs(tx), ty)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(ty)
            count += len(ty)
        assert abs(history["train_loss"][epoch] - total / count) < 1e-5
    for mine, lin in ((ours[0], theirs[0]), (ours[2], theirs[2])):
        np.testing.assert_allclose(mine.weight.data, lin.weight.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(mine.bias.data, lin.bias.detach().numpy(), atol=1e-5)
