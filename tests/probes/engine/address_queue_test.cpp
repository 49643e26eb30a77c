// SPDX-License-Identifier: Apache-2.0
// The queue of addresses waiting for a socket: the budget bounds what is in flight, waiting
// addresses start in order as sockets free, and EMFILE puts the address back at the head with
// the budget shrunk to what is open, or reports that nothing is open to wait for.
#include <vector>

#include <catch2/catch.hpp>

#include "probes/engine/address_queue.h"

using vpcprobe::AddressQueue;
using vpcprobe::AddressRef;
using vpcprobe::Requeued;

namespace {

// A queue that records every address it starts.
struct RecordingQueue {
    explicit RecordingQueue(std::size_t budget)
        : queue(budget, [this](AddressRef address) { started.push_back(address); }) {}
    std::vector<AddressRef> started;
    AddressQueue queue;
};

}  // namespace

TEST_CASE("addresses within the budget start at once and wait for nothing", "[engine][queue]") {
    RecordingQueue q(4);
    q.queue.add(0, 3);
    CHECK(q.started == std::vector<AddressRef>{{0, 0}, {0, 1}, {0, 2}});
    CHECK(q.queue.in_use() == 3);
    CHECK(q.queue.waiting() == 0);
    CHECK(q.queue.queued_for_socket() == 0);
    CHECK(q.queue.peak_in_use() == 3);
}

TEST_CASE("beyond the budget addresses wait, in order, for a socket to be finished",
          "[engine][queue]") {
    RecordingQueue q(2);
    q.queue.add(0, 3);
    CHECK(q.started == std::vector<AddressRef>{{0, 0}, {0, 1}});
    CHECK(q.queue.waiting() == 1);
    CHECK(q.queue.queued_for_socket() == 1);

    q.queue.add(1, 2);  // behind target 0's address, all waiting
    CHECK(q.started.size() == 2);
    CHECK(q.queue.queued_for_socket() == 3);

    q.queue.finish();
    CHECK(q.started.back() == AddressRef{0, 2});
    q.queue.finish();
    CHECK(q.started.back() == AddressRef{1, 0});
    q.queue.finish();
    CHECK(q.started.back() == AddressRef{1, 1});
    CHECK(q.queue.in_use() == 2);
    q.queue.finish();
    q.queue.finish();
    CHECK(q.queue.in_use() == 0);
    CHECK(q.started.size() == 5);
    CHECK(q.queue.peak_in_use() == 2);
    CHECK(q.queue.budget() == 2);
}

TEST_CASE("EMFILE puts the address back at the head and shrinks the budget to what is open",
          "[engine][queue]") {
    RecordingQueue q(3);
    q.queue.add(0, 4);
    REQUIRE(q.queue.in_use() == 3);
    REQUIRE(q.queue.waiting() == 1);  // (0, 3)
    REQUIRE(q.queue.queued_for_socket() == 1);

    CHECK(q.queue.requeue({0, 1}) == Requeued::waits_for_a_socket);
    CHECK(q.queue.budget() == 2);
    CHECK(q.queue.in_use() == 2);
    CHECK(q.queue.waiting() == 2);
    CHECK(q.queue.queued_for_socket() == 2);
    CHECK(q.started.size() == 3);  // nothing starts until a socket is finished

    q.queue.add(1, 1);  // waits behind both
    CHECK(q.started.size() == 3);
    CHECK(q.queue.queued_for_socket() == 3);

    q.queue.finish();
    CHECK(q.started.back() == AddressRef{0, 1});  // the requeued one first, ahead of (0, 3)
    CHECK(q.queue.in_use() == 2);                 // the shrunk budget holds
    q.queue.finish();
    CHECK(q.started.back() == AddressRef{0, 3});
    q.queue.finish();
    CHECK(q.started.back() == AddressRef{1, 0});
    CHECK(q.started.size() == 6);
    CHECK(q.queue.in_use() == 2);
    CHECK(q.queue.peak_in_use() == 3);
}

TEST_CASE("EMFILE with no other socket open leaves nothing to wait for", "[engine][queue]") {
    RecordingQueue q(4);
    q.queue.add(0, 1);
    CHECK(q.queue.requeue({0, 0}) == Requeued::nothing_to_wait_for);
    CHECK(q.queue.in_use() == 0);
    CHECK(q.queue.waiting() == 1);
    CHECK(q.queue.budget() == 4);
    CHECK(q.queue.queued_for_socket() == 1);
}

TEST_CASE("an address that finishes inside start lets the next one start", "[engine][queue]") {
    std::vector<AddressRef> started;
    AddressQueue* queue_ptr = nullptr;
    AddressQueue queue(1, [&](AddressRef address) {
        started.push_back(address);
        if (address == AddressRef{0, 0}) queue_ptr->finish();  // e.g. not an IP address
    });
    queue_ptr = &queue;
    queue.add(0, 3);
    CHECK(started == std::vector<AddressRef>{{0, 0}, {0, 1}});
    CHECK(queue.in_use() == 1);
    CHECK(queue.waiting() == 1);
    CHECK(queue.queued_for_socket() == 1);
    CHECK(queue.peak_in_use() == 1);
}
