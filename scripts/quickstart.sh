#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: install what is missing, build only what the demo runs (the
# vpcprobe binary and testpeer, its TLS peer; scripts/test.sh builds the rest into the same
# build/), and run vpcprobe against the local demonstration cluster (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target vpcprobe --target testpeer
scripts/demo.sh
