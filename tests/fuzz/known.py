"""Mismatches the fuzzer found in code another worker of issue #13 is fixing now, and PyTorch quirks not copied.

Each entry is a signature (kind, op) -> who owns the fix and the regression test in test_regressions.py that
pins it (an xfail there, strict, so it flips when the fix lands: then delete the entry here too). The CI fuzz
run tolerates exactly these signatures; GLASSGRAD_FUZZ_STRICT=1 reports them as well.
"""

from __future__ import annotations

from .program import Program
from .runner import Mismatch

KNOWN: dict[tuple[str, str], str] = {
    # Dimension checks missing in ops/shape.py (worker "inplace"): PyTorch raises IndexError.
    ("raises", "stack"): "inplace (ops/shape.py): stack accepts dim out of range (test_dim_out_of_range_*)",
    ("raises", "cat"): "inplace (ops/shape.py): cat accepts dim out of range (test_dim_out_of_range_*)",
    ("raises", "flatten"): "inplace (ops/shape.py): flatten accepts dims out of range (test_dim_out_of_range_*)",
    # PyTorch quirks not copied (see the report): gelu(+inf) is nan in PyTorch's float32 kernel (inf in its
    # float64 one and in glassgrad), a zero sum that PyTorch signs -0.0 (1/x then has the other sign), and the
    # order of operations in a backward that meets an infinite upstream gradient.
    ("value", "gelu"): "not copied: PyTorch's float32 gelu(+inf) is nan (its float64 one is inf)",
    ("grad", "gelu"): "not copied: gelu's gradient at +inf (PyTorch's float32 kernel gives nan)",
    ("value", "rdiv_scalar"): "not copied: the sign of a zero sum (NumPy's sum of [-0.0] is +0.0, PyTorch's -0.0)",
    ("value", "div"): "not copied: the sign of a zero sum (NumPy's sum of [-0.0] is +0.0, PyTorch's -0.0)",
    ("grad", "std"): "not copied: std's gradient over equal values where PyTorch's whole-tensor std is not 0 (its "
    "summed mean is an ulp off, 1e-17 noise over itself); glassgrad's std and gradient are 0, as PyTorch's along dims",
    ("grad", "elu"): "not copied: PyTorch's CPU elu backward at NaN is NaN in its vectorised body (32 float32 or 16 "
    "float64 elements at a time), g in its scalar tail and on CUDA (its formula); glassgrad passes g everywhere",
}


def owner_of(mismatch: Mismatch, program: Program | None = None) -> str | None:
    """Who owns a known mismatch (None for a new one). A gradient the per-op check could not pin to one op
    ("engine:<consumers>") is known when one of its consumers has a known gradient mismatch. (`program` is kept
    for callers; the in-place family is no longer tolerated as a whole: its mismatches are fixed.)"""
    if mismatch.signature() in KNOWN:
        return KNOWN[mismatch.signature()]
    if mismatch.kind == "backward raises" and "grad_input must be contiguous" in mismatch.detail:
        return "not copied: PyTorch's nll_loss backward over a permuted input raises (test_nll_loss_of_a_permuted_*)"
    if mismatch.kind == "backward raises" and mismatch.op == "torch" and "written-to tensor" in mismatch.detail:
        # x.expand(...).zero_() (or fill_) runs in PyTorch's forward, but its own backward then writes into the
        # expanded base and refuses; glassgrad's backward gives the (zero) gradient of the overwritten values.
        return "not copied: PyTorch's backward of a fill into an expanded tensor raises in its own CopySlices"
    if mismatch.kind == "raises" and "only torch raised" in mismatch.detail and "single memory" in mismatch.detail:
        # The source is the destination's own elements in the same positions (tensor_writes._same_layout), which
        # PyTorch calls a partial overlap when the size-1 dims' strides differ (they name no element; NumPy and
        # PyTorch set them differently, e.g. after transpose(0, 3) of a (1, 1, 3, 1)): the write is well defined.
        return "not copied: PyTorch compares the strides of size-1 dims in its overlap check (tensor_writes.py)"
    if (
        mismatch.kind == "raises"
        and mismatch.op.startswith("setitem")
        and "only glassgrad raised: IndexError" in mismatch.detail
        and "out of bounds" in mismatch.detail
    ):
        # PyTorch's index_put_ skips its bounds check on a tensor with no elements (h of shape (2, 0), h[[7]] = 1
        # runs); glassgrad refuses an index outside its dim whatever the other dims hold.
        return "not copied: PyTorch skips index bounds checks on a tensor with no elements (test_setitem_with_an_out_*)"
    if mismatch.kind == "raises" and mismatch.op == "matmul" and "same dtype" in mismatch.detail:
        return (
            "not copied: PyTorch's batched matmul skips its dtype check when a batch is empty (its 2-d matmul "
            "refuses float32 @ float64, and so does glassgrad, always)"
        )
    if mismatch.kind == "grad" and mismatch.op.startswith("engine:"):
        consumers = mismatch.op.removeprefix("engine:").split("+")
        owners = [KNOWN[("grad", op)] for op in consumers if ("grad", op) in KNOWN]
        if owners:
            return owners[0]
    return None
