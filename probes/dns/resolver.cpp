// SPDX-License-Identifier: Apache-2.0
// Resolver: c-ares on the Asio event loop (see resolver.h). The server list, the hosts file and
// what an ares_status means live apart (dns_servers.h, hosts_file.h, error_map_dns.h); this
// file drives c-ares and keeps its queries in order.
//
// Ownership, because c-ares calls back from inside its own functions and Asio handlers can run
// after the Resolver is gone:
//  - Resolver owns Impl through a shared_ptr; every Asio handler and every c-ares query holds a
//    weak_ptr<Impl>, so nothing runs against a destroyed Impl (ares_destroy() in ~Impl fires
//    every pending query callback with ARES_EDESTRUCTION; by then the weak_ptr is expired).
//  - c-ares owns the sockets. Each one is watched through a stream_descriptor that is
//    release()d, never closed, when c-ares says it is done with it (sock state callback 0/0).
//  - Completions are posted and check that the Impl is still alive before calling the user.
#include "probes/dns/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/address.h"
#include "core/text.h"
#include "probes/dns/answer_checks.h"
#include "probes/dns/dns_servers.h"
#include "probes/dns/error_map_dns.h"
#include "probes/dns/hosts_file.h"

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// At most this many names are being asked at once (two queries each); further resolve() calls
// wait in a queue. A burst of hundreds of queries on one UDP socket overflows socket buffers
// (measured: 200 queries at once against a local dnsmasq lost a few per burst), and each loss
// costs a c-ares retry, i.e. a large part of the timeout, saying nothing about the network. The
// per-call timeout still counts from resolve(), so a resolver that never answers fails queued
// calls on time too.
constexpr std::size_t kMaxNamesInFlight = 32;

// Ask for a roomy receive buffer so a burst of answers is not dropped by our own socket.
constexpr int kSocketReceiveBuffer = 1 << 20;

// c-ares tries each server `tries` times, doubling the per-try timeout each round:
// the worst case is servers * per_try * (2^tries - 1). Keep that inside 90% of the caller's
// timeout so c-ares normally reports its own ARES_ETIMEOUT (a raw status worth keeping) just
// before our bound would; retry once when each try still gets a useful time.
constexpr std::chrono::milliseconds kMinUsefulTry{200};

void init_ares_library_once() {
    static const int status = ares_library_init(ARES_LIB_INIT_ALL);
    (void)status;  // only does work on Windows; failures surface as ares_init_options errors
}

// This host's names (probes/dns/answer_checks.h): gethostname() and the FQDN the hosts file
// gives it, read once per resolver.
std::vector<std::string> names_of_this_host(const HostsFile& hosts) {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof(buffer) - 1) != 0) return {};
    const std::string hostname = buffer;
    std::vector<std::string> fqdn_candidates;
    for (const auto& address : hosts.lookup(hostname)) {
        fqdn_candidates.push_back(hosts.name_of(address));
    }
    return own_host_names(hostname, fqdn_candidates);
}

// What opening a UDP socket on this host gives right now: 0 when it opens, else its errno.
int local_udp_socket_errno() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
}

}  // namespace

// --- the implementation ---------------------------------------------------------------------

struct Resolver::Impl : std::enable_shared_from_this<Impl> {
    // One c-ares socket, watched by the event loop. The descriptor never closes the fd.
    struct Watch {
        Watch(asio::io_context& io, ares_socket_t socket) : fd(socket), descriptor(io) {}
        ares_socket_t fd;
        asio::posix::stream_descriptor descriptor;
        bool want_read = false;
        bool want_write = false;
        bool read_pending = false;
        bool write_pending = false;
        bool closed = false;  // c-ares closed it; late handlers must not touch the fd
    };

    // One resolve() call going through DNS.
    struct Lookup {
        Lookup(asio::io_context& io, std::string name, Done on_done, Clock::time_point start)
            : host(std::move(name)), done(std::move(on_done)), started(start), deadline(io) {}
        std::string host;
        Done done;
        Clock::time_point started;
        asio::steady_timer deadline;
        bool finished = false;          // the completion is posted; later answers are ignored
        bool may_ask_over_tcp = false;  // a UDP timeout is asked again over TCP
        int queries_outstanding = 0;    // c-ares queries not yet called back
        bool a_answered = false;
        bool aaaa_answered = false;
        int status_a = ARES_ETIMEOUT;  // until the query calls back
        int status_aaaa = ARES_ETIMEOUT;
        std::vector<std::string> a;
        std::vector<std::string> aaaa;
    };

