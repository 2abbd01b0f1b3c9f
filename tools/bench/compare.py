#!/usr/bin/env python3
"""ThinkScope vs llama.cpp, side by side on the same GGUF files, in one run.

  swift build -c release --product thinkscope
  python3 tools/bench/compare.py [--models qwen3-0.6b:q8_0,qwen3-30b-a3b-4l:q8_0] [-p 128] [-n 64] [-t 2]
  python3 tools/bench/compare.py --isa avx2 [--llama-bench ../llama-avx2/bin/llama-bench] ...

Each model is made with `thinkscope random-model` (real shapes, random weights; cached in
--cache), quantized further with llama.cpp when the type is a K-quant (q4_k_m, q5_k_m ...).
For every model the two engines are run alternately (ThinkScope with hooks off and on, then
llama.cpp) for --rounds rounds; the table reports medians and the ThinkScope / llama.cpp ratios.
Needs the oracle (../shared/oracle/install.sh), or a llama-bench binary.

--isa avx2|avx512 pins both engines to one SIMD level: ThinkScope through THINKSCOPE_ISA, llama.cpp
by running a llama-bench built for that level only (default ../llama-<isa>/bin/llama-bench next to
the repository; see docs/PERFORMANCE.md for the cmake flags). llama-bench is run twice per round,
"-p P -n 0" for prefill and "-p 0 -n N -d P" for decode after a P-token context (as ThinkScope and
the oracle measure it), with "-o json"; its per-repeat samples give the medians. --isa native (the
default) leaves ThinkScope's detection alone and uses the oracle unless --llama-bench is given.
K-quant models are quantized with the oracle or, without it, with llama-quantize beside llama-bench.
"""
import argparse, json, os, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "..", "shared", "oracle", "llamacpp.py")
NATIVE_TYPES = {"f32", "f16", "bf16", "q8_0"}


def quantize_cmd(a):
    try:
        import llama_cpp  # noqa: F401
        return [sys.executable, ORACLE, "quantize"]
    except ImportError:
        if a.llama_bench:
            q = os.path.join(os.path.dirname(a.llama_bench), "llama-quantize")
            if os.path.exists(q):
                return [q]
        sys.exit("no quantizer: install the oracle or build llama-quantize next to llama-bench")


