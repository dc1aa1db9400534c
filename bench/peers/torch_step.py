#!/usr/bin/env python3
"""PyTorch transcription of sagan4j's SAGAN-style models (GanConfig blocks=SEED with class tables:
the `sagan32` preset and `tiny`), and the training step `sagan4j bench step` times, timed the same way.

Same layers and parameter counts as `sagan4j model --preset P` (checked: --expect-g/--expect-d, given by
`bench step --peer`; a mismatch exits 2). The step: D step = G forward (no grad) for the fakes, D on real
and fake, hinge loss, backward; G step = G forward, D forward, -mean(D) backward through D into G.
Each is timed WITHOUT the optimiser (what sagan4j times until its Adam family lands) and WITH
Adam's step(), in eager mode, and with torch.compile where this PyTorch has it.

Output: human lines, then one line `PEER key=value ...` that bench step parses.
"""
import argparse
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils import spectral_norm
except ImportError as e:  # bench step only runs this where `import torch` works
    print(f"torch_step.py: PyTorch is not importable: {e}", file=sys.stderr)
    sys.exit(2)


def sn(module, on):
    return spectral_norm(module) if on else module


class CondBN(nn.Module):
    """Batch norm without affine, then per-class gamma/beta tables (K, C), gamma = 1, beta = 0 at start."""

    def __init__(self, c, classes):
        super().__init__()
        self.bn = nn.BatchNorm2d(c, affine=False)
        self.gamma = nn.Parameter(torch.ones(classes, c))
        self.beta = nn.Parameter(torch.zeros(classes, c))

    def forward(self, x, y):
        return self.bn(x) * self.gamma[y][:, :, None, None] + self.beta[y][:, :, None, None]


