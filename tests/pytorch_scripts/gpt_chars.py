"""An ordinary PyTorch training script: a small character-level GPT on a slice of Shakespeare.
tests/test_pytorch_scripts.py runs it with torch and, with only its import lines changed, with tinytorch.
It prints the first training loss and, on its last line, the held-out loss."""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONTEXT, WIDTH, HEADS, LAYERS, BATCH, STEPS = 32, 64, 4, 2, 16, 40

torch.manual_seed(0)
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()[:40000]
chars = sorted(set(text))
data = np.array([chars.index(c) for c in text])
split = int(0.9 * len(data))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(WIDTH)
        self.attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.ln2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, WIDTH)
        self.pos = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, vocab)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1])
        mask = positions[None, :] > positions[:, None]  # True where a query would see a later key
        x = self.tok(ids) + self.pos(positions)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.ln(x))


def batch(rng, low, high):
    starts = rng.integers(low, high - CONTEXT - 1, size=BATCH)
    x = np.stack([data[s:s + CONTEXT] for s in starts])
    y = np.stack([data[s + 1:s + CONTEXT + 1] for s in starts])
    return torch.tensor(x, dtype=torch.long), torch.tensor(y, dtype=torch.long)


model = CharGPT(len(chars))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
rng = np.random.default_rng(0)
for step in range(STEPS):
    model.train()
    x, y = batch(rng, 0, split)
    loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step == 0:
        print(f"first loss {loss.item():.4f}")
    elif step % 10 == 9:
        print(f"step {step + 1}: loss {loss.item():.4f}")

model.eval()
held_out = np.random.default_rng(1)
with torch.no_grad():
    losses = []
    for _ in range(8):
        x, y = batch(held_out, split, len(data))
        losses.append(F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1)).item())
print(f"held-out loss {sum(losses) / len(losses):.4f}")
