"""`glassgrad.nn.utils`: gradient clipping and parameter/vector conversion, as `torch.nn.utils`."""

from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]

from ... import _missing  # noqa: E402

_missing.install(globals(), "torch.nn.utils")  # "glassgrad does not implement torch.nn.utils.X"
