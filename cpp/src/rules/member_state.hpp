// What one member has used so far, per pool: the state the rules read and move on, row by row.
#pragma once

#include <array>
#include <cstdint>

#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao::rules {

// What a member has used of one pool in the current calendar year.
struct PoolYear {
  Money deductible_paid;
  Money fund_paid;
  std::int64_t visits = 0;
};

// A member's state for one calendar year; reset on 1 January (docs/design.md §5).
struct MemberYear {
  std::array<PoolYear, max_pools> pools{};
  Money fund_paid;  // over every pool: ytd_fund_paid and the overall cap
};

}  // namespace yibao::rules
