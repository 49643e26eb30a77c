// SPDX-License-Identifier: Apache-2.0
// The Run class wires the event loop to the engine's bookkeeping: the socket budget
// (probes/engine/engine_budget.h), the queue of addresses waiting for a socket
// (probes/engine/address_queue.h), each target's progress for --deadline
// (probes/engine/run_progress.h), the advertised brokers (probes/engine/advertised_brokers.h)
// and the canonical names of bootstraps (probes/engine/canonical_bootstraps.h); which stalls are
// retried with a clamped MSS and what the retries add up to (probes/engine/mtu_retry.h).
// What is left here is starting probes and recording evidence.
#include "probes/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include "core/address.h"
#include "core/text.h"
#include "probes/dns/answer_checks.h"
#include "probes/dns/resolver.h"
#include "probes/engine/address_queue.h"
#include "probes/engine/advertised_brokers.h"
#include "probes/engine/canonical_bootstraps.h"
#include "probes/engine/engine_budget.h"
#include "probes/engine/mtu_retry.h"
#include "probes/engine/run_progress.h"
#include "probes/engine/wrong_scheme.h"
#include "probes/http/http_probe.h"
#include "probes/kafka/kafka_probe.h"
#include "probes/protocol_stream.h"
#include "probes/tcp/tcp_probe.h"
#include "probes/tcp/tcp_trace.h"
#include "probes/tls/error_map_tls.h"
#include "probes/tls/error_map_x509.h"
#include "probes/tls/tls_probe.h"
#include "probes/tls/tls_sniff.h"

namespace vpcprobe {

namespace asio = boost::asio;

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
        .count();
}

void fail(StageResult& stage, Cause cause, std::string detail) {
    stage.status = StageStatus::failed;
    stage.cause = cause;
    stage.detail = std::move(detail);
}

// What run_probes() sets up before the first probe.
struct RunSetup {
    std::shared_ptr<TlsContext> tls;        // made at the first TLS handshake (tls_context())
    std::optional<asio::ip::address> bind;  // --bind
    DescriptorUse descriptors;              // at the start of the run
    std::size_t socket_budget = 0;
};

// State of one run. Shared by every pending handler; the io_context outlives none of them
// because run_probes() destroys handlers (with the io_context) before returning.
class Run : public std::enable_shared_from_this<Run> {
  public:
    Run(asio::io_context& io, const std::vector<Target>& targets, const EngineOptions& options,
        Resolver& resolver, RunSetup setup)
        : io_(io),
          options_(options),
          resolver_(resolver),
          setup_(std::move(setup)),
          progress_(targets.size()),
          queue_(setup_.socket_budget, [this](AddressRef address) { start_tcp(address); }),
          advertised_(options.max_advertised),
          canonical_(options.settings.dns_lookup) {
        evidence_.resize(targets.size());
        for (std::size_t i = 0; i < targets.size(); ++i) {
            evidence_[i].target = targets[i];
            know_target(targets[i]);
        }
    }

    void start() { start_more(); }

    bool finished() const { return finished_ == evidence_.size(); }

    // Set when the run cannot go on: out of descriptors with no socket of its own to wait for.
    const std::optional<Error>& fatal_error() const { return fatal_error_; }

    // After the deadline stopped the event loop: every stage still waiting says so.
    void mark_deadline_passed(std::chrono::milliseconds deadline) {
        vpcprobe::mark_deadline_passed(evidence_, progress_, deadline);
    }

    // Moves the evidence and the run's figures into `run`; the Run is spent afterwards.
    void hand_over(EngineRun& run) {
        run.source_addresses.assign(source_addresses_.begin(), source_addresses_.end());
        run.advertised_not_probed = advertised_.not_probed();
        run.concurrency = static_cast<std::size_t>(options_.settings.concurrency);
        run.socket_budget = queue_.budget();
        run.descriptor_limit = setup_.descriptors.soft_limit;
        run.peak_targets = peak_targets_;
        run.peak_sockets = queue_.peak_in_use();
        run.queued_for_socket = queue_.queued_for_socket();
        if (setup_.tls) run.tls = setup_.tls->material();
        run.targets = std::move(evidence_);
    }

    // Called when the last target is done (run_probes() cancels the deadline timer with it).
    std::function<void()> on_all_done;

