// Unsorted claims placed in member order for the kernel, and its results put back at the
// caller's rows (internal to the core: adjudicate_frame.cpp).
//
// A row of unsorted input lies at a random place relative to its member's other rows, so
// moving it costs a cache miss per thing moved. Gathering each input column into processing
// order and scattering each result column back cost about 14 misses a row. Here a row moves
// twice without one. On the way in, its 24-byte record is appended to the slice of its
// partition (members in a range of about 8,192 rows' worth) that its part of the input
// writes, through a buffer of whole cache lines written past the cache; then, a partition at
// a time, the records are put in member order in the cache, just before the kernel reads
// them. (One random write per row, at its member's next slot, cost twice as much.) On the
// way out its results are appended to the stream of its destination block (rows that are
// close together in the caller's order), and each block is then written out from its stream
// while its rows of the output columns stay in the cache (docs/performance.md).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
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
  // The member, counted from its partition's first (dense ids: partitions are ranges of at
  // most 2^24 ids), in the record's spare bytes.
  std::array<std::uint8_t, 3> member;

  void set_member(std::uint32_t offset) {
    member[0] = static_cast<std::uint8_t>(offset);
    member[1] = static_cast<std::uint8_t>(offset >> 8);
    member[2] = static_cast<std::uint8_t>(offset >> 16);
  }
  [[nodiscard]] std::uint32_t member_offset() const {
    return std::uint32_t{member[0]} | std::uint32_t{member[1]} << 8 |
           std::uint32_t{member[2]} << 16;
  }
};
static_assert(sizeof(PackedClaim) == 24);

// Results go back through destination blocks of 2^16 caller rows: a result names its row in
// the block in 16 bits. (2^16 was the best size measured at 2 M rows: 2^14 or 2^15 rows made
// the pass slower, with more streams to append to; 2^17 or 2^18 made the put-back slower,
// its block outgrowing the cache.) Very large inputs have more blocks: at 10^9 rows each
// chunk appends to about 15,000 streams, and the counts per part, chunk and block take about
// 0.5% of the records' memory.
constexpr unsigned block_shift = 16;

// One row's results on their way back: `offset` is the row's place in its destination block.
// Amounts take 32 bits here, as the streams are most of the memory traffic out of member
// order (48-byte entries took 6 ms longer than these 24-byte ones at 2 M rows). A row whose
// amounts do not fit also has them in a WideResult, written over them at the end.
struct StagedResult {
  std::int32_t deductible, fund_paid, self_pay, capped, ytd_fund_paid;
  std::uint16_t offset;
  std::uint16_t rule;
};
static_assert(sizeof(StagedResult) == 24);

// A row's amounts in full, when one exceeds 32 bits (about 21 million yuan).
struct WideResult {
  std::size_t row;
  std::int64_t deductible, fund_paid, self_pay, capped, ytd_fund_paid;
};

// Appends a thread's results to the streams of their destination blocks.
class ResultStreams {
 public:
  // Stream b (destination block b) fills results[begin[b], end[b]).
  ResultStreams(StagedResult* results, std::vector<std::uint32_t> begin,
                std::vector<std::uint32_t> end, std::vector<WideResult>& wide)
      : streams_(results, std::move(begin), std::move(end)), wide_(wide) {}

  void put(std::size_t row, std::int64_t deductible, std::int64_t fund_paid, std::int64_t self_pay,
           std::int64_t capped, std::int64_t ytd_fund_paid, std::uint16_t rule) {
    // (Unsigned: a negative amount is wide too.)
    const bool wide =
        ((static_cast<std::uint64_t>(deductible) | static_cast<std::uint64_t>(fund_paid) |
          static_cast<std::uint64_t>(self_pay) | static_cast<std::uint64_t>(capped) |
          static_cast<std::uint64_t>(ytd_fund_paid)) >>
         31) != 0;
    if (wide) wide_.push_back({row, deductible, fund_paid, self_pay, capped, ytd_fund_paid});
    const bool put = streams_.put(
        row >> block_shift,
        {static_cast<std::int32_t>(deductible), static_cast<std::int32_t>(fund_paid),
         static_cast<std::int32_t>(self_pay), static_cast<std::int32_t>(capped),
         static_cast<std::int32_t>(ytd_fund_paid), static_cast<std::uint16_t>(row), rule});
    if (!put) overrun();
  }
  // After the chunk's last result: every stream must be exactly full.
  void finish() {
    if (!streams_.finish()) overrun();
  }

 private:
  [[noreturn]] static void overrun();

  LineStreams<StagedResult> streams_;
  std::vector<WideResult>& wide_;
};

class MemberPlacement {
 public:
  class Placer;

  // Dense ids (their range under 2n + 2, for a counting sort): rows are counted per member
  // here, then placed part by part, each by its placer(), then close(). Each member's rows
  // keep their input order. The kernel runs on `threads` chunks of whole partitions
  // (chunks()). Other ids: nothing (adjudicate_frame numbers them densely first).
  static std::unique_ptr<MemberPlacement> for_dense_ids(std::span<const std::int64_t> member,
                                                        std::size_t threads);
  MemberPlacement(const MemberPlacement&) = delete;
  MemberPlacement& operator=(const MemberPlacement&) = delete;
  ~MemberPlacement() = default;

