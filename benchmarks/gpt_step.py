"""One GPT training step (forward, cross-entropy, backward, AdamW update): 2 pre-norm blocks, width 128,
4 heads, context 64, batch 32, 65 characters; tinytorch against the same model in torch with copied weights.

Target: at most 2x PyTorch's time on the same machine, same weights, same data.
Run: .venv/bin/python benchmarks/gpt_step.py
"""
from __future__ import annotations

import sys

import numpy as np

from harness import compare_steps
from tinytorch.core.autograd import Tensor
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optim import AdamW
from tinytorch.core.tensor import manual_seed
from tinytorch.text.transformer import GPT

VOCAB, CONTEXT, WIDTH, HEADS, LAYERS, BATCH = 65, 64, 128, 4, 2, 32


def batch():
    rng = np.random.default_rng(0)
    return rng.integers(0, VOCAB, (BATCH, CONTEXT)), rng.integers(0, VOCAB, (BATCH, CONTEXT))


def tinytorch_step(x, y):
    manual_seed(0)
    model = GPT(VOCAB, CONTEXT, WIDTH, HEADS, LAYERS)
    optimizer = AdamW(model.parameters(), lr=1e-3)
    tx, ty = Tensor(x), y.reshape(-1)

    def step():
        optimizer.zero_grad()
        loss = cross_entropy(model(tx).reshape(-1, VOCAB), ty)
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def torch_model(torch, model):
    """The same architecture from torch.nn parts, with model's weights copied in."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
            self.attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
            self.ffn = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

        def forward(self, x, mask):
            h = self.ln1(x)
            x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
            return x + self.ffn(self.ln2(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok_emb, self.pos_emb = nn.Embedding(VOCAB, WIDTH), nn.Embedding(CONTEXT, WIDTH)
            self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
            self.ln_f, self.head = nn.LayerNorm(WIDTH), nn.Linear(WIDTH, VOCAB, bias=False)
            self.register_buffer("mask", torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), 1))

        def forward(self, ids):
            x = self.tok_emb(ids) + self.pos_emb.weight[: ids.shape[1]]
            for block in self.blocks:
                x = block(x, self.mask)
            return self.head(self.ln_f(x))

    net = Net()
    theirs = dict(net.named_parameters())
    with torch.no_grad():
        for name, p in model.named_parameters():
            theirs[name.replace("ffn.fc1.", "ffn.0.").replace("ffn.fc2.", "ffn.2.")].copy_(torch.from_numpy(p.data.copy()))
    return net


def torch_step(torch, model, x, y):
    net = torch_model(torch, model)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y.reshape(-1))

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(tx).reshape(-1, VOCAB), ty)
        loss.backward()
        optimizer.step()
        return loss

    return step


def main() -> int:
    return compare_steps(batch, tinytorch_step, torch_step, BATCH * CONTEXT, "tokens", 2.0, warmup=2,
                         repeats=15)


if __name__ == "__main__":
    sys.exit(main())
