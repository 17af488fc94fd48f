// The kernel's drivers (internal to the core), used by yibao::adjudicate_frame
// (adjudicate_frame.cpp): sorted rows block by block as they are converted (run_block),
// unsorted rows once placed (run_placed); each row goes to the rules (rules/row_rule.hpp).
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "placement.hpp"
#include "rules/row_rule.hpp"
#include "yibao/claims.hpp"
#include "yibao/errors.hpp"
#include "yibao/policy.hpp"

namespace yibao::detail {

// Thrown by a pass over rows assumed sorted at the first row that is not; caught by
// adjudicate_frame, which then places the rows.
struct NotInOrder {};

using rules::ClaimRow;
using rules::row_of;
using rules::RowResult;

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

class Adjudicator {
 public:
  Adjudicator(const Policy& policy, const AdjudicationColumns& out)
      : rules_(policy),
        out_(out),
        unchecked_(std::min({out.deductible.largest(), out.fund_paid.largest(),
                             out.self_pay.largest(), out.capped.largest()})) {}

  // Chunk `chunk` of unsorted input placed in member order (placement.hpp): each member's
  // rows taken by day (ties in input order), read from their records, and each row's results
  // sent on their way back to its caller's row. (Unpacking the records into columns for the
  // sorted path's code, and staging the results in columns, took about 5 ms at 2 M rows.)
  // `institution` is the caller's column (empty if none).
  void run_placed(MemberPlacement& placed, std::size_t chunk,
                  std::span<const std::int64_t> institution) {
    LineStreams<StagedResult> streams = placed.results_of(chunk);
    std::vector<WideResult>& wide = placed.wide(chunk);
    Sorting scratch;
    for (std::size_t p = placed.chunks()[chunk]; p < placed.chunks()[chunk + 1]; ++p) {
      const std::int64_t first = placed.first_id(p);
      for (const PackedClaim& record : placed.sorted(p, scratch)) {
        const ClaimRow claim{first + record.member_offset,
                             record.eligible,
                             record.day,
                             record.level,
                             record.status,
                             record.service,
                             record.prescriber,
                             record.tier,
                             institution.empty() ? nullptr : &institution[record.row]};
        step(claim, record.row, [&](const RowResult& r) {
          const WideResult all{record.row,
                               {r.deductible.fen(), r.fund_paid.fen(), r.self_pay.fen(),
                                r.capped.fen(), r.ytd_fund_paid.fen()}};
          check_fits(claim.eligible, r);  // now, as storing in the caller's columns would
          streams.put(record.row >> block_shift, StagedResult::of(all, r.rule, wide));
        });
      }
    }
    streams.finish();
  }

  // The next rows of a caller's sorted input, converted block by block (adjudicate_frame):
  // `block` holds rows row_base.. of the input; state carries over from the previous block.
  // Each row is checked against the one before it (a block's first against the previous
  // block's last), NotInOrder at the first out of processing order; results are stored at
  // the caller's rows.
  void run_block(const ClaimColumns& block, std::size_t row_base) {
    const AdjudicationColumns& out = out_;
    for (std::size_t row = 0, n = block.size(); row < n; ++row) {
      const ClaimRow claim = claim_at(block, row);
      if (day_open_ && (claim.member < member_ || (claim.member == member_ && claim.day < day_)))
        throw NotInOrder{};
      const std::size_t at = row_base + row;
      step(claim, at, [&](const RowResult& r) {
        check_fits(claim.eligible, r);
        out.deductible.store_checked(at, r.deductible.fen());
        out.fund_paid.store_checked(at, r.fund_paid.fen());
        out.self_pay.store_checked(at, r.self_pay.fen());
        out.capped.store_checked(at, r.capped.fen());
        out.ytd_fund_paid.store_checked(at, r.ytd_fund_paid.fen());
        out.rule[at] = r.rule;
      });
    }
  }

  // One claim, the caller's row `at`, in processing order after the previous one (the caller
  // has checked the order): the member's state moves on, and `store` takes the row's results
  // (yibao::totals sums them). With `paying`, the row's caps are left to it (RowRules::row),
  // which may pay the row under other caps with pay() below.
  template <class Store, class... Pay>
  [[gnu::always_inline]] void step(const ClaimRow& claim, std::size_t at, Store&& store,
                                   Pay&&... paying) {
    if (claim.member != member_) {
      member_ = claim.member;
      rules_.new_member();
      day_open_ = false;
    }
    if (!day_open_ || claim.day != day_) {
      day_ = claim.day;
      day_open_ = true;
      rules_.new_day(claim.day, at);
    }
    try {
      store(rules_.row(claim, at, std::forward<Pay>(paying)...));
    } catch (const OverflowError& e) {
      rethrow_at(e, at);
    }
  }

  // RowRules::pay for the row `at` (priced by step), an overflow named as in step.
  [[gnu::always_inline]] RowResult pay(const rules::Priced& row, const Version& caps,
                                       rules::MemberState& paid, Visit* visit, std::size_t at) {
    try {
      return rules_.pay(row, caps, caps.pools[row.pool], paid, visit);
    } catch (const OverflowError& e) {
      rethrow_at(e, at);
    }
  }

 private:
  // Refuses (OverflowError) a row's amounts that the caller's columns cannot hold, as storing
  // them would: the year-to-date sum, and the others only where the row's eligible amount is
  // past what a column holds (they lie within 0..eligible: RowRules::pay checks so).
  [[gnu::always_inline]] void check_fits(std::int64_t eligible, const RowResult& r) const {
    if (eligible > unchecked_) [[unlikely]] {
      out_.deductible.check(r.deductible);
      out_.fund_paid.check(r.fund_paid);
      out_.self_pay.check(r.self_pay);
      out_.capped.check(r.capped);
    }
    if (!out_.ytd_fund_paid.fits(r.ytd_fund_paid)) out_.ytd_fund_paid.check(r.ytd_fund_paid);
  }

  // A year-to-date sum left int64 fen (possible only under a policy without caps), or an
  // amount left what the caller's column holds: name the row and column like every other
  // error (issue 6) instead of no row.
  [[noreturn]] static void rethrow_at(const OverflowError& e, std::size_t at) {
    if (e.row() != no_row) throw;
    throw OverflowError(
        std::string(e.what()) + " (this row's amounts or its member's year-to-date sums)",
        row_of(at), "eligible");
  }

  rules::RowRules rules_;
  const AdjudicationColumns& out_;  // the caller's columns
  std::int64_t unchecked_;          // the largest amount each of them but ytd_fund_paid holds
  // The position, kept between blocks: the current member and day (day_ once day_open_, set
  // from the first row on: every int32 is a possible day, so no sentinel value).
  std::int64_t member_ = 0;
  std::int32_t day_ = 0;
  bool day_open_ = false;
};

}  // namespace yibao::detail
