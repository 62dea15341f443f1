"""Gradient descent: to lower the loss, take a small step against its gradient, and repeat. How big a step, and
how each step remembers the ones before it, is what separates the optimizers.

Here the "network" is just a point (x, y) and the loss is a surface over the plane, so every step can be drawn.
On Rosenbrock's valley (a long, curved, nearly flat floor) plain SGD crawls; momentum keeps a running velocity and
rolls along the floor; Adam divides each coordinate's step by the typical size of its gradient, so a flat direction
gets as big a step as a steep one. On a saddle (downhill one way, uphill the other) a point starting almost on
the ridge barely feels the downhill pull: SGD creeps off it, while Adam's rescaling makes the small gradient count.

A learning rate too big overshoots: on a bowl of curvature a, any rate above 2 / a makes every step land farther
from the bottom than the last, and the loss explodes. Real training therefore starts gently (warmup: the rate
climbs over the first steps) and slows down at the end (cosine decay). Weight decay pulls every weight towards
zero a little at each step. Adam with `weight_decay` adds the pull to the gradient, so Adam's rescaling changes it;
AdamW subtracts it from the weights directly ("decoupled"), the same for every weight. The last picture shows
the size of the weights of a small regression trained with no decay, with L2 in Adam, and with AdamW.
"""


import matplotlib

matplotlib.use("Agg")  # draw off-screen: the lab runs on servers and in tests
import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
import glassgrad.optim as optim
from glassgrad.optim import lr_scheduler

TITLE = "Gradient descent and its optimizers"


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def saddle(p):
    return p[0] ** 2 - p[1] ** 2


def make_optimizer(name, params, lr):
    """The four optimizers, each at learning rate `lr`."""
    if name == "SGD":
        return optim.SGD(params, lr=lr)
    if name == "SGD + momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if name == "Adam":
        return optim.Adam(params, lr=lr)
    return optim.AdamW(params, lr=lr, weight_decay=0.01)


def descend(surface, start, name, lr, steps):
    """Follow the gradient of `surface` from `start` with optimizer `name`; return the path, one (x, y) a step."""
    point = gg.tensor(start, dtype=gg.float64, requires_grad=True)
    optimizer = make_optimizer(name, [point], lr)
    path = [point.detach().numpy().copy()]
    for _ in range(steps):
        loss = surface(point)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(point.detach().numpy().copy())
    return np.array(path)


def contour(ax, surface, box, title):
    xs, ys = np.meshgrid(np.linspace(*box[0], 200), np.linspace(*box[1], 200))
    values = surface(np.stack([xs, ys]))
    ax.contour(xs, ys, np.log1p(values - values.min()), levels=25, cmap="Greys", linewidths=0.6)
    ax.set(title=title, xlabel="x", ylabel="y")


