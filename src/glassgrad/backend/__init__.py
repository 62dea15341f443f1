"""Backend: dtypes, devices (the NumPy/CuPy seam) and random state. See README.md beside this file."""

from . import random
from .device import (
    CPU,
    CUDA,
    Array,
    cuda_is_available,
    device,
    device_of,
    move,
    namespace,
    namespace_of,
    register_namespace,
)
from .dtype import (
    DType,
    UnstoredDType,
    bfloat16,
    bool_,
    default_float,
    float16,
    float32,
    float64,
    from_numpy_dtype,
    int8,
    int16,
    int32,
    int64,
    to_dtype,
    uint8,
)
from .dtype_info import finfo, iinfo

__all__ = [
    "Array", "CPU", "CUDA", "DType", "UnstoredDType", "bfloat16", "bool_", "cuda_is_available", "default_float",
    "device", "device_of", "finfo", "float16", "float32", "float64", "from_numpy_dtype", "iinfo", "int8", "int16",
    "int32", "int64", "move", "namespace", "namespace_of", "random", "register_namespace", "to_dtype", "uint8",
]