  private:
    // Starts targets until `concurrency` are in flight or none are left; targets appended
    // later (advertised brokers) are picked up by the next call.
    void start_more() {
        const auto limit = static_cast<std::size_t>(options_.settings.concurrency);
        while (next_ < evidence_.size() && next_ - finished_ < limit) {
            std::size_t index = next_++;
            peak_targets_ = std::max(peak_targets_, next_ - finished_);
            auto self = shared_from_this();
            resolver_.resolve(evidence_[index].target.host, [self, index](DnsEvidence dns) {
                self->on_resolved(index, std::move(dns));
            });
        }
    }

    // Only the answers a server can be at are probed: a DNS filter's 0.0.0.0 or :: is this host
    // (probes/dns/answer_checks.h), and the dns stage already says so.
    void on_resolved(std::size_t index, DnsEvidence dns) {
        const std::vector<std::string> probed = addresses_to_probe(dns);
        if (canonical_.redirects(evidence_[index].target) && !probed.empty()) {
            look_up_canonical_names(index, std::move(dns), probed);
            return;
        }
        auto& target = evidence_[index];
        progress_[index].dns_done = true;
        target.dns = std::move(dns);
        if (probed.empty()) {
            finish_target(index);
            return;
        }
        const std::size_t count = std::min<std::size_t>(
            probed.size(), static_cast<std::size_t>(options_.settings.max_addresses));
        target.addresses_not_probed = probed.size() - count;
        target.addresses.resize(count);
        for (std::size_t a = 0; a < count; ++a) target.addresses[a].address = probed[a];
        progress_[index].start_addresses(count);
        queue_.add(index, count);
    }

    // A target the run connects to by its name: neither an advertised broker nor a canonical
    // name at the same host:port is added again. A bootstrap the client does not connect to
    // by name (its canonical names instead) stays unknown to both.
    void know_target(const Target& target) {
        if (canonical_.redirects(target)) return;
        advertised_.add_known(target);
        canonical_.add_known(target);
    }

    // client.dns.lookup=resolve_canonical_bootstrap_servers_only: the bootstrap resolved; each
    // address probed (max_addresses) is turned back into its canonical name. The dns stage
    // lasts until every one is known (so --deadline marks it when they are not).
    void look_up_canonical_names(std::size_t index, DnsEvidence dns,
                                 const std::vector<std::string>& probed) {
        auto& target = evidence_[index];
        target.dns = std::move(dns);
        const std::size_t count = std::min<std::size_t>(
            probed.size(), static_cast<std::size_t>(options_.settings.max_addresses));
        target.addresses_not_probed = probed.size() - count;
        target.dns.canonical_names.resize(count);
        canonical_pending_[index] = count;
        if (count == 0) return on_canonical_names(index);
        for (std::size_t a = 0; a < count; ++a) {
            target.dns.canonical_names[a].address = probed[a];
            auto self = shared_from_this();
            resolver_.canonical_name(probed[a], [self, index, a](CanonicalName name) {
                self->evidence_[index].dns.canonical_names[a] = std::move(name);
                if (--self->canonical_pending_[index] == 0) self->on_canonical_names(index);
            });
        }
    }

    // Every canonical name of the bootstrap is known: the client connects to them, so they
    // join the run; the bootstrap itself is not connected to.
    void on_canonical_names(std::size_t index) {
        canonical_pending_.erase(index);
        progress_[index].dns_done = true;
        mark_not_connected(evidence_[index]);
        // Appending may move evidence_: no reference into it is held past this point.
        const Target bootstrap = evidence_[index].target;
        for (Target& target : canonical_.merge(bootstrap, evidence_[index].dns.canonical_names)) {
            advertised_.add_known(target);
            append_target(std::move(target));
        }
        finish_target(index);
    }

    // Called by the queue when the address has a socket to take.
    void start_tcp(AddressRef at) {
        auto& address = evidence_[at.target].addresses[at.address];
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(address.address, ec);
        if (ec) {
            fail(address.tcp, Cause::tcp_error, quote(address.address) + " is not an IP address");
            finish_address(at);
            return;
        }
        TcpProbeOptions tcp_options = tcp_options_for(ip);
        // --tcp-only takes no stage past the connect: the probe closes the socket itself.
        tcp_options.hand_on = !options_.settings.tcp_only;
        auto self = shared_from_this();
        probe_tcp(io_, ip, evidence_[at.target].target.port, tcp_options,
                  [self, at](TcpEvidence tcp, asio::ip::tcp::socket socket) {
                      self->on_connected(at, std::move(tcp), std::move(socket));
                  });
    }

