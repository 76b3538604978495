#!/usr/bin/env bash
# Runs Whittle's libFuzzer targets (docs/security.md), one after another.
#
#   scripts/fuzz.sh BUILD SECONDS [RUNS] [TARGET...]
#
# FUZZ_SEED (default: random) fixes libFuzzer's seed, as make
# check-sanitize does so that CI explores the same inputs every time.
# BUILD is the sanitizer build (make check-sanitize / make fuzz build it).
# Each target runs for SECONDS, or for RUNS executions when RUNS > 0,
# starting from its corpus in BUILD/fuzz/corpus/<target> (kept between
# runs) and the seeds from scripts/fuzz_seeds.py. An input that crashes,
# leaks, hangs or runs out of memory is saved under BUILD/fuzz/crashes and
# fails the run: copy it to test/fuzz/regressions, fix the defect, and
# make check replays it from then on.
set -euo pipefail
build=$1
seconds=$2
runs=${3:-0}
shift $(( $# >= 3 ? 3 : 2 ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz-import fuzz-pipeline fuzz-runtime)
fi
here=$(cd "$(dirname "$0")/.." && pwd)
work=$build/fuzz
mkdir -p "$work/crashes" "$work/seeds"

# The runtime target runs a small compiled model with dynamic dims.
model=$work/dynamic.so
if [ ! -f "$model" ]; then
  /usr/bin/python3 "$here/test/Import/Inputs/make_model.py" symbolic_dims "$work/dynamic.onnx"
  "$build/bin/whittle" compile "$work/dynamic.onnx" -o "$model"
fi
if [ ! -f "$work/seeds/.done" ]; then
  /usr/bin/python3 "$here/scripts/fuzz_seeds.py" --out "$work/seeds" --model "$model"
  touch "$work/seeds/.done"
fi

export WHITTLE_FUZZ_MODEL=$model
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  seeds=$work/seeds/models
  [ "$t" = fuzz-runtime ] && seeds=$work/seeds/runtime
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  limit=(-max_total_time="$seconds")
  [ "$runs" -gt 0 ] && limit=(-runs="$runs")
  [ -n "${FUZZ_SEED:-}" ] && limit+=(-seed="$FUZZ_SEED")
  echo "== $t: ${limit[*]}"
  log=$work/$t.log
  if ! "$build/bin/fuzz/$t" "$corpus" "$seeds" "${limit[@]}" -timeout=60 \
        -rss_limit_mb=6144 -malloc_limit_mb=6144 -max_len=262144 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/$t-" >"$log" 2>&1; then
    echo "fuzz: $t found a failure (log: $log, input: $work/crashes/$t-*)" >&2
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -20 >&2 || true
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed "s/^/  /" || true
done
exit $status
