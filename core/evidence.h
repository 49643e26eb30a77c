// SPDX-License-Identifier: Apache-2.0
// Evidence: what the probes observed, per target, per address, per stage. Plain values handed
// from the probe engine to reports/ (diagnosis and renderers); probes record facts and map
// foreign errors to causes (probes/<stage>/error_map_*.cpp, see cause.h) but never decide a
// target's verdict.
// Plain values: copy freely, safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/boxed.h"
#include "core/cause.h"
#include "core/target.h"

namespace vpcprobe {

using SystemTime = std::chrono::system_clock::time_point;

// Common to every stage: how it ended, why, and how long it took.
struct StageResult {
    StageStatus status = StageStatus::skipped;
    Cause cause = Cause::none;
    std::string detail;  // one sentence for people, with the facts ("SYN to 10.0.0.5:9095 ...")
    double ms = 0;       // wall time of the stage in milliseconds
};

// One address of a bootstrap turned back into a name, as a Java client with
// client.dns.lookup=resolve_canonical_bootstrap_servers_only does (InetAddress
// getCanonicalHostName): the name the hosts file gives the address first, else its PTR record;
// kept only when that name resolves back to the address. Without one the client uses the
// address text itself (docs/report.md).
struct CanonicalName {
    std::string address;
    std::string name;           // the canonical name; "" = none, the client uses the address
    std::string reverse_name;   // what the reverse lookup gave, even if it did not resolve back
    std::string source;         // where reverse_name was looked up: "hosts-file" or "dns"
    int ares_status = 0;        // raw ares_status of the PTR query (0 when not asked)
    Cause cause = Cause::none;  // that status mapped (dns.nxdomain: no PTR record), or none
    std::string detail;         // one sentence for people
    double ms = 0;

    // The host the client connects to for this address.
    const std::string& host() const { return name.empty() ? address : name; }
};

// The same lookup asked again over TCP after UDP got no answer at all (dns.timeout): tells a
// resolver UDP cannot reach apart from one nothing reaches. Only asked when UDP timed out.
struct DnsTcpFallback {
    // The resolver answered over TCP (addresses, NXDOMAIN, NODATA, SERVFAIL or REFUSED), so
    // it is there and only UDP is lost on the way.
    bool answered = false;
    Cause cause = Cause::none;           // what the TCP answer means on its own (none: addresses)
    int ares_status_a = 0;               // raw ares_status of the A query over TCP
    int ares_status_aaaa = 0;            // raw ares_status of the AAAA query over TCP
    std::vector<std::string> addresses;  // what TCP answered, A first; never probed
    double ms = 0;                       // the TCP lookup alone
};

struct DnsEvidence : StageResult {
    std::vector<std::string> addresses;  // every A and AAAA answer, textual, A first
    std::string source;                  // "dns", "hosts-file" or "literal"
    int ares_status_a = 0;               // raw ares_status of the A query (0 when not asked)
    int ares_status_aaaa = 0;            // raw ares_status of the AAAA query
    // With client.dns.lookup=resolve_canonical_bootstrap_servers_only, for a bootstrap: one
    // per address probed, in the order of `addresses` (unspecified ones are never probed).
    // Empty otherwise.
    std::vector<CanonicalName> canonical_names;
    // Answers that point at this host or its own link (loopback 127.0.0.0/8 and ::1,
    // link-local 169.254.0.0/16 and fe80::/10) for a name that is not this host's own: still
    // probed, but a report says so, since the reader is looking for a server elsewhere.
    std::vector<std::string> local_answers;
    // Present only when the lookup over UDP timed out and was asked again over TCP.
    std::optional<DnsTcpFallback> tcp_fallback;
};

// What an ICMP error queued on the socket said (IP_RECVERR / MSG_ERRQUEUE).
struct IcmpReport {
    int origin = 0;  // SO_EE_ORIGIN_ICMP / _ICMP6 / _LOCAL
    int type = 0;
    int code = 0;
    std::string offender;  // address of the hop that sent it, "" if unknown
    // The name network engineers and nft use for it ("admin-prohibited", "time-exceeded",
    // "net-unreachable"), set by probes/tcp/error_map_tcp.cpp; "type T code C" when unnamed.
    std::string name;
};

// What one TTL of a TCP path trace brought back (probes/tcp/tcp_trace.h).
struct TraceHop {
    int ttl = 0;
    std::string address;  // who answered; "" = nothing answered at this TTL
    double rtt_ms = 0;    // from the SYN to the answer; 0 when nothing answered
    // "time-exceeded" (a router on the way), "syn-ack" or "rst" (the destination itself), or
    // the name of another ICMP error (IcmpReport::name: "admin-prohibited", ...); "" = silent.
    std::string reply;
    // What the answer means as a TCP cause, mapped where every ICMP error is
    // (probes/tcp/error_map_tcp.h): tcp.prohibited for a filter's reject, tcp.unreachable for
    // "no way there", tcp.refused for the destination's RST; none for time-exceeded, a SYN-ACK
    // or silence.
    Cause cause = Cause::none;

