#include "yibao/totals.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "adjudicator.hpp"
#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

using detail::Adjudicator;
using detail::ClaimRow;
using detail::RowResult;

constexpr std::uint16_t at_cap_flags = rule_annual_cap | rule_overall_cap;
// Rule codes are version × rule_codes_per_version + flags: with a power of two, the flags
// of several rows are the low bits of their codes OR-ed together.
static_assert((rule_codes_per_version & (rule_codes_per_version - 1)) == 0);

// The sums of one policy over a thread's rows, and the flags of the member being summed.
struct Sums {
  [[gnu::always_inline]] void add(const RowResult& r) {
    totals.deductible += r.deductible.fen();
    totals.fund_paid += r.fund_paid.fen();
    totals.self_pay += r.self_pay.fen();
    totals.capped += r.capped.fen();
    member_flags |= r.rule;
  }

  // The member's last row is in: count the member at the caps its rows met.
  void close_member() {
    const auto flags = static_cast<std::uint16_t>(member_flags % rule_codes_per_version);
    totals.members_at_cap += (flags & at_cap_flags) != 0 ? 1 : 0;
    totals.members_at_visit_cap += (flags & rule_visit_cap) != 0 ? 1 : 0;
    member_flags = 0;
  }

  Totals totals;
  std::uint16_t member_flags = 0;
};

// What the funds paid a member under one point of a sweep whose points differ only in cap
// values (the kernel that prices keeps the rest): sums in the member's year, today's visits'.
struct PointFunds {
  rules::MemberState paid;    // (only its sums of fund payments)
  std::vector<Visit> visits;  // (only their fund payments) by DayVisits::index

  Visit* visit(const rules::Priced& row) {
    if (row.visit == nullptr) return nullptr;
    if (visits.size() <= row.visit_index) visits.resize(row.visit_index + 1);
    return &visits[row.visit_index];
  }
};

// Rows [begin, end) of `claims` (whole members, in processing order) under every live policy,
// into `sums`. Row by row, every policy in turn: their branches mostly go the same way on one
// row, so the later policies' are predicted from the first's, and the row is read once. A
// policy is live while `failed` holds no error of its own (an invalid one comes in with its
// error); one that fails gets its error there, and the others go on. `sharing`: the policies
// differ only in cap values, so the first live one prices each row for all (a pricing error
// is every live policy's) and each pays it under its own caps.
void sum_rows(std::span<const Policy* const> policies, const ClaimColumns& claims,
              std::size_t begin, std::size_t end, std::vector<Sums>& sums,
              std::vector<std::exception_ptr>& failed, bool sharing) {
  static const AdjudicationColumns no_columns{};
  const std::size_t n = policies.size();
  const auto first =
      static_cast<std::size_t>(std::find(failed.begin(), failed.end(), nullptr) - failed.begin());
  if (first == n) return;
  const auto fail = [&](std::size_t p) { failed[p] = std::current_exception(); };
  std::vector<Adjudicator> kernels;
  kernels.reserve(n);
  for (const Policy* policy : policies) kernels.emplace_back(*policy, no_columns);
  std::vector<PointFunds> funds(sharing ? n : 0);
  // The member, year and day of the last priced row: the points' sums start again with
  // another member or year, their visits with another day.
  std::int64_t last_member = 0, last_year = std::numeric_limits<std::int64_t>::min();
  std::int32_t last_day = 0;
  // Each point's versions, version by version: read for every row and point (not through
  // each policy's own vector: a chain of loads a point).
  std::vector<const Version*> versions;
  for (std::size_t v = 0; sharing && v < policies[first]->versions.size(); ++v) {
    for (const Policy* policy : policies)
      versions.push_back(v < policy->versions.size() ? &policy->versions[v] : nullptr);
  }
  for (std::size_t row = begin; row < end; ++row) {
    const ClaimRow claim = detail::claim_at(claims, row);
    if (row > begin && claim.member != claims.member[row - 1]) {
      for (Sums& s : sums) s.close_member();
    }
    if (!sharing) {
      for (std::size_t p = 0; p < n; ++p) {
        if (failed[p]) continue;
        Sums& into = sums[p];
        try {
          kernels[p].step(claim, row, [&into](const RowResult& r) { into.add(r); });
        } catch (...) {
          fail(p);
        }
      }
      continue;
    }
    bool priced = false;  // else a row outside outpatient care, the same for all
    const auto add = [&](const RowResult& r) {
      for (std::size_t q = 0; q < n && !priced; ++q) {
        if (!failed[q]) sums[q].add(r);
      }
    };
    try {
      kernels[first].step(claim, row, add, [&](const rules::Priced& priced_row) {
        priced = true;
        const bool new_year = claim.member != last_member || priced_row.year != last_year;
        const bool new_day = new_year || claim.day != last_day;
        last_member = claim.member, last_year = priced_row.year, last_day = claim.day;
        for (std::size_t q = 0; q < n; ++q) {
          try {
            if (failed[q]) continue;
            PointFunds& point = funds[q];
            if (new_year) point.paid = rules::MemberState{};
            if (new_day) point.visits.clear();
            const Version& caps = *versions[priced_row.version * n + q];
            sums[q].add(
                kernels[first].pay(priced_row, caps, point.paid, point.visit(priced_row), row));
          } catch (...) {
            fail(q);
          }
        }
        return RowResult{};
      });
    } catch (...) {  // a pricing error: every live point's
      for (std::size_t q = 0; q < n; ++q) {
        if (!failed[q]) fail(q);
      }
      break;
    }
  }
  for (Sums& s : sums) s.close_member();
}

