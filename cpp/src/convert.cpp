#include "yibao/convert.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>

#include "readers.hpp"
#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

// out[i] = fen(i) on threads, for amounts in any layout (`same_rows`: as many as `out`
// holds); re-throws a conversion error with the row and column attached (the first bad row,
// whatever the thread count).
template <class Fen>
void fen_each(bool same_rows, std::span<std::int64_t> out, std::size_t threads,
              const std::string& column, Fen fen) {
  if (!same_rows) throw InputError("amounts: lengths differ", no_row, column);
  for_each_range(out.size(), threads, [&](std::size_t first, std::size_t last) {
    std::size_t i = first;
    try {
      for (; i < last; ++i) out[i] = fen(i);
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
  fen_each(in.size() == out.size(), out, threads, column,
           [&](std::size_t i) { return from_double(in[i], rounding).fen(); });
}

void fen_from_decimal128s(std::span<const std::uint64_t> words, int scale,
                          std::span<std::int64_t> out, const Rounding* rounding,
                          const std::string& column, std::size_t threads) {
  fen_each(words.size() == 2 * out.size(), out, threads, column, [&](std::size_t i) {
    const auto high = static_cast<std::int64_t>(words[2 * i + 1]);
    return from_decimal128(words[2 * i], high, scale, rounding).fen();
  });
}

void fen_from_integers(std::span<const std::int64_t> in, std::int64_t fen_per_unit,
                       std::span<std::int64_t> out, const std::string& column,
                       std::size_t threads) {
  fen_each(in.size() == out.size(), out, threads, column,
           [&](std::size_t i) { return Money::from_wide(Wide(in[i]) * fen_per_unit).fen(); });
}

void days_from_timestamps(std::span<const std::int64_t> in, std::int64_t units_per_day,
                          bool allow_missing, std::span<std::int32_t> out,
                          const std::string& column, std::size_t threads) {
  if (units_per_day <= 0) throw InputError("units per day must be positive", no_row, column);
  if (out.size() != in.size()) throw InputError("days: lengths differ", no_row, column);
  const DateColumn dates{in, units_per_day, {}};
  for_each_range(in.size(), threads, [&](std::size_t first, std::size_t last) {
    // The frame's date reader; its bad rows (the rare case) looked at one by one.
    if (!detail::read_days(dates, first, last - first, out.data() + first)) return;
    for (std::size_t i = first; i < last; ++i) {
      if (!detail::read_days(dates, i, 1, out.data() + i)) continue;
      const bool missing = in[i] == std::numeric_limits<std::int64_t>::min();
      if (!missing || !allow_missing) {
        throw InputError(missing ? "missing date" : "date out of range",
                         static_cast<std::int64_t>(i), column);
      }
      out[i] = missing_day;
    }
  });
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
