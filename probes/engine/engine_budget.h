// SPDX-License-Identifier: Apache-2.0
// The probe engine's socket budget: how many sockets its probes may hold at once under the
// process's descriptor limit (RLIMIT_NOFILE), so that running out of descriptors is never
// mistaken for a network failure; and the test that tells a connect this host could not make
// (out of descriptors) from one the network refused.
//
// Threading: everything but current_descriptor_use() is a pure function; that one only reads
// the process's state. All are safe from any thread (the count of open descriptors is a
// snapshot that another thread may change at once).
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "core/evidence.h"
#include "core/result.h"

namespace vpcprobe {

// Descriptors kept back from the budget under a large limit: stdio, the event loop's own,
// c-ares's sockets, the files OpenSSL opens to look an issuer up, and `serve`'s HTTP
// connections (agent/serve.cpp keeps at most 32).
inline constexpr std::size_t reserved_descriptors = 64;

// The budget when the process has no descriptor limit (or it cannot be read).
inline constexpr std::size_t unlimited_socket_budget = 4096;

// The process's descriptors as the budget sees them.
struct DescriptorUse {
    std::size_t soft_limit = 0;  // soft RLIMIT_NOFILE; 0 = unlimited or unknown
    std::size_t open = 0;        // descriptors open below soft_limit (see current_descriptor_use)
};

// The soft limit now and, only under a small limit (2 * reserved_descriptors or less, the only
// case socket_budget() looks at it), the descriptors open: counting them costs one fcntl per
// possible descriptor. `open` is 0 otherwise.
DescriptorUse current_descriptor_use();

// What a run keeps back besides its probe sockets under a small limit, where a fixed reserve
// would leave nothing: what is open already, a UDP and a TCP socket per DNS server, two files.
std::size_t descriptors_kept(std::size_t open, std::size_t dns_servers);

// Sockets the probes may hold at once: `configured` when it is not 0; else 4096 without a
// limit; else the limit less reserved_descriptors; below 2 * reserved_descriptors the limit less
// half of it (room for serve's connections, which the engine does not see), and never less than
// descriptors_kept(). 0 = not even one probe socket fits.
std::size_t socket_budget(std::size_t configured, const DescriptorUse& use,
                          std::size_t dns_servers);

// The setup error when socket_budget() is 0: the limit, what is open, what a check needs.
Error too_few_descriptors(const DescriptorUse& use, std::size_t dns_servers);

// The error that stops a run when the kernel refused a socket for lack of descriptors
// (`detail`: the TCP stage's) while the run held none of its own, so none would ever free.
Error out_of_descriptors_with_none_open(std::size_t soft_limit, std::string_view detail);

// True when the connect failed because this host ran out of descriptors (EMFILE, ENFILE):
// never a finding about the network.
bool out_of_descriptors(const TcpEvidence& tcp);

// The same for an error setting up the run's event loop or resolver (EMFILE, ENFILE).
bool out_of_descriptors(const boost::system::error_code& error);

}  // namespace vpcprobe
