// The kernel's view of a claims table: plain columns (pointer + length), as the Python layer
// hands them over from numpy/Arrow buffers without copying. Codes, not strings.
#pragma once

#include <cstdint>
#include <span>

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
};

// Bits of AdjudicationColumns::rule_flags: what decided the row (the Python layer turns
// them into the policy's `rule` labels, e.g. "CQ-4 deductible + CQ-5 rate").
enum RuleFlag : std::uint8_t {
  rule_deductible = 1U << 0,   // part of the row went to the deductible
  rule_rate = 1U << 1,         // the rate was applied to a positive amount
  rule_visit_cap = 1U << 2,    // the per-visit cap withheld fund payment
  rule_annual_cap = 1U << 3,   // the pool's annual cap withheld fund payment
  rule_overall_cap = 1U << 4,  // the overall annual cap withheld fund payment
  rule_prescriber = 1U << 5,   // levels taken from the prescribing institution
};

struct AdjudicationColumns {
  std::span<std::int64_t> deductible;     // fen
  std::span<std::int64_t> fund_paid;      // fen
  std::span<std::int64_t> self_pay;       // fen
  std::span<std::int64_t> capped;         // fen
  std::span<std::int64_t> ytd_fund_paid;  // fen
  std::span<std::uint8_t> rule_flags;     // RuleFlag bits
  std::span<std::uint8_t> version;        // index of the policy version applied
};

}  // namespace yibao
