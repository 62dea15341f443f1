"""The error function erf, its complement erfc and the normal CDF Φ, vectorised on NumPy/CuPy arrays.

NumPy has no erf, and `math.erf` is one Python call per element. These follow W. J. Cody, "Rational Chebyshev
approximations for the error function", Math. Comp. 23 (1969) 631-637 (the CALERF routine of SPECFUN), with
|relative error| < 1e-16 in each of three ranges of y = |x|:

    y ≤ 0.46875        erf(x)  = x · P₁(y²) / Q₁(y²)
    0.46875 < y ≤ 4    erfc(y) = e^(−y²) · P₂(y) / Q₂(y)
    y > 4              erfc(y) = e^(−y²) / y · (1/√π − z·P₃(z) / Q₃(z)),   z = 1/y²

and erfc(−y) = 2 − erfc(y). Cody splits e^(−y²) into two factors to keep the last bit of y²; we evaluate it
directly, which costs at most |y²|·2⁻⁵³ ≈ 1e-13 relative error where erfc is still representable (y < 27):
far below what float32 can show, and below what float64 finite-difference gradient checks can resolve.

float32 (and float16, computed in float32) takes a cheaper road that is still accurate to its precision:
one Chebyshev fit of erfc over all y ≥ 0 (Press et al., Numerical Recipes, 2nd ed., §6.2, `erfcc`),
    erfc(y) = t·exp(−y² + P(t)),   t = 1/(1 + y/2),   P of degree 9,
with |relative error| < 1.2e-7 for every y ≥ 0 in exact arithmetic (float32 rounding of y² adds up to
y²·6e-8 relative: 2e-6 at |x|/√2 = 3.5, still far better than 1 + erf, which cancels to 0 there). It makes
about a fifth of the passes over the array of the three ranges above, which is what the exact GELU of a
float32 model spends its time on.

Each range is evaluated on every element with the argument clipped into its range (no boolean gathers, so
the arrays stay contiguous and the work is a fixed number of passes; the third range only when some |x| > 4),
then the ranges are selected arithmetically (`select`). Python-float coefficients keep float32 in float32.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..backend import namespace_of

# erfc(y) ≈ t·exp(−y² + R0 + R1 t + ... + R9 t⁹), t = 1/(1 + y/2), for float32: kept beside the compiled GELU,
# which evaluates the same fit (kernels import nothing above them)
from ..kernels.fastmath import ERFC_FLOAT32_COEFFICIENTS as _R

_SMALL = 0.46875  # upper end of the first range
_MIDDLE = 4.0  # upper end of the second range
_BLOCK = 1 << 17  # elements per block of `blockwise`: 512 KB of float32, ~20 temporaries fit in L2 + L3

# erf(x) = x · (A0 + A1 z + A2 z² + A3 z³ + A4 z⁴) / (B0 + B1 z + B2 z² + B3 z³ + z⁴), z = x², ascending powers
_A = (3.20937758913846947e03, 3.77485237685302021e02, 1.13864154151050156e02, 3.16112374387056560e00,
      1.85777706184603153e-1)
_B = (2.84423683343917062e03, 1.28261652607737228e03, 2.44024637934444173e02, 2.36012909523441209e01, 1.0)
# erfc(y) = e^(−y²) · (C0 + ... + C8 y⁸) / (D0 + ... + D7 y⁷ + y⁸)
_C = (1.23033935479799725e03, 2.05107837782607147e03, 1.71204761263407058e03, 8.81952221241769090e02,
      2.98635138197400131e02, 6.61191906371416295e01, 8.88314979438837594e00, 5.64188496988670089e-1,
      2.15311535474403846e-8)
_D = (1.23033935480374942e03, 3.43936767414372164e03, 4.36261909014324716e03, 3.29079923573345963e03,
      1.62138957456669019e03, 5.37181101862009858e02, 1.17693950891312499e02, 1.57449261107098347e01, 1.0)
# erfc(y) = e^(−y²)/y · (1/√π − z · (P0 + ... + P5 z⁵) / (Q0 + ... + Q4 z⁴ + z⁵)), z = 1/y²
_P = (6.58749161529837803e-4, 1.60837851487422766e-2, 1.25781726111229246e-1, 3.60344899949804439e-1,
      3.05326634961232344e-1, 1.63153871373020978e-2)
_Q = (2.33520497626869185e-3, 6.05183413124413191e-2, 5.27905102951428412e-1, 1.87295284992346047e00,
      2.56852019228982242e00, 1.0)

_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2.0)


def blockwise(fn: Callable[..., Any], *arrays: Any) -> Any:
    """fn(*arrays) for an elementwise fn of same-shape arrays, computed in blocks of _BLOCK elements on NumPy.

    A special function makes some 20 passes over its argument; on whole arrays larger than the cache each pass
    streams from memory, while a block's temporaries stay in L2: 2-3x faster on 16M float32 elements. CuPy
    arrays are passed whole (the GPU has no such cache problem, and fewer launches are better).
    """
    first = arrays[0]
    if namespace_of(first) is not np or first.size <= _BLOCK:
        return fn(*arrays)
    flat = [array.reshape(-1) for array in arrays]  # (n,) views of contiguous arrays
    result = None
    for start in range(0, first.size, _BLOCK):
        part = fn(*(array[start:start + _BLOCK] for array in flat))
        if result is None:
            result = np.empty(first.size, dtype=part.dtype)
        result[start:start + part.size] = part
    return result.reshape(first.shape)


def _poly(coefficients: tuple, z: Any) -> Any:
    """c₀ + c₁z + c₂z² + ... by Horner's rule, coefficients in ascending order."""
    # In place after the first product: each fresh temporary of a large array costs more than the arithmetic.
    result = coefficients[-1] * z
    result += coefficients[-2]
    for c in reversed(coefficients[:-2]):
        result *= z
        result += c
    return result


