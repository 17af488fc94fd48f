// Totals of an adjudication under each of several policies, without per-row results
// (yibao.sweep): the kernel's own row step over claims in processing order, its results
// summed exactly instead of stored, the claims read once for every policy; policies that
// differ only in cap values share each row's step before the caps (rules/row_rule.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "yibao/claims.hpp"
#include "yibao/policy.hpp"

namespace yibao {

// A sum of int64 fen over any number of rows: 2^63 rows of at most 2^63 fen stay below
// 2^126, so a 128-bit sum cannot wrap.
__extension__ using FenSum = __int128;

// What yibao.sweep reports of one policy's adjudication of the claims.
struct Totals {
  // The exact sums of the kernel's columns, in fen.
  FenSum deductible = 0, fund_paid = 0, self_pay = 0, capped = 0;
  // Members with at least one row on which an annual or overall cap (rule_annual_cap,
  // rule_overall_cap), or a per-visit cap (rule_visit_cap), withheld payment.
  std::int64_t members_at_cap = 0;
  std::int64_t members_at_visit_cap = 0;

  Totals& operator+=(const Totals& other);
  friend bool operator==(const Totals&, const Totals&) = default;
};

// One Totals per policy, in the policies' order, each equal to the sums of what
// yibao::adjudicate writes for that policy, for any `threads`. `claims` must be in processing
// order (sorted by member, then day; rows of one member and day in the order the kernel takes
// them): InputError naming `member` otherwise. The error raised is the one adjudicate raises
// under the first policy that fails (its first offending row in processing order).
std::vector<Totals> totals(std::span<const Policy* const> policies, const ClaimColumns& claims,
                           std::size_t threads = 1);

}  // namespace yibao
