#!/usr/bin/python3
"""The recipe of examples/mnist.c in PyTorch, as a reference to compare against
(never used by ternary.h itself).

Debian: apt-get install python3-torch libopenblas0-pthread; run with Debian's own
/usr/bin/python3. Usage:
    mnist_torch.py [--threads 1] [--seeds 4] [--first-seed 0] [--constant-lr] [--bias]
784-256-256-10, ReLU, inputs in [0,1], batch 128, AdamW (lr 1e-3, betas
0.9/0.999, weight decay 0.01 on every parameter), 5 epochs, cosine decay to 0
per step unless --constant-lr. The ternary model uses BitLinear: RMSNorm with a
gain, per-token absmax int8 activations and absmean ternary weights, both with
straight-through gradients; no biases unless --bias."""
import argparse, gzip, time
import numpy as np
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bitnet import BitLinear

D = '/usr/share/datasets/fashion-mnist/'
ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--seeds', type=int, default=4)
ap.add_argument('--first-seed', type=int, default=0)
ap.add_argument('--epochs', type=int, default=5)
ap.add_argument('--constant-lr', action='store_true')
ap.add_argument('--bias', action='store_true')
args = ap.parse_args()
torch.set_num_threads(args.threads)

def images(f):
    return torch.tensor(np.frombuffer(gzip.open(D + f).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0)
def labels(f):
    return torch.tensor(np.frombuffer(gzip.open(D + f).read(), np.uint8, offset=8).astype(np.int64))
Xtr, Ytr = images('train-images-idx3-ubyte.gz'), labels('train-labels-idx1-ubyte.gz')
Xte, Yte = images('t10k-images-idx3-ubyte.gz'), labels('t10k-labels-idx1-ubyte.gz')

def model(ternary):
    L = (lambda i, o: BitLinear(i, o, bias=args.bias)) if ternary else nn.Linear
    return nn.Sequential(L(784, 256), nn.ReLU(), L(256, 256), nn.ReLU(), L(256, 10))

def run(ternary, seed):
    torch.manual_seed(seed)
    m = model(ternary)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
    steps = args.epochs * (60000 // 128)
    sched = None if args.constant_lr else torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    g = torch.Generator().manual_seed(seed)
    t0, n = time.time(), 0
    for e in range(args.epochs):
        p = torch.randperm(60000, generator=g)
        for i in range(0, 60000 - 127, 128):
            idx = p[i:i + 128]
            loss = F.cross_entropy(m(Xtr[idx]), Ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched: sched.step()
            n += len(idx)
        with torch.no_grad():
            acc = (m(Xte).argmax(1) == Yte).float().mean().item() * 100
        print(f"  {'ternary' if ternary else 'float'} seed {seed} epoch {e + 1}: test accuracy {acc:.2f}%, {n / (time.time() - t0):.0f} samples/s", flush=True)
    return acc

for ternary in (0, 1):
    a = [run(ternary, s) for s in range(args.first_seed, args.first_seed + args.seeds)]
    print(f"{'ternary' if ternary else 'float'}: {' '.join('%.2f' % x for x in a)}  mean {sum(a) / len(a):.2f}", flush=True)
