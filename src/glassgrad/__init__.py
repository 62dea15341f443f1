"""glassgrad: deep learning from first principles, with PyTorch's API.

    import glassgrad as gg
    x = gg.randn(3, requires_grad=True)
    (x * x).sum().backward()     # x.grad == 2x
"""

from . import _process_setup  # noqa: I001  (first: it must run before NumPy loads OpenBLAS)
from . import accelerator, amp, autograd, backend, backends, cuda, data, datasets, distributions, functional, nn
from . import optim, utils
from . import _missing
from .amp import autocast, is_autocast_enabled
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import (
    DType,
    bfloat16,
    bool_,
    device,
    finfo,
    float16,
    float32,
    float64,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from .backend.random import Generator, get_rng_state, initial_seed, manual_seed, set_rng_state
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .doctor_report import doctor
from .serialization import load, save
from .tensor import Tensor
from .tensor_types import BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor
from .torch_functions import (
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    cat,
    chunk,
    clamp,
    clip,
    clone,
    concat,
    concatenate,
    cos,
    div,
    einsum,
    eq,
    equal,
    exp,
    flatten,
    gather,
    ge,
    gt,
    is_tensor,
    le,
    log,
    log1p,
    log_softmax,
    logsumexp,
    lt,
    masked_fill,
    matmul,
    max,
    maximum,
    meshgrid,
    mean,
    min,
    minimum,
    mul,
    narrow,
    multinomial,
    ne,
    neg,
    numel,
    permute,
    pow,
    prod,
    relu,
    reshape,
    roll,
    rsqrt,
    sigmoid,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    t,
    topk,
    tanh,
    transpose,
    tril,
    triu,
    unbind,
    unsqueeze,
    var,
    where,
)

bool = bool_  # noqa: A001 - `gg.bool` is `torch.bool`
float = float32  # noqa: A001 - `gg.float` is `torch.float`
double = float64
half = float16
long = int64
int = int32  # noqa: A001


from .torch_settings import (  # noqa: E402 - after the dtype names above, which it does not shadow
    are_deterministic_algorithms_enabled,
    compile,
    get_default_dtype,
    get_float32_matmul_precision,
    get_num_threads,
    seed,
    set_default_dtype,
    set_float32_matmul_precision,
    set_num_threads,
    use_deterministic_algorithms,
)

__version__ = "0.1.0"

# `torch.X` for an X glassgrad lacks: "glassgrad does not implement torch.X (used at script.py:12)".
_missing.install(globals(), "torch")
