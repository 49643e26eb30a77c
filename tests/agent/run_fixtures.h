// SPDX-License-Identifier: Apache-2.0
// Runs for the history tests (tests/agent/history_test.cpp, status_changes_test.cpp): reports of
// a few catalog targets, ok or failing, started at a given minute, diagnose()d from hand-built
// evidence (tests/support/report_fixtures.h), and a change shown as one comparable line.
// Header-only; plain values.
#pragma once

#include <string>
#include <vector>

#include "core/status_change.h"
#include "core/text.h"
#include "tests/support/report_fixtures.h"

namespace vpcprobe::test {

inline TargetEvidence kafka_ok() {
    return healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5");
}

inline TargetEvidence kafka_failed(Cause cause = Cause::tcp_timeout) {
    return evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
                       {tcp_failed("10.0.0.5", 9095, cause)});
}

inline TargetEvidence registry_ok() {
    return healthy_target("schema-registry", kRegistryHost, 8081, "10.0.0.6");
}

inline TargetEvidence connect_ok() {
    return healthy_target("connect", kConnectHost, 8083, "10.0.0.7");
}

inline TargetEvidence mds_expiring() {
    return evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                       {expiring("10.0.0.5", 8090, 12)});
}

inline Report run_at(SystemTime started_at, std::vector<TargetEvidence> evidence) {
    AgentInfo agent = agent_info();
    agent.started_at = started_at;
    return diagnose(std::move(evidence), std::move(agent));
}

// A change as one comparable line: "kafka vpc-kafka-...:9095 ok->failed tcp.timeout @..."
inline std::string shown(const StatusChange& change) {
    return change.component + " " + change.endpoint + " " + change.from + "->" + change.to + " " +
           change.cause + " @" + rfc3339_ms(change.at) + " access=" + change.access;
}

inline std::vector<std::string> shown(const std::vector<StatusChange>& changes) {
    std::vector<std::string> out;
    for (const auto& change : changes) out.push_back(shown(change));
    return out;
}

inline const std::string kKafka = kKafkaHost + ":9095";
inline const std::string kRegistry = kRegistryHost + ":8081";
inline const std::string kConnect = kConnectHost + ":8083";
inline const std::string kMds = kKafkaHost + ":8090";

}  // namespace vpcprobe::test
