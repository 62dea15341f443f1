"""A small DCGAN on MNIST digits: a ConvTranspose2d + BatchNorm2d generator against a conv discriminator.

Two Adam optimizers, BCELoss against real/fake label tensors, and `fake.detach()` so the discriminator's step does
not reach into the generator. Both networks' initial weights travel in one file: {"netG": ..., "netD": ...}.

    python dcgan.py --data-dir DIR --steps 100
"""

import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", required=True)
parser.add_argument("--train-size", type=int, default=1024)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--nz", type=int, default=16, help="size of the latent vector")
parser.add_argument("--ngf", type=int, default=16)
parser.add_argument("--ndf", type=int, default=16)
parser.add_argument("--lr", type=float, default=2e-4)
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--no-shuffle", action="store_true")
parser.add_argument("--numpy-noise", action="store_true", help="latent noise from a seeded NumPy generator")
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=999)
args = parser.parse_args()

torch.manual_seed(args.seed)
noise_rng = np.random.default_rng(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"

with gzip.open(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[: args.train_size]
dataset = TensorDataset(torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0))  # in [-1, 1], like Tanh
dataloader = DataLoader(dataset, batch_size=args.batch_size, shuffle=not args.no_shuffle, drop_last=True)


def latent(batch_size):
    if args.numpy_noise:
        z = noise_rng.standard_normal((batch_size, args.nz, 1, 1)).astype(np.float32)
        return torch.from_numpy(z).to(device)
    return torch.randn(batch_size, args.nz, 1, 1, device=device)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self, nz, ngf):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False),  # (B, ngf*2, 7, 7)
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),  # (B, ngf, 14, 14)
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),  # (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),  # (B, ndf, 14, 14)
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # (B, ndf*2, 7, 7)
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),  # (B, 1, 1, 1)
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


netG = Generator(args.nz, args.ngf).to(device)
netG.apply(weights_init)
netD = Discriminator(args.ndf).to(device)
netD.apply(weights_init)
if args.save_init:
    torch.save({"netG": netG.state_dict(), "netD": netD.state_dict()}, args.save_init)
if args.load_init:
    init = torch.load(args.load_init)
    netG.load_state_dict(init["netG"])
    netD.load_state_dict(init["netD"])

criterion = nn.BCELoss()
fixed_noise = latent(16)
real_label = 1.0
fake_label = 0.0
optimizerD = optim.Adam(netD.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=args.lr, betas=(args.beta1, 0.999))

step = 0
while step < args.steps:
    for (real,) in dataloader:
        if step >= args.steps:
            break
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real = real.to(device)
        b_size = real.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        fake = netG(latent(b_size))
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) update G: maximize log(D(G(z))), with the real label for the generator's loss
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        print(f"step {step} loss_D {errD.item():.6f}")
        print(f"step {step} loss_G {errG.item():.6f}")
        print(f"step {step} D_x {D_x:.6f}")
        step += 1

netG.eval()
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print(f"samples {tuple(fake.shape)} range [{fake.min().item():.3f}, {fake.max().item():.3f}]")
