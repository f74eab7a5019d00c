#!/usr/bin/env bash
# Valgrind memcheck on one load-forward-close cycle of a tiny model on the native backend
# (test/sanitize/model-cycle.ts, in-process, no model worker), with the Release addon in build/.
# Fails when a definitely-lost block was allocated under attnscan.node; Node's and V8's own
# allocations at exit are not ours to judge (they are counted and printed, not gated).
#   scripts/valgrind-check.sh [architecture ...]      default: LlamaForCausalLM
# Node runs --jitless (valgrind cannot follow V8's JIT); AVX2 is forced (valgrind has no AVX-512).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind-check: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
archs=("$@")
[ ${#archs[@]} -eq 0 ] && archs=(LlamaForCausalLM)
out=build-valgrind
mkdir -p "$out"
log="$out/memcheck.log"
start=$SECONDS
ATTNSCAN_ISA=avx2 valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none \
  --num-callers=30 --log-file="$log" node --jitless --import tsx test/sanitize/model-cycle.ts "${archs[@]}" >"$out/stdout.txt"
grep -q '^ok$' "$out/stdout.txt" || { echo "valgrind-check: the model cycle failed (see $out/stdout.txt)" >&2; exit 1; }
# One record per "definitely lost" block: ours when its stack names the addon.
ours=$(awk '/definitely lost in loss record/ { rec = 1; mine = 0; next }
            rec && /attnscan\.node/ { mine = 1 }
            rec && /^==[0-9]+== *$/ { if (mine) n++; rec = 0 }
            END { print n + 0 }' "$log")
errors=$(grep -oE 'ERROR SUMMARY: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
definite=$(grep -oE 'definitely lost: [0-9,]+ bytes in [0-9,]+ blocks' "$log" | tail -1)
echo "valgrind-check: ${archs[*]}: $((SECONDS - start))s; $definite in total (Node/V8 at exit); definitely lost under attnscan.node: $ours records; memcheck errors: $errors (log: $log)"
[ "$ours" -eq 0 ]
