// What one member has used so far, per pool, and when it starts again: every sum on 1 January
// (docs/design.md §5), each pool's deductible also when its own period (policy data,
// `DeductiblePeriod`) turns, say on 1 April. Decided on a member's first row of a day, not per row.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "yibao/calendar.hpp"
#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao::rules {

// What a member has used of one pool.
struct PoolState {
  Money deductible_paid;    // in the pool's current deductible period
  Money fund_paid;          // in the calendar year: the pool's annual cap
  std::int64_t visits = 0;  // in the calendar year: which visit is the first (visits.hpp)
};

static_assert(days_from_civil_wide(2024, 13, 1) == days_from_civil_wide(2025, 1, 1));

class MemberState {
 public:
  std::array<PoolState, max_pools> pools{};
  Money fund_paid;   // over every pool in the calendar year: ytd_fund_paid and the overall cap
  Money other_paid;  // pooled payments outside these claims in the year, toward the overall cap
  Money supplementary_paid;  // by the supplementary (大额) fund in the year, toward its limit

  MemberState() = default;

  // The next rows belong to another member: no sum carries over. The periods do (they are
  // the calendar's): a member whose first day lies in them starts none, and enter() is for
  // the first day that does not (computing them again for every member cost a twentieth of
  // the kernel's time).
  void forget() {
    pools = {};
    fund_paid = other_paid = supplementary_paid = Money{};
  }

  [[nodiscard]] std::int64_t year() const { return year_; }  // of the sums above

  // Whether `day` is in the periods already started (most days are: the check is inline).
  [[nodiscard]] bool current(std::int32_t day) const { return day >= from_ && day < until_; }

  // A member's first row of a day that is not current(), or under another version than the
  // day before (whose pools may count other periods): starts the periods that begin.
  [[gnu::noinline]] void enter(std::int32_t day, const Version& version) {
    const CivilDate date = civil_from_days(day);
    if (date.year != year_) *this = MemberState{date.year};
    from_ = days_from_civil_wide(date.year, 1, 1);
    until_ = days_from_civil_wide(date.year + 1, 1, 1);
    for (std::size_t p = 0; p < version.pools.size(); ++p) {
      // A period is 12, 3 or 1 whole months (a visit's count of visits is annual).
      const DeductiblePeriod period = version.pools[p].period;
      const int months = period == DeductiblePeriod::quarter ? 3
                         : period == DeductiblePeriod::month ? 1
                                                             : 12;
      const int first = (date.month - 1) / months * months + 1;
      if (first != first_month_[p]) {
        pools[p].deductible_paid = Money{};
        first_month_[p] = first;
      }
      if (months == 12) continue;  // the year's bounds, already set
      from_ = std::max(from_, days_from_civil_wide(date.year, first, 1));
      // (Month 13 is January of the next year: the formula counts months from March.)
      until_ = std::min(until_, days_from_civil_wide(date.year, first + months, 1));
    }
  }

 private:
  explicit MemberState(std::int64_t year) : year_(year) {}

  std::int64_t year_ = std::numeric_limits<std::int64_t>::min();
  std::array<int, max_pools> first_month_{1, 1, 1, 1};  // of each pool's deductible period
  // The days [from_, until_) in which no period turns (empty: the next day starts them).
  std::int64_t from_ = 0, until_ = 0;
};

}  // namespace yibao::rules