    bool answered() const { return !address.empty(); }
};

// Why a trace ended: the contract's three, and two it adds.
enum class TraceStop {
    silence,      // no answer for several TTLs in a row, or the trace's time ran out
    icmp,         // an ICMP error other than time-exceeded (a reject, an unreachable)
    destination,  // the destination answered (SYN-ACK or RST)
    max_hops,     // routers kept answering up to the highest TTL allowed
    error,        // this host could not send a probe (detail says why)
};

// The report's word for it ("silence", "icmp", "destination", "max_hops", "error").
inline std::string_view name(TraceStop stop) {
    switch (stop) {
        case TraceStop::silence:
            return "silence";
        case TraceStop::icmp:
            return "icmp";
        case TraceStop::destination:
            return "destination";
        case TraceStop::max_hops:
            return "max_hops";
        case TraceStop::error:
            return "error";
    }
    return "silence";
}

// A TCP path trace to one address and the target's own port, Paris-style: every probe of it
// shares one flow identity (source address and port, destination and port), so load balancers
// and ECMP keep it on one path.
struct TraceEvidence {
    std::vector<TraceHop> hops;  // one per TTL probed, from 1 up
    bool reached = false;        // the destination itself answered
    TraceStop stopped = TraceStop::silence;
    std::string source_address;     // the flow's identity ...
    std::uint16_t source_port = 0;  // ... shared by every probe of the trace
    int max_hops = 0;               // the highest TTL it would have tried
    std::string detail;             // one sentence for people
    double ms = 0;                  // the trace alone

    // The answered hop with the highest TTL; null when nothing answered.
    const TraceHop* last_responding_hop() const {
        for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
            if (hop->answered()) return &*hop;
        }
        return nullptr;
    }
    // The lowest TTL at which `address` answered: how many hops away it is; 0 when it never
    // answered the trace.
    int hops_to(const std::string& address) const {
        for (const auto& hop : hops) {
            if (hop.answered() && hop.address == address) return hop.ttl;
        }
        return 0;
    }
};

struct TcpEvidence : StageResult {
    std::string address;           // destination address probed
    std::string local_address;     // our source address (the socket's local end, or --bind)
    std::uint16_t local_port = 0;  // our source port, once the kernel chose it (0 = never)
    int error_number = 0;          // raw errno of the connect, 0 on success
    std::optional<IcmpReport> icmp;
    Boxed<TraceEvidence> trace;  // the path to this address, when it was traced
};

// One retry of a stalled address with a clamped maximum segment size (TCP_MAXSEG).
struct MssAttempt {
    int mss = 0;
    bool completed = false;     // the stage that stalled got its answer this time
    Cause cause = Cause::none;  // what the retry failed with; none when it completed
    std::string detail;
    double ms = 0;
};

// A path-MTU black hole test: TCP connected but TLS or the protocol exchange stalled, so the
// address was tried again with smaller segments (docs/report.md, "MTU black holes").
struct MtuEvidence {
    std::string stalled_stage;         // "tls" or "protocol"
    std::vector<MssAttempt> attempts;  // in the order tried (536, then 1200)
    // The path MTU the kernel knew on the stalled connection (IP_MTU / IPV6_MTU): unchanged
    // from the interface's when no ICMP fragmentation-needed / packet-too-big came back.
    int kernel_path_mtu = 0;

    // The largest clamp that completed; 0 = none did.
    int working_mss() const {
        int largest = 0;
        for (const auto& attempt : attempts) {
            if (attempt.completed && attempt.mss > largest) largest = attempt.mss;
        }
        return largest;
    }
};

