"""Multi-head self-attention, forward and backward: batch 16, sequence 128, width 128, 4 heads, causal.

Target: at most 2x PyTorch's time on the same machine, same weights, same data.
Run: .venv/bin/python benchmarks/attention.py [--threads N]

--threads N sets the BLAS threads of both frameworks (before NumPy is imported). On a machine shared with other
jobs, OpenBLAS's threads wait for each other in every one of the 64 small products per step, so its default
(one thread per core) can be many times slower than one thread; torch's own pool suffers far less.
"""
from __future__ import annotations

import os
import sys

if "--threads" in sys.argv:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _threads

import numpy as np  # noqa: E402

from harness import measure, print_table, torch_or_none  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402
from tinytorch.core.tensor import manual_seed  # noqa: E402
from tinytorch.text.attention import MultiheadAttention  # noqa: E402

BATCH, SEQ, WIDTH, HEADS = 16, 128, 128, 4


def tinytorch_step():
    manual_seed(0)
    mha = MultiheadAttention(WIDTH, HEADS, batch_first=True)
    x = Tensor(np.random.default_rng(0).standard_normal((BATCH, SEQ, WIDTH), dtype=np.float32), requires_grad=True)

    def step():
        x.grad = None
        mha.zero_grad()
        out = mha(x, x, x, need_weights=False, is_causal=True)[0]
        out.sum().backward()
        return out

    return mha, x.data, step


def torch_step(torch, mha, x):
    theirs = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in mha.state_dict().items()})
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(SEQ)

    def step():
        tx.grad = None
        theirs.zero_grad()
        out = theirs(tx, tx, tx, need_weights=False, attn_mask=mask, is_causal=True)[0]
        out.sum().backward()
        return out

    return step


def main() -> int:
    torch = torch_or_none()
    mha, x, step = tinytorch_step()
    first = step().data
    ours = measure(step, warmup=3, repeats=20)
    rows = [["tinytorch", str(ours)]]
    ratio = None
    if torch is not None:
        if "OMP_NUM_THREADS" in os.environ:
            torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        tstep = torch_step(torch, mha, x)
        difference = float(np.abs(tstep().detach().numpy() - first).max())
        assert difference < 1e-4, f"outputs differ by {difference}"
        theirs = measure(tstep, warmup=3, repeats=20)
        rows.append([f"torch {torch.__version__} ({torch.get_num_threads()} threads)", str(theirs)])
        ratio = ours.median / theirs.median
    print_table(["framework", "forward + backward (median [p10-p90])"], rows)
    if ratio is not None:
        print(f"\ntinytorch / torch = {ratio:.2f}x (target: at most 2x); outputs agree within {difference:.1e}")
    return 0 if ratio is None or ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
