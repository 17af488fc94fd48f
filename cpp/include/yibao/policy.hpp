// A policy as the kernel sees it: numeric tables, already expanded from the TOML file by the
// Python layer (python/yibao/policy.py). Mechanisms are fixed here; every region is data.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "yibao/money.hpp"
#include "yibao/schema.hpp"  // levels, Status, Tier, Service (generated from schema.toml)

namespace yibao {

inline constexpr int max_pools = 4;

// How long a deductible (起付线) runs before it starts again. Over a year, quarter or month it
// is counted cumulatively: a row pays min(eligible, max(0, T(status, level) - paid so far in the
// period)); with T by status this is Chongqing's/Nanchang's annual deductible, with T by level
// Jining's 累计补差 top-up. Per visit (Ili 第十一条) it is T(level) of the member's first visit
// of the year, then the later-visit T(level); rows of one visit share it. Caps stay annual.
enum class DeductiblePeriod : std::int8_t { year = 0, quarter = 1, month = 2, visit = 3 };

// Where a row's level-dependent parameter takes its level from.
enum class LevelSource : std::int8_t { row = 0, prescriber = 1, fixed = 2 };

struct LevelChoice {
  LevelSource source = LevelSource::row;
  std::int8_t fixed_level = 0;  // used when source == fixed
  friend bool operator==(const LevelChoice&, const LevelChoice&) = default;
};

using LevelMoney = std::array<Money, n_levels>;

// One benefit schedule (统筹 pool): general outpatient, or a service with its own rules.
struct Pool {
  DeductiblePeriod period = DeductiblePeriod::year;
  std::array<LevelMoney, n_statuses> threshold{};  // year, quarter, month: [status][level]
  LevelMoney first_visit{};                        // visit: first visit of the year
  LevelMoney later_visit{};                        // visit: every later visit
  std::array<std::array<Rate, n_levels>, n_statuses> rate{};  // [status][level]
  bool has_visit_cap = false;
  LevelMoney visit_cap{};  // 单次最高支付限额 [level]
  bool has_annual_cap = false;
  std::array<std::array<Money, n_statuses>, n_tiers> annual_cap{};  // [tier][status]
  friend bool operator==(const Pool&, const Pool&) = default;
};

// How one service is adjudicated: in which pool, with levels from where; or not at all,
// because the text gives no parameters (then `missing` says what to supply).
struct ServiceRule {
  std::int8_t pool = -1;  // -1: no parameters
  LevelChoice rate_level;
  LevelChoice deductible_level;
  LevelChoice cap_level;
  std::string missing;
  friend bool operator==(const ServiceRule&, const ServiceRule&) = default;
};

struct Version {
  std::int32_t effective_day = 0;  // days since 1970-01-01 of the first day in force
  Rounding rounding = Rounding::half_up;
  std::int8_t level0_as = 1;  // level 0 (unrated/基层) is treated as this level
  std::vector<Pool> pools;
  std::array<ServiceRule, n_services> services{};
  bool has_overall_cap = false;  // cap over every pool together (Ili 第十四条)
  Money overall_cap;
  // Non-empty: the overall cap's value is not in the text; needed (MissingParameter) only by
  // a member-year with pooled payments outside these claims (重庆 第八条; docs/design.md §6b).
  std::string overall_missing;
  // The supplementary fund (大额) pays what the overall cap withheld, up to its own annual
  // limit per member (重庆 第八条第二款); `supplementary_missing` non-empty: its parameters
  // are not in the text, needed only by a row the overall cap withholds from.
  bool has_supplementary = false;
  Money supplementary_cap;
  std::string supplementary_missing;
  friend bool operator==(const Version&, const Version&) = default;
};

struct Policy {
  std::string region;
  std::vector<Version> versions;  // sorted by effective_day, strictly increasing
  friend bool operator==(const Policy&, const Policy&) = default;
};

// Throws PolicyError if the tables cannot be used (empty, unsorted, rates outside 0..1,
// negative amounts, pool indices or deductible periods out of range).
void validate(const Policy& policy);

}  // namespace yibao
