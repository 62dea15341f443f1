"""The functions of the `torch` namespace, `gg.cat`, `gg.exp`, `gg.sum`, ...: the Tensor methods, callable as
functions (`gg.exp(x)` is `x.exp()`), and the few that are functions only (`multinomial`, `allclose`). Not to be
confused with functional/ (`F.*`, `torch.nn.functional`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import tensor_factory
from .backend import random as random_state
from .ops import cumulative, elementwise, linalg_products, logical, order_stats, rearrange, reorder, rounding, select
from .ops import matmul as matmul_ops
from .ops import scatter as scatter_ops
from .ops import shape as shape_ops
from .ops.arithmetic import check_broadcast
from .tensor import Tensor

is_tensor = tensor_factory.is_tensor
cat = shape_ops.cat
concat = shape_ops.cat
concatenate = shape_ops.cat
stack = shape_ops.stack
where = select.where
einsum = matmul_ops.einsum
split = shape_ops.split
chunk = shape_ops.chunk
meshgrid = rearrange.meshgrid

# Each Tensor method, as a function of the tensor (`gg.exp(x)` is `x.exp()`).
matmul = Tensor.matmul
add = Tensor.add
sub = Tensor.sub
mul = Tensor.mul
div = Tensor.div
pow = Tensor.pow  # noqa: A001
neg = Tensor.neg
abs = Tensor.abs  # noqa: A001
exp = Tensor.exp
log = Tensor.log
log1p = Tensor.log1p
sqrt = Tensor.sqrt
rsqrt = Tensor.rsqrt
sin = Tensor.sin
cos = Tensor.cos
tanh = Tensor.tanh
sigmoid = Tensor.sigmoid
relu = Tensor.relu
square = Tensor.square
clamp = Tensor.clamp
clip = Tensor.clamp
maximum = Tensor.maximum
minimum = Tensor.minimum
softmax = Tensor.softmax
log_softmax = Tensor.log_softmax
logsumexp = Tensor.logsumexp
tril = Tensor.tril
triu = Tensor.triu
sum = Tensor.sum  # noqa: A001
mean = Tensor.mean
prod = Tensor.prod
var = Tensor.var
std = Tensor.std
max = Tensor.max  # noqa: A001
min = Tensor.min  # noqa: A001
amax = Tensor.amax
amin = Tensor.amin
argmax = Tensor.argmax
argmin = Tensor.argmin
all = Tensor.all  # noqa: A001
any = Tensor.any  # noqa: A001
reshape = Tensor.reshape
permute = Tensor.permute
transpose = Tensor.transpose
t = Tensor.t
unsqueeze = Tensor.unsqueeze
squeeze = Tensor.squeeze
flatten = Tensor.flatten
gather = Tensor.gather
narrow = Tensor.narrow
roll = Tensor.roll
sort = Tensor.sort
argsort = Tensor.argsort
topk = Tensor.topk
masked_fill = Tensor.masked_fill
unbind = Tensor.unbind
clone = Tensor.clone
eq = Tensor.eq
ne = Tensor.ne
lt = Tensor.lt
le = Tensor.le
gt = Tensor.gt
ge = Tensor.ge


def numel(input: Tensor) -> int:
    """The number of elements: the product of the shape."""
    return input.numel()


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when |a − b| ≤ atol + rtol·|b| everywhere (NaNs equal only with equal_nan), as torch.allclose."""
    check_broadcast("allclose", np.shape(input), np.shape(other))
    return bool(np.allclose(np.asarray(input), np.asarray(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same elements (a Python bool)."""
    return input.shape == other.shape and bool(np.array_equal(np.asarray(input), np.asarray(other)))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, generator: Any = None) -> Tensor:
    """Draw category indices from each row of (unnormalised, non-negative) weights `input` (1-D or 2-D).

    With replacement: inverse-CDF sampling. Without: the Gumbel-top-k trick (sort log p + Gumbel noise), which
    draws a sample without replacement in one vectorised step.
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    weights = np.asarray(input, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D, got shape {input.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise ValueError("multinomial: probabilities must be finite and non-negative")
    totals = rows.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError("multinomial: each row of probabilities must have a positive sum")
    if not replacement and num_samples > int((rows > 0).sum(axis=1).min()):
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row with fewer "
            "non-zero probabilities; pass replacement=True"
        )
    rng = random_state.generator_for(generator)
    if replacement:
        cdf = np.cumsum(rows / totals, axis=1)
        draws = rng.random((rows.shape[0], num_samples))
        # The category is the number of cdf entries <= the draw: a binary search per draw, so memory stays
        # O(rows * num_samples) rather than O(rows * num_samples * categories).
        samples = np.stack([np.searchsorted(row, row_draws, side="right") for row, row_draws in zip(cdf, draws)])
        samples = np.minimum(samples, rows.shape[1] - 1)  # guards a draw above cdf[-1] ≈ 1 − rounding
    else:
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + rng.gumbel(size=rows.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return Tensor(samples).to(input.device)


# ---- more torch functions (ops/elementwise, rounding, logical, cumulative, reorder, linalg_products, scatter,
# order_stats): the functions themselves, whose first argument is `input` as in torch ------------------------------
erf = elementwise.erf
erfc = elementwise.erfc
expm1 = elementwise.expm1
exp2 = elementwise.exp2
log2 = elementwise.log2
log10 = elementwise.log10
sinh = elementwise.sinh
cosh = elementwise.cosh
tan = elementwise.tan
asin = elementwise.asin
arcsin = elementwise.asin
acos = elementwise.acos
arccos = elementwise.acos
atan = elementwise.atan
arctan = elementwise.atan
atan2 = elementwise.atan2
arctan2 = elementwise.atan2
hypot = elementwise.hypot
reciprocal = elementwise.reciprocal
clamp_min = elementwise.clamp_min
clamp_max = elementwise.clamp_max
lerp = elementwise.lerp
nan_to_num = elementwise.nan_to_num
round = rounding.round  # noqa: A001
floor = rounding.floor
ceil = rounding.ceil
trunc = rounding.trunc
fix = rounding.trunc
frac = rounding.frac
sign = rounding.sign
sgn = rounding.sgn
fmod = rounding.fmod
isnan = logical.isnan
isinf = logical.isinf
isfinite = logical.isfinite
isclose = logical.isclose
logical_and = logical.logical_and
logical_or = logical.logical_or
logical_xor = logical.logical_xor
logical_not = logical.logical_not
bitwise_and = logical.bitwise_and
bitwise_or = logical.bitwise_or
bitwise_xor = logical.bitwise_xor
bitwise_not = logical.bitwise_not
cumsum = cumulative.cumsum
cumprod = cumulative.cumprod
cummax = cumulative.cummax
cummin = cumulative.cummin
diff = cumulative.diff
flip = reorder.flip
fliplr = reorder.fliplr
flipud = reorder.flipud
diagonal = reorder.diagonal
diag = reorder.diag
tile = reorder.tile
broadcast_to = reorder.broadcast_to
movedim = reorder.movedim
moveaxis = reorder.moveaxis
swapaxes = reorder.swapaxes
swapdims = reorder.swapdims
unflatten = reorder.unflatten
index_select = reorder.index_select
repeat_interleave = reorder.repeat_interleave
take_along_dim = reorder.take_along_dim
mm = linalg_products.mm
bmm = linalg_products.bmm
mv = linalg_products.mv
dot = linalg_products.dot
outer = linalg_products.outer
ger = linalg_products.outer
addmm = linalg_products.addmm
scatter = scatter_ops.scatter
scatter_add = scatter_ops.scatter_add
index_add = scatter_ops.index_add
masked_select = scatter_ops.masked_select
median = order_stats.median
kthvalue = order_stats.kthvalue
mode = order_stats.mode
nansum = order_stats.nansum
nanmean = order_stats.nanmean
count_nonzero = order_stats.count_nonzero
nonzero = order_stats.nonzero
argwhere = order_stats.argwhere
bincount = order_stats.bincount
unique = order_stats.unique
tensordot = linalg_products.tensordot
norm = linalg_products.norm
searchsorted = order_stats.searchsorted
bucketize = order_stats.bucketize
std_mean = order_stats.std_mean
var_mean = order_stats.var_mean
remainder = Tensor.remainder
floor_divide = Tensor.floor_divide
detach = Tensor.detach
is_floating_point = Tensor.is_floating_point
is_complex = Tensor.is_complex
is_nonzero = Tensor.is_nonzero
