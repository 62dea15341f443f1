"""A Vision Transformer: an image read as a sentence of patches, with attention deciding which patches matter.

The Transformer was made for words. A Vision Transformer (ViT) uses it on pictures by cutting the image into
squares, here 16 patches of 7×7 pixels (first picture), and treating each patch as one word. One extra learnt
"class token" is put in front; it has no pixels of its own, and in every layer it gathers information from the
patches by attention: it gives each patch a weight (the weights add up to 1) and takes the weighted mix. After the
last layer the class token alone decides which digit it is.

The second picture shows those weights for one test digit in the last layer, for each of the 4 attention heads
(each head has its own way of looking) and their average, laid over the digit: bright patches are the ones the
class token reads most. To get the weights we change nothing in the model: a forward hook catches the input of
the attention layer, and we redo its arithmetic, softmax(q·kᵀ/√d) with the layer's own weight matrices. That our
arithmetic is the layer's is checked: rebuilt from our weights, the layer's output agrees to within 1e-5. The ViT
is trained on the 8,000 bundled digits and tested on 2,000 others.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import glassgrad as gg  # noqa: E402
from glassgrad.lab.digits import accuracy, load_digits, train_classifier  # noqa: E402
from glassgrad.models import ViT  # noqa: E402

TITLE = "Vision Transformer"
PATCH = 7  # 28×28 pixels -> a 4×4 grid of 7×7 patches


def attention_weights(attention, tokens):
    """Redo one self-attention layer's arithmetic on `tokens` (1, T, D); returns its weights (heads, T, T) and
    the output rebuilt from them (1, T, D), which must equal the layer's own output."""
    heads, size = attention.num_heads, attention.embed_dim // attention.num_heads
    x = tokens.numpy()[0]  # (T, D)
    q, k, v = np.split(x @ attention.in_proj_weight.detach().numpy().T + attention.in_proj_bias.detach().numpy(), 3, 1)
    q, k, v = (m.reshape(len(x), heads, size).transpose(1, 0, 2) for m in (q, k, v))  # each (heads, T, size)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)  # how well each query matches each key
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)  # softmax: each row adds up to 1
    mixed = (weights @ v).transpose(1, 0, 2).reshape(len(x), heads * size)  # heads side by side again
    rebuilt = mixed @ attention.out_proj.weight.detach().numpy().T + attention.out_proj.bias.detach().numpy()
    return weights, rebuilt[None]


def run(bench):
    train_images, train_labels, test_images, test_labels = load_digits()
    depth, steps = (4, 3000) if bench.full else (2, 1200)
    model = ViT(image_size=28, patch_size=PATCH, in_channels=1, num_classes=10, dim=64, depth=depth, heads=4,
                mlp_dim=128)  # fmt: skip
    train_classifier(model, train_images, train_labels, steps, batch_size=64, lr=2e-3, shift=1, weight_decay=0.05)
    test_accuracy = accuracy(model, test_images, test_labels)

    # Catch what goes into and out of the last layer's attention for one digit; the hook only reads.
    digit = test_images[:1]  # (1, 1, 28, 28)
    attention = model.encoder.layers[-1].self_attn
    caught = {}
    handle = attention.register_forward_hook(lambda module, args, output: caught.update(tokens=args[0], out=output[0]))
    with gg.no_grad():
        model(gg.tensor(digit))
    handle.remove()
    weights, rebuilt = attention_weights(attention, caught["tokens"])
    difference = float(np.abs(rebuilt - caught["out"].numpy()).max())
    class_token = weights[:, 0, 1:].reshape(-1, 4, 4)  # row 0 is the class token; columns 1.. are the 16 patches

    # Picture 1: the digit and its 16 patches, pulled apart a little.
    image = digit[0, 0]
    fig, axes = plt.subplots(4, 5, figsize=(6, 4.4), gridspec_kw={"width_ratios": [4, 1, 1, 1, 1]})
    gs = axes[0, 0].get_gridspec()
    for ax in axes[:, 0]:
        ax.remove()
    whole = fig.add_subplot(gs[:, 0])
    whole.imshow(image, cmap="gray")
    whole.set_title("digit")
    for r in range(4):
        for c in range(4):
            axes[r, c + 1].imshow(image[r * PATCH : (r + 1) * PATCH, c * PATCH : (c + 1) * PATCH], cmap="gray",
                                  vmin=image.min(), vmax=image.max())  # fmt: skip
    for ax in [whole, *axes[:, 1:].flat]:
        ax.axis("off")
    bench.figure(fig, "patches", "The digit cut into 16 patches of 7×7 pixels, in reading order: the ViT's 16 words")

    # Picture 2: the class token's attention over the patches, per head and averaged, laid over the digit.
    maps = [*class_token, class_token.mean(axis=0)]
    fig, axes = plt.subplots(1, len(maps), figsize=(2.2 * len(maps), 2.5))
    for i, (ax, patch_weights) in enumerate(zip(axes, maps)):
        ax.imshow(image, cmap="gray")
        ax.imshow(np.kron(patch_weights, np.ones((PATCH, PATCH))), cmap="inferno", alpha=0.6)  # one weight per patch
        ax.set_title(f"head {i + 1}" if i < len(maps) - 1 else "average")
        ax.axis("off")
    bench.figure(fig, "class_attention", "How much the class token reads each patch in the last layer, per head "
                                         "and averaged (brighter: more weight)")  # fmt: skip

    bench.claim("recomputed attention output against the layer's own", difference, expected="<= 1e-5",
                holds=difference <= 1e-5)  # fmt: skip
    bench.claim("ViT test accuracy", test_accuracy, expected=">= 0.95", holds=test_accuracy >= 0.95)
    bench.number("class token attention (heads, 4, 4)", class_token)