def select(mask: Any, a: Any, b: Any) -> Any:
    """where(mask, a, b) for finite a and b, as m·a + (1 − m)·b with m ∈ {0, 1}.

    Exact, because one of the two products is exactly 0. NumPy's `where` branches per element and runs about
    5x slower than these four vectorised passes when the mask is unpredictable (the sign of activations).
    """
    m = mask.astype(a.dtype)
    result = a * m
    namespace_of(m).subtract(1, m, out=m)
    m *= b
    result += m
    return result


def _erf_small(x: Any) -> Any:
    """erf(x), accurate for |x| ≤ 0.46875 (x is clipped into that range first)."""
    x = namespace_of(x).clip(x, -_SMALL, _SMALL)
    z = x * x
    result = _poly(_A, z)
    result /= _poly(_B, z)
    result *= x
    return result


def _erfc_large(y: Any) -> Any:
    """erfc(y) for y = |x| ≥ 0.46875 (y is clipped up to 0.46875 first)."""
    xp = namespace_of(y)
    y = xp.clip(y, _SMALL, None)
    decay = y * y
    xp.negative(decay, out=decay)
    xp.exp(decay, out=decay)  # e^(−y²)
    middle = xp.clip(y, None, _MIDDLE)
    middle_ratio = _poly(_C, middle)
    middle_ratio /= _poly(_D, middle)
    result = middle_ratio
    if bool((y > _MIDDLE).any()):  # one cheap reduction skips the tail range, unused by most activations
        tail = xp.clip(y, _MIDDLE, None)
        z = tail * tail
        xp.reciprocal(z, out=z)  # 1/y²
        tail_ratio = _poly(_P, z)
        tail_ratio /= _poly(_Q, z)
        tail_ratio *= z
        xp.subtract(_INV_SQRT_PI, tail_ratio, out=tail_ratio)
        tail_ratio /= tail
        result = select(y <= _MIDDLE, middle_ratio, tail_ratio)
    result *= decay
    return result


def _erfc_float32(y: Any) -> Any:
    """erfc(y) for y = |x| ≥ 0 in float32, to 1.2e-7 relative error (Numerical Recipes' Chebyshev fit)."""
    xp = namespace_of(y)
    t = y * 0.5
    t += 1
    xp.reciprocal(t, out=t)  # t = 1/(1 + y/2)
    exponent = _poly(_R, t)
    exponent -= y * y
    result = xp.exp(exponent, out=exponent)
    result *= t
    return result


def _upcast(x: Any) -> Any:
    # float16 has too little range for the polynomial terms; compute it in float32 and cast back at the end.
    return x.astype("float32") if x.dtype.itemsize < 4 else x


def _erfc_abs(y: Any) -> Any:
    """erfc(y) for y = |x| ≥ 0: Cody's three ranges in float64, the single Chebyshev fit otherwise."""
    if y.dtype.itemsize < 8:
        return _erfc_float32(y)
    return select(y <= _SMALL, 1 - _erf_small(y), _erfc_large(y))