// InputError unless the columns are of one length and the rows in processing order (naming
// `member` at the first that is not): one plain read of two columns, a small fraction of one
// pass of the row step.
void check_claims(const ClaimColumns& claims) {
  const std::size_t n = claims.size();
  const bool ok =
      claims.day.size() == n && claims.level.size() == n && claims.eligible.size() == n &&
      claims.status.size() == n && claims.service.size() == n && claims.prescriber.size() == n &&
      claims.tier.size() == n && (claims.institution.empty() || claims.institution.size() == n);
  if (!ok) throw InputError("claim columns differ in length", no_row, "");
  const auto key = [&](std::size_t row) { return std::pair(claims.member[row], claims.day[row]); };
  for (std::size_t row = 1; row < n; ++row) {
    if (key(row) < key(row - 1))
      throw InputError("totals need the claims in processing order (by member, then day)",
                       detail::row_of(row), "member");
  }
}

// `policy` with every cap value 0 (per visit, annual, overall, supplementary): two policies
// equal so differ only in cap values, and every row is priced the same under both.
Policy without_cap_values(Policy policy) {
  for (Version& version : policy.versions) {
    version.overall_cap = version.supplementary_cap = Money{};
    for (Pool& pool : version.pools) {
      pool.visit_cap = {};
      pool.annual_cap = {};
    }
  }
  return policy;
}

}  // namespace

Totals& Totals::operator+=(const Totals& other) {
  deductible += other.deductible;
  fund_paid += other.fund_paid;
  self_pay += other.self_pay;
  capped += other.capped;
  members_at_cap += other.members_at_cap;
  members_at_visit_cap += other.members_at_visit_cap;
  return *this;
}

std::vector<Totals> totals(std::span<const Policy* const> policies, const ClaimColumns& claims,
                           std::size_t threads) {
  threads = std::clamp<std::size_t>(threads, 1, max_threads);
  check_claims(claims);
  const std::size_t n_policies = policies.size();
  // A policy's own error comes first, as adjudicate validates before it reads a row. Points
  // that differ only in cap values (a sweep of caps) price each row once.
  std::vector<std::exception_ptr> invalid(n_policies);
  std::vector<Policy> priced;  // the valid policies without their cap values
  for (std::size_t p = 0; p < n_policies; ++p) {
    try {
      validate(*policies[p]);
      priced.push_back(without_cap_values(*policies[p]));
    } catch (...) {
      invalid[p] = std::current_exception();
    }
  }
  const bool sharing =
      priced.size() > 1 && std::ranges::count(priced, priced[0]) == std::ssize(priced);
  // Chunks of whole members on threads; in each, every policy has its own kernel state and
  // sums. A policy that fails stops there (in that chunk) and the others go on, so that the
  // error raised does not depend on the thread count.
  const std::vector<std::size_t> bounds = member_chunks(claims.member, threads);
  const std::size_t n_chunks = bounds.size() - 1;
  std::vector<std::vector<Sums>> sums(n_chunks, std::vector<Sums>(n_policies));
  std::vector<std::vector<std::exception_ptr>> failed(n_chunks, invalid);
  run_tasks(n_chunks, [&](std::size_t k) {
    sum_rows(policies, claims, bounds[k], bounds[k + 1], sums[k], failed[k], sharing);
  });
  // The first policy that fails raises; within it, the first chunk (processing order).
  std::vector<Totals> out(n_policies);
  for (std::size_t p = 0; p < n_policies; ++p) {
    if (invalid[p]) std::rethrow_exception(invalid[p]);
    for (std::size_t k = 0; k < n_chunks; ++k) {
      if (failed[k][p]) std::rethrow_exception(failed[k][p]);
      out[p] += sums[k][p].totals;
    }
  }
  return out;
}

}  // namespace yibao