def regression_weights(decay_kind, steps, rng):
    """Fit y = X w with 20 weights (5 matter) by Adam; return the final weights (decay 0.5 when asked for)."""
    x = rng.standard_normal((256, 20)).astype(np.float32)
    true_w = np.zeros(20, dtype=np.float32)
    true_w[:5] = [2.0, -1.5, 1.0, 0.5, -0.5]
    y = x @ true_w + 0.5 * rng.standard_normal(256).astype(np.float32)
    gg.manual_seed(0)
    w = gg.zeros(20, requires_grad=True)
    if decay_kind == "AdamW (decoupled)":
        optimizer = optim.AdamW([w], lr=0.05, weight_decay=0.5)
    else:
        optimizer = optim.Adam([w], lr=0.05, weight_decay=0.5 if decay_kind == "Adam + L2" else 0.0)
    inputs, targets = gg.tensor(x), gg.tensor(y)
    for _ in range(steps):
        loss = ((inputs @ w - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return w.detach().numpy().copy()


def run(bench):
    steps = 5000 if bench.full else 2000
    figure, axes = plt.subplots(2, 3, figsize=(16, 9))

    # 1. Four optimizers on Rosenbrock's valley, from (-1.5, 2); the minimum is at (1, 1).
    contour(axes[0, 0], rosenbrock, ((-2, 2), (-1, 3)), "Rosenbrock's valley (minimum at 1, 1)")
    distance = {}
    rates = {"SGD": 1e-3, "SGD + momentum": 1e-3, "Adam": 0.02, "AdamW": 0.02}  # each at a rate that suits it
    for name, lr in rates.items():
        path = descend(rosenbrock, [-1.5, 2.0], name, lr, steps)
        distance[name] = float(np.hypot(*(path[-1] - 1.0)))
        axes[0, 0].plot(path[:, 0], path[:, 1], label=f"{name} (lr {lr:g}): {distance[name]:.2f} from the minimum",
                        lw=1.2)
    axes[0, 0].legend(fontsize=7)
    bench.claim(f"momentum ends closer to the minimum than SGD at the same rate ({steps} steps)",
                distance["SGD + momentum"], f"< SGD's {distance['SGD']:.3f}",
                distance["SGD + momentum"] < distance["SGD"])

    # 2. The saddle x^2 - y^2, starting a hair off the ridge: how far has each point rolled off after 40 steps?
    contour(axes[0, 1], saddle, ((-1.2, 1.2), (-1.2, 1.2)), "a saddle: downhill along y")
    escaped = {}
    for name in ("SGD", "Adam"):
        path = descend(saddle, [1.0, 1e-3], name, 0.05, 40)
        escaped[name] = abs(float(path[-1, 1]))
        axes[0, 1].plot(path[:, 0], np.clip(path[:, 1], -1.2, 1.2), label=f"{name}: |y| = {escaped[name]:.3g}")
    axes[0, 1].legend(fontsize=8)
    ratio = escaped["Adam"] / escaped["SGD"]
    bench.claim("Adam's distance off the ridge after 40 steps / SGD's (both at lr 0.05)", ratio,
                "> 10 (Adam escapes the saddle much faster)", ratio > 10)

    # 3. Too high a learning rate: on the bowl a x^2 / 2 (a = 10), rates below 2/a = 0.2 converge, above diverge.
    def bowl(p):
        return 5.0 * p[0] ** 2 + 0.0 * p[1]

    for lr in (0.19, 0.21):
        path = descend(bowl, [1.0, 0.0], "SGD", lr, 40)
        axes[0, 2].semilogy(np.abs(path[:, 0]) + 1e-300, label=f"lr {lr}: |x| after 40 steps = {abs(path[-1, 0]):.3g}")
        bench.number(f"bowl_lr_{lr}", float(abs(path[-1, 0])))
    axes[0, 2].set(title="SGD on 5 x²: the limit is lr = 2 / 10", xlabel="step", ylabel="|x| (log scale)")
    axes[0, 2].legend(fontsize=8)
    below, above = bench.result.numbers["bowl_lr_0.19"], bench.result.numbers["bowl_lr_0.21"]
    bench.claim("|x| after 40 steps at lr 0.21 (just above 2/a)", above, "> 1 (diverges)", above > 1)
    bench.claim("|x| after 40 steps at lr 0.19 (just below 2/a)", below, "< 1 (converges)", below < 1)

    # 4. Warmup then cosine decay, PyTorch's way: LinearLR for 100 steps, then CosineAnnealingLR.
    holder = optim.SGD([gg.zeros(1, requires_grad=True)], lr=1e-3)
    warmup = lr_scheduler.LinearLR(holder, start_factor=0.01, total_iters=100)
    cosine = lr_scheduler.CosineAnnealingLR(holder, T_max=900, eta_min=1e-5)
    schedule = lr_scheduler.SequentialLR(holder, [warmup, cosine], milestones=[100])
    rates = []
    for _ in range(1000):
        rates.append(holder.param_groups[0]["lr"])
        holder.step()
        schedule.step()
    axes[1, 0].plot(rates)
    axes[1, 0].set(title="warmup (100 steps) then cosine decay", xlabel="step", ylabel="learning rate")
    bench.claim("learning rate at the end of warmup / the peak 1e-3", rates[100] / 1e-3, "1 within 1%",
                abs(rates[100] / 1e-3 - 1) < 0.01)

    # 5. Weight decay: L2 inside Adam against AdamW's decoupled decay, on the same regression.
    kinds = ("no decay", "Adam + L2", "AdamW (decoupled)")
    weights = {kind: regression_weights(kind, 400, np.random.default_rng(0)) for kind in kinds}
    norms = {kind: float(np.linalg.norm(w)) for kind, w in weights.items()}
    for offset, kind in enumerate(kinds):
        axes[1, 1].bar(np.arange(20) + 0.27 * (offset - 1), weights[kind], width=0.27,
                       label=f"{kind}: |w| = {norms[kind]:.2f}")
    axes[1, 1].set(title="the 20 weights (only the first 5 matter)", xlabel="weight index", ylabel="value")
    axes[1, 1].legend(fontsize=8)
    axes[1, 2].bar(list(kinds), [norms[k] for k in kinds], color=["grey", "tab:orange", "tab:green"])
    axes[1, 2].set(title="weight norm at the end", ylabel="|w|")
    bench.claim("AdamW's weight norm / no decay's", norms["AdamW (decoupled)"] / norms["no decay"],
                "< 1 (decay shrinks the weights)", norms["AdamW (decoupled)"] < norms["no decay"])
    gap = float(np.abs(weights["Adam + L2"] - weights["AdamW (decoupled)"]).max())
    bench.claim("largest difference between Adam + L2's and AdamW's weights (same decay 0.5)", gap,
                "> 0.01 (L2 inside Adam is not decoupled decay)", gap > 0.01)
    bench.number("weight_norms", norms)
    figure.tight_layout()
    bench.figure(figure, "descent", "Optimizers on Rosenbrock and a saddle, a rate too high, warmup with cosine decay, "
                 "and weight decay in Adam against AdamW")

