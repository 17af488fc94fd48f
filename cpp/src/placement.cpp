#include "placement.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "yibao/errors.hpp"
#include "yibao/order.hpp"
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

// Ids are read more than once (counted, then placed): only ids that changed in between (the
// caller's column written to by another thread meanwhile) can disagree.
[[noreturn]] void ids_changed() {
  throw std::logic_error(
      "member_id changed while yibao read it (was the frame written to by another thread?)");
}

PackedClaim pack(const ClaimColumns& claims, std::size_t i, std::size_t row) {
  return {claims.eligible[i],   static_cast<std::uint32_t>(row),
          claims.day[i],        claims.level[i],
          claims.status[i],     claims.service[i],
          claims.prescriber[i], claims.tier[i]};
}

using IdRange = std::pair<std::int64_t, std::int64_t>;

// Whether ids in `range` are dense enough for a counting sort: a range under 2n + 2.
bool dense(IdRange range, std::size_t n) {
  // (Unsigned: the difference of any two int64 ids fits.)
  const auto span =
      static_cast<std::uint64_t>(range.second) - static_cast<std::uint64_t>(range.first);
  return span < 2 * static_cast<std::uint64_t>(n) + 2;
}

// A range that most likely holds every id: that of about 1,024 ids sampled evenly across the
// column, widened on each side by 1/32 of it. Reading every id for the exact range first was
// the column's first read of the call, 2.5-4 ms at 2 M rows; counting checks the guess.
IdRange sampled_range(std::span<const std::int64_t> member) {
  const std::size_t n = member.size();
  std::int64_t low = member[n - 1], high = low;
  for (std::size_t i = 0; i < n; i += std::max<std::size_t>(n / 1024, 1)) {
    low = std::min(low, member[i]);
    high = std::max(high, member[i]);
  }
  const auto pad = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low)) / 32 + 64);
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  return {low >= min + pad ? low - pad : min, high <= max - pad ? high + pad : max};
}

}  // namespace

std::unique_ptr<MemberPlacement> MemberPlacement::for_dense_ids(
    std::span<const std::int64_t> member, std::size_t threads) {
  const std::size_t n = member.size();
  if (n == 0) return nullptr;
  std::unique_ptr<MemberPlacement> placement(new MemberPlacement(n));
  if (const IdRange guess = sampled_range(member);
      !dense(guess, n) || !placement->count(member, guess, threads)) {
    // An id outside the guess, or a guess too wide: the exact range.
    const IdRange range = id_range(member, threads);
    if (!dense(range, n)) return nullptr;
    if (!placement->count(member, range, threads)) ids_changed();
  }
  placement->lay_out(threads);
  return placement;
}

MemberPlacement::MemberPlacement(std::size_t n)
    : n_(checked_rows(n)), records_(n_, Pages::huge), results_(n_) {}

bool MemberPlacement::count(std::span<const std::int64_t> member, IdRange range,
                            std::size_t threads) {
  low_ = range.first;
  const auto buckets = static_cast<std::size_t>(static_cast<std::uint64_t>(range.second) -
                                                static_cast<std::uint64_t>(range.first)) +
                       1;
  // One count per member per part: at most about 4 counts per row in all, whatever the
  // number of threads (many threads over a wide id range would otherwise need gigabytes).
  const std::size_t threads_parts = std::clamp<std::size_t>(
      n_ / min_rows_per_thread, 1, std::clamp<std::size_t>(threads, 1, max_parallel));
  const std::size_t parts = std::clamp<std::size_t>(4 * n_ / buckets, 1, threads_parts);
  next_.assign(parts, std::vector<std::uint32_t>(buckets, 0));
  std::vector<std::uint8_t> outside(parts, 0);
  run_tasks(parts, [&](std::size_t k) {
    std::uint32_t* const count = next_[k].data();
    const auto low = static_cast<std::uint64_t>(low_);
    bool out = false;
    for (std::size_t i = part_begin(k); i < part_begin(k + 1); ++i) {
      const auto bucket = static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) - low);
      if (bucket >= buckets) {
        out = true;
        continue;
      }
      ++count[bucket];
    }
    outside[k] = out ? 1 : 0;
  });
  return std::none_of(outside.begin(), outside.end(), [](std::uint8_t o) { return o != 0; });
}

