// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/address_queue.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace vpcprobe {

AddressQueue::AddressQueue(std::size_t budget, Start start)
    : budget_(budget), start_(std::move(start)) {}

void AddressQueue::add(std::size_t target, std::size_t count) {
    for (std::size_t a = 0; a < count; ++a) waiting_.push_back({target, a});
    start_waiting();
    // The queue's tail is this target's: what is left of it waits for a socket another holds.
    queued_for_socket_ += std::min(waiting_.size(), count);
}

void AddressQueue::finish() {
    assert(in_use_ > 0);
    --in_use_;
    start_waiting();
}

Requeued AddressQueue::requeue(AddressRef address) {
    assert(in_use_ > 0);
    --in_use_;
    ++queued_for_socket_;
    waiting_.push_front(address);
    if (in_use_ == 0) return Requeued::nothing_to_wait_for;
    budget_ = in_use_;
    return Requeued::waits_for_a_socket;
}

void AddressQueue::start_waiting() {
    // Popped and counted before start_ runs, so that a start that finishes at once (and so
    // comes back here) sees the queue as it is.
    while (in_use_ < budget_ && !waiting_.empty()) {
        const AddressRef next = waiting_.front();
        waiting_.pop_front();
        ++in_use_;
        peak_in_use_ = std::max(peak_in_use_, in_use_);
        start_(next);
    }
}

}  // namespace vpcprobe