  // Input rows are placed in parts [part_begin(k), part_begin(k + 1)), one task per part
  // (each part writes its own slice of each partition), so the placement is the same for any
  // number of threads.
  [[nodiscard]] std::size_t parts() const { return parts_; }
  [[nodiscard]] std::size_t part_begin(std::size_t k) const { return n_ * k / parts(); }
  // Places part k's rows, block by block in row order (one thread per part).
  [[nodiscard]] Placer placer(std::size_t part);
  // After every part's placer has finished: lays out the result streams.
  void close();

  [[nodiscard]] std::size_t members() const { return ends_.size(); }
  [[nodiscard]] std::int64_t member_id(std::size_t m) const {
    return low_ + static_cast<std::int64_t>(m);
  }
  [[nodiscard]] std::size_t member_begin(std::size_t m) const { return m == 0 ? 0 : ends_[m - 1]; }
  [[nodiscard]] std::size_t member_end(std::size_t m) const { return ends_[m]; }

  // Members come in partitions: [partition_member(p), partition_member(p + 1)).
  [[nodiscard]] std::size_t partitions() const {
    return members() == 0 ? 0 : ((members() - 1) >> shift_) + 1;
  }
  [[nodiscard]] std::size_t partition_of(std::size_t m) const { return m >> shift_; }
  [[nodiscard]] std::size_t partition_member(std::size_t p) const {
    return std::min(members(), p << shift_);
  }
  // Partition p's records in member order (each member's rows in input order), from its
  // first member's first: in `local` (put in order there) or in place. Throws logic_error if
  // the ids changed between counting and placing.
  [[nodiscard]] std::span<const PackedClaim> member_ordered(std::size_t p,
                                                            std::vector<PackedClaim>& local) const;

  // Member boundaries [0, m1, ..., members()): chunks of whole partitions of about equal
  // size, at most one per thread.
  [[nodiscard]] const std::vector<std::size_t>& chunks() const { return chunks_; }
  // Where chunk k's results go (after close()).
  [[nodiscard]] ResultStreams results_of(std::size_t chunk);

  // Every result written at its caller's row of `out`, on `threads` threads.
  void put_back(const AdjudicationColumns& out, std::size_t threads) const;

 private:
  explicit MemberPlacement(std::size_t n);
  // Counts each part's rows per member of ids in `range`; false if an id lies outside.
  bool count(std::span<const std::int64_t> member, std::pair<std::int64_t, std::int64_t> range,
             std::size_t threads);
  // After count(): where each member's rows go, each part's slice of each partition, chunks,
  // and stream counts.
  void lay_out(std::size_t threads);
  void choose_partitions();
  void split_into_chunks(std::size_t threads);
  [[nodiscard]] std::size_t blocks() const { return (n_ >> block_shift) + 1; }
  [[nodiscard]] std::uint32_t& streamed(std::size_t part, std::size_t chunk, std::size_t block) {
    return streamed_[(part * (chunks_.size() - 1) + chunk) * blocks() + block];
  }

  std::size_t n_;
  std::size_t parts_ = 1;
  std::int64_t low_ = 0;           // the id of member 0
  std::vector<std::size_t> ends_;  // one past each member's last record
  // Partition p holds the members [p << shift_, (p + 1) << shift_).
  unsigned shift_ = 0;
  std::vector<std::vector<std::uint32_t>> counts_;  // dense ids, until laid out: per part, member
  // Dense ids: part k's slice of partition p is [slices_[p * parts + k], the next entry).
  std::vector<std::uint32_t> slices_;
  std::vector<std::uint8_t> finished_;  // per part: its placer has finished
  std::vector<std::size_t> chunks_;
  // Counts are kept per part, chunk and destination block, so both are bounded: unsorted
  // input runs on at most 64 threads (the same results for any count).
  static constexpr std::size_t max_parallel = 64;
  std::vector<std::uint8_t> chunk_of_partition_;
  // Per part, chunk and destination block, the rows streamed there; then (close) where each
  // chunk's stream into each block begins.
  std::vector<std::uint32_t> streamed_;
  std::vector<std::uint32_t> stream_begin_, stream_end_;  // per chunk, per block
  std::vector<std::size_t> block_begin_;                  // per block, then one past the last
  // Dense ids: in slices, written a whole buffer at a time; read a partition at a time.
  Scratch<PackedClaim> records_;
  Scratch<StagedResult> results_;
  std::vector<std::vector<WideResult>> wide_;  // per chunk
};

// Places one part's rows (one thread), each record appended to its partition's slice
// (line_streams.hpp: no line of the records is read before it is written).
class MemberPlacement::Placer {
 public:
  Placer(MemberPlacement& placement, std::size_t part);
  // Rows [first, first + block.size()) of the part, after the rows placed before; `block`
  // holds their columns.
  void place(std::size_t first, const ClaimColumns& block);
  // After the part's last rows: every slice must be full.
  void finish();

 private:
  MemberPlacement& placement_;
  std::size_t part_;
  std::size_t next_row_;
  LineStreams<PackedClaim> slices_;
};

}  // namespace yibao::detail