def erf(x: Any) -> Any:
    """erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, elementwise, to about 1e-16 relative error in float64."""
    xp = namespace_of(x)
    x32 = _upcast(x)
    y = xp.abs(x32)
    large = _erfc_large(y)  # Cody in every dtype: 1 − erfc would lose erf's relative precision near 0
    xp.subtract(1, large, out=large)
    large *= xp.sign(x32)  # erf(x) = sign(x) · (1 − erfc(|x|))
    result = select(y <= _SMALL, _erf_small(x32), large)
    return result.astype(x.dtype, copy=False)


def erfc(x: Any) -> Any:
    """erfc(x) = 1 − erf(x), computed without cancellation for large positive x."""
    xp = namespace_of(x)
    x32 = _upcast(x)
    tail = _erfc_abs(xp.abs(x32))
    result = select(x32 < 0, 2 - tail, tail)  # erfc(−y) = 2 − erfc(y)
    return result.astype(x.dtype, copy=False)


def normal_cdf(x: Any) -> Any:
    """Φ(x) = ½ erfc(−x/√2), the standard normal CDF; accurate in the far left tail where 1 + erf cancels."""
    xp = namespace_of(x)
    x32 = _upcast(x)
    half_tail = _erfc_abs(xp.abs(x32) * _INV_SQRT_2)
    half_tail *= 0.5  # ½ erfc(|x|/√2) = Φ(−|x|)
    result = select(x32 < 0, half_tail, 1 - half_tail)  # Φ(x) = 1 − Φ(−x)
    return result.astype(x.dtype, copy=False)


def erfinv(y: Any) -> Any:
    """x with erf(x) = y for y in [−1, 1] (±inf at ±1, nan outside), elementwise, to about 1e-15 in float64.

    The start is M. Giles' single-precision fit ("Approximating the erfinv function", GPU Computing Gems, 2010;
    relative error below 4e-7 for |y| < 1 − 1e-7), then Newton steps on Cody's erf and erfc above:
        |y| < ½:  x ← x − (erf(x) − |y|) · (√π/2)·e^(x²)
        |y| ≥ ½:  x ← x + (log erfc(x) − log(1 − |y|)) · erfc(x) · (√π/2)·e^(x²)
    The second is Newton on log erfc(x) = log(1 − |y|): 1 − |y| is exact there (Sterbenz), erfc keeps its
    relative precision, and log erfc ≈ −x² is nearly quadratic, so it converges from the fit's poor start in
    the far tail (x = 5.18 for y = 1 − 1e-16, where the root is 5.86), where erf(x) − y would subtract two
    numbers that both round to 1. Four steps reach float64 round-off everywhere (the third leaves 2e-11 at
    y = 1 − 1e-15, where the fit starts 0.7 low).
    Computed in float64 and returned in y's dtype; a NumPy or CuPy array in, the same out.
    """
    xp = namespace_of(y)
    y64 = y.astype("float64")
    magnitude = xp.abs(y64)
    inside = magnitude < 1  # erfinv(±1) = ±inf is set below; |y| > 1 and nan give nan through the log
    with np.errstate(divide="ignore", invalid="ignore"):
        x = xp.where(inside, _erfinv_giles(xp.where(inside, magnitude, 0.0)), 0.0)
        central = magnitude < 0.5
        tail_target = xp.log(xp.where(central, 1.0, 1 - magnitude))
        for _ in range(4):
            slope_inverse = (math.sqrt(math.pi) / 2) * xp.exp(x * x)  # 1 / erf'(x)
            complement = erfc(x)
            central_step = (magnitude - erf(x)) * slope_inverse
            tail_step = (xp.log(complement) - tail_target) * complement * slope_inverse
            x = x + xp.where(central, central_step, tail_step)
        x = xp.where(inside, x, xp.where(magnitude == 1, math.inf, math.nan))
    return xp.copysign(x, y64).astype(y.dtype, copy=False)  # erfinv is odd, and erfinv(−0) = −0


def _erfinv_giles(y: Any) -> Any:
    """Giles' erfinv for y = |y| in [0, 1]: a polynomial in w − 2.5 for w = −log(1 − y²) < 5, in √w − 3 past it."""
    xp = namespace_of(y)
    w = -xp.log((1.0 - y) * (1.0 + y))
    central = w - 2.5
    p_central = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):  # fmt: skip
        p_central = c + p_central * central
    tail = xp.sqrt(xp.maximum(w, 5.0)) - 3.0
    p_tail = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):  # fmt: skip
        p_tail = c + p_tail * tail
    return xp.where(w < 5.0, p_central, p_tail) * y
