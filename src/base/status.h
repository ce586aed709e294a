// Status and Result<T>: how every fallible operation in sluice reports failure.
//
// An error carries a Code, a human message that names the offending field and the fix,
// and an Action derived from the code in exactly one place (ActionFor): the pipeline decides
// to retry, stop for an operator, or abort by switching on that action, never on message text.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace sluice::base {

enum class Code : int {
  kOk = 0,
  kInvalidArgument,     // bad configuration or input; fix the input
  kNotFound,            // a named object does not exist
  kFailedPrecondition,  // the environment is wrong (binlog_format, privileges, purged binlog)
  kUnavailable,         // transient: network, broker or database down
  kDeadlineExceeded,    // transient: a timeout
  kAborted,             // transient: a conflict, retry the unit of work
  kResourceExhausted,   // too large / out of quota
  kDataLoss,            // corrupt or unrecoverable data (bad checksum, malformed event)
  kInternal,            // a bug
  kCancelled,           // shut down on request
  kUnimplemented,       // a feature or type we do not support yet
};

// What the caller should do about an error.
enum class Action { kNone, kRetry, kStop, kFatal };

constexpr Action ActionFor(Code code) {
  switch (code) {
    case Code::kOk:
      return Action::kNone;
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
    case Code::kAborted:
      return Action::kRetry;
    case Code::kDataLoss:
    case Code::kInternal:
      return Action::kFatal;
    default:
      return Action::kStop;
  }
}

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  Action action() const { return ActionFor(code_); }
  const std::string& message() const { return message_; }

  // "<message>" for display; CodeName(code()) is available for logs and the API.
  std::string ToString() const;

  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Factories. Each takes a fmt format string so messages are checked at compile time.
#define SLUICE_STATUS_FACTORY(Name, CodeValue)                                 \
  template <typename... Args>                                                  \
  inline Status Name(fmt::format_string<Args...> f, Args&&... args) {          \
    return Status(Code::CodeValue, fmt::format(f, std::forward<Args>(args)...)); \
  }
SLUICE_STATUS_FACTORY(InvalidArgument, kInvalidArgument)
SLUICE_STATUS_FACTORY(NotFound, kNotFound)
SLUICE_STATUS_FACTORY(FailedPrecondition, kFailedPrecondition)
SLUICE_STATUS_FACTORY(Unavailable, kUnavailable)
SLUICE_STATUS_FACTORY(DeadlineExceeded, kDeadlineExceeded)
SLUICE_STATUS_FACTORY(Aborted, kAborted)
SLUICE_STATUS_FACTORY(ResourceExhausted, kResourceExhausted)
SLUICE_STATUS_FACTORY(DataLoss, kDataLoss)
SLUICE_STATUS_FACTORY(Internal, kInternal)
SLUICE_STATUS_FACTORY(Cancelled, kCancelled)
SLUICE_STATUS_FACTORY(Unimplemented, kUnimplemented)
#undef SLUICE_STATUS_FACTORY

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sluice::base

// Propagate a non-OK Status from an expression returning Status.
#define SLUICE_RETURN_IF_ERROR(expr)               \
  do {                                             \
    ::sluice::base::Status _st = (expr);           \
    if (!_st.ok()) return _st;                     \
  } while (0)

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)
// SLUICE_ASSIGN_OR_RETURN(auto x, ExprReturningResult());
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(_res_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
