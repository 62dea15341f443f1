"""Learn XOR with a two-layer network, using nothing but tensors and the autograd engine.

XOR is the classic function no single linear layer can represent: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0.
A hidden layer with a non-linearity (tanh) bends the input space so a line can separate the classes.

The training loop is written out by hand on purpose: forward, backward, update are the three steps every loop
repeats, and this is the one example that shows them bare. The other examples hand the same steps (plus batches,
schedules, evaluation and logging) to `glassgrad.train.fit`.

    python examples/xor.py
"""

import time

import glassgrad as gg


def main(steps: int = 1000, learning_rate: float = 1.0, seed: int = 0) -> float:
    gg.manual_seed(seed)
    x = gg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2) inputs
    y = gg.tensor([[0.0], [1.0], [1.0], [0.0]])  # (4, 1) targets

    # Parameters of h = tanh(x W1 + b1), p = σ(h W2 + b2): 2 inputs → 8 hidden units → 1 output.
    w1 = (gg.randn(2, 8) * 1.0).requires_grad_()
    b1 = gg.zeros(8, requires_grad=True)
    w2 = (gg.randn(8, 1) * 1.0).requires_grad_()
    b2 = gg.zeros(1, requires_grad=True)
    parameters = [w1, b1, w2, b2]

    start = time.perf_counter()
    for step in range(steps + 1):
        # 1. forward: weighted sums plus bias, then a non-linearity, layer by layer
        hidden = (x @ w1 + b1).tanh()
        prediction = (hidden @ w2 + b2).sigmoid()
        loss = ((prediction - y) ** 2).mean()  # mean squared error
        # 2. backward: the chain rule fills p.grad = d loss / d p for every parameter
        for p in parameters:
            p.grad = None
        loss.backward()
        # 3. gradient descent: step every parameter against its gradient
        with gg.no_grad():
            for p in parameters:
                p -= learning_rate * p.grad  # in place, outside the graph
        if step % 100 == 0:
            print(f"step {step:4d}  loss {loss.item():.6f}")

    print(f"predictions: {[round(v, 3) for v in prediction.detach().reshape(-1).tolist()]} (targets 0 1 1 0)")
    print(f"trained in {time.perf_counter() - start:.2f} s")
    return loss.item()


if __name__ == "__main__":
    main()
