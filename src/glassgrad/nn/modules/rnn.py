"""`torch.nn.modules.rnn` as a path: re-exports of glassgrad.nn (no logic here)."""

from ..recurrent import GRU, LSTM, RNN, RNNBase  # noqa: F401
from ..recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: F401
