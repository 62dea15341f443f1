"""nn.Dropout1d / nn.Dropout2d (F.dropout1d / F.dropout2d): whole channels dropped in training, identity in eval."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F


@pytest.mark.parametrize("layer,shape,spatial", [(nn.Dropout1d, (6, 40, 7), 1), (nn.Dropout2d, (6, 40, 3, 5), 2),
                                                 (nn.Dropout1d, (40, 7), 1), (nn.Dropout2d, (6, 40, 9), 1)])
def test_training_drops_whole_channels_and_scales_the_rest(layer, shape, spatial):
    gg.manual_seed(0)
    x = gg.tensor(np.random.default_rng(0).uniform(1.0, 2.0, shape).astype(np.float32), requires_grad=True)
    y = layer(p=0.25)(x)
    ratio = y.detach().numpy() / x.detach().numpy()
    per_channel = ratio.reshape(-1, int(np.prod(shape[-spatial:])))
    # every channel is all zeros or all 1/(1 - p)
    np.testing.assert_allclose(per_channel.min(axis=1), per_channel.max(axis=1), rtol=1e-6)
    kept = per_channel[:, 0] != 0
    np.testing.assert_allclose(per_channel[kept, 0], 1 / 0.75, rtol=1e-6)
    dropped = float((per_channel[:, 0] == 0).mean())
    assert 0.1 < dropped < 0.4  # p = 0.25 over ≥ 40 channels
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy() / x.detach().numpy(), rtol=1e-6)


def test_eval_mode_and_p_zero_return_the_input():
    x = gg.randn(2, 3, 4, 4)
    assert nn.Dropout2d(0.5).eval()(x) is x
    assert nn.Dropout1d(0.5).eval()(gg.randn(2, 3, 4)) is not None
    assert F.dropout2d(x, 0.0) is x


def test_p_one_zeroes_everything():
    x = gg.ones(2, 3, 4)
    assert float(F.dropout1d(x, 1.0).abs().sum()) == 0.0


def test_wrong_rank_names_the_expected_shapes():
    with pytest.raises(RuntimeError, match=r"dropout1d: Expected 2D or 3D input"):
        F.dropout1d(gg.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)


def test_matches_torch_in_eval_and_with_p_zero():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for ours, theirs in [(nn.Dropout2d(0.3).eval(), torch.nn.Dropout2d(0.3).eval()),
                         (nn.Dropout2d(0.0), torch.nn.Dropout2d(0.0))]:
        np.testing.assert_array_equal(ours(gg.tensor(data)).numpy(), theirs(torch.tensor(data)).numpy())
    assert repr(nn.Dropout1d(0.2)) == repr(torch.nn.Dropout1d(0.2))
