#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A local demonstration cluster for vpcprobe, on loopback only: dnsmasq answers for the seven
# endpoints of ApsaraMQ for Confluent instance "demo0001"; `testpeer` serves the REST components
# over TLS, answering like Confluent's, with a throwaway CA made for this run, and
# tests/integration/kafkapeer.py is the Kafka broker (TLS, ApiVersions, Metadata). Schema
# Registry is misconfigured on purpose (it does not send its intermediate certificate), so the
# report shows what a real finding looks like.
# Usage: scripts/demo.sh [BUILD_DIR] [-- extra vpcprobe check options, e.g. --format json]
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then build=$1; shift; fi
[ "${1:-}" = "--" ] && shift
for tool in "$build/vpcprobe" "$build/testpeer"; do
  [ -x "$tool" ] || { echo "demo: $tool is missing; run scripts/build.sh first" >&2; exit 3; }
done
command -v dnsmasq >/dev/null || { echo "demo: dnsmasq is missing; run scripts/install-deps.sh" >&2; exit 3; }
command -v python3 >/dev/null || { echo "demo: python3 is missing; run scripts/install-deps.sh" >&2; exit 3; }

work=$(mktemp -d /tmp/vpcprobe-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

id=demo0001
domain=alikafka.aliyuncs.com
# service -> loopback address; kafka and mds share the vpc-kafka host, as in the real catalog.
declare -A address=(
  [kafka]=127.0.77.1 [schemaregistry]=127.0.77.2 [kafkarestproxy]=127.0.77.3
  [connect]=127.0.77.4 [ksqldb]=127.0.77.5 [controlcenter]=127.0.77.6
)
hosts=()
dns_args=()
for service in "${!address[@]}"; do
  name="vpc-$service-$id.$domain"
  hosts+=("$name")
  dns_args+=("--address=/$name/${address[$service]}")
done

dns_port=$(( 20000 + RANDOM % 20000 ))
user_arg=()
[ "$(id -u)" -eq 0 ] && user_arg=(--user=root)
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
  --listen-address=127.0.0.1 --port="$dns_port" --pid-file= "${user_arg[@]}" \
  --local=/$domain/ "${dns_args[@]}" >"$work/dnsmasq.log" 2>&1 &
pids+=($!)

hosts_csv=$(IFS=,; echo "${hosts[*]}")
"$build/testpeer" --pki-dir "$work/pki" --hosts "$hosts_csv" \
  --serve "${address[kafka]}:8090=http:mds" \
  --serve "${address[schemaregistry]}:8081=http:schema-registry:no-intermediate" \
  --serve "${address[kafkarestproxy]}:8082=http:rest-proxy" \
  --serve "${address[connect]}:8083=http:connect" \
  --serve "${address[ksqldb]}:8088=http:ksqldb" \
  --serve "${address[controlcenter]}:9021=http:control-center" >"$work/testpeer.log" 2>&1 &
pids+=($!)

wait_ready() {  # LOG WHAT
  for _ in $(seq 100); do
    grep -q '^ready' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: $2 did not start:" >&2; cat "$1" >&2; exit 3
}
wait_ready "$work/testpeer.log" "the test peer"

# The broker advertises itself by name, as a cluster's advertised.listeners would.
python3 tests/integration/kafkapeer.py --listen "${address[kafka]}:9095" \
  --tls-cert "$work/pki/good.chain.pem" --tls-key "$work/pki/good.key.pem" \
  --advertise "vpc-kafka-$id.$domain:9095" --max-seconds 300 >"$work/kafkapeer.log" 2>&1 &
pids+=($!)
wait_ready "$work/kafkapeer.log" "the Kafka peer"

echo "\$ vpcprobe check --instance $id --dns-server 127.0.0.1:$dns_port --ca-file <demo CA>" "$@"
set +e
"$build/vpcprobe" check --instance "$id" --dns-server "127.0.0.1:$dns_port" \
  --ca-file "$work/pki/ca.pem" --timeout 2s "$@"
status=$?
set -e
echo
echo "vpcprobe exited with $status (0: all ok, 1: warnings only, 2: a failure, 3: could not run)."
if [ "$status" -eq 2 ]; then
  echo "That is expected here: the demo's Schema Registry leaves out its intermediate certificate."
  exit 0
fi
exit "$status"
