"""`torch.nn.modules.transformer` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: F401
from ..transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer  # noqa: F401
