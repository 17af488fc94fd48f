// Column readers: rows [first, first + n) of one logical column, in whatever physical layout
// the frame holds it, into the kernel's type. Each layout's work on one row is a small "cell"
// (read row i, write it out, say whether it is bad); read_rows() runs any cells side by side
// in one loop, so a block's columns are converted in one pass whatever their layouts. The
// layout is dispatched once per block (std::visit), not per row; the loop is branch-free and
// only notes whether some row is bad (a missing or out-of-range value: the rare case); the
// caller then stops and names the first bad row (adjudicate_frame.cpp,
// FrameConverter::throw_first_bad).
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

// Rows 0..n-1 of every cell, in one loop, the cells of a row in order (a later cell may read
// what an earlier one wrote); whether some row is bad. Cells by value: their pointers stay in
// registers, though stores through int8_t may alias anything.
template <class... Cell>
bool read_rows(std::size_t n, Cell... cells) {
  bool bad = false;  // no branch a row: bad values are the rare case
  for (std::size_t i = 0; i < n; ++i) ((bad |= cells(i)), ...);
  return bad;
}

template <std::int64_t N>
constexpr std::integral_constant<std::int64_t, N> fixed{};

// f(cell) for the date column's layout, the cell writing row i's day since 1970-01-01: ticks
// (int64; NaT = INT64_MIN) or date32 days (int32; missing_day) rounded down; bad if missing.
// A per_day known when compiling (`fixed`) becomes a multiplication, a run-time one a
// hardware division.
template <class F>
bool with_day_cell(const DateColumn& column, std::size_t first, std::int32_t* out, F f) {
  const auto cell = [&](const auto* ticks, auto per_day) {
    return f([=](std::size_t i) {
      constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
      const std::int64_t t = ticks[i];
      const std::int64_t day = floor_divide(t, per_day);
      out[i] = static_cast<std::int32_t>(day);
      return (t == nat) | (day <= missing_day) | (day > std::numeric_limits<std::int32_t>::max());
    });
  };
  if (column.ticks.empty()) return cell(column.days.data() + first, fixed<1>);
  const std::int64_t* ticks = column.ticks.data() + first;
  switch (column.per_day) {
    case ns_per_day:
      return cell(ticks, fixed<ns_per_day>);
    case 86'400'000'000:
      return cell(ticks, fixed<86'400'000'000>);
    case 86'400'000:
      return cell(ticks, fixed<86'400'000>);
    case 86'400:
      return cell(ticks, fixed<86'400>);
    default:
      return cell(ticks, column.per_day);
  }
}

// f(cell) for the amount column's layout, the cell writing row i's fen; bad: below 0 or above
// max_fen. A float64 or decimal that needs rounding it was not given throws (from_double,
// from_decimal128).
template <class F>
bool with_fen_cell(const AmountColumn& column, const Rounding* rounding, std::int64_t max_fen,
                   std::size_t first, std::int64_t* out, F f) {
  if (!column.yuan.empty()) {
    const double* yuan = column.yuan.data() + first;
    return f([=](std::size_t i) {
      const std::int64_t fen = from_double(yuan[i], rounding).fen();
      out[i] = fen;
      return (fen < 0) | (fen > max_fen);
    });
  }
  if (!column.decimal128.empty()) {
    const std::uint64_t* words = column.decimal128.data() + 2 * first;
    const int scale = column.scale;
    return f([=](std::size_t i) {
      const std::uint64_t low = words[2 * i];
      const auto high = static_cast<std::int64_t>(words[2 * i + 1]);
      // Cents that fit 64 bits (the usual decimal(18, 2)) are the fen as they are.
      const bool plain = scale == 2 && high == (static_cast<std::int64_t>(low) >> 63);
      const std::int64_t fen = plain ? static_cast<std::int64_t>(low)
                                     : from_decimal128(low, high, scale, rounding).fen();
      out[i] = fen;
      return (fen < 0) | (fen > max_fen);
    });
  }
  const std::int64_t* units = column.units.data() + first;
  const std::int64_t per_unit = column.fen_per_unit;
  return f([=](std::size_t i) {
    std::int64_t fen = 0;
    const bool overflow = __builtin_mul_overflow(units[i], per_unit, &fen);
    out[i] = fen;
    return overflow | (fen < 0) | (fen > max_fen);
  });
}

// f(cell) for the level column's layout, the cell writing row i's level 0..3; a missing one
// (mask, or NaN in a float column; every row of a column with no values) is -1, and bad
// unless `allow_missing`; a value outside 0..3 or not whole is bad.
template <class F>
bool with_level_cell(const LevelColumn& column, bool allow_missing, std::size_t first,
                     std::int8_t* out, F f) {
  if (rows_of(column.values) == 0) {
    return f([=](std::size_t i) {
      out[i] = -1;
      return !allow_missing;
    });
  }
  const std::uint8_t* mask = column.missing.empty() ? nullptr : column.missing.data() + first;
  return std::visit(
      [&](auto values) {
        using T = std::remove_const_t<typename decltype(values)::element_type>;
        const T* src = values.data() + first;
        return f([=](std::size_t i) {
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
          out[i] = absent ? std::int8_t{-1} : level;
          return absent ? !allow_missing : !ok;
        });
      },
      column.values);
}

// One column's rows [first, first + n) into `out` (a cell of its own); whether one is bad.
inline bool read_days(const DateColumn& column, std::size_t first, std::size_t n,
                      std::int32_t* out) {
  return with_day_cell(column, first, out, [n](auto cell) { return read_rows(n, cell); });
}

inline bool read_fen(const AmountColumn& column, const Rounding* rounding, std::int64_t max_fen,
                     std::size_t first, std::size_t n, std::int64_t* out) {
  return with_fen_cell(column, rounding, max_fen, first, out,
                       [n](auto cell) { return read_rows(n, cell); });
}

inline bool read_levels(const LevelColumn& column, bool allow_missing, std::size_t first,
                        std::size_t n, std::int8_t* out) {
  return with_level_cell(column, allow_missing, first, out,
                         [n](auto cell) { return read_rows(n, cell); });
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