    // The `arg` of one ares_query: owned by c-ares until its callback, which deletes it.
    struct Query {
        std::weak_ptr<Impl> impl;
        std::shared_ptr<Lookup> lookup;
        int family;
    };

    // One canonical_name() call: the reverse lookup, then the check of the name it gave.
    struct Reverse {
        Reverse(asio::io_context& io, std::string text, CanonicalDone on_done,
                Clock::time_point start, Clock::time_point end)
            : address(std::move(text)),
              done(std::move(on_done)),
              started(start),
              until(end),
              deadline(io) {}
        std::string address;  // canonical text
        CanonicalDone done;
        Clock::time_point started;
        Clock::time_point until;  // bound on both lookups
        asio::steady_timer deadline;
        bool answered = false;  // the PTR query is over (answered, failed or timed out)
        ReverseAnswers answers;
    };

    // The `arg` of one PTR query, like Query.
    struct PtrQuery {
        std::weak_ptr<Impl> impl;
        std::shared_ptr<Reverse> reverse;
    };

    Impl(asio::io_context& context, ResolverOptions resolver_options, HostsFile hosts_table)
        : io(context),
          options(std::move(resolver_options)),
          hosts(std::move(hosts_table)),
          own_names(names_of_this_host(hosts)),
          timer(context) {
        init_ares_library_once();
        if (options.timeout < std::chrono::milliseconds(1)) {
            options.timeout = std::chrono::milliseconds(1);
        }
    }

    ~Impl() {
        destroying = true;
        // Fires every pending query callback with ARES_EDESTRUCTION (they find the weak_ptr
        // expired and only free their argument) and closes the sockets, telling us first.
        if (channel != nullptr) ares_destroy(channel);
        for (auto& [fd, watch] : watches) {  // in case c-ares did not report a close
            watch->closed = true;
            if (watch->descriptor.is_open()) watch->descriptor.release();
        }
    }

    // Starts c-ares on `servers_csv` (dns_servers_csv; "" = the system's resolvers).
    Result<void> init_channel(const std::string& servers_csv) {
        std::size_t server_count = options.servers.size();
        if (server_count == 0) server_count = count_system_servers();

        ares_options ares{};
        const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                         ARES_OPT_SOCK_RCVBUF | ARES_OPT_FLAGS;
        // By default c-ares 1.18 treats a SERVFAIL or REFUSED answer like a dead server: it
        // moves on to the next one (as glibc does), but when none is left it reports
        // ARES_ECONNREFUSED, so a resolver that said SERVFAIL would read "not listening". With
        // one server there is nothing to move on to, so take its answer as it is and keep the
        // distinction. With several, keep the fallback: an application on this host would get
        // the second server's answer, and so should we.
        ares.flags = server_count == 1 ? ARES_FLAG_NOCHECKRESP : 0;
        if (uses_tcp) ares.flags |= ARES_FLAG_USEVC;
        ares.sock_state_cb = &Impl::on_socket_state;
        ares.sock_state_cb_data = this;
        ares.socket_receive_buffer_size = kSocketReceiveBuffer;
        const auto [per_try, tries] = retry_plan(server_count);
        ares.timeout = static_cast<int>(per_try.count());
        ares.tries = tries;
        if (const int status = ares_init_options(&channel, &ares, mask); status != ARES_SUCCESS) {
            channel = nullptr;
            return Error(fmt::format("cannot initialise the DNS resolver (c-ares): {}",
                                     ares_strerror(status)));
        }
        if (!servers_csv.empty()) {
            if (const int status = ares_set_servers_ports_csv(channel, servers_csv.c_str());
                status != ARES_SUCCESS) {
                return Error(fmt::format("cannot use DNS servers \"{}\": {}",
                                         join(options.servers, ","), ares_strerror(status)));
            }
        }
        servers_csv_in_use = servers_csv;
        servers_in_use = read_servers(channel);
        servers_text = servers_in_use.empty() ? "no resolver" : join(servers_in_use, ", ");
        return {};
    }

