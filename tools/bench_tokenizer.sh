#!/usr/bin/env bash
# Tokenizer speed: ThinkScope (release build) vs llama.cpp (llama-cpp-python) on the same ~1 MB of mixed text.
#
# The text is the parity corpus (Tests/Fixtures/tokenizer-corpus.json, text cases) concatenated and repeated to
# 1 MiB. Both sides load the vocabulary first (load time reported, not counted) and then time only tokenization
# of the whole text: median of -r runs after one warm-up. llama.cpp is timed through a direct `llama_tokenize`
# call with a preallocated buffer (no Python list conversion).
#
# usage: tools/bench_tokenizer.sh [-r REPEATS]       (needs the oracle: python3 -c "import llama_cpp")
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REPEATS="${2:-5}"
WORK="${TMPDIR:-/tmp}/thinkscope-tokbench"
mkdir -p "$WORK/Sources/TokBench"
ln -sfn "$ROOT/Sources/GGUF" "$WORK/Sources/GGUF"
ln -sfn "$ROOT/Sources/Tokenizer" "$WORK/Sources/Tokenizer"
cp "$ROOT/tools/tokenizer-bench/main.swift" "$WORK/Sources/TokBench/main.swift"
cat > "$WORK/Package.swift" <<'PKG'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "TokBench",
    platforms: [.macOS(.v14)],
    targets: [
        .target(name: "GGUF"),
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        .executableTarget(name: "TokBench", dependencies: ["Tokenizer", "GGUF"]),
    ]
)
PKG
(cd "$WORK" && swift build -c release --product TokBench >&2)
BIN="$WORK/.build/release/TokBench"
VOCAB="$ROOT/Tests/Fixtures/qwen3-vocab.gguf"
TEXT="$WORK/mixed-1mb.txt"
python3 "$ROOT/tools/bench_tokenizer_llamacpp.py" make-text "$TEXT"
for special in "" "--special"; do
  echo "== special parsing: ${special:-off}"
  "$BIN" bench "$VOCAB" "$TEXT" -r "$REPEATS" $special
  "$BIN" bench "$VOCAB" "$TEXT" -r "$REPEATS" $special --no-cache
  python3 "$ROOT/tools/bench_tokenizer_llamacpp.py" bench "$VOCAB" "$TEXT" -r "$REPEATS" $special
done
# same ids on the benchmark text
"$BIN" tokenize "$VOCAB" "$TEXT" > "$WORK/ours.json"
python3 "$ROOT/tools/bench_tokenizer_llamacpp.py" compare "$VOCAB" "$TEXT" "$WORK/ours.json"
