#include "day_order.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace yibao::detail {
namespace {

// Sorts distinct keys: insertion sort for a member's usual handful of rows (no allocation),
// std::sort beyond.
void sort_small(std::span<std::uint64_t> keys) {
  if (keys.size() > 32) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  for (std::size_t i = 1; i < keys.size(); ++i) {
    const std::uint64_t key = keys[i];
    std::size_t j = i;
    for (; j > 0 && key < keys[j - 1]; --j) keys[j] = keys[j - 1];
    keys[j] = key;
  }
}

// Whether each of `placed`'s members [first, last) has its rows in `records` in day order.
bool in_day_order(std::span<const PackedClaim> records, const MemberPlacement& placed,
                  std::size_t first, std::size_t last) {
  const std::size_t base = placed.member_begin(first);
  for (std::size_t j = first; j < last; ++j) {
    for (std::size_t q = placed.member_begin(j) - base + 1; q < placed.member_end(j) - base; ++q) {
      if (records[q].day < records[q - 1].day) return false;
    }
  }
  return true;
}

}  // namespace

std::size_t DayOrder::batch_end(const MemberPlacement& placed, std::size_t first,
                                std::size_t last) {
  const std::size_t base = placed.member_begin(first);
  std::size_t end = first + 1;
  while (end < last && placed.member_end(end) - base <= batch_rows) ++end;
  return end;
}

std::span<const std::uint32_t> DayOrder::sort(std::span<const PackedClaim> records,
                                              const MemberPlacement& placed, std::size_t first,
                                              std::size_t last) {
  const std::size_t base = placed.member_begin(first);
  const std::size_t rows = placed.member_end(last - 1) - base;
  if (records.size() != rows) throw std::logic_error("DayOrder::sort: records and members differ");
  order_.resize(rows);
  if (rows == 0) return order_;  // members without rows (dense ids have gaps)
  // Members whose rows are in day order already (input sorted by date but not by member, as
  // claim files often come) have nothing to sort. On shuffled input the search stops at once.
  if (in_day_order(records, placed, first, last)) {
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    return order_;
  }
  std::int32_t low = records[0].day, high = low;
  for (const PackedClaim& r : records) {
    low = std::min(low, r.day);
    high = std::max(high, r.day);
  }
  // (In 64 bits: any two int32 days are less than 2^32 apart.)
  if (std::int64_t{high} - low >= static_cast<std::int64_t>(max_span)) {
    sort_each_member(records, placed, first, last);
    return order_;
  }
  auto day_of = [&](std::size_t q) { return static_cast<std::size_t>(records[q].day - low); };
  const std::size_t span = static_cast<std::size_t>(high - low) + 1;
  count_.assign(span + 1, 0);
  for (std::size_t q = 0; q < rows; ++q) ++count_[day_of(q) + 1];
  for (std::size_t d = 1; d <= span; ++d) count_[d] += count_[d - 1];
  by_day_.resize(rows);
  for (std::size_t q = 0; q < rows; ++q)
    by_day_[count_[day_of(q)]++] = static_cast<std::uint32_t>(q);
  // Stably by member: each member's rows go to its own offsets, in day order.
  member_of_.resize(rows);
  cursor_.resize(last - first);
  for (std::size_t j = first; j < last; ++j) {
    const auto begin = static_cast<std::uint32_t>(placed.member_begin(j) - base);
    cursor_[j - first] = begin;
    std::fill(member_of_.begin() + begin,
              member_of_.begin() + static_cast<std::ptrdiff_t>(placed.member_end(j) - base),
              static_cast<std::uint32_t>(j - first));
  }
  for (const std::uint32_t q : by_day_) order_[cursor_[member_of_[q]]++] = q;
  return order_;
}

void DayOrder::sort_each_member(std::span<const PackedClaim> records, const MemberPlacement& placed,
                                std::size_t first, std::size_t last) {
  const std::size_t base = placed.member_begin(first);
  for (std::size_t j = first; j < last; ++j) {
    const std::size_t begin = placed.member_begin(j), end = placed.member_end(j);
    keys_.clear();
    for (std::size_t p = begin - base; p < end - base; ++p) {
      const auto day = static_cast<std::uint32_t>(records[p].day) ^ 0x8000'0000U;
      keys_.push_back(std::uint64_t{day} << 32 | p);
    }
    sort_small(keys_);
    for (std::size_t k = 0; k < keys_.size(); ++k)
      order_[begin - base + k] = static_cast<std::uint32_t>(keys_[k]);
  }
}

}  // namespace yibao::detail
