"""torch.cuda / amp / backends / accelerator / compile / inference_mode / settings: the answers PyTorch gives on
this machine, and GradScaler's arithmetic step for step against PyTorch's CPU GradScaler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available

no_gpu = pytest.mark.skipif(cuda_is_available(), reason="answers for a machine without a GPU")


@no_gpu
def test_cuda_answers_as_torch_does_without_a_gpu():
    torch = pytest.importorskip("torch")
    assert gg.cuda.is_available() is torch.cuda.is_available() is False
    assert gg.cuda.device_count() == torch.cuda.device_count() == 0
    assert gg.cuda.is_bf16_supported() is False
    for module in (gg, torch):
        module.cuda.manual_seed(1)  # accepted, and nothing to seed
        module.cuda.manual_seed_all(1)
        module.cuda.synchronize() if module is gg else None
    with pytest.raises(RuntimeError, match="no GPU"):
        gg.cuda.current_device()
    with pytest.raises((RuntimeError, AssertionError)):
        torch.cuda.current_device()
    assert gg.accelerator.is_available() is torch.accelerator.is_available() is False
    assert gg.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert gg.accelerator.device_count() == 0


@no_gpu
def test_cuda_manual_seed_does_not_touch_the_cpu_draws():
    gg.manual_seed(5)
    first = gg.rand(3).numpy()
    gg.manual_seed(5)
    gg.cuda.manual_seed(99)
    np.testing.assert_array_equal(gg.rand(3).numpy(), first)


def test_backends_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(gg.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert gg.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    assert gg.backends.mps.is_available() is False
    previous = gg.backends.cudnn.benchmark
    gg.backends.cudnn.benchmark = True
    assert gg.backends.cudnn.benchmark is True
    gg.backends.cudnn.benchmark = previous
    gg.backends.cuda.matmul.allow_tf32 = True
    assert gg.backends.cuda.matmul.allow_tf32 is True
    gg.backends.cuda.matmul.allow_tf32 = False
    with pytest.raises(AttributeError, match="allow_tf32"):
        gg.backends.cuda.matmul.allow_tf23 = True  # a misspelt switch is refused, as in PyTorch
    with pytest.raises(AttributeError):
        torch.backends.cuda.matmul.allow_tf23 = True


def test_compile_returns_the_model_and_decorates():
    model = gg.nn.Linear(3, 2)
    assert gg.compile(model) is model
    assert gg.compile(model, mode="max-autotune", fullgraph=True) is model

    @gg.compile
    def double(x):
        return 2 * x

    @gg.compile(mode="reduce-overhead")
    def triple(x):
        return 3 * x

    assert double(gg.tensor(2.0)).item() == 4.0 and triple(gg.tensor(2.0)).item() == 6.0
    with pytest.raises(RuntimeError, match="unknown mode"):
        gg.compile(model, mode="fastest")


def test_matmul_precision_is_validated_and_remembered():
    torch = pytest.importorskip("torch")
    assert gg.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    gg.set_float32_matmul_precision("high")
    assert gg.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning, match="no effect"):
        gg.set_float32_matmul_precision("fast")  # PyTorch warns and ignores it too
    with pytest.warns(UserWarning):
        torch.set_float32_matmul_precision("fast")
    assert gg.get_float32_matmul_precision() == "high"
    gg.set_float32_matmul_precision("highest")


def test_inference_mode_context_decorator_and_bare_decorator():
    x = gg.ones(2, requires_grad=True)
    with gg.inference_mode():
        assert not gg.is_grad_enabled() and gg.is_inference_mode_enabled()
        assert not (x * 2).requires_grad
    assert gg.is_grad_enabled() and not gg.is_inference_mode_enabled()
    with gg.inference_mode(False):
        assert (x * 2).requires_grad and not gg.is_inference_mode_enabled()

    @gg.inference_mode()
    def called():
        return (x * 2).requires_grad, gg.is_inference_mode_enabled()

    @gg.inference_mode
    def bare():
        return (x * 2).requires_grad

    @gg.no_grad
    def bare_no_grad():
        return (x * 2).requires_grad

    assert called() == (False, True) and bare() is False and bare_no_grad() is False
    assert gg.is_grad_enabled()


def test_autocast_accepts_and_changes_nothing():
    torch = pytest.importorskip("torch")
    layer = gg.nn.Linear(4, 3)
    x = gg.randn(2, 4)
    plain = layer(x)
    with gg.amp.autocast(device_type="cpu", dtype=gg.float16):
        assert gg.is_autocast_enabled("cpu")
        inside = layer(x)
    assert not gg.is_autocast_enabled("cpu")
    assert inside.dtype == gg.float32
    np.testing.assert_array_equal(inside.detach().numpy(), plain.detach().numpy())
    with gg.autocast("cuda", enabled=False):
        assert not gg.is_autocast_enabled("cuda")
    with pytest.raises(RuntimeError, match="device_type"):
        gg.amp.autocast(device_type="gpu")
    with pytest.raises(RuntimeError):
        torch.amp.autocast(device_type="gpu")


@no_gpu
def test_cuda_grad_scaler_without_gpu_disables_itself_as_torch_does():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = gg.cuda.amp.GradScaler()
        reference = torch.amp.GradScaler("cuda")
    assert any("CUDA is not available" in str(w.message) for w in caught)
    assert scaler.is_enabled() is reference.is_enabled() is False
    assert scaler.get_scale() == reference.get_scale() == 1.0
    loss = gg.tensor(3.0)
    assert scaler.scale(loss) is loss
    assert scaler.state_dict() == reference.state_dict() == {}


def test_grad_scaler_matches_torch_step_for_step_with_skipped_steps():
    """The same model, the same gradients (one step poisoned with inf): same scales, same skips, same weights."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((3, 4)).astype(np.float32)
    inputs = [rng.standard_normal((5, 4)).astype(np.float32) for _ in range(6)]
    results = {}
    for name, lib in (("glassgrad", gg), ("torch", torch)):
        w = lib.nn.Parameter(lib.tensor(weight.copy()))
        optimizer = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=2)
        scales = []
        for step, x in enumerate(inputs):
            optimizer.zero_grad()
            loss = (lib.tensor(x) @ w.T).pow(2).mean()
            scaler.scale(loss).backward()
            if step == 3:  # an overflow: this step must be skipped and the scale backed off
                with lib.no_grad():
                    w.grad[0, 0] = float("inf")
            scaler.unscale_(optimizer)
            scaler.step(optimizer)
            scaler.update()
            scales.append(scaler.get_scale())
        results[name] = (scales, w.detach().numpy().copy(), scaler.state_dict())
    assert results["glassgrad"][0] == results["torch"][0]
    np.testing.assert_allclose(results["glassgrad"][1], results["torch"][1], rtol=1e-6, atol=1e-6)
    ours, theirs = results["glassgrad"][2], results["torch"][2]
    assert ours == {key: theirs[key] for key in ours}


