"""Convolution: one small filter slid over the whole image finds the same pattern wherever it is.

A convolution takes a tiny grid of weights (here 3×3), lays it over every position of the image, and writes down
the weighted sum of the pixels under it. The first picture does this by hand with the Sobel filter, whose weights
(-1 on the left, +1 on the right) make the sum large where the image gets brighter from left to right: the output
lights up on the left and right edges of each stroke. A convolutional network (CNN) learns its filters instead of
being given them. The second picture shows the 8 filters the digits CNN learnt in its first layer, and what each
of them makes of one digit (its "feature maps", caught with forward hooks, which read a layer without changing it):
some find edges in one direction, some fill in the strokes.

Because one filter is reused at every position, a CNN needs far fewer weights than a fully connected network
(MLP), where every pixel has its own weight to every hidden unit. The numbers: test accuracy and parameter count of
a small CNN against an MLP. The issue's claim, the CNN reaching 98.5% with fewer parameters than the MLP needs for
97%, takes longer training than the quick budget allows: it is measured with `--full`. The quick run measures the
same idea on a shorter run: the CNN is more accurate than the MLP while it learns about a quarter as many numbers.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import glassgrad as gg  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402
from glassgrad.lab.digits import accuracy, count_parameters, load_digits, train_classifier  # noqa: E402
from glassgrad.models import MLP, ConvNet  # noqa: E402

TITLE = "Convolution"

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)  # brighter to the right -> positive


def run(bench):
    train_images, train_labels, test_images, test_labels = load_digits()
    digit = test_images[0]  # (1, 28, 28)

    # 1. A hand-set filter: F.conv2d wants (batch, channels, H, W) images and (out, in, 3, 3) filters.
    edges = F.conv2d(gg.tensor(digit[None]), gg.tensor(SOBEL_X[None, None]), padding=1).numpy()[0, 0]
    # The same sum written out at one pixel: the 3×3 patch around (row, col) times the filter, added up.
    row, col = 14, 10
    patch = np.pad(digit[0], 1)[row : row + 3, col : col + 3]
    by_hand = float((patch * SOBEL_X).sum())
    fig, axes = plt.subplots(1, 3, figsize=(9, 3))
    for ax, picture, title in zip(axes, [digit[0], SOBEL_X, edges], ["digit", "Sobel filter (3×3)", "output"]):
        ax.imshow(picture, cmap="gray" if title == "digit" else "RdBu_r")
        ax.set_title(title)
        ax.axis("off")
    bench.figure(fig, "sobel", "A digit, the Sobel edge filter, and conv2d's output: red where the image gets "
                               "brighter to the right, blue where it gets darker")  # fmt: skip

    # 2. A small CNN and an MLP, trained the same way (images shifted by a pixel or two, so position matters less).
    cnn_steps, mlp_steps = (3000, 3000) if bench.full else (1500, 2000)
    cnn = ConvNet(channels=(16, 32, 32) if bench.full else (8, 16), hidden=32)
    train_classifier(cnn, train_images, train_labels, cnn_steps, batch_size=64, lr=3e-3, shift=1)
    mlp = MLP(784, [128], 10)
    train_classifier(mlp, train_images, train_labels, mlp_steps, batch_size=128, lr=2e-3, shift=2)
    cnn_accuracy, mlp_accuracy = accuracy(cnn, test_images, test_labels), accuracy(mlp, test_images, test_labels)
    cnn_size, mlp_size = count_parameters(cnn), count_parameters(mlp)

    # 3. The learnt first-layer filters, and what they make of the digit: forward hooks catch each layer's output.
    caught = {}
    first_relu, second_relu = cnn.features[1], cnn.features[4]  # Conv, ReLU, Pool, Conv, ReLU, Pool
    handles = [layer.register_forward_hook(lambda module, args, output, name=name: caught.update({name: output}))
               for name, layer in [("first layer", first_relu), ("second layer", second_relu)]]  # fmt: skip
    with gg.no_grad():
        cnn(gg.tensor(digit[None]))
    for handle in handles:
        handle.remove()
    filters = cnn.features[0].weight.detach().numpy()[:, 0]  # (8 or 16, 3, 3)
    first_maps, second_maps = caught["first layer"].numpy()[0], caught["second layer"].numpy()[0]
    shown = 8
    fig, axes = plt.subplots(3, shown, figsize=(1.4 * shown, 4.6))
    for i in range(shown):
        axes[0, i].imshow(filters[i], cmap="RdBu_r")
        axes[1, i].imshow(first_maps[i], cmap="magma")
        axes[2, i].imshow(second_maps[i], cmap="magma")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax, label in zip(axes[:, 0], ["learnt\nfilter", "its map\n(layer 1)", "layer 2\n(14×14)"]):
        ax.set_ylabel(label)
    bench.figure(fig, "filters", f"The CNN's first {shown} learnt 3×3 filters, each one's feature map of the digit, "
                                 "and feature maps one layer deeper")  # fmt: skip

    bench.claim("conv2d against the sum written out at one pixel", abs(float(edges[row, col]) - by_hand),
                expected="<= 1e-5", holds=abs(float(edges[row, col]) - by_hand) <= 1e-5)  # fmt: skip
    bench.claim("MLP 784-128-10 test accuracy", mlp_accuracy, expected=">= 0.97", holds=mlp_accuracy >= 0.97)
    bench.claim("CNN parameters / MLP parameters", cnn_size / mlp_size, expected="< 1 (fewer parameters)",
                holds=cnn_size < mlp_size)  # fmt: skip
    if bench.full:
        bench.claim("CNN test accuracy", cnn_accuracy, expected=">= 0.985", holds=cnn_accuracy >= 0.985)
    else:
        bench.claim("CNN test accuracy minus the MLP's (quick run; --full checks the CNN >= 0.985)",
                    cnn_accuracy - mlp_accuracy, expected="> 0", holds=cnn_accuracy > mlp_accuracy)  # fmt: skip
    bench.number("accuracy", {"cnn": cnn_accuracy, "mlp": mlp_accuracy})
    bench.number("parameters", {"cnn": cnn_size, "mlp": mlp_size})
