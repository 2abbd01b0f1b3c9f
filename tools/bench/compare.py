#!/usr/bin/env python3
"""ThinkScope vs llama.cpp, side by side on the same GGUF files, in one run.

  swift build -c release --product thinkscope
  python3 tools/bench/compare.py [--models qwen3-0.6b:q8_0,qwen3-30b-a3b-4l:q8_0] [-p 128] [-n 64] [-t 2]
  python3 tools/bench/compare.py --isa avx2 [--llama-bench ../llama-avx2/bin/llama-bench] [--llama-passive] ...
  python3 tools/bench/compare.py -d 4096 -p 32 -n 32 --kv-type f16 --fa best [--llama-bench PATH]

Each model is made with `thinkscope random-model` (real shapes, random weights; cached in
--cache), quantized further with llama.cpp when the type is a K-quant (q4_k_m, q5_k_m ...).
For every model the two engines are run alternately (ThinkScope with hooks off and on, then
llama.cpp) for --rounds rounds; the table reports medians and the ThinkScope / llama.cpp ratios.
Needs the oracle (../shared/oracle/install.sh).

Depth (-d, as llama-bench -d): both engines prefill DEPTH tokens untimed, then time -p and -n on
top. The llama.cpp side is llama_depth.py (llama-cpp-python, the oracle's build) or, with
--llama-bench PATH, that llama-bench binary (--interleave needs llama_depth.py's server: it then
loads the libllama built beside that llama-bench). --kv-type sets both engines' KV cache (llama.cpp:
-ctk/-ctv); --fa sets llama.cpp's flash attention: off, on, or best (both, alternating, and the
faster median of each metric counts). A quantized V cache forces flash attention on in llama.cpp.

--isa avx2|avx512 pins both engines to one SIMD level: ThinkScope through THINKSCOPE_ISA, llama.cpp
by running a llama-bench built for that level only (default ../llama-<isa>/bin/llama-bench next to
the repository; see docs/PERFORMANCE.md for the cmake flags). --llama-passive runs llama.cpp with
OMP_WAIT_POLICY=passive (its spinning threads collapse on shared cores). K-quant models are
quantized with the oracle or, without it, with llama-quantize beside llama-bench.

--real-vocab gives the bench models the real Qwen3 tokenizer (`random-model --vocab-from
Tests/Fixtures/qwen3-vocab.gguf`) instead of the synthetic vocabulary with few merges, for the qwen3
presets (other presets are refused); --vocab-from FILE takes the tokenizer from FILE for every model
(its size must match each preset's). Such models are cached apart, as PRESET-TYPE-realvocab.gguf
(or PRESET-TYPE-vocab-STEM.gguf for FILE). The weights and shapes are the same; token counts of
text are not (the Qwen end of thinking: 64 tokens synthetic, 24 real), which matters for `bench
--probe-every`.
Without either option the models are made exactly as before.
"""
import argparse, json, os, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "..", "shared", "oracle", "llamacpp.py")
NATIVE_TYPES = {"f32", "f16", "bf16", "q8_0"}
QWEN3_VOCAB = os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf")


