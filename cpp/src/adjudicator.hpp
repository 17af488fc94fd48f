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

// A member's state for one calendar year; reset on 1 January (DESIGN §5).
struct MemberYear {
  std::array<PoolYear, max_pools> pools{};
  Money fund_paid;  // over every pool: ytd_fund_paid and the overall cap
};

inline const char* const service_names[n_services] = {
    "general", "pharmacy", "internet", "emergency", "day_surgery", "chronic", "special_drug"};

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

// Placed rows (placement.hpp) unpacked into columns, a block at a time, in processing order,
// with room for their results: small enough to stay in the core's cache.
class PlacedBlock {
 public:
  static constexpr std::size_t capacity = 8192;

  PlacedBlock()
      : member_(capacity),
        eligible_(capacity),
        institution_(capacity),
        caller_row_(capacity),
        day_(capacity),
        codes_(5 * capacity),
        results_(5 * capacity),
        rule_(capacity) {}

  [[nodiscard]] bool full() const { return size_ == capacity; }
  [[nodiscard]] std::size_t size() const { return size_; }

  // `institution` is the caller's column (empty if none).
  void append(std::int64_t member, const PackedClaim& claim,
              std::span<const std::int64_t> institution) {
    const std::size_t i = size_++;
    member_.span()[i] = member;
    eligible_.span()[i] = claim.eligible;
    if (!institution.empty()) institution_.span()[i] = institution[claim.row];
    caller_row_.span()[i] = claim.row;
    day_.span()[i] = claim.day;
    const auto codes = codes_.span();
    codes[i] = claim.level;
    codes[capacity + i] = claim.status;
    codes[2 * capacity + i] = claim.service;
    codes[3 * capacity + i] = claim.prescriber;
    codes[4 * capacity + i] = claim.tier;
  }

  // The block's rows as the kernel's columns (institution only if the input has one).
  [[nodiscard]] ClaimColumns columns(bool with_institution) const {
    const std::size_t n = size_;
    auto code = [&](std::size_t k) { return codes_.span().subspan(k * capacity, n); };
    return {member_.span().first(n),
            day_.span().first(n),
            code(0),
            eligible_.span().first(n),
            code(1),
            code(2),
            code(3),
            code(4),
            with_institution ? institution_.span().first(n) : std::span<const std::int64_t>{}};
  }

  // Where the kernel writes the block's results: int64 fen, checked against `destination`.
  [[nodiscard]] AdjudicationColumns results(const AdjudicationColumns& destination) const {
    auto column = [&](std::size_t k, const MoneyColumn& to) {
      return MoneyColumn::staging_for(results_.span().subspan(k * capacity, capacity), to);
    };
    return {column(0, destination.deductible),    column(1, destination.fund_paid),
            column(2, destination.self_pay),      column(3, destination.capped),
            column(4, destination.ytd_fund_paid), rule_.span()};
  }

  // Each caller row, for errors (the kernel's `order`).
  [[nodiscard]] std::span<const std::int64_t> caller_rows() const {
    return caller_row_.span().first(size_);
  }

  // The block's results, each to its destination block's stream.
  void stage(ResultStreams& streams) {
    const auto r = results_.span();
    const auto rule = rule_.span();
    const auto row = caller_row_.span();
    for (std::size_t i = 0; i < size_; ++i) {
      streams.put(static_cast<std::size_t>(row[i]), r[i], r[capacity + i], r[2 * capacity + i],
                  r[3 * capacity + i], r[4 * capacity + i], rule[i]);
    }
    size_ = 0;
  }

 private:
  Scratch<std::int64_t> member_, eligible_, institution_, caller_row_;
  Scratch<std::int32_t> day_;
  Scratch<std::int8_t> codes_;     // level, status, service, prescriber, tier
  Scratch<std::int64_t> results_;  // deductible, fund_paid, self_pay, capped, ytd_fund_paid
  Scratch<std::uint16_t> rule_;
  std::size_t size_ = 0;
};

class Adjudicator {
 public:
  Adjudicator(const Policy& policy, const ClaimColumns& claims, const AdjudicationColumns& out)
      : policy_(policy), claims_(claims), out_(&out) {}

