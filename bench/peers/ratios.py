#!/usr/bin/env python3
"""Side by side: sagan4j's measurements and PyTorch's (torch_peers.py --json) from one run on one device.

  ratios.py PEERS.json [SAGAN4J.json ...]

SAGAN4J.json files are `sagan4j bench step --json` objects (one per preset) and `sagan4j bench --json` JSON
lines (attention, attention-backward, cond-batchnorm, spectral-norm at the peers' --shape specs). Each
comparison prints both times, PyTorch's time over sagan4j's (above 1: sagan4j is faster) and both launch
counts with PyTorch's over sagan4j's. sagan4j's launches are kernels + cuBLAS/cuDNN calls
(DeviceCounters); PyTorch's are the CUDA kernels torch.profiler saw (on a CPU run: top-level aten ops,
no launches, so that ratio is left out). Needs only the standard library.
"""
import json
import os
import sys


def load(paths):
    steps, kernels = [], []
    for p in paths:
        if not os.path.isfile(p):
            print(f"(no {p}: sagan4j's side of those comparisons did not run)")
            continue
        with open(p) as f:
            text = f.read().strip()
        if not text:
            continue
        if text.startswith("{\"sagan4j\""):
            steps.append(json.loads(text))
        else:
            kernels.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return steps, kernels


def fastest(kernels, kernel, spec):
    """sagan4j's fastest implementation at a --shape spec (the baseline composition excluded)."""
    rows = [r for r in kernels if r["kernel"] == kernel and spec in r["shape"] and r["impl"] not in ("baseline", "chain")]
    return min(rows, key=lambda r: r["median_ms"]) if rows else None


def ratio(a, b):
    return f"{a / b:7.2f}x" if a and b else "      -"


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        peers = json.load(f)
    steps, kernels = load(sys.argv[2:])
    gpu = not peers["device"].startswith("CPU")
    rows = [r for r in peers["rows"] if "skipped" not in r]
    print(f"side by side: PyTorch {peers['torch']} on {peers['device']} vs sagan4j; speed-up = PyTorch ms / sagan4j ms")
    print(f"{'comparison':<56} {'sagan4j':<16} {'ms':>9} {'PyTorch':<24} {'ms':>9} {'speed-up':>8} "
          f"{'launches':>8} {'PyTorch':>8} {'ratio':>8}")

    def line(what, mine, mine_ms, mine_n, theirs, theirs_ms, theirs_n):
        n_ratio = ratio(theirs_n, mine_n) if gpu and mine_n and theirs_n > 0 else "      -"
        mine_launches = f"{mine_n:8.0f}" if gpu and mine_n else "       -"
        print(f"{what:<56} {mine:<16} {mine_ms:9.3f} {theirs:<24} {theirs_ms:9.3f} {ratio(theirs_ms, mine_ms):>8} "
              f"{mine_launches} {theirs_n:8d} {n_ratio:>8}")

    for s in steps:
        m = s["sagan4j"]
        counts = [m.get(k) for k in ("d_step_counts", "g_step_counts")]
        mine_n = sum(c["kernels"] + c["library_calls"] for c in counts) if all(counts) else None
        for impl in sorted({r["impl"] for r in rows if r["section"] == "step" and r["preset"] == m["preset"]}):
            d = [r for r in rows if r["section"] == "step" and r["preset"] == m["preset"] and r["impl"] == impl]
            if len(d) == 2 and d[0]["sagan4j_shape"].endswith(f"batch={m['batch']}"):
                line(f"step {m['preset']} batch {m['batch']} (D + G, Adam)", "bench step", m["step_ms"], mine_n, impl,
                     d[0]["median_ms"] + d[1]["median_ms"], d[0]["launches"] + d[1]["launches"])
    for r in rows:
        spec = r["sagan4j_shape"]
        if r["section"] == "attention":
            fwd = fastest(kernels, "attention", spec)
            bwd = fastest(kernels, "attention-backward", spec) if r["pass"] == "fwd+bwd" else None
            if fwd and (r["pass"] == "fwd" or bwd):
                ms = fwd["median_ms"] + (bwd["median_ms"] if bwd else 0)
                n = fwd.get("launches_per_call", 0) + (bwd.get("launches_per_call", 0) if bwd else 0)
                line(f"attention {r['pass']} {r['preset']} {r['shape']}", fwd["impl"], ms, n, r["impl"], r["median_ms"],
                     r["launches"])
        elif r["section"] in ("cbn", "sn") and r["pass"] == "fwd":
            mine = fastest(kernels, "cond-batchnorm" if r["section"] == "cbn" else "spectral-norm", spec)
            if mine:
                line(f"{r['section']} fwd {r['preset']} {r['shape']}", mine["impl"], mine["median_ms"],
                     mine.get("launches_per_call"), r["impl"], r["median_ms"], r["launches"])
    print("(sagan4j's cond-batchnorm and spectral-norm benches time the training forward only; PyTorch's fwd+bwd "
          "rows are in torch_peers' table)")


if __name__ == "__main__":
    main()