def vocab_for(a, preset):
    """(tokenizer file, cache-name suffix) for a bench model: (None, "") for the synthetic vocabulary."""
    if a.vocab_from:
        stem = os.path.splitext(os.path.basename(a.vocab_from))[0]
        return a.vocab_from, f"-vocab-{stem}"
    if a.real_vocab:
        if not preset.startswith("qwen3-"):  # every qwen3 preset has Qwen3's vocabulary size
            sys.exit(f"--real-vocab: no real vocabulary for preset {preset} (qwen3 presets only; or --vocab-from FILE)")
        return QWEN3_VOCAB, "-realvocab"
    return None, ""


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
    vocab, suffix = vocab_for(a, preset)
    path = os.path.join(a.cache, f"{preset}-{qtype}{suffix}.gguf")
    if os.path.exists(path):
        return path
    base_type = qtype if qtype in NATIVE_TYPES else "f16"
    base = os.path.join(a.cache, f"{preset}-{base_type}{suffix}.gguf")
    if not os.path.exists(base):
        extra = ["--vocab-from", vocab] if vocab else []
        subprocess.run([a.thinkscope, "random-model", "--preset", preset, "--type", base_type, "--out", base] + extra,
                       check=True)
    if base != path:
        subprocess.run(quantize_cmd(a) + [base, path, qtype], check=True)
    return path


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def llama_run(a, path, fa):
    """One llama.cpp measurement: {"prefill_tps", "decode_tps"}."""
    if a.llama_bench:
        cmd = [a.llama_bench, "-m", path, "-p", str(a.p), "-n", str(a.n), "-d", str(a.d), "-t", str(a.t),
               "-r", str(a.r), "-ctk", a.kv_type, "-ctv", a.kv_type, "-fa", fa, "-o", "json"]
        tests = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=a.llama_env).stdout)
        pre = [t["avg_ts"] for t in tests if t["n_prompt"] > 0]
        dec = [t["avg_ts"] for t in tests if t["n_gen"] > 0]
        return {"prefill_tps": pre[0], "decode_tps": dec[0]}
    if a.d == 0 and a.kv_type == "f16" and fa == "off":
        return run_json([sys.executable, ORACLE, "bench", path, "-p", str(a.p), "-n", str(a.n), "-t", str(a.t), "-r", str(a.r)],
                        a.llama_env)
    return run_json([sys.executable, os.path.join(HERE, "llama_depth.py"), path, "-d", str(a.d), "-p", str(a.p),
                     "-n", str(a.n), "-t", str(a.t), "-r", str(a.r), "--kv-type", a.kv_type, "--fa", fa], a.llama_env)


