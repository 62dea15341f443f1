"""Every fused float32 kernel against the same math in float64 NumPy, forward and backward.

gradcheck runs in float64, which never takes the kernels (they serve float32 only), and test_fused_paths.py
compares them with the float32 NumPy path, which has round-off of its own. Here the reference is the kernel's
formula evaluated in float64 on the same float32 inputs, so what remains is the kernel's own round-off, and
each test bounds it from the operations involved:

    U = 2⁻²⁴, float32's unit round-off: one correctly rounded operation errs by at most U relative.
    A sum of n terms in float32 errs by at most about n·U·Σ|terms| (Higham, "Accuracy and Stability of
    Numerical Algorithms", §4.2; reordering under fastmath keeps that bound).
    exp32 and tanh32 (kernels/fastmath.py) err by at most 3U relative (test_fastmath_helpers measures it).

A bound is an upper limit on the error, not a tolerance fitted to what a run gave: each test fails only if the
kernel is off by more than its operations can explain (a wrong index or formula errs by O(1)).
NaN and inf inputs are pinned where the op defines the result and the kernel promises it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassgrad.kernels import _numba

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")

U = 2.0**-24
# An absolute floor under every bound: exp32 clamps its argument at -87.3 (e^-87.3 ≈ 1.2e-38, where float32's
# subnormals start) instead of underflowing to 0, so results in the far tails (GELU at x < -13, say) are off by up
# to |x|·1.2e-38 absolute, around 1e-37.
TINY = 1e-36


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def f32(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return (rng(seed).standard_normal(shape) * scale).astype(np.float32)


def assert_within(name: str, actual: np.ndarray, expected: np.ndarray, bound) -> None:
    """|actual − expected| ≤ bound elementwise; NaN and ±inf must match exactly where expected has them."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    special = ~np.isfinite(expected)
    np.testing.assert_array_equal(actual[special], expected[special], err_msg=f"{name}: NaN/inf differ")
    error = np.abs(actual[~special] - expected[~special])
    limit = np.broadcast_to(np.asarray(bound, dtype=np.float64), expected.shape)[~special] + TINY
    worst = float(np.max(error / limit)) if error.size else 0.0
    assert worst <= 1.0, f"{name}: error reaches {worst:.2f} times its bound"


# ---- fastmath: the exp and tanh every other bound builds on --------------------------------------------------
def test_fastmath_helpers():
    import numba

    from glassgrad.kernels.fastmath import exp32, tanh32

    @numba.njit(fastmath=True, cache=True)
    def evaluate(x, exp_out, tanh_out):  # pragma: no cover - compiled
        for i in range(x.shape[0]):
            exp_out[i] = exp32(x[i])
            tanh_out[i] = tanh32(x[i])

    x = np.concatenate([np.linspace(-87, 88, 100_001), np.linspace(-1, 1, 10_001)]).astype(np.float32)
    exp_out, tanh_out = np.empty_like(x), np.empty_like(x)
    evaluate(x, exp_out, tanh_out)
    x64 = x.astype(np.float64)
    assert_within("exp32", exp_out, np.exp(x64), 3 * U * np.exp(x64))
    assert_within("tanh32", tanh_out, np.tanh(x64), 3 * U * np.abs(np.tanh(x64)))
    # Saturation: e^x stops at e^-87.3 below (not 0) and overflows to inf above; tanh is ±1 exactly.
    evaluate(np.array([-1e30, 1e30, -np.inf, np.inf], np.float32), exp_out[:4], tanh_out[:4])
    assert 0 < exp_out[0] < 1.3e-38 and exp_out[2] == exp_out[0]
    assert exp_out[1] == exp_out[3] == np.inf
    assert tanh_out[:4].tolist() == [-1.0, 1.0, -1.0, 1.0]


