"""Two stacked LSTMCells learn to continue sine waves, trained in float64 by L-BFGS with a closure.

Each sequence is a sine wave with its own phase; the model reads it one value at a time, predicts the next, and
then runs on its own predictions for `--future` steps.

    python seq_lbfgs.py --steps 5
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=5, help="L-BFGS steps (each runs up to --max-iter closures)")
parser.add_argument("--max-iter", type=int, default=10)
parser.add_argument("--lr", type=float, default=0.8)
parser.add_argument("--hidden", type=int, default=24)
parser.add_argument("--n-seq", type=int, default=12)
parser.add_argument("--length", type=int, default=60)
parser.add_argument("--future", type=int, default=20)
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

torch.manual_seed(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"

# sine waves with period 20 steps and a random phase per sequence, drawn with NumPy as a data script would
rng = np.random.RandomState(2)
phases = rng.randint(-40, 40, (args.n_seq, 1))
data = np.sin((np.arange(args.length) + phases) / 20.0 * 2 * np.pi).astype("float64")
train_input = torch.from_numpy(data[3:, :-1]).to(device)
train_target = torch.from_numpy(data[3:, 1:]).to(device)
test_input = torch.from_numpy(data[:3, :-1]).to(device)
test_target = torch.from_numpy(data[:3, 1:]).to(device)


class Sequence(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        B = input.size(0)
        h_t = torch.zeros(B, self.hidden, dtype=torch.double, device=input.device)
        c_t = torch.zeros(B, self.hidden, dtype=torch.double, device=input.device)
        h_t2 = torch.zeros(B, self.hidden, dtype=torch.double, device=input.device)
        c_t2 = torch.zeros(B, self.hidden, dtype=torch.double, device=input.device)
        for input_t in input.split(1, dim=1):  # (B, 1) per time step
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs.append(output)
        for _ in range(future):  # feed the prediction back in
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs.append(output)
        return torch.cat(outputs, dim=1)  # (B, T + future)


seq = Sequence(args.hidden)
if args.save_init:
    torch.save(seq.state_dict(), args.save_init)
seq.double()
if args.load_init:
    seq.load_state_dict(torch.load(args.load_init))
seq.to(device)
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=args.lr, max_iter=args.max_iter)

evaluations = []  # every closure's loss, so a step can report how many it ran


def closure():
    optimizer.zero_grad()
    out = seq(train_input)
    loss = criterion(out, train_target)
    evaluations.append(loss.item())
    loss.backward()
    return loss


for i in range(args.steps):
    evaluations.clear()
    loss = optimizer.step(closure)
    print(f"step {i} loss {loss.item():.10f}")
    print(f"step {i} closures {len(evaluations)}")
    print(f"step {i} last_closure_loss {evaluations[-1]:.10f}")
    with torch.no_grad():
        future = args.future
        pred = seq(test_input, future=future)
        test_loss = criterion(pred[:, :-future], test_target)
        print(f"step {i} test_loss {test_loss.item():.10f}")
