"""Embedding: a lookup table of learnable vectors, one row per token id."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..autograd import no_grad
from ..functional.embedding import _normalize_padding_idx, embedding
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    r"""A table of `num_embeddings` learnable vectors of size `embedding_dim`: :math:`y = W[\text{input}]`.

    Args:
        num_embeddings: size of the vocabulary (ids are 0 .. num_embeddings − 1)
        embedding_dim: size of each vector
        padding_idx: if given, this row starts at zero and never receives a gradient (a constant "pad" vector)
        max_norm: if given, each row read by a forward call whose norm exceeds it is rescaled in place to norm
            `max_norm` first
        norm_type: the p of the p-norm for `max_norm` (default 2)
        scale_grad_by_freq: divide each row's gradient by the frequency of its id in the mini-batch
        sparse: sparse gradients are not supported; must be ``False``
        _weight: an initial weight tensor (num_embeddings, embedding_dim) to use instead of the default init
        _freeze: if ``True``, the weight does not require grad
        device, dtype: where and in which floating dtype to create the weight (default: cpu, float32)

    Shape:
        - Input: :math:`(*)`, integer ids of any shape
        - Output: :math:`(*, \text{embedding\_dim})`

    Attributes:
        weight: the learnable table of shape (num_embeddings, embedding_dim), initialised from
            :math:`\mathcal{N}(0, 1)` (the padding row, if any, set to zero).

    Gradient: :math:`\partial L/\partial W_v = \sum_{p:\ \text{input}_p = v} \partial L/\partial y_p`, a
    scatter-add (see ``F.embedding``).

    Example::

        >>> import glassgrad as gg
        >>> embedding = Embedding(10, 3)
        >>> embedding(gg.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])).shape
        (2, 4, 3)
    """

    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool
    weight: Parameter

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported in glassgrad; use sparse=False")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _normalize_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(
                creation.empty((num_embeddings, embedding_dim), dtype=dtype, device=device),
                requires_grad=not _freeze,
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {tuple(_weight.shape)}, expected "
                    f"(num_embeddings, embedding_dim) = ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0  # index assignment: the version counter records it

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose table is `embeddings` (2-D); `freeze` (default) keeps it from training."""
        if embeddings.ndim != 2:
            raise ValueError(
                "Embedding.from_pretrained: embeddings must be 2-D (rows, embedding_dim), got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, dim = embeddings.shape
        return cls(
            rows,
            dim,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings,
            _freeze=freeze,
        )
