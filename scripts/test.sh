#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the whole test suite: builds everything (scripts/build.sh: Release, warnings as errors, in
# build/), then every unit and integration test under ctest.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: AddressSanitizer + UBSan build in build-asan/)
# Tests that need root (network namespaces, nftables) skip visibly when not run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
dir=build
case "$*" in
  "") ;;
  --sanitize) sanitize="--sanitize"; dir=build-asan ;;
  *) sed -n '5p' "$0" | sed 's/^# //' >&2; exit 2 ;;
esac

scripts/build.sh $sanitize "$dir"
if [ -n "$sanitize" ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cd "$dir"
ctest --output-on-failure --timeout 600 -j 2
