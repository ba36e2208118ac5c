#!/usr/bin/python3
"""Training throughput of PyTorch on the configurations tn-bench --op train
measures, as the reference the performance targets name (never used by
ternary.h itself). Debian: apt-get install python3-torch libopenblas0-pthread;
run with /usr/bin/python3. Usage: bench_torch.py [--threads 1] [--steps 60]

mlp:    784-256-256-10, ReLU, batch 128, AdamW; float (nn.Linear with bias) and
        ternary (BitLinear: RMSNorm, int8 absmax activations, absmean ternary
        weights, straight-through gradients, no bias).
charlm: byte vocabulary, d_model 128, 4 heads, 2 layers, context 64, batch 32,
        RoPE, RMSNorm before each block, ReLU^2 FFN of 512, no biases, ternary
        projections without their own norm (as tn_transformer's defaults), float
        head, AdamW. Times are medians of single steps."""
import argparse, time, statistics
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bitnet import RMSNorm, BitLinear

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--steps', type=int, default=60)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

def rope(x, theta=10000.0):  # x: (B, H, T, hd), pairs (2i, 2i+1)
    B, H, T, hd = x.shape
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    c, s = torch.cos(ang).float(), torch.sin(ang).float()
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)

class Block(nn.Module):
    def __init__(self, d, h, ff, lin):
        super().__init__()
        self.h = h
        self.n1, self.n2 = RMSNorm(d, 1e-5), RMSNorm(d, 1e-5)
        self.q, self.k, self.v, self.o = lin(d, d), lin(d, d), lin(d, d), lin(d, d)
        self.up, self.down = lin(d, ff), lin(ff, d)
    def forward(self, x):
        B, T, d = x.shape
        y = self.n1(x)
        q, k, v = (m(y).view(B, T, self.h, d // self.h).transpose(1, 2) for m in (self.q, self.k, self.v))
        q, k = rope(q), rope(k)
        att = (q @ k.transpose(-2, -1)) / (d // self.h) ** 0.5
        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float('-inf'))
        a = att.softmax(-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, d))
        return x + self.down(F.relu(self.up(self.n2(x))).square())

class LM(nn.Module):
    def __init__(self, ternary):
        super().__init__()
        lin = (lambda i, o: BitLinear(i, o, norm=False)) if ternary else (lambda i, o: nn.Linear(i, o, bias=False))
        self.tok = nn.Embedding(256, 128)
        self.blocks = nn.ModuleList([Block(128, 4, 512, lin) for _ in range(2)])
        self.nf, self.head = RMSNorm(128, 1e-5), nn.Linear(128, 256, bias=False)
    def forward(self, ids):
        x = self.tok(ids)
        for b in self.blocks: x = b(x)
        return self.head(self.nf(x))

def timed(model, batch_fn, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    t = []
    for i in range(steps + 3):
        x, y = batch_fn()
        a = time.perf_counter()
        out = model(x)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        if i >= 3: t.append(time.perf_counter() - a)
    return statistics.median(t)

mlp_batch = lambda: (torch.rand(128, 784), torch.randint(0, 10, (128,)))
lm_batch = lambda: (torch.randint(0, 256, (32, 64)), torch.randint(0, 256, (32, 64)))
for tern in (0, 1):
    L = (lambda i, o: BitLinear(i, o)) if tern else nn.Linear
    m = nn.Sequential(L(784, 256), nn.ReLU(), L(256, 256), nn.ReLU(), L(256, 10))
    s = timed(m, mlp_batch, args.steps)
    print(f"torch {args.threads} thread(s) mlp_{'ternary' if tern else 'f32'}: {s * 1e3:.3f} ms/step, {128 / s:.0f} samples/s", flush=True)
for tern in (1, 0):
    s = timed(LM(tern), lm_batch, max(8, args.steps // 5))
    print(f"torch {args.threads} thread(s) charlm_{'ternary' if tern else 'f32'}: {s * 1e3:.1f} ms/step, {1 / s:.2f} steps/s, {2048 / s:.0f} tokens/s", flush=True)
