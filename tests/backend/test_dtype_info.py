"""gg.bfloat16 (a dtype glassgrad names but holds no arrays of) and gg.finfo / gg.iinfo, against torch."""

from __future__ import annotations

import pytest

import glassgrad as gg

FLOATS = ["float32", "float64", "float16", "bfloat16"]
INTEGERS = ["int64", "int32", "int16", "int8", "uint8"]


def test_bfloat16_is_a_dtype_like_the_others() -> None:
    assert repr(gg.bfloat16) == "glassgrad.bfloat16" and str(gg.bfloat16) == repr(gg.bfloat16)
    assert gg.bfloat16.itemsize == 2 and gg.bfloat16.is_floating_point and not gg.bfloat16.is_complex
    assert gg.bfloat16 == gg.bfloat16 and gg.bfloat16 != gg.float16 and gg.bfloat16 != gg.float32
    assert gg.float32 != gg.bfloat16 and gg.zeros(2).dtype != gg.bfloat16
    table = {gg.bfloat16: "b", gg.float16: "h", gg.float32: "f"}
    assert table[gg.bfloat16] == "b" and table[gg.zeros(1).dtype] == "f"
    assert gg.backend.to_dtype("bfloat16") is gg.bfloat16


@pytest.mark.parametrize(
    "make",
    [lambda: gg.zeros(2, dtype=gg.bfloat16), lambda: gg.tensor([1.0], dtype=gg.bfloat16),
     lambda: gg.ones(2).to(gg.bfloat16), lambda: gg.ones(2).to(dtype=gg.bfloat16), lambda: gg.ones(2).bfloat16(),
     lambda: gg.ones(2).new_zeros(3, dtype=gg.bfloat16), lambda: gg.randn(2, dtype=gg.bfloat16),
     lambda: gg.nn.Linear(2, 2).to(gg.bfloat16)],
    ids=["zeros", "tensor", "to", "to_keyword", "method", "new_zeros", "randn", "module_to"],
)
def test_making_a_bfloat16_tensor_says_to_use_float32(make: object) -> None:
    with pytest.raises(TypeError, match=r"glassgrad stores no bfloat16 tensors.*Use gg.float32 \(or gg.float16"):
        make()


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = gg.finfo(getattr(gg, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert ours.dtype == theirs.dtype == name
    assert repr(ours) == repr(theirs)


def test_finfo_of_bfloat16_without_torch() -> None:
    info = gg.finfo(gg.bfloat16)
    assert (info.eps, info.max, info.tiny) == (0.0078125, 3.3895313892515355e38, 1.1754943508222875e-38)
    assert gg.finfo().eps == gg.finfo(gg.float32).eps == 2.0**-23


@pytest.mark.parametrize("name", INTEGERS)
def test_iinfo_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = gg.iinfo(getattr(gg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max, ours.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)
    assert repr(ours) == repr(theirs)


def test_finfo_and_iinfo_refuse_the_other_kind() -> None:
    with pytest.raises(TypeError, match="finfo.*floating point.*use gg.iinfo"):
        gg.finfo(gg.int64)
    with pytest.raises(TypeError, match="iinfo.*integer dtype.*use gg.finfo"):
        gg.iinfo(gg.float32)
    with pytest.raises(TypeError, match="iinfo.*integer dtype.*use gg.finfo"):
        gg.iinfo(gg.bfloat16)
    with pytest.raises(TypeError, match="gg.bool"):
        gg.iinfo(gg.bool)
