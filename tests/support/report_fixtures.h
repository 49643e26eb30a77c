// SPDX-License-Identifier: Apache-2.0
// Hand-built evidence for the reports/ tests: what the probe engine would hand over for a
// healthy endpoint, a DNS failure, a dropped SYN, a certificate about to expire, ... so the
// diagnosis and the renderers can be tested value by value. Header-only; plain values.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/report.h"
#include "reports/diagnosis/diagnose.h"

namespace vpcprobe::test {

inline SystemTime utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                      int second = 0, int millisecond = 0) {
    using namespace std::chrono;
    return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
           hours{hour} + minutes{minute} + seconds{second} + milliseconds{millisecond};
}

// A time on the fixtures' day: 2026-11-22 10:MM:SS.mmm UTC.
inline SystemTime minute(int m, int second = 0, int millisecond = 0) {
    return utc(2026, 11, 22, 10, m, second, millisecond);
}

inline Target make_target(std::string component, std::string host, std::uint16_t port,
                          std::string access = "vpc") {
    return Target{std::move(component), std::move(access), std::move(host), port, "catalog"};
}

inline DnsEvidence dns_ok(std::vector<std::string> addresses, double ms = 2.04) {
    DnsEvidence dns;
    dns.status = StageStatus::ok;
    dns.ms = ms;
    dns.addresses = std::move(addresses);
    dns.source = "dns";
    return dns;
}

inline DnsEvidence dns_failed(Cause cause, std::string detail, double ms = 5.0) {
    DnsEvidence dns;
    dns.status = StageStatus::failed;
    dns.cause = cause;
    dns.detail = std::move(detail);
    dns.ms = ms;
    dns.source = "dns";
    dns.ares_status_a = 4;  // ARES_ENOTFOUND
    dns.ares_status_aaaa = 4;
    return dns;
}

inline CertificateInfo certificate(std::string subject, std::string issuer,
                                   std::vector<std::string> sans, char fill) {
    CertificateInfo info;
    info.subject = std::move(subject);
    info.issuer = std::move(issuer);
    info.sans = std::move(sans);
    info.not_before = utc(2026, 1, 1);
    info.not_after = utc(2027, 6, 10, 12, 0, 0);
    info.sha256 = std::string(64, fill);
    return info;
}

// An address that answered on every stage: TCP, TLS 1.3, a trusted chain 200 days from
// expiry; its protocol stage skipped, as for a component without a protocol check.
inline AddressEvidence healthy(
    const std::string& address, std::uint16_t port,
    const std::string& host = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com") {
    AddressEvidence evidence;
    evidence.address = address;
    evidence.tcp.status = StageStatus::ok;
    evidence.tcp.ms = 1.26;
    evidence.tcp.address = address;
    evidence.tcp.local_address = "10.20.1.15";
    evidence.tcp.detail = "connected to " + address + ":" + std::to_string(port);
    evidence.tls.status = StageStatus::ok;
    evidence.tls.ms = 4.0;
    evidence.tls.version = "TLSv1.3";
    evidence.tls.cipher = "TLS_AES_256_GCM_SHA384";
    evidence.certificate.status = StageStatus::ok;
    evidence.certificate.days_left = 200;
    evidence.certificate.chain = {
        certificate("CN=" + host, "CN=Test Intermediate CA", {host}, 'a'),
        certificate("CN=Test Intermediate CA", "CN=Test Root CA", {}, 'b')};
    return evidence;
}

// An address whose SYN got no answer: the later stages never ran.
inline AddressEvidence tcp_failed(const std::string& address, std::uint16_t port,
                                  Cause cause = Cause::tcp_timeout) {
    AddressEvidence evidence;
    evidence.address = address;
    evidence.tcp.status = StageStatus::failed;
    evidence.tcp.cause = cause;
    evidence.tcp.address = address;
    evidence.tcp.local_address = "10.20.1.15";
    evidence.tcp.ms = cause == Cause::tcp_timeout ? 3000.4 : 0.31;
    evidence.tcp.error_number = cause == Cause::tcp_timeout ? 110 : 111;  // ETIMEDOUT, ECONNREFUSED
    evidence.tcp.detail =
        cause == Cause::tcp_timeout
            ? "SYN to " + address + ":" + std::to_string(port) +
                  " got no answer in 3s: silently dropped"
            : "connection to " + address + ":" + std::to_string(port) + " refused (RST)";
    return evidence;
}

