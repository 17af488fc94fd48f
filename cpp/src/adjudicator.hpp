// The kernel's per-member state machine (internal to the core): one pass over claim rows in
// processing order, shared by yibao::adjudicate (converted columns, adjudicate.cpp) and
// yibao::adjudicate_frame (a frame's own columns, converted block by block, adjudicate_frame.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "day_order.hpp"
#include "placement.hpp"
#include "yibao/buffers.hpp"
#include "yibao/calendar.hpp"
#include "yibao/caps.hpp"
#include "yibao/claims.hpp"
#include "yibao/deductible.hpp"
#include "yibao/errors.hpp"
#include "yibao/policy.hpp"
#include "yibao/visits.hpp"

namespace yibao::detail {

// What a member has used of one pool in the current calendar year.
struct PoolYear {
  Money deductible_paid;
  Money fund_paid;
  std::int64_t visits = 0;
};

// A member's state for one calendar year; reset on 1 January (docs/design.md §5).
struct MemberYear {
  std::array<PoolYear, max_pools> pools{};
  Money fund_paid;           // over every pool: ytd_fund_paid and the overall cap
  Money other_paid;          // pooled payments outside these claims, toward the overall cap
  Money supplementary_paid;  // by the supplementary (大额) fund, toward its own limit
};

// Rows that are not outpatient claims to adjudicate, coded far past the services (the top of
// int8, out of reach of a bad service code) by the Python layer (python/yibao/_context.py), so
// that they travel with the claims in processing order: a dated pooled-fund payment outside
// these claims (inpatient, …), counted toward the overall cap (重庆 第八条; its results are
// dropped), and a general-outpatient row dated within an inpatient stay, which the
// general-outpatient pool does not pay (伊犁 第十六条).
inline constexpr std::uint8_t other_payment_service = 126;
inline constexpr std::uint8_t in_stay_service = 127;
static_assert(n_services < other_payment_service, "the special rows are coded past the services");

// Thrown by a pass over rows assumed sorted at the first row that is not; caught by adjudicate.
struct NotInOrder {};

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

// One claim as the kernel reads it: from the caller's columns (sorted input) or from a
// placed record (unsorted input), so that both paths run the same code on their own layout.
struct ClaimRow {
  std::int64_t member;  // any value that differs from the previous member's
  std::int64_t eligible;
  std::int32_t day;
  std::int8_t level, status, service, prescriber, tier;
  const std::int64_t* institution;  // the row's institution code, or null if the input has none
};

// Row `row` of `claims`.
[[gnu::always_inline]] inline ClaimRow claim_at(const ClaimColumns& claims, std::size_t row) {
  return {claims.member[row],
          claims.eligible[row],
          claims.day[row],
          claims.level[row],
          claims.status[row],
          claims.service[row],
          claims.prescriber[row],
          claims.tier[row],
          claims.institution.empty() ? nullptr : claims.institution.data() + row};
}

// A row's results, before they are stored.
struct RowResult {
  Money deductible, fund_paid, self_pay, capped, ytd_fund_paid;
  std::uint16_t rule;
};

class Adjudicator {
 public:
  Adjudicator(const Policy& policy, const ClaimColumns& claims, const AdjudicationColumns& out)
      : policy_(policy), claims_(claims), out_(out) {}

  // Rows [begin, end) of the caller's input, assumed in processing order (sorted by member
  // and day; NotInOrder at the first row that is not), whole members only.
  void run(std::size_t begin, std::size_t end) {
    const auto& m = claims_.member;
    const auto& d = claims_.day;
    if (begin > 0 && begin < end &&
        (m[begin] < m[begin - 1] || (m[begin] == m[begin - 1] && d[begin] < d[begin - 1])))
      throw NotInOrder{};
    pass(begin, end, 0);
  }