    // How many servers /etc/resolv.conf gives c-ares, read with a throwaway channel: the retry
    // plan has to be fixed before the real channel exists (c-ares 1.18 cannot change it after).
    static std::size_t count_system_servers() {
        ares_channel probe = nullptr;
        ares_options none{};
        if (ares_init_options(&probe, &none, 0) != ARES_SUCCESS) return 1;
        const std::size_t count = read_servers(probe).size();
        ares_destroy(probe);
        return std::max<std::size_t>(count, 1);
    }

    std::pair<std::chrono::milliseconds, int> retry_plan(std::size_t server_count) const {
        const auto budget = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(1),
                                                                options.timeout * 9 / 10);
        const auto servers = static_cast<long>(std::max<std::size_t>(server_count, 1));
        // Two tries cost 1 + 2 = 3 per-try timeouts per server; one try costs 1.
        auto per_try = budget / (servers * 3);
        if (per_try >= kMinUsefulTry) return {per_try, 2};
        per_try =
            std::max<std::chrono::milliseconds>(std::chrono::milliseconds(1), budget / servers);
        return {per_try, 1};
    }

    static std::vector<std::string> read_servers(ares_channel from) {
        std::vector<std::string> out;
        ares_addr_port_node* list = nullptr;
        if (ares_get_servers_ports(from, &list) != ARES_SUCCESS) return out;
        for (auto* node = list; node != nullptr; node = node->next) {
            char text[INET6_ADDRSTRLEN] = {};
            if (ares_inet_ntop(node->family, &node->addr, text, sizeof(text)) == nullptr) continue;
            // Port 0 means "the channel's default", which is 53 unless we set another.
            out.push_back(format_dns_server(
                DnsServer{node->family, text, node->udp_port != 0 ? node->udp_port : 53}));
        }
        ares_free_data(list);
        return out;
    }

    // --- resolve -----------------------------------------------------------------------------

    void resolve(const std::string& host, Done done) {
        const auto started = Clock::now();
        resolve(host, std::move(done), started, started + options.timeout, !uses_tcp);
    }

    // A lookup that must end by `until` (a canonical name's check shares the bound of its
    // reverse lookup, so it is not asked again over TCP: that would break the bound).
    void resolve(const std::string& host, Done done, Clock::time_point started,
                 Clock::time_point until, bool may_ask_over_tcp = false) {
        DnsEvidence evidence;
        evidence.source = "dns";  // where the answer came from, or would have
        if (host.empty()) {
            evidence.status = StageStatus::failed;
            evidence.cause = Cause::dns_error;
            evidence.detail = "cannot resolve an empty host name";
            return complete(std::move(done), std::move(evidence), started);
        }
        if (auto literal = ip_literal(host)) {
            evidence.status = StageStatus::ok;
            evidence.source = "literal";
            evidence.addresses = {*literal};
            evidence.detail = fmt::format("{} is an IP address; nothing to resolve", host);
            return complete(std::move(done), std::move(evidence), started);
        }
        if (auto addresses = hosts.lookup(host); !addresses.empty()) {
            evidence.status = StageStatus::ok;
            evidence.source = "hosts-file";
            evidence.detail =
                fmt::format("{} is listed in {}: {}", host, hosts.path(), join(addresses, ", "));
            evidence.addresses = std::move(addresses);
            check_answers(evidence, host, origin(), own_names);
            return complete(std::move(done), std::move(evidence), started);
        }

        auto lookup = std::make_shared<Lookup>(io, host, std::move(done), started);
        lookup->may_ask_over_tcp = may_ask_over_tcp;
        lookup->deadline.expires_at(until);
        lookup->deadline.async_wait(
            [weak_impl = weak_from_this(),
             weak_lookup = std::weak_ptr<Lookup>(lookup)](const boost::system::error_code& ec) {
                if (ec) return;  // cancelled: the lookup finished first
                auto self = weak_impl.lock();
                auto expired = weak_lookup.lock();
                if (self && expired && !expired->finished) self->finish(*expired);
            });
        waiting.push_back(std::move(lookup));
        start_waiting_lookups();
    }

    // Who gives this resolver's answers, for check_answers()'s sentences.
    AnswerOrigin origin() const { return AnswerOrigin{servers_text, hosts.path()}; }

    // Posts the user's completion; it runs only if the Resolver still exists by then.
    void complete(Done done, DnsEvidence evidence, Clock::time_point started) {
        evidence.ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        asio::post(io, [weak_impl = weak_from_this(), done = std::move(done),
                        evidence = std::move(evidence)]() mutable {
            if (weak_impl.expired()) return;
            done(std::move(evidence));
        });
    }

    void start_waiting_lookups() {
        while (names_in_flight < kMaxNamesInFlight && !waiting.empty()) {
            auto lookup = std::move(waiting.front());
            waiting.pop_front();
            if (lookup->finished) continue;  // timed out while waiting for its turn
            ++names_in_flight;
            lookup->queries_outstanding = 2;
            send(lookup, AF_INET);
            send(lookup, AF_INET6);
        }
        while (names_in_flight < kMaxNamesInFlight && !waiting_reverse.empty()) {
            auto reverse = std::move(waiting_reverse.front());
            waiting_reverse.pop_front();
            if (reverse->answered) continue;  // timed out while waiting for its turn
            ++names_in_flight;
            send_ptr(reverse);
        }
        reset_timer();
    }

    void send(const std::shared_ptr<Lookup>& lookup, int family) {
        // c-ares may call on_answer before ares_query returns (bad name, no memory); fine,
        // since on_answer only records and posts.
        auto* query = new Query{weak_from_this(), lookup, family};
        ares_query(channel, lookup->host.c_str(), ns_c_in, family == AF_INET ? ns_t_a : ns_t_aaaa,
                   &Impl::on_answer, query);
    }

    static void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* answer,
                          int length) {
        std::unique_ptr<Query> query(static_cast<Query*>(arg));
        auto self = query->impl.lock();
        if (!self || status == ARES_EDESTRUCTION) return;  // the Resolver is being destroyed
        self->record(*query->lookup, query->family, status, answer, length);
    }

    void record(Lookup& lookup, int family, int status, const unsigned char* answer, int length) {
        --lookup.queries_outstanding;
        if (!lookup.finished) {
            std::vector<std::string> addresses;
            if (status == ARES_SUCCESS) status = parse_addresses(family, answer, length, addresses);
            if (family == AF_INET) {
                lookup.a_answered = true;
                lookup.status_a = status;
                lookup.a = std::move(addresses);
            } else {
                lookup.aaaa_answered = true;
                lookup.status_aaaa = status;
                lookup.aaaa = std::move(addresses);
            }
            if (lookup.a_answered && lookup.aaaa_answered) finish(lookup);
        }
        if (lookup.queries_outstanding == 0) {
            --names_in_flight;
            schedule_waiting_lookups();
        }
    }

    // The status that decides the family's outcome: the parse status when the query itself
    // succeeded, and ARES_ENODATA for a NOERROR answer without an address (e.g. only a CNAME).
    static int parse_addresses(int family, const unsigned char* answer, int length,
                               std::vector<std::string>& out) {
        hostent* host = nullptr;
        const int status = family == AF_INET
                               ? ares_parse_a_reply(answer, length, &host, nullptr, nullptr)
                               : ares_parse_aaaa_reply(answer, length, &host, nullptr, nullptr);
        if (status == ARES_SUCCESS && host != nullptr) {
            for (char** address = host->h_addr_list; address != nullptr && *address != nullptr;
                 ++address) {
                char text[INET6_ADDRSTRLEN] = {};
                if (inet_ntop(family, *address, text, sizeof(text)) != nullptr) {
                    out.emplace_back(text);
                }
            }
        }
        if (host != nullptr) ares_free_hostent(host);
        if (status == ARES_SUCCESS && out.empty()) return ARES_ENODATA;
        return status;
    }

    // Both families answered, or the deadline passed (unanswered families stay ARES_ETIMEOUT).
    void finish(Lookup& lookup) {
        lookup.finished = true;
        lookup.deadline.cancel();
        DnsAnswers answers;
        answers.host = lookup.host;
        answers.status_a = lookup.status_a;
        answers.status_aaaa = lookup.status_aaaa;
        answers.addresses = std::move(lookup.a);
        answers.addresses.insert(answers.addresses.end(), lookup.aaaa.begin(), lookup.aaaa.end());
        answers.servers = servers_text;
        answers.timeout = options.timeout;
        DnsVerdict verdict = dns_verdict(answers);
        if (verdict.cause == Cause::dns_refused) {
            verdict =
                with_local_socket_state(std::move(verdict), answers, local_udp_socket_errno());
        }
        if (verdict.cause == Cause::dns_timeout && lookup.may_ask_over_tcp) {
            if (Impl* tcp = tcp_resolver()) {
                return ask_over_tcp(*tcp, lookup, std::move(answers), std::move(verdict));
            }
        }
        complete(std::move(lookup.done), evidence_of(std::move(answers), std::move(verdict)),
                 lookup.started);
    }

    DnsEvidence evidence_of(DnsAnswers answers, DnsVerdict verdict) const {
        DnsEvidence evidence;
        evidence.source = "dns";
        evidence.ares_status_a = answers.status_a;
        evidence.ares_status_aaaa = answers.status_aaaa;
        evidence.cause = verdict.cause;
        evidence.status = evidence.cause == Cause::none ? StageStatus::ok : StageStatus::failed;
        evidence.detail = std::move(verdict.detail);
        evidence.addresses = std::move(answers.addresses);
        check_answers(evidence, answers.host, origin(), own_names);
        return evidence;
    }

    // --- asking again over TCP -------------------------------------------------------------

    // A second resolver on the same servers with c-ares in TCP mode (ARES_FLAG_USEVC), made
    // the first time a lookup needs it; nullptr when c-ares cannot start one (the UDP
    // verdict then stands alone).
    Impl* tcp_resolver() {
        if (!tcp_twin && !tcp_unavailable) {
            auto made = std::make_shared<Impl>(io, options, hosts);
            made->uses_tcp = true;
            if (made->init_channel(servers_csv_in_use)) {
                tcp_twin = std::move(made);
            } else {
                tcp_unavailable = true;
            }
        }
        return tcp_twin.get();
    }

    // The lookup got no answer at all over UDP: ask once more over TCP, bounded by the same
    // timeout (so a resolve() costs at most twice it), to tell a resolver UDP cannot reach
    // apart from one nothing reaches. The verdict stays the UDP one (error_map_dns.h).
    void ask_over_tcp(Impl& tcp, Lookup& lookup, DnsAnswers udp_answers, DnsVerdict udp_verdict) {
        const auto now = Clock::now();
        tcp.resolve(
            lookup.host,
            [weak_impl = weak_from_this(), done = std::move(lookup.done), started = lookup.started,
             udp_answers = std::move(udp_answers),
             udp_verdict = std::move(udp_verdict)](DnsEvidence over_tcp) mutable {
                auto self = weak_impl.lock();
                if (!self) return;
                DnsTcpFallback fallback = fallback_of(std::move(over_tcp));
                DnsVerdict verdict =
                    with_tcp_fallback(std::move(udp_verdict), udp_answers, fallback);
                DnsEvidence evidence =
                    self->evidence_of(std::move(udp_answers), std::move(verdict));
                evidence.tcp_fallback = std::move(fallback);
                self->complete(std::move(done), std::move(evidence), started);
            },
            now, now + options.timeout);
    }

    static DnsTcpFallback fallback_of(DnsEvidence over_tcp) {
        DnsTcpFallback fallback;
        fallback.answered = resolver_answered(over_tcp.ares_status_a, over_tcp.ares_status_aaaa);
        fallback.cause = over_tcp.cause;
        fallback.ares_status_a = over_tcp.ares_status_a;
        fallback.ares_status_aaaa = over_tcp.ares_status_aaaa;
        fallback.addresses = std::move(over_tcp.addresses);
        fallback.ms = over_tcp.ms;
        return fallback;
    }

    // New queries are started from the event loop, not from inside a c-ares callback.
    void schedule_waiting_lookups() {
        if ((waiting.empty() && waiting_reverse.empty()) || start_posted) return;
        start_posted = true;
        asio::post(io, [weak_impl = weak_from_this()] {
            if (auto self = weak_impl.lock()) {
                self->start_posted = false;
                self->start_waiting_lookups();
            }
        });
    }

    // --- canonical names ---------------------------------------------------------------------

    void canonical_name(const std::string& text, CanonicalDone done) {
        const auto started = Clock::now();
        std::optional<std::string> address = canonical_address(AF_INET, text);
        if (!address) address = canonical_address(AF_INET6, text);
        auto reverse = std::make_shared<Reverse>(io, address.value_or(text), std::move(done),
                                                 started, started + options.timeout);
        ReverseAnswers& answers = reverse->answers;
        answers.address = reverse->address;
        answers.servers = servers_text;
        answers.timeout = options.timeout;
        answers.hosts_path = hosts.path();
        answers.status_ptr = ARES_ETIMEOUT;  // until the query calls back
        if (!address) {
            answers.source = "dns";
            answers.status_ptr = ARES_EBADNAME;
            return finish_reverse(reverse);
        }
        // As the C library's "files" source: an address the hosts file lists is not asked of
        // DNS.
        if (std::string name = hosts.name_of(*address); !name.empty()) {
            answers.source = "hosts-file";
            answers.status_ptr = ARES_SUCCESS;
            answers.reverse_name = std::move(name);
            return check_reverse_name(reverse);
        }
        answers.source = "dns";
        reverse->deadline.expires_at(reverse->until);
        reverse->deadline.async_wait(
            [weak_impl = weak_from_this(),
             weak_reverse = std::weak_ptr<Reverse>(reverse)](const boost::system::error_code& ec) {
                if (ec) return;  // cancelled: the PTR query ended first
                auto self = weak_impl.lock();
                auto expired = weak_reverse.lock();
                if (self && expired && !expired->answered)
                    self->end_ptr(expired, ARES_ETIMEOUT, "");
            });
        waiting_reverse.push_back(std::move(reverse));
        start_waiting_lookups();
    }

    // ares_query for the PTR record rather than ares_gethostbyaddr: in c-ares 1.18 that one
    // reports every DNS failure (NXDOMAIN, SERVFAIL, a timeout) as ARES_ENOTFOUND and reads
    // /etc/hosts, not --hosts-file.
    void send_ptr(const std::shared_ptr<Reverse>& reverse) {
        auto* query = new PtrQuery{weak_from_this(), reverse};
        ares_query(channel, ptr_name(reverse->address).c_str(), ns_c_in, ns_t_ptr,
                   &Impl::on_ptr_answer, query);
    }

    // "5.0.0.10.in-addr.arpa", or the 32 nibbles of an IPv6 address under ip6.arpa.
    static std::string ptr_name(const std::string& address) {
        unsigned char bytes[16] = {};
        if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
            return fmt::format("{}.{}.{}.{}.in-addr.arpa", bytes[3], bytes[2], bytes[1], bytes[0]);
        }
        inet_pton(AF_INET6, address.c_str(), bytes);
        std::string name;
        for (int i = 15; i >= 0; --i) {
            name += fmt::format("{:x}.{:x}.", bytes[i] & 0xf, bytes[i] >> 4);
        }
        return name + "ip6.arpa";
    }

    static void on_ptr_answer(void* arg, int status, int /*timeouts*/, unsigned char* answer,
                              int length) {
        std::unique_ptr<PtrQuery> query(static_cast<PtrQuery*>(arg));
        auto self = query->impl.lock();
        if (!self || status == ARES_EDESTRUCTION) return;  // the Resolver is being destroyed
        --self->names_in_flight;
        self->schedule_waiting_lookups();
        std::string name;
        if (status == ARES_SUCCESS)
            status = parse_ptr(query->reverse->address, answer, length, name);
        if (!query->reverse->answered) self->end_ptr(query->reverse, status, std::move(name));
    }

    // The first name of a PTR answer; ARES_ENODATA for a NOERROR answer without one.
    static int parse_ptr(const std::string& address, const unsigned char* answer, int length,
                         std::string& name) {
        unsigned char bytes[16] = {};
        const int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
        inet_pton(family, address.c_str(), bytes);
        hostent* host = nullptr;
        const int status =
            ares_parse_ptr_reply(answer, length, bytes, family == AF_INET ? 4 : 16, family, &host);
        if (status == ARES_SUCCESS && host != nullptr && host->h_name != nullptr) {
            name = host->h_name;
        }
        if (host != nullptr) ares_free_hostent(host);
        if (status == ARES_SUCCESS && name.empty()) return ARES_ENODATA;
        return status;
    }

    void end_ptr(const std::shared_ptr<Reverse>& reverse, int status, std::string name) {
        reverse->answered = true;
        reverse->deadline.cancel();
        reverse->answers.status_ptr = status;
        reverse->answers.reverse_name = std::move(name);
        if (reverse->answers.reverse_name.empty()) return finish_reverse(reverse);
        check_reverse_name(reverse);
    }

    // Java keeps a reverse name only when its lookup leads back to the address.
    void check_reverse_name(const std::shared_ptr<Reverse>& reverse) {
        reverse->answered = true;
        resolve(
            reverse->answers.reverse_name,
            [weak_impl = weak_from_this(), reverse](DnsEvidence forward) {
                auto self = weak_impl.lock();
                if (!self) return;
                reverse->answers.forward = std::move(forward);
                self->finish_reverse(reverse);
            },
            Clock::now(), reverse->until);
    }

    // Posts the user's completion, as complete() does.
    void finish_reverse(const std::shared_ptr<Reverse>& reverse) {
        CanonicalName canonical = canonical_verdict(reverse->answers);
        canonical.ms =
            std::chrono::duration<double, std::milli>(Clock::now() - reverse->started).count();
        asio::post(io, [weak_impl = weak_from_this(), done = std::move(reverse->done),
                        canonical = std::move(canonical)]() mutable {
            if (weak_impl.expired()) return;
            done(std::move(canonical));
        });
    }

    // --- sockets -----------------------------------------------------------------------------

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
        static_cast<Impl*>(data)->socket_state(fd, readable != 0, writable != 0);
    }

    void socket_state(ares_socket_t fd, bool readable, bool writable) {
        auto found = watches.find(fd);
        if (!readable && !writable) {  // c-ares is about to close it
            if (found == watches.end()) return;
            found->second->closed = true;
            // release(), not close(): the fd is c-ares's. Pending waits end with
            // operation_aborted and find the watch closed.
            if (found->second->descriptor.is_open()) found->second->descriptor.release();
            watches.erase(found);
            return;
        }
        if (destroying) return;
        if (found == watches.end()) {
            auto watch = std::make_shared<Watch>(io, fd);
            boost::system::error_code ec;
            watch->descriptor.assign(fd, ec);
            // If the reactor cannot take the fd, its queries still end through the timer.
            if (ec) watch->closed = true;
            found = watches.emplace(fd, std::move(watch)).first;
        }
        found->second->want_read = readable;
        found->second->want_write = writable;
        arm(found->second);
    }

    void arm(const std::shared_ptr<Watch>& watch) {
        if (watch->closed) return;
        if (watch->want_read && !watch->read_pending) {
            watch->read_pending = true;
            watch->descriptor.async_wait(
                asio::posix::stream_descriptor::wait_read,
                [weak_impl = weak_from_this(),
                 weak_watch = std::weak_ptr<Watch>(watch)](const boost::system::error_code& ec) {
                    on_ready(weak_impl, weak_watch, ec, true);
                });
        }
        if (watch->want_write && !watch->write_pending) {
            watch->write_pending = true;
            watch->descriptor.async_wait(
                asio::posix::stream_descriptor::wait_write,
                [weak_impl = weak_from_this(),
                 weak_watch = std::weak_ptr<Watch>(watch)](const boost::system::error_code& ec) {
                    on_ready(weak_impl, weak_watch, ec, false);
                });
        }
    }

    static void on_ready(const std::weak_ptr<Impl>& weak_impl,
                         const std::weak_ptr<Watch>& weak_watch,
                         const boost::system::error_code& ec, bool for_read) {
        auto self = weak_impl.lock();
        auto watch = weak_watch.lock();  // kept alive here even if c-ares closes it meanwhile
        if (!self || !watch) return;
        (for_read ? watch->read_pending : watch->write_pending) = false;
        if (ec == asio::error::operation_aborted || watch->closed) return;

        const ares_socket_t fd = watch->fd;
        if (for_read) {
            ares_process_fd(self->channel, fd, ARES_SOCKET_BAD);
            // Asio's epoll reactor is edge-triggered and async_wait is not speculative: data
            // left unread now would never wake us. c-ares drains UDP sockets but reads a TCP
            // stream one piece at a time, so keep going while bytes are waiting (bounded).
            for (int round = 0; round < 64 && !watch->closed; ++round) {
                int waiting_bytes = 0;
                if (ioctl(fd, FIONREAD, &waiting_bytes) != 0 || waiting_bytes <= 0) break;
                ares_process_fd(self->channel, fd, ARES_SOCKET_BAD);
            }
        } else {
            ares_process_fd(self->channel, ARES_SOCKET_BAD, fd);
        }
        // An error other than cancellation means the reactor gave up on this fd: waiting again
        // would spin. c-ares's timeouts (driven by the timer) still end its queries.
        if (!ec) self->arm(watch);
        self->reset_timer();
    }

    // --- the one timer -------------------------------------------------------------------------

    // Sets the timer to c-ares's next deadline. Waking early is harmless (ares_process_fd
    // with no fds only handles what is due), so an armed timer is only moved earlier, never
    // re-armed for a later deadline: thousands of queries do not churn the timer queue.
    void reset_timer() {
        if (channel == nullptr) return;
        timeval room{};
        const timeval* next = ares_timeout(channel, nullptr, &room);
        if (next == nullptr) {
            // Nothing pending: disarm, or the idle timer would keep the run's io_context busy
            // until c-ares's per-try timeout (a third of --timeout) for nothing.
            if (timer_armed) {
                timer_armed = false;
                timer.cancel();
            }
            return;
        }
        const auto expiry = Clock::now() + std::chrono::seconds(next->tv_sec) +
                            std::chrono::microseconds(next->tv_usec);
        if (timer_armed && timer_expiry <= expiry) return;
        timer_armed = true;
        timer_expiry = expiry;
        timer.expires_at(expiry);
        timer.async_wait([weak_impl = weak_from_this()](const boost::system::error_code& ec) {
            if (ec == asio::error::operation_aborted) return;  // moved earlier meanwhile
            auto self = weak_impl.lock();
            if (!self) return;
            self->timer_armed = false;
            ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            self->reset_timer();
        });
    }

    asio::io_context& io;
    ResolverOptions options;
    ares_channel channel = nullptr;
    std::vector<std::string> servers_in_use;
    std::string servers_text;
    std::string servers_csv_in_use;  // as init_channel() took it, for the TCP resolver
    HostsFile hosts;
    bool uses_tcp = false;           // this is the TCP resolver: never asks again
    std::shared_ptr<Impl> tcp_twin;  // made by tcp_resolver() when first needed
    bool tcp_unavailable = false;
    std::vector<std::string> own_names;  // this host's names, which may answer loopback

    asio::steady_timer timer;
    bool timer_armed = false;
    Clock::time_point timer_expiry{};

    std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches;
    std::deque<std::shared_ptr<Lookup>> waiting;           // resolve() calls waiting for a slot
    std::deque<std::shared_ptr<Reverse>> waiting_reverse;  // PTR queries waiting for one
    std::size_t names_in_flight = 0;
    bool start_posted = false;
    bool destroying = false;
};

Result<std::unique_ptr<Resolver>> Resolver::create(boost::asio::io_context& io,
                                                   ResolverOptions options) {
    HostsFile hosts;
    if (!options.hosts_file.empty()) {
        auto loaded = HostsFile::load(options.hosts_file);
        if (!loaded) return std::move(loaded).error();
        hosts = std::move(*loaded);
    }
    auto servers_csv = dns_servers_csv(options.servers);
    if (!servers_csv) return std::move(servers_csv).error();
    auto impl = std::make_shared<Impl>(io, std::move(options), std::move(hosts));
    if (auto started = impl->init_channel(*servers_csv); !started) {
        return std::move(started).error();
    }
    return std::unique_ptr<Resolver>(new Resolver(std::move(impl)));
}

Resolver::~Resolver() = default;

std::vector<std::string> Resolver::servers() const {
    return impl_->servers_in_use;
}

void Resolver::resolve(const std::string& host, Done done) {
    impl_->resolve(host, std::move(done));
}

void Resolver::canonical_name(const std::string& address, CanonicalDone done) {
    impl_->canonical_name(address, std::move(done));
}

}  // namespace vpcprobe
