// SPDX-License-Identifier: Apache-2.0
#include "probes/engine.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <cerrno>

#include <algorithm>
#include <deque>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probes/dns/resolver.h"
#include "probes/http/http_probe.h"
#include "probes/kafka/kafka_probe.h"
#include "probes/protocol_stream.h"
#include "probes/tcp/tcp_probe.h"
#include "probes/tls/tls_probe.h"

namespace vpcprobe {

namespace asio = boost::asio;

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
        .count();
}

std::string seconds_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
    return fmt::format("{}ms", d.count());
}

// Descriptors kept back from the socket budget: stdio, the event loop's own, c-ares's
// sockets, the files OpenSSL opens to look an issuer up, and `serve`'s HTTP connections
// (agent/serve.cpp keeps at most 32).
constexpr std::size_t kReservedDescriptors = 64;

// The soft RLIMIT_NOFILE, 0 when unlimited or unknown.
std::size_t descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<std::size_t>(limit.rlim_cur);
}

// Descriptors open now below `limit` (F_GETFD on each: no descriptor of its own needed, and
// cheap for the small limits it is used for).
std::size_t open_descriptors(std::size_t limit) {
    std::size_t open = 0;
    for (std::size_t fd = 0; fd < limit; ++fd) {
        if (fcntl(static_cast<int>(fd), F_GETFD) != -1) ++open;
    }
    return open;
}

// Under a small limit a fixed reserve would leave nothing, so what is open already is counted
// and only what the run still needs besides its probes is kept back: a UDP and a TCP socket per
// DNS server, and two files.
std::size_t descriptors_kept(std::size_t soft_limit, std::size_t dns_servers) {
    return open_descriptors(soft_limit) + 2 * dns_servers + 2;
}

// Sockets the probes may hold at once: the limit less 64, or less half of it below 128 (room
// for serve's connections, which the engine does not see), and never less than what
// descriptors_kept() counts. 0 = not even one probe socket fits.
std::size_t socket_budget(std::size_t configured, std::size_t soft_limit, std::size_t dns_servers) {
    if (configured > 0) return configured;
    if (soft_limit == 0) return 4096;
    if (soft_limit > 2 * kReservedDescriptors) return soft_limit - kReservedDescriptors;
    const std::size_t kept = std::max(soft_limit / 2, descriptors_kept(soft_limit, dns_servers));
    return soft_limit > kept ? soft_limit - kept : 0;
}

// EMFILE / ENFILE: this host ran out of descriptors. Never a finding about the network.
bool out_of_descriptors(const TcpEvidence& tcp) {
    return tcp.status == StageStatus::failed &&
           (tcp.error_number == EMFILE || tcp.error_number == ENFILE);
}

// Where each address of each target is in its pipeline, so that a run cut short by --deadline
// can say which stage was still waiting.
struct Progress {
    bool dns_done = false;
    std::vector<Stage> address_stage;  // stage in progress per address
    std::vector<bool> address_done;
    bool done = false;
};

// State of one run. Shared by every pending handler; the io_context outlives none of them
// because run_probes() destroys handlers (with the io_context) before returning.
class Run : public std::enable_shared_from_this<Run> {
  public:
    Run(asio::io_context& io, const std::vector<Target>& targets, const EngineOptions& options,
        Resolver& resolver, std::shared_ptr<TlsContext> tls, std::optional<asio::ip::address> bind,
        std::size_t descriptor_limit, std::size_t socket_budget)
        : io_(io),
          options_(options),
          resolver_(resolver),
          tls_(std::move(tls)),
          bind_(bind),
          progress_(targets.size()),
          descriptor_limit_(descriptor_limit),
          socket_budget_(socket_budget) {
        evidence_.resize(targets.size());
        for (std::size_t i = 0; i < targets.size(); ++i) {
            evidence_[i].target = targets[i];
            known_endpoints_.insert(targets[i].endpoint());
        }
    }

    void start() { start_more(); }

    bool finished() const { return finished_ == evidence_.size(); }

    // Set when the run cannot go on: out of descriptors with no socket of its own to wait for.
    const std::string& fatal_error() const { return fatal_error_; }

