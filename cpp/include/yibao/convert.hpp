// Input columns to the kernel's representations, with the row of the first bad value in the
// error, on `threads` threads (the result and the error are the same for any count):
// amounts to int64 fen (docs/design.md §3: exact decimals, integer fen or yuan, float64 through the
// shortest round-trip decimal) and timestamps to days.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "yibao/money.hpp"

namespace yibao {

void fen_from_doubles(std::span<const double> in, std::span<std::int64_t> out,
                      const Rounding* rounding, const std::string& column, std::size_t threads = 1);

// `words` holds 2 × n little-endian 64-bit words: Arrow's decimal128 layout.
void fen_from_decimal128s(std::span<const std::uint64_t> words, int scale,
                          std::span<std::int64_t> out, const Rounding* rounding,
                          const std::string& column, std::size_t threads = 1);

// Whole units times `fen_per_unit` (100 for yuan, 1 for fen), overflow-checked.
void fen_from_integers(std::span<const std::int64_t> in, std::int64_t fen_per_unit,
                       std::span<std::int64_t> out, const std::string& column,
                       std::size_t threads = 1);

// A missing date (allowed only where asked for, e.g. retire_date) as a day number.
inline constexpr std::int32_t missing_day = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int64_t ns_per_day = 86'400'000'000'000;  // datetime64[ns], pandas' unit

// n / d rounded down, for d > 0: 1969-12-31T23:00 is day -1, not day 0. (A divisor known
// when compiling becomes a multiplication.)
constexpr std::int64_t floor_divide(std::int64_t n, std::int64_t d) {
  const std::int64_t quotient = n / d;
  return quotient - (n - quotient * d < 0 ? 1 : 0);
}

// datetime64 values (NaT = INT64_MIN) in units of 1/units_per_day day to days since
// 1970-01-01, rounded down. NaT is an error unless `allow_missing` (then missing_day).
void days_from_timestamps(std::span<const std::int64_t> in, std::int64_t units_per_day,
                          bool allow_missing, std::span<std::int32_t> out,
                          const std::string& column, std::size_t threads = 1);

// Column checks, on `threads` threads: the first position whose value is outside [low, high],
// and the first position whose value is below the one before it; -1 when there is none.
std::int64_t first_outside(std::span<const std::int64_t> values, std::int64_t low,
                           std::int64_t high, std::size_t threads = 1);
std::int64_t first_descending(std::span<const std::int64_t> values, std::size_t threads = 1);

}  // namespace yibao
