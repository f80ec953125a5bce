// Errors are values: every call that can fail returns Result<T>.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace photon::common {

enum class ErrorCode {
  kInvalid,       // bad input: 400
  kUnauthorized,  // 401
  kForbidden,     // 403
  kNotFound,      // 404
  kConflict,      // 409 (a state conflict or a failed compare)
  kTooLarge,      // 413
  kTooMany,       // 429: a bound on what clients may create was reached; try again later
  kUnavailable,   // a peer or the OS did not answer: 503
  kInternal,      // 500
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;                 // where the input was wrong, if it was
  std::vector<std::string> allowed;  // for a 409 on a lifecycle action

  // Adds context as the error rises: "phone home: " + "connect refused".
  [[nodiscard]] Error context(const std::string& what) const {
    Error e = *this;
    e.message = what + ": " + message;
    return e;
  }
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(field), {}});
}

inline std::unexpected<Error> invalid(std::string field, std::string message) {
  return fail(ErrorCode::kInvalid, std::move(message), std::move(field));
}

int httpStatus(ErrorCode code);

}  // namespace photon::common

// Propagation helpers, in the manner of absl's ASSIGN_OR_RETURN.
#define PHOTON_CONCAT_INNER(a, b) a##b
#define PHOTON_CONCAT(a, b) PHOTON_CONCAT_INNER(a, b)
#define PHOTON_TRY_IMPL(tmp, lhs, expr)                     \
  auto tmp = (expr);                                        \
  if (!tmp) return std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
// PHOTON_TRY(auto x, readString(...)); — binds the value or returns the error.
#define PHOTON_TRY(lhs, expr) PHOTON_TRY_IMPL(PHOTON_CONCAT(photon_try_, __LINE__), lhs, expr)
#define PHOTON_CHECK(expr)                                      \
  do {                                                          \
    if (auto photon_check_ = (expr); !photon_check_)            \
      return std::unexpected(std::move(photon_check_).error()); \
  } while (0)
