#include "yibao/totals.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include "adjudicator.hpp"
#include "yibao/errors.hpp"
#include "yibao/order.hpp"
#include "yibao/parallel.hpp"

namespace yibao {
namespace {

using detail::Adjudicator;
using detail::ClaimRow;
using detail::RowResult;

// Rows a thread takes under every policy before moving on: small enough that they are still
// in cache when the next policy reads them, large enough that switching policies is rare.
constexpr std::size_t rows_per_block = 2048;

constexpr std::uint16_t at_cap_flags = rule_annual_cap | rule_overall_cap;
constexpr std::uint16_t at_visit_cap_flags = rule_visit_cap;

// The sums of one policy over a thread's rows, with the flags of the member being summed.
class Sums {
 public:
  void add(const ClaimRow& claim, const RowResult& r) {
    if (claim.member != member_ || !open_) {
      close();
      member_ = claim.member;
      open_ = true;
    }
    totals_.deductible += r.deductible.fen();
    totals_.fund_paid += r.fund_paid.fen();
    totals_.self_pay += r.self_pay.fen();
    totals_.capped += r.capped.fen();
    flags_ |= static_cast<std::uint16_t>(r.rule % rule_codes_per_version);
  }

  // The sums, once the last row is in (a thread's rows end with a member's last row).
  const Totals& finish() {
    close();
    return totals_;
  }

 private:
  void close() {
    totals_.members_at_cap += (flags_ & at_cap_flags) != 0 ? 1 : 0;
    totals_.members_at_visit_cap += (flags_ & at_visit_cap_flags) != 0 ? 1 : 0;
    flags_ = 0;
  }

  Totals totals_;
  std::int64_t member_ = 0;
  bool open_ = false;
  std::uint16_t flags_ = 0;
};

void check_sizes(const ClaimColumns& claims) {
  const std::size_t n = claims.size();
  const bool ok =
      claims.day.size() == n && claims.level.size() == n && claims.eligible.size() == n &&
      claims.status.size() == n && claims.service.size() == n && claims.prescriber.size() == n &&
      claims.tier.size() == n && (claims.institution.empty() || claims.institution.size() == n);
  if (!ok) throw InputError("claim columns differ in length", no_row, "");
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
  check_sizes(claims);
  const std::size_t n_policies = policies.size();
  // A policy's own error comes first, as adjudicate validates before it reads a row.
  std::vector<std::exception_ptr> invalid(n_policies);
  for (std::size_t p = 0; p < n_policies; ++p) {
    try {
      validate(*policies[p]);
    } catch (...) {
      invalid[p] = std::current_exception();
    }
  }
  if (!in_processing_order(claims.member, claims.day, threads)) {
    throw InputError("totals need the claims in processing order (by member, then day)", no_row,
                     "member");
  }
  // Chunks of whole members; in each, every policy has its own kernel state and sums, and
  // takes the chunk's rows a block at a time. A policy that fails stops there (in that chunk);
  // the others go on, so that the error raised does not depend on the thread count.
  const std::vector<std::size_t> bounds = member_chunks({}, claims.member, threads);
  const std::size_t n_chunks = bounds.size() - 1;
  std::vector<std::vector<Totals>> sums(n_chunks, std::vector<Totals>(n_policies));
  std::vector<std::vector<std::exception_ptr>> failed(n_chunks,
                                                      std::vector<std::exception_ptr>(n_policies));
  static const AdjudicationColumns no_columns{};
  run_tasks(n_chunks, [&](std::size_t k) {
    std::vector<Adjudicator> kernels;
    kernels.reserve(n_policies);
    for (const Policy* policy : policies) kernels.emplace_back(*policy, claims, no_columns);
    std::vector<Sums> chunk_sums(n_policies);
    std::vector<bool> live(n_policies);
    for (std::size_t p = 0; p < n_policies; ++p) live[p] = !invalid[p];
    for (std::size_t begin = bounds[k]; begin < bounds[k + 1]; begin += rows_per_block) {
      const std::size_t end = std::min(bounds[k + 1], begin + rows_per_block);
      for (std::size_t p = 0; p < n_policies; ++p) {
        if (!live[p]) continue;
        Sums& into = chunk_sums[p];
        try {
          kernels[p].fold(begin, end, [&into](const ClaimRow& claim, const RowResult& r) {
            into.add(claim, r);
          });
        } catch (...) {
          failed[k][p] = std::current_exception();
          live[p] = false;
        }
      }
    }
    for (std::size_t p = 0; p < n_policies; ++p) sums[k][p] = chunk_sums[p].finish();
  });
  // The first policy that fails raises; within it, the first chunk (processing order).
  for (std::size_t p = 0; p < n_policies; ++p) {
    if (invalid[p]) std::rethrow_exception(invalid[p]);
    for (std::size_t k = 0; k < n_chunks; ++k) {
      if (failed[k][p]) std::rethrow_exception(failed[k][p]);
    }
  }
  std::vector<Totals> out(n_policies);
  for (std::size_t k = 0; k < n_chunks; ++k) {
    for (std::size_t p = 0; p < n_policies; ++p) out[p] += sums[k][p];
  }
  return out;
}

}  // namespace yibao