    // Called after the event loop was stopped by the deadline: every stage still waiting is
    // marked failed with run.deadline, so the report says what was not finished.
    void mark_unfinished(std::chrono::milliseconds deadline) {
        std::string detail = fmt::format(
            "the run's --deadline of {} passed before this stage finished", seconds_text(deadline));
        for (std::size_t i = 0; i < evidence_.size(); ++i) {
            auto& progress = progress_[i];
            if (progress.done) continue;
            auto& target = evidence_[i];
            if (!progress.dns_done) {
                fail(target.dns, Cause::run_deadline, detail);
                continue;
            }
            for (std::size_t a = 0; a < target.addresses.size(); ++a) {
                if (progress.address_done[a]) continue;
                auto& address = target.addresses[a];
                switch (progress.address_stage[a]) {
                    case Stage::tcp:
                        fail(address.tcp, Cause::run_deadline, detail);
                        break;
                    case Stage::tls:
                        fail(address.tls, Cause::run_deadline, detail);
                        break;
                    case Stage::protocol:
                        fail(address.protocol, Cause::run_deadline, detail);
                        break;
                    default:
                        fail(address.certificate, Cause::run_deadline, detail);
                        break;
                }
            }
        }
    }

    std::vector<TargetEvidence> take_evidence() { return std::move(evidence_); }
    std::size_t advertised_not_probed() const { return advertised_not_probed_; }

    void report_concurrency(EngineRun& run) const {
        run.concurrency = static_cast<std::size_t>(options_.settings.concurrency);
        run.socket_budget = socket_budget_;
        run.descriptor_limit = descriptor_limit_;
        run.peak_targets = peak_targets_;
        run.peak_sockets = peak_sockets_;
        run.queued_for_socket = queued_for_socket_;
    }

  private:
    static void fail(StageResult& stage, Cause cause, const std::string& detail) {
        stage.status = StageStatus::failed;
        stage.cause = cause;
        stage.detail = detail;
    }

    // Starts targets until `concurrency` are in flight or none are left; targets appended
    // later (advertised brokers) are picked up by the next call.
    void start_more() {
        const auto limit = static_cast<std::size_t>(options_.settings.concurrency);
        while (next_ < evidence_.size() && next_ - finished_ < limit) {
            std::size_t index = next_++;
            peak_targets_ = std::max(peak_targets_, next_ - finished_);
            progress_.resize(evidence_.size());
            auto self = shared_from_this();
            resolver_.resolve(evidence_[index].target.host, [self, index](DnsEvidence dns) {
                self->on_resolved(index, std::move(dns));
            });
        }
    }

    // The socket budget is an estimate (another thread, such as serve's HTTP side, holds
    // descriptors too): when the kernel says EMFILE anyway, the address goes back to the head of
    // the queue and the budget shrinks to the sockets open now, so it starts again when one of
    // them closes. With none open, nothing would ever free one: the run stops (exit 3).
    void retry_for_descriptor(std::size_t index, std::size_t a, const std::string& detail) {
        --sockets_in_use_;
        ++queued_for_socket_;
        waiting_for_socket_.emplace_front(index, a);
        if (sockets_in_use_ == 0) {
            if (fatal_error_.empty()) {
                fatal_error_ = fmt::format(
                    "out of file descriptors (ulimit -n {}) with no probe in flight: {}",
                    descriptor_limit_, detail);
            }
            io_.stop();
            return;
        }
        socket_budget_ = sockets_in_use_;
    }

    void on_resolved(std::size_t index, DnsEvidence dns) {
        auto& target = evidence_[index];
        auto& progress = progress_[index];
        progress.dns_done = true;
        target.dns = std::move(dns);
        if (target.dns.status == StageStatus::failed || target.dns.addresses.empty()) {
            finish_target(index);
            return;
        }
        std::size_t limit = std::min<std::size_t>(
            target.dns.addresses.size(), static_cast<std::size_t>(options_.settings.max_addresses));
        target.addresses_not_probed = target.dns.addresses.size() - limit;
        target.addresses.resize(limit);
        progress.address_stage.assign(limit, Stage::tcp);
        progress.address_done.assign(limit, false);
        for (std::size_t a = 0; a < limit; ++a) {
            target.addresses[a].address = target.dns.addresses[a];
            waiting_for_socket_.emplace_back(index, a);
        }
        start_waiting_addresses();
        // What is still queued now waits for a socket another address holds.
        queued_for_socket_ += std::min(waiting_for_socket_.size(), limit);
    }

