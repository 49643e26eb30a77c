// SPDX-License-Identifier: Apache-2.0
// Owning handles for OpenSSL objects: std::unique_ptr<X509, FreeWith<X509_free>> calls the
// object's own free function, so every early return releases what it holds. Header-only; no state.
#pragma once

#include <memory>

namespace vpcprobe {

template <auto Free>
struct FreeWith {
    template <typename T>
    void operator()(T* pointer) const {
        Free(pointer);
    }
};

}  // namespace vpcprobe
