#!/usr/bin/env bash
# Builds and runs the standalone native kernel tests (native/tests) without Node:
#   scripts/native-test.sh            host build
#   scripts/native-test.sh asan       host build with AddressSanitizer + UBSan (+ LeakSanitizer)
#   scripts/native-test.sh arm64      cross-compiled with aarch64-linux-gnu-g++, run under qemu-aarch64
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-host}"
out="build-native-test/$mode"
mkdir -p "$out"
kernel_srcs=$(node scripts/native-sources.cjs base | tr ' ' '\n' | grep -v '^native/addon/' || true)
flags=(-std=c++17 -O2 -Inative -fno-math-errno -pthread)
case "$mode" in
  host|asan)
    CXX=${CXX:-g++}
    [ "$mode" = asan ] && flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -Inative -fno-math-errno -pthread
                                 -fsanitize=address,undefined -fno-sanitize-recover=undefined)
    isa_srcs="$(node scripts/native-sources.cjs avx2) $(node scripts/native-sources.cjs avx512)"
    objs=()
    for f in $(node scripts/native-sources.cjs avx2); do
      o="$out/$(echo "$f" | tr / _).o"; $CXX "${flags[@]}" -mavx2 -mfma -mf16c -c "$f" -o "$o"; objs+=("$o")
    done
    for f in $(node scripts/native-sources.cjs avx512); do
      o="$out/$(echo "$f" | tr / _).o"
      $CXX "${flags[@]}" -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni \
        -Wno-maybe-uninitialized -c "$f" -o "$o"; objs+=("$o")
    done
    $CXX "${flags[@]}" $kernel_srcs native/tests/*.cc "${objs[@]}" -o "$out/native-tests"
    "$out/native-tests"
    ;;
  arm64)
    CXX=${CXX:-aarch64-linux-gnu-g++}
    $CXX "${flags[@]}" -static $kernel_srcs $(node scripts/native-sources.cjs neon) native/tests/*.cc -o "$out/native-tests"
    qemu-aarch64 "$out/native-tests"
    ;;
  *) echo "usage: $0 [host|asan|arm64]" >&2; exit 2 ;;
esac