    TcpProbeOptions tcp_options_for(const asio::ip::address& ip) const {
        TcpProbeOptions tcp_options;
        tcp_options.timeout = options_.settings.timeout;
        // --bind applies to the family it belongs to; the other family uses the kernel's choice.
        if (setup_.bind && setup_.bind->is_v4() == ip.is_v4()) tcp_options.bind = setup_.bind;
        return tcp_options;
    }

    void on_connected(AddressRef at, TcpEvidence tcp, asio::ip::tcp::socket socket) {
        if (out_of_descriptors(tcp)) {
            retry_for_descriptor(at, tcp.detail);
            return;
        }
        auto& address = evidence_[at.target].addresses[at.address];
        address.tcp = std::move(tcp);
        if (!address.tcp.local_address.empty()) source_addresses_.insert(address.tcp.local_address);
        if (address.tcp.status != StageStatus::ok) {
            finish_address(at);
        } else if (options_.settings.tcp_only) {
            const char* why = "not checked: --tcp-only";
            address.tls.detail = address.certificate.detail = address.protocol.detail = why;
            finish_address(at);
        } else if (!evidence_[at.target].target.tls) {
            const char* why = "not checked: a plaintext target (PLAINTEXT://)";
            address.tls.detail = address.certificate.detail = why;
            start_protocol(at, std::make_shared<ProtocolStream>(std::move(socket)));
        } else {
            start_tls(at, std::move(socket));
        }
    }

    // The kernel said EMFILE despite the budget: the address waits for a socket this run holds,
    // and with none held nothing would ever free one, so the run stops (exit 3).
    void retry_for_descriptor(AddressRef at, const std::string& detail) {
        if (queue_.requeue(at) == Requeued::waits_for_a_socket) return;
        if (!fatal_error_) {
            fatal_error_ = out_of_descriptors_with_none_open(setup_.descriptors.soft_limit, detail);
        }
        io_.stop();
    }

    // The run's TLS context, made at the first handshake that needs it: loading the trust
    // store costs tens of milliseconds, which a run whose TLS targets all fail before TLS (or a
    // --tcp-only run, or one of PLAINTEXT:// targets) never pays. The settings checked every
    // store and file before the run (agent/settings/tls_keys.cpp), so failing here is a fault
    // of this host (out of memory): the run stops, exit 3.
    std::shared_ptr<TlsContext> tls_context() {
        if (setup_.tls) return setup_.tls;
        auto created =
            options_.tls_context ? options_.tls_context() : TlsContext::create(options_.settings);
        if (!created) {
            if (!fatal_error_) fatal_error_ = std::move(created).error();
            io_.stop();
            return nullptr;
        }
        setup_.tls = std::move(*created);
        return setup_.tls;
    }

    void start_tls(AddressRef at, asio::ip::tcp::socket socket) {
        progress_[at.target].address_stage[at.address] = Stage::tls;
        auto context = tls_context();
        if (!context) return;  // the run stops: tls_context() said why
        auto self = shared_from_this();
        probe_tls(std::move(socket), std::move(context), tls_options_for(at),
                  [self, at](TlsEvidence tls, CertificateEvidence certificate,
                             std::shared_ptr<TlsStream> stream) {
                      self->on_tls(at, std::move(tls), std::move(certificate), std::move(stream));
                  });
    }

    TlsProbeOptions tls_options_for(AddressRef at) const {
        TlsProbeOptions tls_options;
        tls_options.server_name = evidence_[at.target].target.host;
        tls_options.timeout = options_.settings.timeout;
        tls_options.warn_days = options_.settings.warn_days;
        tls_options.now = std::chrono::system_clock::now();
        tls_options.verify_hostname = options_.settings.tls.verify_hostname;
        tls_options.verify_certificate = options_.settings.tls.verify_certificate;
        return tls_options;
    }

    void on_tls(AddressRef at, TlsEvidence tls, CertificateEvidence certificate,
                std::shared_ptr<TlsStream> stream) {
        auto& address = evidence_[at.target].addresses[at.address];
        address.tls = std::move(tls);
        address.certificate = std::move(certificate);
        // The handshake completed even when the chain did not verify (the verify callback
        // records and lets it through), so the service behind an untrusted certificate is
        // still identified: "Kafka answers, but its certificate is not trusted here".
        if (!stream) {
            address.protocol.detail = "not checked: no TLS session";
            // --no-protocol asked for no protocol exchange: not even this one.
            if (options_.settings.protocol_checks &&
                worth_a_plaintext_try(address.tls, evidence_[at.target].target)) {
                return try_plaintext_kafka(at);
            }
            finish_address(at);
            return;
        }
        start_protocol(at, std::make_shared<ProtocolStream>(std::move(stream)));
    }

