// SPDX-License-Identifier: Apache-2.0
// Boxed<T>: an optional value kept on the heap. What std::optional is for evidence that most
// addresses do not have and that is large when present (a path trace, a Kafka conversation,
// an MTU retry): an address without it costs one pointer, not the value's size, which keeps a
// run of thousands of targets small (docs/performance.md, "The lightest probe"). A value type:
// copies are deep, and it reads like std::optional (has_value, *, ->, value, emplace, reset,
// = std::nullopt).
// Like any value: not synchronised; safe to copy and move between threads.
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace vpcprobe {

template <typename T>
class Boxed {
  public:
    Boxed() = default;
    Boxed(std::nullopt_t) {}  // NOLINT: implicit, like std::optional
    Boxed(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT: as optional
    Boxed(const std::optional<T>& value)  // NOLINT: implicit, from the optional it replaces
        : value_(value ? std::make_unique<T>(*value) : nullptr) {}
    Boxed(const Boxed& other)
        : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(const Boxed& other) {
        if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
        return *this;
    }
    Boxed& operator=(Boxed&&) noexcept = default;
    Boxed& operator=(std::nullopt_t) {
        value_.reset();
        return *this;
    }
    ~Boxed() = default;

    bool has_value() const { return value_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return value_.get(); }
    const T* operator->() const { return value_.get(); }
    T& value() {
        if (!value_) throw std::bad_optional_access();
        return *value_;
    }
    const T& value() const {
        if (!value_) throw std::bad_optional_access();
        return *value_;
    }
    template <typename... Args>
    T& emplace(Args&&... args) {
        value_ = std::make_unique<T>(std::forward<Args>(args)...);
        return *value_;
    }
    void reset() { value_.reset(); }

    friend bool operator==(const Boxed& boxed, std::nullopt_t) { return !boxed.has_value(); }

  private:
    std::unique_ptr<T> value_;
};

}  // namespace vpcprobe