def interleaved(a, path, fas):
    """Both engines as servers (`bench --serve`, `llama_depth.py --serve`): each fills the depth
    once (concurrently, untimed), then they take turns, one timed round at a time, so every round
    of one engine has a round of the other right next to it under the same machine load.
    Returns per-engine lists of rounds and the per-turn ratios (ThinkScope / llama.cpp's faster)."""
    common = ["-p", str(a.p), "-n", str(a.n), "-t", str(a.t), "-d", str(a.d), "--kv-type", a.kv_type]
    cmds = {"ts": [a.thinkscope, "bench", "--model", path, "--serve"] + common}
    for fa in fas:
        cmds[f"llama_fa_{fa}"] = [sys.executable, os.path.join(HERE, "llama_depth.py"), path, "--serve", "--fa", fa] + common
    # llama_depth.py is llama-cpp-python: with --llama-bench (or --isa) it loads the libllama built
    # beside that llama-bench instead of the oracle's (LLAMA_CPP_LIB_PATH), so both sides run one level.
    llama_env = dict(a.llama_env or os.environ)
    if a.llama_bench:
        llama_env["LLAMA_CPP_LIB_PATH"] = os.path.dirname(os.path.abspath(a.llama_bench))
    procs = {k: subprocess.Popen(c, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 env=a.ts_env if k == "ts" else llama_env) for k, c in cmds.items()}
    for k, p in procs.items():
        line = p.stdout.readline().strip()
        assert line == "ready", f"{k}: {line!r}"

    def turn(k):
        procs[k].stdin.write("round\n")
        procs[k].stdin.flush()
        return json.loads(procs[k].stdout.readline())

    for k in procs:
        turn(k)  # warm-up
    res = {k: [] for k in procs}
    names = list(procs)
    for i in range(a.interleave):
        for k in (names if i % 2 == 0 else names[::-1]):
            res[k].append(turn(k))
    for p in procs.values():
        p.stdin.close()
        p.wait()
    llamas = [k for k in res if k.startswith("llama")]
    ratios = {m: statistics.median(res["ts"][i][m] / max(res[k][i][m] for k in llamas) for i in range(a.interleave))
              for m in ("prefill_tps", "decode_tps")}
    return res, ratios


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="qwen3-0.6b:q8_0,qwen3-30b-a3b-4l:q8_0")
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=3, help="repeats inside each engine run")
    ap.add_argument("-d", type=int, default=0, help="depth: context tokens prefilled (untimed) before measuring")
    ap.add_argument("--kv-type", default="f16", choices=["f16", "q8_0"])
    ap.add_argument("--fa", default="off", choices=["off", "on", "best"], help="llama.cpp flash attention")
    ap.add_argument("--no-hooks", action="store_true", help="skip the ThinkScope run with hooks on")
    ap.add_argument("--llama-bench", help="a llama-bench binary to measure llama.cpp with (default: llama-cpp-python)")
    ap.add_argument("--interleave", type=int, default=0, metavar="K",
                    help="fill each engine once and alternate K timed rounds, round by round (robust on a busy machine); "
                         "ratios are medians of the per-turn ratios")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per model")
    ap.add_argument("--thinkscope", default=os.path.join(ROOT, ".build", "release", "thinkscope"))
    ap.add_argument("--cache", default="/tmp/thinkscope-bench")
    ap.add_argument("--json", action="store_true")
    vocab = ap.add_mutually_exclusive_group()
    vocab.add_argument("--real-vocab", action="store_true",
                       help="qwen3 presets with the real Qwen3 tokenizer (Tests/Fixtures/qwen3-vocab.gguf), not the synthetic one")
    vocab.add_argument("--vocab-from", metavar="FILE", help="every model's tokenizer from this GGUF file (sizes must match)")
    ap.add_argument("--isa", choices=["native", "avx2", "avx512"], default="native",
                    help="SIMD level for both engines (THINKSCOPE_ISA and the matching llama-bench)")
    ap.add_argument("--llama-passive", action="store_true",
                    help="run llama.cpp with OMP_WAIT_POLICY=passive: its OpenMP threads spin at every barrier, "
                         "which collapses when the cores are shared with other work")
    a = ap.parse_args()
    if a.isa != "native" and not a.llama_bench:
        a.llama_bench = os.path.join(ROOT, "..", f"llama-{a.isa}", "bin", "llama-bench")
    if a.llama_bench and not os.path.exists(a.llama_bench):
        sys.exit(f"llama-bench not found: {a.llama_bench}")
    a.ts_env = dict(os.environ)
    if a.isa != "native":
        a.ts_env["THINKSCOPE_ISA"] = a.isa
    else:
        a.ts_env.pop("THINKSCOPE_ISA", None)
    a.llama_env = dict(os.environ, OMP_WAIT_POLICY="passive") if a.llama_passive else None
    fas = ["off", "on"] if a.fa == "best" else [a.fa]
    if a.kv_type != "f16":
        fas = ["on"]  # llama.cpp needs flash attention for a quantized V cache
    rows = []
    for spec in a.models.split(","):
        preset, qtype = spec.split(":")
        path = model_path(a, preset, qtype)
        name = f"{preset} {qtype}{vocab_for(a, preset)[1]}"
        if a.interleave:
            res, ratios = interleaved(a, path, fas)
            row = dict(model=name, depth=a.d, kv_type=a.kv_type, threads=a.t, turns=a.interleave)
            for k, v in res.items():
                for m in ("prefill_tps", "decode_tps"):
                    row[f"{k}_{m}"] = round(statistics.median(r[m] for r in v), 2)
            for m in ("prefill_tps", "decode_tps"):
                row[f"ratio_{m}"] = round(ratios[m], 3)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
            continue
        res = {"ts": [], "ts_hooks": [], **{f"llama_fa_{fa}": [] for fa in fas}}
        if a.no_hooks:
            del res["ts_hooks"]
        common = ["-p", str(a.p), "-n", str(a.n), "-t", str(a.t), "-r", str(a.r), "-d", str(a.d), "--kv-type", a.kv_type]
        for _ in range(a.rounds):
            res["ts"].append(run_json([a.thinkscope, "bench", "--model", path, "--json"] + common, a.ts_env))
            if not a.no_hooks:
                res["ts_hooks"].append(run_json([a.thinkscope, "bench", "--model", path, "--json", "--hooks"] + common, a.ts_env))
            for fa in fas:
                res[f"llama_fa_{fa}"].append(llama_run(a, path, fa))
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("prefill_tps", "decode_tps")} for k, v in res.items()}
        # llama.cpp's figure: the faster flash-attention setting, per metric.
        med["llama"] = {m: max(med[f"llama_fa_{fa}"][m] for fa in fas) for m in ("prefill_tps", "decode_tps")}
        if a.no_hooks:
            med["ts_hooks"] = med["ts"]
        row = dict(model=name, isa=a.isa, threads=a.t, depth=a.d, kv_type=a.kv_type, file_mb=round(os.path.getsize(path) / 1e6, 1), **{
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
    if a.json or a.interleave:
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
