"""An ordinary PyTorch training script: a small CNN on the 8x8 digits. tests/test_pytorch_scripts.py runs it with
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

x = torch.tensor(images.reshape(len(labels), 1, 8, 8), dtype=torch.float32) / 16.0
y = torch.tensor(labels, dtype=torch.long)
loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=64, shuffle=True)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.out = nn.Linear(32 * 2 * 2, 10)

    def forward(self, inputs):
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(inputs))), 2)
        h = self.pool(F.relu(self.conv2(h)))
        return self.out(h.flatten(1))


model = CNN()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(6):
    model.train()
    total = 0.0
    for batch_x, batch_y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch_y)
    print(f"epoch {epoch + 1}: loss {total / len(train):.4f}")

model.eval()
with torch.no_grad():
    predictions = model(x[test]).argmax(dim=1)
    accuracy = (predictions == y[test]).float().mean().item()
print(f"test accuracy {accuracy:.4f}")
