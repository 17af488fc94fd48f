#include "yibao/order.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <string>

#include "yibao/parallel.hpp"

namespace yibao {
namespace {

// A member has a handful of rows: insertion sort is stable, allocates nothing (std::stable_sort
// takes a temporary buffer on every call) and is fastest on short, nearly sorted runs.
template <class It, class Less>
void stable_sort_small(It first, It last, Less less) {
  if (last - first > 32) {
    std::stable_sort(first, last, less);
    return;
  }
  for (It i = first + (first != last ? 1 : 0); i < last; ++i) {
    const auto value = *i;
    It j = i;
    for (; j != first && less(value, *(j - 1)); --j) *j = *(j - 1);
    *j = value;
  }
}

}  // namespace

bool in_processing_order(std::span<const std::int64_t> member, std::span<const std::int32_t> day,
                         std::size_t threads) {
  // Branch-free within blocks, so the check runs at memory speed; each range stops at its
  // first block out of order.
  constexpr std::size_t block = 4096;
  const std::size_t n = member.size();
  std::atomic<bool> sorted = true;
  for_each_range(n, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t start = std::max<std::size_t>(first, 1); start < last; start += block) {
      const std::size_t stop = std::min(last, start + block);
      bool out_of_order = false;
      for (std::size_t i = start; i < stop; ++i) {
        // int, not bool, operands: no branch per row
        out_of_order |=
            static_cast<int>(member[i] < member[i - 1]) |
            (static_cast<int>(member[i] == member[i - 1]) & static_cast<int>(day[i] < day[i - 1]));
      }
      if (out_of_order || !sorted.load(std::memory_order_relaxed)) {
        sorted = false;
        return;
      }
    }
  });
  return sorted;
}

std::vector<std::int64_t> processing_order(std::span<const std::int64_t> member,
                                           std::span<const std::int32_t> day) {
  const std::size_t n = member.size();
  std::vector<std::int64_t> order(n);
  bool sorted = true;
  std::int64_t low = n ? member[0] : 0, high = low;
  for (std::size_t i = 1; i < n; ++i) {
    low = std::min(low, member[i]);
    high = std::max(high, member[i]);
    if (member[i] < member[i - 1] || (member[i] == member[i - 1] && day[i] < day[i - 1]))
      sorted = false;
  }
  if (sorted) {  // the common case for extracts: one linear check
    std::iota(order.begin(), order.end(), std::int64_t{0});
    return order;
  }

  auto by_day = [&](std::int64_t a, std::int64_t b) {
    return day[static_cast<std::size_t>(a)] < day[static_cast<std::size_t>(b)];
  };
  // Dense member ids (e.g. 1..M, or factorized codes): a counting sort keeps input order within
  // each member, then a stable sort on day inside each member gives (member, day, position).
  // (high - low computed unsigned: it cannot overflow.)
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span < 2 * static_cast<std::uint64_t>(n) + 2) {
    auto bucket = [&](std::size_t i) {
      return static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) -
                                      static_cast<std::uint64_t>(low));
    };
    std::vector<std::int64_t> start(static_cast<std::size_t>(span) + 2, 0);
    for (std::size_t i = 0; i < n; ++i) ++start[bucket(i) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    for (std::size_t i = 0; i < n; ++i)
      order[static_cast<std::size_t>(start[bucket(i)]++)] = static_cast<std::int64_t>(i);
    // start[b] is now the end of member b's rows: sort each member's rows by day.
    std::int64_t begin = 0;
    for (std::size_t b = 0; b <= span; ++b) {
      const std::int64_t end = start[b];
      if (end - begin > 1) stable_sort_small(order.begin() + begin, order.begin() + end, by_day);
      begin = end;
    }
    return order;
  }
  // Arbitrary int64 ids (read in place from the caller's column): one stable sort.
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const auto ma = member[static_cast<std::size_t>(a)];
    const auto mb = member[static_cast<std::size_t>(b)];
    return ma < mb || (ma == mb && by_day(a, b));
  });
  return order;
}

std::vector<std::size_t> member_chunks(std::span<const std::int64_t> order,
                                       std::span<const std::int64_t> member, std::size_t chunks) {
  const std::size_t n = order.empty() ? member.size() : order.size();
  auto member_at = [&](std::size_t i) {
    return order.empty() ? member[i] : member[static_cast<std::size_t>(order[i])];
  };
  chunks = std::max<std::size_t>(1, std::min(chunks, n));
  std::vector<std::size_t> bounds{0};
  for (std::size_t k = 1; k < chunks; ++k) {
    std::size_t b = std::max(bounds.back(), n * k / chunks);
    // Move the cut forward until it falls between two members.
    while (b > 0 && b < n && member_at(b) == member_at(b - 1)) ++b;
    if (b > bounds.back() && b < n) bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace yibao