    void start_protocol(AddressRef at, std::shared_ptr<ProtocolStream> stream) {
        const Target& target = evidence_[at.target].target;
        auto& protocol = evidence_[at.target].addresses[at.address].protocol;
        if (!options_.settings.protocol_checks) {
            protocol.detail = "not checked: --no-protocol";
        } else if (target.component == "kafka") {
            start_kafka(at, std::move(stream));
            return;
        } else if (!http_check_path(target.component).empty()) {
            start_http(at, std::move(stream));
            return;
        } else {
            protocol.detail = fmt::format(
                "not checked: no protocol check for component {} (kafka, schema-registry, "
                "rest-proxy, connect, ksqldb, control-center and mds have one)",
                quote(target.component));
        }
        end_unread(at, std::move(stream));
    }

    // A session no protocol check reads. A TLS 1.3 server that asked for a client certificate
    // judges ours (or its absence) after our Finished, so the handshake completed either way and
    // only a read shows a refusal: one read, bounded by refusal_wait(), collects it. Without a
    // CertificateRequest, or with TLS 1.2 (which refuses during the handshake), nothing waits.
    void end_unread(AddressRef at, std::shared_ptr<ProtocolStream> stream) {
        const TlsEvidence& tls = evidence_[at.target].addresses[at.address].tls;
        if (!stream->is_tls() || !tls.client_certificate_requested || tls.version != "TLSv1.3") {
            stream->close();
            finish_address(at);
            return;
        }
        stream->await_refusal(refusal_wait(), [self = shared_from_this(), at, stream] {
            stream->close();
            if (const auto alert = stream->alert_before_answer()) {
                self->record_refusal_after_handshake(at, *alert);
            }
            self->finish_address(at);
        });
    }

    // How long end_unread() waits for a refusal. A server sends it as soon as it has read our
    // Certificate, CertificateVerify and Finished, i.e. one round trip after our Finished left:
    // a second covers any round trip a client could live with; the stage timeout caps it when
    // shorter. A server that accepts us stays silent, so this is what a session with a
    // CertificateRequest costs when nothing reads it.
    std::chrono::milliseconds refusal_wait() const {
        return std::min(options_.settings.timeout, std::chrono::milliseconds(1000));
    }

    // Credentials go only to a peer whose certificate verified: the protocol stage still runs
    // behind an untrusted certificate (to say what answers there), and a peer that could not
    // prove who it is must not collect a SASL password (PLAIN sends it as is). The chain must
    // verify even when the client being checked does not verify it; the name must match unless
    // the client does not verify names (then the client itself sends its password there).
    bool withhold_credentials(AddressRef at) const {
        if (!options_.sasl || !evidence_[at.target].target.tls) return false;
        return !proved_its_identity(evidence_[at.target].addresses[at.address].certificate,
                                    options_.settings.tls.verify_hostname);
    }

    // Why withhold_credentials() kept them back, for the protocol stage's note.
    std::string withheld_note() const {
        if (options_.settings.tls.verify_certificate) {
            return "SASL credentials were not sent: the certificate did not verify, and "
                   "credentials go only to a peer that proved its name";
        }
        return "SASL credentials were not sent: the certificate did not verify; the client "
               "checked does not verify certificates, but vpcprobe sends credentials only to a "
               "peer that proved its name";
    }

    void start_kafka(AddressRef at, std::shared_ptr<ProtocolStream> stream) {
        const bool withhold = withhold_credentials(at);
        progress_[at.target].address_stage[at.address] = Stage::protocol;
        probe_kafka(stream, kafka_options_for(at, withhold), protocol_done(at, stream, withhold));
    }

    KafkaProbeOptions kafka_options_for(AddressRef at, bool withhold) const {
        const Target& target = evidence_[at.target].target;
        KafkaProbeOptions kafka;
        kafka.timeout = options_.settings.timeout;
        if (!withhold) kafka.sasl = options_.sasl;
        kafka.sasl_handshake_only = options_.sasl_handshake_only;
        kafka.metadata = target.origin != "advertised" && options_.settings.follow_advertised;
        return kafka;
    }

