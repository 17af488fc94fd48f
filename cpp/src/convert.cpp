#include "yibao/convert.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <type_traits>

#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

// Convert rows on threads; re-throw a conversion error with the row and column attached
// (the first bad row, whatever the thread count).
template <class Convert>
void convert_each(std::size_t n, std::size_t threads, const std::string& column, Convert convert) {
  for_each_range(n, threads, [&](std::size_t first, std::size_t last) {
    std::size_t i = first;
    try {
      for (; i < last; ++i) convert(i);
    } catch (const OverflowError& e) {
      throw OverflowError(e.what(), static_cast<std::int64_t>(i), column);
    } catch (const Error& e) {
      throw InputError(e.what(), static_cast<std::int64_t>(i), column);
    }
  });
}

}  // namespace

void fen_from_doubles(std::span<const double> in, std::span<std::int64_t> out,
                      const Rounding* rounding, const std::string& column, std::size_t threads) {
  if (out.size() != in.size()) throw InputError("amounts: lengths differ", no_row, column);
  convert_each(in.size(), threads, column,
               [&](std::size_t i) { out[i] = from_double(in[i], rounding).fen(); });
}

void fen_from_decimal128s(std::span<const std::uint64_t> words, int scale,
                          std::span<std::int64_t> out, const Rounding* rounding,
                          const std::string& column, std::size_t threads) {
  if (words.size() != 2 * out.size()) throw InputError("amounts: lengths differ", no_row, column);
  convert_each(out.size(), threads, column, [&](std::size_t i) {
    out[i] =
        from_decimal128(words[2 * i], static_cast<std::int64_t>(words[2 * i + 1]), scale, rounding)
            .fen();
  });
}

void fen_from_integers(std::span<const std::int64_t> in, std::int64_t fen_per_unit,
                       std::span<std::int64_t> out, const std::string& column,
                       std::size_t threads) {
  if (out.size() != in.size()) throw InputError("amounts: lengths differ", no_row, column);
  convert_each(in.size(), threads, column,
               [&](std::size_t i) { out[i] = Money::from_wide(Wide(in[i]) * fen_per_unit).fen(); });
}

namespace {

// Floor division by `per_day`; a compile-time divisor (nanoseconds, the pandas default)
// becomes a multiplication, a run-time one a hardware division of ~40 cycles.
template <class PerDay>
void floor_days(std::span<const std::int64_t> in, PerDay per_day, bool allow_missing,
                std::span<std::int32_t> out, const std::string& column, std::size_t threads) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  // Nanoseconds (the usual unit) always give days within int32: no range check needed.
  constexpr bool always_fits =
      std::is_same_v<PerDay, std::integral_constant<std::int64_t, 86'400'000'000'000>>;
  const std::int64_t* src = in.data();
  std::int32_t* dst = out.data();
  for_each_range(in.size(), threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) {
      const std::int64_t t = src[i];
      if (t == nat) [[unlikely]] {
        if (!allow_missing) throw InputError("missing date", static_cast<std::int64_t>(i), column);
        dst[i] = missing_day;
        continue;
      }
      const std::int64_t day = floor_divide(t, per_day);
      if (!always_fits && (day <= missing_day || day > std::numeric_limits<std::int32_t>::max()))
        throw InputError("date out of range", static_cast<std::int64_t>(i), column);
      dst[i] = static_cast<std::int32_t>(day);
    }
  });
}

}  // namespace

void days_from_timestamps(std::span<const std::int64_t> in, std::int64_t units_per_day,
                          bool allow_missing, std::span<std::int32_t> out,
                          const std::string& column, std::size_t threads) {
  if (units_per_day <= 0) throw InputError("units per day must be positive", no_row, column);
  if (out.size() != in.size()) throw InputError("days: lengths differ", no_row, column);
  if (units_per_day == ns_per_day) {
    floor_days(in, std::integral_constant<std::int64_t, ns_per_day>{}, allow_missing, out, column,
               threads);
  } else {
    floor_days(in, units_per_day, allow_missing, out, column, threads);
  }
}

namespace {

// The first position in [0, n) where bad(i) holds, or -1: each range scans branch-free in
// blocks and stops at its first bad block; the lowest hit over all ranges wins.
template <class Bad>
std::int64_t first_where(std::size_t n, std::size_t threads, Bad bad) {
  constexpr std::size_t block = 4096;
  std::atomic<std::int64_t> found = -1;
  std::mutex lowest;
  for_each_range(n, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t start = first; start < last; start += block) {
      const std::size_t stop = std::min(last, start + block);
      bool any = false;
      for (std::size_t i = start; i < stop; ++i) any |= bad(i);
      if (!any) continue;
      std::size_t i = start;
      while (!bad(i)) ++i;
      const std::scoped_lock lock(lowest);
      const std::int64_t at = static_cast<std::int64_t>(i);
      if (found < 0 || at < found) found = at;
      return;
    }
  });
  return found;
}

}  // namespace

std::int64_t first_outside(std::span<const std::int64_t> values, std::int64_t low,
                           std::int64_t high, std::size_t threads) {
  const std::int64_t* v = values.data();
  return first_where(values.size(), threads,
                     [=](std::size_t i) { return (v[i] < low) | (v[i] > high); });
}

std::int64_t first_descending(std::span<const std::int64_t> values, std::size_t threads) {
  const std::int64_t* v = values.data();
  if (values.size() < 2) return -1;
  const std::int64_t at =
      first_where(values.size() - 1, threads, [=](std::size_t i) { return v[i + 1] < v[i]; });
  return at < 0 ? -1 : at + 1;
}

}  // namespace yibao
