"""A variational autoencoder on MNIST digits: encoder to (mu, logvar), reparameterisation, BCE + KL loss.

    python vae.py --data-dir DIR --epochs 2

Comparison mode (`--numpy-noise`) draws the reparameterisation noise from a seeded NumPy generator instead of
`torch.randn_like`, so two frameworks see the same noise.
"""

import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", required=True)
parser.add_argument("--train-size", type=int, default=1024)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--steps", type=int, default=None)
parser.add_argument("--hidden", type=int, default=128)
parser.add_argument("--latent", type=int, default=8)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--no-shuffle", action="store_true")
parser.add_argument("--numpy-noise", action="store_true")
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

torch.manual_seed(args.seed)
noise_rng = np.random.default_rng(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"

with gzip.open(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)[: args.train_size]
train_set = TensorDataset(torch.from_numpy(images.astype(np.float32) / 255.0))
train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=not args.no_shuffle)


def randn_like(t):
    if args.numpy_noise:
        return torch.from_numpy(noise_rng.standard_normal(tuple(t.shape)).astype(np.float32)).to(t.device)
    return torch.randn_like(t)


class VAE(nn.Module):
    def __init__(self, hidden, latent):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, latent)  # mu
        self.fc22 = nn.Linear(hidden, latent)  # log variance
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    # KL(N(mu, sigma) || N(0, 1)) = -0.5 * sum(1 + log sigma^2 - mu^2 - sigma^2), Kingma & Welling appendix B
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE(args.hidden, args.latent)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model = model.to(device)
optimizer = optim.Adam(model.parameters(), lr=args.lr)

step = 0
for epoch in range(1, args.epochs + 1):
    model.train()
    train_loss = 0.0
    for (data,) in train_loader:
        if args.steps is not None and step >= args.steps:
            break
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        print(f"step {step} loss {loss.item() / len(data):.6f}")
        step += 1
    print(f"epoch {epoch} average loss {train_loss / len(train_loader.dataset):.4f}")

model.eval()
with torch.no_grad():
    sample = model.decode(randn_like(torch.zeros(16, args.latent, device=device)))
    print(f"sample mean {sample.mean().item():.4f} shape {tuple(sample.view(16, 1, 28, 28).shape)}")
