"""Sequence data and a tiny training loop shared by the memory and attention experiments."""

import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as F


def recall_batch(rng, batch, length, classes, noise_tokens):
    """Sequences whose first token is one of `classes` labels and whose other tokens are noise; the target is
    the first token. Returned one-hot, (batch, length, classes + noise_tokens), with the labels (batch,)."""
    labels = rng.integers(0, classes, batch)
    tokens = rng.integers(classes, classes + noise_tokens, (batch, length))  # noise never looks like a label
    tokens[:, 0] = labels
    one_hot = np.eye(classes + noise_tokens, dtype=np.float32)[tokens]
    return one_hot, labels


def reverse_batch(rng, batch, length, vocabulary):
    """Random token sequences and the same sequences reversed (the target at position i is token length-1-i)."""
    tokens = rng.integers(0, vocabulary, (batch, length))
    return tokens, tokens[:, ::-1].copy()


def train(model, optimizer, make_batch, steps, evaluate, every):
    """Cross-entropy training: make_batch() gives (inputs, targets); every `every` steps (and at the end) record
    (step, evaluate(model)). The logits and targets are flattened so one loop serves per-sequence and per-token
    tasks."""
    history = []
    for step in range(1, steps + 1):
        inputs, targets = make_batch()
        logits = model(gg.tensor(inputs))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), gg.tensor(targets.reshape(-1)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % every == 0 or step == steps:
            history.append((step, evaluate(model)))
    return history


def accuracy(model, inputs, targets):
    """The fraction of predictions (argmax of the logits over the last axis) equal to the targets."""
    with gg.no_grad():
        predicted = model(gg.tensor(inputs)).numpy().argmax(-1)
    return float(np.mean(predicted == targets))
