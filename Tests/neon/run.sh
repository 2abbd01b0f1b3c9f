#!/usr/bin/env bash
# Builds Sources/CKernels and Tests/neon/harness.c for aarch64 and runs the harness under qemu:
# every NEON kernel against its scalar twin, bit for bit. Needs gcc-aarch64-linux-gnu and
# qemu-user (or qemu-user-static). With clang on PATH (the Swift toolchain's), the harness is also
# built with clang, the compiler SwiftPM uses. Exit status: non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=Sources/CKernels
out=${NEON_BUILD_DIR:-.build/neon}
mkdir -p "$out"
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || { echo "qemu-aarch64 not found (apt-get install qemu-user)"; exit 2; }
sysroot=/usr/aarch64-linux-gnu
flags=(-O3 -fno-math-errno -Wall -Werror -I"$src" -I"$src/include")
status=0

run() {  # name, binary
    echo "== $1"
    "$qemu" -L "$sysroot" "$2" --expect-level 3 || status=1
    # A CPU without dotprod: the dispatcher must fall back to scalar.
    "$qemu" -L "$sysroot" -cpu cortex-a53 "$2" --expect-level 0 --level-only || status=1
}

aarch64-linux-gnu-gcc -std=gnu11 "${flags[@]}" "$src"/*.c Tests/neon/harness.c -lm -o "$out/harness-gcc"
run "gcc $(aarch64-linux-gnu-gcc -dumpversion), -march=armv8-a (dotprod by function target)" "$out/harness-gcc"

if command -v clang >/dev/null 2>&1 && [ -z "${NEON_NO_CLANG:-}" ]; then
    objs=()
    for f in "$src"/*.c Tests/neon/harness.c; do
        o="$out/clang-$(basename "$f" .c).o"
        clang --target=aarch64-linux-gnu --sysroot="$sysroot" -isystem "$sysroot/include" "${flags[@]}" -c "$f" -o "$o"
        objs+=("$o")
    done
    aarch64-linux-gnu-gcc "${objs[@]}" -lm -o "$out/harness-clang"
    run "clang $(clang -dumpversion)" "$out/harness-clang"
fi
exit $status
