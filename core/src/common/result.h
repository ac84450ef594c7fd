// Result<T>: a value or an Error (reason code + message). Errors cross module boundaries as values;
// exceptions stay inside a module. (std::expected arrives with C++23; this is the subset we need.)
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "herald/reason_codes.h"

namespace herald {

struct Error {
  herald_reason reason = HERALD_REASON_UNSPECIFIED_ERROR;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations with no value.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(herald_reason reason, std::string message) { return Error{reason, std::move(message)}; }

}  // namespace herald

namespace herald {
// A reason code that came over the ABI as an integer; 0 (unset) becomes `fallback`.
inline herald_reason reason_or(uint16_t reason, herald_reason fallback = HERALD_REASON_UNSPECIFIED_ERROR) {
  return reason ? static_cast<herald_reason>(reason) : fallback;
}
}  // namespace herald
