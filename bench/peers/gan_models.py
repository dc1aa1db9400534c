"""PyTorch transcription of sagan4j's generators and discriminators, every preset (GanConfig):

  blocks "seed", class tables   (tiny, sagan32): the seed's residual blocks, per-class gamma/beta tables
  blocks "seed", shared          (biggan32):      the same blocks, gamma/beta = offset + Linear(v), v = [embed(y), z chunk]
  blocks "biggan"                (biggan128):     BigGAN-PyTorch's pre-activation blocks, shared embedding, hierarchical z

Same layers and parameter counts as `sagan4j model --preset P` (bench/peers/presets.json holds sagan4j's
counts; PeerPresetTableTest keeps that table equal to GanConfig and the Java models). Spectral norm is
torch.nn.utils.spectral_norm (weight_orig is the parameter, u and v are buffers, as in sagan4j).
Initialisation is PyTorch's: only shapes and the work per step matter to the peers.
"""
import json
import os
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

PRESETS_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "presets.json")


def presets():
    """preset name -> config (SimpleNamespace with GanConfig's settings and sagan4j's g_params, d_params)."""
    with open(PRESETS_JSON) as f:
        return {name: SimpleNamespace(preset=name, **cfg) for name, cfg in json.load(f).items()}


def stages(a):
    return (a.resolution // 4).bit_length() - 1


def g_out(a, i):
    return a.ch << (stages(a) - 1 - i)


def d_out(a, j):
    return a.ch << min(j, stages(a) - 1)


def z_chunk(a):
    return a.z_dim // (stages(a) + 1)


def sn(module, on):
    return spectral_norm(module) if on else module


class CondBN(nn.Module):
    """Batch norm without affine, then per-sample gamma, beta: class tables (K, C) gathered by label
    (gamma = 1, beta = 0 at start), or offset + Linear(v) and Linear(v) from a (B, cond) vector."""

    def __init__(self, c, classes=0, cond_dim=0, on=False, offset=0.0):
        super().__init__()
        self.bn = nn.BatchNorm2d(c, affine=False)
        self.offset = offset
        if classes > 0:
            self.gamma = nn.Parameter(torch.ones(classes, c))
            self.beta = nn.Parameter(torch.zeros(classes, c))
            self.gain = None
        else:
            self.gain = sn(nn.Linear(cond_dim, c), on)
            self.bias = sn(nn.Linear(cond_dim, c), on)

    def forward(self, x, cond):
        if self.gain is None:
            g, b = self.gamma[cond], self.beta[cond]                      # cond: labels (B,)
        else:
            g, b = self.offset + self.gain(cond), self.bias(cond)         # cond: v (B, cond_dim)
        return self.bn(x) * g[:, :, None, None] + b[:, :, None, None]


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


class SeedGBlock(nn.Module):
    """lrelu(bn2(conv2(lrelu(bn1(conv1(x)))))) + (lrelu(bn3(conv_sc(x))) when channels change, else x)."""

    def __init__(self, cin, cout, norm, on):
        super().__init__()
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1), on)
        self.bn1 = norm(cout)
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1), on)
        self.bn2 = norm(cout)
        self.sc = cin != cout
        if self.sc:
            self.conv_sc = sn(nn.Conv2d(cin, cout, 1), on)
            self.bn3 = norm(cout)

    def forward(self, x, cond):
        h = F.leaky_relu(self.bn1(self.conv1(x), cond), 0.2)
        h = F.leaky_relu(self.bn2(self.conv2(h), cond), 0.2)
        skip = F.leaky_relu(self.bn3(self.conv_sc(x), cond), 0.2) if self.sc else x
        return skip + h


class BigGanGBlock(nn.Module):
    """conv2(relu(bn2(conv1(up(relu(bn1(x))))))) + conv_sc(up(x)); gamma = 1 + Linear(v)."""

    def __init__(self, cin, cout, cond_dim, on):
        super().__init__()
        self.bn1 = CondBN(cin, cond_dim=cond_dim, on=on, offset=1.0)
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1), on)
        self.bn2 = CondBN(cout, cond_dim=cond_dim, on=on, offset=1.0)
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1), on)
        self.conv_sc = sn(nn.Conv2d(cin, cout, 1), on)

    def forward(self, x, v):
        h = F.interpolate(F.relu(self.bn1(x, v)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), v)))
        return h + self.conv_sc(F.interpolate(x, scale_factor=2, mode="nearest"))


class SeedDBlock(nn.Module):
    """pool(lrelu(conv2(lrelu(conv1(x))))) + pool(lrelu(conv_sc(x)) when channels change, else x)."""

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


class BigGanDBlock(nn.Module):
    """pool(conv2(relu(conv1(pre(x))))) + shortcut; pre = ReLU except in the first block; the shortcut is
    pool(conv_sc(x)) with pre-activation, conv_sc(pool(x)) in the first block, conv_sc only when channels
    change or the block downsamples."""

    def __init__(self, cin, cout, preactivation, down, on):
        super().__init__()
        self.pre = preactivation
        self.down = down
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1), on)
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1), on)
        self.conv_sc = sn(nn.Conv2d(cin, cout, 1), on) if cin != cout or down else None

    def forward(self, x):
        h = self.conv2(F.relu(self.conv1(F.relu(x) if self.pre else x)))
        pool = (lambda t: F.avg_pool2d(t, 2)) if self.down else (lambda t: t)
        conv = self.conv_sc if self.conv_sc is not None else (lambda t: t)
        sc = pool(conv(x)) if self.pre else conv(pool(x))
        return pool(h) + sc


