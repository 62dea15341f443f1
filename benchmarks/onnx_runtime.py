"""ONNX Runtime against glassgrad on the exported models: the largest output difference, and the forward time.

    python benchmarks/onnx_runtime.py            # every model in glassgrad.models, at the recipes' sizes
    python benchmarks/onnx_runtime.py --repeat 5 --threads 2

Each model is exported with a dynamic batch axis (traced at batch 2, run at the batch below), ONNX Runtime
(CPUExecutionProvider) and glassgrad (no_grad, eval) run the same random input with the same thread count, and
the table gives max |ORT − glassgrad| over every output and the median of `--repeat` timed runs of each, after
one warm-up, in alternating rounds (ORT, glassgrad, ORT, ...) so that a busy moment of the machine hits both.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
import onnxruntime as ort

import glassgrad as gg
from glassgrad.models import GPT, MLP, CharRNN, ConvNet, GPTConfig, ViT
from glassgrad.viz.graph_modules import tensors_in


def images(batch: int) -> gg.Tensor:
    return gg.randn(batch, 1, 28, 28)


def text(vocab: int, length: int):
    return lambda batch: gg.randint(0, vocab, (batch, length))


# name: (model, input for a batch size, batch run); sizes of the recipes (glassgrad recipes)
MODELS = {
    "MLP 784-512-256-10": (lambda: MLP(784, [512, 256], 10), images, 64),
    "ConvNet (batch norm)": (lambda: ConvNet(1, 10, (32, 64), 128, 28, batch_norm=True), images, 64),
    "CharRNN LSTM 256": (lambda: CharRNN(65, 64, 256, cell="lstm"), text(65, 64), 16),
    "CharRNN GRU 256": (lambda: CharRNN(65, 64, 256, cell="gru"), text(65, 64), 16),
    "GPT 4x4x128": (lambda: GPT(GPTConfig(block_size=64, vocab_size=65, n_layer=4, n_head=4, n_embd=128,
                                          dropout=0.0, bias=False)), text(65, 64), 16),  # fmt: skip
    "ViT 7x7 patches, 4 blocks": (lambda: ViT(28, 7, 1, 10, dim=64, depth=4, heads=4, mlp_dim=128), images, 64),
}


def median_seconds(functions: list, repeat: int) -> list[float]:
    """The median time of each function over `repeat` alternating rounds, after one warm-up call each (ORT's
    first run plans its memory, glassgrad's compiles its kernels)."""
    times: list[list[float]] = [[] for _ in functions]
    for function in functions:
        function()
    for _ in range(repeat):
        for function, spent in zip(functions, times):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def measure(name: str, repeat: int, threads: int) -> tuple[float, float, float]:
    make, inputs, batch = MODELS[name]
    gg.manual_seed(0)
    model = make().eval()
    buffer = io.BytesIO()
    gg.onnx.export(model, (inputs(2),), buffer, input_names=["input"], dynamic_axes={"input": [0]})
    options = ort.SessionOptions()
    options.log_severity_level = 3  # the state outputs' batch axis is left static: no shape warnings
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    x = inputs(batch)
    feed = {"input": x.numpy()}

    def glassgrad_forward():
        with gg.no_grad():
            return [t.numpy() for t in tensors_in(model(x))]

    expected, got = glassgrad_forward(), session.run(None, feed)
    difference = max(float(np.abs(a.astype(np.float64) - b).max()) for a, b in zip(expected, got))
    ort_time, gg_time = median_seconds([lambda: session.run(None, feed), glassgrad_forward], repeat)
    return difference, ort_time, gg_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="threads for each (default 1)")
    args = parser.parse_args()
    gg.set_num_threads(args.threads)
    print(f"{'model':28} {'batch':>5} {'max |diff|':>11} {'ORT ms':>8} {'glassgrad ms':>13} {'ratio':>6}")
    for name, (_, _, batch) in MODELS.items():
        difference, ort_time, gg_time = measure(name, args.repeat, args.threads)
        print(f"{name:28} {batch:>5} {difference:>11.2e} {ort_time * 1e3:>8.2f} {gg_time * 1e3:>13.2f} "
              f"{gg_time / ort_time:>5.1f}x")


if __name__ == "__main__":
    main()
