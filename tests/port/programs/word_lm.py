"""Word-level language model (LSTM or Transformer encoder) on Tiny Shakespeare, trained by truncated BPTT.

The classic shape: a Dictionary and a Corpus, `batchify` into columns, `get_batch` along the time axis, a hidden
state carried (detached) from batch to batch, a hand-written SGD update after `clip_grad_norm_`, and perplexity.

    python word_lm.py --data input.txt --model lstm --steps 100
"""

import argparse
import lzma
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="a text file (.txt or .txt.xz)")
parser.add_argument("--max-chars", type=int, default=60000, help="use only the start of the text")
parser.add_argument("--model", choices=["lstm", "transformer"], default="lstm")
parser.add_argument("--emsize", type=int, default=32)
parser.add_argument("--nhid", type=int, default=48)
parser.add_argument("--nlayers", type=int, default=2)
parser.add_argument("--nhead", type=int, default=2)
parser.add_argument("--lr", type=float, default=5.0)
parser.add_argument("--clip", type=float, default=0.25)
parser.add_argument("--bptt", type=int, default=16)
parser.add_argument("--batch-size", type=int, default=8)
parser.add_argument("--dropout", type=float, default=0.2)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--save-init", default=None)
parser.add_argument("--load-init", default=None)
parser.add_argument("--seed", type=int, default=1111)
args = parser.parse_args()

torch.manual_seed(args.seed)
device = "cuda" if torch.cuda.is_available() else "cpu"


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, path, max_chars):
        self.dictionary = Dictionary()
        opener = lzma.open if path.endswith(".xz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines = f.read()[:max_chars].splitlines()
        split = int(0.9 * len(lines))
        self.train = self.tokenize(lines[:split])
        self.valid = self.tokenize(lines[split:])

    def tokenize(self, lines):
        ids = [self.dictionary.add_word(word) for line in lines for word in line.split() + ["<eos>"]]
        return torch.tensor(ids, dtype=torch.int64)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)  # drop the words that do not fill a column
    return data.view(bsz, -1).t().contiguous().to(device)  # (nbatch, bsz)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    data = source[i : i + seq_len]
    target = source[i + 1 : i + 1 + seq_len].view(-1)
    return data, target


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid = nhid
        self.nlayers = nlayers
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))  # (T, B, ninp)
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.decoder.out_features)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout, max_len=512):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))  # (max_len, 1, d_model)

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(0), :])


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.decoder = nn.Linear(ninp, ntoken)
        self.ninp = ninp
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, src, hidden=None):
        mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(src.device)
        src = self.pos_encoder(self.encoder(src) * math.sqrt(self.ninp))  # (T, B, ninp)
        output = self.decoder(self.transformer_encoder(src, mask))
        return F.log_softmax(output, dim=-1).view(-1, output.size(-1)), None


def repackage_hidden(h):
    """Detach the hidden state from its history, so backprop stops at the batch boundary."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


corpus = Corpus(args.data, args.max_chars)
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, 4)
ntokens = len(corpus.dictionary)
if args.model == "lstm":
    model = RNNModel(ntokens, args.emsize, args.nhid, args.nlayers, args.dropout)
else:
    model = TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout)
if args.save_init:
    torch.save(model.state_dict(), args.save_init)
if args.load_init:
    model.load_state_dict(torch.load(args.load_init))
model = model.to(device)
criterion = nn.NLLLoss()


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(4) if args.model == "lstm" else None
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


model.train()
hidden = model.init_hidden(args.batch_size) if args.model == "lstm" else None
step = 0
while step < args.steps:
    for i in range(0, train_data.size(0) - 1, args.bptt):
        if step == args.steps:
            break
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        if hidden is not None:
            hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-args.lr)
        print(f"step {step} loss {loss.item():.6f}")
        step += 1

val_loss = evaluate(val_data)
print(f"val loss {val_loss:.6f} ppl {math.exp(val_loss):.2f}")