  // Rows [begin, end) of the caller's input, assumed in processing order (sorted by member
  // and day; NotInOrder at the first row that is not), whole members only.
  void run(std::size_t begin, std::size_t end) {
    const auto& m = claims_.member;
    const auto& d = claims_.day;
    if (begin > 0 && begin < end &&
        (m[begin] < m[begin - 1] || (m[begin] == m[begin - 1] && d[begin] < d[begin - 1])))
      throw NotInOrder{};
    pass(begin, end, {});
  }

  // Chunk `chunk` of unsorted input placed in member order (placement.hpp): each member's
  // rows taken by day (ties in input order), unpacked a block at a time, and the block's
  // results sent on their way back.
  // `institution` is the caller's column (empty if none).
  void run_placed(MemberPlacement& placed, std::size_t chunk,
                  std::span<const std::int64_t> institution) {
    const AdjudicationColumns& caller = *out_;
    ResultStreams streams = placed.results_of(chunk);
    PlacedBlock block;
    const AdjudicationColumns results = block.results(caller);
    auto flush = [&] {
      claims_ = block.columns(!institution.empty());
      out_ = &results;
      pass(0, block.size(), block.caller_rows());
      out_ = &caller;
      block.stage(streams);
    };
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
            block.append(id, batch[order[q]], institution);
            if (block.full()) flush();
          }
        }
      }
    }
    if (block.size() > 0) flush();
    streams.finish();
  }

  // The next rows of a caller's sorted input, converted block by block (adjudicate_frame):
  // `block` holds rows row_base.. of the input; state carries over from the previous block.
  void run_block(const ClaimColumns& block, std::size_t row_base) {
    claims_ = block;
    pass(0, block.size(), {}, row_base);
  }

 private:
  // Rows [begin, end) of claims_ in processing order; `order` (empty when claims_ are the
  // caller's rows, sorted) gives each one's row in the caller's input, for errors; otherwise
  // that row is row_base + the row in claims_, and so is where its results are stored.
  void pass(std::size_t begin, std::size_t end, std::span<const std::int64_t> order,
            std::size_t row_base = 0) {
    const bool in_order = order.empty();
    for (std::size_t position = 0; position < end - begin; ++position) {
      const std::size_t row = begin + position;  // where the claim is read in claims_
      at_ = in_order ? row_base + row : static_cast<std::size_t>(order[position]);
      out_row_ = row_base + row;
      const std::int32_t row_day = claims_.day[row];
      // In place, rows are only assumed sorted: each is checked against the one before it
      // (a chunk's first against the previous chunk's last, in run()).
      if (in_order && started_ &&
          (claims_.member[row] < member_ || (claims_.member[row] == member_ && row_day < day_)))
        throw NotInOrder{};
      started_ = true;
      if (claims_.member[row] != member_) {
        member_ = claims_.member[row];
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
        adjudicate_row(row);
      } catch (const OverflowError& e) {
        // A year-to-date sum left int64 fen (possible only under a policy without caps):
        // name the row and column like every other error (issue 6) instead of no row.
        if (e.row() != no_row) throw;
        throw OverflowError(std::string(e.what()) + " in this member's year-to-date sums",
                            row_of(at_), "eligible");
      }
    }
  }

 private:
  // A code outside its range (possible only when the core is called directly, not from
  // Python) names the first such column.
  [[noreturn]] void bad_code(std::size_t row) const {
    const std::array<std::pair<const char*, int>, 4> limits{
        {{"status", n_statuses}, {"tier", n_tiers}, {"service", n_services}, {"level", n_levels}}};
    const std::array<std::int8_t, 4> codes{claims_.status[row], claims_.tier[row],
                                           claims_.service[row], claims_.level[row]};
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
  std::size_t pick_level(const LevelChoice& choice, std::size_t row, std::size_t row_level,
                         const Version& version, bool& from_prescriber) const {
    const std::array<int, 3> by_source{static_cast<int>(row_level), claims_.prescriber[row],
                                       choice.fixed_level};
    const int level = by_source[static_cast<std::size_t>(choice.source)];
    // Row and fixed levels are valid already; only a missing prescriber level can fail here.
    if (level < 0 || level >= n_levels) {
      throw InputError(
          "a pharmacy row (外配处方) needs prescriber_level 0..3: its rules take the level of "
          "the prescribing institution",
          row_of(at_), "prescriber_level");
    }
    from_prescriber |= choice.source == LevelSource::prescriber;
    return static_cast<std::size_t>(level == 0 ? version.level0_as : level);
  }

  // Inlined into pass(): a call a row cost about 1 ms a million rows on one thread.
  [[gnu::always_inline]] void adjudicate_row(std::size_t row) {
    const std::size_t v = version_;
    const Version& version = policy_.versions[v];
    // Unsigned comparisons: a negative code wraps to a large value, so one test per column
    // and a single (never taken) branch for the four.
    const auto status = static_cast<std::uint8_t>(claims_.status[row]);
    const auto tier = static_cast<std::uint8_t>(claims_.tier[row]);
    const auto service = static_cast<std::uint8_t>(claims_.service[row]);
    const auto level = static_cast<std::uint8_t>(claims_.level[row]);
    if ((status >= n_statuses) | (tier >= n_tiers) | (service >= n_services) | (level >= n_levels))
      bad_code(row);
    const Money eligible = Money::from_fen(claims_.eligible[row]);
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
        pick_level(rule.rate_level, row, level, version, from_prescriber);
    const std::size_t deductible_level =
        pick_level(rule.deductible_level, row, level, version, from_prescriber);
    const std::size_t cap_level = pick_level(rule.cap_level, row, level, version, from_prescriber);

    Visit* visit = nullptr;
    if (pool.mode == DeductibleMode::per_visit || pool.has_visit_cap) {
      if (claims_.institution.empty()) {
        throw InputError(policy_.region +
                             ": per-visit rules group rows into visits by institution_id "
                             "(one member, one day, one institution)",
                         row_of(at_), "institution_id");
      }
      visit = &visits_.at(claims_.institution[row], rule.pool, pool_year.visits);
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

    // 支付比例, rounded once to the fen before any cap (DESIGN §4).
    const Money base = eligible - deductible;
    const Money rounded = apply_rate(base, pool.rate[status][rate_level], version.rounding);

    // 最高支付限额
    CapChain caps(rounded);
    if (visit != nullptr && pool.has_visit_cap)
      caps.limit(pool.visit_cap[cap_level], visit->fund_paid, rule_visit_cap);
    if (pool.has_annual_cap)
      caps.limit(pool.annual_cap[tier][status], pool_year.fund_paid, rule_annual_cap);
    if (version.has_overall_cap)
      caps.limit(version.overall_cap, state_.fund_paid, rule_overall_cap);
    const Money fund = caps.paid();

    if (visit != nullptr) visit->fund_paid += fund;
    pool_year.fund_paid += fund;
    state_.fund_paid += fund;

    // Built-in invariants (cheap, every row): never a silently wrong number.
    if (deductible < Money{} || deductible > eligible || fund < Money{} || fund > base) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_));
    }

    // A paid row never takes a cap's running total past the cap (issue 6, item 5).
    if (fund > Money{} &&
        ((visit != nullptr && pool.has_visit_cap && visit->fund_paid > pool.visit_cap[cap_level]) ||
         (pool.has_annual_cap && pool_year.fund_paid > pool.annual_cap[tier][status]) ||
         (version.has_overall_cap && state_.fund_paid > version.overall_cap))) {
      throw std::logic_error("yibao internal invariant violated at row " + std::to_string(at_) +
                             ": a cap is exceeded");
    }

    std::uint8_t flags = caps.flags();
    // Branch-free: whether a row is in its deductible is as good as random across rows.
    flags |= static_cast<std::uint8_t>((deductible > Money{} ? rule_deductible : 0) |
                                       (base > Money{} ? rule_rate : 0) |
                                       (from_prescriber ? rule_prescriber : 0));

    out_->deductible.store(out_row_, deductible);
    out_->fund_paid.store(out_row_, fund);
    out_->self_pay.store(out_row_, eligible - fund);
    out_->capped.store(out_row_, rounded - fund);
    out_->ytd_fund_paid.store(out_row_, state_.fund_paid);
    out_->rule[out_row_] = static_cast<std::uint16_t>(v * rule_codes_per_version + flags);
  }

  const Policy& policy_;
  ClaimColumns claims_;
  const AdjudicationColumns* out_;  // the caller's columns, or scratch in processing order
  std::size_t out_row_ = 0;         // where the current row's results are stored in *out_
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
