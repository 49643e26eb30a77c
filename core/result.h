// SPDX-License-Identifier: Apache-2.0
// Result<T> and Error: the one way a function at a module edge says it could not do its job.
// An Error is one line for people that names what is at fault (the flag, the config key with
// its file and line, the file, the variable), never a secret; a Result<T> holds either the
// value or that Error. Failures of the environment (a missing file, a bad flag) are Results;
// broken invariants are asserts; exceptions never cross a module edge.
//
// Callers add what they know on the way up with Error::context(): a config loader says
// "FILE:3:1: timeout: ", the command line says "--timeout: ", and the innermost function only
// says what is wrong with the value. So no caller ever has to strip a prefix off a message.
//
// Plain values: copy or move freely, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace vpcprobe {

class Error {
  public:
    explicit Error(std::string message) : message_(std::move(message)) {}

    const std::string& message() const { return message_; }

    // The same error with `where` in front: Error("no such file").context("--rules x.json")
    // says "--rules x.json: no such file". An empty `where` adds nothing.
    Error context(std::string_view where) const& {
        return where.empty() ? *this : Error(std::string(where) + ": " + message_);
    }
    Error context(std::string_view where) && {
        if (!where.empty()) message_ = std::string(where) + ": " + message_;
        return std::move(*this);
    }

    friend bool operator==(const Error&, const Error&) = default;

  private:
    std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
    static_assert(!std::is_same_v<std::decay_t<T>, Error>, "a Result of an Error is an Error");

  public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Only when ok(): asking a failed Result for its value is a bug, and std::get says so.
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // Only when !ok().
    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

    // The same Result, its Error (if any) with `where` in front (Error::context).
    Result context(std::string_view where) && {
        if (!ok()) state_.template emplace<1>(std::get<1>(std::move(state_)).context(where));
        return std::move(*this);
    }

  private:
    std::variant<T, Error> state_;
};

// A Result with nothing to hand back: success, or the Error.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;                                // success
    Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit, like Result<T>

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }

    const Error& error() const& { return *error_; }
    Error&& error() && { return std::move(*error_); }

    Result context(std::string_view where) && {
        if (error_) error_ = std::move(*error_).context(where);
        return std::move(*this);
    }

  private:
    std::optional<Error> error_;
};

}  // namespace vpcprobe