# ---- relu: selects only, so exact ------------------------------------------------------------------------------
def test_relu_is_exact_including_inf_and_nan_forward():
    from glassgrad.kernels import relu

    x = np.concatenate([f32(999), [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(np.float32)
    y = relu.relu_forward(x)
    expected = np.where(np.isnan(x), np.nan, np.maximum(x.astype(np.float64), 0))  # NaN stays NaN, as NumPy
    assert_within("relu forward", y, expected, 0.0)
    finite = np.isfinite(x) | np.isinf(x)  # backward at NaN is pinned by tests/ops (the "masks" work), not here
    grad = f32(x.size, seed=1)
    grad_x = relu.relu_backward(y[finite], grad[finite])
    assert_within("relu backward", grad_x, np.where(y[finite] > 0, grad[finite], 0.0), 0.0)


# ---- gelu --------------------------------------------------------------------------------------------------------
def _phi_and_cdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    erfc = np.vectorize(math.erfc)
    x = x.astype(np.float64)
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi), 0.5 * erfc(-x / math.sqrt(2))


def _gelu_cdf_bound(x: np.ndarray) -> np.ndarray:
    """Error bound of the kernel's Φ(x). Its tail Φ(−|x|) = ½·t·e^(P(t) − a²) (a = |x|/√2) carries the erfc
    fit's own error (below 1.2e-7 relative: Numerical Recipes' erfcc), ~20 roundings of the Horner steps in the
    exponent, a²'s rounding (U·a² absolute in the exponent) and exp32's 3U; Φ = 1 − tail for x ≥ 0 adds U."""
    x = x.astype(np.float64)
    tail = 0.5 * np.vectorize(math.erfc)(np.abs(x) / math.sqrt(2))
    a2 = x * x / 2
    return tail * (1.2e-7 + (26 + a2) * U) + U


@pytest.mark.parametrize("scale", [1.0, 5.0])
def test_gelu_forward_and_backward(scale):
    from glassgrad.kernels import gelu

    x = np.concatenate([f32(3000, scale=scale), [0.0, -0.0, 9.0, -9.0, 13.0, -13.0]]).astype(np.float32)
    y, cdf = gelu.gelu_forward(x)
    phi, cdf64 = _phi_and_cdf(x)
    x64 = x.astype(np.float64)
    cdf_bound = _gelu_cdf_bound(x)
    assert_within("gelu Φ", cdf, cdf64, cdf_bound)
    assert_within("gelu forward", y, x64 * cdf64, np.abs(x64) * (cdf_bound + U * cdf64))
    grad = f32(x.size, seed=2)
    out = gelu.gelu_backward(x, cdf, grad)
    # The same formula on the kernel's own Φ: φ = exp32(−x²/2)/√(2π) errs by (3 + x²/2 + 3)U relative, and the
    # sum and the product by U each.
    derivative = cdf.astype(np.float64) + x64 * phi
    bound = np.abs(grad) * (np.abs(x64) * phi * (6 + x64 * x64 / 2) * U + 2 * U * np.abs(derivative))
    assert_within("gelu backward", out, grad * derivative, bound)


def test_gelu_of_inf_and_nan_is_nan_as_in_torch():
    from glassgrad.kernels import gelu

    x = np.array([np.nan, np.inf, -np.inf] + [0.5] * 13, np.float32)  # a full vector of 16, and the tail
    y, cdf = gelu.gelu_forward(x)
    assert np.isnan(y[:3]).all()  # torch.nn.functional.gelu gives NaN for all three too
    assert np.isnan(gelu.gelu_backward(x, cdf, np.ones_like(x))[:3]).all()


# ---- layer norm --------------------------------------------------------------------------------------------------
def _layer_norm64(x, w, b, eps):
    x = x.astype(np.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    normalized = (x - mean) * rstd
    return normalized * w + (0 if b is None else b), normalized, rstd


@pytest.mark.parametrize("rows, size", [(37, 300), (3, 7), (1, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_norm_forward(rows, size, bias):
    from glassgrad.kernels import layer_norm

    x = f32(rows, size, scale=3.0) + 2
    w = f32(size, seed=1)
    b = f32(size, seed=2) if bias else None
    y, normalized, rstd = layer_norm.layer_norm_forward(x, w, b, 1e-5)
    y64, normalized64, rstd64 = _layer_norm64(x, w, b, 1e-5)
    # The mean and the variance are sums of `size` terms: size·U relative to their terms, which after
    # normalisation are O(1) (|x − μ|·r ≤ √size); the products and r = 1/√(σ² + ε) add a few U more.
    spread = np.abs(x - x.mean(axis=1, keepdims=True)).max(axis=1, keepdims=True) * rstd64 + 1
    normalized_bound = (2 * size + 8) * U * spread
    assert_within("layer norm r", rstd, rstd64, (size + 4) * U * rstd64)
    assert_within("layer norm x̂", normalized, normalized64, normalized_bound)
    assert_within("layer norm y", y, y64, normalized_bound * np.abs(w) + 2 * U * (np.abs(y64) + 1))


@pytest.mark.parametrize("rows, size", [(301, 64), (2, 5)])  # many row blocks; fewer rows than blocks
def test_layer_norm_backward(rows, size):
    from glassgrad.kernels import layer_norm

    grad = f32(rows, size, seed=3)
    normalized = f32(rows, size, seed=4)
    rstd = np.abs(f32(rows, 1, seed=5)) + 0.5
    w = f32(size, seed=6)
    grad_x, grad_w, grad_b = layer_norm.layer_norm_backward(grad, normalized, rstd, w)
    g, n, r = (a.astype(np.float64) for a in (grad, normalized, rstd))
    g_hat = g * w
    mean_g = g_hat.mean(axis=1, keepdims=True)
    mean_gx = (g_hat * n).mean(axis=1, keepdims=True)
    expected_x = r * (g_hat - mean_g - n * mean_gx)
    # Row means of `size` products (size·U of their magnitudes), then three terms and a product (a few U).
    scale = np.abs(g_hat).mean(axis=1, keepdims=True) + np.abs(n) * np.abs(g_hat * n).mean(axis=1, keepdims=True)
    assert_within("layer norm dL/dx", grad_x, expected_x, r * ((size + 6) * U * scale + 4 * U * np.abs(g_hat)))
    # Column sums over `rows` rows, in per-block partial sums added at the end.
    assert_within("layer norm dL/dw", grad_w, (g * n).sum(axis=0), (rows + 2) * U * np.abs(g * n).sum(axis=0))
    assert_within("layer norm dL/db", grad_b, g.sum(axis=0), (rows + 2) * U * np.abs(g).sum(axis=0))


def test_layer_norm_nan_and_inf_stay_in_their_row():
    from glassgrad.kernels import layer_norm

    x = f32(4, 40)
    x[1, 3] = np.nan
    x[2, 5] = np.inf  # x − μ is inf − inf = NaN: the whole row, as in torch.nn.functional.layer_norm
    y, _, _ = layer_norm.layer_norm_forward(x, np.ones(40, np.float32), np.zeros(40, np.float32), 1e-5)
    assert np.isnan(y[1]).all() and np.isnan(y[2]).all()
    assert np.isfinite(y[[0, 3]]).all()


# ---- softmax ---------------------------------------------------------------------------------------------------
def _softmax64(scores, causal):
    a = scores.astype(np.float64)
    if causal:
        L, S = a.shape[-2:]
        a = np.where(np.arange(S)[None, :] <= np.arange(L)[:, None], a, -np.inf)
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e30])  # 1e30: only the max-shift keeps e^a finite
def test_softmax_forward(causal, scale):
    from glassgrad.kernels import softmax

    scores = f32(2, 3, 17, 17, scale=scale)
    expected = _softmax64(scores, causal)
    weights = softmax.softmax_rows_(scores.copy(), causal=causal)
    S = scores.shape[-1]
    # Per weight: a − max rounds by U·|a − max| (that much relative error in e^(a − max), when not underflowing),
    # exp32 3U, the row sum S·U, the reciprocal and the product 2U.
    shift = np.abs(scores.astype(np.float64) - scores.max(axis=-1, keepdims=True)).max(axis=-1, keepdims=True)
    relative = (np.minimum(shift, 88) + S + 5) * U
    assert_within("softmax", weights, expected, relative * expected + U * expected.max(axis=-1, keepdims=True))
    if causal:
        assert np.all(weights[np.broadcast_to(np.triu(np.ones((17, 17), bool), 1), weights.shape)] == 0)


def test_softmax_backward():
    from glassgrad.kernels import softmax

    weights = _softmax64(f32(4, 33, 33, seed=7), False).astype(np.float32)
    grad = f32(4, 33, 33, seed=8)
    result = softmax.softmax_backward_(grad.copy(), weights, 0.125)
    p, g = weights.astype(np.float64), grad.astype(np.float64)
    dot = (g * p).sum(axis=-1, keepdims=True)
    expected = 0.125 * p * (g - dot)
    # The dot product: S·U of Σ|g·p|; then g − dot, two products and the factor (a power of 2 here): 3U.
    S = p.shape[-1]
    bound = 0.125 * p * ((S + 1) * U * np.abs(g * p).sum(axis=-1, keepdims=True) + 3 * U * np.abs(g - dot))
    assert_within("softmax backward", result, expected, bound)


# ---- LSTM step -------------------------------------------------------------------------------------------------
def _lstm_forward64(a, recurrent, c_prev):
    z = a.astype(np.float64) + recurrent
    H = c_prev.shape[0]
    o, i, f = (0.5 + 0.5 * np.tanh(z[k * H:(k + 1) * H]) for k in range(3))  # σ(2z) as ½ + ½ tanh z
    g = np.tanh(z[3 * H:])
    c = f * c_prev + i * g
    return np.concatenate([o, i, f, g]), c, np.tanh(c), o * np.tanh(c)


def test_lstm_step_forward_and_backward():
    from glassgrad.kernels import lstm

    H, B = 19, 5  # not a multiple of the vector width: the loops' scalar tails run too
    a, recurrent = f32(4 * H, B, seed=1, scale=2), f32(4 * H, B, seed=2, scale=2)
    a[0, 0], recurrent[0, 0] = 1e30, 1e30  # a saturated gate: exactly 1, and the rest stays finite
    c_prev = f32(H, B, seed=3, scale=2)
    gates64, c64, tanh_c64, h64 = _lstm_forward64(a, recurrent, c_prev)
    gates, c, tanh_c, h = a.copy(), *(np.empty((H, B), np.float32) for _ in range(3))
    lstm.forward_step(gates, recurrent, c_prev, c, tanh_c, h)
    # Each gate: a + r rounds by U·|a + r| (tanh' ≤ 1 turns that into ≤ U·|z|·sech²z ≤ U absolute), tanh32 3U,
    # ½ + ½·t one more: 6U absolute. c' = f·c + i·g: 6U·(|c| + 1) from the gates plus 3 roundings.
    assert gates[0, 0] == 1.0
    assert_within("lstm gates", gates, gates64, 6 * U)
    c_bound = 6 * U * (np.abs(c_prev) + 1) + 3 * U * (np.abs(c64) + 1)
    assert_within("lstm c", c, c64, c_bound)
    assert_within("lstm tanh c", tanh_c, tanh_c64, c_bound + 3 * U)
    assert_within("lstm h", h, h64, c_bound + 12 * U)

    dh_out, dh_next, dc = f32(H, B, seed=4), f32(H, B, seed=5), f32(H, B, seed=6)
    dgates = np.empty((4 * H, B), np.float32)
    dc_in = dc.copy()
    lstm.backward_step(dh_out, dh_next, dc, gates, tanh_c, c_prev, dgates)
    o, i, f, g = (gates.astype(np.float64)[k * H:(k + 1) * H] for k in range(4))
    t = tanh_c.astype(np.float64)
    dh = dh_out.astype(np.float64) + dh_next
    d = dc_in + dh * o * (1 - t * t)
    expected_gates = np.concatenate([dh * t * o * (1 - o), d * g * i * (1 - i), d * c_prev * f * (1 - f),
                                     d * i * (1 - g * g)])  # fmt: skip
    # The formulas on the kernel's own gates, each ≤ 8 float32 operations deep: 8U of the terms' magnitudes.
    d_scale = np.abs(dc_in) + np.abs(dh) + 1
    magnitude = np.concatenate([np.abs(dh) + 1, d_scale, d_scale * (np.abs(c_prev) + 1), d_scale])
    assert_within("lstm dgates", dgates, expected_gates, 10 * U * magnitude)
    assert_within("lstm dc", dc, d * f, 10 * U * d_scale)


# ---- embedding scatter-add ---------------------------------------------------------------------------------------
def test_embedding_backward_sums_repeated_ids():
    from glassgrad.kernels import embedding

    ids = rng(1).integers(0, 7, size=500)  # ~70 positions per row: long sums
    grad = f32(500, 12, seed=2)
    grad[3, 4] = np.nan  # a NaN reaches its own row only
    out = embedding.embedding_backward(ids, grad, 9)  # rows 7 and 8 receive nothing: exactly 0
    expected = np.zeros((9, 12))
    np.add.at(expected, ids, grad.astype(np.float64))
    counts = np.bincount(ids, minlength=9)[:, None]
    magnitude = np.zeros((9, 12))
    np.add.at(magnitude, ids, np.abs(grad.astype(np.float64)))
    assert_within("embedding dL/dW", out, expected, counts * U * np.nan_to_num(magnitude))
    assert np.isnan(out[ids[3], 4]) and np.isfinite(np.delete(out, ids[3], axis=0)).all()
    assert not out[7:].any()


# ---- adam --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options", [
    {"weight_decay": 0.0, "decoupled_decay": 0.0, "maximize": False},
    {"weight_decay": 0.1, "decoupled_decay": 0.0, "maximize": True},
    {"weight_decay": 0.0, "decoupled_decay": 1e-3, "maximize": False},
], ids=["adam", "l2-maximize", "adamw"])
def test_adam_update_over_steps(options):
    from glassgrad.kernels import adam

    hyper = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    param = f32(1000, seed=1)
    m, v = np.zeros_like(param), np.zeros_like(param)
    param64, m64, v64 = param.astype(np.float64), np.zeros(1000), np.zeros(1000)
    for step in range(1, 6):
        grad = f32(1000, seed=10 + step)
        grad[0] = 0.0  # a zero gradient: the update is m̂/(√v̂ + ε) with tiny m, v
        adam.adam_update(param, grad, m, v, step=step, **hyper, **options)
        # The same steps in float64 (the formulas of kernels/adam.py's docstring).
        p = param64 * (1 - options["decoupled_decay"])
        g = (-grad if options["maximize"] else grad) + options["weight_decay"] * p
        m64 = m64 + (1 - hyper["beta1"]) * (g - m64)
        v64 = hyper["beta2"] * v64 + (1 - hyper["beta2"]) * g * g
        update = hyper["lr"] / (1 - hyper["beta1"] ** step) * m64 / (
            np.sqrt(v64) / np.sqrt(1 - hyper["beta2"] ** step) + hyper["eps"])
        param64 = p - update
        # Per step: the moments take ~4 roundings each (4U of |m|, |g|; |v|, g²), the step ~6 (the constants are
        # rounded to float32 too, 6U of |update|), θ two (2U of |θ|); errors of earlier steps carry over, so
        # the bound grows with the step count.
        assert_within(f"adam m, step {step}", m, m64, 6 * step * U * (np.abs(m64) + np.abs(g)))
        assert_within(f"adam v, step {step}", v, v64, 6 * step * U * (v64 + g * g))
        assert_within(f"adam θ, step {step}", param, param64,
                      step * U * (12 * np.abs(update) + 3 * np.abs(param64)) + step * 1e-9)


def test_adam_update_nan_gradient_poisons_only_its_coordinate():
    from glassgrad.kernels import adam

    param, grad = f32(64), f32(64, seed=1)
    grad[5] = np.nan
    m, v = np.zeros_like(param), np.zeros_like(param)
    adam.adam_update(param, grad, m, v, step=1, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                     decoupled_decay=0.0, maximize=False)
    assert np.isnan(param[5]) and np.isnan(m[5]) and np.isnan(v[5])  # as torch.optim.Adam does
    assert np.isfinite(np.delete(param, 5)).all()


# ---- conv's copies -----------------------------------------------------------------------------------------------
def _window_reads(input_size, kernel, stride, padding, dilation, output):
    """Every (i, j, h, w, row, column) with im2col's cols[:, i, j, :, h, w] = X[:, :, row, column] inside X:
    row = h·sh + i·dh − top, column = w·sw + j·dw − left (conv.py's formula)."""
    H, W = input_size
    (kh, kw), (sh, sw), (top, left), (dh, dw), (Ho, Wo) = kernel, stride, padding, dilation, output
    for i in range(kh):
        for j in range(kw):
            for h in range(Ho):
                for w in range(Wo):
                    row, column = h * sh + i * dh - top, w * sw + j * dw - left
                    if 0 <= row < H and 0 <= column < W:
                        yield i, j, h, w, row, column


@pytest.mark.parametrize("geometry", [
    ((3, 3), (1, 1), (1, 1), (1, 1)),
    ((2, 3), (2, 1), (0, 2), (1, 2)),
    ((3, 2), (3, 2), (2, 0), (2, 1)),
])
def test_conv_im2col_and_col2im(geometry):
    from glassgrad.kernels import conv

    kernel, stride, padding, dilation = geometry
    x = f32(2, 3, 9, 8)
    x[0, 1, 2, 3], x[1, 2, 4, 4] = np.nan, -np.inf  # copied like any value
    N, C, H, W = x.shape
    output = tuple((size + 2 * p - d * (k - 1) - 1) // s + 1
                   for size, p, d, k, s in zip((H, W), padding, dilation, kernel, stride))
    reads = list(_window_reads((H, W), *geometry, output))
    expected = np.zeros((C, *kernel, N, *output))  # 0 where the window reads the padding
    for i, j, h, w, row, column in reads:
        expected[:, i, j, :, h, w] = x[:, :, row, column].T
    cols = conv.im2col(x, kernel, stride, padding, dilation, output)
    assert_within("im2col (a copy: exact)", cols, expected.reshape(cols.shape), 0.0)

    # col2im is im2col's adjoint: dX[n, c, row, column] sums the dcols entries that im2col copied from there.
    grad_cols = f32(1, N, *output, *kernel, C, seed=3)
    grad_x = conv.col2im(grad_cols, x.shape, stride, padding, dilation)
    as_cols = grad_cols[0].transpose(5, 3, 4, 0, 1, 2).astype(np.float64)  # -> (C, kh, kw, N, Ho, Wo)
    expected_x = np.zeros(x.shape)
    magnitude = np.zeros(x.shape)
    for i, j, h, w, row, column in reads:
        expected_x[:, :, row, column] += as_cols[:, i, j, :, h, w].T
        magnitude[:, :, row, column] += np.abs(as_cols[:, i, j, :, h, w].T)
    # Each input pixel sums at most kh·kw window entries.
    assert_within("col2im", grad_x, expected_x, kernel[0] * kernel[1] * U * magnitude)


def test_conv_to_images_and_channels_last():
    from glassgrad.kernels import conv

    N, O, Ho, Wo = 3, 5, 4, 6
    product, bias = f32(O, N * Ho * Wo), f32(O, seed=1)
    y = conv.to_images(product, bias, (N, O, Ho, Wo))
    expected = product.astype(np.float64).reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3) + bias[None, :, None, None]
    assert_within("to_images (one rounded add)", y, expected, U * np.abs(expected))
    assert_within("to_images without bias (a copy)", conv.to_images(product, None, (N, O, Ho, Wo)),
                  product.astype(np.float64).reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3), 0.0)

    grad = f32(N, O, Ho, Wo, seed=2)
    rows, sums = conv.channels_last(grad)
    assert_within("channels_last rows (a copy)", rows, grad.transpose(0, 2, 3, 1).reshape(-1, O), 0.0)
    g = grad.astype(np.float64)
    # Per image a sum over Ho·Wo pixels, then over the N images.
    assert_within("channels_last dL/db", sums, g.sum(axis=(0, 2, 3)),
                  (Ho * Wo + N) * U * np.abs(g).sum(axis=(0, 2, 3)))


