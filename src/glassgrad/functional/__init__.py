"""`glassgrad.nn.functional` (F): composite and fused differentiable functions with PyTorch's signatures."""

from . import recurrent_fused  # noqa: F401 - registers the fused recurrent layers at the seam
from .activation import (
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
    threshold,
)
from .attention import scaled_dot_product_attention
from .channel_dropout import dropout1d, dropout2d
from .conv import conv1d, conv2d
from .conv_transpose import conv_transpose1d, conv_transpose2d
from .dropout import dropout
from .embedding import embedding
from .encoding import one_hot
from .linear import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, group_norm, layer_norm, rms_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .recurrent import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell

__all__ = ["layer_norm", "rms_norm", "scaled_dot_product_attention", "dropout", "linear", "embedding",
           "lstm", "lstm_cell", "gru", "gru_cell", "rnn_tanh", "rnn_tanh_cell", "rnn_relu", "rnn_relu_cell"]
__all__ += ["conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
            "batch_norm", "group_norm"]
__all__ += ["relu", "relu6", "leaky_relu", "gelu", "silu", "softplus", "elu", "hardtanh", "sigmoid", "tanh",
            "threshold", "softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss",
            "smooth_l1_loss", "kl_div", "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot"]
__all__ += ["pad", "dropout1d", "dropout2d", "conv_transpose1d", "conv_transpose2d"]

# ---- issue 18: more of torch.nn.functional (activations, distances) ------------------------------------------
from .activation_composite import (  # noqa: E402
    celu,
    celu_,
    elu_,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh_,
    leaky_relu_,
    logsigmoid,
    mish,
    prelu,
    relu_,
    selu,
    selu_,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold_,
)
from .distance import cosine_similarity, normalize, pairwise_distance  # noqa: E402

__all__ += ["mish", "selu", "selu_", "celu", "celu_", "logsigmoid", "hardswish", "hardsigmoid", "softmin", "softsign",
            "glu", "prelu", "tanhshrink", "hardshrink", "softshrink", "relu_", "elu_", "leaky_relu_", "hardtanh_",
            "threshold_", "normalize", "cosine_similarity", "pairwise_distance"]

# ---- issue 18: adaptive pooling and the *_with_indices names --------------------------------------------------
from .adaptive_pooling import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
)

__all__ += ["adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices", "max_pool1d_with_indices", "max_pool2d_with_indices"]

# ---- issue 18: resampling ---------------------------------------------------------------------------------------
from .upsampling import interpolate, pixel_shuffle, pixel_unshuffle, upsample  # noqa: E402

__all__ += ["interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"]

# ---- issue 18: instance normalisation ---------------------------------------------------------------------------
from .instance_norm import instance_norm  # noqa: E402

__all__ += ["instance_norm"]
from .linear import bilinear  # noqa: E402

__all__ += ["bilinear"]

# ---- issue 18: more losses ----------------------------------------------------------------------------------------
from .losses import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += ["gaussian_nll_loss", "poisson_nll_loss", "cosine_embedding_loss", "hinge_embedding_loss",
            "margin_ranking_loss", "multilabel_soft_margin_loss", "soft_margin_loss", "triplet_margin_loss"]
from .sampling import gumbel_softmax  # noqa: E402

__all__ += ["gumbel_softmax"]
