// Unsorted claims placed in member order for the kernel, and its results put back at the
// caller's rows (internal to the core: adjudicate.cpp, adjudicate_frame.cpp).
//
// A row of unsorted input lies at a random place relative to its member's other rows, so
// moving it costs a cache miss per thing moved. Gathering each input column into processing
// order and scattering each result column back cost about 14 misses a row. Here a row costs
// one on the way in (its 32-byte record, written at its member's next slot by a counting sort)
// and one on the way out (its 48-byte staged result, read back in the caller's row order);
// everything between stays in the core's cache (docs/performance.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "yibao/buffers.hpp"
#include "yibao/claims.hpp"

namespace yibao::detail {

// One claim row, packed.
struct PackedClaim {
  std::int64_t eligible;
  std::int64_t institution;  // 0 when the input has no institution column
  std::uint32_t row;         // the caller's row
  std::int32_t day;
  std::int8_t level, status, service, prescriber, tier;
};
static_assert(sizeof(PackedClaim) == 32);

// One row's results, staged at its record's position until put back.
struct StagedResult {
  std::int64_t deductible, fund_paid, self_pay, capped, ytd_fund_paid;
  std::uint16_t rule;
};
static_assert(sizeof(StagedResult) == 48);

// The smallest and largest member id, when ids are dense enough for a counting sort (their
// range under 2n + 2), else nothing.
std::optional<std::pair<std::int64_t, std::int64_t>> dense_id_range(
    std::span<const std::int64_t> member, std::size_t threads);

class MemberPlacement {
 public:
  // Dense ids in [range.first, range.second] (dense_id_range): rows are counted per member
  // here, then placed part by part with place(). Each member's rows keep their input order.
  MemberPlacement(std::span<const std::int64_t> member, std::pair<std::int64_t, std::int64_t> range,
                  std::size_t threads);
  // Any ids: every row placed at once, in `order` (processing_order(): by member and day).
  MemberPlacement(const ClaimColumns& claims, std::span<const std::int64_t> order,
                  std::size_t threads);
  MemberPlacement(const MemberPlacement&) = delete;
  MemberPlacement& operator=(const MemberPlacement&) = delete;
  ~MemberPlacement() = default;

  // Input rows are placed in parts [part_begin(k), part_begin(k + 1)), one task per part
  // (a part's slots are counted for its own rows), so the placement is the same for any
  // number of threads.
  [[nodiscard]] std::size_t parts() const { return next_.size(); }
  [[nodiscard]] std::size_t part_begin(std::size_t k) const { return n_ * k / parts(); }
  // Places the input rows [first, first + block.size()) of part k, in row order; `block`
  // holds their columns.
  void place(std::size_t part, std::size_t first, const ClaimColumns& block);

  [[nodiscard]] std::size_t members() const { return ends_.size(); }
  [[nodiscard]] std::int64_t member_id(std::size_t m) const {
    return ids_.empty() ? low_ + static_cast<std::int64_t>(m) : ids_[m];
  }
  [[nodiscard]] std::size_t member_begin(std::size_t m) const { return m == 0 ? 0 : ends_[m - 1]; }
  [[nodiscard]] std::size_t member_end(std::size_t m) const { return ends_[m]; }
  [[nodiscard]] std::span<const PackedClaim> records() const { return records_.span(); }
  [[nodiscard]] std::span<StagedResult> staged() const { return staged_.span(); }

  // Member boundaries [0, m1, ..., members()) splitting the rows into up to `chunks` parts
  // of about equal size.
  [[nodiscard]] std::vector<std::size_t> member_chunks(std::size_t chunks) const;

  // Every staged result written at its caller's row of `out`, on `threads` threads.
  void put_back(const AdjudicationColumns& out, std::size_t threads) const;

 private:
  std::size_t n_;
  std::int64_t low_ = 0;                          // dense ids: the id of member 0
  std::vector<std::int64_t> ids_;                 // other ids: each member's id
  std::vector<std::size_t> ends_;                 // one past each member's last record
  std::vector<std::vector<std::uint32_t>> next_;  // dense ids: per part, each member's next slot
  Scratch<PackedClaim> records_;
  Scratch<std::uint32_t> slot_of_row_;  // where each input row's record is
  Scratch<StagedResult> staged_;
};

}  // namespace yibao::detail