// A healthy address whose certificate expires in `days`.
inline AddressEvidence expiring(const std::string& address, std::uint16_t port, int days) {
    AddressEvidence evidence = healthy(address, port);
    evidence.certificate.status = StageStatus::warning;
    evidence.certificate.cause = Cause::cert_expiring_soon;
    evidence.certificate.days_left = days;
    evidence.certificate.detail =
        "the leaf certificate expires in " + std::to_string(days) + " days (2026-12-04)";
    return evidence;
}

inline TargetEvidence evidence_of(Target target, DnsEvidence dns,
                                  std::vector<AddressEvidence> addresses) {
    TargetEvidence evidence;
    evidence.target = std::move(target);
    evidence.dns = std::move(dns);
    evidence.addresses = std::move(addresses);
    return evidence;
}

// A healthy single-address target.
inline TargetEvidence healthy_target(const std::string& component, const std::string& host,
                                     std::uint16_t port, const std::string& address) {
    return evidence_of(make_target(component, host, port), dns_ok({address}),
                       {healthy(address, port, host)});
}

inline AgentInfo agent_info() {
    AgentInfo agent;
    agent.hostname = "bastion-1";
    agent.source_addresses = {"10.20.1.15"};
    agent.resolvers = {"10.20.0.2:53"};
    agent.started_at = utc(2026, 11, 22, 10, 0, 0, 123);
    agent.duration_ms = 1234.56;
    agent.version = "0.1.0";
    agent.command_line = "vpcprobe check --instance alikafka_confluent-cn-abcdef1234";
    return agent;
}

inline const std::string kKafkaHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";
inline const std::string kRegistryHost = "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com";
inline const std::string kConnectHost = "vpc-connect-abcdef1234.alikafka.aliyuncs.com";

