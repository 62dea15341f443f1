"""nn.ConvTranspose1d / nn.ConvTranspose2d against PyTorch's with copied weights: outputs and every gradient in
float32, state_dict keys, repr, initialisation range, and the errors. (The op's float64 gradcheck, gradgradcheck
and double-backward parity run from tests/ops/fused_cases.py.)"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn

torch = pytest.importorskip("torch")

CONFIGS = [
    ("ConvTranspose2d", (2, 4, 5, 6), dict(in_channels=4, out_channels=3, kernel_size=3)),
    ("ConvTranspose2d", (2, 4, 5, 6), dict(in_channels=4, out_channels=3, kernel_size=4, stride=2, padding=1,
                                           output_padding=1)),
    ("ConvTranspose2d", (2, 4, 5, 6), dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1),
                                           padding=(1, 0), groups=2, dilation=2, bias=False)),
    ("ConvTranspose2d", (4, 5, 6), dict(in_channels=4, out_channels=2, kernel_size=3, stride=3)),  # unbatched
    ("ConvTranspose1d", (2, 3, 9), dict(in_channels=3, out_channels=2, kernel_size=4, stride=2, padding=1)),
    ("ConvTranspose1d", (2, 4, 7), dict(in_channels=4, out_channels=4, kernel_size=3, stride=3, padding=1,
                                        output_padding=2, groups=4, dilation=1)),
]


@pytest.mark.parametrize("name,shape,kwargs", CONFIGS)
def test_matches_torch_float32(name, shape, kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(**kwargs)
    ours = getattr(nn, name)(**kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xg), theirs(xt)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    upstream = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    (y * gg.tensor(upstream)).sum().backward()
    (yt * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    grads = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for k, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[k], rtol=1e-5, atol=1e-5, err_msg=k)
    assert repr(ours) == repr(theirs)


def test_init_range_is_torchs():
    layer = nn.ConvTranspose2d(8, 6, kernel_size=3, groups=2)
    assert layer.weight.shape == (8, 3, 3, 3) and layer.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 9)  # fan_in = out_channels/groups · kh · kw, read from the transposed weight
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="output padding must be smaller"):
        nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2)(gg.randn(1, 2, 4, 4))
    with pytest.raises(ValueError, match="expected input with 2 channels"):
        nn.ConvTranspose1d(2, 2, 3)(gg.randn(1, 3, 4))
    with pytest.raises(ValueError, match="padding='same' is not supported"):
        nn.ConvTranspose2d(2, 2, 3, padding="same")
