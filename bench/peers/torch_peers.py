#!/usr/bin/env python3
"""PyTorch's side of the GPU runner's comparisons (native-tests/run.sh), every preset of presets.json:

  step       the training step of `sagan4j bench step` (D step + G step, Adam), eager, and torch.compile'd for --compile,
             on gan_models.py's transcription; G's and D's parameter counts checked against sagan4j's first
  sn         torch.nn.utils.spectral_norm's hooks for every SN weight of G and D (one power-iteration step
             and W / sigma, as a training forward runs them), and with the backward into weight_orig
  attention  bmm -> softmax -> bmm and scaled_dot_product_attention, fp32, forward and forward + backward, at
             every self-attention shape of the preset (scale 1, as sagan4j)
  cbn        batch norm (no affine) + embedding gather + affine, forward and forward + backward, at G's first
             and last conditional-norm shapes

Each is timed (warm-up, then the median of the timed calls; on CUDA every call is bracketed by
synchronisations) and counted with torch.profiler: CUDA kernels per call on a GPU; on the CPU, where there
are no launches, the aten operators dispatched at top level (a stand-in, labelled "ops"). The kernel
compositions run in fp32 with TF32 off (sagan4j's custom kernels are fp32); the step uses --tf32 for
matmuls and convolutions, as sagan4j's `bench step --tf32`.

  torch_peers.py [--device auto|cpu|cuda] [--presets a,b] [--only step,sn,attention,cbn] [--small] [--json FILE]
  torch_peers.py --list-shapes attention|cbn|step   one line per shape: preset, then sagan4j's --shape spec

Exit status: 0, or 2 when a parameter count differs from sagan4j's (one line each) or an argument is bad.
"""
import argparse
import json
import sys

try:
    import torch
    import torch.nn.functional as F
    from torch.autograd import DeviceType
    from torch.nn.utils.spectral_norm import SpectralNorm
    from torch.profiler import ProfilerActivity, profile
except ImportError as e:
    print(f"torch_peers.py: PyTorch is not importable: {e}", file=sys.stderr)
    sys.exit(2)

import gan_models as gm
from torch_step import make_steps, median_ms

SECTIONS = ("step", "sn", "attention", "cbn")
# Batches of the GPU comparisons: sagan4j's bench defaults (64 at 32x32; 8 at BigGAN-128, as `bench attention`).
BATCH = {"tiny": 64, "sagan32": 64, "biggan32": 64, "biggan128": 8}
# --small (a CPU stand-in run): batches that finish in seconds here; biggan128's step is left out there.
SMALL_BATCH = {"tiny": 8, "sagan32": 4, "biggan32": 4, "biggan128": 2}


def launches(fn, device):
    """(count, what) for one call of fn: CUDA kernels on a GPU, top-level aten operators on the CPU;
    (-1, why) when the profiler cannot run (no CUPTI, say), so that the times still count."""
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device != "cpu" else [])
    try:
        with profile(activities=acts) as prof:
            fn()
            if device != "cpu":
                torch.cuda.synchronize()
        events = prof.events()
    except Exception as e:
        return -1, "n/a: " + str(e).splitlines()[0][:60]
    if device != "cpu":
        return sum(1 for e in events if e.device_type == DeviceType.CUDA
                   and not e.name.startswith(("Memcpy", "Memset"))), "kernels"
    top = sum(1 for e in events if e.name.startswith("aten::")
              and (e.cpu_parent is None or not e.cpu_parent.name.startswith("aten::")))
    return top, "ops"


class Table:
    """The rows measured so far; printed as they come, and the JSON file rewritten after each row, so that a
    run stopped at the runner's timeout still leaves what it measured."""

    def __init__(self, device, path, header):
        self.device = device
        self.path = path
        self.header = header
        self.rows = []

    def save(self):
        if self.path:
            with open(self.path, "w") as f:
                json.dump(dict(self.header, rows=self.rows), f, indent=1)

    def add(self, section, preset, shape, impl, what, fn, warmup, iters, spec=None):
        ms = median_ms(fn, warmup, iters, self.device)
        n, unit = launches(fn, self.device)
        row = {"section": section, "preset": preset, "shape": shape, "impl": impl, "pass": what,
               "median_ms": round(ms, 4), "launches": n, "launch_unit": unit, "sagan4j_shape": spec}
        self.rows.append(row)
        self.save()
        print(f"{section:<10} {preset:<10} {shape:<34} {impl:<22} {what:<8} {ms:10.3f} {n:6d} {unit}", flush=True)
        return row

    def skip(self, section, preset, why):
        print(f"{section:<10} {preset:<10} skipped: {why}", flush=True)
        self.rows.append({"section": section, "preset": preset, "skipped": why})
        self.save()


def backward_fresh(out, grad, leaves):
    """out.backward(grad) into gradients cleared first, so that every call does the same work (no
    accumulation adds into the previous call's gradients, as a framework's zero_grad(set_to_none) step)."""
    for leaf in leaves:
        leaf.grad = None
    torch.autograd.backward(out, grad)