  // Chunk `chunk` of unsorted input placed in member order (placement.hpp): each member's
  // rows taken by day (ties in input order), read from their records, and each row's results
  // sent on their way back to its caller's row. (Unpacking the records into columns for the
  // sorted path's code, and staging the results in columns, took about 5 ms at 2 M rows.)
  // `institution` is the caller's column (empty if none).
  void run_placed(MemberPlacement& placed, std::size_t chunk,
                  std::span<const std::int64_t> institution) {
    const AdjudicationColumns& caller = out_;
    ResultStreams streams = placed.results_of(chunk);
    DayOrder day_order;
    std::vector<PackedClaim> local;  // a partition's records in member order
    const std::size_t first = placed.chunks()[chunk], last = placed.chunks()[chunk + 1];
    for (std::size_t p = placed.partition_of(first);
         p < placed.partitions() && placed.partition_member(p) < last; ++p) {
      const auto records = placed.member_ordered(p, local);
      const std::size_t partition_base = placed.member_begin(placed.partition_member(p));
      const std::size_t partition_last = std::min(last, placed.partition_member(p + 1));
      for (std::size_t m = placed.partition_member(p); m < partition_last;) {
        const std::size_t batch_end = DayOrder::batch_end(placed, m, partition_last);
        const std::size_t base = placed.member_begin(m);
        const auto batch =
            records.subspan(base - partition_base, placed.member_end(batch_end - 1) - base);
        const auto order = day_order.sort(batch, placed, m, batch_end);
        for (; m < batch_end; ++m) {
          const std::int64_t id = placed.member_id(m);
          for (std::size_t q = placed.member_begin(m) - base; q < placed.member_end(m) - base;
               ++q) {
            const PackedClaim& record = batch[order[q]];
            const ClaimRow claim{id,
                                 record.eligible,
                                 record.day,
                                 record.level,
                                 record.status,
                                 record.service,
                                 record.prescriber,
                                 record.tier,
                                 institution.empty() ? nullptr : &institution[record.row]};
            step(claim, record.row, [&](const RowResult& r) {
              // Checked for the caller's columns now, as storing there would (put_back).
              caller.deductible.check(r.deductible);
              caller.fund_paid.check(r.fund_paid);
              caller.self_pay.check(r.self_pay);
              caller.capped.check(r.capped);
              caller.ytd_fund_paid.check(r.ytd_fund_paid);
              streams.put(record.row, r.deductible.fen(), r.fund_paid.fen(), r.self_pay.fen(),
                          r.capped.fen(), r.ytd_fund_paid.fen(), r.rule);
            });
          }
        }
      }
    }
    streams.finish();
  }

  // The next rows of a caller's sorted input, converted block by block (adjudicate_frame):
  // `block` holds rows row_base.. of the input; state carries over from the previous block.
  void run_block(const ClaimColumns& block, std::size_t row_base) {
    claims_ = block;
    pass(0, block.size(), row_base);
  }

 private:
  // Rows [begin, end) of claims_, the caller's rows row_base + begin.., assumed in processing
  // order: each is checked against the one before it (a chunk's first against the previous
  // chunk's last, in run()). Results are stored at the caller's rows.
  void pass(std::size_t begin, std::size_t end, std::size_t row_base) {
    const AdjudicationColumns& out = out_;
    for (std::size_t row = begin; row < end; ++row) {
      const ClaimRow claim = claim_at(claims_, row);
      if (started_ && (claim.member < member_ || (claim.member == member_ && claim.day < day_)))
        throw NotInOrder{};
      started_ = true;
      const std::size_t at = row_base + row;
      step(claim, at, [&](const RowResult& r) {
        out.deductible.store(at, r.deductible);
        out.fund_paid.store(at, r.fund_paid);
        out.self_pay.store(at, r.self_pay);
        out.capped.store(at, r.capped);
        out.ytd_fund_paid.store(at, r.ytd_fund_paid);
        out.rule[at] = r.rule;
      });
    }
  }