    // Each address in flight holds one socket; beyond the budget, addresses wait their turn
    // instead of failing with EMFILE.
    void start_waiting_addresses() {
        while (sockets_in_use_ < socket_budget_ && !waiting_for_socket_.empty()) {
            auto [index, a] = waiting_for_socket_.front();
            waiting_for_socket_.pop_front();
            ++sockets_in_use_;
            peak_sockets_ = std::max(peak_sockets_, sockets_in_use_);
            start_tcp(index, a);
        }
    }

    void start_tcp(std::size_t index, std::size_t a) {
        auto& address = evidence_[index].addresses[a];
        boost::system::error_code ec;
        auto ip = asio::ip::make_address(address.address, ec);
        if (ec) {
            fail(address.tcp, Cause::tcp_error,
                 fmt::format("'{}' is not an IP address", address.address));
            finish_address(index, a);
            return;
        }
        TcpProbeOptions tcp_options;
        tcp_options.timeout = options_.settings.timeout;
        // --bind applies to the family it belongs to; the other family uses the kernel's choice.
        if (bind_ && bind_->is_v4() == ip.is_v4()) tcp_options.bind = bind_;
        auto self = shared_from_this();
        probe_tcp(io_, ip, evidence_[index].target.port, tcp_options,
                  [self, index, a](TcpEvidence tcp, asio::ip::tcp::socket socket) {
                      self->on_connected(index, a, std::move(tcp), std::move(socket));
                  });
    }

    void on_connected(std::size_t index, std::size_t a, TcpEvidence tcp,
                      asio::ip::tcp::socket socket) {
        if (out_of_descriptors(tcp)) {
            retry_for_descriptor(index, a, tcp.detail);
            return;
        }
        auto& address = evidence_[index].addresses[a];
        address.tcp = std::move(tcp);
        if (!address.tcp.local_address.empty()) source_addresses_.insert(address.tcp.local_address);
        if (address.tcp.status != StageStatus::ok) {
            finish_address(index, a);
            return;
        }
        if (options_.settings.tcp_only) {
            const char* why = "not checked: --tcp-only";
            address.tls.detail = address.certificate.detail = address.protocol.detail = why;
            finish_address(index, a);
            return;
        }
        if (!evidence_[index].target.tls) {
            const char* why = "not checked: a plaintext target (PLAINTEXT://)";
            address.tls.detail = address.certificate.detail = why;
            start_protocol(index, a, std::make_shared<ProtocolStream>(std::move(socket)));
            return;
        }
        progress_[index].address_stage[a] = Stage::tls;
        if (!tls_) {  // cannot happen: run_probes loads the trust store when a target has TLS
            fail(address.tls, Cause::tls_handshake_failed, "no TLS context for this run");
            finish_address(index, a);
            return;
        }
        TlsProbeOptions tls_options;
        tls_options.server_name = evidence_[index].target.host;
        tls_options.timeout = options_.settings.timeout;
        tls_options.warn_days = options_.settings.warn_days;
        tls_options.now = std::chrono::system_clock::now();
        auto self = shared_from_this();
        probe_tls(std::move(socket), tls_, tls_options,
                  [self, index, a](TlsEvidence tls, CertificateEvidence certificate,
                                   std::shared_ptr<TlsStream> stream) {
                      self->on_tls(index, a, std::move(tls), std::move(certificate),
                                   std::move(stream));
                  });
    }

    void on_tls(std::size_t index, std::size_t a, TlsEvidence tls, CertificateEvidence certificate,
                std::shared_ptr<TlsStream> stream) {
        auto& address = evidence_[index].addresses[a];
        address.tls = std::move(tls);
        address.certificate = std::move(certificate);
        // The handshake completed even when the chain did not verify (the verify callback
        // records and lets it through), so the service behind an untrusted certificate is
        // still identified: "Kafka answers, but its certificate is not trusted here".
        if (!stream) {
            address.protocol.detail = "not checked: no TLS session";
            finish_address(index, a);
            return;
        }
        start_protocol(index, a, std::make_shared<ProtocolStream>(std::move(stream)));
    }