void MemberPlacement::lay_out(std::size_t threads) {
  const std::size_t buckets = next_.front().size();
  // Each member's rows part by part, so within a member they keep their input order: a
  // prefix sum over members (and parts), on threads over ranges of members.
  ends_.resize(buckets);
  const std::size_t tasks = next_.size();
  auto range_begin = [&](std::size_t k) { return buckets * k / tasks; };
  std::vector<std::uint32_t> before(tasks + 1, 0);  // rows of the members before each range
  run_tasks(tasks, [&](std::size_t k) {
    std::uint32_t rows = 0;
    for (const auto& count : next_) {
      for (std::size_t b = range_begin(k), end = range_begin(k + 1); b < end; ++b) rows += count[b];
    }
    before[k + 1] = rows;
  });
  for (std::size_t k = 0; k < tasks; ++k) before[k + 1] += before[k];
  run_tasks(tasks, [&](std::size_t k) {
    std::uint32_t running = before[k];
    for (std::size_t b = range_begin(k), end = range_begin(k + 1); b < end; ++b) {
      for (auto& count : next_) {
        const std::uint32_t rows = count[b];
        count[b] = running;
        running += rows;
      }
      ends_[b] = running;
    }
  });
  // Where each part's slots for each member end: the next part's first, or the member's end.
  part_ends_.assign(next_.begin() + 1, next_.end());
  split_into_chunks(threads);
  chunk_of_member_.resize(buckets);
  for (std::size_t c = 0; c + 1 < chunks_.size(); ++c) {
    std::fill(chunk_of_member_.begin() + static_cast<std::ptrdiff_t>(chunks_[c]),
              chunk_of_member_.begin() + static_cast<std::ptrdiff_t>(chunks_[c + 1]),
              static_cast<std::uint8_t>(c));
  }
  streamed_.assign(next_.size() * (chunks_.size() - 1) * blocks(), 0);
}

MemberPlacement::MemberPlacement(const ClaimColumns& claims, std::span<const std::int64_t> order,
                                 std::size_t threads)
    : n_(checked_rows(order.size())), records_(n_, Pages::huge), results_(n_) {
  const auto records = records_.span();
  for_each_range(n_, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t p = first; p < last; ++p) {
      const auto row = static_cast<std::size_t>(order[p]);
      records[p] = pack(claims, row, row);
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
  split_into_chunks(threads);
  streamed_.assign((chunks_.size() - 1) * blocks(), 0);
  for (std::size_t c = 0; c + 1 < chunks_.size(); ++c) {
    const std::size_t last = chunks_[c + 1] == chunks_[c] ? 0 : member_end(chunks_[c + 1] - 1);
    for (std::size_t p = member_begin(chunks_[c]); p < last; ++p)
      ++streamed(0, c, static_cast<std::size_t>(order[p]) >> block_shift);
  }
  close();
}

void MemberPlacement::split_into_chunks(std::size_t threads) {
  const std::size_t chunks = std::clamp<std::size_t>(threads, 1, max_parallel);
  chunks_.assign(1, 0);
  for (std::size_t k = 1; k < chunks; ++k) {
    // After the member holding the chunk's last row.
    const std::size_t target = n_ * k / chunks;
    const auto at = std::lower_bound(ends_.begin(), ends_.end(), target);
    const auto bound = static_cast<std::size_t>(at - ends_.begin()) + 1;
    if (bound > chunks_.back() && bound < members()) chunks_.push_back(bound);
  }
  chunks_.push_back(members());
}

void MemberPlacement::place(std::size_t part, std::size_t first, const ClaimColumns& block) {
  const std::size_t n = block.size();
  if (first < part_begin(part) || first + n > part_begin(part + 1))
    throw std::logic_error("MemberPlacement::place: rows outside the part");
  // Plain pointers in locals: the records' one-byte codes may alias anything, which would
  // otherwise reload every column's pointer after each store.
  PackedClaim* const records = records_.span().data();
  std::uint32_t* const next = next_[part].data();
  const std::size_t buckets = next_[part].size();
  const std::uint8_t* const chunk_of = chunk_of_member_.data();
  std::uint32_t* const streamed = &streamed_[part * (chunks_.size() - 1) * blocks()];
  const std::size_t blocks_per_chunk = blocks();
  const std::uint64_t low = static_cast<std::uint64_t>(low_);
  const std::int64_t* const member = block.member.data();
  const std::int64_t* const eligible = block.eligible.data();
  const std::int32_t* const day = block.day.data();
  const std::int8_t *const level = block.level.data(), *const status = block.status.data(),
                           *const service = block.service.data(),
                           *const prescriber = block.prescriber.data(),
                           *const tier = block.tier.data();
  for (std::size_t i = 0; i < n; ++i) {
    const auto bucket = static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) - low);
    if (bucket >= buckets) throw std::logic_error("MemberPlacement::place: unknown member");
    // Only bounded by the records here (checking the member's own end cost a cache miss a
    // row, about 3 ms at 2 M rows): close() checks that each part filled its slots exactly.
    const std::uint32_t slot = next[bucket];
    if (slot >= n_) throw std::logic_error("MemberPlacement::place: more rows than counted");
    next[bucket] = slot + 1;
    const std::size_t row = first + i;
    records[slot] = {eligible[i],   static_cast<std::uint32_t>(row),
                     day[i],        level[i],
                     status[i],     service[i],
                     prescriber[i], tier[i]};
    ++streamed[chunk_of[bucket] * blocks_per_chunk + (row >> block_shift)];
  }
}

