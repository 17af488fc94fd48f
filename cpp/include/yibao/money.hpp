// Exact money: amounts are whole fen (分, 0.01 yuan) in an int64; rates are whole
// millionths. Arithmetic goes through Boost.Multiprecision's checked 128-bit integers, so
// an overflow throws instead of wrapping (DESIGN §4). No binary floating point here: a
// float64 input is converted through its shortest round-trip decimal (see from_double).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/multiprecision/cpp_int.hpp>

namespace yibao {

using Wide = boost::multiprecision::checked_int128_t;

// How a value with more precision than the fen is brought to the fen. The settlement
// standard stores 16,2 amounts; 四舍五入 (half_up) is the default of every bundled policy.
enum class Rounding : std::uint8_t { half_up, half_even, down };

// Divide n by a positive d and round the quotient as `mode` says.
Wide divide_rounded(const Wide& n, const Wide& d, Rounding mode);

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money from_fen(std::int64_t fen) { return Money(fen); }
  // Narrow a wide intermediate; throws OverflowError when it does not fit in int64 fen.
  static Money from_wide(const Wide& fen);

  [[nodiscard]] constexpr std::int64_t fen() const { return fen_; }
  [[nodiscard]] std::string to_string() const;  // "-12.34"

  friend Money operator+(Money a, Money b) { return from_wide(Wide(a.fen_) + Wide(b.fen_)); }
  friend Money operator-(Money a, Money b) { return from_wide(Wide(a.fen_) - Wide(b.fen_)); }
  Money& operator+=(Money b) { return *this = *this + b; }
  Money& operator-=(Money b) { return *this = *this - b; }
  friend constexpr auto operator<=>(Money, Money) = default;

 private:
  constexpr explicit Money(std::int64_t fen) : fen_(fen) {}
  std::int64_t fen_ = 0;
};

constexpr Money min(Money a, Money b) { return b < a ? b : a; }
constexpr Money max(Money a, Money b) { return a < b ? b : a; }
// max(0, a - b): what is left of a threshold or a cap after b has been used.
inline Money remaining(Money limit, Money used) { return max(Money{}, limit - used); }

// A payment rate in whole millionths: 0.65 is Rate::from_ppm(650000).
class Rate {
 public:
  static constexpr std::int64_t one = 1'000'000;
  constexpr Rate() = default;
  static constexpr Rate from_ppm(std::int64_t ppm) { return Rate(ppm); }
  [[nodiscard]] constexpr std::int64_t ppm() const { return ppm_; }
  friend constexpr auto operator<=>(Rate, Rate) = default;

 private:
  constexpr explicit Rate(std::int64_t ppm) : ppm_(ppm) {}
  std::int64_t ppm_ = 0;
};

// base × rate, rounded to the fen once (DESIGN §4: after the rate, before any cap).
Money apply_rate(Money base, Rate rate, Rounding mode);

// Parse a decimal literal ("12.5", "-0.01", "1e+16", "1.2345e-05") to fen. With
// rounding == nullptr more than two decimal places is an error; otherwise the exact value
// is rounded once as *rounding says. Throws InputError (bad text) or OverflowError.
Money parse_money(std::string_view text, const Rounding* rounding);

// A float64 amount, through its shortest round-trip decimal (Python's repr). Throws
// InputError for NaN/inf, or for more than 2 decimals when rounding == nullptr.
Money from_double(double value, const Rounding* rounding);

// The reference path of from_double, always through the decimal text; from_double takes
// a native fast path for exact-cent values and must equal this on every input (tested).
Money from_double_via_text(double value, const Rounding* rounding);

// An Arrow/pyarrow decimal128 value (unscaled little-endian int128 and its scale).
Money from_decimal128(std::uint64_t low, std::int64_t high, int scale, const Rounding* rounding);

}  // namespace yibao
