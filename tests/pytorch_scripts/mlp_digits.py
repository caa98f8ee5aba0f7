"""An ordinary PyTorch training script: an MLP on the 8x8 digits. tests/test_pytorch_scripts.py runs it with
torch and, with only its import lines changed, with tinytorch. It prints the test accuracy on its last line."""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
with np.load(sys.argv[1]) as archive:
    images, labels = archive["images"], archive["labels"]
order = np.random.default_rng(0).permutation(len(labels))
train, test = order[:1400], order[1400:]

x = torch.tensor(images.reshape(len(labels), -1), dtype=torch.float32) / 16.0
y = torch.tensor(labels, dtype=torch.long)
loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=32, shuffle=True)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, inputs):
        return self.out(F.relu(self.hidden(inputs)))


model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(20):
    model.train()
    total = 0.0
    for batch_x, batch_y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch_y)
    scheduler.step()
    print(f"epoch {epoch + 1}: loss {total / len(train):.4f}")

model.eval()
with torch.no_grad():
    predictions = model(x[test]).argmax(dim=1)
    accuracy = (predictions == y[test]).float().mean().item()
print(f"test accuracy {accuracy:.4f}")
