"""Limits: what these models cannot do, measured: they memorise, they are sure of themselves on nonsense, and they
imitate the look of a text without its meaning.

Memorising is not understanding. Give a network a few hundred digits whose labels were shuffled at random, so there
is nothing to learn, and it still gets every one of them "right": it has stored them one by one. On digits it has
not seen it is at chance (1 in 10), the first picture. A high training score alone proves nothing.

A classifier always answers. Shown pure noise (every pixel random), a digit classifier still names a digit and
puts far more probability on it than "no idea" would (1 in 10), second picture: its confidence, the largest
softmax probability, says how sure the model is, not how right. Nothing in it knows "none of these". Measured here
it is less sure on noise than on real digits (about a third on average, against 0.95), so "confident" holds only
against chance, not against the issue's 0.5.

A language model continues text with likely characters. The GPT here learnt Tiny Shakespeare for a short while; its
sample (third picture) has the look of a play: names in capitals, short lines, some real words. What it says means
nothing, and it is not copied: no run of three words in the sample occurs in the training text. The numbers: the
share of the sample's words that are words of the text, against letters drawn at random with Shakespeare's letter
frequencies, and the share of the sample's three-word runs found in the text. The quick run's 250 steps are too
few for fluency (about a fifth of the words are real); `--full` trains 2,000 steps.
"""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import glassgrad as gg  # noqa: E402
from glassgrad.datasets import TinyShakespeare  # noqa: E402
from glassgrad.datasets.digits import MEAN, STD  # noqa: E402
from glassgrad.lab.digits import accuracy, load_digits, probabilities, train_classifier  # noqa: E402
from glassgrad.models import MLP  # noqa: E402
from glassgrad.train.config import TrainConfig  # noqa: E402
from glassgrad.train.loop import fit  # noqa: E402
from glassgrad.train.recipes import get_recipe  # noqa: E402

TITLE = "What these models cannot do"


def words(text):
    return re.findall(r"[a-z']+", text.lower())


def runs_of(items, n):
    return {tuple(items[i : i + n]) for i in range(len(items) - n + 1)}


def run(bench):
    train_images, train_labels, test_images, test_labels = load_digits()

    # 1. Random labels: 500 digits, each given a label drawn at random, learnt by heart.
    few = bench.rng.choice(len(train_images), 500, replace=False)
    random_labels = bench.rng.integers(0, 10, 500)
    memoriser = MLP(784, [256], 10)
    losses = train_classifier(memoriser, train_images[few], random_labels, 600, batch_size=100, lr=2e-3,
                              weight_decay=0.0)  # fmt: skip
    memorised = accuracy(memoriser, train_images[few], random_labels)
    unseen = accuracy(memoriser, test_images, test_labels)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(losses)
    ax.set(xlabel="step", ylabel="training loss", title=f"random labels: train {memorised:.0%}, test {unseen:.0%}")
    bench.figure(fig, "random_labels", "Training loss of an MLP learning 500 digits with random labels: it falls "
                                       "to zero by memorising, and the test accuracy stays at chance")  # fmt: skip

    # 2. Pure noise shown to a digit classifier trained on the real labels.
    classifier = MLP(784, [128], 10)
    train_classifier(classifier, train_images, train_labels, 600, batch_size=128, lr=2e-3)
    noise = ((bench.rng.random((500, 1, 28, 28)) - MEAN) / STD).astype(np.float32)  # pixels uniform in [0, 1]
    noise_confidence = probabilities(classifier, noise).max(axis=1)
    digit_confidence = probabilities(classifier, test_images).max(axis=1)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist([digit_confidence, noise_confidence], bins=20, range=(0, 1), label=["real digits", "pure noise"])
    ax.axvline(0.1, color="gray", linestyle=":", label="no idea (1/10)")
    ax.set(xlabel="largest softmax probability", ylabel="images")
    ax.legend()
    bench.figure(fig, "noise_confidence", "How sure the digit classifier is on real digits and on pure noise")

    # 3. A GPT trained on Shakespeare for a short while (the gpt-shakespeare recipe), then sampled.
    recipe = get_recipe("gpt-shakespeare")
    steps = 2000 if bench.full else 250
    settings = recipe.resolve(TrainConfig(recipe="gpt-shakespeare", steps=steps, eval_limit=50, seed=0))
    gg.manual_seed(0)
    experiment = recipe.build(settings)
    loop = fit(experiment, settings.steps, eval_every=settings.steps, log_every=settings.steps,
               grad_clip=recipe.grad_clip)  # fmt: skip
    gg.manual_seed(1)
    sample = experiment.extras["sample"](experiment.model, "\n", 400)
    shakespeare = TinyShakespeare(block_size=64, split="train")
    text = shakespeare.decode(shakespeare.data)
    vocabulary, text_words = set(words(text)), words(text)
    letters, counts = np.unique(list(text), return_counts=True)  # a baseline: letters by their frequency, no model
    random_letters = "".join(bench.rng.choice(letters, len(sample), p=counts / counts.sum()))
    sample_words = words(sample)
    real_words = np.mean([w in vocabulary for w in sample_words])
    random_real_words = np.mean([w in vocabulary for w in words(random_letters)])
    copied_runs = len(runs_of(sample_words, 3) & runs_of(text_words, 3)) / max(1, len(runs_of(sample_words, 3)))
    fig, ax = plt.subplots(figsize=(7, 5.5))
    ax.text(0, 1, sample.strip(), family="monospace", fontsize=8, va="top", wrap=True)
    ax.axis("off")
    ax.set_title(f"GPT after {steps} steps (validation loss {loop.last_eval['val_loss']:.2f} nats/char)")
    bench.figure(fig, "gpt_sample", f"400 characters sampled from the GPT: {real_words:.0%} of its words are "
                                    "Shakespeare's words, the lines mean nothing")  # fmt: skip

    bench.claim("train accuracy on random labels", memorised, expected="1.0 (memorised)", holds=memorised >= 1.0)
    bench.claim("test accuracy of the random-label network", unseen, expected="about 0.1 (chance), <= 0.15",
                holds=unseen <= 0.15)  # fmt: skip
    confidence = float(noise_confidence.mean())
    bench.claim("mean largest softmax probability on pure noise", confidence,
                expected=">= 0.5 (the issue: confident answers)", holds=confidence >= 0.5)  # fmt: skip
    bench.claim("the same, against chance (0.1)", confidence / 0.1, expected=">= 3 (far surer than no idea)",
                holds=confidence >= 0.3)  # fmt: skip
    bench.claim("share of the GPT sample's words that occur in the text", real_words,
                expected=">= 0.5 (the issue: fluent)", holds=real_words >= 0.5)  # fmt: skip
    bench.claim("the same, minus the share for random letters", real_words - random_real_words,
                expected="> 0 (more real words than chance)", holds=real_words > random_real_words)  # fmt: skip
    bench.claim("share of the sample's three-word runs found in the text", copied_runs, expected="<= 0.2 (not copied)",
                holds=copied_runs <= 0.2)  # fmt: skip
    bench.number("share of real words for random letters", random_real_words)
    bench.number("mean largest softmax probability on real digits", float(digit_confidence.mean()))
    bench.number("gpt validation loss", loop.last_eval["val_loss"])
    bench.number("gpt sample", sample)