def build(a, device):
    torch.manual_seed(1)
    return gm.Generator(a).to(device), gm.Discriminator(a).to(device)


def tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def step_rows(t, a, args, batch, compiled):
    """The step in eager mode, or (compiled) with torch.compile'd G and D."""
    if args.small and a.preset == "biggan128":
        t.skip("step", a.preset, "--small leaves out biggan128's step (minutes per step on this CPU); counts checked")
        return
    if compiled and not hasattr(torch, "compile"):
        t.skip("step", a.preset, f"torch {torch.__version__} has no torch.compile")
        return
    tf32(bool(args.tf32))
    g, d = build(a, t.device)
    run = gm.SimpleNamespace(**vars(a), batch=batch)
    if compiled:
        try:
            g, d = torch.compile(g), torch.compile(d)
            d_step, g_step = make_steps(g, d, run, True, t.device)
            for _ in range(3):      # compile both graphs (D trainable and D frozen) before timing
                d_step()
                g_step()
        except Exception as e:      # the compiler needs a C++ toolchain and Triton: say why, keep going
            t.skip("step", a.preset, "torch.compile failed: " + str(e).splitlines()[0][:120])
            tf32(False)
            return
    d_step, g_step = make_steps(g, d, run, True, t.device)
    impl, spec = ("compile" if compiled else "eager") + " + Adam", f"preset={a.preset},batch={batch}"
    t.add("step", a.preset, f"batch {batch}", impl, "D step", d_step, args.warmup, args.iters, spec)
    t.add("step", a.preset, f"batch {batch}", impl, "G step", g_step, args.warmup, args.iters, spec)
    tf32(False)


def sn_rows(t, a, args):
    g, d = build(a, t.device)
    hooks = [(m, h) for net in (g, d) for m in net.modules() for h in m._forward_pre_hooks.values()
             if isinstance(h, SpectralNorm)]
    grads = [torch.randn_like(getattr(m, h.name + "_orig")) for m, h in hooks]

    def forward():
        return [h.compute_weight(m, do_power_iteration=True) for m, h in hooks]

    weights = [getattr(m, h.name + "_orig") for m, h in hooks]

    def forward_backward():
        backward_fresh(forward(), grads, weights)

    shape = f"{len(hooks)} SN weights of G and D"
    t.add("sn", a.preset, shape, "spectral_norm hooks", "fwd", forward, args.warmup, args.iters, f"model={a.preset},iters=1")
    t.add("sn", a.preset, shape, "spectral_norm hooks", "fwd+bwd", forward_backward, args.warmup, args.iters,
          f"model={a.preset},iters=1")


def attention_rows(t, a, args, batch):
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    if sdpa is None:
        t.skip("attention", a.preset, f"torch {torch.__version__} has no scaled_dot_product_attention")
    for where, b, n, m, dk, dv in gm.attention_shapes(a, batch):
        q = torch.randn(b, n, dk, device=t.device, requires_grad=True)
        k = torch.randn(b, m, dk, device=t.device, requires_grad=True)
        v = torch.randn(b, m, dv, device=t.device, requires_grad=True)
        go = torch.randn(b, n, dv, device=t.device)
        spec = f"B={b},N={n},M={m},d={dk},c={dv}"
        impls = [("bmm-softmax-bmm", lambda: torch.bmm(torch.softmax(torch.bmm(q, k.transpose(1, 2)), dim=-1), v))]
        if sdpa is not None:
            impls.append(("sdpa", lambda: sdpa(q, k, v, scale=1.0)))
        for impl, fwd in impls:
            try:
                fwd()
            except TypeError:            # scale= came with torch 2.1
                t.skip("attention", a.preset, f"torch {torch.__version__}'s sdpa has no scale argument")
                continue
            except RuntimeError as e:    # no fp32 kernel for this shape (value width c != d, say): say so, go on
                t.skip("attention", a.preset, f"{impl} at {spec}: " + str(e).splitlines()[0][:100])
                continue
            t.add("attention", a.preset, f"{where} {spec}", impl, "fwd", fwd, args.warmup, args.iters, spec)
            t.add("attention", a.preset, f"{where} {spec}", impl, "fwd+bwd",
                  lambda f=fwd: backward_fresh(f(), go, (q, k, v)), args.warmup, args.iters, spec)


