#include "placement.hpp"

#include <algorithm>
#include <cstdint>
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

MemberPlacement::MemberPlacement(std::size_t n) : n_(checked_rows(n)), records_(n_), results_(n_) {}

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
  parts_ = std::clamp<std::size_t>(4 * n_ / buckets, 1, threads_parts);
  counts_.assign(parts_, std::vector<std::uint32_t>(buckets, 0));
  std::vector<std::uint8_t> outside(parts_, 0);
  run_tasks(parts_, [&](std::size_t k) {
    std::uint32_t* const count = counts_[k].data();
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
  const std::size_t buckets = counts_.front().size();
  ends_.resize(buckets);
  choose_partitions();
  const std::size_t partitions = this->partitions();
  slices_.assign(partitions * parts_ + 1, 0);
  // Prefix sums over members, on threads over ranges of whole partitions: each partition's
  // slices (part by part: within a member, rows keep their input order), and each member's
  // end.
  const std::size_t tasks =
      std::clamp<std::size_t>(threads, 1, std::min<std::size_t>(partitions, max_parallel));
  auto first_partition = [&](std::size_t k) { return partitions * k / tasks; };
  std::vector<std::uint32_t> before(tasks + 1, 0);  // rows of the partitions before each range
  run_tasks(tasks, [&](std::size_t k) {
    std::uint32_t rows = 0;
    for (const auto& count : counts_) {
      for (std::size_t m = partition_member(first_partition(k)),
                       end = partition_member(first_partition(k + 1));
           m < end; ++m)
        rows += count[m];
    }
    before[k + 1] = rows;
  });
  for (std::size_t k = 0; k < tasks; ++k) before[k + 1] += before[k];
  run_tasks(tasks, [&](std::size_t k) {
    std::uint32_t running = before[k];
    for (std::size_t p = first_partition(k); p < first_partition(k + 1); ++p) {
      const std::size_t first = partition_member(p), last = partition_member(p + 1);
      std::uint32_t slice = running;
      for (std::size_t part = 0; part < parts_; ++part) {
        slices_[p * parts_ + part] = slice;
        for (std::size_t m = first; m < last; ++m) slice += counts_[part][m];
      }
      for (std::size_t m = first; m < last; ++m) {
        for (const auto& count : counts_) running += count[m];
        ends_[m] = running;
      }
    }
  });
  slices_.back() = static_cast<std::uint32_t>(n_);
  counts_ = {};
  finished_.assign(parts_, 0);
  split_into_chunks(threads);
  chunk_of_partition_.resize(partitions);
  for (std::size_t c = 0; c + 1 < chunks_.size(); ++c) {
    for (std::size_t p = partition_of(chunks_[c]);
         p < partitions && partition_member(p) < chunks_[c + 1]; ++p)
      chunk_of_partition_[p] = static_cast<std::uint8_t>(c);
  }
  streamed_.assign(parts_ * (chunks_.size() - 1) * blocks(), 0);
}

// Partitions of about partition_rows rows, whose records put in member order stay in the
// core's cache, and at most max_partitions of them (each part buffers 192 bytes for each).
void MemberPlacement::choose_partitions() {
  constexpr std::size_t partition_rows = 8192, max_partitions = 1024;
  const std::size_t wanted = std::clamp<std::size_t>(n_ / partition_rows, 1, max_partitions);
  shift_ = 0;
  while (members() > 0 && ((members() - 1) >> shift_) + 1 > wanted) ++shift_;
  // (Dense ids span under 2n + 2 < 2^33 ids: at most 2^23 a partition.)
  if (shift_ > 24) throw std::logic_error("MemberPlacement: partitions of over 2^24 members");
}

void MemberPlacement::split_into_chunks(std::size_t threads) {
  const std::size_t chunks = std::clamp<std::size_t>(threads, 1, max_parallel);
  chunks_.assign(1, 0);
  for (std::size_t k = 1; k < chunks; ++k) {
    // At the first partition that starts at or after the chunk's share of the rows.
    const std::size_t target = n_ * k / chunks;
    std::size_t low = 1, high = partitions();  // the answer lies in [low, high]
    while (low < high) {
      const std::size_t mid = low + (high - low) / 2;
      if (member_begin(partition_member(mid)) >= target) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    const std::size_t bound = partition_member(low);
    if (bound > chunks_.back() && bound < members()) chunks_.push_back(bound);
  }
  chunks_.push_back(members());
}

MemberPlacement::Placer MemberPlacement::placer(std::size_t part) {
  if (part >= parts_) throw std::logic_error("MemberPlacement::placer: no such part");
  return {*this, part};
}

namespace {

// Part k's slices of every partition: where each begins, or (k + 1) where each ends.
std::vector<std::uint32_t> slice_bounds(const std::vector<std::uint32_t>& slices, std::size_t parts,
                                        std::size_t k) {
  const std::size_t partitions = (slices.size() - 1) / parts;
  std::vector<std::uint32_t> out(partitions);
  for (std::size_t p = 0; p < partitions; ++p) out[p] = slices[p * parts + k];
  return out;
}

}  // namespace

MemberPlacement::Placer::Placer(MemberPlacement& placement, std::size_t part)
    : placement_(placement),
      part_(part),
      next_row_(placement.part_begin(part)),
      slices_(placement.records_.span().data(),
              slice_bounds(placement.slices_, placement.parts_, part),
              slice_bounds(placement.slices_, placement.parts_, part + 1)) {}

void MemberPlacement::Placer::place(std::size_t first, const ClaimColumns& block) {
  const std::size_t n = block.size();
  if (first != next_row_ || first + n > placement_.part_begin(part_ + 1))
    throw std::logic_error("MemberPlacement::Placer::place: rows outside the part, or not in turn");
  next_row_ += n;
  // Plain pointers in locals: the records' one-byte codes may alias anything, which would
  // otherwise reload every column's pointer after each store.
  const std::size_t buckets = placement_.members();
  const unsigned shift = placement_.shift_;
  const std::uint32_t offset_mask = (std::uint32_t{1} << shift) - 1;
  const std::uint8_t* const chunk_of = placement_.chunk_of_partition_.data();
  const std::size_t blocks = placement_.blocks();
  std::uint32_t* const streamed =
      &placement_.streamed_[part_ * (placement_.chunks_.size() - 1) * blocks];
  const std::uint64_t low = static_cast<std::uint64_t>(placement_.low_);
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
    const std::size_t p = bucket >> shift;
    const std::size_t row = first + i;
    PackedClaim record{eligible[i],
                       static_cast<std::uint32_t>(row),
                       day[i],
                       level[i],
                       status[i],
                       service[i],
                       prescriber[i],
                       tier[i],
                       {}};
    record.set_member(static_cast<std::uint32_t>(bucket) & offset_mask);
    ++streamed[chunk_of[p] * blocks + (row >> block_shift)];
    // A slice overfilled: only ids changed since counting can do that.
    if (!slices_.put(p, record)) ids_changed();
  }
}

void MemberPlacement::Placer::finish() {
  if (next_row_ != placement_.part_begin(part_ + 1))
    throw std::logic_error("MemberPlacement::Placer::finish: the part's rows not all placed");
  if (!slices_.finish()) ids_changed();  // a slice with more or fewer rows than counted
  placement_.finished_[part_] = 1;
}

std::span<const PackedClaim> MemberPlacement::member_ordered(
    std::size_t p, std::vector<PackedClaim>& local) const {
  const std::size_t first = partition_member(p), last = partition_member(p + 1);
  const std::size_t begin = member_begin(first), rows = member_begin(last) - begin;
  const std::span<const PackedClaim> records = records_.span().subspan(begin, rows);
  // A counting sort in the cache: each member's next slot, from the partition's first.
  std::vector<std::uint32_t> next(last - first);
  std::size_t only = next.size();  // the member holding every row of the partition, if one does
  for (std::size_t j = 0; j < next.size(); ++j) {
    next[j] = static_cast<std::uint32_t>(member_begin(first + j) - begin);
    if (rows > 0 && member_end(first + j) - begin - next[j] == rows) only = j;
  }
  // One member's rows are in member order already: a member with far more rows than the
  // others is read in place, not copied (the copy would raise the call's peak memory).
  if (only < next.size()) {
    for (const PackedClaim& record : records) {
      if (record.member_offset() != only) ids_changed();
    }
    return records;
  }
  if (local.size() < rows) local.resize(rows);
  PackedClaim* const out = local.data();
  for (const PackedClaim& record : records) {
    const std::uint32_t j = record.member_offset();
    if (j >= next.size()) ids_changed();
    const std::uint32_t slot = next[j]++;
    if (slot >= rows) ids_changed();
    out[slot] = record;
  }
  // Every member's slots filled exactly (ids changed since counting would leave one short).
  for (std::size_t j = 0; j < next.size(); ++j) {
    if (next[j] != member_end(first + j) - begin) ids_changed();
  }
  return {out, rows};
}

void MemberPlacement::close() {
  if (std::any_of(finished_.begin(), finished_.end(), [](std::uint8_t f) { return f == 0; }))
    throw std::logic_error("MemberPlacement::close: a part was not placed");
  const std::size_t chunks = chunks_.size() - 1;
  const std::size_t parts = parts_;
  // Block by block, each chunk's stream in turn.
  stream_begin_.assign(chunks * blocks(), 0);
  stream_end_.assign(chunks * blocks(), 0);
  block_begin_.assign(blocks() + 1, 0);
  std::size_t running = 0;
  for (std::size_t b = 0; b < blocks(); ++b) {
    block_begin_[b] = running;
    for (std::size_t c = 0; c < chunks; ++c) {
      stream_begin_[c * blocks() + b] = static_cast<std::uint32_t>(running);
      for (std::size_t part = 0; part < parts; ++part) running += streamed(part, c, b);
      stream_end_[c * blocks() + b] = static_cast<std::uint32_t>(running);
    }
  }
  block_begin_[blocks()] = running;
  wide_.assign(chunks, {});
  if (running != n_) throw std::logic_error("MemberPlacement::close: rows not all placed");
}

ResultStreams MemberPlacement::results_of(std::size_t chunk) {
  const auto streams = [&](const std::vector<std::uint32_t>& bounds) {
    const auto first = bounds.begin() + static_cast<std::ptrdiff_t>(chunk * blocks());
    return std::vector<std::uint32_t>(first, first + static_cast<std::ptrdiff_t>(blocks()));
  };
  return {results_.span().data(), streams(stream_begin_), streams(stream_end_), wide_[chunk]};
}

void ResultStreams::overrun() {
  throw std::logic_error(
      "ResultStreams: a destination block's stream got more or fewer rows "
      "than were counted for it");
}

void MemberPlacement::put_back(const AdjudicationColumns& out, std::size_t threads) const {
  // Each value was checked for its column when streamed (Adjudicator::run_placed).
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