    void start_protocol(std::size_t index, std::size_t a, std::shared_ptr<ProtocolStream> stream) {
        const Target& target = evidence_[index].target;
        if (!options_.settings.protocol_checks) {
            stream->close();
            evidence_[index].addresses[a].protocol.detail = "not checked: --no-protocol";
            finish_address(index, a);
            return;
        }
        auto self = shared_from_this();
        // Credentials go only to a peer whose certificate verified: the protocol stage still
        // runs behind an untrusted certificate (to say what answers there), and a peer that
        // could not prove who it is must not collect a SASL password (PLAIN sends it as is).
        const bool withhold_credentials =
            options_.sasl &&
            evidence_[index].addresses[a].certificate.status == StageStatus::failed;
        auto done = [self, index, a, stream, withhold_credentials](ProtocolEvidence protocol) {
            stream->close();
            if (withhold_credentials && protocol.kafka) {
                const char* why =
                    "SASL credentials were not sent: the certificate did not verify, and "
                    "credentials go only to a peer that proved its name";
                protocol.note = why;
                if (!protocol.kafka->metadata_checked) protocol.kafka->metadata_not_checked = why;
            }
            self->on_protocol(index, a, std::move(protocol));
        };
        if (target.component == "kafka") {
            progress_[index].address_stage[a] = Stage::protocol;
            KafkaProbeOptions kafka;
            kafka.timeout = options_.settings.timeout;
            if (!withhold_credentials) kafka.sasl = options_.sasl;
            kafka.metadata = target.origin != "advertised" && options_.settings.follow_advertised;
            probe_kafka(stream, kafka, std::move(done));
            return;
        }
        if (!http_check_path(target.component).empty()) {
            progress_[index].address_stage[a] = Stage::protocol;
            HttpProbeOptions http;
            http.component = target.component;
            http.host = target.host;
            http.port = target.port;
            http.timeout = options_.settings.timeout;
            probe_http(stream, http, std::move(done));
            return;
        }
        stream->close();
        auto& protocol = evidence_[index].addresses[a].protocol;
        protocol.detail = fmt::format(
            "not checked: no protocol check for component '{}' (kafka, schema-registry, "
            "rest-proxy, connect, ksqldb, control-center and mds have one)",
            target.component);
        finish_address(index, a);
    }

    void on_protocol(std::size_t index, std::size_t a, ProtocolEvidence protocol) {
        std::vector<KafkaBroker> advertised;
        if (protocol.kafka) advertised = protocol.kafka->brokers;
        evidence_[index].addresses[a].protocol = std::move(protocol);
        // Appending may move evidence_: no reference into it is held past this point.
        add_advertised(index, advertised);
        finish_address(index, a);
    }

    // Each broker a bootstrap advertises becomes a target, once per host:port in the run.
    void add_advertised(std::size_t index, const std::vector<KafkaBroker>& brokers) {
        for (const KafkaBroker& broker : brokers) {
            const Target& parent = evidence_[index].target;
            Target target;
            target.component = "kafka";
            target.access = parent.access;
            target.host = broker.host;
            if (broker.port < 1 || broker.port > 65535 || broker.host.empty()) continue;
            target.port = static_cast<std::uint16_t>(broker.port);
            target.origin = "advertised";
            target.tls = parent.tls;
            target.advertised_by = parent.endpoint();
            target.node_id = broker.node_id;
            if (!known_endpoints_.insert(target.endpoint()).second) continue;
            if (advertised_added_ >= options_.max_advertised) {
                ++advertised_not_probed_;
                continue;
            }
            ++advertised_added_;
            TargetEvidence evidence;
            evidence.target = std::move(target);
            evidence_.push_back(std::move(evidence));
            progress_.resize(evidence_.size());
        }
    }

    void finish_address(std::size_t index, std::size_t a) {
        --sockets_in_use_;
        auto& progress = progress_[index];
        progress.address_done[a] = true;
        if (std::all_of(progress.address_done.begin(), progress.address_done.end(),
                        [](bool done) { return done; }))
            finish_target(index);
        start_waiting_addresses();
    }