void MemberPlacement::close() {
  // Every member's slots filled, none overrun (see ids_changed).
  for (std::size_t part = 0; part < next_.size(); ++part) {
    const auto& next = next_[part];
    const bool filled = part < part_ends_.size()
                            ? next == part_ends_[part]
                            : std::equal(next.begin(), next.end(), ends_.begin());
    if (!filled) ids_changed();
  }
  const std::size_t chunks = chunks_.size() - 1;
  const std::size_t parts = std::max<std::size_t>(next_.size(), 1);
  // Block by block, each chunk's stream in turn.
  stream_begin_.assign(chunks * blocks(), 0);
  block_begin_.assign(blocks() + 1, 0);
  std::size_t running = 0;
  for (std::size_t b = 0; b < blocks(); ++b) {
    block_begin_[b] = running;
    for (std::size_t c = 0; c < chunks; ++c) {
      stream_begin_[c * blocks() + b] = running;
      for (std::size_t part = 0; part < parts; ++part) running += streamed(part, c, b);
    }
  }
  block_begin_[blocks()] = running;
  wide_.assign(chunks, {});
  if (running != n_) throw std::logic_error("MemberPlacement::close: rows not all placed");
}

ResultStreams MemberPlacement::results_of(std::size_t chunk) {
  const auto first = stream_begin_.begin() + static_cast<std::ptrdiff_t>(chunk * blocks());
  return {results_.span(),
          std::vector<std::size_t>(first, first + static_cast<std::ptrdiff_t>(blocks())),
          wide_[chunk]};
}

void MemberPlacement::put_back(const AdjudicationColumns& out, std::size_t threads) const {
  // Each value was checked for its column when staged (PlacedBlock::results).
  auto store = [&](std::size_t row, const auto& r) {
    out.deductible.store_checked(row, r.deductible);
    out.fund_paid.store_checked(row, r.fund_paid);
    out.self_pay.store_checked(row, r.self_pay);
    out.capped.store_checked(row, r.capped);
    out.ytd_fund_paid.store_checked(row, r.ytd_fund_paid);
  };
  const StagedResult* const results = results_.span().data();
  const std::size_t tasks = std::clamp<std::size_t>(threads, 1, blocks());
  run_tasks(tasks, [&](std::size_t k) {
    // A block's results, first put in row order here in the cache, then written out
    // row by row: sequential stores into the output columns.
    Scratch<StagedResult> in_order(std::size_t{1} << block_shift);
    StagedResult* const local = in_order.span().data();
    for (std::size_t b = blocks() * k / tasks; b < blocks() * (k + 1) / tasks; ++b) {
      for (std::size_t e = block_begin_[b]; e < block_begin_[b + 1]; ++e)
        local[results[e].offset] = results[e];
      const std::size_t base = b << block_shift;
      const std::size_t rows = block_begin_[b + 1] - block_begin_[b];  // every row of the block
      for (std::size_t i = 0; i < rows; ++i) {
        store(base + i, local[i]);
        out.rule[base + i] = local[i].rule;
      }
    }
  });
  // Amounts past 32 bits, over their truncated entries.
  for (const auto& chunk : wide_) {
    for (const WideResult& r : chunk) store(r.row, r);
  }
}

}  // namespace yibao::detail
