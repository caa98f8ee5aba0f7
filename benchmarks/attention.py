"""Multi-head self-attention, forward and backward: batch 16, sequence 128, width 128, 4 heads; without a mask
(the issue's configuration, which the 2x target is judged on) and causal, side by side in one run: the two
frameworks take turns, six steps each, so a change in the machine's load falls on both.

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

from harness import measure, measure_in_turns, print_table, torch_or_none  # noqa: E402
from tinytorch.core.autograd import Tensor  # noqa: E402
from tinytorch.core.tensor import manual_seed  # noqa: E402
from tinytorch.text.attention import MultiheadAttention  # noqa: E402

BATCH, SEQ, WIDTH, HEADS = 16, 128, 128, 4


def tinytorch_step(causal: bool):
    manual_seed(0)
    mha = MultiheadAttention(WIDTH, HEADS, batch_first=True)
    x = Tensor(np.random.default_rng(0).standard_normal((BATCH, SEQ, WIDTH), dtype=np.float32), requires_grad=True)

    def step():
        x.grad = None
        mha.zero_grad()
        out = mha(x, x, x, need_weights=False, is_causal=causal)[0]
        out.sum().backward()
        return out

    return mha, x.data, step


def torch_step(torch, mha, x, causal: bool):
    theirs = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in mha.state_dict().items()})
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(SEQ) if causal else None

    def step():
        tx.grad = None
        theirs.zero_grad()
        out = theirs(tx, tx, tx, need_weights=False, attn_mask=mask, is_causal=causal)[0]
        out.sum().backward()
        return out

    return step


def compare(torch, causal: bool) -> tuple[list, float | None]:
    """One table row (mask, tinytorch's time, torch's, the ratio) and the ratio (None without torch)."""
    mask = "causal" if causal else "none"
    mha, x, step = tinytorch_step(causal)
    first = step().data
    if torch is None:
        return [mask, str(measure(step, warmup=3, repeats=30)), "-", "-"], None
    tstep = torch_step(torch, mha, x, causal)
    difference = float(np.abs(tstep().detach().numpy() - first).max())
    assert difference < 1e-4, f"outputs differ by {difference}"
    ours, theirs = measure_in_turns([step, tstep])
    ratio = ours.median / theirs.median
    return [mask, str(ours), str(theirs), f"{ratio:.2f}x"], ratio


def main() -> int:
    torch = torch_or_none()
    if torch is not None and "OMP_NUM_THREADS" in os.environ:
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    (plain, ratio), (causal, _) = compare(torch, False), compare(torch, True)
    threads = f" ({torch.__version__}, {torch.get_num_threads()} threads)" if torch is not None else ""
    print_table(["mask", "tinytorch (median [p10-p90])", f"torch{threads}", "ratio"], [plain, causal])
    if ratio is not None:
        print("\ntarget: at most 2x without a mask; outputs agree within 1e-4 in both")
    return 0 if ratio is None or ratio <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