    void finish_target(std::size_t index) {
        progress_[index].done = true;
        ++finished_;
        start_more();
        if (finished() && on_all_done) on_all_done();
    }

  public:
    std::function<void()> on_all_done;
    std::set<std::string> source_addresses_;

  private:
    asio::io_context& io_;
    const EngineOptions& options_;
    Resolver& resolver_;
    std::shared_ptr<TlsContext> tls_;
    std::optional<asio::ip::address> bind_;
    std::vector<TargetEvidence> evidence_;
    std::vector<Progress> progress_;
    std::size_t descriptor_limit_;
    std::size_t socket_budget_;
    std::size_t sockets_in_use_ = 0;
    std::size_t peak_sockets_ = 0;
    std::size_t peak_targets_ = 0;
    std::size_t queued_for_socket_ = 0;
    std::deque<std::pair<std::size_t, std::size_t>> waiting_for_socket_;  // (target, address)
    std::size_t next_ = 0;
    std::size_t finished_ = 0;
    std::set<std::string> known_endpoints_;  // host:port of every target in the run
    std::size_t advertised_added_ = 0;
    std::size_t advertised_not_probed_ = 0;
    std::string fatal_error_;
};

}  // namespace

Result<EngineRun> run_probes(const std::vector<Target>& targets, const EngineOptions& options) {
    EngineRun result;
    result.started_at = std::chrono::system_clock::now();
    auto started = std::chrono::steady_clock::now();
    const ProbeSettings& settings = options.settings;

    std::optional<asio::ip::address> bind;
    if (settings.bind) {
        boost::system::error_code ec;
        bind = asio::ip::make_address(*settings.bind, ec);
        if (ec) return Error(fmt::format("--bind: '{}' is not an IP address", *settings.bind));
    }
    // Loading the trust store costs tens of milliseconds; --tcp-only never needs it, nor a run
    // of PLAINTEXT:// targets only (the brokers they advertise are plaintext too).
    std::shared_ptr<TlsContext> tls;
    const bool any_tls =
        std::any_of(targets.begin(), targets.end(), [](const Target& t) { return t.tls; });
    if (!settings.tcp_only && any_tls) {
        auto created = TlsContext::create(settings.ca_files);
        if (!created) return std::move(created).error();
        tls = std::move(*created);
    }

    asio::io_context io(1);
    {
        ResolverOptions resolver_options;
        resolver_options.servers = settings.dns_servers;
        resolver_options.timeout = settings.timeout;
        resolver_options.hosts_file = settings.hosts_file;
        auto created = Resolver::create(io, resolver_options);
        if (!created) return std::move(created).error();
        Resolver& resolver = **created;
        result.resolvers = resolver.servers();

        const std::size_t limit = descriptor_limit();
        const std::size_t servers = std::max<std::size_t>(1, result.resolvers.size());
        const std::size_t budget = socket_budget(options.max_sockets, limit, servers);
        if (budget == 0) {
            return Error(fmt::format(
                "too few file descriptors: the limit is {} (ulimit -n), {} are open, and a "
                "check needs at least {}; raise it (1024 or more lets many probes run at once)",
                limit, open_descriptors(limit), descriptors_kept(limit, servers) + 1));
        }
        auto run = std::make_shared<Run>(io, targets, options, resolver, tls, bind, limit, budget);
        asio::steady_timer deadline_timer(io);
        bool deadline_passed = false;
        if (settings.deadline) {
            deadline_timer.expires_after(*settings.deadline);
            deadline_timer.async_wait([&](const boost::system::error_code& ec) {
                if (ec) return;
                deadline_passed = true;
                io.stop();
            });
        }
        run->on_all_done = [&] { deadline_timer.cancel(); };
        run->start();
        if (!targets.empty()) io.run();

        if (!run->fatal_error().empty()) return Error(run->fatal_error());
        if (deadline_passed && !run->finished()) run->mark_unfinished(*settings.deadline);
        result.source_addresses.assign(run->source_addresses_.begin(),
                                       run->source_addresses_.end());
        result.advertised_not_probed = run->advertised_not_probed();
        run->report_concurrency(result);
        run->on_all_done = nullptr;
        result.targets = run->take_evidence();
    }
    result.duration_ms = elapsed_ms(started);
    return result;
}

}  // namespace vpcprobe
