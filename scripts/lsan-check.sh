#!/usr/bin/env bash
# LeakSanitizer over one process doing load-forward-close of each model family in-process
# (test/sanitize/model-cycle.ts) with the ASan+UBSan addon from build-asan/ (see CMakeLists.txt).
# Node and V8 keep allocations alive at exit that LSan reports as leaks; a suppression file cannot
# tell those from ours (suppressions match any frame, and every addon call has Node frames below
# it), so each reported leak is attributed instead: it is ours when its allocation stack passes
# through attnscan.node. Fails when any is; prints the totals.
set -euo pipefail
cd "$(dirname "$0")/.."
libasan="$(${CXX:-g++} -print-file-name=libasan.so)"
out=build-asan/lsan.log
set +e
ATTNSCAN_PREBUILD="$PWD/build-asan" LD_PRELOAD="$libasan" \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=exitcode=0:report_objects=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  node --import tsx test/sanitize/model-cycle.ts "$@" >build-asan/lsan.stdout 2>"$out"
rc=$?
set -e
if [ $rc -ne 0 ] || ! grep -q '^ok$' build-asan/lsan.stdout; then
  echo "lsan-check: the model cycle failed (exit $rc; see $out)" >&2
  exit 1
fi
if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$out"; then
  echo "lsan-check: sanitizer errors (see $out)" >&2
  exit 1
fi
# Records start with "Direct leak of" / "Indirect leak of" and end at a blank line.
read -r total ours < <(awk '/^(Direct|Indirect) leak of/ { rec = 1; mine = 0; n++; next }
  rec && /attnscan\.node/ { mine = 1 }
  rec && /^$/ { if (mine) m++; rec = 0 }
  END { if (rec && mine) m++; print n + 0, m + 0 }' "$out")
echo "lsan-check: $total leak records at exit (Node/V8), $ours allocated under attnscan.node (log: $out)"
[ "$ours" -eq 0 ]
