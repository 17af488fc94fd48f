#include "yibao/policy.hpp"

#include <string>

#include "yibao/claims.hpp"
#include "yibao/errors.hpp"

namespace yibao {
namespace {

void check_level(const LevelChoice& choice, const std::string& where) {
  if (choice.source == LevelSource::fixed && (choice.fixed_level < 1 || choice.fixed_level > 3))
    throw PolicyError(where + ": fixed level must be 1, 2 or 3");
}

void check_amounts(const LevelMoney& amounts, const std::string& where) {
  for (const Money m : amounts) {
    if (m < Money{}) throw PolicyError(where + " must not be negative");
  }
}

}  // namespace

void validate(const Policy& policy) {
  if (policy.versions.empty()) throw PolicyError(policy.region + ": policy has no version");
  if (policy.versions.size() > max_versions)
    throw PolicyError(policy.region + ": at most " + std::to_string(max_versions) + " versions");
  for (std::size_t v = 0; v < policy.versions.size(); ++v) {
    const Version& version = policy.versions[v];
    const std::string where = policy.region + " version " + std::to_string(v);
    if (v > 0 && version.effective_day <= policy.versions[v - 1].effective_day)
      throw PolicyError(where + ": versions must be in strictly increasing effective date");
    if (version.level0_as < 1 || version.level0_as > 3)
      throw PolicyError(where + ": level0_as must be 1, 2 or 3");
    if (version.pools.size() > static_cast<std::size_t>(max_pools))
      throw PolicyError(where + ": at most " + std::to_string(max_pools) + " pools");
    if (version.has_overall_cap && version.overall_cap < Money{})
      throw PolicyError(where + ": overall cap must not be negative");
    if (version.has_supplementary && version.supplementary_cap < Money{})
      throw PolicyError(where + ": supplementary cap must not be negative");
    for (const Pool& pool : version.pools) {
      if (pool.period < DeductiblePeriod::year || pool.period > DeductiblePeriod::visit)
        throw PolicyError(where + ": deductible period must be year, quarter, month or visit");
      for (int s = 0; s < n_statuses; ++s) {
        check_amounts(pool.threshold[static_cast<std::size_t>(s)], where + " deductible");
        for (const Rate r : pool.rate[static_cast<std::size_t>(s)]) {
          if (r < Rate::from_ppm(0) || r > Rate::from_ppm(Rate::one))
            throw PolicyError(where + ": rates must lie within 0..1");
        }
      }
      check_amounts(pool.first_visit, where + " first-visit deductible");
      check_amounts(pool.later_visit, where + " later-visit deductible");
      check_amounts(pool.visit_cap, where + " per-visit cap");
      for (const auto& by_status : pool.annual_cap) {
        for (const Money m : by_status) {
          if (m < Money{}) throw PolicyError(where + ": annual cap must not be negative");
        }
      }
    }
    for (const ServiceRule& rule : version.services) {
      if (rule.pool >= static_cast<std::int8_t>(version.pools.size()) || rule.pool < -1)
        throw PolicyError(where + ": service refers to a pool that does not exist");
      check_level(rule.rate_level, where + " rate level");
      check_level(rule.deductible_level, where + " deductible level");
      check_level(rule.cap_level, where + " cap level");
    }
  }
}

}  // namespace yibao
