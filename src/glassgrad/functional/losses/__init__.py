"""The loss functions of F, one family per file; each loss is one fused op whose backward is derived by hand.

    multiclass.py   cross_entropy (log-softmax and NLL fused), nll_loss: logits or log-probabilities over C classes
    binary.py       binary_cross_entropy (on probabilities), binary_cross_entropy_with_logits (sigmoid fused in)
    pointwise.py    mse_loss, l1_loss, huber_loss, smooth_l1_loss, kl_div: one op on input − target, elementwise
    margin.py       margin_ranking, hinge_embedding, soft_margin, multilabel_soft_margin, cosine_embedding,
                    triplet_margin: composed from tensor ops (issue 18)
    likelihood.py   gaussian_nll_loss, poisson_nll_loss: composed from tensor ops (issue 18)
    _reduction.py   what they share: the `reduction` argument ('none', 'mean', 'sum') and its backward

The loss layers of nn (nn/loss.py) store their options and call these.
"""

from .binary import binary_cross_entropy, binary_cross_entropy_with_logits
from .multiclass import cross_entropy, nll_loss
from .pointwise import huber_loss, kl_div, l1_loss, mse_loss, smooth_l1_loss

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "kl_div",
           "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss"]

from .likelihood import gaussian_nll_loss, poisson_nll_loss  # noqa: E402
from .margin import (  # noqa: E402
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)

__all__ += ["gaussian_nll_loss", "poisson_nll_loss", "cosine_embedding_loss", "hinge_embedding_loss",
            "margin_ranking_loss", "multilabel_soft_margin_loss", "soft_margin_loss", "triplet_margin_loss"]
