#!/usr/bin/env python3
"""Golden values for sagan4j's CPU tests, computed once by the PyTorch transcriptions here and checked in as
src/test/resources/golden/peers.json (regenerate after a preset, a default or a bench formula changes on
purpose, and review the diff):

    python3 bench/peers/goldens.py > src/test/resources/golden/peers.json

  params   G's and D's trainable parameter counts of every preset in presets.json, by gan_models.py's
           modules (PeerPresetTableTest checks the Java models and presets.json against them)
  adam     the optimiser settings torch_step.py trains with, read back from its torch.optim.Adam objects
           (TrainConfigTest checks TrainConfig's defaults against them)
  bytes    the bytes a bench case's op reads and writes at one shape, summed over the tensors PyTorch
           reads and produces when it runs that op (the bench tests check BenchResult.bytes() against them)
"""
import json
import sys
from types import SimpleNamespace

import torch
import torch.nn.functional as F

import gan_models as gm
import torch_step


def nbytes(*tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def params():
    out = {}
    for name, a in gm.presets().items():
        torch.manual_seed(1)
        out[name] = {"g": gm.trainable(gm.Generator(a)), "d": gm.trainable(gm.Discriminator(a))}
    return out


def adam():
    a = SimpleNamespace(**vars(gm.presets()["tiny"]))
    opt_g, opt_d = torch_step.optimizers(gm.Generator(a), gm.Discriminator(a))
    g, d = opt_g.defaults, opt_d.defaults
    assert (g["betas"], g["eps"]) == (d["betas"], d["eps"]), "one set of betas and eps for G and D"
    return {"lr_g": g["lr"], "lr_d": d["lr"], "beta1": g["betas"][0], "beta2": g["betas"][1], "eps": g["eps"]}


def attention(spec, backward):
    """Forward: read q, k, v; write o and the rows' log-sum-exp. Backward: read q, k, v, o, grad_o, lse;
    write grad_q, grad_k, grad_v (what autograd returns)."""
    s = dict(kv.split("=") for kv in spec.split(","))
    b, n, m, d, c = (int(s[x]) for x in ("B", "N", "M", "d", "c"))
    q, k, v = (torch.randn(b, r, w, requires_grad=True) for r, w in ((n, d), (m, d), (m, c)))
    scores = torch.bmm(q, k.transpose(1, 2))
    lse = torch.logsumexp(scores, dim=-1)
    o = torch.bmm(torch.softmax(scores, dim=-1), v)
    if not backward:
        return nbytes(q, k, v) + nbytes(o, lse)
    grad_o = torch.randn_like(o)
    grads = torch.autograd.grad(o, (q, k, v), grad_o)
    return nbytes(q, k, v, o, grad_o, lse) + nbytes(*grads)


def cond_batchnorm(spec):
    """Training forward: read x, the gathered gamma and beta rows, the running mean and variance; write y and
    the updated running statistics."""
    s = dict(kv.split("=") for kv in spec.split(","))
    b, c, h, w, k = (int(s[x]) for x in ("B", "C", "H", "W", "K"))
    x, y = torch.randn(b, c, h, w), torch.arange(b) % k
    gamma, beta = torch.ones(k, c), torch.zeros(k, c)
    mean, var = torch.zeros(c), torch.ones(c)
    g_rows, b_rows = gamma[y], beta[y]
    out = F.batch_norm(x, mean, var, training=True) * g_rows[:, :, None, None] + b_rows[:, :, None, None]
    return nbytes(x, g_rows, b_rows, mean, var) + nbytes(out, mean, var)


def optim(spec):
    """One Adam step (read p, grad, exp_avg, exp_avg_sq; write p, exp_avg, exp_avg_sq), one weight EMA
    (read the weights and their average; write the average) and zeroing the gradients (write them), over T
    tensors of S floats."""
    s = dict(kv.split("=") for kv in spec.split(","))
    ps = [torch.nn.Parameter(torch.randn(int(s["S"]))) for _ in range(int(s["T"]))]
    for p in ps:
        p.grad = torch.randn_like(p)
    opt = torch.optim.Adam(ps)
    opt.step()
    state = [(opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]) for p in ps]
    adam_bytes = sum(nbytes(p, p.grad, m, v) + nbytes(p, m, v) for p, (m, v) in zip(ps, state))
    ema = [torch.zeros_like(p) for p in ps]
    for p, e in zip(ps, ema):
        e.mul_(0.999).add_(p.detach(), alpha=0.001)
    ema_bytes = sum(nbytes(p, e) + nbytes(e) for p, e in zip(ps, ema))
    zero_bytes = sum(nbytes(p.grad.zero_()) for p in ps)
    return {"adam": adam_bytes, "ema": ema_bytes, "zero": zero_bytes}


def main():
    torch.manual_seed(1)
    out = {
        "_source": f"bench/peers/goldens.py, PyTorch {torch.__version__} (Debian python3-torch); regenerate: "
                   "python3 bench/peers/goldens.py > src/test/resources/golden/peers.json",
        "params": params(),
        "adam": adam(),
        "bytes": {
            "attention B=2,N=9,M=5,d=3,c=7": attention("B=2,N=9,M=5,d=3,c=7", False),
            "attention-backward B=2,N=9,M=5,d=3,c=7": attention("B=2,N=9,M=5,d=3,c=7", True),
            "cond-batchnorm B=4,C=3,H=5,W=5,K=2": cond_batchnorm("B=4,C=3,H=5,W=5,K=2"),
            "optim T=3,S=10": optim("T=3,S=10"),
        },
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
