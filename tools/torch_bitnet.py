"""BitNet b1.58 layers in PyTorch, shared by the reference scripts
tools/mnist_torch.py and tools/bench_torch.py (references only: ternary.h
never uses them)."""
import torch, torch.nn as nn, torch.nn.functional as F

class RMSNorm(nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.g, self.eps = nn.Parameter(torch.ones(n)), eps
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.g

def act_quant(x):
    """per-token absmax to int8, ties to even, back to float"""
    s = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(min=1e-5)
    return (x * s).round().clamp(-128, 127) / s

def weight_quant(w):
    """absmean ternary weights times their scale"""
    s = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * s).round().clamp(-1, 1) / s

class BitLinear(nn.Linear):
    """RMSNorm (unless norm=False), int8 activations and ternary weights, both
    with straight-through gradients"""
    def __init__(self, i, o, bias=False, norm=True):
        super().__init__(i, o, bias=bias)
        self.norm = RMSNorm(i) if norm else None
    def forward(self, x):
        if self.norm is not None: x = self.norm(x)
        x = x + (act_quant(x) - x).detach()
        w = self.weight + (weight_quant(self.weight) - self.weight).detach()
        return F.linear(x, w, self.bias)
