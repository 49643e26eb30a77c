// Evidence: what the probes observed, per target, per address, per stage. Plain values handed
// from the probe engine to reports/ (diagnosis and renderers); probes record facts and map
// foreign errors to causes (probes/error_map.h) but never decide a target's verdict.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/cause.h"
#include "probes/target.h"

namespace vpcprobe {

using SystemTime = std::chrono::system_clock::time_point;

// Common to every stage: how it ended, why, and how long it took.
struct StageResult {
    StageStatus status = StageStatus::skipped;
    Cause cause = Cause::none;
    std::string detail;  // one sentence for people, with the facts ("SYN to 10.0.0.5:9095 ...")
    double ms = 0;       // wall time of the stage in milliseconds
};

struct DnsEvidence : StageResult {
    std::vector<std::string> addresses;  // every A and AAAA answer, textual, A first
    std::string source;                  // "dns", "hosts-file" or "literal"
    int ares_status_a = 0;               // raw ares_status of the A query (0 when not asked)
    int ares_status_aaaa = 0;            // raw ares_status of the AAAA query
};

// What an ICMP error queued on the socket said (IP_RECVERR / MSG_ERRQUEUE).
struct IcmpReport {
    int origin = 0;  // SO_EE_ORIGIN_ICMP / _ICMP6 / _LOCAL
    int type = 0;
    int code = 0;
    std::string offender;  // address of the hop that sent it, "" if unknown
};

struct TcpEvidence : StageResult {
    std::string address;        // destination address probed
    std::string local_address;  // our source address (the socket's local end, or --bind)
    int error_number = 0;       // raw errno of the connect, 0 on success
    std::optional<IcmpReport> icmp;
};

struct VerifyError {
    int depth = 0;     // 0 = leaf
    int code = 0;      // X509_V_ERR_*
    std::string text;  // X509_verify_cert_error_string
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
    std::string alert;  // the alert the peer sent, if any ("handshake failure")
};

struct CertificateEvidence : StageResult {
    std::vector<CertificateInfo> chain;      // as presented by the peer, leaf first
    std::vector<VerifyError> verify_errors;  // every error the verify callback saw
    std::optional<int> days_left;            // of the chain's earliest not_after
};

struct ProtocolEvidence : StageResult {
    std::string name;  // "kafka", "http" once protocol checks exist
};

// One resolved address taken through tcp -> tls -> certificate -> protocol.
struct AddressEvidence {
    std::string address;
    TcpEvidence tcp;
    TlsEvidence tls;
    CertificateEvidence certificate;
    ProtocolEvidence protocol;
};

struct TargetEvidence {
    Target target;
    DnsEvidence dns;
    std::vector<AddressEvidence> addresses;  // one per probed address, in DNS order
    std::size_t addresses_not_probed = 0;    // beyond the per-name bound
};

}  // namespace vpcprobe
