#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds vpcprobe. Usage: scripts/build.sh [--sanitize] [BUILD_DIR]
# Default build folder: build/ (build-asan/ with --sanitize).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=OFF
dir=""
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=ON ;;
    *) dir="$arg" ;;
  esac
done
[ -n "$dir" ] || { [ "$sanitize" = ON ] && dir=build-asan || dir=build; }

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVPCPROBE_WERROR=ON -DVPCPROBE_SANITIZE="$sanitize" >/dev/null
cmake --build "$dir" -j "$(nproc)"
