// Exact money: amounts are whole fen (分, 0.01 yuan) in an int64; rates are whole
// millionths. Every sum and product is checked, so an overflow throws instead of wrapping
// (docs/design.md §4). No binary floating point here: a float64 input is converted through
// its shortest round-trip decimal (see from_double). Decimal conversions and wide products use
// Boost.Multiprecision's checked 128-bit integers; the hot loop's native sums and products are
// proven equal to them by cpp/tests/test_money.cpp (docs/design.md §4 requires that proof).
#pragma once

#include <algorithm>
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

// Throws OverflowError: an amount out of range of int64 fen.
[[noreturn]] void amount_out_of_range();

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money from_fen(std::int64_t fen) { return Money(fen); }
  // Narrow a wide intermediate; throws OverflowError when it does not fit in int64 fen.
  static Money from_wide(const Wide& fen);

  [[nodiscard]] constexpr std::int64_t fen() const { return fen_; }
  [[nodiscard]] std::string to_string() const;  // "-12.34"

  friend Money operator+(Money a, Money b) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a.fen_, b.fen_, &sum)) amount_out_of_range();
    return Money(sum);
  }
  friend Money operator-(Money a, Money b) {
    std::int64_t difference = 0;
    if (__builtin_sub_overflow(a.fen_, b.fen_, &difference)) amount_out_of_range();
    return Money(difference);
  }
  Money& operator+=(Money b) { return *this = *this + b; }
  Money& operator-=(Money b) { return *this = *this - b; }
  friend constexpr auto operator<=>(Money, Money) = default;

 private:
  constexpr explicit Money(std::int64_t fen) : fen_(fen) {}
  std::int64_t fen_ = 0;
};

// max(0, a - b): what is left of a threshold or a cap after b has been used.
inline Money remaining(Money limit, Money used) {
  return std::max(Money{}, limit - used);
}

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

// n ÷ d (d > 0) rounded to an integer as `mode` says: the one rounding of products and of
// decimals with more places than the fen. Without data-dependent branches: in the kernel,
// whether a product has a remainder of half a fen or more is as good as random.
template <class Int>
constexpr Int divide_rounded(const Int& n, const Int& d, Rounding mode) {
  const Int q = n / d;  // truncates toward zero
  const Int r = n - q * d;
  const Int twice = 2 * (r < 0 ? Int(-r) : r);
  bool away = false;
  switch (mode) {
    case Rounding::half_up:
      away = twice >= d;
      break;
    case Rounding::half_even:  // (bitwise on ints: no branch)
      away = (int{twice > d} | (int{twice == d} & int{q % 2 != 0})) != 0;
      break;
    case Rounding::down:
      break;
  }
  return q + Int(int{away} * (n < 0 ? -1 : 1));  // (added, not branched on)
}

// apply_rate() for any amount, through Boost (the native path's reference): out of line, so
// that the common case inlines into the kernel (out of line, it cost 2 ms a million rows).
Money apply_rate_wide(Money base, Rate rate, Rounding mode);

// base × rate, rounded to the fen once (docs/design.md §4: after the rate, before any cap).
[[gnu::always_inline]] inline Money apply_rate(Money base, Rate rate, Rounding mode) {
  // Amounts below 2^43 fen (about 88 billion yuan) times a rate of at most 10^6 ppm fit in
  // int64, where division by the constant compiles to a multiplication: the common case (a
  // base is never negative).
  constexpr std::int64_t small = std::int64_t{1} << 43;
  if (base.fen() >= 0 && base.fen() < small && rate.ppm() >= 0 && rate.ppm() <= Rate::one)
    return Money::from_fen(divide_rounded(base.fen() * rate.ppm(), Rate::one, mode));
  return apply_rate_wide(base, rate, mode);
}

// Parse a decimal literal ("12.5", "-0.01", "1e+16", "1.2345e-05") to fen. With
// rounding == nullptr more than two decimal places is an error; otherwise the exact value
// is rounded once as *rounding says. Throws InputError (bad text) or OverflowError.
Money parse_money(std::string_view text, const Rounding* rounding);

// The reference path of from_double, always through the decimal text; from_double takes
// a native fast path for exact-cent values and must equal this on every input (tested).
Money from_double_via_text(double value, const Rounding* rounding);

// A float64 amount, through its shortest round-trip decimal (Python's repr). Throws
// InputError for NaN/inf, or for more than 2 decimals when rounding == nullptr. Inline: it
// runs once per row of every float column.
inline Money from_double(double value, const Rounding* rounding) {
  // Fast path: below 2^51 fen the spacing of doubles is under a quarter fen, so distinct
  // 2-decimal amounts are distinct doubles; when n/100 (correctly rounded) gives back the
  // input, the shortest round-trip decimal of the input is exactly n fen.
  const double scaled = value * 100.0;
  if (scaled < 2251799813685248.0 && scaled > -2251799813685248.0) {  // |scaled| < 2^51
    // Round to the nearest integer by adding and removing 1.5 × 2^52 (exact for |x| < 2^51;
    // std::nearbyint is a library call on baseline x86-64). The result need not be the
    // nearest: the test below accepts only an n that gives back the input.
    constexpr double shift = 6755399441055744.0;  // 1.5 × 2^52
    const double n = (scaled + shift) - shift;
    if (n / 100.0 == value) return Money::from_fen(static_cast<std::int64_t>(n));
  }
  return from_double_via_text(value, rounding);
}

// An Arrow/pyarrow decimal128 value (unscaled little-endian int128 and its scale).
Money from_decimal128(std::uint64_t low, std::int64_t high, int scale, const Rounding* rounding);

}  // namespace yibao
