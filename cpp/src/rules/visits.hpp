// Visit grouping (Ili 第十一条: one member, one day, one institution = one visit) and the
// state a visit carries: its deductible and its fund payment against the per-visit cap.
#pragma once

#include <cstdint>
#include <vector>

#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao {

// Whether a pool's rules group rows into visits (by institution_id): the one place that says
// so, for the rules below and for the drivers, which skip reading institutions otherwise.
inline bool needs_visits(const Pool& pool) {
  return pool.period == DeductiblePeriod::visit || pool.has_visit_cap;
}

inline bool needs_visits(const Policy& policy) {
  for (const Version& version : policy.versions) {
    for (const Pool& pool : version.pools) {
      if (needs_visits(pool)) return true;
    }
  }
  return false;
}

struct Visit {
  std::int64_t institution = 0;
  std::int8_t pool = 0;
  bool first_of_year = false;  // the member's first visit of the calendar year in this pool
  Money deductible_paid;
  Money fund_paid;
};

// The visits of one member on one day. A member sees few institutions a day, so a linear
// search over a small vector beats any map.
class DayVisits {
 public:
  void clear() { visits_.clear(); }

  // The visit of (institution, pool) today, opened on first sight. `visits_this_year` is the
  // member's count of visits in the pool, incremented when a visit opens.
  Visit& at(std::int64_t institution, std::int8_t pool, std::int64_t& visits_this_year) {
    for (Visit& v : visits_) {
      if (v.institution == institution && v.pool == pool) return v;
    }
    visits_.push_back(Visit{institution, pool, visits_this_year == 0, Money{}, Money{}});
    ++visits_this_year;
    return visits_.back();
  }

  // The place of `v` (one of today's) among today's visits, in the order they opened.
  std::size_t index(const Visit& v) const { return static_cast<std::size_t>(&v - visits_.data()); }

 private:
  std::vector<Visit> visits_;
};

}  // namespace yibao