# ---- max pooling ---------------------------------------------------------------------------------------------
def _max_pool64(x, stride, output):
    """(max, first offset holding it) of each 2×2 window; a NaN wins, the window's last NaN (PyTorch's rule)."""
    N, C = x.shape[:2]
    Ho, Wo = output
    best = np.empty((N, C, Ho, Wo))
    offset = np.empty((N, C, Ho, Wo), dtype=np.int64)
    for h in range(Ho):
        for w in range(Wo):
            window = x[:, :, h * stride[0]:h * stride[0] + 2, w * stride[1]:w * stride[1] + 2].reshape(N, C, 4)
            value, k = window[..., 0].astype(np.float64), np.zeros((N, C), np.int64)
            for candidate in range(1, 4):
                v = window[..., candidate]
                wins = ((v > value) & ~np.isnan(value)) | np.isnan(v)
                k = np.where(wins, candidate, k)
                value = np.where(wins, v, value)
            best[:, :, h, w], offset[:, :, h, w] = value, k
    return best, offset


@pytest.mark.parametrize("stride", [(2, 2), (1, 1), (2, 3)])
def test_max_pool_forward_and_backward_are_exact(stride):
    from glassgrad.kernels import pooling

    x = np.round(f32(2, 3, 9, 11) * 4) / 4  # quarter steps: ties within windows
    x[0, 0, 0, 1] = np.nan
    x[1, 2, 4, 4] = np.inf
    H, W = x.shape[2:]
    output = ((H - 2) // stride[0] + 1, (W - 2) // stride[1] + 1)
    y, offset = pooling.max_pool_forward(x, (2, 2), stride, (0, 0), (1, 1), output, np.dtype(np.int8))
    expected, expected_offset = _max_pool64(x, stride, output)
    assert_within("max pool (a selection: exact)", y, expected, 0.0)
    np.testing.assert_array_equal(offset, expected_offset)

    grad = f32(*y.shape, seed=4)
    grad_x = pooling.max_pool_backward(grad, offset, x.shape, (2, 2), stride, (0, 0), (1, 1))
    expected_x = np.zeros(x.shape)
    magnitude = np.zeros(x.shape)
    n, c, h, w = np.indices(y.shape)
    rows, columns = h * stride[0] + offset // 2, w * stride[1] + offset % 2
    np.add.at(expected_x, (n, c, rows, columns), grad.astype(np.float64))
    np.add.at(magnitude, (n, c, rows, columns), np.abs(grad.astype(np.float64)))
    assert_within("max pool backward", grad_x, expected_x, 4 * U * magnitude)  # ≤ 4 windows share a pixel


# ---- blas: attention's per-head products -------------------------------------------------------------------
def test_blas_products_against_float64_matmul():
    from glassgrad.kernels import blas

    if not blas.available():
        pytest.skip("NumPy's OpenBLAS not found: the blas kernels never run")
    a, b = f32(2, 3, 17, 40, seed=1), f32(2, 3, 40, 13, seed=2)
    out = np.empty((2, 3, 17, 13), np.float32)
    blas.batched_matmul(a, b.transpose(0, 1, 3, 2).copy().transpose(0, 1, 3, 2), out)  # b read transposed
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    # A dot product of k = 40 terms: k·U of Σ|a||b| (Higham's γ_k bound for matrix products).
    assert_within("batched_matmul", out, a64 @ b64, 40 * U * (np.abs(a64) @ np.abs(b64)))

    w, steps = f32(9, 40, seed=3), f32(5, 40, 7, seed=4)
    out = np.empty((5, 9, 7), np.float32)
    blas.stacked_matmul(w, steps, out)
    w64, s64 = w.astype(np.float64), steps.astype(np.float64)
    assert_within("stacked_matmul", out, w64 @ s64, 40 * U * (np.abs(w64) @ np.abs(s64)))

    # Σ_t a[t] @ b[t]ᵀ over 5 steps of k = 7: 35 terms per entry; on 2 kernel threads the 9 rows split in 2 blocks.
    gates, states = f32(5, 9, 7, seed=5), f32(5, 4, 7, seed=6)
    previous = _numba.threads()
    _numba.set_threads(2)
    try:
        summed = blas.summed_products(gates, states)
    finally:
        _numba.set_threads(previous)
    g64, s64 = gates.astype(np.float64), states.astype(np.float64)
    exact = np.einsum("tmk,tnk->mn", g64, s64)
    assert_within("summed_products", summed, exact, 35 * U * np.einsum("tmk,tnk->mn", np.abs(g64), np.abs(s64)))