def cbn_rows(t, a, args, batch):
    for where, b, c, h, w, k in gm.cbn_shapes(a, batch):
        x = torch.randn(b, c, h, w, device=t.device, requires_grad=True)
        y = torch.randint(0, k, (b,), device=t.device)
        gamma = torch.randn(k, c, device=t.device, requires_grad=True)
        beta = torch.randn(k, c, device=t.device, requires_grad=True)
        rm, rv = torch.zeros(c, device=t.device), torch.ones(c, device=t.device)
        gy = torch.randn(b, c, h, w, device=t.device)

        def fwd():
            xn = F.batch_norm(x, rm, rv, training=True, momentum=0.1, eps=1e-5)
            return xn * gamma[y][:, :, None, None] + beta[y][:, :, None, None]

        spec = f"B={b},C={c},H={h},W={w},K={k}"
        t.add("cbn", a.preset, f"{where} {spec}", "bn+gather+affine", "fwd", fwd, args.warmup, args.iters, spec)
        t.add("cbn", a.preset, f"{where} {spec}", "bn+gather+affine", "fwd+bwd",
              lambda: backward_fresh(fwd(), gy, (x, gamma, beta)), args.warmup, args.iters, spec)


def list_shapes(kind, chosen, batches):
    for name, a in chosen.items():
        b = batches[name]
        if kind == "step":
            print(name, f"preset={name},batch={b}")
        for s in gm.attention_shapes(a, b) if kind == "attention" else gm.cbn_shapes(a, b) if kind == "cbn" else []:
            print(name, f"B={s[1]},N={s[2]},M={s[3]},d={s[4]},c={s[5]}" if kind == "attention"
                  else f"B={s[1]},C={s[2]},H={s[3]},W={s[4]},K={s[5]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--presets", default="tiny,sagan32,biggan32,biggan128")
    p.add_argument("--only", default=",".join(SECTIONS))
    p.add_argument("--small", action="store_true", help="CPU-sized batches and iterations; biggan128's step left out")
    p.add_argument("--warmup", type=int, default=None, help="untimed calls first (default 10; 1 with --small)")
    p.add_argument("--iters", type=int, default=None, help="timed calls (default 30; 3 with --small)")
    p.add_argument("--compile", default="sagan32",
                   help="presets whose step is also timed torch.compile'd (comma-separated, 'all' or 'none'; "
                        "compiling takes tens of seconds per model)")
    p.add_argument("--tf32", type=int, default=1, choices=(0, 1), help="TF32 matmuls and convolutions in the step")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU (0: PyTorch's default)")
    p.add_argument("--json", help="write every row as JSON here")
    p.add_argument("--list-shapes", choices=("attention", "cbn", "step"))
    args = p.parse_args()
    table = gm.presets()
    chosen = {}
    for name in args.presets.split(","):
        if name not in table:
            print(f"torch_peers.py: --presets: expected some of {', '.join(table)}, got '{name}'", file=sys.stderr)
            sys.exit(2)
        chosen[name] = table[name]
    only = args.only.split(",")
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        print(f"torch_peers.py: --only: expected some of {', '.join(SECTIONS)}, got '{bad[0]}'", file=sys.stderr)
        sys.exit(2)
    batches = SMALL_BATCH if args.small else BATCH
    if args.list_shapes:
        list_shapes(args.list_shapes, chosen, batches)
        return
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.small else 10)
    args.iters = args.iters if args.iters is not None else (3 if args.small else 30)
    where = torch.cuda.get_device_name() if device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"PyTorch {torch.__version__} on {where}; warm-up {args.warmup}, median of {args.iters}"
          f"{'; --small (CPU stand-in sizes)' if args.small else ''}")
    mismatches = []
    for name, a in chosen.items():       # every count first: a wrong transcription times nothing
        g, d = gm.Generator(a), gm.Discriminator(a)
        line = gm.check_counts(a, g, d)
        print(f"parameters {name}: G {gm.trainable(g)}, D {gm.trainable(d)} "
              f"({'same as sagan4j' if line is None else 'DIFFERENT: ' + line})")
        if line is not None:
            mismatches.append(line)
        del g, d
    if mismatches:
        for line in mismatches:
            print("torch_peers.py: " + line, file=sys.stderr)
        sys.exit(2)
    tf32(False)
    header = {"torch": torch.__version__, "device": where, "small": args.small, "warmup": args.warmup,
              "iters": args.iters, "tf32_step": bool(args.tf32)}
    t = Table(device, args.json, header)
    print(f"{'section':<10} {'preset':<10} {'shape':<34} {'impl':<22} {'pass':<8} {'median ms':>10} {'launches':>6}")
    compiled = list(chosen) if args.compile == "all" else [] if args.compile == "none" else args.compile.split(",")
    # the kernels first, then the eager steps, then the compiled ones: the slowest last, where a timeout cuts
    for section in ("sn", "attention", "cbn", "step", "compile"):
        for name, a in chosen.items():
            b = batches[name]
            if section == "sn" and "sn" in only:
                sn_rows(t, a, args)
            elif section == "attention" and "attention" in only:
                attention_rows(t, a, args, b)
            elif section == "cbn" and "cbn" in only:
                cbn_rows(t, a, args, b)
            elif section == "step" and "step" in only:
                step_rows(t, a, args, b, False)
            elif section == "compile" and "step" in only and name in compiled:
                step_rows(t, a, args, b, True)
    t.save()


if __name__ == "__main__":
    main()