def test_grad_scaler_refuses_a_second_unscale():
    w = gg.nn.Parameter(gg.ones(2))
    optimizer = gg.optim.SGD([w], lr=0.1)
    scaler = gg.amp.GradScaler("cpu")
    scaler.scale(w.sum()).backward()
    scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(optimizer)


def test_settings():
    torch = pytest.importorskip("torch")
    assert gg.get_default_dtype() == gg.float32 and torch.get_default_dtype() == torch.float32
    gg.set_default_dtype(gg.float32)
    with pytest.raises(NotImplementedError, match="always float32"):
        gg.set_default_dtype(gg.float64)
    gg.use_deterministic_algorithms(True)
    assert gg.are_deterministic_algorithms_enabled()
    gg.use_deterministic_algorithms(False)
    gg.manual_seed(1234)
    assert gg.initial_seed() == 1234
    chosen = gg.seed()
    assert gg.initial_seed() == chosen
    assert gg.get_num_threads() >= 1


def test_missing_names_say_so_in_every_namespace():
    for expression, path in [(lambda: gg.not_a_function, "torch.not_a_function"),
                             (lambda: gg.nn.NotALayer, "torch.nn.NotALayer"),
                             (lambda: gg.nn.functional.not_a_function, "torch.nn.functional.not_a_function"),
                             (lambda: gg.optim.NotAnOptimizer, "torch.optim.NotAnOptimizer"),
                             (lambda: gg.cuda.not_a_thing, "torch.cuda.not_a_thing"),
                             (lambda: gg.ones(1).not_a_method, "torch.Tensor.not_a_method")]:
        with pytest.raises(AttributeError) as caught:
            expression()
        assert str(caught.value).startswith(f"glassgrad does not implement {path} (used at ")
        assert "test_torch_namespaces.py" in str(caught.value)
    assert not hasattr(gg, "not_a_function")
    assert getattr(gg.nn, "NotALayer", None) is None


def test_suggestions_are_public_names_only():
    with pytest.raises(AttributeError) as caught:
        _ = gg.backendz
    assert "torch.backends" in str(caught.value)
    with pytest.raises(AttributeError) as caught:
        _ = gg.kernelz
    assert "kernels" not in str(caught.value)
    with pytest.raises(AttributeError) as caught:
        _ = gg.optim.lr_scheduler.OneCycleLRR
    assert "closest glassgrad name is torch.optim.lr_scheduler.OneCycleLR" in str(caught.value)
