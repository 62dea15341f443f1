"""`torch.nn.modules.activation` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..activation import (  # noqa: F401
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    Threshold,
)
from ..attention import MultiheadAttention  # noqa: F401 - PyTorch keeps it in activation.py too

# ---- issue 18 -------------------------------------------------------------------------------------------------
# isort: split
from ..activation import (  # noqa: F401, E402
    CELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Mish,
    PReLU,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
)
