"""Cases of the op table for the functions of issue 18 built by composition (functional/activation_composite.py,
distance.py, ...): they add no Op class, so the coverage guard has nothing new to find, but each case runs the
same checks as every other (float64 gradcheck, torch parity of values and gradients in float32 and float64,
gradgradcheck and double-backward parity), which is what verifies the derivative each docstring states.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fused_cases import F, fused
from .table import float_const

SIGNS_4 = np.array([1.0, -1.0, -1.0, 1.0])                   # ±1 targets of 4 samples
SIGNS_3x4 = np.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
LABELS_01_3x4 = (SIGNS_3x4 > 0).astype(float)              # multilabel {0, 1} targets
COUNTS_3x4 = np.array([[0.0, 1.0, 3.0, 2.0], [5.0, 0.0, 1.0, 4.0], [2.0, 2.0, 0.0, 7.0]])  # Poisson counts


def _hardsigmoid_torch(lib: Any, x: Any) -> Any:
    """torch's hardsigmoid as relu6(x + 3)/6: its kernel's backward multiplies by 1/6 rounded to float32 also in
    float64 (3e-8 relative), beyond the float64 tolerance. The module test compares with the kernel in float32."""
    return lib.nn.functional.relu6(x * 4.0 + 3.0) / 6.0


LAYER_CASES = [
    # ---- activations (functional/activation_composite.py) -------------------------------------------------------
    fused("mish", lambda m, x: F(m).mish(x * 3.0), ((3, 4),)),
    fused("selu", lambda m, x: F(m).selu(x), ((3, 4),), "nonzero"),
    # alpha = 0.5: torch's celu backward rounds 1/alpha to float32, exact only for a power of two
    fused("celu", lambda m, x: F(m).celu(x, 0.5), ((3, 4),), "nonzero"),
    fused("logsigmoid", lambda m, x: F(m).logsigmoid(x * 4.0), ((3, 4),)),
    fused("hardswish", lambda m, x: F(m).hardswish(x * 4.0), ((3, 4),), "nonzero"),
    fused("hardsigmoid", lambda m, x: F(m).hardsigmoid(x * 4.0), ((3, 4),), "nonzero",
          torch_fn=_hardsigmoid_torch),
    fused("softmin", lambda m, x: F(m).softmin(x, dim=0), ((3, 4),)),
    fused("softsign", lambda m, x: F(m).softsign(x), ((3, 4),), "nonzero"),
    fused("glu", lambda m, x: F(m).glu(x, 1), ((3, 4),)),
    fused("glu_last_dim", lambda m, x: F(m).glu(x), ((2, 3, 2),)),
    fused("prelu_per_channel", lambda m, x, w: F(m).prelu(x, w), ((2, 3, 4), (3,)), "nonzero"),
    fused("prelu_shared", lambda m, x, w: F(m).prelu(x, w), ((2, 3), (1,)), "nonzero"),
    fused("tanhshrink", lambda m, x: F(m).tanhshrink(x), ((3, 4),)),
    fused("hardshrink", lambda m, x: F(m).hardshrink(x, 0.2), ((3, 4),), "nonzero"),
    fused("softshrink", lambda m, x: F(m).softshrink(x, 0.2), ((3, 4),), "nonzero"),
    # ---- norms and distances (functional/distance.py) -----------------------------------------------------------
    fused("normalize", lambda m, x: F(m).normalize(x), ((3, 4),)),
    fused("normalize_p3_dim0", lambda m, x: F(m).normalize(x, p=3.0, dim=0), ((3, 4),), "nonzero"),
    fused("normalize_p1", lambda m, x: F(m).normalize(x, p=1.0, dim=-1), ((3, 4),), "nonzero"),
    fused("cosine_similarity", lambda m, x, y: F(m).cosine_similarity(x, y), ((3, 4), (3, 4))),
    fused("cosine_similarity_broadcast", lambda m, x, y: F(m).cosine_similarity(x, y, dim=-1),
          ((2, 3, 4), (3, 4))),
    fused("pairwise_distance", lambda m, x, y: F(m).pairwise_distance(x, y), ((3, 4), (3, 4))),
    fused("pairwise_distance_p1_keepdim", lambda m, x, y: F(m).pairwise_distance(x, y, p=1.0, keepdim=True),
          ((3, 4), (4,))),
    fused("pairwise_distance_inf", lambda m, x, y: F(m).pairwise_distance(x, y, p=float("inf")), ((3, 4), (3, 4))),
    fused("normalize_p_half", lambda m, x: F(m).normalize(x, p=0.5), ((3, 4),), "nonzero"),
    fused("pairwise_distance_p3", lambda m, x, y: F(m).pairwise_distance(x, y, p=3.0), ((3, 4), (3, 4))),
    # ---- adaptive pooling (functional/adaptive_pooling.py) --------------------------------------------------------
    fused("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 3), ((2, 2, 7),)),
    fused("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 3), ((2, 2, 7),)),
    fused("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3)), ((1, 2, 5, 4),)),
    # ---- resampling (functional/upsampling.py) ------------------------------------------------------------------
    fused("interpolate_nearest", lambda m, x: F(m).interpolate(x, scale_factor=1.5), ((1, 2, 3, 4),)),
    fused("interpolate_linear", lambda m, x: F(m).interpolate(x, size=7, mode="linear"), ((2, 2, 4),)),
    fused("interpolate_bilinear_align_corners", lambda m, x: F(m).interpolate(
        x, size=(3, 5), mode="bilinear", align_corners=True), ((1, 2, 2, 3),)),
    fused("interpolate_bilinear_downscale", lambda m, x: F(m).interpolate(x, scale_factor=0.6, mode="bilinear"),
          ((1, 1, 5, 4),)),
    fused("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), ((2, 8, 2, 3),)),
    fused("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), ((2, 4, 6),)),
    # ---- instance normalisation, bilinear -------------------------------------------------------------------------
    fused("instance_norm", lambda m, x: F(m).instance_norm(x), ((2, 3, 4),)),
    fused("instance_norm_affine", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b, eps=1e-3),
          ((2, 2, 2, 3), (2,), (2,))),
    fused("bilinear", lambda m, x1, x2, w, b: F(m).bilinear(x1, x2, w, b), ((2, 3), (2, 4), (5, 3, 4), (5,))),
    fused("bilinear_batched_no_bias", lambda m, x1, x2, w: F(m).bilinear(x1, x2, w), ((2, 2, 3), (2, 2, 2), (2, 3, 2))),
    # ---- margin, embedding and likelihood losses (functional/losses/margin.py, likelihood.py) ---------------------
    fused("margin_ranking_loss", lambda m, x, y: F(m).margin_ranking_loss(x, y, float_const(m, x, SIGNS_4), margin=0.2),
          ((4,), (4,))),
    fused("hinge_embedding_loss", lambda m, x: F(m).hinge_embedding_loss(x, float_const(m, x, SIGNS_3x4), margin=0.7),
          ((3, 4),), "nonzero"),
    fused("soft_margin_loss", lambda m, x: F(m).soft_margin_loss(x, float_const(m, x, SIGNS_3x4), reduction="sum"),
          ((3, 4),)),
    fused("multilabel_soft_margin_loss", lambda m, x, w: F(m).multilabel_soft_margin_loss(
        x, float_const(m, x, LABELS_01_3x4), weight=w), ((3, 4), (4,))),
    fused("cosine_embedding_loss", lambda m, x, y: F(m).cosine_embedding_loss(
        x, y, float_const(m, x, SIGNS_4), margin=-0.5, reduction="none"), ((4, 3), (4, 3))),
    fused("triplet_margin_loss", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, margin=1.5),
          ((4, 3), (4, 3), (4, 3))),
    fused("triplet_margin_loss_swap_p1", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, p=1, swap=True,
          margin=3.0), ((4, 3), (4, 3), (4, 3))),
    fused("gaussian_nll_loss", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v, full=True), ((3, 4), (3, 4), (3, 4)),
          ("real", "real", "positive")),
    fused("gaussian_nll_loss_per_sample_var", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v, reduction="sum"),
          ((3, 4), (3, 4), (3,)), ("real", "real", "positive")),
    fused("poisson_nll_loss", lambda m, x: F(m).poisson_nll_loss(x, float_const(m, x, COUNTS_3x4)), ((3, 4),)),
    fused("poisson_nll_loss_rates_full", lambda m, x: F(m).poisson_nll_loss(
        x, float_const(m, x, COUNTS_3x4), log_input=False, full=True), ((3, 4),), "positive"),
]
