// Status and Result<T>: how every OpenArts subsystem reports failure.
//
// The codes are a closed set chosen by what the caller does next; api/ maps them to HTTP once.
// A message a user may see names the field at fault and how to fix it.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace openarts {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller sent something wrong; fix the input
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // create of something that exists
  kFailedPrecondition,  // the system is not in a state that allows this now
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // who are you? (missing/expired/bad credentials)
  kResourceExhausted,   // a size or count limit was hit
  kUnavailable,         // transient; retry may succeed
  kDeadlineExceeded,    // took too long
  kCancelled,           // the operation was cancelled by request
  kInternal,            // a bug or a broken environment
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: bucket 'x' does not exist"
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(implicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(implicit)
    if (std::get<Status>(v_).ok()) std::abort();  // an OK Status carries no value
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T value_or(T other) const& { return ok() ? value() : std::move(other); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace openarts

#define OA_CONCAT_INNER(a, b) a##b
#define OA_CONCAT(a, b) OA_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not OK.
#define OA_TRY(expr)                                   \
  do {                                                 \
    ::openarts::Status oa_try_status_ = (expr);        \
    if (!oa_try_status_.ok()) return oa_try_status_;   \
  } while (0)

#define OA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// OA_ASSIGN_OR_RETURN(auto x, ComputeResult()); returns the error Status if not OK.
#define OA_ASSIGN_OR_RETURN(lhs, expr) \
  OA_ASSIGN_OR_RETURN_IMPL(OA_CONCAT(oa_result_, __LINE__), lhs, expr)

// Crash with a message on a broken invariant (never for user input).
#define OA_CHECK(cond)                                                      \
  do {                                                                      \
    if (!(cond)) ::openarts::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace openarts::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace openarts::internal
