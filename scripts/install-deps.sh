#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what vpcprobe needs to build, test and run its demo, from Debian 12's packages.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds what bench/run compares against)
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache clang-format
  libboost1.81-dev libboost-json1.81-dev libssl-dev libc-ares-dev libfmt-dev
  libtomlplusplus-dev libcli11-dev catch2
  # serve's basic authentication: libxcrypt's crypt_rn checks the bcrypt hashes
  libcrypt-dev
  # fuzzing (scripts/fuzz.sh): clang and its runtime libraries, libFuzzer included
  clang-14 libclang-rt-14-dev
  # real parts the tests and the demo run: DNS server, packet filter, namespaces, TLS tools
  dnsmasq-base nftables iproute2 util-linux openssl procps
  # test drivers and clients of our output
  python3 python3-jsonschema python3-yaml cmark-gfm
  # a real Kafka peer (librdkafka's mock cluster) and a real Kafka client to cross-check
  librdkafka-dev kcat
  # real Java stores: keytool writes the JKS and PKCS12 trust and key stores the tests read,
  # and java checks the properties and JAAS readers against java.util.Properties
  openjdk-17-jre-headless
  # Prometheus's promtool and server: real clients of the metrics output (no service is
  # started: see the policy-rc.d guard below)
  prometheus
  # packages (scripts/package.sh): CPack's DEB generator needs `file` and dpkg-shlibdeps
  # (dpkg-dev), the RPM one rpmbuild (Debian's rpm); the checks run systemd-analyze (systemd),
  # man and groff on the man page
  dpkg-dev file rpm systemd man-db groff-base
)
# Only for bench/run: Debian's package also starts a blackbox_exporter service on :9115,
# which nobody running the quick start asked for.
if [ "${1:-}" = "--bench" ]; then packages+=(prometheus-blackbox-exporter); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Packages such as prometheus start a system service on installation; a build machine wants
# the programs only. A policy-rc.d that says "no" (exit 101) stops invoke-rc.d from starting
# anything while we install, unless the machine already has a policy of its own.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  guard=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\n# written by vpcprobe scripts/install-deps.sh for the install only\nexit 101\n' |
    $SUDO tee "$guard" >/dev/null
  $SUDO chmod 755 "$guard"
  trap '$SUDO rm -f "$guard"' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