    void start_http(AddressRef at, std::shared_ptr<ProtocolStream> stream) {
        progress_[at.target].address_stage[at.address] = Stage::protocol;
        probe_http(stream, http_options_for(at),
                   protocol_done(at, stream, withhold_credentials(at)));
    }

    HttpProbeOptions http_options_for(AddressRef at) const {
        const Target& target = evidence_[at.target].target;
        HttpProbeOptions http;
        http.component = target.component;
        http.host = target.host;
        http.port = target.port;
        http.timeout = options_.settings.timeout;
        return http;
    }

    ProtocolDone protocol_done(AddressRef at, std::shared_ptr<ProtocolStream> stream,
                               bool credentials_withheld) {
        return [self = shared_from_this(), at, stream,
                credentials_withheld](ProtocolEvidence protocol) {
            stream->close();
            if (const auto alert = stream->alert_before_answer()) {
                self->on_refused_after_handshake(at, *alert);
                return;
            }
            // A plaintext check cut off without an answer may have met a TLS listener.
            if (!stream->is_tls()) {
                const std::string& component = self->evidence_[at.target].target.component;
                if (protocol.cause == Cause::protocol_tls_required) {
                    name_tls_scheme(protocol, component);
                } else if (worth_a_tls_sniff(protocol)) {
                    return self->sniff_for_tls(at, std::move(protocol));
                }
            }
            if (credentials_withheld && protocol.kafka) {
                const std::string why = self->withheld_note();
                protocol.note = why;
                if (!protocol.kafka->metadata_checked) protocol.kafka->metadata_not_checked = why;
            }
            self->on_protocol(at, std::move(protocol));
        };
    }

    // A wrong scheme is told by one more connection to the same address after a failure
    // (probes/engine/wrong_scheme.h). The engine makes it rather than the Kafka or HTTP check:
    // it holds the address, --bind and the socket budget, and the checks stay one connection
    // each. The check's own connection is closed before the new one opens, so the address still
    // holds one socket of the budget at a time.
    using Reconnected = std::function<void(std::optional<asio::ip::tcp::socket>, std::string)>;
    void reconnect(AddressRef at, Reconnected then) {
        boost::system::error_code ec;
        // Parsed once already by start_tcp(), which went no further when it did not parse.
        const auto ip =
            asio::ip::make_address(evidence_[at.target].addresses[at.address].address, ec);
        probe_tcp(io_, ip, evidence_[at.target].target.port, tcp_options_for(ip),
                  [then = std::move(then)](TcpEvidence tcp, asio::ip::tcp::socket socket) {
                      if (tcp.status != StageStatus::ok) return then(std::nullopt, tcp.detail);
                      then(std::move(socket), "");
                  });
    }

    std::string peer_of(AddressRef at) const {
        return endpoint_text(evidence_[at.target].addresses[at.address].address,
                             evidence_[at.target].target.port);
    }

    // Plaintext met a listener that closed without an answer: a bare TLS ClientHello (no
    // credentials) says whether it speaks TLS.
    void sniff_for_tls(AddressRef at, ProtocolEvidence protocol) {
        reconnect(at, [self = shared_from_this(), at, protocol = std::move(protocol)](
                          std::optional<asio::ip::tcp::socket> socket, std::string why) mutable {
            if (!socket) {
                note_second_connection_failed(protocol, "a TLS ClientHello", why);
                return self->on_protocol(at, std::move(protocol));
            }
            TlsSniffOptions sniff;
            sniff.server_name = self->evidence_[at.target].target.host;
            sniff.timeout = self->options_.settings.timeout;
            sniff_tls(std::move(*socket), sniff,
                      [self, at, protocol = std::move(protocol)](TlsSniff seen) mutable {
                          apply_tls_sniff(protocol, seen,
                                          self->evidence_[at.target].target.component,
                                          self->peer_of(at));
                          self->on_protocol(at, std::move(protocol));
                      });
        });
    }

