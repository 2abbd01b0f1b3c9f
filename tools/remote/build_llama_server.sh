#!/usr/bin/env bash
# Builds llama-server from the llama.cpp sources vendored in the llama-cpp-python sdist (PyPI),
# web UI off, into a cache directory that later runs reuse. Prints the binary's path on stdout.
#
#   tools/remote/build_llama_server.sh [CACHE_DIR]     (default: $LLAMA_SERVER_CACHE or ~/.cache/thinkscope/llama-server)
#
# Environment: LLAMA_CPP_PYTHON_VERSION (default 0.3.36), JOBS (default 1: the machine is shared).
# About 20 minutes on 2 cores with -j1. Nothing lands in the repository.
set -euo pipefail
version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
cache="${1:-${LLAMA_SERVER_CACHE:-$HOME/.cache/thinkscope/llama-server}}"
jobs="${JOBS:-1}"
bin="$cache/build-$version/bin/llama-server"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
src="$cache/llama_cpp_python-$version"
if [ ! -f "$src/vendor/llama.cpp/CMakeLists.txt" ]; then
  dl="$cache/sdist"
  mkdir -p "$dl"
  python3 -m pip download --quiet --no-binary llama-cpp-python --no-deps -d "$dl" "llama-cpp-python==$version" >&2
  tar -xzf "$dl"/llama_cpp_python-"$version".tar.gz -C "$cache"
fi
# GGML_NATIVE for speed; AMX off because some machines advertise it and then trap.
cmake -S "$src/vendor/llama.cpp" -B "$cache/build-$version" \
  -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DGGML_NATIVE=ON -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_BF16=OFF >&2
cmake --build "$cache/build-$version" --target llama-server -j"$jobs" >&2
test -x "$bin"
echo "$bin"
