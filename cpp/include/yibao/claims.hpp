// The kernel's view of a claims table: plain columns (pointer + length), as the Python layer
// hands them over from numpy/Arrow buffers without copying. Codes, not strings.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "yibao/errors.hpp"
#include "yibao/money.hpp"
#include "yibao/schema.hpp"  // RuleFlag, rule_codes_per_version, max_versions

namespace yibao {

struct ClaimColumns {
  std::span<const std::int64_t> member;       // dense member codes, >= 0
  std::span<const std::int32_t> day;          // service date, days since 1970-01-01
  std::span<const std::int8_t> level;         // 0..3
  std::span<const std::int64_t> eligible;     // 政策范围内费用, fen
  std::span<const std::int8_t> status;        // yibao::Status
  std::span<const std::int8_t> service;       // yibao::Service
  std::span<const std::int8_t> prescriber;    // level 0..3 of the prescriber, -1 if none
  std::span<const std::int8_t> tier;          // yibao::Tier
  std::span<const std::int64_t> institution;  // institution codes; may be empty

  [[nodiscard]] std::size_t size() const { return member.size(); }

  // Rows [first, first + n) of every column (an empty institution column stays empty).
  [[nodiscard]] ClaimColumns rows(std::size_t first, std::size_t n) const {
    return {member.subspan(first, n),
            day.subspan(first, n),
            level.subspan(first, n),
            eligible.subspan(first, n),
            status.subspan(first, n),
            service.subspan(first, n),
            prescriber.subspan(first, n),
            tier.subspan(first, n),
            institution.empty() ? institution : institution.subspan(first, n)};
  }
};

// An output column of amounts: int64 fen, or Arrow's decimal128(·, 2) layout (two
// little-endian 64-bit words per value), so exact results reach pandas without another pass.
class MoneyColumn {
 public:
  enum class Layout : std::uint8_t { fen64, decimal128 };
  MoneyColumn() = default;
  MoneyColumn(std::span<std::int64_t> words, Layout layout)
      : words_(words), wide_(layout == Layout::decimal128 ? 1 : 0) {}

  [[nodiscard]] std::size_t width() const { return std::size_t{1} << wide_; }
  [[nodiscard]] std::size_t size() const { return words_.size() / width(); }
  // decimal128(18, 2) holds at most 18 digits: beyond, an OverflowError (only a year's sum
  // can get there, under a policy without caps), never a value pandas would misread.
  static constexpr std::int64_t max_decimal18 = 999'999'999'999'999'999;

  // Refuses (OverflowError) a value this column cannot hold: one past 18 digits, for
  // decimal128(18, 2). Results on their way back to the caller's rows are checked here as
  // they are made, as early as storing them would.
  void check(Money value) const {
    if (!fits(value)) {
      throw OverflowError("an amount does not fit decimal128(18, 2); use money='fen'", no_row, "");
    }
  }
  // The largest amount this column holds.
  [[nodiscard]] std::int64_t largest() const {
    return wide_ == 0 ? std::numeric_limits<std::int64_t>::max() : max_decimal18;
  }
  [[nodiscard]] bool fits(Money value) const {
    return wide_ == 0 || (value.fen() <= max_decimal18 && value.fen() >= -max_decimal18);
  }

  // Stores a value already checked against this column (check()): nothing to fail.
  // Branch-free for either layout: the high word (decimal128's two's complement) is written
  // first, and for fen64 at the value's own place, where the value then overwrites it.
  [[gnu::always_inline]] void store_checked(std::size_t row, std::int64_t fen) const noexcept {
    const std::size_t at = row << wide_;
    words_[at + wide_] = fen >> 63;
    words_[at] = fen;
  }

 private:
  std::span<std::int64_t> words_;
  std::size_t wide_ = 0;  // log2 of width(): 0 for fen64, 1 for decimal128
};

struct AdjudicationColumns {
  MoneyColumn deductible;
  MoneyColumn fund_paid;
  MoneyColumn self_pay;
  MoneyColumn capped;
  MoneyColumn ytd_fund_paid;
  std::span<std::uint16_t> rule;  // rule code per row (see rule_codes_per_version)
};

}  // namespace yibao
