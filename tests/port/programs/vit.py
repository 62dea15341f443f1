"""A small Vision Transformer on MNIST digits: Conv2d patches, a class token, learned positions, pre-norm encoder.

AdamW with a cosine schedule (CosineAnnealingLR), label smoothing, accuracy under `torch.inference_mode()`.

    python vit.py --data-dir DIR --epochs 2
"""

import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", required=True)
parser.add_argument("--train-size", type=int, default=1024)
parser.add_argument("--test-size", type=int, default=256)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--patch", type=int, default=7)
parser.add_argument("--dim", type=int, default=32)
parser.add_argument("--depth", type=int, default=2)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--mlp-ratio", type=int, default=2)
parser.add_argument("--dropout", type=float, default=0.1)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--weight-decay", type=float, default=0.05)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--steps", type=int, default=None)
parser.add_argument("--no-shuffle", action="store_true")
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

torch.manual_seed(args.seed)
torch.set_float32_matmul_precision("high")
device = "cuda" if torch.cuda.is_available() else "cpu"


def load_mnist(data_dir):
    with gzip.open(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return torch.tensor(images, dtype=torch.float32) / 255.0, torch.tensor(labels, dtype=torch.long)


images, labels = load_mnist(args.data_dir)
train_set = TensorDataset(images[: args.train_size], labels[: args.train_size])
test_set = TensorDataset(images[-args.test_size :], labels[-args.test_size :])
train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=not args.no_shuffle)
test_loader = DataLoader(test_set, batch_size=args.batch_size)


class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)  # (B, C, H/P, W/P)
        return x.flatten(2).transpose(1, 2)  # (B, N, C)


class ViT(nn.Module):
    def __init__(self, img_size=28, patch_size=7, num_classes=10, dim=32, depth=2, heads=4, mlp_ratio=2, dropout=0.0):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch_size, 1, dim)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, dim))
        self.pos_drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim * mlp_ratio, dropout, activation="gelu", batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, x):
        x = self.patch_embed(x)  # (B, N, C)
        cls = self.cls_token.expand(x.shape[0], -1, -1)  # (B, 1, C)
        x = torch.cat((cls, x), dim=1) + self.pos_embed  # (B, N + 1, C)
        x = self.encoder(self.pos_drop(x))
        return self.head(self.norm(x[:, 0]))  # classify from the class token


model = ViT(28, args.patch, 10, args.dim, args.depth, args.heads, args.mlp_ratio, args.dropout)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model.to(device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
total_steps = args.steps or args.epochs * len(train_loader)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)

step = 0
for _epoch in range(args.epochs):
    model.train()
    for x, y in train_loader:
        if step >= total_steps:
            break
        x, y = x.to(device), y.to(device)
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        print(f"step {step} loss {loss.item():.6f}")
        step += 1

model.eval()
correct = 0
with torch.inference_mode():
    for x, y in test_loader:
        correct += (model(x.to(device)).argmax(-1) == y.to(device)).sum().item()
print(f"test accuracy {correct / len(test_set):.4f}")