class Generator(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = a
        n = stages(a)
        self.top = g_out(a, 0)
        self.shared = nn.Embedding(a.classes, a.shared_dim) if a.shared else None
        self.linear = sn(nn.Linear(z_chunk(a) if a.shared else a.z_dim, 16 * self.top), a.sn_g)
        cond_dim = a.shared_dim + z_chunk(a)
        self.paper = a.blocks == "biggan"
        self.blocks = nn.ModuleList()
        self.attention_after = -1
        for i in range(n):
            cin, cout = (self.top if i == 0 else g_out(a, i - 1)), g_out(a, i)
            if self.paper:
                self.blocks.append(BigGanGBlock(cin, cout, cond_dim, a.sn_g))
            elif a.shared:
                self.blocks.append(SeedGBlock(cin, cout, lambda c: CondBN(c, cond_dim=cond_dim, on=a.sn_g,
                                                                          offset=a.gain_offset), a.sn_g))
            else:
                self.blocks.append(SeedGBlock(cin, cout, lambda c: CondBN(c, classes=a.classes), a.sn_g))
            if 8 << i == a.attention_g:
                self.attention = SelfAttention(cout, a.sn_g)
                self.attention_after = i
        # BigGAN's output norm: one "class", so a plain affine batch norm with (1, C) tables
        self.bn_out = CondBN(g_out(a, n - 1), classes=1) if self.paper else None
        self.conv_out = sn(nn.Conv2d(g_out(a, n - 1), a.image_channels, 3, padding=1), a.sn_g)

    def forward(self, z, y):
        b = z.shape[0]
        chunks = torch.split(z, z_chunk(self.a), dim=1) if self.a.shared else [z]
        h = self.linear(chunks[0]).view(b, self.top, 4, 4)
        emb = self.shared(y) if self.shared is not None else None
        for i, block in enumerate(self.blocks):
            cond = torch.cat([emb, chunks[i + 1]], dim=1) if self.a.shared else y
            h = block(h, cond) if self.paper else block(F.interpolate(h, scale_factor=2, mode="nearest"), cond)
            if i == self.attention_after:
                h = self.attention(h)
        if self.bn_out is not None:
            h = F.relu(self.bn_out(h, torch.zeros_like(y)))
        return torch.tanh(self.conv_out(h))


class Discriminator(nn.Module):
    def __init__(self, a):
        super().__init__()
        n = stages(a)
        self.paper = a.blocks == "biggan"
        self.blocks = nn.ModuleList()
        self.attention_after = -1
        for j in range(n + 1):
            cin, cout, down = (a.image_channels if j == 0 else d_out(a, j - 1)), d_out(a, j), j < n
            self.blocks.append(BigGanDBlock(cin, cout, j > 0, down, a.sn_d) if self.paper
                               else SeedDBlock(cin, cout, down, a.sn_d))
            if down and a.resolution >> (j + 1) == a.attention_d:
                self.attention = SelfAttention(cout, a.sn_d)
                self.attention_after = j
        self.linear = sn(nn.Linear(d_out(a, n), 1), a.sn_d)
        self.embed = sn(nn.Embedding(a.classes, d_out(a, n)), a.sn_d)

    def forward(self, x, y):
        h = x
        for j, block in enumerate(self.blocks):
            h = block(h)
            if j == self.attention_after:
                h = self.attention(h)
        if self.paper:
            h = F.relu(h)
        pooled = h.sum(dim=(2, 3))
        return self.linear(pooled) + (self.embed(y) * pooled).sum(dim=1, keepdim=True)


def trainable(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def check_counts(a, g, d):
    """None when G's and D's parameter counts equal sagan4j's (a.g_params, a.d_params), else one line."""
    gp, dp = trainable(g), trainable(d)
    if (gp, dp) != (a.g_params, a.d_params):
        return f"{a.preset}: PyTorch G {gp}, D {dp} parameters; sagan4j's G {a.g_params}, D {a.d_params}"
    return None


def attention_shapes(a, batch):
    """Every self-attention of the preset as (where, B, N, M, d, c): q (B, N, d), k (B, M, d), v (B, M, c)."""
    out = []
    for i in range(stages(a)):
        if 8 << i == a.attention_g:
            r, c = 8 << i, g_out(a, i)
            out.append(("G", batch, r * r, r * r // 4, c // 8, c // 2))
    for j in range(stages(a)):
        r = a.resolution >> (j + 1)
        if r == a.attention_d:
            c = d_out(a, j)
            out.append(("D", batch, r * r, r * r // 4, c // 8, c // 2))
    return out


def cbn_shapes(a, batch):
    """G's first and last conditional batch norm as (where, B, C, H, W, K): the most channels at 8x8 (4x4 for
    the paper blocks' first norm) and the largest activation (the output norm of the paper blocks)."""
    n, k = stages(a), a.classes
    if a.blocks == "biggan":
        return [("G first", batch, g_out(a, 0), 4, 4, k), ("G out", batch, g_out(a, n - 1), a.resolution, a.resolution, k)]
    return [("G first", batch, g_out(a, 0), 8, 8, k), ("G last", batch, g_out(a, n - 1), a.resolution, a.resolution, k)]
