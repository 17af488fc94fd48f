// Column readers: rows [first, first + n) of one logical column, in whatever physical layout
// the frame holds it, into the kernel's type. The layout is dispatched once per block; the
// loop over rows is branch-free and only notes whether some row is bad (a missing or
// out-of-range value: the rare case); the caller then stops and names the first bad row
// (adjudicate_frame.cpp, FrameConverter::throw_first_bad).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <variant>

#include "yibao/adjudicate_frame.hpp"
#include "yibao/convert.hpp"
#include "yibao/money.hpp"

namespace yibao::detail {

// Ticks (int64; NaT = INT64_MIN) or date32 days (int32; missing_day) to days, rounded down;
// a per_day known when compiling (Fixed > 0) becomes a multiplication, a run-time one a
// hardware division.
template <std::int64_t Fixed, class Tick>
bool floor_ticks(const Tick* ticks, std::size_t n, std::int64_t per_day, std::int32_t* out) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  const std::int64_t d = Fixed > 0 ? Fixed : per_day;
  bool bad = false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = ticks[i];
    const std::int64_t day = floor_divide(t, d);
    bad |= (t == nat) | (day <= missing_day) | (day > std::numeric_limits<std::int32_t>::max());
    out[i] = static_cast<std::int32_t>(day);
  }
  return bad;
}

// Service dates as days since 1970-01-01; a missing date is bad.
inline bool read_days(const DateColumn& column, std::size_t first, std::size_t n,
                      std::int32_t* out) {
  if (column.ticks.empty()) return floor_ticks<1>(column.days.data() + first, n, 0, out);
  const std::int64_t* ticks = column.ticks.data() + first;
  switch (column.per_day) {
    case ns_per_day:
      return floor_ticks<ns_per_day>(ticks, n, 0, out);
    case 86'400'000'000:
      return floor_ticks<86'400'000'000>(ticks, n, 0, out);
    case 86'400'000:
      return floor_ticks<86'400'000>(ticks, n, 0, out);
    case 86'400:
      return floor_ticks<86'400>(ticks, n, 0, out);
    default:
      return floor_ticks<0>(ticks, n, column.per_day, out);
  }
}

// Amounts as fen; bad: below 0 or above max_fen. A float64 or decimal that needs rounding
// it was not given throws (from_double, from_decimal128).
inline bool read_fen(const AmountColumn& column, const Rounding* rounding, std::int64_t max_fen,
                     std::size_t first, std::size_t n, std::int64_t* out) {
  bool bad = false;
  if (!column.yuan.empty()) {
    const double* yuan = column.yuan.data() + first;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t fen = from_double(yuan[i], rounding).fen();
      bad |= (fen < 0) | (fen > max_fen);
      out[i] = fen;
    }
  } else if (!column.decimal128.empty()) {
    const std::uint64_t* words = column.decimal128.data() + 2 * first;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t low = words[2 * i];
      const auto high = static_cast<std::int64_t>(words[2 * i + 1]);
      // Cents that fit 64 bits (the usual decimal(18, 2)) are the fen as they are.
      const bool plain = column.scale == 2 && high == (static_cast<std::int64_t>(low) >> 63);
      const std::int64_t fen = plain ? static_cast<std::int64_t>(low)
                                     : from_decimal128(low, high, column.scale, rounding).fen();
      bad |= (fen < 0) | (fen > max_fen);
      out[i] = fen;
    }
  } else {
    const std::int64_t* units = column.units.data() + first;
    const std::int64_t per_unit = column.fen_per_unit;
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t fen = 0;
      const bool overflow = __builtin_mul_overflow(units[i], per_unit, &fen);
      bad |= overflow | (fen < 0) | (fen > max_fen);
      out[i] = fen;
    }
  }
  return bad;
}

// Levels 0..3; a missing one (mask, or NaN in a float column) is -1, and bad unless
// `allow_missing`; a value outside 0..3 or not whole is bad.
inline bool read_levels(const LevelColumn& column, bool allow_missing, std::size_t first,
                        std::size_t n, std::int8_t* out) {
  const std::uint8_t* mask = column.missing.empty() ? nullptr : column.missing.data() + first;
  return std::visit(
      [&](auto values) {
        using T = std::remove_const_t<typename decltype(values)::element_type>;
        const T* src = values.data() + first;
        bool bad = false;
        for (std::size_t i = 0; i < n; ++i) {
          const T v = src[i];
          bool absent = mask != nullptr && mask[i] != 0;
          bool ok = false;
          std::int8_t level = 0;
          if constexpr (std::is_floating_point_v<T>) {
            absent |= std::isnan(v);
            ok = (v >= 0) & (v <= 3) && v == std::floor(v);
            level = static_cast<std::int8_t>(ok ? v : 0.0);
          } else if constexpr (std::is_signed_v<T>) {
            ok = (v >= 0) & (v <= 3);
            level = static_cast<std::int8_t>(v);
          } else {
            ok = v <= 3;
            level = static_cast<std::int8_t>(v);
          }
          bad |= absent ? !allow_missing : !ok;
          out[i] = absent ? std::int8_t{-1} : level;
        }
        return bad;
      },
      column.values);
}

// Labels given as category codes: each row's code through `by_code`; a missing code (-1),
// one past the categories, or a category that is no label of the vocabulary is bad.
inline bool read_codes(const LabelColumn& column, std::size_t first, std::size_t n,
                       std::int8_t* out) {
  const std::int8_t* table = column.by_code.data();
  const auto size = static_cast<std::uint64_t>(column.by_code.size());
  return std::visit(
      [&](auto codes) {
        using T = std::remove_const_t<typename decltype(codes)::element_type>;
        if constexpr (std::is_floating_point_v<T>) {
          return true;  // codes are integers; the caller never passes floats
        } else {
          const T* src = codes.data() + first;
          bool bad = false;
          for (std::size_t i = 0; i < n; ++i) {
            // A negative code becomes a huge unsigned one: outside the table too.
            const auto code = static_cast<std::uint64_t>(src[i]);
            const std::int8_t label = code < size ? table[code] : std::int8_t{-1};
            bad |= label < 0;
            out[i] = label;
          }
          return bad;
        }
      },
      column.codes);
}

// Labels in any layout: Arrow strings through `matcher`, category codes (read_codes), or, for
// an absent column, its default (code 0) on every row.
inline bool read_labels(const LabelColumn& column, const LabelMatcher& matcher, std::size_t first,
                        std::size_t n, std::int8_t* out) {
  if (!column.large.empty())
    return label_codes<std::int64_t>(column.large, matcher, first, {out, n});
  if (!column.small.empty())
    return label_codes<std::int32_t>(column.small, matcher, first, {out, n});
  if (column.present()) return read_codes(column, first, n, out);
  std::fill_n(out, n, std::int8_t{0});
  return false;
}

}  // namespace yibao::detail
