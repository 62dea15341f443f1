"""Scalar float32 math that vectorises inside a kernel loop, and the float32 erfc fit the kernels share.

A call to libm's `expf` in a loop stops LLVM from turning the loop into SIMD code (and Numba's wheels have no
vector math library), so the kernels use this exp, written out the way libm does it.
"""

from __future__ import annotations

import numpy as np

from ._numba import ENABLED, inline

f32 = np.float32

# erfc(y) ≈ t·exp(−y² + R0 + R1 t + ... + R9 t⁹), t = 1/(1 + y/2), for y ≥ 0 in float32 (Press et al., Numerical
# Recipes, 2nd ed., §6.2, `erfcc`). Defined here, at the bottom, because both evaluations of it use it: the
# NumPy one (functional/_special.py, `_erfc_float32`) and the compiled GELU (kernels/gelu.py).
ERFC_FLOAT32_COEFFICIENTS = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
    0.17087277)

if ENABLED:

    @inline
    def exp32(x):  # pragma: no cover - compiled
        """e^x in float32 to 1 ulp (Cephes' expf).

        Write x = n·ln2 + r with n an integer and |r| ≤ ln2/2; then eˣ = 2ⁿ·eʳ. eʳ is a degree-7 polynomial
        in r (Taylor-like, coefficients fitted for float32), and 2ⁿ is built directly in the exponent bits of
        a float32: (n + 127) << 23. ln2 is split into a short head and a tail so n·ln2 is subtracted exactly.
        """
        x = min(max(x, f32(-87.3)), f32(88.7))  # below: e^x underflows to ~0; above: it overflows float32
        z = x * f32(1.4426950408889634)  # x / ln2
        n = np.int32(z + f32(0.5) if z >= 0 else z - f32(0.5))  # round to nearest
        nf = f32(n)
        r = x - nf * f32(0.693359375)  # ln2's head: exact in float32 for these n
        r = r + nf * f32(2.12194440e-4)  # minus ln2's tail (ln2 = 0.693359375 - 2.12194440e-4)
        p = f32(1.9875691500e-4)
        p = p * r + f32(1.3981999507e-3)
        p = p * r + f32(8.3334519073e-3)
        p = p * r + f32(4.1665795894e-2)
        p = p * r + f32(1.6666665459e-1)
        p = p * r + f32(5.0000001201e-1)
        e_r = p * r * r + r + f32(1.0)
        return e_r * np.int32((n + 127) << 23).view(np.float32)

    @inline
    def tanh32(x):  # pragma: no cover - compiled
        """tanh(x) in float32 to a few ulp (Cephes' tanhf).

        Near 0, tanh x = x + x³·P(x²) keeps full relative precision; elsewhere tanh|x| = 1 − 2/(e^(2|x|) + 1),
        with the sign put back. Both are computed and one is kept, so the loop stays branch-free (SIMD).
        x is first clamped to ±10 (tanh 10 rounds to 1 in float32): fastmath lets the compiler assume no value
        is infinite, and the unused branch x + x³·P(x²) of a huge x (a saturated LSTM gate) overflows to inf
        and turned the result into NaN on AMD EPYC.
        """
        x = min(max(x, f32(-10.0)), f32(10.0))
        a = abs(x)
        z = x * x
        p = f32(-5.70498872745e-3)
        p = p * z + f32(2.06390887954e-2)
        p = p * z - f32(5.37397155531e-2)
        p = p * z + f32(1.33314422036e-1)
        p = p * z - f32(3.33332819422e-1)
        small = p * z * x + x
        large = f32(1.0) - f32(2.0) / (exp32(f32(2.0) * a) + f32(1.0))
        large = large if x >= 0 else -large
        return small if a < f32(0.625) else large
