// One exception hierarchy for the core. The bindings map each class to its Python
// counterpart in yibao.errors; messages name the row (0-based position in the caller's
// input), the column and the rule, so the Python layer can translate the position into the
// caller's index label.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace yibao {

inline constexpr std::int64_t no_row = -1;

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, std::int64_t row, std::string column)
      : std::runtime_error(message), row_(row), column_(std::move(column)) {}
  // Position of the offending row in the caller's input, or no_row.
  [[nodiscard]] std::int64_t row() const noexcept { return row_; }
  [[nodiscard]] const std::string& column() const noexcept { return column_; }

 private:
  std::int64_t row_;
  std::string column_;
};

// A value in the claims that no rule can accept (negative amount, unknown level, ...).
class InputError : public Error {
  using Error::Error;
};

// Money arithmetic left the range of the storage type; never wraps silently.
class OverflowError : public Error {
  using Error::Error;
};

// A claim dated before the first version of the policy: rules are never backdated.
class NoVersionInForce : public Error {
  using Error::Error;
};

// The claim needs a parameter the source text does not give (docs/design.md §5).
class MissingParameter : public Error {
  using Error::Error;
};

// A policy table that cannot be used (bad rate, unsorted versions, ...).
class PolicyError : public Error {
 public:
  explicit PolicyError(const std::string& message) : Error(message, no_row, "") {}
};

}  // namespace yibao