  // One claim, the caller's row `at`, in processing order after the previous one: the
  // member's state moves on, and `store` takes the row's results.
  template <class Store>
  [[gnu::always_inline]] void step(const ClaimRow& claim, std::size_t at, Store&& store) {
    at_ = at;
    const std::int32_t row_day = claim.day;
    if (claim.member != member_) {
      member_ = claim.member;
      year_start_ = next_year_start_ = 0;
      day_open_ = false;
    }
    // Rows come in date order within a member, so the year, the version in force and the
    // day's visits change only when the day does.
    if (!day_open_ || row_day != day_) {
      if (row_day < year_start_ || row_day >= next_year_start_) {
        const std::int32_t year = year_of_day(row_day);
        year_start_ = days_from_civil_wide(year, 1, 1);
        next_year_start_ = days_from_civil_wide(year + 1, 1, 1);
        state_ = MemberYear{};
      }
      day_ = row_day;
      day_open_ = true;
      visits_.clear();
      if (row_day < version_from_ || row_day >= version_until_) {
        version_ = version_for(policy_, row_day, at_);
        const auto& vs = policy_.versions;
        version_from_ = vs[version_].effective_day;
        version_until_ = version_ + 1 < vs.size() ? vs[version_ + 1].effective_day
                                                  : std::numeric_limits<std::int32_t>::max();
      }
    }
    try {
      store(adjudicate_row(claim));
    } catch (const OverflowError& e) {
      // A year-to-date sum left int64 fen (possible only under a policy without caps), or an
      // amount left what the caller's column holds: name the row and column like every other
      // error (issue 6) instead of no row.
      if (e.row() != no_row) throw;
      throw OverflowError(
          std::string(e.what()) + " (this row's amounts or its member's year-to-date sums)",
          row_of(at_), "eligible");
    }
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

  // The level a rule is read at. Branch-free: one claim file mixes sources row by row
  // (pharmacy rows take the prescriber's level), so a branch on the source would often be
  // mispredicted.
  std::size_t pick_level(const LevelChoice& choice, std::int8_t prescriber, std::size_t row_level,
                         const Version& version, bool& from_prescriber) const {
    const std::array<int, 3> by_source{static_cast<int>(row_level), prescriber, choice.fixed_level};
    const int level = by_source[static_cast<std::size_t>(choice.source)];
    // Row and fixed levels are valid already; only a missing prescriber level can fail here.
    if (level < 0 || level >= n_levels) {
      throw InputError(std::string("a pharmacy row (外配处方) needs prescriber_level ") +
                           level_range +
                           ": its rules take the level of the prescribing institution",
                       row_of(at_), "prescriber_level");
    }
    from_prescriber |= choice.source == LevelSource::prescriber;
    return static_cast<std::size_t>(level == 0 ? version.level0_as : level);
  }

  // Inlined into step(): a call a row cost about 1 ms a million rows on one thread.
  [[gnu::always_inline]] RowResult adjudicate_row(const ClaimRow& claim) {
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
    PoolYear& pool_year = state_.pools[static_cast<std::size_t>(rule.pool)];

    bool from_prescriber = false;
    const std::size_t rate_level =
        pick_level(rule.rate_level, claim.prescriber, level, version, from_prescriber);
    const std::size_t deductible_level =
        pick_level(rule.deductible_level, claim.prescriber, level, version, from_prescriber);
    const std::size_t cap_level =
        pick_level(rule.cap_level, claim.prescriber, level, version, from_prescriber);

    Visit* visit = nullptr;
    if (pool.mode == DeductibleMode::per_visit || pool.has_visit_cap) {
      if (claim.institution == nullptr) {
        throw InputError(policy_.region +
                             ": per-visit rules group rows into visits by institution_id "
                             "(one member, one day, one institution)",
                         row_of(at_), "institution_id");
      }
      visit = &visits_.at(*claim.institution, rule.pool, pool_year.visits);
    }

    // 起付线
    Money deductible;
    if (pool.mode == DeductibleMode::cumulative) {
      deductible = deductible_part(eligible, pool.threshold[status][deductible_level],
                                   pool_year.deductible_paid);
      pool_year.deductible_paid += deductible;
    } else {
      const LevelMoney& thresholds = visit->first_of_year ? pool.first_visit : pool.later_visit;
      deductible = deductible_part(eligible, thresholds[deductible_level], visit->deductible_paid);
      visit->deductible_paid += deductible;
    }

    // 支付比例, rounded once to the fen before any cap (docs/design.md §4).
    const Money base = eligible - deductible;
    const Money rounded = apply_rate(base, pool.rate[status][rate_level], version.rounding);

    // 最高支付限额
    CapChain caps(rounded);
    if (visit != nullptr && pool.has_visit_cap)
      caps.limit(pool.visit_cap[cap_level], visit->fund_paid, rule_visit_cap);
    if (pool.has_annual_cap)
      caps.limit(pool.annual_cap[tier][status], pool_year.fund_paid, rule_annual_cap);
    const Money below_overall = caps.paid();
    if (version.has_overall_cap) overall_limit(version, caps);
    const Money fund = caps.paid();
    const Money supplementary =
        below_overall > fund ? supplementary_part(version, below_overall - fund) : Money{};

    // The outpatient caps bound what the member's outpatient care gets from both funds (the
    // benefit continues above the overall limit, only the payer changes: docs/design.md §6b).
    if (visit != nullptr) visit->fund_paid += fund + supplementary;
    pool_year.fund_paid += fund + supplementary;
    state_.fund_paid += fund;

    // Built-in invariants (cheap, every row): never a silently wrong number.
    if (deductible < Money{} || deductible > eligible || fund < Money{} || fund > base ||
        supplementary < Money{} || fund + supplementary > rounded) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_));
    }