    // A kafka target's TLS handshake met no TLS: one plaintext ApiVersions, without SASL and
    // without Metadata, says whether a plaintext Kafka listener is there. The tls stage's
    // evidence is in place already; a --deadline passing now marks the protocol stage.
    void try_plaintext_kafka(AddressRef at) {
        progress_[at.target].address_stage[at.address] = Stage::protocol;
        reconnect(at, [self = shared_from_this(), at](std::optional<asio::ip::tcp::socket> socket,
                                                      std::string why) {
            auto& address = self->evidence_[at.target].addresses[at.address];
            if (!socket) {
                note_second_connection_failed(address.protocol, "a plaintext Kafka ApiVersions",
                                              why);
                return self->finish_address(at);
            }
            KafkaProbeOptions kafka;
            kafka.timeout = self->options_.settings.timeout;
            kafka.metadata = false;
            kafka.max_frame_bytes = 64 * 1024;  // an ApiVersions answer is a few hundred bytes
            auto stream = std::make_shared<ProtocolStream>(std::move(*socket));
            probe_kafka(stream, kafka, [self, at, stream](ProtocolEvidence answer) {
                stream->close();
                auto& tried = self->evidence_[at.target].addresses[at.address];
                apply_plaintext_answer(tried.tls, tried.protocol, answer, self->peer_of(at));
                self->finish_address(at);
            });
        });
    }

    // The TLS server ended the session with an alert at the protocol check's first read (TLS
    // 1.3 checks the client certificate after the client's Finished): a failure of the tls
    // stage, not of the service, which was never reached.
    void on_refused_after_handshake(AddressRef at, int alert) {
        record_refusal_after_handshake(at, alert);
        ProtocolEvidence protocol;
        protocol.detail = "not checked: the TLS session was refused at the first read";
        on_protocol(at, std::move(protocol));
    }

    // The alert that ended a completed handshake's session before any application data, as the
    // tls stage's failure (probes/tls/error_map_tls.h: alert_after_handshake).
    void record_refusal_after_handshake(AddressRef at, int alert) {
        auto& address = evidence_[at.target].addresses[at.address];
        const std::string peer = endpoint_text(address.address, evidence_[at.target].target.port);
        const TlsFailure failure =
            alert_after_handshake(alert, client_certificate_facts(address.tls), peer);
        address.tls.status = StageStatus::failed;
        address.tls.cause = failure.cause;
        address.tls.detail = failure.detail;
        address.tls.alert = alert_text(alert);
    }

    // A target found during the run (an advertised broker, a canonical name) joins it; the
    // scheduler starts it like any other.
    void append_target(Target target) {
        TargetEvidence evidence;
        evidence.target = std::move(target);
        evidence_.push_back(std::move(evidence));
        progress_.emplace_back();
    }

    void on_protocol(AddressRef at, ProtocolEvidence protocol) {
        std::vector<KafkaBroker> brokers;
        if (protocol.kafka) brokers = protocol.kafka->brokers;
        evidence_[at.target].addresses[at.address].protocol = std::move(protocol);
        // Appending may move evidence_: no reference into it is held past this point.
        for (Target& target : advertised_.merge(evidence_[at.target].target, brokers)) {
            canonical_.add_known(target);
            append_target(std::move(target));
        }
        finish_address(at);
    }

    // Every stage of the address has ended; the retries of a stalled address
    // (probes/engine/mtu_retry.h) and a path trace, when one is wanted, go first, on the socket
    // budget the address still holds.
    void finish_address(AddressRef at) {
        const auto& address = evidence_[at.target].addresses[at.address];
        if (!address.mtu) {
            if (auto stage = stalled_stage(address, options_.settings.tcp_only)) {
                return start_mtu_retry(at, std::move(*stage));
            }
        }
        if (!address.tcp.trace && wants_trace(options_.settings.trace, address.tcp)) {
            return start_trace(at);
        }
        release_address(at);
    }

    // ---- MTU black hole retries: one connection at a time, each bounded by --timeout ----

    void start_mtu_retry(AddressRef at, std::string stage) {
        auto& address = evidence_[at.target].addresses[at.address];
        boost::system::error_code ec;
        // Parsed once already by start_tcp(), which went no further when it did not parse.
        const auto ip = asio::ip::make_address(address.address, ec);
        std::optional<asio::ip::address> source;
        if (!address.tcp.local_address.empty()) {
            auto local = asio::ip::make_address(address.tcp.local_address, ec);
            if (!ec) source = local;
        }
        address.mtu = start_mtu_evidence(std::move(stage), kernel_path_mtu(ip, source));
        progress_[at.target].address_following_up[at.address] = true;
        retry_clamped(at);
    }

