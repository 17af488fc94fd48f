// The order in which the kernel takes unsorted rows once placed by member (placement.hpp):
// member by member, each member's rows by day, ties in input order (internal to the core).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "placement.hpp"

namespace yibao::detail {

// Members come a batch at a time (whole members, about batch_rows rows). A batch's records
// are counting-sorted by day, then stably by member: two passes with no branch that depends
// on the data. Sorting each member's handful of rows on its own (an insertion sort) cost a
// mispredicted branch per row, and took about twice as long (docs/performance.md). A batch
// whose days span max_span days or more (claims over decades) sorts each member on its own.
class DayOrder {
 public:
  static constexpr std::size_t batch_rows = 2048;
  static constexpr std::size_t max_span = 4096;

  // The end of the batch of `placed`'s members that starts at `first` (before `last`): whole
  // members, at most batch_rows rows unless the first member alone has more.
  [[nodiscard]] static std::size_t batch_end(const MemberPlacement& placed, std::size_t first,
                                             std::size_t last);

  // The processing order of `records`, the rows of `placed`'s members [first, last) in member
  // order, as positions in `records`. Member j's rows are at the same offsets its records
  // have: [member_begin(j) - member_begin(first), member_end(j) - member_begin(first)).
  std::span<const std::uint32_t> sort(std::span<const PackedClaim> records,
                                      const MemberPlacement& placed, std::size_t first,
                                      std::size_t last);

 private:
  void sort_each_member(std::span<const PackedClaim> records, const MemberPlacement& placed,
                        std::size_t first, std::size_t last);

  std::vector<std::uint32_t> count_;      // per day of the batch's span, then where it starts
  std::vector<std::uint32_t> by_day_;     // the batch's rows by day
  std::vector<std::uint32_t> member_of_;  // each row's member, counted from `first`
  std::vector<std::uint32_t> cursor_;     // each member's next row
  std::vector<std::uint32_t> order_;
  std::vector<std::uint64_t> keys_;  // sort_each_member: day (order-preserving) | row
};

}  // namespace yibao::detail
