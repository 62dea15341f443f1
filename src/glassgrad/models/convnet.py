"""ConvNet: a LeNet-style convolutional network (LeCun et al. 1998, "Gradient-based learning applied to
document recognition"), with batch normalisation (Ioffe & Szegedy 2015) as an option.

    x (B, C, H, W) ─> [Conv3×3 ─> (BatchNorm) ─> ReLU ─> MaxPool2×2] × stages ─> Flatten
                   ─> Linear ─> ReLU ─> (Dropout) ─> Linear ──> logits (B, classes)

Why it works on images: a convolution applies one small filter at every position (weights shared across
the image, so a stroke detector learnt in one corner works everywhere), and each 2×2 max pool halves the
resolution, so later filters see larger parts of the digit while small shifts barely change the result.
3×3 kernels with padding 1 keep the size until the pool (the VGG choice, Simonyan & Zisserman 2015).
With batch norm the convolutions drop their bias: the norm's β replaces it.

    from glassgrad.models import ConvNet
    model = ConvNet()                        # 1×28×28 digits: conv 32, conv 64, fc 128, 10 classes
    logits = model(images)                   # images (B, 1, 28, 28) -> logits (B, 10)
"""

from __future__ import annotations

from typing import Sequence

from .. import nn
from ..tensor import Tensor


class ConvNet(nn.Module):
    """Conv stages, then a two-layer classifier head.

    Args:
        in_channels: channels of the input images (1 for digits, 3 for colour).
        num_classes: number of outputs (logits).
        channels: output channels of each stage (Conv3×3 → [BatchNorm2d] → ReLU → MaxPool2×2).
        hidden: width of the hidden fully connected layer.
        image_size: the input height and width (square images), to size the first Linear layer.
        batch_norm: add BatchNorm2d after every convolution (then the convolutions have no bias).
        dropout: probability of zeroing each hidden unit of the head while training (0 adds no Dropout).

    Shape:
        - Input: (B, in_channels, image_size, image_size).
        - Output: (B, num_classes).

    Attributes:
        features: `nn.Sequential` of the stages; for the defaults (without batch norm) exactly the benchmark
            network Conv2d(1,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2).
        classifier: `nn.Sequential` Flatten-Linear(C·s·s, hidden)-ReLU-(Dropout)-Linear(hidden, num_classes),
            s = image_size / 2^stages. All layers keep PyTorch's default initialisation.

    Example:
        >>> import glassgrad as gg
        >>> model = ConvNet(batch_norm=True)
        >>> model(gg.randn(8, 1, 28, 28)).shape
        (8, 10)
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        channels: Sequence[int] = (32, 64),
        hidden: int = 128,
        image_size: int = 28,
        batch_norm: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"ConvNet: dropout must be in [0, 1), got {dropout}")
        size = image_size
        for _ in channels:
            if size < 2:
                raise ValueError(
                    f"ConvNet: image_size={image_size} is too small for {len(channels)} stages of 2×2 pooling; "
                    "use fewer channels entries or larger images"
                )
            size //= 2  # each MaxPool2d(2) halves (rounding down) the height and width
        self.image_size = image_size
        layers: list[nn.Module] = []
        width = in_channels
        for out in channels:
            layers.append(nn.Conv2d(width, out, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            width = out
        self.features = nn.Sequential(*layers)
        head: list[nn.Module] = [nn.Flatten(), nn.Linear(width * size * size, hidden), nn.ReLU()]
        if dropout > 0:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(hidden, num_classes))  # logits: the loss applies log-softmax
        self.classifier = nn.Sequential(*head)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[2] != self.image_size or x.shape[3] != self.image_size:
            raise ValueError(
                f"ConvNet: expected images (B, C, {self.image_size}, {self.image_size}), got input of shape "
                f"{x.shape}; build the model with image_size matching the data"
            )
        return self.classifier(self.features(x))  # (B, C, H, W) -> (B, C', H/2^k, W/2^k) -> (B, classes)
