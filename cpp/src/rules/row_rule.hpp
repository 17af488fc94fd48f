// The rules of one claim row, in the order a policy text applies them: the version in force,
// the level each parameter is read at, the deductible (起付线), the rate (支付比例, rounded
// once), the caps (最高支付限额), and the row's rule flags. Rows arrive in processing order
// (by member, then day); how they are found and where results go is the driver's business
// (adjudicator.hpp), not this file's.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "caps.hpp"
#include "deductible.hpp"
#include "member_state.hpp"
#include "visits.hpp"
#include "yibao/calendar.hpp"
#include "yibao/claims.hpp"
#include "yibao/errors.hpp"
#include "yibao/policy.hpp"

namespace yibao::rules {

inline std::int64_t row_of(std::size_t position) {
  return static_cast<std::int64_t>(position);
}

// The version in force on `day`: the last one whose effective date is not after it.
inline std::size_t version_for(const Policy& policy, std::int32_t day, std::size_t row) {
  const auto& vs = policy.versions;
  auto it = std::upper_bound(vs.begin(), vs.end(), day,
                             [](std::int32_t d, const Version& v) { return d < v.effective_day; });
  if (it == vs.begin()) {
    throw NoVersionInForce(policy.region + ": no version in force on " + date_string(day) +
                               " (the first takes effect on " +
                               date_string(vs.front().effective_day) +
                               "); rules are never backdated",
                           row_of(row), "date");
  }
  return static_cast<std::size_t>(it - vs.begin()) - 1;
}

// Rows that are not outpatient claims to adjudicate, coded far past the services (the top of
// int8, out of reach of a bad service code) by the Python layer (python/yibao/_context.py), so
// that they travel with the claims in processing order: a dated pooled-fund payment outside
// these claims (inpatient, …), counted toward the overall cap (重庆 第八条; its results are
// dropped), and a general-outpatient row dated within an inpatient stay, which the
// general-outpatient pool does not pay (伊犁 第十六条).
inline constexpr std::uint8_t other_payment_service = 126;
inline constexpr std::uint8_t in_stay_service = 127;
static_assert(n_services < other_payment_service, "the special rows are coded past the services");

// One claim as the rules read it. Fields beyond the packed record (placement.hpp) come by
// row, as pointers into the caller's columns, like `institution`.
struct ClaimRow {
  std::int64_t member;  // any value that differs from the previous member's
  std::int64_t eligible;
  std::int32_t day;
  std::int8_t level, status, service, prescriber, tier;
  const std::int64_t* institution;  // the row's institution code, or null if the input has none
};

// A row's results, before they are stored.
struct RowResult {
  Money deductible, fund_paid, self_pay, capped, ytd_fund_paid;
  std::uint16_t rule;
};

// A row as far as its caps (RowRules' price half): nothing in it depends on what the funds
// paid, so it is the same under every policy that differs from this one only in cap values.
struct Priced {
  Money eligible, deductible, base, rounded;
  std::size_t version, pool, cap_level;
  std::uint8_t status, tier;
  bool from_prescriber;
  Visit* visit;             // the row's visit, if its pool has visits ...
  std::size_t visit_index;  // ... and its place among the day's (DayVisits::index)
  std::int64_t year;        // of the member's sums (MemberState::year)
};

// The rules of one policy over one member's rows at a time. The driver calls new_member()
// when the member changes, new_day() on the first row of each day, and row() for every row.
class RowRules {
 public:
  explicit RowRules(const Policy& policy) : policy_(policy) {}

  // The next rows belong to another member: nothing carries over.
  void new_member() { state_.forget(); }

  // The first row of `day` for this member (the caller's row `at`): the version in force, the
  // member's periods and the day's visits change only when the day does.
  [[gnu::always_inline]] void new_day(std::int32_t day, std::size_t at) {
    visits_.clear();
    if (day < version_from_ || day >= version_until_) {
      version_ = version_for(policy_, day, at);
      const auto& vs = policy_.versions;
      version_from_ = vs[version_].effective_day;
      version_until_ = version_ + 1 < vs.size() ? vs[version_ + 1].effective_day
                                                : std::numeric_limits<std::int32_t>::max();
      state_.enter(day, vs[version_]);
    } else if (!state_.current(day)) {
      state_.enter(day, policy_.versions[version_]);
    }
  }