struct VerifyError {
    int depth = 0;              // 0 = leaf
    int code = 0;               // raw X509_V_ERR_*, kept beside the mapped cause
    std::string text;           // X509_verify_cert_error_string
    Cause cause = Cause::none;  // what the code means here (probes/tls/error_map_x509.cpp)
};

struct CertificateInfo {
    std::string subject;
    std::string issuer;
    std::vector<std::string> sans;  // DNS names and IP addresses
    SystemTime not_before{};
    SystemTime not_after{};
    std::string sha256;  // hex, lower case, of the DER encoding
    bool self_issued = false;
};

struct TlsEvidence : StageResult {
    std::string version;  // "TLSv1.3"
    std::string cipher;
    std::string alert;  // the alert the peer sent, if any ("handshake failure"), also one that
                        // came at the first read after the handshake (TLS 1.3 mutual TLS)
    // Mutual TLS as the handshake showed it: whether the server sent a CertificateRequest, the
    // CA names it listed (RFC 2253, as CertificateInfo names subjects; empty when it listed
    // none) and the certificate we presented (null = none).
    bool client_certificate_requested = false;
    std::vector<std::string> client_ca_names;
    Boxed<CertificateInfo> client_certificate;
};

// A certificate chain as a peer presented it, leaf first. Shared, not copied: every address
// shown the same chain (2,000 brokers behind one certificate) holds a pointer to one copy,
// which is what keeps a large run's memory flat (docs/performance.md). Reads like a const
// vector; a write copies first when another holder shares it, so a change never reaches them.
class CertificateChain {
  public:
    CertificateChain() = default;
    CertificateChain(std::vector<CertificateInfo> certificates)  // NOLINT: a chain is its list
        : certificates_(std::make_shared<std::vector<CertificateInfo>>(std::move(certificates))) {}
    CertificateChain(std::initializer_list<CertificateInfo> certificates)
        : CertificateChain(std::vector<CertificateInfo>(certificates)) {}

    bool empty() const { return size() == 0; }
    std::size_t size() const { return certificates_ ? certificates_->size() : 0; }
    const CertificateInfo& operator[](std::size_t i) const { return (*certificates_)[i]; }
    const CertificateInfo& front() const { return certificates_->front(); }
    const CertificateInfo& back() const { return certificates_->back(); }
    std::vector<CertificateInfo>::const_iterator begin() const { return list().begin(); }
    std::vector<CertificateInfo>::const_iterator end() const { return list().end(); }
    const std::vector<CertificateInfo>& list() const {
        static const std::vector<CertificateInfo> none;
        return certificates_ ? *certificates_ : none;
    }
    // Whether both hold the one shared copy (not merely equal certificates).
    bool shares(const CertificateChain& other) const {
        return certificates_ != nullptr && certificates_ == other.certificates_;
    }

    CertificateInfo& operator[](std::size_t i) { return own()[i]; }
    CertificateInfo& front() { return own().front(); }
    CertificateInfo& back() { return own().back(); }
    void push_back(CertificateInfo info) { own().push_back(std::move(info)); }

  private:
    std::vector<CertificateInfo>& own() {
        if (!certificates_) {
            certificates_ = std::make_shared<std::vector<CertificateInfo>>();
        } else if (certificates_.use_count() > 1) {
            certificates_ = std::make_shared<std::vector<CertificateInfo>>(*certificates_);
        }
        return *certificates_;
    }

    std::shared_ptr<std::vector<CertificateInfo>> certificates_;
};

struct CertificateEvidence : StageResult {
    CertificateChain chain;                  // as presented by the peer, leaf first
    std::vector<VerifyError> verify_errors;  // every error the verify callback saw
    std::optional<int> days_left;            // of the chain's earliest not_after
};

// One API a Kafka broker supports, from its ApiVersions answer.
struct KafkaApiRange {
    std::int16_t api_key = 0;
    std::int16_t min_version = 0;
    std::int16_t max_version = 0;
};

// A broker as a bootstrap's Metadata answer advertises it.
struct KafkaBroker {
    std::int32_t node_id = -1;
    std::string host;
    std::int32_t port = 0;
    std::optional<std::string> rack;
};

