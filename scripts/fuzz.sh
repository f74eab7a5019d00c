#!/usr/bin/env bash
# libFuzzer harnesses (native/fuzz) built with clang under ASan + UBSan, linked with the addon's
# own argument readers (native/addon/kernel_args.cc) and every kernel source:
#   scripts/fuzz.sh                 build, then fuzz each harness for $FUZZ_SECONDS (default 60)
#   scripts/fuzz.sh regress         build, then run each harness once over its corpus and
#                                   native/fuzz/regressions/<harness>/ (no fuzzing; CI)
#   scripts/fuzz.sh seed            fuzz, then refresh native/fuzz/corpus/<harness>/ with at most
#                                   $FUZZ_CORPUS_MAX (default 40) inputs of the merged corpus
# FUZZ_HARNESSES="attention rope" limits the run. New inputs found while fuzzing go to
# build-fuzz/corpus/<harness>/ (not the repo); crashes to build-fuzz/crashes/<harness>/, and
# the script fails. A crash, once fixed, is copied into native/fuzz/regressions/<harness>/.
# Summary (executions, cov, ft per harness): build-fuzz/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
out=build-fuzz
jobs_max="${JOBS:-$(nproc)}"

probe='extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }'
if ! command -v clang++ >/dev/null || ! echo "$probe" | clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing clang libclang-rt-14-dev"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi

CXX=clang++
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -Inative -fno-math-errno -pthread
       -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link)
avx2=(-mavx2 -mfma -mf16c)
avx512=(-mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni)
mkdir -p "$out/obj"
rm -f "$out/failed"

objs=()
obj() {  # obj SRC FLAGS...: compiles SRC in the background when its object is older than it
  local src=$1
  shift
  local o
  o="$out/obj/$(echo "$src" | tr / _).o"
  objs+=("$o")
  # Headers change too: rebuild when any header under native/ is newer than the object.
  if [ -f "$o" ] && [ "$o" -nt "$src" ] && [ -z "$(find native -name '*.h' -newer "$o" -print -quit)" ]; then return; fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  { "$CXX" "$@" -c "$src" -o "$o" || echo "$src" >>"$out/failed"; } &
}

lib_srcs=$(node scripts/native-sources.cjs base | tr ' ' '\n' | grep -v '^native/addon/' || true)
for f in $lib_srcs native/addon/kernel_args.cc; do obj "$f" "${flags[@]}"; done
if [ "$(uname -m)" = x86_64 ]; then
  for f in $(node scripts/native-sources.cjs avx2); do obj "$f" "${flags[@]}" "${avx2[@]}"; done
  for f in $(node scripts/native-sources.cjs avx512); do obj "$f" "${flags[@]}" "${avx512[@]}"; done
else
  for f in $(node scripts/native-sources.cjs neon); do obj "$f" "${flags[@]}"; done
fi
wait
if [ -s "$out/failed" ]; then
  echo "fuzz: compiling failed: $(tr '\n' ' ' <"$out/failed")" >&2
  exit 1
fi
lib=("${objs[@]}")

harnesses="${FUZZ_HARNESSES:-$(ls native/fuzz/fuzz_*.cc | sed 's#native/fuzz/fuzz_##; s#\.cc$##' | tr '\n' ' ')}"
for h in $harnesses; do
  bin="$out/fuzz_$h"
  if [ ! -f "$bin" ] || [ -n "$(find native/fuzz -name '*.cc' -newer "$bin" -print -quit)" ] ||
     [ -n "$(find native/fuzz -name '*.h' -newer "$bin" -print -quit)" ] || [ -n "$(find "${lib[@]}" -newer "$bin" -print -quit)" ]; then
    "$CXX" "${flags[@]/-fsanitize=fuzzer-no-link/-fsanitize=fuzzer}" "native/fuzz/fuzz_$h.cc" "${lib[@]}" -o "$bin"
  fi
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
: >"$out/summary.txt"
for h in $harnesses; do
  bin="$out/fuzz_$h"
  seeds="native/fuzz/corpus/$h"
  regressions="native/fuzz/regressions/$h"
  mkdir -p "$seeds" "$out/corpus/$h" "$out/crashes/$h"
  if [ "$mode" = regress ]; then
    files=$(find "$seeds" "$regressions" -type f 2>/dev/null || true)
    n=$(echo "$files" | grep -c . || true)
    if [ "$n" -gt 0 ] && ! echo "$files" | xargs "$bin" -runs=0 >"$out/$h.log" 2>&1; then
      echo "fuzz: $h failed on its corpus or regressions (see $out/$h.log)" >&2
      status=1
    fi
    printf '%-11s %4s inputs replayed\n' "$h" "$n" | tee -a "$out/summary.txt"
    continue
  fi
  dirs=("$out/corpus/$h" "$seeds")
  [ -d "$regressions" ] && dirs+=("$regressions")
  if ! "$bin" "${dirs[@]}" -max_total_time="$seconds" -max_len=4096 -len_control=20 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$out/crashes/$h/" >"$out/$h.log" 2>&1; then
    echo "fuzz: $h found a crash (see $out/$h.log and $out/crashes/$h/)" >&2
    status=1
  fi
  # The last status line: "#<execs> DONE cov: <edges> ft: <features> corp: <n>/<size> ..."
  line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$out/$h.log" | tail -1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$out/$h.log" | grep -oE '[0-9]+$' || echo "?")
  printf '%-12s %4ss  execs %-9s %s\n' "$h" "$seconds" "$execs" \
    "$(echo "$line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*')" | tee -a "$out/summary.txt"
  if [ "$mode" = seed ]; then
    rm -rf "$out/merged/$h" && mkdir -p "$out/merged/$h"
    "$bin" -merge=1 "$out/merged/$h" "$out/corpus/$h" "$seeds" >/dev/null 2>&1
    rm -f "$seeds"/*
    ls -S "$out/merged/$h" | tail -n "${FUZZ_CORPUS_MAX:-40}" | while read -r f; do cp "$out/merged/$h/$f" "$seeds/"; done
  fi
done
exit $status