def model_path(a, preset, qtype):
    os.makedirs(a.cache, exist_ok=True)
    path = os.path.join(a.cache, f"{preset}-{qtype}.gguf")
    if os.path.exists(path):
        return path
    base_type = qtype if qtype in NATIVE_TYPES else "f16"
    base = os.path.join(a.cache, f"{preset}-{base_type}.gguf")
    if not os.path.exists(base):
        subprocess.run([a.thinkscope, "random-model", "--preset", preset, "--type", base_type, "--out", base], check=True)
    if base != path:
        cmd = quantize_cmd(a)
        args = [base, path, qtype] if cmd[0] == sys.executable else [base, path, qtype.upper(), "2"]
        subprocess.run(cmd + args, check=True)
    return path


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def llama_bench(a, path):
    """prefill_tps / decode_tps medians from llama-bench's JSON samples (one run per phase)."""
    def samples(extra):
        cmd = [a.llama_bench, "-m", path, "-t", str(a.t), "-r", str(a.r), "-o", "json"] + extra
        env = dict(os.environ, OMP_WAIT_POLICY="passive") if a.llama_passive else None
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        tests = json.loads(out)
        return statistics.median(tests[0]["samples_ts"])
    return {"engine": "llama-bench", "prefill_tps": samples(["-p", str(a.p), "-n", "0"]),
            "decode_tps": samples(["-p", "0", "-n", str(a.n), "-d", str(a.p)])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="qwen3-0.6b:q8_0,qwen3-30b-a3b-4l:q8_0")
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=3, help="repeats inside each engine run")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per model")
    ap.add_argument("--thinkscope", default=os.path.join(ROOT, ".build", "release", "thinkscope"))
    ap.add_argument("--cache", default="/tmp/thinkscope-bench")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--isa", choices=["native", "avx2", "avx512"], default="native",
                    help="SIMD level for both engines (THINKSCOPE_ISA and the matching llama-bench)")
    ap.add_argument("--llama-bench", help="llama-bench binary to compare against instead of the oracle")
    ap.add_argument("--llama-passive", action="store_true",
                    help="run llama.cpp (llama-bench or the oracle) with OMP_WAIT_POLICY=passive: its OpenMP threads spin at every barrier, "
                         "which collapses when the cores are shared with other work (decode 5-7x slower)")
    ap.add_argument("--no-hooks", action="store_true", help="skip the ThinkScope run with hooks on")
    a = ap.parse_args()
    if a.isa != "native" and not a.llama_bench:
        a.llama_bench = os.path.join(ROOT, "..", f"llama-{a.isa}", "bin", "llama-bench")
    if a.llama_bench and not os.path.exists(a.llama_bench):
        sys.exit(f"llama-bench not found: {a.llama_bench}")
    env = dict(os.environ)
    if a.isa != "native":
        env["THINKSCOPE_ISA"] = a.isa
    else:
        env.pop("THINKSCOPE_ISA", None)
    rows = []
    for spec in a.models.split(","):
        preset, qtype = spec.split(":")
        path = model_path(a, preset, qtype)
        res = {"ts": [], "ts_hooks": [], "llama": []}
        common = ["-p", str(a.p), "-n", str(a.n), "-t", str(a.t), "-r", str(a.r)]
        for _ in range(a.rounds):
            res["ts"].append(run_json([a.thinkscope, "bench", "--model", path, "--json"] + common, env))
            if not a.no_hooks:
                res["ts_hooks"].append(run_json([a.thinkscope, "bench", "--model", path, "--json", "--hooks"] + common, env))
            if a.llama_bench:
                res["llama"].append(llama_bench(a, path))
            else:
                llama_env = dict(os.environ, OMP_WAIT_POLICY="passive") if a.llama_passive else None
                res["llama"].append(run_json([sys.executable, ORACLE, "bench", path] + common, llama_env))
        if a.no_hooks:
            res["ts_hooks"] = res["ts"]
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("prefill_tps", "decode_tps")} for k, v in res.items()}
        row = dict(model=f"{preset} {qtype}", isa=a.isa, threads=a.t, file_mb=round(os.path.getsize(path) / 1e6, 1), **{
            f"{k}_{m}": round(v[m], 2) for k, v in med.items() for m in v})
        for m in ("prefill_tps", "decode_tps"):
            row[f"ratio_{m}"] = round(med["ts"][m] / med["llama"][m], 3)
            row[f"ratio_hooks_{m}"] = round(med["ts_hooks"][m] / med["llama"][m], 3)
            row[f"hooks_cost_{m}"] = round(1 - med["ts_hooks"][m] / med["ts"][m], 3)
        last = res["ts"][-1]
        row["ts_peak_resident_mb"] = round(last.get("peak_resident_mb", float("nan")), 1)
        row["ts_kv_cache_mb"] = round(last.get("kv_cache_mb", float("nan")), 1)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'model':28} {'prefill ts/llama':>17} {'decode ts/llama':>16} {'hooks on':>18} {'llama pre/dec tok/s':>22}"
          f" {'file / resident / KV MB':>26}")
    for r in rows:
        print(f"{r['model']:28} {r['ratio_prefill_tps']:>17.2f} {r['ratio_decode_tps']:>16.2f} "
              f"{r['ratio_hooks_prefill_tps']:>8.2f}/{r['ratio_hooks_decode_tps']:<8.2f} "
              f"{r['llama_prefill_tps']:>10.1f}/{r['llama_decode_tps']:<10.1f} "
              f"{r['file_mb']:>8.0f} / {r['ts_peak_resident_mb']:>6.0f} / {r['ts_kv_cache_mb']:<6.1f}")


if __name__ == "__main__":
    main()