    // The next clamp, or the address's end when none is left.
    void retry_clamped(AddressRef at) {
        const int mss = next_retry_mss(*evidence_[at.target].addresses[at.address].mtu);
        if (mss == 0) {
            progress_[at.target].address_following_up[at.address] = false;
            return finish_address(at);
        }
        boost::system::error_code ec;
        const auto ip =
            asio::ip::make_address(evidence_[at.target].addresses[at.address].address, ec);
        TcpProbeOptions clamped = tcp_options_for(ip);
        clamped.max_segment = mss;
        const auto started = std::chrono::steady_clock::now();
        probe_tcp(io_, ip, evidence_[at.target].target.port, clamped,
                  [self = shared_from_this(), at, mss, started](TcpEvidence tcp,
                                                                asio::ip::tcp::socket socket) {
                      if (tcp.status != StageStatus::ok) {
                          return self->end_attempt(at,
                                                   connect_failed(mss, tcp, elapsed_ms(started)));
                      }
                      self->retry_stage(at, mss, started, std::move(socket));
                  });
    }

    // TLS first on a TLS target (a protocol stall needs the session again), then the protocol
    // check when that is what stalled.
    void retry_stage(AddressRef at, int mss, std::chrono::steady_clock::time_point started,
                     asio::ip::tcp::socket socket) {
        if (!evidence_[at.target].target.tls) {
            return retry_protocol(at, mss, started,
                                  std::make_shared<ProtocolStream>(std::move(socket)));
        }
        auto context = tls_context();
        if (!context) return;  // the run stops: tls_context() said why
        probe_tls(std::move(socket), std::move(context), tls_options_for(at),
                  [self = shared_from_this(), at, mss, started](
                      TlsEvidence tls, CertificateEvidence, std::shared_ptr<TlsStream> stream) {
                      const bool protocol_stalled =
                          self->evidence_[at.target].addresses[at.address].mtu->stalled_stage ==
                          "protocol";
                      if (stream && protocol_stalled) {
                          return self->retry_protocol(at, mss, started,
                                                      std::make_shared<ProtocolStream>(stream));
                      }
                      if (stream) {
                          boost::system::error_code ignored;
                          stream->lowest_layer().close(ignored);
                      }
                      self->end_attempt(at, attempt_outcome("tls", mss, tls, stream != nullptr,
                                                            elapsed_ms(started)));
                  });
    }

    // The same check as the one that stalled, with the same credentials rule.
    void retry_protocol(AddressRef at, int mss, std::chrono::steady_clock::time_point started,
                        std::shared_ptr<ProtocolStream> stream) {
        ProtocolDone done = [self = shared_from_this(), at, mss, started,
                             stream](ProtocolEvidence protocol) {
            stream->close();
            self->end_attempt(
                at, attempt_outcome("protocol", mss, protocol, false, elapsed_ms(started)));
        };
        if (evidence_[at.target].target.component == "kafka") {
            return probe_kafka(stream, kafka_options_for(at, withhold_credentials(at)),
                               std::move(done));
        }
        probe_http(stream, http_options_for(at), std::move(done));
    }

    void end_attempt(AddressRef at, MssAttempt attempt) {
        evidence_[at.target].addresses[at.address].mtu->attempts.push_back(std::move(attempt));
        retry_clamped(at);
    }

    void start_trace(AddressRef at) {
        const auto& tcp = evidence_[at.target].addresses[at.address].tcp;
        boost::system::error_code ec;
        const auto ip = asio::ip::make_address(tcp.address, ec);
        if (ec) return release_address(at);
        progress_[at.target].address_following_up[at.address] = true;
        TraceOptions trace;
        trace.budget = options_.settings.timeout;
        trace.max_hops = options_.settings.trace_max_hops;
        trace.bind = tcp_options_for(ip).bind;
        // The port the probe left from (free again: the probe's socket is closed), so the
        // trace follows the flow that failed.
        if (!tcp.local_address.empty()) {
            auto local = asio::ip::make_address(tcp.local_address, ec);
            if (!ec && local.is_v4() == ip.is_v4()) trace.bind = local;
            trace.source_port = tcp.local_port;
        }
        trace_tcp(io_, ip, evidence_[at.target].target.port, trace,
                  [self = shared_from_this(), at](TraceEvidence evidence) {
                      self->evidence_[at.target].addresses[at.address].tcp.trace =
                          std::move(evidence);
                      self->progress_[at.target].address_following_up[at.address] = false;
                      self->release_address(at);
                  });
    }

    void release_address(AddressRef at) {
        if (progress_[at.target].finish_address(at.address)) finish_target(at.target);
        queue_.finish();
    }

    void finish_target(std::size_t index) {
        progress_[index].done = true;
        ++finished_;
        start_more();
        if (finished() && on_all_done) on_all_done();
    }

