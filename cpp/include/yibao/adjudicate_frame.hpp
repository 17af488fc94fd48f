// The one route from a frame's columns, as the frame holds them, to the kernel's results:
// conversion and adjudication block by block, so the converted columns never leave the cache
// (docs/performance.md). Each logical column comes in any of the physical layouts below and
// is read by its own reader (readers.hpp), dispatched once per block, not per row. A bad
// value is an InputError naming its column and row: the first bad row of the first column
// with one, in the schema's column order, whatever the rows' order or the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "yibao/claims.hpp"
#include "yibao/convert.hpp"
#include "yibao/labels.hpp"
#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao {

// An integer column of any width, signed or not, or float64 (whole numbers; NaN = missing),
// as numpy holds it.
using NumberSpan = std::variant<
    std::span<const std::int8_t>, std::span<const std::int16_t>, std::span<const std::int32_t>,
    std::span<const std::int64_t>, std::span<const std::uint8_t>, std::span<const std::uint16_t>,
    std::span<const std::uint32_t>, std::span<const std::uint64_t>, std::span<const double>>;

inline std::size_t rows_of(const NumberSpan& values) {
  return std::visit([](auto v) { return v.size(); }, values);
}

// Institution levels 0..3 (level, prescriber_level).
struct LevelColumn {
  NumberSpan values;
  std::span<const std::uint8_t> missing;  // pandas' byte mask, 1 = missing; empty: none missing
};

// Service dates: datetime64 / Arrow timestamp ticks (`per_day` of them a day, NaT = INT64_MIN),
// or Arrow date32 days since 1970-01-01 (when `ticks` is empty).
struct DateColumn {
  std::span<const std::int64_t> ticks;
  std::int64_t per_day = ns_per_day;
  std::span<const std::int32_t> days;
};

// Amounts: float64 yuan; Arrow decimal128 words (2 per value) at `scale`; or integers of
// `fen_per_unit` fen each (100: yuan, 1: fen). Exactly one of the three is non-empty.
struct AmountColumn {
  std::span<const double> yuan;
  std::span<const std::uint64_t> decimal128;
  int scale = 2;
  std::span<const std::int64_t> units;
  std::int64_t fen_per_unit = 100;
};

// A label column (status, service, tier): Arrow string or large_string chunks read in place,
// or integer codes (a categorical's, or a factorized column's; -1 = missing) and the label
// code of each category (-1: not a label of the vocabulary). Absent: neither is given.
struct LabelColumn {
  std::vector<StringChunk<std::int64_t>> large;
  std::vector<StringChunk<std::int32_t>> small;
  NumberSpan codes;
  std::vector<std::int8_t> by_code;

  [[nodiscard]] bool present() const {
    return !large.empty() || !small.empty() || rows_of(codes) > 0;
  }
};

// The claim columns as a frame holds them (docs/design.md §3), before any conversion.
struct FrameColumns {
  std::span<const std::int64_t> member;  // member keys (integers, or factorized codes)
  DateColumn date;
  LevelColumn level;
  AmountColumn eligible;
  LabelColumn status;
  LabelColumn service;                        // absent: every row "general"
  LabelColumn tier;                           // absent: every row "employer"
  LevelColumn prescriber;                     // no values: no prescriber on any row
  std::span<const std::int64_t> institution;  // institution keys; may be empty
  const Rounding* rounding = nullptr;         // for amounts with more than 2 decimals
  std::int64_t max_fen = 0;                   // the largest amount accepted
  // Columns converted already (convert_frame, or a caller of yibao::adjudicate): read as
  // they are, every reader skipped; `member` must be converted->member.
  const ClaimColumns* converted = nullptr;
};

// Where convert_frame writes the kernel's columns (member and institution keys are the
// frame's own).
struct ConvertedColumns {
  std::span<std::int32_t> day;
  std::span<std::int64_t> fen;
  std::span<std::int8_t> level, status, service, prescriber, tier;
};

struct FrameLabels {
  LabelTable status, service, tier;
};

// Adjudicate `frame` into `out`, rows in any order (sorted rows in place, others placed by
// member). Throws a yibao::Error naming the row and column: a bad value first (as above),
// else the kernel's first error in processing order (a policy error, a missing parameter).
void adjudicate_frame(const Policy& policy, const FrameColumns& frame, const FrameLabels& labels,
                      const AdjudicationColumns& out, std::size_t threads = 1);

// The frame's columns converted by the same readers, whole, into `out` (for callers that
// run the kernel on them many times: yibao._many). Bad values throw as above.
void convert_frame(const FrameColumns& frame, const FrameLabels& labels,
                   const ConvertedColumns& out, std::size_t threads = 1);

}  // namespace yibao
