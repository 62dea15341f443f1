"""A Vision Transformer in one file (Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words", arXiv:2010.11929).

An image is cut into non-overlapping P×P patches; each patch, flattened, is projected to a D-dimensional token
(a linear "patch embedding"). A learned class token is put in front, learned position embeddings are added,
and a stack of pre-norm transformer encoder layers mixes the tokens. The class token's final state, after a
layer norm, goes through a linear head to the class logits:

    z₀ = [x_cls; x₁ E; ...; x_N E] + E_pos                    x_i: the i-th flattened patch, E: (C·P², D)
    z_l = TransformerEncoderLayer(z_{l−1}),  l = 1..depth       (pre-norm: x + MSA(LN(x)), x + MLP(LN(x)))
    y = head(LN(z_depth[:, 0]))

The patch embedding is a reshape and a Linear: a Conv2d with kernel = stride = P computes the same thing,
since each output touches exactly one patch (a Conv2d weight (D, C, P, P) reshaped to (D, C·P²) gives this
Linear's weight).

Shape letters: B batch, C image channels, H W image height and width, P patch size, N = (H/P)·(W/P) patches,
D embedding size (dim).
"""

from __future__ import annotations

from .. import creation, nn
from ..tensor import Tensor
from ..torch_functions import cat


class PatchEmbedding(nn.Module):
    """Images (B, C, H, W) -> patch tokens (B, N, D): cut into P×P patches, flatten each, project with a Linear."""

    def __init__(self, image_size: int, patch_size: int, in_channels: int, dim: int) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(
                f"ViT: image_size ({image_size}) must be divisible by patch_size ({patch_size}) so the "
                "patches tile the image"
            )
        self.image_size = image_size
        self.patch_size = patch_size
        self.in_channels = in_channels
        self.num_patches = (image_size // patch_size) ** 2
        self.proj = nn.Linear(in_channels * patch_size * patch_size, dim)

    def forward(self, images: Tensor) -> Tensor:
        B, C, H, W = images.shape
        P = self.patch_size
        if (C, H, W) != (self.in_channels, self.image_size, self.image_size):
            raise ValueError(
                f"ViT: expected images (B, {self.in_channels}, {self.image_size}, {self.image_size}), "
                f"got {images.shape}"
            )
        x = images.reshape(B, C, H // P, P, W // P, P)  # split both axes into (patch index, pixel in patch)
        x = x.permute(0, 2, 4, 1, 3, 5)  # (B, H/P, W/P, C, P, P): patches in row-major order
        x = x.reshape(B, self.num_patches, C * P * P)  # (B, N, C·P²): one flattened patch per row
        return self.proj(x)  # (B, N, D)


class ViT(nn.Module):
    """Vision Transformer classifier.

    Args:
        image_size: H = W of the (square) input images
        patch_size: P; image_size must be divisible by it
        in_channels: C
        num_classes: the number of logits
        dim: D, the token size
        depth: the number of encoder layers
        heads: attention heads per layer (D must be divisible by it)
        mlp_dim: the hidden size of each layer's MLP
        dropout: dropout in the encoder layers and after the position embedding

    Attributes:
        patch_embed.proj: Linear(C·P², D)
        cls_token: (1, 1, D), pos_embed: (1, N + 1, D), both trunc_normal_(std=0.02) as timm (its default
            cut at ±2 is absolute, 100σ here: in effect a plain normal, a quirk kept for comparability)
        encoder: nn.TransformerEncoder of pre-norm nn.TransformerEncoderLayer's (GELU), with a final LayerNorm
        head: Linear(D, num_classes)

    Example:
        >>> import glassgrad as gg
        >>> model = ViT(image_size=28, patch_size=7, in_channels=1, num_classes=10, dim=32, depth=2, heads=4)
        >>> model(gg.randn(5, 1, 28, 28)).shape
        (5, 10)
    """

    def __init__(
        self,
        image_size: int = 28,
        patch_size: int = 7,
        in_channels: int = 1,
        num_classes: int = 10,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_dim: int = 128,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.patch_embed = PatchEmbedding(image_size, patch_size, in_channels, dim)
        num_tokens = self.patch_embed.num_patches + 1  # the patches and the class token
        self.cls_token = nn.Parameter(creation.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(creation.zeros(1, num_tokens, dim))
        self.pos_drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(dim, heads, mlp_dim, dropout, activation="gelu", batch_first=True,
                                           norm_first=True)  # fmt: skip
        # pre-norm layers leave their output unnormalised: the encoder's final norm does it (ViT eq. 4)
        self.encoder = nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(dim))
        self.head = nn.Linear(dim, num_classes)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def forward(self, images: Tensor) -> Tensor:
        x = self.patch_embed(images)  # (B, N, D)
        B = x.shape[0]
        cls = self.cls_token.expand(B, 1, x.shape[2])  # (1, 1, D) -> (B, 1, D)
        x = cat((cls, x), dim=1)  # (B, N + 1, D): the class token first
        x = self.pos_drop(x + self.pos_embed)
        x = self.encoder(x)  # (B, N + 1, D), layer-normalised
        return self.head(x[:, 0])  # the class token's state -> (B, num_classes)
