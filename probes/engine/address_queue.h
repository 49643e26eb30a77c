// SPDX-License-Identifier: Apache-2.0
// The probe engine's queue of addresses waiting for a socket. Each address in flight holds one
// socket; beyond the socket budget (probes/engine/engine_budget.h) addresses wait their turn
// instead of failing with EMFILE. The budget is an estimate (another thread, such as serve's HTTP
// side, holds descriptors too): when the kernel says EMFILE anyway, the address goes back to the
// head of the queue and the budget shrinks to the sockets open now, so it starts again when one of
// them closes. With none open nothing would ever free one, and requeue() says so.
//
// Only bookkeeping: the `start` function given to the constructor opens the socket.
// Threading: one thread (the engine's event loop). `start` may call finish() or requeue() from
// inside (a probe that fails at once): the queue is re-entrant on that thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>

namespace vpcprobe {

// One address of one target of the run: evidence index, then address index in that target.
struct AddressRef {
    std::size_t target = 0;
    std::size_t address = 0;
    friend bool operator==(const AddressRef&, const AddressRef&) = default;
};

// What requeue() left behind.
enum class Requeued {
    waits_for_a_socket,   // it starts again when one of the sockets open now is finished
    nothing_to_wait_for,  // no socket is open: the run cannot go on
};

class AddressQueue {
  public:
    using Start = std::function<void(AddressRef)>;

    // `budget`: sockets open at once (more than 0). `start` is called for each address that
    // takes a socket, in queue order.
    AddressQueue(std::size_t budget, Start start);

    // A target's `count` addresses join the back of the queue, and as many as the budget allows
    // start. Those of them still waiting afterwards count in queued_for_socket().
    void add(std::size_t target, std::size_t count);

    // An address in flight is done with its socket: the next one waiting starts.
    void finish();

    // The kernel refused `address` a socket (out of descriptors): it gives its socket back,
    // goes back to the head of the queue, and the budget shrinks to the sockets still open.
    // With none open the budget is left alone and nothing_to_wait_for is returned.
    [[nodiscard]] Requeued requeue(AddressRef address);

    std::size_t budget() const { return budget_; }
    std::size_t in_use() const { return in_use_; }
    std::size_t waiting() const { return waiting_.size(); }
    // The most sockets held at once.
    std::size_t peak_in_use() const { return peak_in_use_; }
    // Addresses that had to wait because the budget was in use: once per address that did not
    // start when its target resolved, and once per requeue.
    std::size_t queued_for_socket() const { return queued_for_socket_; }

  private:
    void start_waiting();

    std::size_t budget_;
    Start start_;
    std::deque<AddressRef> waiting_;
    std::size_t in_use_ = 0;
    std::size_t peak_in_use_ = 0;
    std::size_t queued_for_socket_ = 0;
};

}  // namespace vpcprobe
