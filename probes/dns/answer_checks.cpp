// SPDX-License-Identifier: Apache-2.0
// Misleading answers: unspecified and local addresses (probes/dns/answer_checks.h).
#include "probes/dns/answer_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {

namespace {

// An address as its 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one test covers
// both ways of writing it; a zone ("fe80::1%eth0") is dropped first.
std::optional<std::array<std::uint8_t, 16>> as_ipv6_bytes(std::string_view text) {
    const std::string address(text.substr(0, text.find('%')));
    std::array<std::uint8_t, 16> bytes{};
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
        bytes[10] = bytes[11] = 0xff;
        std::copy_n(reinterpret_cast<const std::uint8_t*>(&v4), 4, bytes.begin() + 12);
        return bytes;
    }
    if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) return bytes;
    return std::nullopt;
}

bool is_v4_mapped(const std::array<std::uint8_t, 16>& bytes) {
    return std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
           bytes[10] == 0xff && bytes[11] == 0xff;
}

std::string normalized_name(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return lower(name);
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::vector<std::string> only(const std::vector<std::string>& addresses,
                              bool (*keep)(std::string_view)) {
    std::vector<std::string> out;
    std::copy_if(addresses.begin(), addresses.end(), std::back_inserter(out),
                 [keep](const std::string& address) { return keep(address); });
    return out;
}

bool is_probeable(std::string_view address) {
    return !is_unspecified_address(address);
}

// "the resolver 10.20.0.2:53 answered", "one of the resolvers (a, b) answered", "the hosts file
// /etc/hosts maps": who gave the answer, as the subject of the sentence.
std::string who_answered(const DnsEvidence& evidence, const AnswerOrigin& origin) {
    if (evidence.source == "hosts-file") return fmt::format("the hosts file {}", origin.hosts_path);
    if (origin.servers.find(',') == std::string::npos) {
        return fmt::format("the resolver {}", origin.servers);
    }
    return fmt::format("one of the resolvers ({})", origin.servers);
}

std::string blocked_detail(const DnsEvidence& evidence, const std::string& host,
                           const AnswerOrigin& origin) {
    const std::string addresses = join(evidence.addresses, ", ");
    if (evidence.source == "hosts-file") {
        return fmt::format(
            "{} maps {} to {}: a local block, as ad-blocking lists write, not a server's "
            "address; nothing was probed ({} is this host)",
            who_answered(evidence, origin), host, addresses, evidence.addresses.front());
    }
    return fmt::format(
        "{} answered {} for {}: a DNS firewall or filter blocked this name; nothing was probed "
        "({} is this host, not a server)",
        who_answered(evidence, origin), addresses, host, evidence.addresses.front());
}

std::string partly_blocked_detail(const DnsEvidence& evidence, const std::string& host,
                                  const AnswerOrigin& origin) {
    const std::string blocked = join(only(evidence.addresses, is_unspecified_address), ", ");
    const std::string probed = join(only(evidence.addresses, is_probeable), ", ");
    if (evidence.source == "hosts-file") {
        return fmt::format(
            "{} maps {} to {} beside {}: a local block for part of the name; only {} is probed",
            who_answered(evidence, origin), host, blocked, probed, probed);
    }
    return fmt::format(
        "{} answered {} beside {} for {}: a DNS firewall or filter answers for part of this "
        "name; only {} is probed",
        who_answered(evidence, origin), blocked, probed, host, probed);
}

}  // namespace

bool is_unspecified_address(std::string_view address) {
    const auto bytes = as_ipv6_bytes(address);
    if (!bytes) return false;
    const bool all_zero =
        std::all_of(bytes->begin(), bytes->end(), [](std::uint8_t b) { return b == 0; });
    const bool mapped_zero =
        is_v4_mapped(*bytes) &&
        std::all_of(bytes->begin() + 12, bytes->end(), [](std::uint8_t b) { return b == 0; });
    return all_zero || mapped_zero;
}

bool is_local_address(std::string_view address) {
    const auto bytes = as_ipv6_bytes(address);
    if (!bytes) return false;
    const auto& b = *bytes;
    if (is_v4_mapped(b)) {
        return b[12] == 127 || (b[12] == 169 && b[13] == 254);
    }
    const bool loopback =
        std::all_of(b.begin(), b.begin() + 15, [](std::uint8_t x) { return x == 0; }) && b[15] == 1;
    const bool link_local = b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
    return loopback || link_local;
}

std::vector<std::string> own_host_names(std::string_view hostname,
                                        const std::vector<std::string>& fqdn_candidates) {
    std::vector<std::string> names;
    const std::string own = normalized_name(hostname);
    if (own.empty()) return names;
    names.push_back(own);
    const std::string short_name = own.substr(0, own.find('.'));
    if (short_name != own) names.push_back(short_name);
    for (const auto& candidate : fqdn_candidates) {
        const std::string name = normalized_name(candidate);
        if (name.size() > short_name.size() && name.rfind(short_name + ".", 0) == 0 &&
            std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(name);
        }
    }
    return names;
}

bool is_own_host_name(std::string_view host, const std::vector<std::string>& own_names) {
    const std::string name = normalized_name(host);
    if (name == "localhost" || ends_with(name, ".localhost") || name == "localhost.localdomain" ||
        name == "ip6-localhost" || name == "ip6-loopback") {
        return true;
    }
    return std::find(own_names.begin(), own_names.end(), name) != own_names.end();
}

void check_answers(DnsEvidence& evidence, const std::string& host, const AnswerOrigin& origin,
                   const std::vector<std::string>& own_names) {
    if (evidence.source == "literal" || evidence.status == StageStatus::failed ||
        evidence.addresses.empty()) {
        return;
    }
    if (!is_own_host_name(host, own_names)) {
        evidence.local_answers = only(evidence.addresses, is_local_address);
    }
    const std::size_t blocked = static_cast<std::size_t>(
        std::count_if(evidence.addresses.begin(), evidence.addresses.end(),
                      [](const std::string& address) { return is_unspecified_address(address); }));
    if (blocked == 0) return;
    evidence.cause = Cause::dns_sinkhole;
    if (blocked == evidence.addresses.size()) {
        evidence.status = StageStatus::failed;
        evidence.detail = blocked_detail(evidence, host, origin);
    } else {
        evidence.status = StageStatus::warning;
        evidence.detail = partly_blocked_detail(evidence, host, origin);
    }
}

std::vector<std::string> addresses_to_probe(const DnsEvidence& evidence) {
    if (evidence.status == StageStatus::failed) return {};
    // A literal target is what the user asked to probe, not an answer anyone gave.
    if (evidence.source == "literal") return evidence.addresses;
    return only(evidence.addresses, is_probeable);
}

}  // namespace vpcprobe