// A report for the renderers: kafka ok, schema-registry dropped SYN, mds certificate
// expiring, connect NXDOMAIN.
inline Report mixed_report() {
    return diagnose(
        {healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5"),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                     {tcp_failed("10.0.0.6", 8081)}),
         evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                     {expiring("10.0.0.5", 8090, 12)}),
         evidence_of(make_target("connect", kConnectHost, 8083),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN from 10.20.0.2:53"), {})},
        agent_info());
}

// ---- Kafka: a bootstrap that answered ApiVersions and Metadata, and its advertised brokers.

inline KafkaBroker broker(std::int32_t node_id, std::string host, std::int32_t port) {
    return KafkaBroker{node_id, std::move(host), port, std::nullopt};
}

// A healthy address whose Kafka check proved a broker and read Metadata listing `brokers`.
inline AddressEvidence kafka_answered(const std::string& address, std::uint16_t port,
                                      const std::string& host, std::vector<KafkaBroker> brokers) {
    AddressEvidence evidence = healthy(address, port, host);
    ProtocolEvidence& protocol = evidence.protocol;
    protocol.status = StageStatus::ok;
    protocol.name = "kafka";
    protocol.ms = 3.2;
    KafkaEvidence kafka;
    kafka.api_versions_version = 3;
    kafka.apis = {{18, 0, 3}, {3, 0, 12}};
    kafka.metadata_checked = true;
    kafka.metadata_version = 8;
    kafka.cluster_id = "lkc-abc123";
    kafka.controller_id = brokers.empty() ? -1 : brokers.front().node_id;
    kafka.brokers = std::move(brokers);
    protocol.detail = "ApiVersions v3 answered: 2 APIs; Metadata v8: cluster lkc-abc123";
    protocol.kafka = std::move(kafka);
    return evidence;
}

// A broker advertised by `bootstrap` (its endpoint), as the engine adds it to the run.
inline Target advertised_target(const std::string& host, std::uint16_t port,
                                const std::string& bootstrap, std::int32_t node_id) {
    Target target{"kafka", "vpc", host, port, "advertised"};
    target.advertised_by = bootstrap;
    target.node_id = node_id;
    return target;
}

// ---- client.dns.lookup=resolve_canonical_bootstrap_servers_only: a bootstrap whose two
// addresses lead the client to b-1.internal (a PTR that resolves back) and to 10.0.0.7 itself
// (no PTR record), whose certificate does not cover the address.

inline const std::string kCanonicalSkip =
    "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client connects to the "
    "canonical names b-1.internal, 10.0.0.7 instead";

inline CanonicalName canonical_name(std::string address, std::string name, std::string detail) {
    CanonicalName out;
    out.address = std::move(address);
    out.name = name;
    out.reverse_name = std::move(name);
    out.source = "dns";
    out.ares_status = out.name.empty() ? 4 : 0;  // ARES_ENOTFOUND
    out.cause = out.name.empty() ? Cause::dns_nxdomain : Cause::none;
    out.detail = std::move(detail);
    out.ms = 1.26;
    return out;
}

// An address of a bootstrap the client does not connect to by name: every stage skipped.
inline AddressEvidence not_connected(const std::string& address) {
    AddressEvidence evidence;
    evidence.address = address;
    for (StageResult* stage :
         {static_cast<StageResult*>(&evidence.tcp), static_cast<StageResult*>(&evidence.tls),
          static_cast<StageResult*>(&evidence.certificate),
          static_cast<StageResult*>(&evidence.protocol)}) {
        stage->detail = kCanonicalSkip;
    }
    return evidence;
}

inline Target canonical_target(const std::string& host, const std::string& bootstrap) {
    Target target{"kafka", "vpc", host, 9093, "canonical"};
    target.canonical_of = bootstrap;
    return target;
}

inline Report canonical_report() {
    Target boot{"kafka", "vpc", "boot.example", 9093, "bootstrap"};
    DnsEvidence dns = dns_ok({"10.0.0.5", "10.0.0.7"});
    dns.canonical_names = {
        canonical_name("10.0.0.5", "b-1.internal",
                       "the PTR record of 10.0.0.5 names b-1.internal (via 10.20.0.2:53), which "
                       "resolves back to it"),
        canonical_name("10.0.0.7", "",
                       "10.0.0.7 has no PTR record (NXDOMAIN from 10.20.0.2:53); the client "
                       "uses 10.0.0.7 itself as the name")};
    AddressEvidence literal = healthy("10.0.0.7", 9093, "b-2.internal");
    literal.certificate.status = StageStatus::failed;
    literal.certificate.cause = Cause::cert_hostname_mismatch;
    literal.certificate.detail = "the certificate does not name 10.0.0.7";
    return diagnose({evidence_of(boot, dns, {not_connected("10.0.0.5"), not_connected("10.0.0.7")}),
                     evidence_of(canonical_target("b-1.internal", "boot.example:9093"),
                                 dns_ok({"10.0.0.5"}), {healthy("10.0.0.5", 9093, "b-1.internal")}),
                     evidence_of(canonical_target("10.0.0.7", "boot.example:9093"),
                                 dns_ok({"10.0.0.7"}), {literal})},
                    agent_info());
}

// ---- Path traces (docs/report.md, "Path trace"): agent 10.50.0.2 - r1 10.50.1.2 - r2
// 10.50.2.2 - the cluster's subnet 10.50.3.0/24.

// A hop that answered: time-exceeded by default; an ICMP error or the destination's answer
// with `cause` saying what it means, as probes/tcp/tcp_trace.cpp records it.
inline TraceHop router_hop(int ttl, std::string address, double rtt_ms,
                           std::string reply = "time-exceeded", Cause cause = Cause::none) {
    return TraceHop{ttl, std::move(address), rtt_ms, std::move(reply), cause};
}

inline TraceHop silent_hop(int ttl) {
    return TraceHop{ttl, "", 0, "", Cause::none};
}

inline TraceEvidence trace_of(std::vector<TraceHop> hops, TraceStop stopped, std::string detail,
                              std::uint16_t source_port = 40211) {
    TraceEvidence trace;
    trace.hops = std::move(hops);
    trace.stopped = stopped;
    trace.reached = stopped == TraceStop::destination;
    trace.source_address = "10.50.0.2";
    trace.source_port = source_port;
    trace.max_hops = 30;
    trace.detail = std::move(detail);
    trace.ms = 812.0;
    return trace;
}

// A dropped SYN whose trace got answers from r1 and r2, then silence from TTL 3 to 7.
inline TraceEvidence trace_past_hop_2() {
    std::vector<TraceHop> hops = {router_hop(1, "10.50.1.2", 0.412),
                                  router_hop(2, "10.50.2.2", 0.733)};
    for (int ttl = 3; ttl <= 7; ++ttl) hops.push_back(silent_hop(ttl));
    return trace_of(std::move(hops), TraceStop::silence,
                    "no answer past hop 2, 10.50.2.2 (TTL 3 to 7 unanswered)");
}

// A dropped SYN whose trace nothing answered.
inline TraceEvidence trace_silent_from_start() {
    std::vector<TraceHop> hops;
    for (int ttl = 1; ttl <= 5; ++ttl) hops.push_back(silent_hop(ttl));
    return trace_of(std::move(hops), TraceStop::silence, "no hop answered (TTL 1 to 5 unanswered)");
}

// An address whose probe left from 10.50.0.2:40211 and failed with `cause`, traced.
inline AddressEvidence traced(AddressEvidence evidence, TraceEvidence trace) {
    evidence.tcp.local_address = "10.50.0.2";
    evidence.tcp.local_port = 40211;
    evidence.tcp.trace = std::move(trace);
    return evidence;
}

inline AddressEvidence icmp_failed(const std::string& address, std::uint16_t port, Cause cause,
                                   const std::string& router, const std::string& icmp_name,
                                   int code) {
    AddressEvidence evidence = tcp_failed(address, port, cause);
    evidence.tcp.icmp = IcmpReport{2, 3, code, router, icmp_name};
    evidence.tcp.error_number = cause == Cause::tcp_prohibited ? 113 : 101;
    evidence.tcp.ms = 1.2;
    evidence.tcp.detail = router + " answered ICMP " + icmp_name + " for " + address + ":" +
                          std::to_string(port) +
                          (cause == Cause::tcp_prohibited ? ": a firewall rejected it"
                                                          : ": the network has no way to the host");
    return evidence;
}

inline AgentInfo traced_agent_info() {
    AgentInfo agent = agent_info();
    agent.source_addresses = {"10.50.0.2"};
    return agent;
}

// Every way a trace reads: silence past r2, silence from the start, a reject by r1, a
// net-unreachable from r2, and a trace that reached the destination after the probe timed out.
inline Report path_report() {
    AddressEvidence rejected =
        icmp_failed("10.50.3.3", 8081, Cause::tcp_prohibited, "10.50.1.2", "admin-prohibited", 13);
    rejected = traced(
        std::move(rejected),
        trace_of({router_hop(1, "10.50.1.2", 0.398),
                  router_hop(2, "10.50.1.2", 0.421, "admin-prohibited", Cause::tcp_prohibited)},
                 TraceStop::icmp,
                 "10.50.1.2, 1 hop away, answered ICMP admin-prohibited to the SYN "
                 "with TTL 2"));
    AddressEvidence unreachable =
        icmp_failed("10.50.3.4", 8083, Cause::tcp_unreachable, "10.50.2.2", "net-unreachable", 0);
    unreachable = traced(
        std::move(unreachable),
        trace_of({router_hop(1, "10.50.1.2", 0.388), router_hop(2, "10.50.2.2", 0.702),
                  router_hop(3, "10.50.2.2", 0.715, "net-unreachable", Cause::tcp_unreachable)},
                 TraceStop::icmp,
                 "10.50.2.2, 2 hops away, answered ICMP net-unreachable to the "
                 "SYN with TTL 3"));
    AddressEvidence reached =
        traced(tcp_failed("10.50.3.5", 8090),
               trace_of({router_hop(1, "10.50.1.2", 0.401), router_hop(2, "10.50.2.2", 0.69),
                         router_hop(3, "10.50.3.5", 1.052, "syn-ack")},
                        TraceStop::destination,
                        "reached 10.50.3.5 at hop 3 (it answered with a SYN-ACK)"));
    return diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.50.3.2"}),
                     {traced(tcp_failed("10.50.3.2", 9095), trace_past_hop_2())}),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.50.3.3"}),
                     {rejected}),
         evidence_of(make_target("connect", kConnectHost, 8083), dns_ok({"10.50.3.4"}),
                     {unreachable}),
         evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.50.3.5", "10.50.3.6"}),
                     {reached, traced(tcp_failed("10.50.3.6", 8090), trace_silent_from_start())})},
        traced_agent_info());
}

}  // namespace vpcprobe::test