class SelfAttention(nn.Module):
    """theta, phi, g, o: 1x1 convs without bias; k, v 2x2 max-pooled; y = x + sigma * o(softmax(q k^T) v)."""

    def __init__(self, c, on):
        super().__init__()
        self.theta = sn(nn.Conv2d(c, c // 8, 1, bias=False), on)
        self.phi = sn(nn.Conv2d(c, c // 8, 1, bias=False), on)
        self.g = sn(nn.Conv2d(c, c // 2, 1, bias=False), on)
        self.o = sn(nn.Conv2d(c // 2, c, 1, bias=False), on)
        self.sigma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.theta(x).view(b, c // 8, h * w).transpose(1, 2)              # (B, N, d)
        k = F.max_pool2d(self.phi(x), 2).view(b, c // 8, h * w // 4)          # (B, d, M)
        v = F.max_pool2d(self.g(x), 2).view(b, c // 2, h * w // 4)            # (B, c, M)
        a = torch.bmm(torch.softmax(torch.bmm(q, k), dim=-1), v.transpose(1, 2))  # (B, N, c)
        return x + self.sigma * self.o(a.transpose(1, 2).reshape(b, c // 2, h, w))


class GBlock(nn.Module):
    def __init__(self, cin, cout, classes, on):
        super().__init__()
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1), on)
        self.bn1 = CondBN(cout, classes)
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1), on)
        self.bn2 = CondBN(cout, classes)
        self.sc = cin != cout
        if self.sc:
            self.conv_sc = sn(nn.Conv2d(cin, cout, 1), on)
            self.bn3 = CondBN(cout, classes)

    def forward(self, x, y):
        h = F.leaky_relu(self.bn1(self.conv1(x), y), 0.2)
        h = F.leaky_relu(self.bn2(self.conv2(h), y), 0.2)
        skip = F.leaky_relu(self.bn3(self.conv_sc(x), y), 0.2) if self.sc else x
        return skip + h


class DBlock(nn.Module):
    def __init__(self, cin, cout, down, on):
        super().__init__()
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1), on)
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1), on)
        self.sc = cin != cout
        if self.sc:
            self.conv_sc = sn(nn.Conv2d(cin, cout, 1), on)
        self.down = down

    def forward(self, x):
        h = F.leaky_relu(self.conv2(F.leaky_relu(self.conv1(x), 0.2)), 0.2)
        skip = F.leaky_relu(self.conv_sc(x), 0.2) if self.sc else x
        if self.down:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        return skip + h


class Generator(nn.Module):
    def __init__(self, a):
        super().__init__()
        stages = (a.resolution // 4).bit_length() - 1
        g_out = [a.ch << (stages - 1 - i) for i in range(stages)]
        self.top = g_out[0]
        self.linear = sn(nn.Linear(a.z_dim, 16 * self.top), a.sn_g)
        self.blocks = nn.ModuleList()
        self.attention_after = -1
        for i in range(stages):
            cin = self.top if i == 0 else g_out[i - 1]
            self.blocks.append(GBlock(cin, g_out[i], a.classes, a.sn_g))
            if 8 << i == a.attention_g:
                self.attention = SelfAttention(g_out[i], a.sn_g)
                self.attention_after = i
        self.conv_out = sn(nn.Conv2d(g_out[-1], a.image_channels, 3, padding=1), a.sn_g)

    def forward(self, z, y):
        h = self.linear(z).view(z.shape[0], self.top, 4, 4)
        for i, block in enumerate(self.blocks):
            h = block(F.interpolate(h, scale_factor=2, mode="nearest"), y)
            if i == self.attention_after:
                h = self.attention(h)
        return torch.tanh(self.conv_out(h))


class Discriminator(nn.Module):
    def __init__(self, a):
        super().__init__()
        stages = (a.resolution // 4).bit_length() - 1
        d_out = [a.ch << min(j, stages - 1) for j in range(stages + 1)]
        self.blocks = nn.ModuleList()
        self.attention_after = -1
        for j in range(stages + 1):
            cin = a.image_channels if j == 0 else d_out[j - 1]
            down = j < stages
            self.blocks.append(DBlock(cin, d_out[j], down, a.sn_d))
            if down and a.resolution >> (j + 1) == a.attention_d:
                self.attention = SelfAttention(d_out[j], a.sn_d)
                self.attention_after = j
        self.linear = sn(nn.Linear(d_out[-1], 1), a.sn_d)
        self.embed = sn(nn.Embedding(a.classes, d_out[-1]), a.sn_d)

    def forward(self, x, y):
        h = x
        for j, block in enumerate(self.blocks):
            h = block(h)
            if j == self.attention_after:
                h = self.attention(h)
        pooled = h.sum(dim=(2, 3))
        return self.linear(pooled) + (self.embed(y) * pooled).sum(dim=1, keepdim=True)


def trainable(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def timed_steps(g, d, a, steps, warmup, adam):
    b, r = a.batch, a.resolution
    y = torch.arange(b) % a.classes
    opt_d = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9)) if adam else None
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.0, 0.9)) if adam else None
    d_ms, g_ms = [], []
    for i in range(warmup + steps):
        real = torch.rand(b, a.image_channels, r, r) * 2 - 1
        z = torch.randn(b, a.z_dim)
        t0 = time.perf_counter()
        with torch.no_grad():
            fake = g(z, y)
        d.zero_grad(set_to_none=False)
        loss_d = F.relu(1 - d(real, y)).mean() + F.relu(1 + d(fake, y)).mean()
        loss_d.backward()
        if adam:
            opt_d.step()
        t1 = time.perf_counter()
        z = torch.randn(b, a.z_dim)
        t2 = time.perf_counter()
        g.zero_grad(set_to_none=False)
        d.requires_grad_(False)  # as sagan4j's G step: D's backward computes only the images' gradient
        loss_g = -d(g(z, y), y).mean()
        loss_g.backward()
        d.requires_grad_(True)
        if adam:
            opt_g.step()
        t3 = time.perf_counter()
        if i >= warmup:
            d_ms.append((t1 - t0) * 1e3)
            g_ms.append((t3 - t2) * 1e3)
    return statistics.median(d_ms), statistics.median(g_ms)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="sagan32")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--image-channels", type=int, default=3)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--ch", type=int, default=64)
    p.add_argument("--z-dim", type=int, default=128)
    p.add_argument("--attention-g", type=int, default=16)
    p.add_argument("--attention-d", type=int, default=16)
    p.add_argument("--sn-g", type=int, default=1)
    p.add_argument("--sn-d", type=int, default=1)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--expect-g", type=int, default=-1, help="sagan4j's G parameter count (checked)")
    p.add_argument("--expect-d", type=int, default=-1, help="sagan4j's D parameter count (checked)")
    p.add_argument("--adam", type=int, default=1, help="also time the step with Adam's update")
    p.add_argument("--compile", type=int, default=1, help="also time torch.compile'd models where available")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    g, d = Generator(a), Discriminator(a)
    gp, dp = trainable(g), trainable(d)
    for name, got, want in (("G", gp, a.expect_g), ("D", dp, a.expect_d)):
        if want >= 0 and got != want:
            print(f"torch_step.py: {name} has {got} parameters here, sagan4j's {a.preset} has {want}", file=sys.stderr)
            sys.exit(2)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "g_params": gp, "d_params": dp}
    out["eager_d_ms"], out["eager_g_ms"] = timed_steps(g, d, a, a.steps, a.warmup, False)
    if a.adam:
        out["eager_adam_d_ms"], out["eager_adam_g_ms"] = timed_steps(g, d, a, a.steps, a.warmup, True)
    if a.compile and hasattr(torch, "compile"):
        try:
            gc, dc = torch.compile(g), torch.compile(d)
            out["compile_d_ms"], out["compile_g_ms"] = timed_steps(gc, dc, a, a.steps, a.warmup, False)
        except Exception as e:  # the compiler needs a C++ toolchain; say so instead of failing the run
            print(f"torch.compile unavailable: {e}".splitlines()[0], file=sys.stderr)
    print(f"PyTorch {out['torch']} on {out['threads']} threads, {a.preset} batch {a.batch}: "
          f"D step {out['eager_d_ms']:.1f} ms, G step {out['eager_g_ms']:.1f} ms (eager, no optimiser)")
    print("PEER " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
