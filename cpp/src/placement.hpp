// Unsorted claims placed in member order for the kernel, and its results put back at the
// caller's rows (internal to the core: adjudicate_frame.cpp).
//
// A row of unsorted input lies at a random place relative to its member's other rows, so
// moving it costs a cache miss per thing moved. Gathering each input column into processing
// order and scattering each result column back cost about 14 misses a row. Here a row moves
// twice without one. On the way in, its 24-byte record is appended to the slice of its
// partition (members in a range of about 8,192 rows' worth) that its part of the input
// writes, through a buffer of whole cache lines written past the cache; then, a partition at
// a time, the records are sorted in the cache, just before the kernel reads them. (One random
// write per row, at its member's next slot, cost twice as much.) On the way out its results
// are appended to the stream of its destination block (rows that are close together in the
// caller's order), and each block is then written out from its stream while its rows of the
// output columns stay in the cache (docs/performance.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "line_streams.hpp"
#include "yibao/buffers.hpp"
#include "yibao/claims.hpp"

namespace yibao::detail {

// One claim row, packed (institution_id, needed only by per-visit rules, is read from the
// caller's column by `row`).
struct PackedClaim {
  std::int64_t eligible;
  std::uint32_t row;  // the caller's row
  std::int32_t day;
  std::int8_t level, status, service, prescriber, tier;
  // The member, counted from its partition's first (partitions are ranges of at most 2^24
  // ids), in the record's spare bytes.
  std::uint32_t member_offset : 24;
};
static_assert(sizeof(PackedClaim) == 24);

// Results go back through destination blocks of 2^16 caller rows: a result names its row in
// the block in 16 bits. (2^16 was the best size measured at 2 M rows: 2^14 or 2^15 rows made
// the pass slower, with more streams to append to; 2^17 or 2^18 made the put-back slower,
// its block outgrowing the cache.) Very large inputs have more blocks: at 10^9 rows each
// chunk appends to about 15,000 streams, and the counts per part, chunk and block take about
// 0.5% of the records' memory.
constexpr unsigned block_shift = 16;

// A row's amounts, in the order of the caller's columns (amount_columns).
constexpr std::size_t n_amounts = 5;

inline std::array<const MoneyColumn*, n_amounts> amount_columns(const AdjudicationColumns& out) {
  return {&out.deductible, &out.fund_paid, &out.self_pay, &out.capped, &out.ytd_fund_paid};
}

// A row's amounts in full (kept aside when one exceeds 32 bits, about 21 million yuan).
struct WideResult {
  std::size_t row;
  std::array<std::int64_t, n_amounts> fen;
};

// One row's results on their way back: `offset` is the row's place in its destination block.
// Amounts take 32 bits here, as the streams are most of the memory traffic out of member
// order (48-byte entries took 6 ms longer than these 24-byte ones at 2 M rows). A row whose
// amounts do not fit also has them in a WideResult, written over them at the end.
struct StagedResult {
  std::array<std::int32_t, n_amounts> fen;
  std::uint16_t offset;
  std::uint16_t rule;

  // A row's results staged, and kept aside in `wide` if they do not fit. (Unsigned: a negative
  // amount is wide too.)
  static StagedResult of(const WideResult& r, std::uint16_t rule, std::vector<WideResult>& wide) {
    StagedResult staged{{}, static_cast<std::uint16_t>(r.row), rule};
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < n_amounts; ++k) {
      bits |= static_cast<std::uint64_t>(r.fen[k]);
      staged.fen[k] = static_cast<std::int32_t>(r.fen[k]);
    }
    if (bits >> 31 != 0) wide.push_back(r);
    return staged;
  }
};
static_assert(sizeof(StagedResult) == 24);

// A partition's records sorted for the kernel (scratch kept between partitions).
struct Sorting {
  std::vector<std::uint32_t> count;
  std::vector<std::uint64_t> by_day;
  std::vector<PackedClaim> records;
};

