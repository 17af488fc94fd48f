#include "placement.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "yibao/errors.hpp"
#include "yibao/parallel.hpp"

namespace yibao::detail {
namespace {

// Records name their row in 32 bits (half the bytes of a record).
std::size_t checked_rows(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(
        "more than 4,294,967,295 rows out of member and date order: sort them by "
        "member_id and date first (sorted input has no such limit)",
        no_row, "member_id");
  }
  return n;
}

PackedClaim pack(const ClaimColumns& claims, std::size_t i, std::size_t row) {
  return {claims.eligible[i],
          claims.institution.empty() ? 0 : claims.institution[i],
          static_cast<std::uint32_t>(row),
          claims.day[i],
          claims.level[i],
          claims.status[i],
          claims.service[i],
          claims.prescriber[i],
          claims.tier[i]};
}

}  // namespace

std::optional<std::pair<std::int64_t, std::int64_t>> dense_id_range(
    std::span<const std::int64_t> member, std::size_t threads) {
  const std::size_t n = member.size();
  if (n == 0) return std::nullopt;
  const std::size_t parts =
      std::clamp<std::size_t>(n / min_rows_per_thread, 1, std::max<std::size_t>(threads, 1));
  std::vector<std::int64_t> lows(parts), highs(parts);
  run_tasks(parts, [&](std::size_t k) {
    const auto [lo, hi] =
        std::minmax_element(member.begin() + static_cast<std::ptrdiff_t>(n * k / parts),
                            member.begin() + static_cast<std::ptrdiff_t>(n * (k + 1) / parts));
    lows[k] = *lo;
    highs[k] = *hi;
  });
  const std::int64_t low = *std::min_element(lows.begin(), lows.end());
  const std::int64_t high = *std::max_element(highs.begin(), highs.end());
  // (Unsigned: the difference of any two int64 ids fits.)
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span >= 2 * static_cast<std::uint64_t>(n) + 2) return std::nullopt;
  return std::pair{low, high};
}

MemberPlacement::MemberPlacement(std::span<const std::int64_t> member,
                                 std::pair<std::int64_t, std::int64_t> range, std::size_t threads)
    : n_(checked_rows(member.size())),
      low_(range.first),
      records_(n_),
      slot_of_row_(n_),
      staged_(n_) {
  const auto buckets = static_cast<std::size_t>(static_cast<std::uint64_t>(range.second) -
                                                static_cast<std::uint64_t>(range.first)) +
                       1;
  // One count per member per part: at most about 4 counts per row in all, whatever the
  // number of threads (many threads over a wide id range would otherwise need gigabytes).
  const std::size_t threads_parts =
      std::clamp<std::size_t>(n_ / min_rows_per_thread, 1, std::max<std::size_t>(threads, 1));
  const std::size_t parts = std::clamp<std::size_t>(4 * n_ / buckets, 1, threads_parts);
  next_.assign(parts, std::vector<std::uint32_t>(buckets, 0));
  run_tasks(parts, [&](std::size_t k) {
    auto& count = next_[k];
    for (std::size_t i = part_begin(k); i < part_begin(k + 1); ++i)
      ++count[static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) -
                                       static_cast<std::uint64_t>(low_))];
  });
  // Each member's rows part by part, so within a member they keep their input order.
  ends_.resize(buckets);
  std::uint32_t running = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    for (auto& count : next_) {
      const std::uint32_t rows = count[b];
      count[b] = running;
      running += rows;
    }
    ends_[b] = running;
  }
}

MemberPlacement::MemberPlacement(const ClaimColumns& claims, std::span<const std::int64_t> order,
                                 std::size_t threads)
    : n_(checked_rows(order.size())), records_(n_), slot_of_row_(n_), staged_(n_) {
  const auto records = records_.span();
  const auto slot_of_row = slot_of_row_.span();
  for_each_range(n_, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t p = first; p < last; ++p) {
      const auto row = static_cast<std::size_t>(order[p]);
      records[p] = pack(claims, row, row);
      slot_of_row[row] = static_cast<std::uint32_t>(p);
    }
  });
  for (std::size_t p = 0; p < n_; ++p) {
    const std::int64_t id = claims.member[static_cast<std::size_t>(order[p])];
    if (p == 0 || id != ids_.back()) {
      if (p > 0) ends_.push_back(p);
      ids_.push_back(id);
    }
  }
  if (n_ > 0) ends_.push_back(n_);
}

void MemberPlacement::place(std::size_t part, std::size_t first, const ClaimColumns& block) {
  auto& next = next_[part];
  PackedClaim* const records = records_.span().data();
  std::uint32_t* const slot_of_row = slot_of_row_.span().data() + first;
  const std::size_t n = block.size();
  if (first < part_begin(part) || first + n > part_begin(part + 1))
    throw std::logic_error("MemberPlacement::place: rows outside the part");
  for (std::size_t i = 0; i < n; ++i) {
    const auto bucket = static_cast<std::size_t>(static_cast<std::uint64_t>(block.member[i]) -
                                                 static_cast<std::uint64_t>(low_));
    if (bucket >= next.size()) throw std::logic_error("MemberPlacement::place: unknown member");
    const std::uint32_t slot = next[bucket]++;
    records[slot] = pack(block, i, first + i);
    slot_of_row[i] = slot;
  }
}

std::vector<std::size_t> MemberPlacement::member_chunks(std::size_t chunks) const {
  std::vector<std::size_t> bounds{0};
  chunks = std::max<std::size_t>(chunks, 1);
  for (std::size_t k = 1; k < chunks; ++k) {
    // After the member holding the chunk's last row.
    const std::size_t target = n_ * k / chunks;
    const auto at = std::lower_bound(ends_.begin(), ends_.end(), target);
    const auto bound = static_cast<std::size_t>(at - ends_.begin()) + 1;
    if (bound > bounds.back() && bound < members()) bounds.push_back(bound);
  }
  bounds.push_back(members());
  return bounds;
}

void MemberPlacement::put_back(const AdjudicationColumns& out, std::size_t threads) const {
  const StagedResult* const staged = staged_.span().data();
  const std::uint32_t* const slot_of_row = slot_of_row_.span().data();
  // Far enough ahead to cover a miss's latency, near enough to stay in the cache.
  constexpr std::size_t ahead = 24;
  for_each_range(n_, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t row = first; row < last; ++row) {
      if (row + ahead < last) {
        const auto* next = reinterpret_cast<const char*>(staged + slot_of_row[row + ahead]);
        __builtin_prefetch(next);
        __builtin_prefetch(next + sizeof(StagedResult) - 1);  // its second line, if any
      }
      const StagedResult& r = staged[slot_of_row[row]];
      // Each value was checked for its column when staged (PlacedBlock::results).
      out.deductible.store_checked(row, r.deductible);
      out.fund_paid.store_checked(row, r.fund_paid);
      out.self_pay.store_checked(row, r.self_pay);
      out.capped.store_checked(row, r.capped);
      out.ytd_fund_paid.store_checked(row, r.ytd_fund_paid);
      out.rule[row] = r.rule;
    }
  });
}

}  // namespace yibao::detail
