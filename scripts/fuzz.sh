#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (fuzz/, clang + ASan + UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60) on a copy of its seed corpus (fuzz/corpus/<target>/) and of its kept crash
# inputs (fuzz/regressions/<target>/), so the repository's folders only change when someone
# chooses to merge new inputs (docs/fuzzing.md).
# Fails on any crash, leak, timeout or out-of-memory; the input that caused it is kept in
# build-fuzz/fuzz-findings/<target>/ and its path printed.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   (targets: kafka_wire scram target_spec config rules icmp http_response icmp_queue
#   dns_inputs properties jaas jks pkcs12 lazy_bundle web_config report_reader)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, not '$seconds'" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(kafka_wire scram target_spec config rules icmp http_response icmp_queue dns_inputs
    properties jaas jks pkcs12 lazy_bundle web_config report_reader)
fi

build=build-fuzz
cmake -S . -B "$build" -G Ninja -DVPCPROBE_FUZZ=ON -DVPCPROBE_TESTS=OFF \
  -DCMAKE_CXX_COMPILER=clang++-14 -DVPCPROBE_WERROR=ON >/dev/null
cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}") -j"$(nproc)"

# Leaks are findings (detect_leaks is on by default with ASan on Linux; said here so nobody
# has to wonder); UBSan stops at the first report (the build uses -fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${targets[@]}"; do
  seeds="fuzz/corpus/$target"
  if [ ! -d "$seeds" ]; then
    echo "fuzz.sh: no seed corpus $seeds" >&2
    exit 2
  fi
  work="$build/fuzz-work/$target"
  findings="$build/fuzz-findings/$target"
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  cp -R "$seeds/." "$work/"
  # Past crash inputs are good starting points too (their README is not an input).
  if [ -d "fuzz/regressions/$target" ]; then
    find "fuzz/regressions/$target" -maxdepth 1 -type f ! -name 'README*' -exec cp {} "$work/" \;
  fi
  echo "== fuzz $target for ${seconds}s"
  if ! "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$findings/" "$work" >"$build/fuzz-$target.log" 2>&1; then
    tail -n 60 "$build/fuzz-$target.log"
    echo "fuzz.sh: $target FAILED; input kept in $findings/:" >&2
    ls -1 "$findings" >&2 || true
    failed+=("$target")
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/fuzz-$target.log" | tail -n 2 || true
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds}s clean"
