#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds vpcprobe, warnings as errors (as CI builds it).
# Usage: scripts/build.sh [--sanitize] [--target TARGET]... [BUILD_DIR]
# Default: a Release build in build/ (what users and the packages get) of every target: the
# binary, the test tools, the tests. --sanitize: AddressSanitizer + UBSan in build-asan/
# (RelWithDebInfo, so their reports name source lines). --target TARGET (repeatable): only that
# target and what it needs, e.g. --target vpcprobe --target testpeer for scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '4p' "$0" | sed 's/^# //' >&2; exit 2; }

sanitize=OFF
dir=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=ON ;;
    --target) [ $# -ge 2 ] || usage; targets+=(--target "$2"); shift ;;
    --target=*) targets+=(--target "${1#--target=}") ;;
    -*) echo "build.sh: unknown option $1" >&2; usage ;;
    *) dir=$1 ;;
  esac
  shift
done
if [ "$sanitize" = ON ]; then
  dir=${dir:-build-asan}
  build_type=RelWithDebInfo
else
  dir=${dir:-build}
  build_type=Release
fi

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DVPCPROBE_WERROR=ON -DVPCPROBE_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
