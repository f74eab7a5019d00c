#!/usr/bin/env bash
# Builds and runs the standalone native kernel tests (native/tests) without Node:
#   scripts/native-test.sh            host build
#   scripts/native-test.sh asan       host build with AddressSanitizer + UBSan (+ LeakSanitizer)
#   scripts/native-test.sh arm64      cross-compiled with aarch64-linux-gnu-g++, run under qemu-aarch64
# Sources compile in parallel ($JOBS, default: the machine's cores), then link into one program.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-host}"
out="build-native-test/$mode"
mkdir -p "$out"
rm -f "$out/failed"
jobs_max="${JOBS:-$(nproc)}"
[ "$jobs_max" = max ] && jobs_max="$(nproc)"
kernel_srcs=$(node scripts/native-sources.cjs base | tr ' ' '\n' | grep -v '^native/addon/' || true)
flags=(-std=c++17 -O2 -Inative -fno-math-errno -pthread)
avx2=(-mavx2 -mfma -mf16c)
avx512=(-mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni -Wno-maybe-uninitialized)

objs=()
# obj SRC FLAGS...: compiles SRC in the background, at most $jobs_max at a time; failures are
# collected in $out/failed (a background job's status is easy to lose, a file is not).
obj() {
  local src=$1
  shift
  local o
  o="$out/$(echo "$src" | tr / _).o"
  objs+=("$o")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  { "$CXX" "$@" -c "$src" -o "$o" || echo "$src" >>"$out/failed"; } &
}
link() {
  wait
  if [ -s "$out/failed" ]; then
    echo "native-test: compiling failed: $(tr '\n' ' ' <"$out/failed")" >&2
    exit 1
  fi
  "$CXX" "${flags[@]}" "$@" "${objs[@]}" -o "$out/native-tests"
}

case "$mode" in
  host|asan)
    CXX=${CXX:-g++}
    [ "$mode" = asan ] && flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -Inative -fno-math-errno -pthread
                                 -fsanitize=address,undefined -fno-sanitize-recover=undefined)
    for f in $kernel_srcs native/tests/*.cc; do obj "$f" "${flags[@]}"; done
    for f in $(node scripts/native-sources.cjs avx2); do obj "$f" "${flags[@]}" "${avx2[@]}"; done
    for f in $(node scripts/native-sources.cjs avx512); do obj "$f" "${flags[@]}" "${avx512[@]}"; done
    link
    "$out/native-tests"
    ;;
  arm64)
    CXX=${CXX:-aarch64-linux-gnu-g++}
    for f in $kernel_srcs $(node scripts/native-sources.cjs neon) native/tests/*.cc; do obj "$f" "${flags[@]}"; done
    link -static
    qemu-aarch64 "$out/native-tests"
    ;;
  *) echo "usage: $0 [host|asan|arm64]" >&2; exit 2 ;;
esac