    asio::io_context& io_;
    const EngineOptions& options_;
    Resolver& resolver_;
    RunSetup setup_;
    std::vector<TargetEvidence> evidence_;
    std::vector<TargetProgress> progress_;  // one per evidence_ entry
    AddressQueue queue_;
    AdvertisedBrokers advertised_;
    CanonicalBootstraps canonical_;
    std::map<std::size_t, std::size_t> canonical_pending_;  // bootstrap -> lookups not yet done
    std::set<std::string> source_addresses_;
    std::size_t next_ = 0;
    std::size_t finished_ = 0;
    std::size_t peak_targets_ = 0;
    std::optional<Error> fatal_error_;
};

Result<std::optional<asio::ip::address>> bind_address(const ProbeSettings& settings) {
    if (!settings.bind) return std::optional<asio::ip::address>();
    boost::system::error_code ec;
    auto bind = asio::ip::make_address(*settings.bind, ec);
    if (ec) return Error(quote(*settings.bind) + " is not an IP address").context("--bind");
    return std::optional<asio::ip::address>(bind);
}

Result<std::unique_ptr<Resolver>> create_resolver(asio::io_context& io,
                                                  const ProbeSettings& settings) {
    ResolverOptions options;
    options.servers = settings.dns_servers;
    options.timeout = settings.timeout;
    options.hosts_file = settings.hosts_file;
    return Resolver::create(io, options);
}

// The budget for `setup`, or the Error saying the limit leaves no room for a single probe.
Result<void> fit_socket_budget(RunSetup& setup, std::size_t configured, std::size_t resolvers) {
    setup.descriptors = current_descriptor_use();
    const std::size_t servers = std::max<std::size_t>(1, resolvers);
    setup.socket_budget = socket_budget(configured, setup.descriptors, servers);
    if (setup.socket_budget == 0) return too_few_descriptors(setup.descriptors, servers);
    return {};
}

// Drives the event loop until every target is done, the run cannot go on, or the deadline
// passes; then marks what the deadline cut short.
void drive(asio::io_context& io, Run& run, std::optional<std::chrono::milliseconds> deadline,
           bool any_target) {
    asio::steady_timer deadline_timer(io);
    bool deadline_passed = false;
    if (deadline) {
        deadline_timer.expires_after(*deadline);
        deadline_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            deadline_passed = true;
            io.stop();
        });
    }
    run.on_all_done = [&] { deadline_timer.cancel(); };
    run.start();
    if (any_target) io.run();
    run.on_all_done = nullptr;
    if (deadline_passed && !run.finished() && !run.fatal_error()) {
        run.mark_deadline_passed(*deadline);
    }
}

}  // namespace

Result<EngineRun> run_probes(const std::vector<Target>& targets, const EngineOptions& options) {
    EngineRun result;
    result.started_at = std::chrono::system_clock::now();
    auto started = std::chrono::steady_clock::now();
    const ProbeSettings& settings = options.settings;

    RunSetup setup;
    auto bind = bind_address(settings);
    if (!bind) return std::move(bind).error();
    setup.bind = *bind;

    // Judged first with the resolvers the settings name (one when the system's), before the
    // event loop and the resolver open descriptors of their own, so that a limit already
    // reached is said as such, not as the hosts file or epoll failing; judged again below
    // with the resolvers actually read.
    if (auto fits = fit_socket_budget(setup, options.max_sockets, settings.dns_servers.size());
        !fits) {
        return std::move(fits).error();
    }
    try {
        asio::io_context io(1);
        auto resolver = create_resolver(io, settings);
        if (!resolver) return std::move(resolver).error();
        result.resolvers = (*resolver)->servers();
        auto fits = fit_socket_budget(setup, options.max_sockets, result.resolvers.size());
        if (!fits) return std::move(fits).error();

        auto run = std::make_shared<Run>(io, targets, options, **resolver, std::move(setup));
        drive(io, *run, settings.deadline, !targets.empty());
        if (run->fatal_error()) return *run->fatal_error();
        run->hand_over(result);
    } catch (const boost::system::system_error& e) {
        // The event loop's own descriptors (epoll, its wake-up and timer descriptors) come
        // before the budget can be judged; when even those cannot be had, the limit is the
        // cause, and it is said as the budget says it.
        if (!out_of_descriptors(e.code())) throw;
        return too_few_descriptors(current_descriptor_use(),
                                   std::max<std::size_t>(1, result.resolvers.size()));
    }
    result.duration_ms = elapsed_ms(started);
    return result;
}

}  // namespace vpcprobe
