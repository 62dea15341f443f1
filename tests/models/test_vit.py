"""models.ViT: the reshape+Linear patch embedding equals a stride-P Conv2d, a PyTorch twin built from
torch.nn.TransformerEncoder with copied weights gives the same logits and gradients, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models.vit import ViT

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
CONFIG = dict(image_size=12, patch_size=4, in_channels=2, num_classes=5, dim=16, depth=2, heads=4, mlp_dim=24)


class TorchViT(torch.nn.Module):
    """The same model in PyTorch, with the same parameter names."""

    def __init__(self, image_size, patch_size, in_channels, num_classes, dim, depth, heads, mlp_dim):
        super().__init__()
        n = (image_size // patch_size) ** 2
        self.patch_size = patch_size
        self.patch_embed = torch.nn.Module()
        self.patch_embed.proj = torch.nn.Linear(in_channels * patch_size**2, dim)
        self.cls_token = torch.nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = torch.nn.Parameter(torch.zeros(1, n + 1, dim))
        layer = torch.nn.TransformerEncoderLayer(dim, heads, mlp_dim, 0.0, activation="gelu", batch_first=True,
                                                 norm_first=True)  # fmt: skip
        self.encoder = torch.nn.TransformerEncoder(layer, depth, norm=torch.nn.LayerNorm(dim),
                                                   enable_nested_tensor=False)  # fmt: skip
        self.head = torch.nn.Linear(dim, num_classes)

    def forward(self, images):
        # patches through a Conv2d with the Linear's weight: the equivalence the glassgrad model relies on
        weight = self.patch_embed.proj.weight
        kernel = weight.reshape(weight.shape[0], -1, self.patch_size, self.patch_size)  # (D, C, P, P)
        x = torch.nn.functional.conv2d(images, kernel, self.patch_embed.proj.bias, stride=self.patch_size)
        x = x.flatten(2).transpose(1, 2)  # (B, D, H/P, W/P) -> (B, N, D)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1) + self.pos_embed
        return self.head(self.encoder(x)[:, 0])


def test_parity_with_torch_twin():
    torch.manual_seed(0)
    theirs = TorchViT(**CONFIG).double()
    with torch.no_grad():
        theirs.cls_token.normal_()
        theirs.pos_embed.normal_()
    ours = ViT(**CONFIG).double()
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    images = RNG.standard_normal((3, 2, 12, 12))
    xt = torch.tensor(images, requires_grad=True)
    xg = gg.tensor(images, requires_grad=True)
    out_t, out = theirs(xt), ours(xg)
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), atol=1e-10)
    upstream = RNG.standard_normal(out_t.shape)
    (out_t * torch.tensor(upstream)).sum().backward()
    (out * gg.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    grads_t = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name], atol=1e-10, err_msg=name)


def test_shapes_init_and_training_mode():
    gg.manual_seed(0)
    model = ViT(**CONFIG)
    assert model.patch_embed.num_patches == 9
    assert model.pos_embed.shape == (1, 10, 16) and model.cls_token.shape == (1, 1, 16)
    assert 0.005 < model.pos_embed.detach().numpy().std() < 0.04  # trunc_normal_(std=0.02), as timm
    assert model(gg.randn(4, 2, 12, 12)).shape == (4, 5)
    assert len(model.encoder.layers) == 2 and model.encoder.layers[0].norm_first


def test_a_few_steps_reduce_the_loss():
    gg.manual_seed(0)
    model = ViT(**CONFIG)
    optimizer = gg.optim.AdamW(model.parameters(), lr=3e-3)
    images = gg.randn(16, 2, 12, 12)
    labels = gg.tensor(RNG.integers(0, 5, 16))
    losses = []
    for _ in range(15):
        loss = gg.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_bad_input():
    with pytest.raises(ValueError, match=r"image_size \(28\) must be divisible by patch_size \(5\)"):
        ViT(image_size=28, patch_size=5)
    with pytest.raises(ValueError, match=r"embed_dim \(30\) must be divisible by num_heads \(4\)"):
        ViT(dim=30, heads=4)
    model = ViT(**CONFIG)
    with pytest.raises(ValueError, match=r"expected images \(B, 2, 12, 12\), got \(1, 1, 12, 12\)"):
        model(gg.randn(1, 1, 12, 12))
