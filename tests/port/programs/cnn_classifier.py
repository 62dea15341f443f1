"""A small CNN classifying MNIST digits: Adadelta with StepLR, a shuffled DataLoader, nll_loss on log_softmax.

The MNIST test set's IDX files are read with gzip and NumPy; the first images train, the last ones test.

    python cnn_classifier.py --data-dir DIR --epochs 2
"""

import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", required=True, help="folder with t10k-images-idx3-ubyte.gz and t10k-labels-...")
parser.add_argument("--train-size", type=int, default=1024)
parser.add_argument("--test-size", type=int, default=512)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--test-batch-size", type=int, default=256)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--steps", type=int, default=None, help="stop after this many steps in all")
parser.add_argument("--lr", type=float, default=1.0)
parser.add_argument("--gamma", type=float, default=0.7)
parser.add_argument("--dropout", type=float, default=0.25)
parser.add_argument("--no-shuffle", action="store_true")
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--save-model", default=None, help="write the trained state_dict here")
args = parser.parse_args()

torch.manual_seed(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"


def read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


images = read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"), 16).reshape(-1, 1, 28, 28)
labels = read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz"), 8).astype(np.int64)
x = torch.from_numpy(images.astype(np.float32) / 255.0)
x = (x - 0.1307) / 0.3081  # MNIST's mean and standard deviation
y = torch.from_numpy(labels)
train_set = TensorDataset(x[: args.train_size], y[: args.train_size])
test_set = TensorDataset(x[-args.test_size :], y[-args.test_size :])
loader_kwargs = {"num_workers": 1, "pin_memory": True} if device == "cuda" else {}
train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=not args.no_shuffle, **loader_kwargs)
test_loader = DataLoader(test_set, batch_size=args.test_batch_size, **loader_kwargs)


class Net(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(2 * dropout)
        self.fc1 = nn.Linear(16 * 12 * 12, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))  # (B, 8, 26, 26)
        x = F.relu(self.conv2(x))  # (B, 16, 24, 24)
        x = F.max_pool2d(x, 2)  # (B, 16, 12, 12)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def test(model, loader):
    model.eval()
    test_loss = 0.0
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    n = len(loader.dataset)
    print(f"test loss {test_loss / n:.6f} accuracy {correct}/{n} ({100.0 * correct / n:.1f}%)")


model = Net(args.dropout)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model = model.to(device)
optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)

step = 0
for epoch in range(1, args.epochs + 1):
    model.train()
    for data, target in train_loader:
        if args.steps is not None and step >= args.steps:
            break
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
        step += 1
    scheduler.step()
    print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.6f}")
test(model, test_loader)
if args.save_model:
    torch.save(model.state_dict(), args.save_model)