// What the Kafka conversation established. Never holds a credential.
struct KafkaEvidence {
    std::int16_t api_versions_version = -1;  // ApiVersions version that was answered (3 or 0)
    std::vector<KafkaApiRange> apis;         // every API the broker listed
    // SASL: the mechanism used ("" = no SASL configured), what the broker offers, the outcome.
    std::string sasl_mechanism;
    std::vector<std::string> sasl_mechanisms_offered;
    bool authenticated = false;
    // Metadata: asked only of bootstraps (not of advertised brokers).
    bool metadata_checked = false;
    std::string metadata_not_checked;  // why not, for people ("no SASL credentials configured")
    std::int16_t metadata_version = -1;
    std::optional<std::string> cluster_id;
    std::int32_t controller_id = -1;
    std::vector<KafkaBroker> brokers;  // advertised brokers, in the broker's order
    std::int16_t error_code = 0;       // the Kafka error that failed the stage, 0 if none
};

// What the HTTP request established.
struct HttpEvidence {
    std::string method = "GET";
    std::string path;    // the request path, e.g. "/v3/clusters"
    int status = 0;      // HTTP status code, 0 when no valid answer came
    std::string reason;  // reason phrase as sent
    std::string server;  // Server header, if any
    std::string
        service;  // what the body says it is ("Kafka Connect", "ksqlDB", ...), "" if unknown
    std::string version;         // the version the component states, "" if it states none
    bool auth_required = false;  // 401 / 403: the component answers and wants credentials
};

struct ProtocolEvidence : StageResult {
    std::string name;  // "kafka" or "http"; "" when no check applies
    Boxed<KafkaEvidence> kafka;
    Boxed<HttpEvidence> http;
    std::string note;  // what people should know even when ok ("authentication required")
};

// One resolved address taken through tcp -> tls -> certificate -> protocol.
struct AddressEvidence {
    std::string address;
    TcpEvidence tcp;
    TlsEvidence tls;
    CertificateEvidence certificate;
    ProtocolEvidence protocol;
    Boxed<MtuEvidence> mtu;  // only when TLS or the protocol exchange stalled
};

struct TargetEvidence {
    Target target;
    DnsEvidence dns;
    std::vector<AddressEvidence> addresses;  // one per probed address, in DNS order
    std::size_t addresses_not_probed = 0;    // beyond the per-name bound
};

// What the engine observed about a run as a whole, beside each target's evidence: where the
// probes left from, which resolvers answered, when and how long, and how much ran at once (the
// bounds in force and the most seen, so a report can say when the descriptor limit, not
// --concurrency, set the pace). socket_budget 0 = not known (a report not made by the engine),
// and then no renderer mentions the concurrency figures.
// What a run's TLS connections trusted and presented (probes/tls/tls_context.h), for the
// report to say which anchors were used and which certificate was shown. Never a secret.
struct TlsMaterialInfo {
    // "the system store", "the system store and --ca-file ca.pem", "the JKS trust store
    // /etc/kafka/truststore.jks (client.properties: ssl.truststore.location)"
    std::string trust;
    std::vector<std::string> trust_subjects;  // of the anchors configured (not the system's)
    std::optional<CertificateInfo> client_certificate;  // the leaf presented; null = none
    std::string client_certificate_source;              // "--client-cert a.pem", ...
};

struct RunEvidence {
    std::vector<std::string> source_addresses;  // distinct local addresses seen on TCP probes
    std::vector<std::string> resolvers;         // resolvers in use, "10.20.0.2:53"
    SystemTime started_at{};
    double duration_ms = 0;
    std::size_t advertised_not_probed = 0;  // advertised brokers beyond the engine's bound
    std::size_t concurrency = 0;            // targets in flight at most (--concurrency)
    std::size_t socket_budget = 0;          // sockets open at most (configured or from the limit)
    std::size_t descriptor_limit = 0;       // soft RLIMIT_NOFILE during the run; 0 = unlimited
    std::size_t peak_targets = 0;           // most targets in flight at once
    std::size_t peak_sockets = 0;           // most addresses holding a socket at once
    std::size_t queued_for_socket = 0;      // addresses that waited because the budget was in use
    std::optional<TlsMaterialInfo> tls;     // null when no target of the run used TLS
};

}  // namespace vpcprobe
