#include "yibao/money.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "yibao/errors.hpp"

namespace yibao {
namespace {

Wide power_of_ten(int exponent) {
  // 10^38 < 2^127: larger powers cannot be represented and are treated as overflow.
  if (exponent > 38) throw OverflowError("decimal exponent out of range", no_row, "");
  return boost::multiprecision::pow(Wide(10), static_cast<unsigned>(exponent));
}

[[noreturn]] void too_many_decimals(const std::string& text) {
  throw InputError("amount " + text +
                       " has more than 2 decimal places; pass rounding='half_up' (or another "
                       "mode) to round it to the fen",
                   no_row, "");
}

// value = digits × 10^exponent10, converted to fen. `text` makes the error message and is
// called only on the error path.
template <class TextFn>
Money scale_to_fen(const Wide& digits, int exponent10, TextFn text, const Rounding* rounding) {
  if (digits == 0) return Money{};  // "0e+50" is zero, not an overflow
  const int shift = exponent10 + 2;
  if (shift >= 0) {
    try {
      return Money::from_wide(digits * power_of_ten(shift));
    } catch (const std::overflow_error&) {  // Boost's checked integers throw this
      amount_out_of_range();
    }
  }
  if (-shift > 38) {  // smaller than any fen (and nonzero): an error, or zero once rounded
    if (rounding == nullptr) too_many_decimals(text());
    return Money{};  // |value| < 10^-36 yuan rounds to 0 under every mode
  }
  const Wide divisor = power_of_ten(-shift);
  if (digits % divisor != 0 && rounding == nullptr) too_many_decimals(text());
  return Money::from_wide(divide_rounded(digits, divisor, rounding ? *rounding : Rounding::down));
}

// Plain decimal text of unscaled × 10^-places: "-0.05" for -5 and 2 places, as a float64 or
// Decimal of the value is worded. (Boost's own str() trips GCC 12's -Wrestrict false positive
// once inlined here, and -Werror builds must stay clean.)
std::string decimal_text(const Wide& unscaled, std::size_t places) {
  std::string out;
  for (Wide rest = unscaled < 0 ? Wide(-unscaled) : unscaled; rest != 0 || out.empty(); rest /= 10)
    out.insert(out.begin(), static_cast<char>('0' + (rest % 10).convert_to<int>()));
  out.insert(0, out.size() <= places ? places + 1 - out.size() : 0, '0');
  if (places > 0) out.insert(out.size() - places, 1, '.');
  if (unscaled < 0) out.insert(0, 1, '-');
  return out;
}

}  // namespace

void amount_out_of_range() {
  throw OverflowError("amount out of range of int64 fen (about ±9.2e16 yuan)", no_row, "");
}

Money Money::from_wide(const Wide& fen) {
  using Limits = std::numeric_limits<std::int64_t>;
  if (fen > Limits::max() || fen < Limits::min()) amount_out_of_range();
  return Money(fen.convert_to<std::int64_t>());
}

std::string Money::to_string() const {
  return decimal_text(fen_, 2);
}

Money apply_rate_wide(Money base, Rate rate, Rounding mode) {
  return Money::from_wide(divide_rounded(Wide(base.fen()) * rate.ppm(), Wide(Rate::one), mode));
}

Money parse_money(std::string_view text, const Rounding* rounding) {
  auto bad = [&]() -> InputError {
    return InputError("not a decimal amount: '" + std::string(text) + "'", no_row, "");
  };
  const bool negative = text.starts_with('-');
  std::size_t i = negative || text.starts_with('+') ? 1 : 0;
  Wide digits = 0;
  int exponent10 = 0;
  int digit_count = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      if (digit_count > 36) throw OverflowError("amount has too many digits", no_row, "");
      if (digits != 0 || c != '0') ++digit_count;
      digits = digits * 10 + (c - '0');
      if (seen_point) --exponent10;
    } else {
      break;
    }
  }
  if (text.find_first_of("0123456789") >= i) throw bad();  // no digit
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    int e = 0;
    const char* first = text.data() + i + 1;
    if (first < text.data() + text.size() && *first == '+') ++first;
    const auto [end, ec] = std::from_chars(first, text.data() + text.size(), e);
    if (ec != std::errc{} || end == first) throw bad();
    if (e > 100 || e < -100) {
      // Zero is zero at any exponent, and a value far below a fen is rounded (or refused as
      // sub-fen) by scale_to_fen like any other: only a large nonzero value overflows.
      if (e > 0 && digits != 0) throw OverflowError("amount exponent out of range", no_row, "");
      e = e > 0 ? 0 : -100;
    }
    exponent10 += e;
    i = static_cast<std::size_t>(end - text.data());
  }
  if (i != text.size()) throw bad();
  return scale_to_fen(
      negative ? Wide(-digits) : digits, exponent10, [&] { return std::string(text); }, rounding);
}

Money from_double_via_text(double value, const Rounding* rounding) {
  if (!std::isfinite(value)) {
    throw InputError("amount is not a finite number", no_row, "");
  }
  std::array<char, 64> buffer{};
  // Without a format argument to_chars writes the shortest text that round-trips, the same
  // digits as Python's repr (at most 24 characters).
  const char* end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  return parse_money(std::string_view(buffer.data(), static_cast<std::size_t>(end - buffer.data())),
                     rounding);
}

Money from_decimal128(std::uint64_t low, std::int64_t high, int scale, const Rounding* rounding) {
  static const Wide two_to_64 = Wide(1) << 64;
  const Wide unscaled = Wide(high) * two_to_64 + Wide(low);
  if (scale < -36 || scale > 38) throw InputError("decimal scale out of range", no_row, "");
  // (Only a positive scale can leave more than 2 decimals.)
  auto text = [&] { return decimal_text(unscaled, static_cast<std::size_t>(std::max(scale, 0))); };
  return scale_to_fen(unscaled, -scale, text, rounding);
}

}  // namespace yibao
