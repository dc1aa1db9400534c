#!/usr/bin/env python3
"""The training step `sagan4j bench step` times, in PyTorch, timed the same way, on gan_models.py's
transcription of the model bench step describes with its flags (every preset: seed or BigGAN blocks,
class tables or the shared embedding).

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
    import torch.nn.functional as F
except ImportError as e:  # bench step only runs this where `import torch` works
    print(f"torch_step.py: PyTorch is not importable: {e}", file=sys.stderr)
    sys.exit(2)
from types import SimpleNamespace

from gan_models import Discriminator, Generator, trainable


def peak_rss_kb():
    """This process's peak resident memory (both timed variants), as bench step reports sagan4j's: VmHWM from
    /proc/self/status, not getrusage's ru_maxrss, which Linux carries over an exec from the parent (here the JVM
    that spawned this script) and so would report the JVM's peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def optimizers(g, d):
    """G's and D's Adam, the two time-scale settings (SAGAN's TTUR): learning rates 1e-4 and 4e-4, betas
    (0, 0.9), PyTorch's eps. bench/peers/goldens.py records them for sagan4j's defaults test."""
    return (torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.0, 0.9)),
            torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.9)))


def make_steps(g, d, a, adam, device="cpu"):
    """The D step and the G step as two functions of no arguments (fresh real images and z each call):
    D step = G forward without grad for the fakes, D on real and fake, hinge loss, backward (+ Adam);
    G step = G forward, D forward with D's weights frozen (as sagan4j: D's backward computes only the
    images' gradient), -mean(D) backward (+ Adam)."""
    b, r = a.batch, a.resolution
    y = torch.arange(b, device=device) % a.classes
    opt_g, opt_d = optimizers(g, d) if adam else (None, None)

    def d_step():
        real = torch.rand(b, a.image_channels, r, r, device=device) * 2 - 1
        with torch.no_grad():
            fake = g(torch.randn(b, a.z_dim, device=device), y)
        d.zero_grad(set_to_none=False)
        loss_d = F.relu(1 - d(real, y)).mean() + F.relu(1 + d(fake, y)).mean()
        loss_d.backward()
        if opt_d is not None:
            opt_d.step()

    def g_step():
        z = torch.randn(b, a.z_dim, device=device)
        g.zero_grad(set_to_none=False)
        d.requires_grad_(False)
        loss_g = -d(g(z, y), y).mean()
        loss_g.backward()
        d.requires_grad_(True)
        if opt_g is not None:
            opt_g.step()

    return d_step, g_step


def median_ms(fn, warmup, iters, device="cpu"):
    """Median wall milliseconds of fn() over iters calls after warmup calls; on CUDA each call is
    bracketed by synchronisations, so the time is the GPU work's, launch gaps included."""
    sync = torch.cuda.synchronize if device != "cpu" else (lambda: None)
    ms = []
    for i in range(warmup + iters):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        if i >= warmup:
            ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms)


def timed_steps(g, d, a, steps, warmup, adam, device="cpu"):
    """Median D-step and G-step milliseconds."""
    d_step, g_step = make_steps(g, d, a, adam, device)
    for _ in range(warmup):
        d_step()
        g_step()
    return median_ms(d_step, 0, steps, device), median_ms(g_step, 0, steps, device)


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
    p.add_argument("--blocks", default="seed", choices=("seed", "biggan"))
    p.add_argument("--shared", type=int, default=0, help="1: BigGAN's shared embedding and hierarchical z")
    p.add_argument("--shared-dim", type=int, default=0)
    p.add_argument("--gain-offset", type=float, default=0.0)
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
    cfg = SimpleNamespace(**dict(vars(a), shared=bool(a.shared)))
    g, d = Generator(cfg), Discriminator(cfg)
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
    out["peak_rss_kb"] = peak_rss_kb()
    print("PEER " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