  // One claim, the caller's row `at`, after the rows before it in processing order. With
  // `paying`, its caps are left to paying(priced row) instead of pay() below (yibao::totals
  // pays it under each point of a sweep); rows outside outpatient care have no caps.
  template <class... Pay>
  [[gnu::always_inline]] RowResult row(const ClaimRow& claim, std::size_t at, Pay&&... paying) {
    at_ = at;
    return adjudicate_row(claim, paying...);
  }

  // 最高支付限额: the caps of `version` and its `pool` (the row's: the one in force, or a sweep
  // point's that differs from it only in cap values) over what the funds paid so far: the
  // sums of `paid` (state_, or a sweep point's own) and of `visit` (the row's, if any).
  [[gnu::always_inline]] RowResult pay(const Priced& priced, const Version& version,
                                       const Pool& pool, MemberState& paid, Visit* visit) {
    Money& pool_paid = paid.pools[priced.pool].fund_paid;
    const Money eligible = priced.eligible, deductible = priced.deductible, base = priced.base,
                rounded = priced.rounded;
    CapChain caps(rounded);
    if (visit != nullptr && pool.has_visit_cap)
      caps.limit(pool.visit_cap[priced.cap_level], visit->fund_paid, rule_visit_cap);
    if (pool.has_annual_cap)
      caps.limit(pool.annual_cap[priced.tier][priced.status], pool_paid, rule_annual_cap);
    const Money below_overall = caps.paid();
    if (version.has_overall_cap) overall_limit(version, caps, paid.fund_paid);
    const Money fund = caps.paid();
    const Money supplementary =
        below_overall > fund
            ? supplementary_part(version, below_overall - fund, paid.supplementary_paid)
            : Money{};

    // The outpatient caps bound what the member's outpatient care gets from both funds (the
    // benefit continues above the overall limit, only the payer changes: docs/design.md §6b).
    if (visit != nullptr) visit->fund_paid += fund + supplementary;
    pool_paid += fund + supplementary;
    paid.fund_paid += fund;

    // Built-in invariants (cheap, every row): never a silently wrong number.
    if (deductible < Money{} || deductible > eligible || fund < Money{} || fund > base ||
        supplementary < Money{} || fund + supplementary > rounded) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_));
    }

    // A paid row never takes a cap's running total past the cap (issue 6, item 5).
    if (fund > Money{} &&
        ((visit != nullptr && pool.has_visit_cap &&
          visit->fund_paid > pool.visit_cap[priced.cap_level]) ||
         (pool.has_annual_cap && pool_paid > pool.annual_cap[priced.tier][priced.status]) ||
         (version.has_overall_cap && version.overall_missing.empty() &&
          paid.fund_paid + state_.other_paid > version.overall_cap))) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_) +
                             ": a cap is exceeded");
    }

    std::uint8_t flags = caps.flags();
    // Branch-free: whether a row is in its deductible is as good as random across rows.
    flags |= static_cast<std::uint8_t>((deductible > Money{} ? rule_deductible : 0) |
                                       (base > Money{} ? rule_rate : 0) |
                                       (priced.from_prescriber ? rule_prescriber : 0) |
                                       (supplementary > Money{} ? rule_supplementary : 0));

    // self_pay leaves out the supplementary fund's part: supplementary_paid is derived from it
    // on the rows flagged rule_supplementary (python/yibao/_context.py).
    return {deductible,
            fund,
            eligible - fund - supplementary,
            rounded - fund,
            paid.fund_paid,
            static_cast<std::uint16_t>(priced.version * rule_codes_per_version + flags)};
  }

 private:
  // A code outside its range (possible only when the core is called directly, not from
  // Python) names the first such column.
  [[noreturn]] void bad_code(const ClaimRow& claim) const {
    const std::array<std::pair<const char*, int>, 4> limits{
        {{"status", n_statuses}, {"tier", n_tiers}, {"service", n_services}, {"level", n_levels}}};
    const std::array<std::int8_t, 4> codes{claim.status, claim.tier, claim.service, claim.level};
    for (std::size_t k = 0; k < limits.size(); ++k) {
      if (codes[k] < 0 || codes[k] >= limits[k].second) {
        throw InputError(
            std::string(limits[k].first) + " code " + std::to_string(codes[k]) + " is out of range",
            row_of(at_), limits[k].first);
      }
    }
    throw std::logic_error("bad_code called on valid codes");
  }

  // The levels a row's rate, deductible and caps are read at (level 0 as the version says),
  // each from its own source. Branch-free: one claim file mixes sources row by row (pharmacy
  // rows take the prescriber's level), so a branch on the source would often be mispredicted.
  struct Levels {
    std::size_t rate, deductible, cap;
    bool from_prescriber;
  };
  Levels pick_levels(const ServiceRule& rule, std::int8_t prescriber, std::uint8_t row_level,
                     const Version& version) const {
    const auto as = [&](int level) { return level == 0 ? int{version.level0_as} : level; };
    const int row = as(row_level), by = as(prescriber);
    const auto pick = [&](const LevelChoice& choice) {
      const int fixed = choice.fixed_level;  // 1..3 (validate)
      return choice.source == LevelSource::row          ? row
             : choice.source == LevelSource::prescriber ? by
                                                        : fixed;
    };
    const bool from_prescriber = (rule.rate_level.source == LevelSource::prescriber) |
                                 (rule.deductible_level.source == LevelSource::prescriber) |
                                 (rule.cap_level.source == LevelSource::prescriber);
    // Row and fixed levels are valid already; only a missing prescriber level can fail here.
    if (from_prescriber && (prescriber < 0 || prescriber >= n_levels)) {
      throw InputError(std::string("a pharmacy row (外配处方) needs prescriber_level ") +
                           level_range +
                           ": its rules take the level of the prescribing institution",
                       row_of(at_), "prescriber_level");
    }
    return {static_cast<std::size_t>(pick(rule.rate_level)),
            static_cast<std::size_t>(pick(rule.deductible_level)),
            static_cast<std::size_t>(pick(rule.cap_level)), from_prescriber};
  }

  // Inlined into the driver's loop: a call a row cost about 1 ms a million rows on one thread.
  // The price half of a row (everything before its caps), its caps left to `paying`.
  template <class... Pay>
  [[gnu::always_inline]] RowResult adjudicate_row(const ClaimRow& claim, Pay&&... paying) {
    const std::size_t v = version_;
    const Version& version = policy_.versions[v];
    // Unsigned comparisons: a negative code wraps to a large value, so one test per column
    // and a single (never taken) branch for the four.
    const auto status = static_cast<std::uint8_t>(claim.status);
    const auto tier = static_cast<std::uint8_t>(claim.tier);
    const auto service = static_cast<std::uint8_t>(claim.service);
    const auto level = static_cast<std::uint8_t>(claim.level);
    const Money eligible = Money::from_fen(claim.eligible);
    if ((service == other_payment_service) | (service == in_stay_service)) [[unlikely]]
      return outside_outpatient(service, eligible, v);
    if ((status >= n_statuses) | (tier >= n_tiers) | (service >= n_services) | (level >= n_levels))
      bad_code(claim);
    if (eligible < Money{}) {
      throw InputError("eligible amount " + eligible.to_string() + " is negative", row_of(at_),
                       "eligible");
    }

    const ServiceRule& rule = version.services[service];
    if (rule.pool < 0) {
      throw MissingParameter(policy_.region + ": service '" + service_names[service] +
                                 "' has no parameters in the source text: " + rule.missing,
                             row_of(at_), "service");
    }
    const Pool& pool = version.pools[static_cast<std::size_t>(rule.pool)];
    PoolState& pool_state = state_.pools[static_cast<std::size_t>(rule.pool)];

    const auto [rate_level, deductible_level, cap_level, from_prescriber] =
        pick_levels(rule, claim.prescriber, level, version);

    Visit* visit = nullptr;
    if (needs_visits(pool)) {
      if (claim.institution == nullptr) {
        throw InputError(policy_.region +
                             ": per-visit rules group rows into visits by institution_id "
                             "(one member, one day, one institution)",
                         row_of(at_), "institution_id");
      }
      visit = &visits_.at(*claim.institution, rule.pool, pool_state.visits);
    }

    // 起付线
    Money deductible;
    if (pool.period != DeductiblePeriod::visit) {
      deductible = deductible_part(eligible, pool.threshold[status][deductible_level],
                                   pool_state.deductible_paid);
      pool_state.deductible_paid += deductible;
    } else {
      const LevelMoney& thresholds = visit->first_of_year ? pool.first_visit : pool.later_visit;
      deductible = deductible_part(eligible, thresholds[deductible_level], visit->deductible_paid);
      visit->deductible_paid += deductible;
    }

    // 支付比例, rounded once to the fen before any cap (docs/design.md §4).
    const Money base = eligible - deductible;
    const Money rounded = apply_rate(base, pool.rate[status][rate_level], version.rounding);

    const Priced priced{eligible,        deductible, base,
                        rounded,         v,          static_cast<std::size_t>(rule.pool),
                        cap_level,       status,     tier,
                        from_prescriber, visit,      visit != nullptr ? visits_.index(*visit) : 0,
                        state_.year()};
    if constexpr (sizeof...(Pay) > 0) {
      return (paying(priced), ...);
    } else {
      return pay(priced, version, pool, state_, visit);
    }
  }

  // 最高支付限额 over every pooled payment of the year, these claims' and those given apart.
  void overall_limit(const Version& version, CapChain& caps, Money fund_paid) const {
    if (!version.overall_missing.empty()) {
      // Without other payments the outpatient caps alone cannot reach an overall limit (an
      // assumption in the policy files), so the missing value is needed only with them.
      if (state_.other_paid > Money{}) {
        throw MissingParameter(policy_.region +
                                   ": the member's other pooled payments of the year count "
                                   "toward the overall limit, whose value is not given: " +
                                   version.overall_missing,
                               row_of(at_), "other_paid");
      }
      return;
    }
    caps.limit(version.overall_cap, fund_paid + state_.other_paid, rule_overall_cap);
  }

  // What the supplementary fund (大额) pays of `withheld`, the part the overall cap withheld.
  Money supplementary_part(const Version& version, Money withheld, Money& supplementary_paid) {
    if (!version.has_supplementary) return Money{};
    if (!version.supplementary_missing.empty()) {
      throw MissingParameter(policy_.region +
                                 ": the overall limit is reached and the supplementary fund (大额) "
                                 "pays above it, with parameters the source text does not give: " +
                                 version.supplementary_missing,
                             row_of(at_), "");
    }
    const Money paid = std::min(withheld, remaining(version.supplementary_cap, supplementary_paid));
    supplementary_paid += paid;
    return paid;
  }

  // A row coded other_payment_service or in_stay_service (see there).
  RowResult outside_outpatient(std::uint8_t service, Money amount, std::size_t v) {
    if (amount < Money{}) {
      throw InputError("amount " + amount.to_string() + " is negative", row_of(at_),
                       service == other_payment_service ? "other_paid" : "eligible");
    }
    const auto code = static_cast<std::uint16_t>(v * rule_codes_per_version);
    if (service == other_payment_service) {
      state_.other_paid += amount;
      return {Money{}, Money{}, Money{}, Money{}, state_.fund_paid, code};
    }
    // 伊犁 第十六条: not paid by the general-outpatient pool, and not a visit.
    return {Money{}, Money{},          amount,
            Money{}, state_.fund_paid, static_cast<std::uint16_t>(code + rule_inpatient_stay)};
  }

  const Policy& policy_;
  std::size_t at_ = 0;  // the caller's row of the claim being adjudicated
  MemberState state_;
  DayVisits visits_;
  std::size_t version_ = 0;
  // The days on which version_ is in force, [from, until): most days need no search.
  std::int32_t version_from_ = 0, version_until_ = 0;
};

}  // namespace yibao::rules