class MemberPlacement {
 public:
  // Dense ids (their range under 2n + 2): rows are counted per partition here, then placed
  // part by part (place()), then close(). The kernel runs on chunks of whole partitions
  // (chunks()), at most one per thread. Other ids: nothing (adjudicate_frame numbers them
  // densely first).
  static std::unique_ptr<MemberPlacement> for_dense_ids(std::span<const std::int64_t> member,
                                                        std::size_t threads);

  // Input rows are placed in parts [part_begin(k), part_begin(k + 1)), one task per part
  // (each part writes its own slice of each partition), so the placement is the same for any
  // number of threads.
  [[nodiscard]] std::size_t parts() const { return parts_; }
  [[nodiscard]] std::size_t part_begin(std::size_t k) const { return n_ * k / parts(); }
  // Places part k's rows (one thread), blocks of `block_rows` in row order, each block's
  // columns given by convert(first, last): each record appended to its partition's slice
  // (line_streams.hpp: no line of the records is read before it is written).
  void place(std::size_t part, std::size_t block_rows,
             const std::function<ClaimColumns(std::size_t, std::size_t)>& convert);
  // After every part is placed: lays out the result streams.
  void close();

  // Partition boundaries [0, p1, ..., partitions): chunks of about equal rows.
  [[nodiscard]] const std::vector<std::size_t>& chunks() const { return chunks_; }
  // Partition p's records in processing order: member by member, each member's rows by day,
  // ties in input order; its first member's id.
  [[nodiscard]] std::span<const PackedClaim> sorted(std::size_t p, Sorting& s) const;
  [[nodiscard]] std::int64_t first_id(std::size_t p) const {
    return low_ + static_cast<std::int64_t>(p << shift_);
  }
  // Where chunk c's results go (after close()): the streams of their destination blocks, and
  // those that do not fit them.
  [[nodiscard]] LineStreams<StagedResult> results_of(std::size_t chunk) {
    return {results_.span().data(), stream_bounds_, chunk, chunks_.size() - 1,
            "ResultStreams: a destination block's stream got more or fewer rows than were "
            "counted for it"};
  }
  [[nodiscard]] std::vector<WideResult>& wide(std::size_t chunk) { return wide_[chunk]; }

  // Every result written at its caller's row of `out`, on `threads` threads.
  void put_back(const AdjudicationColumns& out, std::size_t threads) const;

 private:
  explicit MemberPlacement(std::size_t n) : n_(n), records_(n), results_(n) {}
  // Counts each part's rows per partition of ids in `range` (the smallest and the largest),
  // then lays out the slices and the chunks; false if an id lies outside.
  bool count(std::span<const std::int64_t> member, std::pair<std::int64_t, std::int64_t> range,
             std::size_t threads);
  [[nodiscard]] std::size_t blocks() const { return (n_ >> block_shift) + 1; }
  [[nodiscard]] std::size_t streams() const { return (chunks_.size() - 1) * blocks(); }

  std::size_t n_;
  std::size_t parts_ = 1;
  std::int64_t low_ = 0;     // the id of member 0
  std::size_t members_ = 0;  // ids [low_, low_ + members_)
  unsigned shift_ = 0;       // partition p holds the members [p << shift_, (p + 1) << shift_)
  // Part k's slice of partition p is [slices_[p * parts_ + k], the next entry).
  std::vector<std::uint32_t> slices_;
  std::vector<std::size_t> chunks_;
  // Counts are kept per part, chunk and destination block, so both are bounded: unsorted
  // input runs on at most 64 threads (the same results for any count).
  static constexpr std::size_t max_parallel = 64;
  std::vector<std::uint8_t> chunk_of_partition_;
  // Per part, destination block and chunk, the rows streamed there; then (close) where chunk
  // c's stream into block b begins: stream_bounds_[b * chunks + c] (the next entry ends it).
  std::vector<std::uint32_t> streamed_, stream_bounds_;
  // In slices, written a whole buffer at a time; read a partition at a time.
  Scratch<PackedClaim> records_;
  Scratch<StagedResult> results_;
  std::vector<std::vector<WideResult>> wide_;  // per chunk
};

}  // namespace yibao::detail
