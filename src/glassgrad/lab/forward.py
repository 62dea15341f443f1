"""What happens inside a network when it looks at one input. A network is a chain of layers; each takes the
previous layer's output (a block of numbers with a shape), transforms it, and passes it on, until the last layer
gives one score per class. glassgrad lets us watch this without changing the network: a forward hook is a small
function attached to a layer that is called with the layer's output every time the layer runs.

The pictures follow one handwritten digit through two small networks, trained briefly on the bundled digits. In
the fully connected network (MLP), every layer's output is a row of numbers, drawn as a strip of coloured cells
(bright is large). In the convolutional network (CNN), the early layers keep the picture's layout: each channel is
an image of where one learned pattern was found, a max-pool halves the size, and only at the end is everything
flattened into a row and turned into ten scores. The titles give each output's shape: (1, 4, 28, 28) means one
image, four channels, 28 by 28 pixels. The claims check that the hooks saw exactly what the network computed.
"""

import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.nn as nn
import glassgrad.nn.functional as F
import glassgrad.optim as optim
from glassgrad.datasets import digits

TITLE = "One input, traced layer by layer"
CHANNELS_SHOWN = 8


def small_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (1, 4, 14, 14)
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (1, 8, 7, 7)
        nn.Flatten(), nn.Linear(8 * 7 * 7, 10),
    )  # fmt: skip


def train_briefly(model, images, labels, steps, rng):
    optimizer = optim.Adam(model.parameters(), lr=0.003)
    for _ in range(steps):
        batch = rng.integers(0, len(images), 64)
        loss = F.cross_entropy(model(gg.tensor(images[batch])), gg.tensor(labels[batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def trace(model, image):
    """Run the model once with a forward hook on every layer; return [(name, output as NumPy)] and the output."""
    seen = []
    handles = [
        layer.register_forward_hook(lambda layer, inputs, output, name=name: seen.append((name, output.numpy())))
        for name, layer in model.named_children()
    ]
    try:
        with gg.no_grad():
            output = model(gg.tensor(image)).numpy()
    finally:
        for handle in handles:  # remove the hooks: the model is left exactly as it was
            handle.remove()
    return seen, output


def draw_trace(model, image, seen, title):
    """One row per layer: a channel per panel for images (N, C, H, W), a strip of cells for vectors (N, F)."""
    rows = [("input", image)] + seen
    figure, axes = plt.subplots(len(rows), CHANNELS_SHOWN, figsize=(1.6 * CHANNELS_SHOWN, 1.5 * len(rows)))
    for row, (name, values) in enumerate(rows):
        layer = "input" if name == "input" else f"{name}: {type(model[int(name)]).__name__}"
        for ax in axes[row]:
            ax.axis("off")
        if values.ndim == 4:  # an image per channel
            for channel in range(min(values.shape[1], CHANNELS_SHOWN)):
                axes[row, channel].imshow(values[0, channel], cmap="viridis")
        else:  # a vector: spread across the row as one strip
            strip = plt.subplot2grid((len(rows), CHANNELS_SHOWN), (row, 0), colspan=CHANNELS_SHOWN, fig=figure)
            strip.imshow(values[:1], cmap="viridis", aspect="auto")
            strip.set_yticks([])
            strip.set_xticks(range(10) if values.shape[1] == 10 else [])
        titled = axes[row, 0] if values.ndim == 4 else strip
        titled.set_title(f"{layer} {tuple(values.shape)}, values {values.min():.2f} to {values.max():.2f}",
                         fontsize=8, loc="left")
    figure.suptitle(title, y=0.995)
    figure.subplots_adjust(hspace=0.6, top=0.95)
    return figure


def run(bench):
    gg.manual_seed(0)
    images, labels = digits.load_arrays(train=True, normalize=True)
    test_images, test_labels = digits.load_arrays(train=False, normalize=True)
    first_seven = int(np.flatnonzero(test_labels == 7)[0])
    image = test_images[first_seven : first_seven + 1]  # one digit, a 7: shape (1, 1, 28, 28)
    steps = 600 if bench.full else 100

    for name, model, expected_shapes in (
        ("mlp", small_mlp(), [(1, 784), (1, 32), (1, 32), (1, 16), (1, 16), (1, 10)]),
        ("cnn", small_cnn(),
         [(1, 4, 28, 28), (1, 4, 28, 28), (1, 4, 14, 14), (1, 8, 14, 14), (1, 8, 14, 14), (1, 8, 7, 7), (1, 392),
          (1, 10)]),
    ):  # fmt: skip
        train_briefly(model, images, labels, steps, bench.rng)
        seen, _ = trace(model, image)
        with gg.no_grad():
            plain_output = model(gg.tensor(image)).numpy()  # the same model, no hooks attached
        answer = int(np.argmax(plain_output))
        figure = draw_trace(model, image, seen, f"{name.upper()}: digit 7, answered {answer}")
        bench.figure(figure, f"trace_{name}", f"One digit through the {name.upper()}: every layer's output with "
                     "its shape and range of values (bright is large); the last row holds the ten class scores")

        shapes = [tuple(values.shape) for _, values in seen]
        matching = sum(shape == expected for shape, expected in zip(shapes, expected_shapes))
        bench.number(f"{name}_shapes", [list(s) for s in shapes])
        bench.claim(f"{name.upper()}: layers whose output shape is as designed", matching,
                    f"all {len(expected_shapes)}", matching == len(expected_shapes) == len(shapes))
        last_hook_difference = float(np.max(np.abs(seen[-1][1] - plain_output)))
        bench.claim(f"{name.upper()}: last traced output vs model(x) without hooks (largest difference)",
                    last_hook_difference, "0 exactly", last_hook_difference == 0.0)
        # Each traced output, fed by hand into the next layer, gives exactly the next traced output.
        layer_inputs = [image] + [values for _, values in seen[:-1]]
        with gg.no_grad():
            chain_difference = max(float(np.max(np.abs(layer(gg.tensor(given)).numpy() - traced)))
                                   for layer, given, (_, traced) in zip(model, layer_inputs, seen))
        bench.claim(f"{name.upper()}: each layer applied by hand to the traced input before it (largest difference)",
                    chain_difference, "0 exactly", chain_difference == 0.0)