    // A paid row never takes a cap's running total past the cap (issue 6, item 5).
    if (fund > Money{} &&
        ((visit != nullptr && pool.has_visit_cap && visit->fund_paid > pool.visit_cap[cap_level]) ||
         (pool.has_annual_cap && pool_year.fund_paid > pool.annual_cap[tier][status]) ||
         (version.has_overall_cap && version.overall_missing.empty() &&
          state_.fund_paid + state_.other_paid > version.overall_cap))) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_) +
                             ": a cap is exceeded");
    }

    std::uint8_t flags = caps.flags();
    // Branch-free: whether a row is in its deductible is as good as random across rows.
    flags |= static_cast<std::uint8_t>((deductible > Money{} ? rule_deductible : 0) |
                                       (base > Money{} ? rule_rate : 0) |
                                       (from_prescriber ? rule_prescriber : 0) |
                                       (supplementary > Money{} ? rule_supplementary : 0));

    // self_pay leaves out the supplementary fund's part: supplementary_paid is derived from it
    // on the rows flagged rule_supplementary (python/yibao/_context.py).
    return {deductible,
            fund,
            eligible - fund - supplementary,
            rounded - fund,
            state_.fund_paid,
            static_cast<std::uint16_t>(v * rule_codes_per_version + flags)};
  }

  // 最高支付限额 over every pooled payment of the year, these claims' and those given apart.
  void overall_limit(const Version& version, CapChain& caps) const {
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
    caps.limit(version.overall_cap, state_.fund_paid + state_.other_paid, rule_overall_cap);
  }

  // What the supplementary fund (大额) pays of `withheld`, the part the overall cap withheld.
  Money supplementary_part(const Version& version, Money withheld) {
    if (!version.has_supplementary) return Money{};
    if (!version.supplementary_missing.empty()) {
      throw MissingParameter(policy_.region +
                                 ": the overall limit is reached and the supplementary fund (大额) "
                                 "pays above it, with parameters the source text does not give: " +
                                 version.supplementary_missing,
                             row_of(at_), "");
    }
    const Money paid =
        std::min(withheld, remaining(version.supplementary_cap, state_.supplementary_paid));
    state_.supplementary_paid += paid;
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
  ClaimColumns claims_;
  const AdjudicationColumns& out_;  // the caller's columns
  std::size_t at_ = 0;              // the caller's row of the claim being adjudicated
  MemberYear state_{};
  DayVisits visits_;
  std::size_t version_ = 0;
  // The pass's position, kept between blocks: the current member, the current member-year
  // as the days [year_start_, next_year_start_) (empty: the first row opens one), the day.
  bool started_ = false;
  std::int64_t member_ = 0;
  // (int64: 1 January after the last int32 day is past the int32 range.) day_ is the current
  // day once day_open_ (no sentinel value: every int32 is a possible day).
  std::int64_t year_start_ = 0, next_year_start_ = 0;
  std::int32_t day_ = 0;
  bool day_open_ = false;
  // The days on which version_ is in force, [from, until): most rows need no search.
  std::int32_t version_from_ = 0, version_until_ = 0;
};

// Adjudicates placed rows (placement.hpp) into `out`, on `threads` threads.
// `institution` is the caller's column (empty if none).
void adjudicate_placed(const Policy& policy, MemberPlacement& placed,
                       std::span<const std::int64_t> institution, const AdjudicationColumns& out,
                       std::size_t threads);

}  // namespace yibao::detail
