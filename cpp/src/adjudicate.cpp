#include "yibao/adjudicate.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "adjudicator.hpp"
#include "yibao/errors.hpp"
#include "yibao/order.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

using detail::Adjudicator;
using detail::NotInOrder;

void check_sizes(const ClaimColumns& claims, const AdjudicationColumns& out) {
  const std::size_t n = claims.size();
  auto same = [n](std::size_t m) { return m == n; };
  const bool ok =
      same(claims.day.size()) && same(claims.level.size()) && same(claims.eligible.size()) &&
      same(claims.status.size()) && same(claims.service.size()) && same(claims.prescriber.size()) &&
      same(claims.tier.size()) && (claims.institution.empty() || same(claims.institution.size())) &&
      same(out.deductible.size()) && same(out.fund_paid.size()) && same(out.self_pay.size()) &&
      same(out.capped.size()) && same(out.ytd_fund_paid.size()) && same(out.rule.size());
  if (!ok) throw InputError("claim and output columns differ in length", no_row, "");
}

}  // namespace

namespace detail {

void adjudicate_placed(const Policy& policy, MemberPlacement& placed,
                       std::span<const std::int64_t> institution, const AdjudicationColumns& out,
                       std::size_t threads) {
  // Only rules with visits read institution_id: for other policies unsorted rows skip reading
  // it (a random read per row).
  if (!needs_visits(policy)) institution = {};
  // Chunks of whole members in processing order: the first error in processing order is the
  // one raised, for any thread count.
  run_tasks(placed.chunks().size() - 1, [&](std::size_t k) {
    Adjudicator(policy, ClaimColumns{}, out).run_placed(placed, k, institution);
  });
  placed.put_back(out, threads);
}

}  // namespace detail

void adjudicate(const Policy& policy, const ClaimColumns& claims, const AdjudicationColumns& out,
                std::size_t threads) {
  threads = std::clamp<std::size_t>(threads, 1, max_threads);
  validate(policy);
  check_sizes(claims, out);
  // Sorted input (the common case) is processed in place, its order checked on the way (no
  // separate pass over the columns). Members never span two chunks and each row is written
  // only by its own chunk, so results are identical for every thread count, and the error
  // raised is the first in processing order. At a row out of order, or at an error (which
  // is the one to raise only if the input really is sorted), the rows are placed in member
  // order and it is all redone.
  try {
    const std::vector<std::size_t> bounds = member_chunks({}, claims.member, threads);
    run_tasks(bounds.size() - 1, [&](std::size_t k) {
      Adjudicator(policy, claims, out).run(bounds[k], bounds[k + 1]);
    });
    return;
  } catch (const NotInOrder&) {  // NOLINT(bugprone-empty-catch): the fallback follows
  } catch (...) {
    if (in_processing_order(claims.member, claims.day, threads)) throw;
  }
  if (const auto placed = detail::MemberPlacement::for_dense_ids(claims.member, threads)) {
    run_tasks(placed->parts(), [&](std::size_t k) {
      const std::size_t first = placed->part_begin(k);
      auto placer = placed->placer(k);
      placer.place(first, claims.rows(first, placed->part_begin(k + 1) - first));
      placer.finish();
    });
    placed->close();
    detail::adjudicate_placed(policy, *placed, claims.institution, out, threads);
  } else {
    const std::vector<std::int64_t> order = processing_order(claims.member, claims.day, threads);
    detail::MemberPlacement by_order(claims, order, threads);
    detail::adjudicate_placed(policy, by_order, claims.institution, out, threads);
  }
}

}  // namespace yibao
