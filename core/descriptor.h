// SPDX-License-Identifier: Apache-2.0
// A file descriptor of our own, closed with its owner on every path out (sockets opened for a
// moment with the C API, lock files). Not for descriptors another owner closes (Asio's, c-ares').
//
// Threading: a value owned by one thread at a time.
#pragma once

#include <unistd.h>

namespace vpcprobe {

class Descriptor {
  public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace vpcprobe
